/**
 * The one error skeleton: each family is a CodedError subclass whose instances keep their class, name, code, message
 * and cause, whatever order the family's constructor takes them in.
 */
import { expect } from "chai";
import { MigrationError } from "../src/bureau/migrateStore";
import { SealingError } from "../src/bureau/sealing";
import { StoreError } from "../src/bureau/store";
import { DgkError } from "../src/dgk";
import { CodedError } from "../src/errors";
import { PaillierError } from "../src/paillier";
import { ProofError } from "../src/proofs";
import { SignedRequestError } from "../src/protocol/signedRequest";
import { WorkerPoolError } from "../src/workerPool";

describe("errors: CodedError", function () {
  const cause = new Error("underneath");
  const cases: [string, Error & { code: string }, string][] = [
    ["PaillierError", new PaillierError("KEY_SIZE", "m", { cause }), "KEY_SIZE"],
    ["DgkError", new DgkError("CLOSED", "m", { cause }), "CLOSED"],
    ["ProofError", new ProofError("BIT_PROOF_INVALID", "m", { cause }), "BIT_PROOF_INVALID"],
    ["StoreError", new StoreError("no-record", "m", { cause }), "no-record"],
    ["SealingError", new SealingError("tampered", "m", { cause }), "tampered"],
    ["WorkerPoolError", new WorkerPoolError("closed", "m", { cause }), "closed"],
    ["MigrationError", new MigrationError("m", "verify", { cause }), "verify"],
  ];
  for (const [name, error, code] of cases) {
    it(`${name} keeps its class, name, code, message and cause`, function () {
      expect(error).to.be.instanceOf(CodedError).and.instanceOf(Error);
      expect(error.constructor.name).to.equal(name);
      expect(error.name).to.equal(name);
      expect(error.code).to.equal(code);
      expect(error.message).to.equal("m");
      expect(error.cause).to.equal(cause);
      expect(String(error)).to.equal(`${name}: m`);
    });
  }

  it("SignedRequestError takes (message, code), `invalid` by default", function () {
    expect(new SignedRequestError("m")).to.include({ name: "SignedRequestError", code: "invalid", message: "m" });
    expect(new SignedRequestError("m", "replayed").code).to.equal("replayed");
  });

  it("keeps the families apart: one family's error is no other's", function () {
    expect(new DgkError("CLOSED", "m")).to.not.be.instanceOf(PaillierError);
    expect(new PaillierError("POOL_CLOSED", "m")).to.not.be.instanceOf(DgkError);
  });
});
