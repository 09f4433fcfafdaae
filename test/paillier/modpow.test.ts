/**
 * Tests of the modular exponentiation: the OpenSSL route against a naive BigInt square-and-multiply written here,
 * and every edge case the Diffie–Hellman route has.
 */

import { randomBytes } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import { ModularExponentiator, modPow, modPowBigInt, modPowCounters } from "../../src/paillier";
import { OPENSSL_MAX_MODULUS_BITS } from "../../src/paillier/modpow";
import { expectPaillierError, fixtureKey } from "./helpers";

/** Right-to-left binary exponentiation: slow, obvious, independent of the engine. */
function naivePow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n % modulus;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function randomBigInt(bytes: number): bigint {
  return BigInt(`0x${randomBytes(bytes).toString("hex")}`);
}

describe("paillier/modpow", () => {
  const key = fixtureKey(2048);
  const { n, nSquared } = key.publicKey;

  describe("modPow", () => {
    it("agrees with naive exponentiation modulo n², p² and n through OpenSSL", () => {
      const before = modPowCounters().openssl;
      for (const modulus of [nSquared, key.p * key.p, n]) {
        for (let i = 0; i < 3; i++) {
          const base = randomBigInt(300);
          const exponent = randomBigInt(64);
          expect(modPow(base, exponent, modulus)).to.equal(naivePow(base, exponent, modulus));
        }
      }
      expect(modPowCounters().openssl - before).to.equal(9);
    });

    it("computes r^n mod n² like the naive method (the encryption exponentiation)", () => {
      const r = randomBigInt(200) % n;
      expect(modPow(r, n, nSquared)).to.equal(naivePow(r, n, nSquared));
    });

    it("agrees with naive exponentiation for arbitrary small operands (fast-check)", () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }),
          fc.bigInt({ min: 0n, max: 1n << 70n }),
          fc.bigInt({ min: 1n, max: 1n << 90n }),
          (b, e, m) => modPow(b, e, m) === naivePow(b, e, m) && modPowBigInt(b, e, m) === naivePow(b, e, m),
        ),
        { numRuns: 300 },
      );
    });

    it("has the textbook value 4^13 mod 497 = 445", () => {
      expect(modPow(4n, 13n, 497n)).to.equal(445n);
      expect(modPowBigInt(4n, 13n, 497n)).to.equal(445n);
    });

    it("refuses a negative exponent, a modulus below 1 and non-bigint arguments", () => {
      expectPaillierError(() => modPow(2n, -1n, nSquared), "INVALID_ARGUMENT", /expected exponent >= 0/);
      expectPaillierError(() => modPow(2n, 3n, 0n), "INVALID_ARGUMENT", /expected modulus >= 1/);
      expectPaillierError(() => modPow(2n, 3n, -7n), "INVALID_ARGUMENT");
      expectPaillierError(
        () => modPow(2 as unknown as bigint, 3n, 7n),
        "INVALID_ARGUMENT",
        /expected a bigint, got number 2/,
      );
      expectPaillierError(() => modPowBigInt(2n, -3n, 7n), "INVALID_ARGUMENT");
    });
  });

  describe("ModularExponentiator edge cases on the OpenSSL route", () => {
    const exp = new ModularExponentiator(nSquared);

    it("takes the OpenSSL route for n²", () => {
      expect(exp.route).to.equal("openssl");
    });

    it("answers bases 0, 1 and m − 1, which OpenSSL refuses", () => {
      expect(exp.pow(0n, n)).to.equal(0n);
      expect(exp.pow(1n, n)).to.equal(1n);
      expect(exp.pow(nSquared - 1n, 3n)).to.equal(nSquared - 1n);
      expect(exp.pow(nSquared - 1n, 4n)).to.equal(1n);
      expect(exp.pow(nSquared - 2n, 3n)).to.equal(naivePow(nSquared - 2n, 3n, nSquared));
    });

    it("reduces bases at or above the modulus, and negative bases", () => {
      expect(exp.pow(nSquared, 5n)).to.equal(0n);
      expect(exp.pow(nSquared + 1n, 5n)).to.equal(1n);
      expect(exp.pow(nSquared + 7n, 5n)).to.equal(naivePow(7n, 5n, nSquared));
      expect(exp.pow(-7n, 5n)).to.equal(naivePow(-7n, 5n, nSquared));
    });

    it("answers exponents 0 and 1", () => {
      expect(exp.pow(12345n, 0n)).to.equal(1n);
      expect(exp.pow(12345n, 1n)).to.equal(12345n);
    });

    it("returns results with leading zero bytes intact", () => {
      const small = 1n << 100n;
      expect(exp.pow(small, 3n)).to.equal(small ** 3n);
      expect(exp.pow(2n, 17n)).to.equal(1n << 17n);
    });

    it("answers a result of 1 (which OpenSSL refuses) through b^(e−1)·b", () => {
      const pSquared = key.p * key.p;
      const e = key.p * (key.p - 1n); // the group order of Z_{p²}*
      const before = modPowCounters();
      const viaP = new ModularExponentiator(pSquared);
      expect(viaP.pow(123456789n, e)).to.equal(1n);
      const after = modPowCounters();
      expect(after.fallback - before.fallback).to.equal(1);
      // and a result of 1 modulo n²: an encryption of 0 raised to λ·n... here r^(φ(n)·n) ≡ 1
      const phi = (key.p - 1n) * (key.q - 1n);
      expect(exp.pow(987654321n, phi * n)).to.equal(1n);
    });

    it("answers 0 for a base sharing every prime of the modulus", () => {
      expect(exp.pow(n, 2n)).to.equal(0n);
      expect(exp.pow(n * 5n, 3n)).to.equal(0n);
    });

    it("switches exponents on one modulus without mixing them up", () => {
      const b = randomBigInt(100);
      for (const e of [n, 3n, n, 65537n, 3n]) expect(exp.pow(b, e)).to.equal(naivePow(b, e, nSquared));
    });
  });

  describe("ModularExponentiator contexts", () => {
    /** Sets up OpenSSL contexts for `count` odd composite moduli (each fails the primality test at once). */
    function churn(count: number): void {
      for (let i = 0; i < count; i++) modPow(3n, 5n, (randomBigInt(128) | (1n << 1023n) | 1n) * 3n);
    }

    it("an exponentiator made while its modulus's context exists keeps it after the process's LRU drops it", () => {
      const prime = key.p; // a 1024-bit prime
      const held = new ModularExponentiator(prime);
      held.pow(2n, 3n); // sets the context up (or finds it)
      const kept = new ModularExponentiator(prime); // made while the context exists
      churn(80); // more moduli than the LRU keeps
      const before = modPowCounters().setups;
      expect(kept.pow(7n, prime - 1n)).to.equal(1n);
      expect(modPowCounters().setups, "no new set-up for the kept context").to.equal(before);
      // control: one made now finds the LRU without it, and sets it up again
      expect(new ModularExponentiator(prime).pow(7n, prime - 1n)).to.equal(1n);
      expect(modPowCounters().setups).to.equal(before + 1);
    });
  });

  describe("ModularExponentiator routes", () => {
    it("takes the BigInt route below 1024 bits, where Node's DH returns zeros", () => {
      const m = (1n << 511n) + 187n;
      const exp = new ModularExponentiator(m);
      expect(exp.route).to.equal("bigint");
      expect(exp.pow(5n, 65537n)).to.equal(naivePow(5n, 65537n, m));
    });

    it("takes the BigInt route for even moduli", () => {
      const m = nSquared * 2n;
      const exp = new ModularExponentiator(m);
      expect(exp.route).to.equal("bigint");
      expect(exp.pow(5n, 1000n)).to.equal(naivePow(5n, 1000n, m));
    });

    it(`takes the BigInt route above ${OPENSSL_MAX_MODULUS_BITS} bits`, () => {
      const m = (1n << BigInt(OPENSSL_MAX_MODULUS_BITS + 8)) + 1n;
      const exp = new ModularExponentiator(m);
      expect(exp.route).to.equal("bigint");
      expect(exp.pow(3n, 100n)).to.equal(naivePow(3n, 100n, m));
    });

    it("answers 0 modulo 1", () => {
      expect(new ModularExponentiator(1n).pow(5n, 3n)).to.equal(0n);
      expect(modPowBigInt(5n, 3n, 1n)).to.equal(0n);
    });

    it("refuses a modulus that is not a positive bigint", () => {
      expectPaillierError(() => new ModularExponentiator(0n), "INVALID_ARGUMENT");
      expectPaillierError(() => new ModularExponentiator(7 as unknown as bigint), "INVALID_ARGUMENT");
    });

    it("keeps working past the cache limit of moduli", () => {
      const m0 = nSquared;
      for (let i = 0; i < 40; i++) {
        const m = (1n << 1100n) + BigInt(2 * i + 1);
        expect(modPow(3n, 1000n, m)).to.equal(naivePow(3n, 1000n, m));
      }
      const b = randomBigInt(50);
      expect(modPow(b, 99n, m0)).to.equal(naivePow(b, 99n, m0));
    });
  });
});
