/**
 * Tests of ciphertext validation and serialisation, including every refusal, and of the baseline's silence on the
 * same inputs.
 */

import { expect } from "chai";
import {
  Ciphertext,
  ciphertextByteLength,
  decrypt,
  encrypt,
  validateCiphertext,
  PaillierPublicKey,
} from "../../src/paillier";
import { expectPaillierError, fixtureKey, referenceKeys } from "./helpers";

describe("paillier/ciphertext", () => {
  const key = fixtureKey(2048);
  const other = fixtureKey(3072);
  const pk = key.publicKey;
  const { n, nSquared } = pk;
  const width = ciphertextByteLength(pk);
  const hex = (x: bigint): string => `0x${x.toString(16)}`;

  describe("refusals", () => {
    const cases: [string, bigint, "CIPHERTEXT_RANGE" | "CIPHERTEXT_NOT_UNIT", RegExp][] = [
      ["0", 0n, "CIPHERTEXT_RANGE", /expected 0 < c < n², got c = 0/],
      ["a negative value", -5n, "CIPHERTEXT_RANGE", /got c = -5/],
      ["n²", nSquared, "CIPHERTEXT_RANGE", /got c = n²/],
      ["n² + 1", nSquared + 1n, "CIPHERTEXT_RANGE", /got c > n²/],
      ["n", n, "CIPHERTEXT_NOT_UNIT", /gcd\(c, n\) = 1/],
      ["a multiple of p", key.p * 12345n, "CIPHERTEXT_NOT_UNIT", /sharing a factor with n/],
      ["a multiple of q", key.q, "CIPHERTEXT_NOT_UNIT", /sharing a factor with n/],
      ["n² − n", nSquared - n, "CIPHERTEXT_NOT_UNIT", /gcd/],
    ];
    for (const [what, value, code, message] of cases) {
      it(`refuses ${what} as a number, as hex where it can be written, and in validateCiphertext`, () => {
        expectPaillierError(() => Ciphertext.fromBigInt(pk, value), code, message);
        expectPaillierError(() => validateCiphertext(pk, value), code, message);
        if (value >= 0n && value.toString(16).length <= 2 * width) {
          expectPaillierError(() => Ciphertext.fromHex(pk, hex(value)), code, message);
        }
      });
    }

    it("refuses hex that is not 0x-prefixed hex, or longer than the canonical width (CIPHERTEXT_FORMAT)", () => {
      const good = encrypt(pk, 1n).toHex();
      const inputs: unknown[] = [
        "",
        "0x",
        "12ab",
        "0xzz",
        "0x-5",
        "-0x5",
        ` ${good}`,
        `${good} `,
        `${good.slice(0, -1)}g`,
        `0x0${good.slice(2)}`, // one digit too many
        12345,
        12345n,
        null,
      ];
      for (const input of inputs) {
        expectPaillierError(() => Ciphertext.fromHex(pk, input as string), "CIPHERTEXT_FORMAT");
      }
      expectPaillierError(
        () => Ciphertext.fromHex(pk, `0x${"1".repeat(2 * width + 1)}`),
        "CIPHERTEXT_FORMAT",
        /at most 1024 hex digits/,
      );
    });

    it("refuses byte strings of the wrong length", () => {
      const bytes = encrypt(pk, 1n).toBytes();
      expectPaillierError(
        () => Ciphertext.fromBytes(pk, bytes.subarray(1)),
        "CIPHERTEXT_FORMAT",
        /expected 512 bytes, got 511 bytes/,
      );
      expectPaillierError(() => Ciphertext.fromBytes(pk, new Uint8Array(width + 1)), "CIPHERTEXT_FORMAT");
      expectPaillierError(() => Ciphertext.fromBytes(pk, new Uint8Array(width)), "CIPHERTEXT_RANGE");
      expectPaillierError(() => Ciphertext.fromBytes(pk, "00" as unknown as Uint8Array), "CIPHERTEXT_FORMAT");
    });

    it("refuses non-bigint values and non-keys", () => {
      expectPaillierError(() => Ciphertext.fromBigInt(pk, 5 as unknown as bigint), "INVALID_ARGUMENT");
      expectPaillierError(() => Ciphertext.fromHex({} as PaillierPublicKey, "0x5"), "INVALID_ARGUMENT");
    });

    it("refuses what the plain paillier-bigint decrypts to 0 without complaint", () => {
      const ref = referenceKeys(key).privateKey;
      for (const c of [0n, n, nSquared + 1n]) {
        expect(ref.decrypt(c)).to.equal(0n); // the baseline's silence
        expect(() => Ciphertext.fromBigInt(pk, c)).to.throw(/ciphertext: expected/);
      }
    });
  });

  describe("serialisation", () => {
    it("writes canonical fixed-width lowercase hex and reads it back", () => {
      const c = encrypt(pk, 42n);
      const text = c.toHex();
      expect(text).to.match(new RegExp(`^0x[0-9a-f]{${2 * width}}$`));
      const back = Ciphertext.fromHex(pk, text);
      expect(back.equals(c)).to.equal(true);
      expect(decrypt(key, back)).to.equal(42n);
      expect(JSON.stringify({ c })).to.equal(JSON.stringify({ c: text }));
    });

    it("pads small values to the canonical width and accepts them without padding or in upper case", () => {
      const small = Ciphertext.fromBigInt(pk, 1n + 5n * n); // an encryption of 5 with r = 1
      expect(small.toHex().length).to.equal(2 + 2 * width);
      expect(small.toHex().startsWith("0x00")).to.equal(true);
      expect(Ciphertext.fromHex(pk, hex(small.value)).equals(small)).to.equal(true);
      expect(Ciphertext.fromHex(pk, `0x${small.value.toString(16).toUpperCase()}`).equals(small)).to.equal(true);
      expect(decrypt(key, small)).to.equal(5n);
    });

    it("round-trips through bytes of the canonical length", () => {
      const c = encrypt(other.publicKey, -9n);
      const bytes = c.toBytes();
      expect(bytes.length).to.equal(ciphertextByteLength(other.publicKey)).and.to.equal(768);
      expect(Ciphertext.fromBytes(other.publicKey, bytes).equals(c)).to.equal(true);
    });

    it("binds a ciphertext to its key: equals() compares key and value", () => {
      const c = encrypt(pk, 1n);
      expect(c.equals(Ciphertext.fromBigInt(pk, c.value))).to.equal(true);
      expect(c.equals(encrypt(pk, 1n))).to.equal(false);
      expect(c.equals(Ciphertext.fromBigInt(other.publicKey, c.value))).to.equal(false);
    });

    it("refuses to decrypt a ciphertext under another key (KEY_MISMATCH)", () => {
      const c = encrypt(other.publicKey, 1n);
      expectPaillierError(() => decrypt(key, c), "KEY_MISMATCH", /expected a ciphertext under key 0x/);
    });
  });
});
