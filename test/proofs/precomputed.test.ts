/**
 * Tests of the offline/online bit prover: shares from precomputeShare (uniform bits, honest encryptions, secrets out
 * of sight), proofs from proveBitsPrecomputed (accepted by both verifiers unchanged, through JSON, at 2048 and 3072
 * bits; bound to their context; tampering still caught), single use, and the SharePool (fills to capacity between
 * event-loop turns, hands out fresh shares, computes one when empty).
 */

import { inspect } from "node:util";
import { expect } from "chai";
import { Ciphertext, PaillierPrivateKey, PaillierPublicKey, decryptRaw, rerandomize } from "../../src/paillier";
import {
  BitProof,
  PrecomputedShare,
  SharePool,
  decodeBitProof,
  encodeBitProof,
  precomputeShare,
  proveBits,
  proveBitsPrecomputed,
  verifyBits,
  verifyBitsOneByOne,
} from "../../src/proofs";
import { fixtureKey } from "../paillier/helpers";
import { context, expectProofError, verdicts, withItem } from "./helpers";

describe("proofs/precomputed", () => {
  const ctx = context("BlindCredit test: chain 31337, contract 0x5FbD…0aa3, check 0x1111…, bank key");
  const elsewhere = context("BlindCredit test: chain 31337, contract 0x5FbD…0aa3, check 0x2222…, bank key");
  let key: PaillierPrivateKey;
  let publicKey: PaillierPublicKey;

  before(() => {
    key = fixtureKey(2048);
    publicKey = key.publicKey;
  });

  const fresh = (k: number): PrecomputedShare[] => Array.from({ length: k }, () => precomputeShare(key));
  const ciphertexts = (shares: readonly PrecomputedShare[]): Ciphertext[] => shares.map((s) => s.share);

  describe("precomputeShare", () => {
    it("draws balanced bits, each share a fresh encryption of its bit under the key (200 draws)", () => {
      const shares = fresh(200);
      const ones = shares.filter((s) => s.bit === 1).length;
      // Binomial(200, 1/2): mean 100, standard deviation ≈ 7.1; [60, 140] fails with probability below 10⁻⁸.
      expect(ones).to.be.within(60, 140);
      for (const s of shares) {
        expect(s.share.publicKey.equals(publicKey)).to.equal(true);
        expect(decryptRaw(key, s.share)).to.equal(BigInt(s.bit));
        expect(s.used).to.equal(false);
      }
      expect(new Set(shares.map((s) => s.share.value)).size).to.equal(200);
    });

    it("keeps the bit and the secrets out of own properties, JSON and inspect", () => {
      const [s] = fresh(1);
      expect(Object.keys(s)).to.deep.equal(["share"]);
      expect(JSON.parse(JSON.stringify(s))).to.deep.equal({ share: s.share.toHex() });
      expect(inspect(s, { depth: 0 })).to.not.match(/bit|pending|rho/);
      expect(Object.isFrozen(s)).to.equal(true);
    });

    it("refuses a non-key (INVALID_ARGUMENT)", () => {
      expectProofError(
        () => precomputeShare(publicKey as unknown as PaillierPrivateKey),
        "INVALID_ARGUMENT",
        /precomputeShare: expected a PaillierPrivateKey, got/,
      );
    });
  });

  describe("proveBitsPrecomputed", () => {
    for (const k of [1, 40]) {
      it(`makes a proof for ${k} share(s) that both verifiers accept, also through JSON text`, () => {
        const shares = fresh(k);
        const cs = ciphertexts(shares);
        const proof = proveBitsPrecomputed(key, shares, ctx);
        expect(proof.items).to.have.length(k);
        verifyBits(publicKey, cs, proof, ctx);
        verifyBitsOneByOne(publicKey, cs, proof, ctx);
        const read = decodeBitProof(publicKey, JSON.stringify(encodeBitProof(proof)));
        expect(read.items).to.deep.equal(proof.items);
        verifyBits(publicKey, cs, read, ctx);
        verifyBitsOneByOne(publicKey, cs, read, ctx);
      });
    }

    it("round-trips a 3072-bit proof through JSON and verifies it", () => {
      const key3072 = fixtureKey(3072);
      const shares = [precomputeShare(key3072), precomputeShare(key3072), precomputeShare(key3072)];
      const json = JSON.parse(JSON.stringify(encodeBitProof(proveBitsPrecomputed(key3072, shares, ctx))));
      const proof = decodeBitProof(key3072.publicKey, json);
      verifyBits(key3072.publicKey, ciphertexts(shares), proof, ctx);
      verifyBitsOneByOne(key3072.publicKey, ciphertexts(shares), proof, ctx);
    });

    it("makes shares that proveBits proves too (they are ordinary encryptions of their bits)", () => {
      const shares = fresh(3);
      const cs = ciphertexts(shares);
      const proof = proveBits(
        key,
        cs,
        shares.map((s) => s.bit),
        ctx,
      );
      expect(verdicts(publicKey, cs, proof, ctx)).to.deep.equal([true, true]);
    });

    it("spends its shares: a second use throws INVALID_ARGUMENT, and so does a share listed twice", () => {
      const shares = fresh(2);
      proveBitsPrecomputed(key, shares, ctx);
      expect(shares.map((s) => s.used)).to.deep.equal([true, true]);
      expectProofError(
        () => proveBitsPrecomputed(key, shares, ctx),
        "INVALID_ARGUMENT",
        /shares\[0\]: expected an unused share, got one already used/,
      );
      expectProofError(() => proveBitsPrecomputed(key, [shares[1]], elsewhere), "INVALID_ARGUMENT", /already used/);
      const [s] = fresh(1);
      expectProofError(
        () => proveBitsPrecomputed(key, [s, s], ctx),
        "INVALID_ARGUMENT",
        /shares\[1\]: expected each share once, got the share of shares\[0\] again/,
      );
      expect(s.used).to.equal(false); // a refused call spends nothing
    });

    it("spends nothing when it refuses its arguments", () => {
      const shares = fresh(2);
      const foreign = precomputeShare(fixtureKey(3072));
      expectProofError(
        () => proveBitsPrecomputed(key, [shares[0], foreign], ctx),
        "KEY_MISMATCH",
        /shares\[1\]: expected a share under key/,
      );
      expectProofError(() => proveBitsPrecomputed(key, shares, "check" as unknown as Uint8Array), "INVALID_ARGUMENT");
      expectProofError(
        () => proveBitsPrecomputed(key, [shares[0], shares[1].share as unknown as PrecomputedShare], ctx),
        "INVALID_ARGUMENT",
        /shares\[1\]: expected a PrecomputedShare \(from precomputeShare\), got/,
      );
      expectProofError(() => proveBitsPrecomputed(key, [], ctx), "INVALID_ARGUMENT", /1 to 1024 precomputed shares/);
      expectProofError(
        () => proveBitsPrecomputed(publicKey as unknown as PaillierPrivateKey, shares, ctx),
        "INVALID_ARGUMENT",
      );
      expect(shares.map((s) => s.used)).to.deep.equal([false, false]);
      verifyBits(publicKey, ciphertexts(shares), proveBitsPrecomputed(key, shares, ctx), ctx);
    });

    describe("soundness: the proof is bound and tamper-evident as proveBits's is", () => {
      let cs: Ciphertext[];
      let proof: BitProof;

      before(() => {
        const shares = fresh(3);
        cs = ciphertexts(shares);
        proof = proveBitsPrecomputed(key, shares, ctx);
      });

      it("rejects the proof for context A in context B", () => {
        expect(verdicts(publicKey, cs, proof, ctx)).to.deep.equal([true, true]);
        expect(verdicts(publicKey, cs, proof, elsewhere)).to.deep.equal([false, false]);
      });

      it("rejects a tampered z, e0 or a, swapped items, and re-randomised shares", () => {
        const altered: BitProof[] = [
          withItem(proof, 2, { z0: (proof.items[2].z0 * 3n) % publicKey.n }),
          withItem(proof, 1, { z1: (proof.items[1].z1 * 5n) % publicKey.n }),
          withItem(proof, 0, { e0: proof.items[0].e0 ^ 1n }),
          withItem(proof, 1, { a1: (proof.items[1].a1 * 4n) % publicKey.nSquared }),
          { ...proof, items: [proof.items[1], proof.items[0], proof.items[2]] },
        ];
        for (const bad of altered) expect(verdicts(publicKey, cs, bad, ctx)).to.deep.equal([false, false]);
        const rerandomised = cs.map((c) => rerandomize(c, { privateKey: key }));
        expect(verdicts(publicKey, rerandomised, proof, ctx)).to.deep.equal([false, false]);
      });
    });
  });

  describe("SharePool", () => {
    it("fills to capacity one share per event-loop turn, letting timers run in between", async () => {
      const pool = new SharePool(key, { capacity: 3 });
      expect(pool.size).to.equal(0);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 0);
      try {
        const filling = pool.fill();
        expect(pool.fill()).to.equal(filling); // one fill at a time
        await filling;
      } finally {
        clearInterval(timer);
      }
      expect(pool.size).to.equal(3);
      expect(ticks).to.be.greaterThan(0);
      await pool.fill(); // already full: nothing to do
      expect(pool.size).to.equal(3);
    });

    it("hands out fresh, distinct shares, computes one when empty, and refills what was taken", async () => {
      const pool = new SharePool(key, { capacity: 2 });
      await pool.fill();
      const taken = [pool.take(), pool.take()];
      expect(pool.size).to.equal(0);
      taken.push(pool.take()); // empty: computed now
      expect(pool.size).to.equal(0);
      expect(taken.map((s) => s.used)).to.deep.equal([false, false, false]);
      expect(new Set(taken.map((s) => s.share.value)).size).to.equal(3);
      const proof = proveBitsPrecomputed(key, taken, ctx);
      expect(verdicts(publicKey, ciphertexts(taken), proof, ctx)).to.deep.equal([true, true]);
      await pool.fill();
      expect(pool.size).to.equal(2);
      expect(pool.publicKey.equals(publicKey)).to.equal(true);
    });

    it("refuses a non-key and a capacity out of range (INVALID_ARGUMENT)", () => {
      expectProofError(
        () => new SharePool(publicKey as unknown as PaillierPrivateKey, { capacity: 1 }),
        "INVALID_ARGUMENT",
      );
      for (const capacity of [0, 1.5, 65_537, "8" as unknown as number]) {
        expectProofError(
          () => new SharePool(key, { capacity }),
          "INVALID_ARGUMENT",
          /options\.capacity: expected an integer from 1 to 65536/,
        );
      }
      expectProofError(
        () => new SharePool(key, undefined as unknown as { capacity: number }),
        "INVALID_ARGUMENT",
        /got undefined/,
      );
    });
  });
});
