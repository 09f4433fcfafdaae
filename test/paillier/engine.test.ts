/**
 * Tests of encryption and decryption: known-answer vectors computed independently (Python, textbook formula), round
 * trips against paillier-bigint in both directions, the CRT paths, and plaintext range refusals.
 */

import { expect } from "chai";
import fc from "fast-check";
import {
  Ciphertext,
  PaillierPrivateKey,
  decrypt,
  decryptRaw,
  encrypt,
  encryptWithRandomness,
  generateRandomizer,
  isZero,
  plaintextRange,
} from "../../src/paillier";
import { privateContext, publicContext } from "../../src/paillier/engine";
import {
  createPrivateContext,
  createPublicContext,
  crtRandomizerFrom,
  decryptResidue,
  encryptResidue,
} from "../../src/paillier/scheme";
import { KnownAnswerFile, expectPaillierError, fixtureKey, readFixture, referenceKeys, residue } from "./helpers";

/** Signed plaintexts: the range edges, small values, and anything in range. */
function signedPlaintext(key: PaillierPrivateKey): fc.Arbitrary<bigint> {
  const { min, max } = plaintextRange(key.publicKey);
  return fc.oneof(
    fc.constantFrom(0n, 1n, -1n, max, min, max - 1n, min + 1n),
    fc.bigInt({ min: -(1n << 64n), max: 1n << 64n }),
    fc.bigInt({ min, max }),
  );
}

