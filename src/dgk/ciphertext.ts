/**
 * DGK ciphertexts: their checks and their wire format.
 *
 * A ciphertext is a plain `bigint` c with 1 ≤ c < n and gcd(c, n) = 1. Everything taken from outside goes through
 * {@link parseCiphertext} or {@link validateCiphertext}; the homomorphic operations then check only the type and the
 * range (the gcd costs about half a millisecond at 3072 bits, a hundred times an addition).
 *
 * Wire format: `"0x"` + exactly 2·⌈bits(n)/8⌉ hex digits, big-endian, zero-padded (768 digits, 384 bytes, for a
 * 3072-bit key). {@link toHex} writes lowercase; {@link parseCiphertext} accepts either case but refuses any other
 * length, so that each ciphertext has one canonical encoding up to case, and hashing the lowercase form commits to it.
 *
 * @module
 */

import { byteLength, gcd, toFixedHex } from "../paillier/arith";
import { DgkKey, publicKeyOf } from "./context";
import { DgkError, describeBigInt, describeValue } from "./errors";
import { DgkPrivateKey } from "./keys";

/**
 * The length in bytes of a ciphertext on the wire.
 *
 * @param key - the key (public or private)
 * @returns ⌈bits(n)/8⌉, e.g. 384 for a 3072-bit key
 * @throws {DgkError} `INVALID_ARGUMENT` when `key` is not a DGK key
 */
export function ciphertextByteLength(key: DgkKey): number {
  return byteLength(publicKeyOf(key, "ciphertextByteLength: key").n);
}

/**
 * Throws unless `c` is a bigint in [1, n): the cheap part of {@link validateCiphertext}, run by every operation.
 *
 * @param n - the modulus
 * @param c - the argument
 * @param what - its name in messages
 * @throws {DgkError} `INVALID_ARGUMENT` when `c` is not a bigint; `CIPHERTEXT_INVALID` when it is out of range
 */
export function checkCiphertextRange(n: bigint, c: unknown, what: string): asserts c is bigint {
  if (typeof c !== "bigint") {
    throw new DgkError("INVALID_ARGUMENT", `${what}: expected a bigint ciphertext, got ${describeValue(c)}`);
  }
  if (c < 1n || c >= n) {
    const got = c === n ? "c = n" : `c = ${describeBigInt(c)}`;
    throw new DgkError("CIPHERTEXT_INVALID", `${what}: expected 1 <= c < n, got ${got}`);
  }
}

/**
 * Checks that a value is a valid ciphertext under a key: 1 ≤ c < n and gcd(c, n) = 1.
 *
 * This is what a party must run on every ciphertext it receives. It does not prove that c lies in the key's
 * subgroup (only the private key can: {@link isKeyCiphertext}). With a private key the gcd is replaced by two
 * divisibility tests, c mod p ≠ 0 and c mod q ≠ 0.
 *
 * @param key - the key (public or private)
 * @param c - the candidate ciphertext
 * @param what - its name in messages (default "ciphertext")
 * @throws {DgkError} `CIPHERTEXT_INVALID` when c < 1, c ≥ n, or c shares a factor with n; `INVALID_ARGUMENT` when
 *   `c` is not a bigint or `key` not a key
 * @example
 * validateCiphertext(bureauKey, c); // throws unless 1 <= c < n and gcd(c, n) = 1
 */
export function validateCiphertext(key: DgkKey, c: bigint, what = "ciphertext"): void {
  const { n } = publicKeyOf(key, "validateCiphertext: key");
  checkCiphertextRange(n, c, what);
  const unit = key instanceof DgkPrivateKey ? c % key.p !== 0n && c % key.q !== 0n : gcd(c, n) === 1n;
  if (!unit) {
    throw new DgkError(
      "CIPHERTEXT_INVALID",
      `${what}: expected gcd(c, n) = 1, got a c sharing a factor with n (not a ciphertext; whoever made it may know ` +
        "the factorisation)",
    );
  }
}

/**
 * A ciphertext as fixed-width lowercase hex.
 *
 * @param key - the key it is under
 * @param c - a ciphertext, 1 ≤ c < n
 * @returns `"0x"` + 2·{@link ciphertextByteLength} hex digits
 * @throws {DgkError} `INVALID_ARGUMENT` when `c` is not a bigint; `CIPHERTEXT_INVALID` when it is out of range
 * @example
 * body.bits = bits.map((c) => toHex(bureauKey, c));
 */
export function toHex(key: DgkKey, c: bigint): string {
  const { n } = publicKeyOf(key, "toHex: key");
  checkCiphertextRange(n, c, "toHex: ciphertext");
  return toFixedHex(c, byteLength(n));
}

const HEX_RE = /^0x[0-9a-fA-F]*$/;

/**
 * Parses and validates a ciphertext received in the wire format.
 *
 * @param key - the key it claims to be under
 * @param hex - `"0x"` and exactly 2·{@link ciphertextByteLength} hex digits (either case)
 * @param what - its name in messages, e.g. `"bits[3]"`
 * @param options.checkUnit - also check gcd(c, n) = 1 (default); a party that only computes on what it receives
 *   and sends it back to the key's owner may skip it (with the public key alone it costs a gcd, about 0.6 ms at 3072
 *   bits), and the owner's {@link zeroTest} subsumes it
 * @returns the ciphertext
 * @throws {DgkError} `CIPHERTEXT_FORMAT` when `hex` is not a string, lacks "0x", has a non-hex digit or the wrong
 *   length; `CIPHERTEXT_INVALID` as {@link validateCiphertext}
 * @example
 * const bits = body.bits.map((x: unknown, i: number) => parseCiphertext(bureauKey, x, `bits[${i}]`));
 */
export function parseCiphertext(
  key: DgkKey,
  hex: unknown,
  what: string,
  { checkUnit = true }: { readonly checkUnit?: boolean } = {},
): bigint {
  const { n } = publicKeyOf(key, "parseCiphertext: key");
  const digits = 2 * byteLength(n);
  if (typeof hex !== "string") {
    throw new DgkError("CIPHERTEXT_FORMAT", `${what}: expected a 0x-prefixed hex string, got ${describeValue(hex)}`);
  }
  if (hex.length !== digits + 2) {
    throw new DgkError(
      "CIPHERTEXT_FORMAT",
      `${what}: expected "0x" and exactly ${digits} hex digits, got ${hex.length} characters`,
    );
  }
  if (!HEX_RE.test(hex)) {
    throw new DgkError("CIPHERTEXT_FORMAT", `${what}: expected a 0x-prefixed hex string, got ${describeValue(hex)}`);
  }
  const c = BigInt(hex);
  if (checkUnit) validateCiphertext(key, c, what);
  else checkCiphertextRange(n, c, what);
  return c;
}
