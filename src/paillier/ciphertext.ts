/**
 * Ciphertexts: the validated value type, its checks and its serialisation.
 *
 * A {@link Ciphertext} is bound to the public key it was made under and is valid by construction: anything taken
 * from outside passes {@link validateCiphertext} (0 < c < n² and gcd(c, n) = 1) on the way in. The plain
 * `paillier-bigint` package decrypts 0, n and n² + 1 to 0 without complaint; here they never become ciphertexts.
 *
 * Wire format: 0x-prefixed big-endian hex. {@link Ciphertext.toHex} writes the canonical form, exactly
 * 2·⌈bits(n²)/8⌉ hex digits (zero-padded: 1536 digits, 768 bytes, for a 3072-bit key); hash this form when
 * committing to a ciphertext. {@link Ciphertext.fromHex} also accepts shorter forms (leading zeros omitted), but
 * never more digits than the canonical width.
 *
 * @module
 */

import { byteLength, fromBytes, gcd, parseHex, toBytes, toFixedHex } from "./arith";
import { PaillierError, assertBigInt, describeBigInt, describeValue } from "./errors";
import { PaillierPublicKey } from "./keys";

/**
 * The length in bytes of a canonical ciphertext under a key.
 *
 * @param publicKey - the key
 * @returns ⌈bits(n²)/8⌉, e.g. 768 for a 3072-bit key
 * @throws {PaillierError} `INVALID_ARGUMENT` when `publicKey` is not a public key
 */
export function ciphertextByteLength(publicKey: PaillierPublicKey): number {
  checkKey(publicKey, "ciphertextByteLength");
  return byteLength(publicKey.nSquared);
}

function checkKey(publicKey: unknown, what: string): asserts publicKey is PaillierPublicKey {
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new PaillierError(
      "INVALID_ARGUMENT",
      `${what}: expected a PaillierPublicKey, got ${describeValue(publicKey)}`,
    );
  }
}

/**
 * Checks that a value is a valid ciphertext under a key: 0 < c < n² and gcd(c, n) = 1.
 *
 * @param publicKey - the key
 * @param value - the candidate ciphertext
 * @throws {PaillierError} `CIPHERTEXT_RANGE` when c ≤ 0 or c ≥ n²; `CIPHERTEXT_NOT_UNIT` when c shares a factor
 *   with n; `INVALID_ARGUMENT` when `value` is not a bigint
 */
export function validateCiphertext(publicKey: PaillierPublicKey, value: bigint): void {
  checkKey(publicKey, "validateCiphertext");
  assertBigInt(value, "ciphertext");
  if (value <= 0n) {
    throw new PaillierError("CIPHERTEXT_RANGE", `ciphertext: expected 0 < c < n², got c = ${describeBigInt(value)}`);
  }
  if (value >= publicKey.nSquared) {
    const what = value === publicKey.nSquared ? "c = n²" : `c > n² (${describeBigInt(value)})`;
    throw new PaillierError("CIPHERTEXT_RANGE", `ciphertext: expected 0 < c < n², got ${what}`);
  }
  if (gcd(value % publicKey.n, publicKey.n) !== 1n) {
    throw new PaillierError(
      "CIPHERTEXT_NOT_UNIT",
      "ciphertext: expected gcd(c, n) = 1, got a c sharing a factor with n (not a ciphertext; whoever made it may " +
        "know the factorisation)",
    );
  }
}

let wrap: (publicKey: PaillierPublicKey, value: bigint) => Ciphertext;

/**
 * A Paillier ciphertext under a given public key. Immutable, valid by construction.
 *
 * `JSON.stringify(ciphertext)` gives its canonical hex.
 */
export class Ciphertext {
  /** The key it is encrypted under. */
  readonly publicKey: PaillierPublicKey;
  /** The value c, with 0 < c < n² and gcd(c, n) = 1. */
  readonly value: bigint;

  static {
    wrap = (publicKey, value) => new Ciphertext(publicKey, value);
  }

  private constructor(publicKey: PaillierPublicKey, value: bigint) {
    this.publicKey = publicKey;
    this.value = value;
    Object.freeze(this);
  }

  /**
   * A ciphertext from its numeric value, checked.
   *
   * @param publicKey - the key it claims to be under
   * @param value - the value c
   * @returns the ciphertext
   * @throws {PaillierError} as {@link validateCiphertext}
   */
  static fromBigInt(publicKey: PaillierPublicKey, value: bigint): Ciphertext {
    validateCiphertext(publicKey, value);
    return new Ciphertext(publicKey, value);
  }

  /**
   * A ciphertext from 0x-prefixed big-endian hex, checked.
   *
   * @param publicKey - the key it claims to be under
   * @param hex - "0x" and 1 to 2·{@link ciphertextByteLength} hex digits
   * @returns the ciphertext
   * @throws {PaillierError} `CIPHERTEXT_FORMAT` when `hex` is not such a string (no 0x, a non-hex character, too
   *   long, not a string); otherwise as {@link validateCiphertext}
   * @example
   * const c = Ciphertext.fromHex(bankKey, request.body.ciphertext);
   */
  static fromHex(publicKey: PaillierPublicKey, hex: string): Ciphertext {
    const width = ciphertextByteLength(publicKey);
    return Ciphertext.fromBigInt(publicKey, parseHex(hex, "ciphertext", 2 * width, "CIPHERTEXT_FORMAT"));
  }

  /**
   * A ciphertext from big-endian bytes of exactly the canonical length, checked.
   *
   * @param publicKey - the key it claims to be under
   * @param bytes - {@link ciphertextByteLength} bytes
   * @returns the ciphertext
   * @throws {PaillierError} `CIPHERTEXT_FORMAT` when the length is wrong; otherwise as {@link validateCiphertext}
   */
  static fromBytes(publicKey: PaillierPublicKey, bytes: Uint8Array): Ciphertext {
    const width = ciphertextByteLength(publicKey);
    if (!(bytes instanceof Uint8Array) || bytes.length !== width) {
      throw new PaillierError(
        "CIPHERTEXT_FORMAT",
        `ciphertext: expected ${width} bytes, got ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : describeValue(bytes)}`,
      );
    }
    return Ciphertext.fromBigInt(publicKey, fromBytes(bytes));
  }

  /**
   * The canonical hex form: "0x" and exactly 2·{@link ciphertextByteLength} lowercase hex digits.
   *
   * @returns the hex string
   */
  toHex(): string {
    return toFixedHex(this.value, ciphertextByteLength(this.publicKey));
  }

  /**
   * The canonical byte form: {@link ciphertextByteLength} big-endian bytes.
   *
   * @returns the bytes
   */
  toBytes(): Uint8Array {
    return toBytes(this.value, ciphertextByteLength(this.publicKey));
  }

  /** @returns the canonical hex form, for `JSON.stringify` */
  toJSON(): string {
    return this.toHex();
  }

  /**
   * Whether two ciphertexts are the same value under the same key. (Two encryptions of the same plaintext differ.)
   *
   * @param other - another ciphertext
   * @returns true when key and value are equal
   */
  equals(other: Ciphertext): boolean {
    return other instanceof Ciphertext && other.value === this.value && other.publicKey.equals(this.publicKey);
  }
}

/**
 * Wraps a value computed by the engine itself, skipping validation. Internal: not exported from the package.
 *
 * @param publicKey - the key
 * @param value - a value known to be a valid ciphertext
 * @returns the ciphertext
 */
export function trustedCiphertext(publicKey: PaillierPublicKey, value: bigint): Ciphertext {
  return wrap(publicKey, value);
}
