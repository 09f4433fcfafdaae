/**
 * Tests of ShareWorkers: precomputed shares made on worker threads are fresh, unused, honest encryptions of their
 * bits under the key, and prove with proveBitsPrecomputed into proofs that verifyBits accepts in their context only;
 * a count is split over the threads whatever its parity; a closed set of workers still makes shares (on the calling
 * thread); bad arguments are refused with INVALID_ARGUMENT.
 */

import { expect } from "chai";
import { decryptRaw, type PaillierPrivateKey, type PaillierPublicKey } from "../../src/paillier";
import {
  MAX_SHARE_BATCH,
  ProofError,
  ShareWorkers,
  proveBitsPrecomputed,
  verifyBits,
  type PrecomputedShare,
} from "../../src/proofs";
import { fixtureKey } from "../paillier/helpers";
import { context, expectProofError, verdicts } from "./helpers";

/** Asserts that `promise` rejects with a ProofError of `code` (and, optionally, a matching message). */
async function expectProofRejection(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a rejection with ProofError ${code}`).to.be.instanceOf(ProofError);
  expect((caught as ProofError).code, (caught as ProofError).message).to.equal(code);
  if (message !== undefined) expect((caught as ProofError).message).to.match(message);
}

describe("proofs/shareWorkers", () => {
  const ctx = context("BlindCredit test: chain 31337, contract 0x5FbD…0aa3, check 0x1111…, share workers");
  const elsewhere = context("BlindCredit test: chain 31337, contract 0x5FbD…0aa3, check 0x2222…, share workers");
  let key: PaillierPrivateKey;
  let publicKey: PaillierPublicKey;
  let workers: ShareWorkers;

  before(() => {
    key = fixtureKey(2048);
    publicKey = key.publicKey;
    workers = new ShareWorkers(2);
  });

  after(async () => {
    await workers.close();
  });

  /** Asserts that each share is unused, under the key, and encrypts its bit, and that the shares are distinct. */
  function expectHonest(shares: readonly PrecomputedShare[]): void {
    for (const [i, s] of shares.entries()) {
      expect(s.used, `shares[${i}].used`).to.equal(false);
      expect(s.share.publicKey.equals(publicKey), `shares[${i}] key`).to.equal(true);
      expect([0, 1], `shares[${i}].bit`).to.include(s.bit);
      expect(decryptRaw(key, s.share), `shares[${i}] plaintext`).to.equal(BigInt(s.bit));
    }
    expect(new Set(shares.map((s) => s.share.value)).size, "distinct ciphertexts").to.equal(shares.length);
  }

  describe("shares", () => {
    it("makes unused shares that encrypt their bits, and that prove into a proof verifyBits accepts", async () => {
      const shares = await workers.shares(key, 6);
      expect(shares).to.have.length(6);
      expectHonest(shares);
      const cs = shares.map((s) => s.share);
      const proof = proveBitsPrecomputed(key, shares, ctx);
      expect(proof.items).to.have.length(6);
      expect(shares.map((s) => s.used)).to.deep.equal(Array(6).fill(true));
      verifyBits(publicKey, cs, proof, ctx);
      expect(verdicts(publicKey, cs, proof, ctx)).to.deep.equal([true, true]);
    });

    it("makes proofs bound to their context: verifyBits refuses one in other context bytes (BIT_PROOF_INVALID)", async () => {
      const shares = await workers.shares(key, 3);
      const cs = shares.map((s) => s.share);
      const proof = proveBitsPrecomputed(key, shares, ctx);
      expectProofError(() => verifyBits(publicKey, cs, proof, elsewhere), "BIT_PROOF_INVALID");
      expect(verdicts(publicKey, cs, proof, elsewhere)).to.deep.equal([false, false]);
    });

    for (const count of [0, 1, 3]) {
      it(`returns exactly ${count} share(s) when asked for ${count}, split over two threads`, async () => {
        const shares = await workers.shares(key, count);
        expect(shares).to.have.length(count);
        expectHonest(shares);
      });
    }

    it("serves concurrent calls without mixing or repeating shares", async () => {
      const [a, b, c] = await Promise.all([workers.shares(key, 4), workers.shares(key, 1), workers.shares(key, 5)]);
      expect([a.length, b.length, c.length]).to.deep.equal([4, 1, 5]);
      expectHonest([...a, ...b, ...c]);
    });

    it("draws bits that are not constant: both 0 and 1 appear among 24 shares", async () => {
      // Each bit is a fair coin, so 24 shares all 0 or all 1 happen with probability 2 · 2^-24 = 2^-23 (about one
      // run in 8.4 million): a failure here means the bits are biased or stuck, not bad luck.
      const shares = await workers.shares(key, 24);
      const ones = shares.filter((s) => s.bit === 1).length;
      expect(ones, "shares with bit 1").to.be.within(1, 23);
    });

    it("refuses a key that is not a private key, and a count that is not an integer in [0, 65 536] (INVALID_ARGUMENT)", async () => {
      await expectProofRejection(
        workers.shares(publicKey as unknown as PaillierPrivateKey, 1),
        "INVALID_ARGUMENT",
        /ShareWorkers\.shares: expected a PaillierPrivateKey, got/,
      );
      for (const count of [-1, 1.5, MAX_SHARE_BATCH + 1, Number.NaN, "2" as unknown as number]) {
        await expectProofRejection(
          workers.shares(key, count),
          "INVALID_ARGUMENT",
          /ShareWorkers\.shares: count: expected an integer from 0 to 65536, got/,
        );
      }
    });
  });

  describe("close", () => {
    it("still returns the shares asked for after close(), made on the calling thread", async () => {
      const own = new ShareWorkers(1);
      expect(await own.shares(key, 2)).to.have.length(2);
      await own.close();
      const shares = await own.shares(key, 3);
      expect(shares).to.have.length(3);
      expectHonest(shares);
      const proof = proveBitsPrecomputed(key, shares, ctx);
      expect(
        verdicts(
          publicKey,
          shares.map((s) => s.share),
          proof,
          ctx,
        ),
      ).to.deep.equal([true, true]);
      await own.close(); // twice is harmless
    });

    it("makes on the calling thread the shares of a request still out when close() is called", async () => {
      const own = new ShareWorkers(2);
      const pending = own.shares(key, 8);
      await own.close();
      const shares = await pending;
      expect(shares).to.have.length(8);
      expectHonest(shares);
    });
  });

  describe("constructor", () => {
    it("refuses a thread count that is not an integer in [1, 64] (INVALID_ARGUMENT)", () => {
      for (const threads of [0, 65, 1.5, -1, Number.NaN, "2" as unknown as number]) {
        expectProofError(
          () => new ShareWorkers(threads),
          "INVALID_ARGUMENT",
          /ShareWorkers: threads: expected an integer from 1 to 64, got/,
        );
      }
    });
  });
});
