/**
 * Known-answer tests: fixed keys and vectors computed independently in Python (test/dgk/fixtures/dgk-fixtures.py:
 * pow(), a linear discrete-log search, its own Miller–Rabin) against the engine's fixed-base tables, CRT exponents,
 * baby-step giant-step decryption, zero test and membership test.
 */

import { expect } from "chai";
import {
  decrypt,
  encrypt,
  encryptWithRandomness,
  exportDgkPrivateKey,
  exportDgkPublicKey,
  isKeyCiphertext,
  isZero,
  parseCiphertext,
  toHex,
} from "../../src/dgk";
import { kat, katKey } from "./helpers";

describe("dgk/known-answer vectors", () => {
  const file = kat();
  const names = Object.keys(file.keys) as ("2048" | "3072" | "2048-t160-u8")[];

  describe("fixed keys", () => {
    for (const name of names) {
      it(`${name}: imports with every check, exports unchanged, and has the Python fingerprint`, () => {
        const key = katKey(name);
        expect(exportDgkPrivateKey(key)).to.deep.equal(file.keys[name]);
        expect(key.publicKey.fingerprint).to.equal(file.fingerprints[name]);
        const { p, q, vp, vq, ...pub } = file.keys[name];
        expect([p, q, vp, vq].every((x) => typeof x === "string")).to.equal(true);
        expect(exportDgkPublicKey(key)).to.deep.equal(pub);
      });
    }

    it("covers both sizes and a t = 160, 8-bit-u parameter set", () => {
      expect(katKey("2048").publicKey.bits).to.equal(2048);
      expect(katKey("3072").publicKey.bits).to.equal(3072);
      const small = katKey("2048-t160-u8");
      expect(small.publicKey.randomBits).to.equal(400);
      expect(small.publicKey.u < 256n && small.publicKey.u >= 128n).to.equal(true);
    });
  });

  describe("encryptions", () => {
    for (const v of file.vectors) {
      it(v.name, () => {
        const key = katKey(v.key as "2048");
        const pk = key.publicKey;
        const m = BigInt(v.m);
        const r = BigInt(v.r);
        const c = parseCiphertext(pk, v.c, v.name);
        expect(toHex(pk, encryptWithRandomness(pk, m, r))).to.equal(v.c);
        expect(toHex(pk, encryptWithRandomness(key, m, r)), "CRT").to.equal(v.c);
        expect(decrypt(key, c)).to.equal(BigInt(v.plaintext));
        expect(isZero(key, c)).to.equal(v.isZero);
        expect(isKeyCiphertext(key, c)).to.equal(true);
      });
    }
  });

  describe("with a given randomizer h^r", () => {
    for (const v of file.vectors.filter((_, i) => i % 4 === 0)) {
      it(v.name, () => {
        const key = katKey(v.key as "2048");
        const hr = encryptWithRandomness(key.publicKey, 0n, BigInt(v.r));
        expect(toHex(key, encrypt(key.publicKey, BigInt(v.m), hr))).to.equal(v.c);
        expect(toHex(key, encrypt(key, BigInt(v.m), hr))).to.equal(v.c);
      });
    }
  });

  describe("elements outside the key's group", () => {
    for (const v of file.nonMembers) {
      it(`${v.name}: not a key ciphertext; the raw zero test agrees with Python`, () => {
        const key = katKey(v.key as "2048");
        const c = parseCiphertext(key.publicKey, v.c, v.name);
        expect(isKeyCiphertext(key, c)).to.equal(false);
        expect(isZero(key, c)).to.equal(v.isZero);
      });
    }
  });
});
