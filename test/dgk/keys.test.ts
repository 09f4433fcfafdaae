/**
 * Tests of DGK key generation (parameters, subgroup orders), the JSON format, fingerprints, private-key protection
 * and every import refusal with its error code.
 */

import { checkPrimeSync } from "node:crypto";
import { inspect } from "node:util";
import { expect } from "chai";
import {
  DGK_DEFAULT_MODULUS_BITS,
  DgkKeyPair,
  DgkPrivateKey,
  DgkPrivateKeyJson,
  DgkPublicKey,
  decrypt,
  encrypt,
  exportDgkPrivateKey,
  exportDgkPublicKey,
  generateDgkKeyPair,
  importDgkPrivateKey,
  importDgkPublicKey,
} from "../../src/dgk";
import { importGeneratedDgkPrivateKey } from "../../src/dgk/keys";
import { modPowBigInt } from "../../src/paillier";
import { expectDgkError, expectDgkRejection, kat, katKey } from "./helpers";

const hex = (x: bigint): string => `0x${x.toString(16)}`;
/** A copy of a key's JSON without some members. */
const without = (json: object, ...members: string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(json).filter(([member]) => !members.includes(member)));
/** BigInt square-and-multiply, not the engine's OpenSSL route: an independent check of the orders. */
const pow = modPowBigInt;

/** Exact-order checks of a generated key, in Z_n* and component by component. */
function checkStructure(key: DgkPrivateKey, bits: number, t: number, uBits: number): void {
  const { p, q, vp, vq, publicKey: pk } = key;
  const { n, g, h, u } = pk;
  expect(pk.bits).to.equal(bits);
  expect(n.toString(2).length).to.equal(bits);
  expect(p * q).to.equal(n);
  expect(p.toString(2).length).to.equal(bits / 2);
  expect(q.toString(2).length).to.equal(bits / 2);
  for (const x of [p, q, u, vp, vq]) expect(checkPrimeSync(x), hex(x)).to.equal(true);
  expect(u.toString(2).length).to.equal(uBits);
  expect(vp.toString(2).length).to.equal(t);
  expect(vq.toString(2).length).to.equal(t);
  expect(vp).to.not.equal(vq);
  expect(pk.randomBits).to.equal(Math.ceil(2.5 * t));
  expect((p - 1n) % (2n * u * vp)).to.equal(0n);
  expect((q - 1n) % (2n * u * vq)).to.equal(0n);
  // g of order u·vp·vq, h of order vp·vq in Z_n*
  expect(pow(g, u * vp * vq, n)).to.equal(1n);
  expect(pow(g, vp * vq, n)).to.not.equal(1n);
  expect(pow(g, u * vp, n)).to.not.equal(1n);
  expect(pow(g, u * vq, n)).to.not.equal(1n);
  expect(pow(h, vp * vq, n)).to.equal(1n);
  expect(pow(h, vp, n)).to.not.equal(1n);
  expect(pow(h, vq, n)).to.not.equal(1n);
  // modulo p, which the zero test relies on: g_p of order u·vp, h_p of order vp
  expect(pow(g, u * vp, p)).to.equal(1n);
  expect(pow(g, vp, p)).to.not.equal(1n);
  expect(pow(g, u, p)).to.not.equal(1n);
  expect(pow(h, vp, p)).to.equal(1n);
  expect(h % p).to.not.equal(1n);
  expect(pow(g, u * vq, q)).to.equal(1n);
  expect(pow(h, vq, q)).to.equal(1n);
}

