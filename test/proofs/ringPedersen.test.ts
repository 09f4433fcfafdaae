/**
 * Tests of the ring-Pedersen parameters and Π^prm: the fixture parameters check out (safe primes, N̂ = P̂·Q̂,
 * s = t^λ, t a square) and have a stable fingerprint; honest proofs verify through JSON, for their context only;
 * every tampered field, a wrong count, and parameters with s outside ⟨t⟩ (with the best cheating prover, which must
 * guess every challenge bit) are rejected; malformed parameters and secrets are refused, saying what was expected.
 */

import { expect } from "chai";
import fc from "fast-check";
import { modPow, randomBits } from "../../src/paillier";
import { modInverse } from "../../src/paillier/arith";
import {
  RING_PEDERSEN_PROOF_ITERATIONS,
  decodeRingPedersenParameters,
  decodeRingPedersenProof,
  encodeRingPedersenParameters,
  encodeRingPedersenProof,
  exportRingPedersen,
  generateRingPedersen,
  importRingPedersen,
  proveRingPedersen,
  ringPedersenParameters,
  verifyRingPedersen,
  type RingPedersenParameters,
  type RingPedersenProof,
} from "../../src/proofs";
import { jacobi } from "../../src/proofs/arith";
import { ringPedersenChallenges } from "../../src/proofs/ringPedersen";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { context, expectProofError } from "./helpers";

