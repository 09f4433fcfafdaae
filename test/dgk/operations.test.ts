/**
 * Tests of the homomorphic operations as properties (fast-check) checked by decryption on fresh 2048- and 3072-bit
 * keys: addition, plaintext constants (negative too), scalar multiplication, re-randomisation, the bank's
 * comparison step end to end, and refusals.
 */

import { expect } from "chai";
import fc from "fast-check";
import {
  DgkKeyPair,
  DgkPublicKey,
  add,
  addConstant,
  decrypt,
  encrypt,
  isKeyCiphertext,
  isZero,
  multiplyByConstant,
  randomizer,
  rerandomize,
} from "../../src/dgk";
import { randomBelow } from "../../src/paillier";
import { expectDgkError, freshKeyPair, modU, plaintext } from "./helpers";

describe("dgk/operations", () => {
  let small: DgkKeyPair;
  let large: DgkKeyPair;

  before(async () => {
    small = await freshKeyPair(2048);
    large = await freshKeyPair(3072);
  });

  const both = (): [DgkKeyPair, number][] => [
    [small, 40],
    [large, 10],
  ];
  /** Constants: edges, small signed values, and large ones (reduced modulo u). */
  const constant = (u: bigint): fc.Arbitrary<bigint> =>
    fc.oneof(
      fc.constantFrom(0n, 1n, -1n, 2n, 3n, u - 1n, u, -u, u + 1n),
      fc.bigInt({ min: -1000n, max: 1000n }),
      fc.bigInt({ min: -(1n << 100n), max: 1n << 100n }),
    );

  it("add: Dec(E(a) · E(b)) = a + b mod u", () => {
    for (const [{ publicKey: pk, privateKey: sk }, numRuns] of both()) {
      fc.assert(
        fc.property(plaintext(pk.u), plaintext(pk.u), (a, b) => {
          const c = add(pk, encrypt(pk, a), encrypt(sk, b));
          return decrypt(sk, c) === modU(a + b, pk.u) && isKeyCiphertext(sk, c);
        }),
        { numRuns },
      );
    }
  });

  it("addConstant: Dec(E(a) · g^k) = a + k mod u, k negative or ≥ u too", () => {
    for (const [{ publicKey: pk, privateKey: sk }, numRuns] of both()) {
      fc.assert(
        fc.property(plaintext(pk.u), constant(pk.u), (a, k) => {
          const c = addConstant(pk, encrypt(pk, a), k);
          return decrypt(sk, c) === modU(a + k, pk.u) && decrypt(sk, addConstant(sk, 1n, k)) === modU(k, pk.u);
        }),
        { numRuns },
      );
    }
  });

  it("multiplyByConstant: Dec(E(a)^k) = a·k mod u, k negative or ≥ u too", () => {
    for (const [{ publicKey: pk, privateKey: sk }, numRuns] of both()) {
      fc.assert(
        fc.property(plaintext(pk.u), constant(pk.u), (a, k) => {
          const c = multiplyByConstant(pk, encrypt(pk, a), k);
          return decrypt(sk, c) === modU(a * k, pk.u) && isKeyCiphertext(sk, c);
        }),
        { numRuns },
      );
    }
  });

  it("multiplyByConstant by k ≡ 0 (mod u) gives the public value 1, which rerandomize hides", () => {
    const { publicKey: pk, privateKey: sk } = small;
    const c = encrypt(pk, 5n);
    expect(multiplyByConstant(pk, c, 0n)).to.equal(1n);
    expect(multiplyByConstant(pk, c, -3n * pk.u)).to.equal(1n);
    const hidden = rerandomize(pk, multiplyByConstant(pk, c, pk.u));
    expect(hidden).to.not.equal(1n);
    expect(isZero(sk, hidden)).to.equal(true);
  });

  it("rerandomize changes the ciphertext but not the plaintext (public, CRT, and precomputed randomizers)", () => {
    for (const [{ publicKey: pk, privateKey: sk }, numRuns] of both()) {
      fc.assert(
        fc.property(plaintext(pk.u), fc.constantFrom("public", "private", "given"), (a, how) => {
          const c = encrypt(sk, a);
          const d =
            how === "public"
              ? rerandomize(pk, c)
              : how === "private"
                ? rerandomize(sk, c)
                : rerandomize(pk, c, randomizer(sk));
          return d !== c && decrypt(sk, d) === modU(a, pk.u) && isKeyCiphertext(sk, d);
        }),
        { numRuns },
      );
    }
  });

  it("the bank's comparison step: E(r·(s + x_i − y_i + 3·Σ x_j ⊕ y_j)) is zero exactly where expected", () => {
    // DGK 2007, §4, the comparison of a bureau-encrypted x with the bank's y, on 8-bit values, checked bit by bit.
    const { publicKey: pk, privateKey: sk } = small;
    const bits = 8;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (x, y) => {
        const xBits = Array.from({ length: bits }, (_, i) => encrypt(sk, BigInt((x >> i) & 1)));
        const s = 1n; // c_i = 0 iff x_i = 0, y_i = 1 and every higher bit agrees, i.e. x < y
        let differing = 1n; // E(0; 0)
        const blinded: bigint[] = [];
        for (let i = bits - 1; i >= 0; i--) {
          const yi = BigInt((y >> i) & 1);
          const ci = add(pk, addConstant(pk, xBits[i], s - yi), multiplyByConstant(pk, differing, 3n));
          blinded.push(rerandomize(pk, multiplyByConstant(pk, ci, 1n + randomBelow(pk.u - 1n))));
          const xor = yi === 0n ? xBits[i] : addConstant(pk, multiplyByConstant(pk, xBits[i], -1n), 1n);
          differing = add(pk, differing, xor);
        }
        return blinded.some((c) => isZero(sk, c)) === x < y;
      }),
      { numRuns: 20 },
    );
  });

  describe("refusals", () => {
    it("INVALID_ARGUMENT for non-bigint operands and constants, or a non-key", () => {
      const { publicKey: pk } = small;
      const c = encrypt(pk, 1n);
      expectDgkError(() => add(pk, c, 1 as unknown as bigint), "INVALID_ARGUMENT", /b: expected a bigint/);
      expectDgkError(() => addConstant(pk, c, 1 as unknown as bigint), "INVALID_ARGUMENT", /k: expected a bigint/);
      expectDgkError(() => multiplyByConstant(pk, c, "2" as unknown as bigint), "INVALID_ARGUMENT");
      expectDgkError(() => rerandomize(pk, c, 2 as unknown as bigint), "INVALID_ARGUMENT");
      expectDgkError(() => add({} as DgkPublicKey, c, c), "INVALID_ARGUMENT");
    });

    it("CIPHERTEXT_INVALID for operands outside [1, n); INVALID_ARGUMENT for a randomizer outside it", () => {
      const { publicKey: pk } = small;
      const c = encrypt(pk, 1n);
      for (const bad of [0n, -1n, pk.n, pk.n + 1n]) {
        expectDgkError(() => add(pk, bad, c), "CIPHERTEXT_INVALID", /a: expected 1 <= c < n/);
        expectDgkError(() => addConstant(pk, bad, 1n), "CIPHERTEXT_INVALID");
        expectDgkError(() => multiplyByConstant(pk, bad, 2n), "CIPHERTEXT_INVALID");
        expectDgkError(() => rerandomize(pk, bad), "CIPHERTEXT_INVALID");
        expectDgkError(() => rerandomize(pk, c, bad), "INVALID_ARGUMENT", /randomizer/);
      }
    });
  });
});
