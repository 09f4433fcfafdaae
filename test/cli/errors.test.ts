/**
 * The command line's words for what went wrong: every custom error a suite contract can revert with is explained
 * with what to do next (walked from the ABIs, so a new error without words fails here), and malformed JSON is named
 * by line and column.
 */
import { expect } from "chai";
import { Interface } from "ethers";
import { PermissionSetting__factory } from "../../typechain-types";
import { classify, suiteFactories } from "../../src/cli/errors";
import { REFUSAL_EXPLANATIONS, REVERT_EXPLANATIONS } from "../../src/cli/revertExplanations";
import { RefusalReason } from "../../src/contractEnums";
import { parseJson } from "../../src/json";
import { cli, expectExit, scratchDir } from "./helpers";
import { writeFileSync } from "node:fs";
import path from "node:path";

describe("cli/errors: contract errors in words", function () {
  const errors = suiteFactories().flatMap((f) =>
    f.abi.filter((e) => e.type === "error").map((e) => ({ contract: f.name, error: e as { name: string } })),
  );

  it("walks at least every error of the six contracts' ABIs", function () {
    expect(errors.length).to.be.greaterThan(60);
  });

  for (const { contract, error } of errors) {
    it(`explains ${error.name} (${contract.replace("__factory", "")}) with what to do next`, function () {
      const text = REVERT_EXPLANATIONS[error.name];
      expect(text, `no explanation for ${error.name}`).to.be.a("string");
      expect(text.length, text).to.be.greaterThan(40);
      expect(text, `${error.name}: a sentence`).to.match(/^[A-Z].*\.$/s);
    });
  }

  it("prints the explanation first and the decoded error after it", function () {
    const iface = new Interface(PermissionSetting__factory.abi);
    const subject = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const bank = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
    const data = iface.encodeErrorResult("PermissionNoRequest", [subject, bank]);
    const error = classify(Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION", data }));
    expect(error.exitCode).to.equal(4);
    expect(error.message).to.equal(
      `refused: ${REVERT_EXPLANATIONS.PermissionNoRequest} [PermissionNoRequest(subject: ${subject}, grantee: ${bank})]`,
    );
  });
});

describe("cli/errors: a bureau's refusal and usage mistakes in words", function () {
  this.timeout(60_000);

  it("explains every reason a bureau can refuse a check with", function () {
    const reasons = Object.keys(RefusalReason).filter((k) => Number.isNaN(Number(k)));
    expect(reasons).to.have.length(5);
    for (const reason of reasons) expect(REFUSAL_EXPLANATIONS[reason], reason).to.match(/^[a-z].*\.$/);
  });

  it("names a mistyped required flag and the flag it should be", async function () {
    const run = expectExit(
      await cli(["bank", "check", "--subjet", `0x${"11".repeat(20)}`, "--bureau", `0x${"22".repeat(20)}`]),
      2,
    );
    expect(run.stderr).to.include("required option '--subject <address>' not specified");
    expect(run.stderr).to.include("check does not know --subjet (did you mean --subject?)");
  });

  it("names the line and column of a malformed form file", async function () {
    const file = path.join(scratchDir("json"), "loan.json");
    writeFileSync(file, '{\n  "conditions": [\n    { "field": "creditScore", "op": "ge", "value": 650, }\n  ]\n}\n');
    const run = expectExit(await cli(["bank", "form", "--file", file]), 2);
    expect(run.stderr).to.include(
      `form ${file}: expected JSON, got a syntax error at line 3, column 57 (expected a property name in double quotes, got "}")`,
    );
  });
});

describe("json: malformed JSON named by line and column", function () {
  it("names the line and column of a stray comma", function () {
    expect(() => parseJson('{\n  "a": 1,\n  "b": ,\n}', "form loan.json")).to.throw(
      /^form loan\.json: expected JSON, got a syntax error at line 3, column 8 \(/,
    );
  });

  it("names the end of the text when it stops short", function () {
    expect(() => parseJson('{\n  "a": [1, 2', "x.json")).to.throw(/at line 2, column 13 \(the text ends too soon/);
  });

  it("parses good JSON", function () {
    expect(parseJson('{"a": [1]}', "x")).to.deep.equal({ a: [1] });
  });
});