describe("ring-Pedersen parameters and Π^prm", () => {
  const secret = fixtureRingPedersen(2048);
  const { parameters } = secret;
  const ctx = context("bureau 0xb0 on chain 31337");
  let proof: RingPedersenProof;

  before(() => {
    proof = proveRingPedersen(secret, ctx);
  });

  describe("the parameters", () => {
    it("are two safe primes, N̂ = P̂·Q̂, t a square modulo both, s = t^λ, named by a stable fingerprint", () => {
      const { p, q, lambda } = secret;
      expect(p * q).to.equal(parameters.n);
      expect([jacobi(parameters.t, p), jacobi(parameters.t, q)]).to.deep.equal([1, 1]);
      expect(modPow(parameters.t, lambda, parameters.n)).to.equal(parameters.s);
      expect(parameters.n.toString(2)).to.have.length(2048);
      // Known answer: the fingerprint of the committed fixture (SHA-256 over the framed tag, N̂, s, t).
      expect(parameters.fingerprint).to.equal("0xe62eb0fb6be7db1a7c290422d54f19bc6012addce5d703d5700f2c4a10ddd660");
      const again = ringPedersenParameters(parameters.n, parameters.s, parameters.t);
      expect(again.fingerprint).to.equal(parameters.fingerprint);
      expect(ringPedersenParameters(parameters.n, parameters.t, parameters.s).fingerprint).to.not.equal(
        parameters.fingerprint,
      );
      const json = JSON.stringify(encodeRingPedersenParameters(parameters));
      expect(decodeRingPedersenParameters(json)).to.deep.equal(parameters);
    });

    it("refuses an even or short N̂, and s or t that are ±1 or share a factor with N̂", () => {
      const { n, s, t } = parameters;
      expectProofError(
        () => ringPedersenParameters(n + 1n, s, t),
        "PROOF_FORMAT",
        /odd N̂ of 2048 to 4096 bits, got an even/,
      );
      expectProofError(
        () => ringPedersenParameters((n >> 600n) | 1n, s % (n >> 600n), t % (n >> 600n)),
        "PROOF_FORMAT",
        /of 1448 bits/,
      );
      expectProofError(() => ringPedersenParameters(n, 1n, t), "PROOF_FORMAT", /expected s in \[2, N̂ − 2\]/);
      expectProofError(() => ringPedersenParameters(n, s, n - 1n), "PROOF_FORMAT", /expected t in \[2, N̂ − 2\]/);
      expectProofError(() => ringPedersenParameters(n, secret.p, t), "PROOF_FORMAT", /s to be a unit/);
    });

    it("imports its secret back, and refuses a secret whose primes are not safe, whose product or λ is wrong", () => {
      const json = exportRingPedersen(secret);
      expect(importRingPedersen(JSON.stringify(json)).parameters).to.deep.equal(parameters);
      const hex = (x: bigint) => `0x${x.toString(16).padStart(json.p.length - 2, "0")}`;
      // P̂ + 2·k: a prime that is not safe is hard to build from P̂; swap in a prime that is not safe instead.
      const notSafe = 2n ** 127n - 1n; // a Mersenne prime; (M − 1)/2 = 2^126 − 1 is not prime
      expectProofError(() => importRingPedersen({ ...json, p: hex(notSafe) }), "INVALID_ARGUMENT", /P̂ a safe prime/);
      expectProofError(() => importRingPedersen({ ...json, q: json.p }), "INVALID_ARGUMENT", /P̂ ≠ Q̂/);
      expectProofError(
        () => importRingPedersen({ ...json, lambda: hex(secret.lambda + 1n) }),
        "PROOF_FORMAT",
        /s = t\^λ/,
      );
      expectProofError(() => importRingPedersen({ ...json, kty: "RSA" }), "PROOF_FORMAT", /kty "RingPedersen"/);
    });

    it("are made from OpenSSL safe primes by generateRingPedersen, which refuses an odd or out-of-range size", async () => {
      for (const bits of [1024, 2047, 8192]) {
        let caught: unknown;
        await generateRingPedersen(bits).catch((e: unknown) => (caught = e));
        expect(caught, String(bits)).to.have.property("code", "INVALID_ARGUMENT");
      }
    });
  });

  describe("Π^prm", () => {
    it("verifies an honest proof, through JSON, and only for its context", () => {
      verifyRingPedersen(parameters, proof, ctx);
      const json = JSON.stringify(encodeRingPedersenProof(proof));
      verifyRingPedersen(parameters, decodeRingPedersenProof(parameters, json), ctx);
      expect(proof.items).to.have.length(RING_PEDERSEN_PROOF_ITERATIONS);
      expectProofError(
        () => verifyRingPedersen(parameters, proof, context("bureau 0xb1")),
        "RING_PEDERSEN_PROOF_INVALID",
      );
    });

    it("derives the same challenge bits from the same transcript, and others from another context (fast-check)", () => {
      const commitments = proof.items.map(({ a }) => a);
      const bits = ringPedersenChallenges(parameters, commitments, ctx);
      expect(ringPedersenChallenges(parameters, commitments, ctx)).to.deep.equal(bits);
      expect(bits.filter((b) => b === 1).length).to.be.within(32, 96); // fails with probability < 2^−20
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (other) => {
          fc.pre(Buffer.compare(Buffer.from(other), Buffer.from(ctx)) !== 0);
          return ringPedersenChallenges(parameters, commitments, other).join("") !== bits.join("");
        }),
        { numRuns: 50 },
      );
    });

    it("rejects every tampered field: any A or z changed, at any position (fast-check)", () => {
      fc.assert(
        fc.property(
          fc.nat(RING_PEDERSEN_PROOF_ITERATIONS - 1),
          fc.constantFrom("a", "z"),
          fc.bigInt(1n, 1n << 64n),
          (i, field, delta) => {
            const items = proof.items.map((item, j) =>
              j === i ? { ...item, [field]: (item[field as "a" | "z"] + delta) % parameters.n || 1n } : item,
            );
            expectProofError(
              () => verifyRingPedersen(parameters, { ...proof, items }, ctx),
              "RING_PEDERSEN_PROOF_INVALID",
            );
          },
        ),
        { numRuns: 24 },
      );
      expectProofError(
        () => verifyRingPedersen(parameters, { ...proof, items: proof.items.slice(1) }, ctx),
        "RING_PEDERSEN_PROOF_INVALID",
        /expected 128 items/,
      );
      const nonUnit = proof.items.map((item, j) => (j === 5 ? { ...item, a: secret.p } : item));
      expectProofError(
        () => verifyRingPedersen(parameters, { ...proof, items: nonUnit }, ctx),
        "RING_PEDERSEN_PROOF_INVALID",
        /unit/,
      );
    });

    it("rejects parameters with s outside ⟨t⟩ (s' = −s, a non-square), even from a prover that knows λ", () => {
      const bad: RingPedersenParameters = ringPedersenParameters(
        parameters.n,
        parameters.n - parameters.s,
        parameters.t,
      );
      // The honest prover's answers for e = 1 are t^(a + λ), which is A·s, not A·(−s).
      expectProofError(
        () => verifyRingPedersen(bad, { ...proveRingPedersen({ ...secret, parameters: bad }, ctx) }, ctx),
        "RING_PEDERSEN_PROOF_INVALID",
      );
      // The best cheater guesses each bit: A = t^z for 0, A = t^z·(−s)⁻¹ for 1; all 128 guesses must be right.
      const { n, t } = parameters;
      const sInverse = modInverse(bad.s, n);
      for (let run = 0; run < 4; run++) {
        const items = Array.from({ length: RING_PEDERSEN_PROOF_ITERATIONS }, () => {
          const z = randomBits(1500);
          const guess = randomBits(1);
          const tz = modPow(t, z, n);
          return { a: guess === 0n ? tz : (tz * sInverse) % n, z };
        });
        expectProofError(
          () => verifyRingPedersen(bad, { parameters: bad, items }, ctx),
          "RING_PEDERSEN_PROOF_INVALID",
          /mismatch/,
        );
      }
    });

    it("decodes strictly: members, count, width, range", () => {
      const json = JSON.parse(JSON.stringify(encodeRingPedersenProof(proof))) as { items: { a: string; z: string }[] };
      const cases: [unknown, RegExp][] = [
        [{ ...json, extra: 1 }, /unexpected member "extra"/],
        [{ items: json.items.slice(0, 80) }, /exactly 128 entries, got 80/],
        [
          { items: [{ ...json.items[0], a: json.items[0].a.slice(0, -2) }, ...json.items.slice(1)] },
          /exactly 512 lowercase hex digits/,
        ],
        [{ items: [{ ...json.items[0], a: "0x" + "0".repeat(512) }, ...json.items.slice(1)] }, /\[1, N̂\)/],
        [{ items: [{ ...json.items[0], z: "0x" + "f".repeat(512) }, ...json.items.slice(1)] }, /\[0, N̂\)/],
      ];
      for (const [input, message] of cases)
        expectProofError(() => decodeRingPedersenProof(parameters, input), "PROOF_FORMAT", message);
    });
  });
});
