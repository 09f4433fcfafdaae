/**
 * Tests of encryption, randomizers, decryption, the zero test and the membership test: round trips as properties
 * (fast-check) on fresh 2048- and 3072-bit keys, agreement of the public and CRT paths, and refusals.
 */

import { expect } from "chai";
import fc from "fast-check";
import {
  DgkKeyPair,
  DgkPrivateKey,
  DgkPublicKey,
  decrypt,
  encrypt,
  encryptWithRandomness,
  isKeyCiphertext,
  isZero,
  negateAll,
  randomizer,
  zeroTest,
} from "../../src/dgk";
import { modPowBigInt, randomBits, randomUnit } from "../../src/paillier";
import { expectDgkError, freshKeyPair, modU, plaintext } from "./helpers";

describe("dgk/engine", () => {
  let small: DgkKeyPair;
  let large: DgkKeyPair;

  before(async () => {
    small = await freshKeyPair(2048);
    large = await freshKeyPair(3072);
  });

  const both = (): [string, DgkKeyPair, number][] => [
    ["2048 bits", small, 40],
    ["3072 bits", large, 10],
  ];

  describe("encrypt and decrypt", () => {
    it("Dec(E(m)) = m mod u, with the public key, the private key (CRT) and a precomputed randomizer", () => {
      for (const [, { publicKey: pk, privateKey: sk }, numRuns] of both()) {
        fc.assert(
          fc.property(plaintext(pk.u), (m) => {
            const expected = modU(m, pk.u);
            return (
              decrypt(sk, encrypt(pk, m)) === expected &&
              decrypt(sk, encrypt(sk, m)) === expected &&
              decrypt(sk, encrypt(pk, m, randomizer(pk))) === expected &&
              decrypt(sk, encrypt(sk, m, randomizer(sk))) === expected
            );
          }),
          { numRuns },
        );
      }
    });

    it("decrypts every plaintext near 0 and near u, and the baby-step giant-step boundaries", () => {
      const { publicKey: pk, privateKey: sk } = small;
      const step = BigInt(Math.ceil(Math.sqrt(Number(pk.u))));
      const edges = [0n, 1n, 2n, step - 1n, step, step + 1n, step * step - 1n, pk.u - 2n, pk.u - 1n];
      for (const m of edges.filter((x) => x < pk.u)) expect(decrypt(sk, encrypt(sk, m)), `m = ${m}`).to.equal(m);
    });

    it("gives fresh ciphertexts: two encryptions of the same plaintext differ", () => {
      const { publicKey: pk, privateKey: sk } = small;
      expect(encrypt(pk, 1n)).to.not.equal(encrypt(pk, 1n));
      expect(encrypt(sk, 0n)).to.not.equal(encrypt(sk, 0n));
    });

    it("encryptWithRandomness: the CRT path equals the public g^m·h^r for any r", () => {
      for (const [, { publicKey: pk, privateKey: sk }, numRuns] of both()) {
        const r = fc.oneof(
          fc.constantFrom(0n, 1n, sk.vp, sk.vq, sk.vp * sk.vq, (1n << BigInt(pk.randomBits)) - 1n),
          fc.bigInt({ min: 0n, max: (1n << BigInt(pk.randomBits)) - 1n }),
        );
        fc.assert(
          fc.property(plaintext(pk.u), r, (m, rr) => {
            const c = encryptWithRandomness(pk, m, rr);
            const reference = (modPowBigInt(pk.g, modU(m, pk.u), pk.n) * modPowBigInt(pk.h, rr, pk.n)) % pk.n;
            return c === reference && encryptWithRandomness(sk, m, rr) === c;
          }),
          { numRuns },
        );
      }
    });

    it("E(0; 0) = 1 and E(1; 0) = g", () => {
      const { publicKey: pk, privateKey: sk } = small;
      expect(encryptWithRandomness(pk, 0n, 0n)).to.equal(1n);
      expect(encryptWithRandomness(sk, pk.u, 0n)).to.equal(1n);
      expect(encryptWithRandomness(pk, 1n, 0n)).to.equal(pk.g);
      expect(encryptWithRandomness(sk, 0n, 1n)).to.equal(pk.h);
    });
  });

  describe("randomizer", () => {
    it("is h^r: an encryption of 0 in the key's group, different each time, by either key", () => {
      for (const [, { publicKey: pk, privateKey: sk }] of both()) {
        const values = [randomizer(pk), randomizer(pk), randomizer(sk), randomizer(sk)];
        expect(new Set(values).size).to.equal(4);
        for (const v of values) {
          expect(v >= 1n && v < pk.n).to.equal(true);
          expect(isZero(sk, v)).to.equal(true);
          expect(isKeyCiphertext(sk, v)).to.equal(true);
          expect(modPowBigInt(v, sk.vp * sk.vq, pk.n)).to.equal(1n); // in ⟨h⟩
        }
      }
    });
  });

  describe("isZero", () => {
    it("isZero(E(m)) ⇔ m ≡ 0 (mod u)", () => {
      for (const [, { publicKey: pk, privateKey: sk }, numRuns] of both()) {
        const u = pk.u;
        const m = fc.oneof(
          plaintext(u),
          fc.bigInt({ min: -20n, max: 20n }).map((k) => k * u),
        );
        fc.assert(
          fc.property(m, fc.boolean(), (x, crt) => isZero(sk, encrypt(crt ? sk : pk, x)) === (modU(x, u) === 0n)),
          { numRuns: 2 * numRuns },
        );
      }
    });
  });

  describe("isKeyCiphertext", () => {
    it("is true for every ciphertext produced, including 1 = E(0; 0), g and h", () => {
      for (const [, { publicKey: pk, privateKey: sk }, numRuns] of both()) {
        for (const c of [1n, pk.g, pk.h]) expect(isKeyCiphertext(sk, c)).to.equal(true);
        fc.assert(
          fc.property(plaintext(pk.u), fc.boolean(), (m, crt) => isKeyCiphertext(sk, encrypt(crt ? sk : pk, m))),
          { numRuns },
        );
      }
    });

    it("is false for random elements of Z_n* (a member has probability about 2^−1500)", () => {
      for (const [, { publicKey: pk, privateKey: sk }, numRuns] of both()) {
        for (let i = 0; i < numRuns; i++) expect(isKeyCiphertext(sk, randomUnit(pk.n))).to.equal(false);
      }
    });

    it("is false for 0, n, n + 1, −1, n − 1, and multiples of p or q", () => {
      const { publicKey: pk, privateKey: sk } = small;
      const { n } = pk;
      const { p, q } = sk;
      for (const c of [0n, -1n, n, n + 1n, 2n * n, n - 1n, p, 2n * p, q, n - p, (pk.g * p) % n]) {
        expect(isKeyCiphertext(sk, c), `c = ${c === n ? "n" : c}`).to.equal(false);
      }
    });

    it("is false for a ciphertext times an element of small order, or of another key", () => {
      const { publicKey: pk, privateKey: sk } = small;
      const c = encrypt(pk, 3n);
      expect(isKeyCiphertext(sk, (c * (pk.n - 1n)) % pk.n)).to.equal(false);
      expect(isKeyCiphertext(sk, (c * 2n) % pk.n)).to.equal(false);
      const other = encrypt(large.publicKey, 3n) % pk.n;
      expect(isKeyCiphertext(sk, other)).to.equal(false);
    });
  });

  describe("zeroTest", () => {
    it("agrees with isZero on every ciphertext, and refuses what isKeyCiphertext refuses", () => {
      for (const [, { publicKey: pk, privateKey: sk }, numRuns] of both()) {
        fc.assert(
          fc.property(plaintext(pk.u), (m) => zeroTest(sk, encrypt(pk, m)) === (modU(m, pk.u) === 0n)),
          { numRuns },
        );
        for (const c of [1n, pk.g, pk.h]) expect(zeroTest(sk, c)).to.equal(isZero(sk, c));
        const c = encrypt(pk, 0n);
        const outsiders = [randomUnit(pk.n), (c * (pk.n - 1n)) % pk.n, (c * 2n) % pk.n, 0n, pk.n, sk.p];
        for (const v of outsiders) {
          expect(isKeyCiphertext(sk, v)).to.equal(false);
          expectDgkError(() => zeroTest(sk, v), "CIPHERTEXT_INVALID", /outside its subgroup/);
        }
      }
    });
  });

  describe("negateAll", () => {
    it("negates every ciphertext, as multiplying by −1 does", () => {
      const { publicKey: pk, privateKey: sk } = small;
      fc.assert(
        fc.property(fc.array(plaintext(pk.u), { minLength: 0, maxLength: 12 }), (ms) => {
          const negated = negateAll(
            pk,
            ms.map((m) => encrypt(pk, m)),
          );
          return negated.every((c, i) => decrypt(sk, c) === modU(-ms[i], pk.u));
        }),
        { numRuns: 20 },
      );
    });

    it("refuses a value sharing a factor with n", () => {
      const { publicKey: pk, privateKey: sk } = small;
      expectDgkError(() => negateAll(pk, [encrypt(pk, 1n), sk.p]), "CIPHERTEXT_INVALID", /sharing a factor/);
    });
  });

  describe("refusals", () => {
    it("encrypt: INVALID_ARGUMENT for a non-bigint plaintext, a randomizer out of range, a non-key", () => {
      const { publicKey: pk } = small;
      expectDgkError(() => encrypt(pk, 1 as unknown as bigint), "INVALID_ARGUMENT", /m: expected a bigint/);
      expectDgkError(() => encrypt(pk, 1n, 0n), "INVALID_ARGUMENT", /randomizer/);
      expectDgkError(() => encrypt(pk, 1n, pk.n), "INVALID_ARGUMENT", /randomizer/);
      expectDgkError(() => encrypt(pk, 1n, 5 as unknown as bigint), "INVALID_ARGUMENT", /randomizer/);
      expectDgkError(() => encrypt({ n: pk.n } as DgkPublicKey, 1n), "INVALID_ARGUMENT", /DgkPublicKey/);
      expectDgkError(() => randomizer(undefined as unknown as DgkPublicKey), "INVALID_ARGUMENT");
    });

    it("encryptWithRandomness: INVALID_ARGUMENT for r < 0 or r ≥ 2^randomBits", () => {
      const { publicKey: pk } = small;
      expectDgkError(() => encryptWithRandomness(pk, 1n, -1n), "INVALID_ARGUMENT", /2\^640/);
      expectDgkError(() => encryptWithRandomness(pk, 1n, 1n << 640n), "INVALID_ARGUMENT", /2\^640/);
      expectDgkError(() => encryptWithRandomness(pk, 1n, 1 as unknown as bigint), "INVALID_ARGUMENT");
    });

    it("isZero and decrypt: CIPHERTEXT_INVALID outside [1, n) or for a multiple of p; a private key required", () => {
      const { publicKey: pk, privateKey: sk } = small;
      for (const c of [0n, -5n, pk.n, pk.n + 1n, sk.p, 3n * sk.q]) {
        expectDgkError(() => isZero(sk, c), "CIPHERTEXT_INVALID");
        expectDgkError(() => decrypt(sk, c), "CIPHERTEXT_INVALID");
      }
      expectDgkError(() => isZero(sk, "0x01" as unknown as bigint), "INVALID_ARGUMENT");
      expectDgkError(() => isZero(pk as unknown as DgkPrivateKey, 1n), "INVALID_ARGUMENT", /DgkPrivateKey/);
      expectDgkError(() => decrypt(pk as unknown as DgkPrivateKey, 1n), "INVALID_ARGUMENT", /DgkPrivateKey/);
      expectDgkError(() => isKeyCiphertext(pk as unknown as DgkPrivateKey, 1n), "INVALID_ARGUMENT");
      expectDgkError(() => isKeyCiphertext(sk, 1 as unknown as bigint), "INVALID_ARGUMENT");
    });

    it("decrypt: CIPHERTEXT_INVALID for an element outside the key's group modulo p", () => {
      const { publicKey: pk, privateKey: sk } = small;
      expectDgkError(() => decrypt(sk, pk.n - 1n), "CIPHERTEXT_INVALID", /outside the key's subgroup/);
      expectDgkError(() => decrypt(sk, (encrypt(pk, 1n) * 2n) % pk.n), "CIPHERTEXT_INVALID");
    });

    it("decrypt refuses what it cannot decode even when the random element came from the CSPRNG", () => {
      const { publicKey: pk, privateKey: sk } = small;
      const x = (randomBits(pk.bits - 2) | 1n) % pk.n;
      expect(isKeyCiphertext(sk, x)).to.equal(false);
      expectDgkError(() => decrypt(sk, x), "CIPHERTEXT_INVALID");
    });
  });
});
