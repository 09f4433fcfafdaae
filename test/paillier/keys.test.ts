/**
 * Tests of key generation, the JSON key format, fingerprints and every import refusal.
 */

import { generatePrime } from "node:crypto";
import { inspect } from "node:util";
import { expect } from "chai";
import {
  DEFAULT_MODULUS_BITS,
  KeyGenerationProgress,
  PaillierPrivateKey,
  PaillierPublicKey,
  decrypt,
  encrypt,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  isBlumKey,
} from "../../src/paillier";
import {
  expectPaillierError,
  expectPaillierRejection,
  fixtureKey,
  readFixture,
  referenceKeys,
  KnownAnswerFile,
} from "./helpers";

interface JsonKey {
  kty: string;
  n: string;
  g?: string;
  p?: string;
  q?: string;
}

const hex = (x: bigint): string => `0x${x.toString(16)}`;

describe("paillier/keys", () => {
  const key2048 = fixtureKey(2048);
  const key3072 = fixtureKey(3072);
  const bad = readFixture<Record<string, JsonKey>>("paillier-bad-keys.json");
  const kat = readFixture<KnownAnswerFile>("paillier-kat.json");

  describe("import and export", () => {
    it("imports the 2048- and 3072-bit fixtures", () => {
      expect(key2048.publicKey.bits).to.equal(2048);
      expect(key3072.publicKey.bits).to.equal(3072);
      expect(key3072.publicKey.g).to.equal(key3072.publicKey.n + 1n);
      expect(key3072.publicKey.nSquared).to.equal(key3072.publicKey.n ** 2n);
    });

    it("has the fingerprints computed independently by the fixture script", () => {
      expect(key2048.publicKey.fingerprint).to.equal(kat.fingerprints["2048"]);
      expect(key3072.publicKey.fingerprint).to.equal(kat.fingerprints["3072"]);
      expect(key3072.publicKey.fingerprint).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("round-trips public and private keys through JSON text", () => {
      const pub = importPublicKey(JSON.stringify(key3072.publicKey));
      expect(pub.equals(key3072.publicKey)).to.equal(true);
      expect(pub.fingerprint).to.equal(key3072.publicKey.fingerprint);
      const priv = importPrivateKey(JSON.stringify(exportPrivateKey(key2048)));
      expect(priv.p).to.equal(key2048.p);
      expect(priv.q).to.equal(key2048.q);
      expect(exportPublicKey(priv)).to.deep.equal(exportPublicKey(key2048.publicKey));
    });

    it("writes the documented format: kty, n, g as minimal lowercase 0x hex", () => {
      const json = exportPublicKey(key2048.publicKey);
      expect(Object.keys(json)).to.deep.equal(["kty", "n", "g"]);
      expect(json.kty).to.equal("Paillier");
      expect(json.n).to.equal(hex(key2048.publicKey.n));
      expect(json.g).to.equal(hex(key2048.publicKey.n + 1n));
      expect(Object.keys(exportPrivateKey(key2048))).to.deep.equal(["kty", "n", "g", "p", "q"]);
    });

    it("accepts g omitted, upper-case hex and leading zeros, with the same fingerprint", () => {
      const n = key2048.publicKey.n;
      const upper = `0x00${n.toString(16).toUpperCase()}`;
      const pub = importPublicKey({ kty: "Paillier", n: upper });
      expect(pub.n).to.equal(n);
      expect(pub.fingerprint).to.equal(key2048.publicKey.fingerprint);
    });

    it("checks the requested size", () => {
      expect(importPublicKey(key2048.publicKey.toJSON(), { bits: 2048 }).bits).to.equal(2048);
      expectPaillierError(
        () => importPublicKey(key2048.publicKey.toJSON(), { bits: 3072 }),
        "KEY_SIZE",
        /expected a 3072-bit modulus, got 2048 bits/,
      );
      expectPaillierError(() => importPublicKey(key2048.publicKey.toJSON(), { bits: 1024 }), "INVALID_ARGUMENT");
    });

    it("refuses to serialise a private key implicitly and hides p and q from inspect", () => {
      expectPaillierError(() => JSON.stringify(key2048), "PRIVATE_KEY_EXPORT");
      const shown = inspect(key2048);
      expect(shown).to.contain(key2048.publicKey.fingerprint);
      expect(shown).not.to.contain(key2048.p.toString(16).slice(0, 20));
      expect(String(key2048)).not.to.contain(key2048.p.toString().slice(0, 20));
    });

    it("tells Blum keys (p ≡ q ≡ 3 mod 4) from others, and imports both", async () => {
      expect(isBlumKey(key2048)).to.equal(true); // the committed fixtures happen to be Blum
      // A key with p ≡ 1 (mod 4): import accepts it (keys made elsewhere often are not Blum); only Π^mod refuses it.
      const prime = (rem: bigint): Promise<bigint> =>
        new Promise((resolve, reject) =>
          generatePrime(1024, { bigint: true, add: 4n, rem }, (err, x) => (err ? reject(err) : resolve(x))),
        );
      for (;;) {
        const [p, q] = await Promise.all([prime(1n), prime(3n)]);
        if ((p * q).toString(2).length !== 2048) continue;
        const notBlum = importPrivateKey({ kty: "Paillier", n: hex(p * q), p: hex(p), q: hex(q) });
        expect(isBlumKey(notBlum)).to.equal(false);
        break;
      }
      expectPaillierError(() => isBlumKey(key2048.publicKey as unknown as PaillierPrivateKey), "INVALID_ARGUMENT");
    });

    it("refuses non-keys in exports", () => {
      expectPaillierError(() => exportPublicKey({} as PaillierPublicKey), "INVALID_ARGUMENT");
      expectPaillierError(
        () => exportPrivateKey(key2048.publicKey as unknown as PaillierPrivateKey),
        "INVALID_ARGUMENT",
      );
    });
  });

  describe("import refusals", () => {
    const good = exportPrivateKey(key2048);
    const n = key2048.publicKey.n;

    it("refuses a 1024-bit key (KEY_SIZE)", () => {
      const { kty, n: n1024 } = bad.small1024;
      expectPaillierError(() => importPublicKey({ kty, n: n1024 }), "KEY_SIZE", /at least 2048 bits, got 1024 bits/);
      expectPaillierError(() => importPrivateKey(bad.small1024), "KEY_SIZE");
    });

    it("refuses sizes other than 2048, 3072 and 4096 bits", () => {
      expectPaillierError(
        () => importPublicKey({ kty: "Paillier", n: hex((1n << 2100n) + 1n) }),
        "KEY_SIZE",
        /got 2101 bits/,
      );
      expectPaillierError(
        () => importPublicKey({ kty: "Paillier", n: hex((n >> 1n) | 1n) }),
        "KEY_SIZE",
        /got 2047 bits/,
      );
    });

    it("refuses an even modulus", () => {
      expectPaillierError(() => importPublicKey({ kty: "Paillier", n: hex(n + 1n) }), "KEY_INVALID", /odd modulus/);
    });

    it("refuses a perfect square modulus", () => {
      expectPaillierError(() => importPublicKey(bad.squareN), "KEY_INVALID", /perfect square/);
    });

    it("refuses a modulus with a small prime factor", () => {
      // 3·m, odd, 2048 bits, not a square
      const m = (1n << 2046n) + 12345n * 2n + 1n;
      const withFactor = 3n * m;
      expectPaillierError(
        () => importPublicKey({ kty: "Paillier", n: hex(withFactor) }),
        "KEY_INVALID",
        /divisible by 3\b/,
      );
      const with65521 = 65521n * ((1n << 2032n) + 1n);
      expectPaillierError(
        () => importPublicKey({ kty: "Paillier", n: hex(with65521) }),
        "KEY_INVALID",
        /divisible by 65521/,
      );
    });

    it("refuses a prime modulus", () => {
      expectPaillierError(() => importPublicKey(bad.primeN), "KEY_INVALID", /probable prime/);
    });

    it("refuses a generator other than n + 1 (KEY_GENERATOR)", () => {
      expectPaillierError(
        () => importPublicKey({ kty: "Paillier", n: hex(n), g: hex(n + 2n) }),
        "KEY_GENERATOR",
        /g = n \+ 1/,
      );
      // the paillier-bigint default variant picks a random g: such a key is refused, with the way out in the message
      expectPaillierError(() => importPrivateKey({ ...good, g: hex(12345n) }), "KEY_GENERATOR", /re-export/);
    });

    it("refuses p = q", () => {
      expectPaillierError(() => importPrivateKey({ ...good, q: good.p }), "KEY_INVALID", /p ≠ q, got p = q/);
    });

    it("refuses p·q ≠ n", () => {
      const other = exportPrivateKey(fixtureKey(3072));
      expectPaillierError(() => importPrivateKey({ ...good, p: other.p }), "KEY_INVALID", /p·q = n/);
      expectPaillierError(() => importPrivateKey({ ...good, q: hex(key2048.q + 2n) }), "KEY_INVALID", /p·q = n/);
    });

    it("refuses a composite factor", () => {
      expectPaillierError(() => importPrivateKey(bad.compositeP), "KEY_INVALID", /expected p prime/);
      expectPaillierError(
        () => importPrivateKey({ ...good, p: hex(1n), q: hex(n) }),
        "KEY_INVALID",
        /expected p prime/,
      );
    });

    it("refuses gcd(n, (p−1)(q−1)) ≠ 1", () => {
      expectPaillierError(() => importPrivateKey(bad.sharedPhiFactor), "KEY_INVALID", /gcd\(n, \(p−1\)\(q−1\)\) = 1/);
    });

    it("refuses primes so close that Fermat's method factors n", () => {
      expectPaillierError(() => importPrivateKey(bad.closePrimes), "KEY_INVALID", /Fermat/);
    });

    describe("malformed JSON (KEY_FORMAT)", () => {
      const pub = key2048.publicKey.toJSON();
      const cases: [string, unknown, RegExp][] = [
        ["text that is not JSON", "{kty: Paillier", /does not parse/],
        ["a JSON array", "[1,2]", /expected a JSON object, got array/],
        ["null", null, /expected a JSON object, got null/],
        ["a number", 42, /expected a JSON object, got number 42/],
        ["no kty", { n: pub.n }, /"kty": "Paillier"/],
        ["a wrong kty", { ...pub, kty: "RSA" }, /"kty": "Paillier", got string "RSA"/],
        ["no n", { kty: "Paillier" }, /member "n"/],
        ["n without 0x", { ...pub, n: pub.n.slice(2) }, /0x-prefixed hex/],
        ["n in decimal", { ...pub, n: key2048.publicKey.n.toString() }, /0x-prefixed hex/],
        ["n as a JSON number", { ...pub, n: 12345 }, /got number 12345/],
        ["n with a non-hex digit", { ...pub, n: `${pub.n.slice(0, -1)}g` }, /0x-prefixed hex/],
        ["n negative", { ...pub, n: `-${pub.n}` }, /0x-prefixed hex/],
        ["an empty n", { ...pub, n: "0x" }, /0x-prefixed hex/],
        ["an absurdly long n", { ...pub, n: `0x${"f".repeat(5000)}` }, /at most 2048 hex digits/],
        ["g not hex", { ...pub, g: "n+1" }, /"g": expected a 0x-prefixed hex string/],
        ["an unknown member", { ...pub, alg: "x" }, /unexpected member "alg"/],
        ["a private key given as public", exportPrivateKey(key2048), /use importPrivateKey/],
        ["over 64 KiB of text", " ".repeat(70_000), /at most 65536 characters/],
      ];
      for (const [what, input, message] of cases) {
        it(`refuses ${what}`, () => {
          expectPaillierError(() => importPublicKey(input), "KEY_FORMAT", message);
        });
      }

      it("refuses a public key given as private, and non-hex p or q", () => {
        expectPaillierError(() => importPrivateKey(pub), "KEY_FORMAT", /members "p" and "q"/);
        expectPaillierError(() => importPrivateKey({ ...good, p: 5 }), "KEY_FORMAT", /"p": expected a 0x-prefixed hex/);
        expectPaillierError(() => importPrivateKey({ ...good, q: "0xq" }), "KEY_FORMAT", /"q"/);
      });
    });
  });

  describe("generateKeyPair", () => {
    it("generates a fresh default (3072-bit) key that passes import and works with the reference", async () => {
      const events: KeyGenerationProgress[] = [];
      const { publicKey, privateKey } = await generateKeyPair({ onProgress: (p) => events.push(p) });
      expect(publicKey.bits).to.equal(DEFAULT_MODULUS_BITS);
      expect(privateKey.publicKey).to.equal(publicKey);
      expect(events.filter((e) => e.stage === "prime").length).to.be.greaterThanOrEqual(2);
      expect(events[events.length - 1].stage).to.equal("done");
      expect(privateKey.p % 4n).to.equal(3n);
      expect(privateKey.q % 4n).to.equal(3n);
      const again = importPrivateKey(exportPrivateKey(privateKey), { bits: 3072 });
      expect(again.publicKey.fingerprint).to.equal(publicKey.fingerprint);
      const c = encrypt(publicKey, -123n);
      expect(decrypt(privateKey, c)).to.equal(-123n);
      expect(referenceKeys(privateKey).privateKey.decrypt(c.value)).to.equal(publicKey.n - 123n);
    });

    it("generates a 2048-bit key on request", async () => {
      const { publicKey } = await generateKeyPair({ bits: 2048 });
      expect(publicKey.bits).to.equal(2048);
    });

    it("generates Blum keys: p ≡ q ≡ 3 (mod 4), so that they can prove their modulus (Π^mod)", async () => {
      const pairs = await Promise.all([0, 1, 2].map(() => generateKeyPair({ bits: 2048 })));
      for (const { privateKey } of pairs) {
        expect([privateKey.p % 4n, privateKey.q % 4n]).to.deep.equal([3n, 3n]);
        expect(isBlumKey(privateKey)).to.equal(true);
      }
    });

    it("refuses sizes under 2048 bits and unsupported sizes", async () => {
      await expectPaillierRejection(generateKeyPair({ bits: 1024 }), "INVALID_ARGUMENT");
      await expectPaillierRejection(generateKeyPair({ bits: 2500 }), "INVALID_ARGUMENT");
      await expectPaillierRejection(
        generateKeyPair({ onProgress: 5 as unknown as (p: KeyGenerationProgress) => void }),
        "INVALID_ARGUMENT",
      );
    });
  });
});