describe("dgk/keys", () => {
  let pair2048: DgkKeyPair;
  let pair3072: DgkKeyPair;

  before(async () => {
    // One key per size for the whole file: 2048 bits with the smallest parameters, 3072 with the defaults.
    [pair2048, pair3072] = await Promise.all([
      generateDgkKeyPair({ bits: 2048, t: 160, uBits: 8 }),
      generateDgkKeyPair(),
    ]);
  });

  describe("generateDgkKeyPair", () => {
    it("defaults to 3072 bits, t = 256, a 16-bit u, 640 bits of randomness, with exact subgroup orders", () => {
      expect(DGK_DEFAULT_MODULUS_BITS).to.equal(3072);
      checkStructure(pair3072.privateKey, 3072, 256, 16);
      expect(pair3072.publicKey.randomBits).to.equal(640);
    });

    it("honours bits, t and uBits (2048 bits, t = 160, 8-bit u, 400 bits of randomness)", () => {
      checkStructure(pair2048.privateKey, 2048, 160, 8);
      expect(pair2048.publicKey.randomBits).to.equal(400);
    });

    it("gives keys that pass the import checks and work", () => {
      for (const { privateKey } of [pair2048, pair3072]) {
        const again = importDgkPrivateKey(JSON.stringify(exportDgkPrivateKey(privateKey)));
        expect(again.publicKey.equals(privateKey.publicKey)).to.equal(true);
        expect(decrypt(again, encrypt(privateKey.publicKey, 5n))).to.equal(5n);
      }
    });

    it("refuses sizes under 2048 bits, unsupported sizes, and t or uBits out of range", async () => {
      await expectDgkRejection(generateDgkKeyPair({ bits: 1024 }), "INVALID_ARGUMENT");
      await expectDgkRejection(generateDgkKeyPair({ bits: 2047 }), "INVALID_ARGUMENT");
      await expectDgkRejection(generateDgkKeyPair({ bits: 2048.5 }), "INVALID_ARGUMENT");
      await expectDgkRejection(generateDgkKeyPair({ t: 128 }), "INVALID_ARGUMENT");
      await expectDgkRejection(generateDgkKeyPair({ t: 1024 }), "INVALID_ARGUMENT");
      await expectDgkRejection(generateDgkKeyPair({ uBits: 7 }), "INVALID_ARGUMENT");
      await expectDgkRejection(generateDgkKeyPair({ uBits: 33 }), "INVALID_ARGUMENT");
      await expectDgkRejection(generateDgkKeyPair("3072" as never), "INVALID_ARGUMENT");
      await expectDgkRejection(generateDgkKeyPair({ bits: "3072" as never }), "INVALID_ARGUMENT");
    });
  });

  describe("JSON format and fingerprint", () => {
    it("writes kty, n, g, h, u, randomBits (and p, q, vp, vq) as minimal lowercase hex", () => {
      const { privateKey, publicKey } = pair3072;
      const pub = exportDgkPublicKey(publicKey);
      expect(Object.keys(pub)).to.deep.equal(["kty", "n", "g", "h", "u", "randomBits"]);
      expect(pub).to.deep.equal({
        kty: "DGK",
        n: hex(publicKey.n),
        g: hex(publicKey.g),
        h: hex(publicKey.h),
        u: hex(publicKey.u),
        randomBits: 640,
      });
      expect(JSON.parse(JSON.stringify(publicKey))).to.deep.equal(pub);
      expect(exportDgkPublicKey(privateKey)).to.deep.equal(pub);
      const priv = exportDgkPrivateKey(privateKey);
      expect(Object.keys(priv)).to.deep.equal(["kty", "n", "g", "h", "u", "randomBits", "p", "q", "vp", "vq"]);
      expect(priv.vp).to.equal(hex(privateKey.vp));
    });

    it("fingerprints the canonical public JSON with SHA-256", () => {
      const { publicKey } = pair2048;
      expect(publicKey.fingerprint).to.match(/^0x[0-9a-f]{64}$/);
      expect(importDgkPublicKey(JSON.stringify(publicKey)).fingerprint).to.equal(publicKey.fingerprint);
      expect(pair3072.publicKey.fingerprint).to.not.equal(publicKey.fingerprint);
      // every public member enters the fingerprint
      const other = { ...exportDgkPublicKey(publicKey), randomBits: 401 };
      expect(importDgkPublicKey(other).fingerprint).to.not.equal(publicKey.fingerprint);
      expect(importDgkPublicKey(other).equals(publicKey)).to.equal(false);
    });

    it("accepts upper-case hex and leading zeros with the same key", () => {
      const json = exportDgkPublicKey(pair2048.publicKey);
      const upper = { ...json, n: `0x000${json.n.slice(2).toUpperCase()}`, u: `0x00${json.u.slice(2)}` };
      expect(importDgkPublicKey(upper).equals(pair2048.publicKey)).to.equal(true);
    });

    it("checks the size asked for", () => {
      expect(importDgkPublicKey(exportDgkPublicKey(pair2048.publicKey), { bits: 2048 }).bits).to.equal(2048);
      expectDgkError(() => importDgkPublicKey(exportDgkPublicKey(pair2048.publicKey), { bits: 3072 }), "KEY_SIZE");
      expectDgkError(
        () => importDgkPublicKey(exportDgkPublicKey(pair2048.publicKey), { bits: 1024 }),
        "INVALID_ARGUMENT",
      );
    });
  });

  describe("private key protection", () => {
    it("refuses JSON.stringify with PRIVATE_KEY_EXPORT, also when nested", () => {
      const { privateKey } = pair2048;
      expectDgkError(() => JSON.stringify(privateKey), "PRIVATE_KEY_EXPORT");
      expectDgkError(() => JSON.stringify({ keys: [privateKey] }), "PRIVATE_KEY_EXPORT");
    });

    it("shows only the fingerprint in logs", () => {
      const { privateKey } = pair2048;
      for (const text of [String(privateKey), inspect(privateKey), inspect({ privateKey })]) {
        expect(text).to.contain(privateKey.publicKey.fingerprint);
        expect(text).to.not.contain(privateKey.p.toString(16).slice(0, 16));
        expect(text).to.not.contain(privateKey.p.toString().slice(0, 16));
      }
    });

    it("is frozen", () => {
      expect(Object.isFrozen(pair2048.privateKey)).to.equal(true);
      expect(Object.isFrozen(pair2048.publicKey)).to.equal(true);
    });

    it("export functions refuse what is not a key", () => {
      expectDgkError(() => exportDgkPrivateKey(pair2048.publicKey as unknown as DgkPrivateKey), "INVALID_ARGUMENT");
      expectDgkError(() => exportDgkPublicKey({} as DgkPublicKey), "INVALID_ARGUMENT");
    });
  });

  describe("importDgkPublicKey refusals", () => {
    const base = (): Record<string, unknown> => ({ ...exportDgkPublicKey(katKey("2048")) });
    const key = katKey("2048");
    const { p, q } = key;
    const pk = key.publicKey;
    const { n } = pk;
    const refuse = (json: unknown, code: Parameters<typeof expectDgkError>[1], message?: RegExp): void => {
      expectDgkError(() => importDgkPublicKey(json), code, message);
    };

    it("KEY_FORMAT: not JSON, not an object, wrong kty, missing or unknown member, non-hex, non-integer", () => {
      refuse("{", "KEY_FORMAT", /does not parse/);
      refuse("[]", "KEY_FORMAT");
      refuse(null, "KEY_FORMAT");
      refuse(42, "KEY_FORMAT");
      refuse({ ...base(), kty: "Paillier" }, "KEY_FORMAT", /kty/);
      for (const member of ["n", "g", "h", "u", "randomBits"]) {
        const json = base();
        delete json[member];
        refuse(json, "KEY_FORMAT", new RegExp(`"${member}"`));
      }
      refuse({ ...base(), N: "0x1" }, "KEY_FORMAT", /unexpected member "N"/);
      refuse({ ...base(), n: "12345" }, "KEY_FORMAT");
      refuse({ ...base(), g: "0xzz" }, "KEY_FORMAT");
      refuse({ ...base(), h: 7 }, "KEY_FORMAT");
      refuse({ ...base(), randomBits: "640" }, "KEY_FORMAT", /randomBits/);
      refuse({ ...base(), randomBits: 640.5 }, "KEY_FORMAT", /randomBits/);
      refuse("x".repeat(70_000), "KEY_FORMAT");
    });

    it("KEY_FORMAT: a private key where a public one is due", () => {
      refuse(kat().keys["2048"], "KEY_FORMAT", /private key/);
    });

    it("KEY_SIZE: under 2048 bits (a valid 1024-bit DGK key), or an unsupported size", () => {
      refuse(without(kat().badKeys.small1024, "p", "q", "vp", "vq"), "KEY_SIZE", /at least 2048 bits/);
      refuse({ ...base(), n: hex(n >> 1n) }, "KEY_SIZE", /2047 bits/);
    });

    it("KEY_INVALID: n even, a perfect square, with a small factor, or prime", () => {
      refuse({ ...base(), n: hex(n + 1n) }, "KEY_INVALID", /odd/);
      const s = 3n * (1n << 1022n) + 1n;
      refuse({ ...base(), n: hex(s * s) }, "KEY_INVALID", /square/);
      let multipleOf3 = n - (n % 3n);
      if ((multipleOf3 & 1n) === 0n) multipleOf3 -= 3n;
      refuse({ ...base(), n: hex(multipleOf3) }, "KEY_INVALID", /divisible by 3/);
      refuse(kat().badKeys.primeN, "KEY_INVALID", /prime n/);
    });

    it("KEY_INVALID: u composite, under 8 bits or over 32 bits", () => {
      refuse({ ...base(), u: hex(65535n) }, "KEY_INVALID", /composite u/);
      refuse({ ...base(), u: hex(pk.u * 3n) }, "KEY_INVALID", /composite u/);
      refuse({ ...base(), u: hex(127n) }, "KEY_INVALID", /8 to 32 bits/);
      refuse({ ...base(), u: hex(2n) }, "KEY_INVALID", /8 to 32 bits/);
      refuse({ ...base(), u: hex((1n << 61n) - 1n) }, "KEY_INVALID", /8 to 32 bits/);
    });

    it("KEY_INVALID: g or h outside [2, n − 1), sharing a factor with n, or g = h", () => {
      for (const member of ["g", "h"]) {
        for (const bad of [0n, 1n, n - 1n, n, n + 5n]) refuse({ ...base(), [member]: hex(bad) }, "KEY_INVALID");
        refuse({ ...base(), [member]: hex(p) }, "KEY_INVALID", /gcd/);
        refuse({ ...base(), [member]: hex(3n * q) }, "KEY_INVALID", /gcd/);
      }
      refuse({ ...base(), h: hex(pk.g) }, "KEY_INVALID", /g ≠ h/);
    });

    it("KEY_INVALID: randomBits under 2.5·160 or over 4096", () => {
      refuse({ ...base(), randomBits: 399 }, "KEY_INVALID", /randomBits/);
      refuse({ ...base(), randomBits: 320 }, "KEY_INVALID", /randomBits/);
      refuse({ ...base(), randomBits: 4097 }, "KEY_INVALID", /randomBits/);
      expect(importDgkPublicKey({ ...base(), randomBits: 400 }).randomBits).to.equal(400);
    });
  });

  describe("importDgkPrivateKey refusals", () => {
    const key = katKey("2048");
    const { p, q, vp, vq } = key;
    const { n, g, h, u } = key.publicKey;
    const base = (): DgkPrivateKeyJson => exportDgkPrivateKey(key);
    const refuse = (changes: Partial<Record<keyof DgkPrivateKeyJson, unknown>>, message: RegExp): void => {
      expectDgkError(() => importDgkPrivateKey({ ...base(), ...changes }), "KEY_INVALID", message);
    };

    it("KEY_FORMAT: a public key, or a missing secret member", () => {
      expectDgkError(() => importDgkPrivateKey(exportDgkPublicKey(key)), "KEY_FORMAT", /"p"/);
      expectDgkError(() => importDgkPrivateKey(without(base(), "vq")), "KEY_FORMAT", /"vq"/);
      expectDgkError(() => importDgkPrivateKey({ ...base(), vp: "vp" }), "KEY_FORMAT");
    });

    it("runs the public checks first", () => {
      expectDgkError(() => importDgkPrivateKey(kat().badKeys.small1024), "KEY_SIZE");
      expectDgkError(() => importDgkPrivateKey({ ...base(), n: hex(n + 1n) }), "KEY_INVALID", /odd/);
    });

    it("KEY_INVALID: p·q ≠ n, p composite, p = q", () => {
      refuse({ p: hex(p + 2n) }, /p·q = n/);
      refuse({ p: hex(n), q: hex(1n) }, /p prime/);
      refuse({ p: hex(1n), q: hex(n) }, /p prime/);
    });

    it("KEY_INVALID: vp or vq composite, equal, or of the wrong size", () => {
      refuse({ vp: hex(vp * u) }, /vp prime/); // u·vp divides p − 1, but is not prime
      refuse({ vq: hex(vq * 3n) }, /vq prime/);
      refuse({ vq: hex(vp) }, /vp ≠ vq/);
      refuse({ vp: hex(u) }, /vp of 160 to 512 bits/); // a prime dividing p − 1, far too small
    });

    it("KEY_INVALID: randomBits under 2.5·t for the key's t", () => {
      refuse({ randomBits: 639 }, /randomBits >= 2.5·t = 640/);
    });

    it("KEY_INVALID: u, vp or vq not dividing p − 1 or q − 1", () => {
      const otherU = u === 65521n ? 65519n : 65521n;
      refuse({ u: hex(otherU) }, /u to divide p − 1/);
      refuse({ vp: hex(vq), vq: hex(vp) }, /vp to divide p − 1/);
      refuse({ p: hex(q), q: hex(p) }, /vp to divide p − 1/);
    });

    it("KEY_INVALID: g or h of the wrong order", () => {
      const pow3 = (x: bigint, e: bigint): string => hex(pow(x, e, n));
      refuse({ g: pow3(g, u) }, /g mod p of order exactly u·vp/); // order vp·vq: no u
      refuse({ g: pow3(g, vp) }, /g mod p of order exactly u·vp/); // order u·vq: no vp
      refuse({ g: pow3(g, vq) }, /g mod q of order exactly u·vq/); // order u·vp: no vq
      refuse({ g: pow3(h, 5n) }, /g mod p of order exactly u·vp/);
      refuse({ h: pow3(g, 2n) }, /h mod p of order exactly vp/); // order u·vp·vq
      refuse({ h: pow3(h, vp) }, /h mod p of order exactly vp/); // ≡ 1 mod p
      refuse({ h: pow3(h, vq) }, /h mod q of order exactly vq/); // ≡ 1 mod q
      refuse({ h: hex(n - 2n) }, /h mod p of order exactly vp/);
    });
  });

  describe("importGeneratedDgkPrivateKey (a key this process's own thread made)", function () {
    it("takes the generating thread's JSON back as the same key, checking its format and p·q = n only", function () {
      const key = katKey("2048");
      const json = exportDgkPrivateKey(key);
      const again = importGeneratedDgkPrivateKey(json);
      expect(again.publicKey.fingerprint).to.equal(key.publicKey.fingerprint);
      expect(decrypt(again, encrypt(key.publicKey, 5n))).to.equal(5n);
      expectDgkError(() => importGeneratedDgkPrivateKey({ ...json, p: hex(key.p + 2n) }), "KEY_INVALID", /p·q = n/);
      expectDgkError(() => importGeneratedDgkPrivateKey(without(json, "vq")), "KEY_FORMAT");
      expectDgkError(() => importGeneratedDgkPrivateKey("{"), "KEY_FORMAT", /expected JSON/);
    });
  });
});
