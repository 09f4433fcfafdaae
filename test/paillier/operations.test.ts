/**
 * Tests of the homomorphic operations: identities checked by decryption and against paillier-bigint's own
 * addition, plaintext addition and multiplication, overflow detection after operations, and refusals.
 */

import { expect } from "chai";
import fc from "fast-check";
import {
  Ciphertext,
  PaillierPrivateKey,
  add,
  addConstant,
  decrypt,
  decryptRaw,
  encrypt,
  isZero,
  multiplyByConstant,
  negate,
  negateAll,
  plaintextRange,
  randomUnit,
  rerandomize,
  subtract,
  sum,
} from "../../src/paillier";
import { expectPaillierError, fixtureKey, referenceKeys, residue } from "./helpers";

describe("paillier/operations", () => {
  const key = fixtureKey(2048);
  const pk = key.publicKey;
  const ref = referenceKeys(key);
  const { max, min, bits } = plaintextRange(pk);
  // operands small enough that sums and products of two stay in range
  const half = (1n << BigInt(Math.floor(bits / 2))) - 1n;
  const operand = fc.oneof(
    fc.constantFrom(0n, 1n, -1n, half, -half),
    fc.bigInt({ min: -(1n << 64n), max: 1n << 64n }),
    fc.bigInt({ min: -half, max: half }),
  );
  const runs = { numRuns: 15 };

  describe("identities (checked by decryption)", () => {
    it("add, subtract, negate", () => {
      fc.assert(
        fc.property(operand, operand, (x, y) => {
          const a = encrypt(pk, x);
          const b = encrypt(key, y);
          return (
            decrypt(key, add(a, b)) === x + y &&
            decrypt(key, subtract(a, b)) === x - y &&
            decrypt(key, negate(a)) === -x
          );
        }),
        runs,
      );
    });

    it("negateAll negates each ciphertext of a list, in order", () => {
      fc.assert(
        fc.property(fc.array(operand, { maxLength: 6 }), (xs) => {
          const negated = negateAll(xs.map((x) => encrypt(pk, x)));
          return negated.length === xs.length && negated.every((c, i) => decrypt(key, c) === -xs[i]);
        }),
        runs,
      );
    });

    it("addConstant and multiplyByConstant, with negative constants", () => {
      fc.assert(
        fc.property(operand, operand, (x, k) => {
          const a = encrypt(key, x);
          return decrypt(key, addConstant(a, k)) === x + k && decrypt(key, multiplyByConstant(a, k)) === x * k;
        }),
        runs,
      );
    });

    it("sum of a list (array of size max)", () => {
      fc.assert(
        fc.property(
          fc.array(fc.bigInt({ min: -(1n << 100n), max: 1n << 100n }), { minLength: 1, maxLength: 12, size: "max" }),
          (xs) => {
            const total = sum(xs.map((x) => encrypt(key, x)));
            return decrypt(key, total) === xs.reduce((s, x) => s + x, 0n);
          },
        ),
        { numRuns: 5 },
      );
    });

    it("multiplies by a 64-bit constant and by the range edges", () => {
      const a = encrypt(pk, 3n);
      const k64 = 0xfedcba9876543210n;
      expect(decrypt(key, multiplyByConstant(a, k64))).to.equal(3n * k64);
      expect(decrypt(key, multiplyByConstant(encrypt(pk, 1n), max))).to.equal(max);
      expect(decrypt(key, multiplyByConstant(encrypt(pk, -1n), max))).to.equal(min);
      expect(decrypt(key, multiplyByConstant(encrypt(pk, 5n), 0n))).to.equal(0n);
      expect(decrypt(key, multiplyByConstant(encrypt(pk, 5n), 1n))).to.equal(5n);
      expect(decrypt(key, multiplyByConstant(encrypt(pk, 5n), pk.n - 1n))).to.equal(-5n); // n − 1 ≡ −1
    });

    it("adds constants up to n − 1 in magnitude (full-size masks)", () => {
      const a = encrypt(pk, 10n);
      expect(decryptRaw(key, addConstant(a, pk.n - 1n))).to.equal(9n);
      expect(decryptRaw(key, addConstant(a, -(pk.n - 1n)))).to.equal(11n);
    });

    it("blinds a difference: zero stays zero, non-zero becomes a random unit", () => {
      const x = encrypt(pk, 650n);
      const rho = randomUnit(pk.n);
      expect(isZero(key, multiplyByConstant(addConstant(x, -650n), rho))).to.equal(true);
      const blinded = multiplyByConstant(addConstant(x, -649n), rho);
      expect(isZero(key, blinded)).to.equal(false);
      expect(decryptRaw(key, blinded)).to.equal(rho);
    });
  });

  describe("identities against paillier-bigint", () => {
    it("add is the reference's addition, bit for bit", () => {
      const a = encrypt(pk, 11n);
      const b = encrypt(pk, -4n);
      expect(add(a, b).value).to.equal(ref.publicKey.addition(a.value, b.value));
      expect(ref.privateKey.decrypt(add(a, b).value)).to.equal(7n);
    });

    it("multiplyByConstant is the reference's multiply, bit for bit, for k ≥ 0", () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: pk.n - 1n }), (k) => {
          const a = encrypt(pk, 12345n);
          return multiplyByConstant(a, k).value === ref.publicKey.multiply(a.value, k);
        }),
        { numRuns: 5 },
      );
    });

    it("addConstant decrypts like the reference's plaintextAddition", () => {
      const a = encrypt(pk, 100n);
      const k = 1n << 200n;
      expect(ref.privateKey.decrypt(addConstant(a, k).value)).to.equal(
        ref.privateKey.decrypt(ref.publicKey.plaintextAddition(a.value, k)),
      );
    });

    it("negate then add gives an encryption of 0 that the reference decrypts to 0", () => {
      const a = encrypt(pk, 987654321n);
      expect(ref.privateKey.decrypt(add(a, negate(a)).value)).to.equal(0n);
    });
  });

  describe("rerandomize", () => {
    it("changes the ciphertext, keeps the plaintext (public key, private key, pool-less)", () => {
      const a = encrypt(pk, -42n);
      const b = rerandomize(a);
      const c = rerandomize(a, { privateKey: key });
      expect(b.value).not.to.equal(a.value);
      expect(c.value).not.to.equal(a.value);
      expect(decrypt(key, b)).to.equal(-42n);
      expect(decrypt(key, c)).to.equal(-42n);
      expect(ref.privateKey.decrypt(c.value)).to.equal(residue(-42n, pk.n));
    });

    it("refuses a private key or pool of another key", () => {
      const other = fixtureKey(3072);
      const a = encrypt(pk, 1n);
      expectPaillierError(() => rerandomize(a, { privateKey: other }), "KEY_MISMATCH");
      expectPaillierError(
        () => rerandomize(a, { privateKey: pk as unknown as PaillierPrivateKey }),
        "INVALID_ARGUMENT",
      );
      const fakePool = { publicKey: other.publicKey, takeRandomizer: () => 1n };
      expectPaillierError(() => rerandomize(a, { pool: fakePool }), "KEY_MISMATCH", /pool for key/);
      expectPaillierError(() => encrypt(pk, 1n, { pool: fakePool }), "KEY_MISMATCH");
    });
  });

  describe("overflow is detected on decryption, never wrapped", () => {
    it("after add", () => {
      expectPaillierError(
        () => decrypt(key, add(encrypt(pk, max), encrypt(pk, 1n))),
        "PLAINTEXT_OVERFLOW",
        /overflow band/,
      );
      expectPaillierError(() => decrypt(key, add(encrypt(pk, min), encrypt(pk, -1n))), "PLAINTEXT_OVERFLOW");
      expectPaillierError(() => decrypt(key, add(encrypt(pk, max), encrypt(pk, max))), "PLAINTEXT_OVERFLOW");
    });

    it("after subtract, negate-free", () => {
      expectPaillierError(() => decrypt(key, subtract(encrypt(pk, min), encrypt(pk, 1n))), "PLAINTEXT_OVERFLOW");
      expectPaillierError(() => decrypt(key, subtract(encrypt(pk, max), encrypt(pk, min))), "PLAINTEXT_OVERFLOW");
    });

    it("after addConstant", () => {
      expectPaillierError(() => decrypt(key, addConstant(encrypt(pk, max), 1n)), "PLAINTEXT_OVERFLOW");
      expectPaillierError(() => decrypt(key, addConstant(encrypt(pk, 0n), max + 1n)), "PLAINTEXT_OVERFLOW");
    });

    it("after multiplyByConstant, up to the product of two range edges", () => {
      expectPaillierError(() => decrypt(key, multiplyByConstant(encrypt(pk, max), 2n)), "PLAINTEXT_OVERFLOW");
      expectPaillierError(() => decrypt(key, multiplyByConstant(encrypt(pk, max), max)), "PLAINTEXT_OVERFLOW");
      expectPaillierError(() => decrypt(key, multiplyByConstant(encrypt(pk, min), max)), "PLAINTEXT_OVERFLOW");
      expectPaillierError(() => decrypt(key, multiplyByConstant(encrypt(pk, min), min)), "PLAINTEXT_OVERFLOW");
      const big = 1n << BigInt(bits - 10);
      expectPaillierError(() => decrypt(key, multiplyByConstant(encrypt(pk, big), 1n << 12n)), "PLAINTEXT_OVERFLOW");
    });

    it("for any product of two in-range values that leaves the range (fast-check)", () => {
      const wide = fc.oneof(fc.constantFrom(max, min, half + 1n, -(half + 1n)), fc.bigInt({ min, max }));
      fc.assert(
        fc.property(wide, wide, (x, k) => {
          const c = multiplyByConstant(encrypt(pk, x), k);
          const product = x * k;
          if (product <= max && product >= min) return decrypt(key, c) === product;
          try {
            decrypt(key, c);
            return false;
          } catch (err) {
            return (
              (err as { code?: string }).code === "PLAINTEXT_OVERFLOW" && decryptRaw(key, c) === residue(product, pk.n)
            );
          }
        }),
        { numRuns: 10 },
      );
    });
  });

  describe("refusals", () => {
    const other = fixtureKey(3072);
    const a = encrypt(pk, 1n);
    const b = encrypt(other.publicKey, 1n);

    it("mixes no keys (KEY_MISMATCH)", () => {
      expectPaillierError(() => add(a, b), "KEY_MISMATCH", /expected a ciphertext under key/);
      expectPaillierError(() => subtract(a, b), "KEY_MISMATCH");
      expectPaillierError(() => sum([a, a, b]), "KEY_MISMATCH", /sum: ciphertexts\[2\]/);
    });

    it("refuses constants with |k| ≥ n (PLAINTEXT_RANGE)", () => {
      for (const k of [pk.n, -pk.n, pk.n + 1n, pk.nSquared]) {
        expectPaillierError(() => addConstant(a, k), "PLAINTEXT_RANGE", /expected −n < k < n/);
        expectPaillierError(() => multiplyByConstant(a, k), "PLAINTEXT_RANGE");
      }
    });

    it("refuses non-ciphertexts, non-bigint constants and empty sums", () => {
      expectPaillierError(
        () => add(a.value as unknown as Ciphertext, a),
        "INVALID_ARGUMENT",
        /expected a Ciphertext, got bigint/,
      );
      expectPaillierError(() => add(a, {} as Ciphertext), "INVALID_ARGUMENT");
      expectPaillierError(() => negate(null as unknown as Ciphertext), "INVALID_ARGUMENT");
      expectPaillierError(() => negateAll([a, null as unknown as Ciphertext]), "INVALID_ARGUMENT", /ciphertext 2/);
      expectPaillierError(() => addConstant(a, 1 as unknown as bigint), "INVALID_ARGUMENT");
      expectPaillierError(() => multiplyByConstant(a, "2" as unknown as bigint), "INVALID_ARGUMENT");
      expectPaillierError(() => sum([]), "INVALID_ARGUMENT", /non-empty array/);
    });
  });
});
