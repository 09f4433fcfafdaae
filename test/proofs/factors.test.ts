/**
 * Tests of Π^fac (no small factor): honest proofs verify at 2048 bits (with fast-check over contexts) and at 3072
 * bits, through JSON; a proof for another context, key or parameters is rejected, and so is every tampered field;
 * soundness against the paper's statement: a modulus with a small prime (17 bits, and 600 bits, below the
 * guaranteed bound 2^638) gets no accepted proof from the prover run on its real factors, the honest prover refuses
 * it, and balanced factors that are not the modulus's fail the third equation; a modulus with unbalanced primes above
 * the bound is proven; decoding is strict.
 */

import { generatePrimeSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { importPrivateKey } from "../../src/paillier";
import { isqrt } from "../../src/paillier/arith";
import {
  FACTOR_CHALLENGE_BITS,
  FACTOR_SLACK_BITS,
  decodeFactorProof,
  encodeFactorProof,
  proveFactors,
  verifyFactors,
  type FactorProof,
} from "../../src/proofs";
import { proveFactorsFor, verifyFactorsFor, type FactorProofData } from "../../src/proofs/factors";
import { fixtureKey } from "../paillier/helpers";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { context, expectProofError } from "./helpers";

describe("Π^fac: no small factor", () => {
  const key = fixtureKey(2048);
  const { publicKey } = key;
  const { parameters } = fixtureRingPedersen(2048);
  const ctx = context("chain 31337, key fingerprint, bureau parameters");
  let proof: FactorProof;

  before(() => {
    proof = proveFactors(key, parameters, ctx);
  });

  describe("completeness", () => {
    it("verifies an honest proof at 2048 bits, through JSON", () => {
      verifyFactors(publicKey, parameters, proof, ctx);
      const json = JSON.stringify(encodeFactorProof(proof));
      verifyFactors(publicKey, parameters, decodeFactorProof(publicKey, parameters, json), ctx);
      expect(JSON.parse(json)).to.have.property("parameters", parameters.fingerprint);
    });

    it("verifies an honest proof for a 3072-bit key under 3072-bit parameters", () => {
      const big = fixtureKey(3072);
      const rp = fixtureRingPedersen(3072).parameters;
      const made = proveFactors(big, rp, ctx);
      verifyFactors(
        big.publicKey,
        rp,
        decodeFactorProof(big.publicKey, rp, JSON.stringify(encodeFactorProof(made))),
        ctx,
      );
    });

    it("verifies for any context, and only for its own (fast-check)", () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 96 }), (bytes) => {
          const made = proveFactors(key, parameters, bytes);
          verifyFactors(publicKey, parameters, made, bytes);
          expectProofError(
            () => verifyFactors(publicKey, parameters, made, Uint8Array.of(...bytes, 0)),
            "FACTOR_PROOF_INVALID",
          );
        }),
        { numRuns: 5 },
      );
    });

    it("proves a key whose primes are unbalanced but above the bound: 800 and 1248 bits", () => {
      const [p, q] = [generatePrimeSync(800, { bigint: true }), generatePrimeSync(1248, { bigint: true })];
      const data = proveFactorsFor(p * q, p, q, parameters, ctx);
      verifyFactorsFor(p * q, parameters, data, ctx);
    });
  });

  describe("soundness", () => {
    it("gets no accepted proof for n = 65539·Q (17-bit prime): the honest prover refuses, its run fails the range", () => {
      const weak = importPrivateKey(readFileSync(join(__dirname, "small-prime-key-2048.json"), "utf8"));
      expectProofError(() => proveFactors(weak, parameters, ctx), "STATEMENT_FALSE", /too small to prove large/);
      const [small, large] = weak.p < weak.q ? [weak.p, weak.q] : [weak.q, weak.p];
      for (const [p, q] of [
        [small, large],
        [large, small],
      ]) {
        const data = proveFactorsFor(weak.publicKey.n, p, q, parameters, ctx);
        expectProofError(
          () => verifyFactorsFor(weak.publicKey.n, parameters, data, ctx),
          "FACTOR_PROOF_INVALID",
          /\|z[12]\| ≤/,
        );
      }
    });

    it("gets no accepted proof for a 600-bit prime (below √n/2^385 ≈ 2^638) times a 1448-bit one", () => {
      const [p, q] = [generatePrimeSync(600, { bigint: true }), generatePrimeSync(1448, { bigint: true })];
      const data = proveFactorsFor(p * q, p, q, parameters, ctx);
      expectProofError(() => verifyFactorsFor(p * q, parameters, data, ctx), "FACTOR_PROOF_INVALID", /\|z2\| ≤/);
      // The guaranteed bound, from the parameters: 2^(ℓ+ε+1)·√n bounds each opened factor.
      expect(FACTOR_CHALLENGE_BITS + FACTOR_SLACK_BITS + 1).to.equal(385);
      expect(isqrt(p * q) >> 385n).to.be.greaterThan(p);
    });

    it("rejects balanced claimed factors whose product is not n: the third equation (N₀ = p·q) fails", () => {
      const root = isqrt(publicKey.n) | 1n;
      const data = proveFactorsFor(publicKey.n, root, root + 2n, parameters, ctx);
      expectProofError(
        () => verifyFactorsFor(publicKey.n, parameters, data, ctx),
        "FACTOR_PROOF_INVALID",
        /Q\^z1·t\^v/,
      );
    });

    it("rejects a proof for another key, other parameters, or another context", () => {
      const other = fixtureKey(3072).publicKey;
      expectProofError(() => verifyFactors(other, parameters, proof, ctx), "FACTOR_PROOF_INVALID", /for key/);
      const rp = fixtureRingPedersen(3072).parameters;
      expectProofError(() => verifyFactors(publicKey, rp, proof, ctx), "FACTOR_PROOF_INVALID", /under parameters/);
      expectProofError(() => verifyFactorsFor(publicKey.n, rp, proof, ctx), "FACTOR_PROOF_INVALID");
      expectProofError(
        () => verifyFactors(publicKey, parameters, proof, context("another")),
        "FACTOR_PROOF_INVALID",
        /mismatch/,
      );
      // The same numbers claimed for another modulus of the same size.
      expectProofError(() => verifyFactorsFor(publicKey.n + 2n, parameters, proof, ctx), "FACTOR_PROOF_INVALID");
    });

    it("rejects every tampered field", () => {
      const fields: (keyof FactorProofData)[] = ["P", "Q", "A", "B", "T", "sigma", "z1", "z2", "w1", "w2", "v"];
      for (const field of fields) {
        for (const delta of [1n, -1n]) {
          const value = proof[field] + delta;
          const tampered = { ...proof, [field]: value === 0n ? 2n : value };
          expectProofError(
            () => verifyFactors(publicKey, parameters, tampered, ctx),
            "FACTOR_PROOF_INVALID",
            undefined,
          );
        }
      }
      const nonUnit = { ...proof, T: fixtureRingPedersen(2048).p };
      expectProofError(() => verifyFactors(publicKey, parameters, nonUnit, ctx), "FACTOR_PROOF_INVALID", /units/);
    });
  });

  describe("decodeFactorProof", () => {
    it("decodes strictly: members, parameters, widths, sign, range", () => {
      const json = encodeFactorProof(proof) as unknown as Record<string, string>;
      const cases: [unknown, RegExp][] = [
        ["{", /does not parse/],
        [{ ...json, extra: "0x" }, /unexpected member "extra"/],
        [
          { ...json, parameters: fixtureRingPedersen(3072).parameters.fingerprint },
          /expected one under the parameters/,
        ],
        [{ ...json, P: json.P.slice(0, -2) }, /factor proof P: expected "0x" and exactly 512/],
        [{ ...json, P: "0x" + "0".repeat(512) }, /factor proof P: expected a value in \[1, N̂\)/],
        [{ ...json, z1: json.z1.toUpperCase() }, /factor proof z1: expected an optional "-"/],
        [{ ...json, sigma: "-0x" + "0".repeat(json.sigma.replace("-", "").length - 2) }, /expected 0 without a sign/],
        [{ ...json, v: "+" + json.v }, /factor proof v/],
      ];
      for (const [input, message] of cases)
        expectProofError(() => decodeFactorProof(publicKey, parameters, input), "PROOF_FORMAT", message);
    });
  });
});
