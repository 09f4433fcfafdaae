/**
 * Tests of the DGK prime search: the sieve against trial division, the primes against Node's own primality test
 * and the range that makes every pair's product full length, OpenSSL's context kept for a found prime, and the
 * search's refusals.
 */

import { checkPrimeSync, randomInt } from "node:crypto";
import { expect } from "chai";
import { primeCongruentToOne, sieve } from "../../src/dgk/primes";
import { bitLength, smallPrimes } from "../../src/paillier/arith";
import { ModularExponentiator, modPowCounters, randomBits } from "../../src/paillier";
import { PaillierError } from "../../src/paillier/errors";
import { isPrimeKeepingContext } from "../../src/paillier/modpow";
import { DgkError, type DgkErrorCode } from "../../src/dgk/errors";
import { rejectionOf } from "../helpers/rejection";

async function expectDgkRejection(promise: Promise<unknown>, code: DgkErrorCode, message: RegExp): Promise<void> {
  const caught = await rejectionOf(promise);
  expect(caught, `expected a DgkError ${code}`).to.be.instanceOf(DgkError);
  expect((caught as DgkError).code, (caught as Error).message).to.equal(code);
  expect((caught as Error).message).to.match(message);
}

/** RFC 3526's 1536-bit MODP group prime, 2^1536 − 2^1472 − 1 + 2^64·(⌊2^1406·π⌋ + 741804): a published prime. */
const MODP_1536 = BigInt(
  "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B" +
    "302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE6" +
    "49286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
    "670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF",
);

describe("DGK prime search", function () {
  this.timeout(60_000);

  describe("sieve", () => {
    it("strikes out exactly the candidates a small prime divides (against trial division)", () => {
      const primes = smallPrimes(2000).slice(1); // odd primes below 2000
      for (const step of [2n, 2n * 3n * 5n * 7n, 2n * 65_537n * 1_000_003n]) {
        const start = step * (randomBits(48) + 1n) + 1n;
        const survives = sieve(start, step, 3000, primes);
        for (let i = 0; i < 3000; i++) {
          const candidate = start + BigInt(i) * step;
          const divisible = primes.some((s) => candidate % BigInt(s) === 0n);
          expect(survives[i], `candidate ${i} with step ${step}`).to.equal(divisible ? 0 : 1);
        }
      }
    });

    it("keeps every prime among the candidates", () => {
      const step = 2n * 101n;
      const start = step * (1n << 40n) + 1n;
      const survives = sieve(start, step, 2000, smallPrimes(1 << 16).slice(1));
      let primesSeen = 0;
      for (let i = 0; i < 2000; i++) {
        if (!checkPrimeSync(start + BigInt(i) * step)) continue;
        primesSeen++;
        expect(survives[i], `the prime at ${i}`).to.equal(1);
      }
      expect(primesSeen).to.be.greaterThan(10);
    });
  });

  describe("isPrimeKeepingContext", () => {
    it("agrees with Node's checkPrimeSync on random odd numbers and on published primes", () => {
      for (let k = 0; k < 300; k++) {
        const x = randomBits(1024) | (1n << 1023n) | 1n;
        expect(isPrimeKeepingContext(x), x.toString(16)).to.equal(checkPrimeSync(x));
      }
      expect(isPrimeKeepingContext(MODP_1536)).to.equal(true);
      expect(isPrimeKeepingContext(MODP_1536 + 2n)).to.equal(checkPrimeSync(MODP_1536 + 2n));
      // below the OpenSSL route: checkPrimeSync itself; 561 is a Carmichael number
      expect([561n, 65_537n, 2n ** 61n - 1n, 4n ** 40n + 1n].map(isPrimeKeepingContext)).to.deep.equal([
        false,
        true,
        true,
        false,
      ]);
      expect(isPrimeKeepingContext(MODP_1536 + 1n)).to.equal(false);
    });

    it("keeps a prime's OpenSSL context: exponentiations modulo it set nothing up again", () => {
      let prime = (randomBits(1100) | (1n << 1099n) | 1n) + 2n;
      while (!checkPrimeSync(prime)) prime += 2n;
      const before = modPowCounters().setups;
      expect(isPrimeKeepingContext(prime)).to.equal(true);
      expect(modPowCounters().setups).to.equal(before + 1);
      expect(new ModularExponentiator(prime).pow(3n, prime - 1n)).to.equal(1n); // Fermat
      expect(new ModularExponentiator(prime).pow(5n, 12_345n)).to.equal(5n ** 12_345n % prime);
      expect(modPowCounters().setups).to.equal(before + 1);
    });

    it("refuses what is not an integer above 2", () => {
      for (const bad of [2n, 1n, -7n, 5 as unknown as bigint]) {
        expect(() => isPrimeKeepingContext(bad)).to.throw(PaillierError, /isPrimeKeepingContext: (expected|candidate)/);
      }
    });
  });

  describe("primeCongruentToOne", () => {
    it("finds primes ≡ 1 (mod step) of at least √2·2^(bits − 1), so that any two multiply to 2·bits bits", async () => {
      const u = 65_537n;
      const found: bigint[] = [];
      for (let k = 0; k < 6; k++) {
        const v = (randomBits(160) | (1n << 159n)) + 1n;
        const step = 2n * u * v;
        const p = await primeCongruentToOne(1024, step);
        expect(p % step).to.equal(1n);
        expect(bitLength(p)).to.equal(1024);
        expect(p * p >= 1n << 2047n, "p ≥ √2·2^1023").to.equal(true);
        expect(checkPrimeSync(p, { checks: 32 })).to.equal(true);
        found.push(p);
      }
      for (const p of found) for (const q of found) expect(bitLength(p * q)).to.equal(2048);
      expect(new Set(found).size).to.equal(found.length);
    });

    it("draws its start at random: the offsets of the primes found spread over the range", async () => {
      const step = 2n * 65_537n * 1_000_003n;
      const low = (1n << 1023n) + (1n << 1022n) / 2n; // below √2·2^1023, so every prime lies above
      const quarters = new Set<bigint>();
      for (let k = 0; k < 8; k++) {
        const p = await primeCongruentToOne(1024, step);
        quarters.add(((p - low) * 4n) / ((1n << 1024n) - low));
      }
      expect(quarters.size, "the primes fell in these quarters of the range").to.be.greaterThan(1);
    });

    it("says so when no candidate passes the test", async () => {
      let tested = 0;
      const never = (candidate: bigint) => {
        expect(candidate % 2n).to.equal(1n);
        tested++;
        return false;
      };
      await expectDgkRejection(primeCongruentToOne(1024, 2n * 65_537n, never), "KEY_INVALID", /found none/);
      expect(tested).to.be.greaterThan(64 * 100);
    });

    it("refuses a size out of range and a step that is odd, not positive or too large", async () => {
      await expectDgkRejection(primeCongruentToOne(32, 2n), "INVALID_ARGUMENT", /bits/);
      await expectDgkRejection(primeCongruentToOne(1024.5, 2n), "INVALID_ARGUMENT", /bits/);
      for (const step of [3n, 0n, -2n, 1n << 1010n, 2 as unknown as bigint]) {
        await expectDgkRejection(primeCongruentToOne(1024, step), "INVALID_ARGUMENT", /expected an even step/);
      }
      // a random 16-bit figure in the message: what came is named
      const odd = BigInt(2 * randomInt(1 << 15) + 1);
      await expectDgkRejection(primeCongruentToOne(1024, odd), "INVALID_ARGUMENT", new RegExp(`got bigint ${odd}$`));
    });
  });
});