describe("paillier/engine", () => {
  const kat = readFixture<KnownAnswerFile>("paillier-kat.json");

  describe("known-answer vectors", () => {
    for (const v of kat.vectors) {
      const p = BigInt(v.p);
      const q = BigInt(v.q);
      const n = BigInt(v.n);
      const r = BigInt(v.r);
      const m = BigInt(v.m);
      const c = BigInt(v.c);

      it(`${v.name}: scheme-level (1 + m·n)·r^n, CRT decryption and CRT randomizer`, () => {
        expect(p * q).to.equal(n);
        const pub = createPublicContext(n);
        const priv = createPrivateContext(pub, p, q);
        const rn = pub.randomizerPower.pow(r, n);
        expect(rn).to.equal(BigInt(v.rn));
        expect(encryptResidue(pub, residue(m, n), rn)).to.equal(c);
        expect(decryptResidue(priv, c)).to.equal(residue(m, n));
        const yp = priv.powP.pow(r, q) % p; // r^q mod p
        const yq = priv.powQ.pow(r, p) % q; // r^p mod q
        expect(crtRandomizerFrom(priv, yp, yq)).to.equal(BigInt(v.rn));
      });

      if (v.bits >= 2048) {
        it(`${v.name}: public API encryptWithRandomness and decrypt`, () => {
          const key = fixtureKey(v.bits as 2048 | 3072);
          expect(key.publicKey.n).to.equal(n);
          const ct = encryptWithRandomness(key.publicKey, m, r);
          expect(ct.toHex()).to.equal(Ciphertext.fromHex(key.publicKey, v.c).toHex());
          expect(ct.value).to.equal(c);
          expect(decrypt(key, Ciphertext.fromHex(key.publicKey, v.c))).to.equal(m);
        });
      }
    }
  });

  for (const bits of [2048, 3072] as const) {
    describe(`round trips against paillier-bigint (${bits} bits)`, () => {
      const key = fixtureKey(bits);
      const pk = key.publicKey;
      const ref = referenceKeys(key);
      const runs = bits === 2048 ? 12 : 4;

      it("ours encrypts (public key), the reference decrypts", () => {
        fc.assert(
          fc.property(signedPlaintext(key), (m) => ref.privateKey.decrypt(encrypt(pk, m).value) === residue(m, pk.n)),
          { numRuns: runs },
        );
      });

      it("ours encrypts (private key, CRT), the reference decrypts", () => {
        fc.assert(
          fc.property(signedPlaintext(key), (m) => ref.privateKey.decrypt(encrypt(key, m).value) === residue(m, pk.n)),
          { numRuns: runs },
        );
      });

      it("the reference encrypts, ours decrypts", () => {
        fc.assert(
          fc.property(signedPlaintext(key), (m) => {
            const c = Ciphertext.fromBigInt(pk, ref.publicKey.encrypt(residue(m, pk.n)));
            return decrypt(key, c) === m && decryptRaw(key, c) === residue(m, pk.n);
          }),
          { numRuns: runs },
        );
      });

      it("both encrypt identically for the same r", () => {
        fc.assert(
          fc.property(signedPlaintext(key), fc.bigInt({ min: 2n, max: pk.n - 1n }), (m, r) => {
            fc.pre(r % key.p !== 0n && r % key.q !== 0n);
            return encryptWithRandomness(pk, m, r).value === ref.publicKey.encrypt(residue(m, pk.n), r);
          }),
          { numRuns: runs },
        );
      });
    });
  }

  describe("encryption", () => {
    const key = fixtureKey(2048);
    const pk = key.publicKey;

    it("is randomised: two encryptions of one plaintext differ", () => {
      expect(encrypt(pk, 7n).value).not.to.equal(encrypt(pk, 7n).value);
      expect(encrypt(key, 7n).value).not.to.equal(encrypt(key, 7n).value);
    });

    it("makes randomizers that are n-th residues (they decrypt to 0), by either route", () => {
      for (const source of [pk, key]) {
        const rn = generateRandomizer(source);
        expect(decryptRaw(key, Ciphertext.fromBigInt(pk, rn))).to.equal(0n);
      }
    });

    it("takes the CRT route with the private key: same distribution of plaintexts, cheaper", () => {
      const ctx = privateContext(key);
      expect(ctx.pub).to.equal(publicContext(pk));
      expect(decrypt(key, encrypt(key, -77n))).to.equal(-77n);
    });

    it("refuses plaintexts outside the signed range (PLAINTEXT_RANGE)", () => {
      const { min, max, bits } = plaintextRange(pk);
      expect(bits).to.equal(1023);
      for (const m of [max + 1n, min - 1n, pk.n, -pk.n, pk.n - 1n, 1n << 2048n]) {
        expectPaillierError(
          () => encrypt(pk, m),
          "PLAINTEXT_RANGE",
          /expected an integer in \[−\(2\^1023 − 1\), 2\^1023 − 1\]/,
        );
        expectPaillierError(() => encrypt(key, m), "PLAINTEXT_RANGE");
      }
      expect(decrypt(key, encrypt(pk, max))).to.equal(max);
      expect(decrypt(key, encrypt(pk, min))).to.equal(min);
    });

    it("refuses non-bigint plaintexts and non-keys", () => {
      expectPaillierError(
        () => encrypt(pk, 5 as unknown as bigint),
        "INVALID_ARGUMENT",
        /expected a bigint, got number 5/,
      );
      expectPaillierError(() => encrypt({} as PaillierPrivateKey, 5n), "INVALID_ARGUMENT", /expected a Paillier key/);
      expectPaillierError(() => decrypt(pk as unknown as PaillierPrivateKey, encrypt(pk, 1n)), "INVALID_ARGUMENT");
      expectPaillierError(
        () => decrypt(key, "0x01" as unknown as Ciphertext),
        "INVALID_ARGUMENT",
        /expected a Ciphertext/,
      );
    });

    it("refuses randomness outside Z_n*", () => {
      for (const r of [0n, pk.n, pk.n + 1n, -1n, key.p, 2n * key.q]) {
        expectPaillierError(() => encryptWithRandomness(pk, 1n, r), "INVALID_ARGUMENT", /Z_n\*/);
      }
    });
  });

  describe("decryption", () => {
    const key = fixtureKey(3072);
    const pk = key.publicKey;

    it("decides zero: isZero on encryptions of 0, 1 and −1, and on the trivial encryption 1 of 0", () => {
      expect(isZero(key, encrypt(pk, 0n))).to.equal(true);
      expect(isZero(key, encrypt(key, 0n))).to.equal(true);
      expect(isZero(key, encrypt(pk, 1n))).to.equal(false);
      expect(isZero(key, encrypt(pk, -1n))).to.equal(false);
      expect(isZero(key, Ciphertext.fromBigInt(pk, 1n))).to.equal(true);
    });

    it("isZero agrees with the reference decryption on zero, small and blinded plaintexts", () => {
      const ref = referenceKeys(key).privateKey;
      fc.assert(
        fc.property(
          fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 1n << 64n }), fc.bigInt({ min: 1n, max: pk.n - 1n })),
          (m) => {
            const c = encrypt(pk, 0n).value; // then shifted to m: c · (1 + m·n)
            const ct = Ciphertext.fromBigInt(pk, (c * (1n + m * pk.n)) % pk.nSquared);
            expect(isZero(key, ct)).to.equal(ref.decrypt(ct.value) === 0n);
          },
        ),
        { numRuns: 25 },
      );
    });

    it("isZero tests the plaintext modulo p only: a multiple of p passes (only someone who factored n can make one)", () => {
      const ct = Ciphertext.fromBigInt(pk, (1n + key.p * pk.n) % pk.nSquared);
      expect(decryptRaw(key, ct)).to.equal(key.p);
      expect(isZero(key, ct)).to.equal(true);
      expect(isZero(key, Ciphertext.fromBigInt(pk, (1n + key.q * pk.n) % pk.nSquared))).to.equal(false);
    });

    it("decrypts a ciphertext with c ≡ 1 (mod p²) (the OpenSSL refusal case) correctly", () => {
      // c = 1 + k·p² with gcd(c, n) = 1: decryption takes the closed form for base 1 modulo p².
      const c = 1n + 5n * key.p * key.p;
      const ct = Ciphertext.fromBigInt(pk, c);
      expect(decryptRaw(key, ct)).to.equal(referenceKeys(key).privateKey.decrypt(c));
    });

    it("decrypts arbitrary valid ciphertexts (not only honest encryptions) like the reference", () => {
      const ref = referenceKeys(key).privateKey;
      fc.assert(
        fc.property(fc.bigInt({ min: 1n, max: pk.nSquared - 1n }), (c) => {
          fc.pre(c % key.p !== 0n && c % key.q !== 0n);
          return decryptRaw(key, Ciphertext.fromBigInt(pk, c)) === ref.decrypt(c);
        }),
        { numRuns: 6 },
      );
    });
  });
});
