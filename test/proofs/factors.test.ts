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
import { factorChallenge, proveFactorsFor, verifyFactorsFor, type FactorProofData } from "../../src/proofs/factors";
import { ModularExponentiator, randomBelow } from "../../src/paillier";
import { fixtureKey } from "../paillier/helpers";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { context, expectProofError, keyFromPrimes } from "./helpers";

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

  describe("zero knowledge for the prover", () => {
    /** A 2048-bit key from primes of the given sizes. */
    function unbalanced(small: number, large: number) {
      for (;;) {
        const [p, q] = [generatePrimeSync(small, { bigint: true }), generatePrimeSync(large, { bigint: true })];
        if ((p * q).toString(2).length === 2048) return keyFromPrimes(p, q);
      }
    }

    it("refuses a key whose larger prime exceeds 2^(ε−ℓ)·√n = 2^128·√n: α's range would not hide e·p", () => {
      // z₁ = α + e·p with α uniform in ±2^(ℓ+ε)·√n: its distance from uniform is about e·p / (2^(ℓ+ε+1)·√n),
      // 2^−33 for a 1248-bit p in a 2048-bit n (and the honest prover's retry on |z₁| > bound cuts the range at
      // ep − 2^(ℓ+ε)·√n, which a z₁ near that edge shows). At most 2^128·√n keeps it below 2^−128.
      const leaky = unbalanced(800, 1248);
      expectProofError(() => proveFactors(leaky, parameters, ctx), "STATEMENT_FALSE", /2\^128·√n/);
      const fine = unbalanced(900, 1148);
      verifyFactors(fine.publicKey, parameters, proveFactors(fine, parameters, ctx), ctx);
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

  describe("range bounds at their edges (a forger holding the bureau's trapdoor λ = log_t s)", () => {
    // With λ and φ(N̂) every equation can be met for any z₁, z₂, σ of the forger's choice (all commitments are powers
    // of t), and w₁, w₂, v move by multiples of φ(N̂) without changing t^w: so each range check can be tested
    // alone, at its edge, on proofs that satisfy all three equations. (Only the bureau holds λ: this is a test
    // device, not an attack.)
    const secret = fixtureRingPedersen(2048);
    const { n: nHat, t } = parameters;
    const phi = (secret.p - 1n) * (secret.q - 1n);
    const pow = new ModularExponentiator(nHat);
    const mod = (x: bigint) => ((x % phi) + phi) % phi;
    const n0 = publicKey.n;
    const root = isqrt(n0);
    const L = BigInt(FACTOR_CHALLENGE_BITS);
    const E = BigInt(FACTOR_SLACK_BITS);
    const bound = {
      z: root << (L + E),
      w: nHat << (L + E + 1n),
      sigma: (n0 * nHat) << L,
      v: (n0 * nHat) << (L + E + 1n),
    };

    function forge(choice: { sigma?: bigint; z1?: bigint; z2?: bigint } = {}): FactorProofData {
      const [kP, kQ, kA, kB, kT] = Array.from({ length: 5 }, () => randomBelow(phi));
      const [P, Q, A, B, T] = [kP, kQ, kA, kB, kT].map((k) => pow.pow(t, k));
      const sigma = choice.sigma ?? 0n;
      const e = factorChallenge(n0, parameters, { P, Q, A, B, T, sigma }, ctx);
      const z1 = choice.z1 ?? 0n;
      const z2 = choice.z2 ?? 0n;
      const lambda = secret.lambda;
      return {
        P,
        Q,
        A,
        B,
        T,
        sigma,
        z1,
        z2,
        w1: mod(kA + e * kP - lambda * z1),
        w2: mod(kB + e * kQ - lambda * z2),
        v: mod(kT + e * (lambda * n0 + sigma) - kQ * z1),
      };
    }

    /** x moved by multiples of φ(N̂) to the last value within ±limit (inside) or the first beyond (outside). */
    function atEdge(x: bigint, limit: bigint, sign: 1n | -1n, side: "inside" | "outside"): bigint {
      if (sign === 1n) {
        const inside = x + ((limit - x) / phi) * phi;
        return side === "inside" ? inside : inside + phi;
      }
      const inside = x - ((x + limit) / phi) * phi;
      return side === "inside" ? inside : inside - phi;
    }

    const verify = (data: FactorProofData) => verifyFactorsFor(n0, parameters, data, ctx);

    it("the forger's proofs verify (the equations hold for any z₁, z₂, σ)", () => {
      verify(forge());
      verify(forge({ z1: 12345n, z2: -678n, sigma: -9n }));
    });

    for (const name of ["z1", "z2", "sigma"] as const) {
      it(`${name}: ±bound accepted, ±(bound + 1) rejected by the range check alone`, () => {
        const limit = name === "sigma" ? bound.sigma : bound.z;
        for (const sign of [1n, -1n] as const) {
          verify(forge({ [name]: sign * limit }));
          expectProofError(
            () => verify(forge({ [name]: sign * (limit + 1n) })),
            "FACTOR_PROOF_INVALID",
            new RegExp(`\\|${name}\\| ≤`),
          );
        }
      });
    }

    for (const name of ["w1", "w2", "v"] as const) {
      it(`${name}: the last value within ±bound accepted, the next one (same t^${name}) rejected`, () => {
        const limit = name === "v" ? bound.v : bound.w;
        const base = forge({ z1: bound.z, z2: -bound.z });
        for (const sign of [1n, -1n] as const) {
          const inside = atEdge(base[name], limit, sign, "inside");
          const outside = atEdge(base[name], limit, sign, "outside");
          expect(inside <= limit && inside >= -limit).to.equal(true);
          expect(outside > limit || outside < -limit).to.equal(true);
          verify({ ...base, [name]: inside });
          expectProofError(
            () => verify({ ...base, [name]: outside }),
            "FACTOR_PROOF_INVALID",
            new RegExp(`\\|${name}\\| ≤`),
          );
        }
      });
    }

    it("rejects each signed answer of an honest proof with its sign flipped", () => {
      for (const name of ["sigma", "z1", "z2", "w1", "w2", "v"] as const) {
        expectProofError(
          () => verifyFactors(publicKey, parameters, { ...proof, [name]: -proof[name] }, ctx),
          "FACTOR_PROOF_INVALID",
          /mismatch/,
        );
      }
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
