/**
 * Tests of ciphertext validation and the wire format: fixed-width hex of the modulus byte length, round trips, and
 * every refusal ("expected …, got …"). Uses the fixed keys of the known-answer file (no key generation needed).
 */

import { expect } from "chai";
import fc from "fast-check";
import { DgkPublicKey, ciphertextByteLength, encrypt, parseCiphertext, toHex, validateCiphertext } from "../../src/dgk";
import { expectDgkError, kat, katKey } from "./helpers";

describe("dgk/ciphertext", () => {
  const key2048 = katKey("2048");
  const key3072 = katKey("3072");
  const pk = key2048.publicKey;
  const { n } = pk;
  const { p, q } = key2048;

  describe("validateCiphertext", () => {
    it("accepts 1 ≤ c < n coprime to n, with either key", () => {
      for (const c of [1n, 2n, n - 2n, encrypt(pk, 3n), pk.g, pk.h]) {
        validateCiphertext(pk, c);
        validateCiphertext(key2048, c);
      }
    });

    it("CIPHERTEXT_INVALID for c < 1, c ≥ n, or c sharing a factor with n, with either key", () => {
      for (const key of [pk, key2048]) {
        for (const c of [0n, -1n, n, n + 1n, 2n * n])
          expectDgkError(() => validateCiphertext(key, c), "CIPHERTEXT_INVALID", /1 <= c < n/);
        for (const c of [p, q, 2n * p, n - q])
          expectDgkError(() => validateCiphertext(key, c), "CIPHERTEXT_INVALID", /gcd/);
      }
    });

    it("names the value in its messages", () => {
      expectDgkError(
        () => validateCiphertext(pk, 0n, "bits[3]"),
        "CIPHERTEXT_INVALID",
        /^bits\[3\]: expected 1 <= c < n, got c = 0$/,
      );
    });

    it("INVALID_ARGUMENT for a non-bigint or a non-key", () => {
      expectDgkError(() => validateCiphertext(pk, 5 as unknown as bigint), "INVALID_ARGUMENT", /got number 5/);
      expectDgkError(() => validateCiphertext({} as DgkPublicKey, 5n), "INVALID_ARGUMENT");
    });
  });

  describe("toHex and parseCiphertext", () => {
    it("writes 0x and exactly 2·⌈bits(n)/8⌉ lowercase digits (512 at 2048 bits, 768 at 3072)", () => {
      expect(ciphertextByteLength(pk)).to.equal(256);
      expect(ciphertextByteLength(key3072)).to.equal(384);
      expect(toHex(pk, 1n)).to.equal(`0x${"0".repeat(511)}1`);
      for (const key of [key2048, key3072]) {
        const hex = toHex(key, encrypt(key, 1n));
        expect(hex).to.match(new RegExp(`^0x[0-9a-f]{${2 * ciphertextByteLength(key)}}$`));
      }
    });

    it("round-trips every ciphertext and the range edges; accepts upper case", () => {
      fc.assert(
        fc.property(fc.oneof(fc.constantFrom(1n, 2n, n - 2n), fc.bigInt({ min: 1n, max: n - 1n })), (c) => {
          if (c % p === 0n || c % q === 0n) return true;
          const hex = toHex(pk, c);
          return (
            parseCiphertext(pk, hex, "c") === c &&
            parseCiphertext(key2048, `0x${hex.slice(2).toUpperCase()}`, "c") === c
          );
        }),
        { numRuns: 50 },
      );
      for (const v of kat().vectors) {
        const key = katKey(v.key as "2048");
        expect(toHex(key, parseCiphertext(key.publicKey, v.c, v.name))).to.equal(v.c);
      }
    });

    it("toHex: CIPHERTEXT_INVALID outside [1, n), INVALID_ARGUMENT for a non-bigint", () => {
      for (const c of [0n, -1n, n]) expectDgkError(() => toHex(pk, c), "CIPHERTEXT_INVALID");
      expectDgkError(() => toHex(pk, 1 as unknown as bigint), "INVALID_ARGUMENT");
    });

    it("parseCiphertext: CIPHERTEXT_FORMAT for a non-string, no 0x, a wrong length, a non-hex digit", () => {
      const good = toHex(pk, encrypt(pk, 1n));
      const cases: [unknown, RegExp][] = [
        [BigInt(good), /expected a 0x-prefixed hex string, got bigint/],
        [42, /got number 42/],
        [null, /got null/],
        [undefined, /got undefined/],
        [[good], /got array/],
        [`00${good.slice(2)}`, /expected a 0x-prefixed hex string/],
        ["0x1", /exactly 512 hex digits, got 3 characters/],
        [`0x${good.slice(3)}`, /exactly 512 hex digits/],
        [`${good}0`, /exactly 512 hex digits/],
        [`0x${"0".repeat(1024)}`, /exactly 512 hex digits/],
        [`0x${good.slice(3)}g`, /expected a 0x-prefixed hex string/],
        [`0x${good.slice(3)} `, /expected a 0x-prefixed hex string/],
        [`0X${good.slice(2)}`, /expected a 0x-prefixed hex string/],
        ["", /exactly 512 hex digits, got 0 characters/],
      ];
      for (const [input, message] of cases) {
        expectDgkError(() => parseCiphertext(pk, input, "bits[0]"), "CIPHERTEXT_FORMAT", message);
      }
      expectDgkError(() => parseCiphertext(pk, 42, "bits[7]"), "CIPHERTEXT_FORMAT", /^bits\[7\]: /);
    });

    it("parseCiphertext: CIPHERTEXT_INVALID for 0, n, above n, or a multiple of p", () => {
      const width = 2 * ciphertextByteLength(pk);
      const fixed = (x: bigint): string => `0x${x.toString(16).padStart(width, "0")}`;
      for (const c of [0n, n, n + 1n, (1n << 2048n) - 1n]) {
        expectDgkError(() => parseCiphertext(pk, fixed(c), "c"), "CIPHERTEXT_INVALID", /1 <= c < n/);
      }
      expectDgkError(() => parseCiphertext(pk, fixed(p), "c"), "CIPHERTEXT_INVALID", /gcd/);
      expectDgkError(() => parseCiphertext(key2048, fixed(3n * q), "c"), "CIPHERTEXT_INVALID", /gcd/);
    });

    it("parseCiphertext refuses a ciphertext of the 3072-bit key under the 2048-bit key", () => {
      const hex = toHex(key3072, encrypt(key3072, 1n));
      expectDgkError(() => parseCiphertext(pk, hex, "c"), "CIPHERTEXT_FORMAT", /exactly 512 hex digits, got 770/);
    });
  });
});
