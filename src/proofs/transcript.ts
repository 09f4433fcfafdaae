/**
 * Fiat–Shamir hashing shared by the proofs: SHA-256 over length-framed parts, and fixed-width encodings.
 *
 * A transcript hash is SHA-256 over the concatenation, for each part in order, of the part's length as a 4-byte
 * big-endian integer followed by the part's bytes. The framing makes the encoding injective (no two different lists
 * of parts hash the same input), so a domain tag, a context and numbers can be hashed side by side without
 * ambiguity. Numbers are hashed as fixed-width big-endian bytes (the width of their modulus), so that their encoding
 * does not depend on leading zeros.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { toBytes } from "../paillier/arith";

/**
 * SHA-256 over length-framed parts: Σ u32be(len(part)) ‖ part.
 *
 * @param parts - the parts, in order
 * @returns the 32-byte digest
 * @example
 * const digest = framedHash([ascii("BlindCredit/example/v1"), context, u32(7)]);
 */
export function framedHash(parts: readonly Uint8Array[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) {
    hash.update(u32(part.length));
    hash.update(part);
  }
  return hash.digest();
}

/**
 * A number as 4 big-endian bytes.
 *
 * @param x - an integer in [0, 2^32)
 * @returns the bytes
 */
export function u32(x: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(x);
  return bytes;
}

/**
 * A domain tag's bytes.
 *
 * @param text - an ASCII tag
 * @returns its UTF-8 bytes
 */
export function ascii(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

/**
 * A non-negative bigint as big-endian bytes of a fixed width.
 *
 * @param x - a value below 2^(8·width)
 * @param width - the width in bytes
 * @returns the bytes, zero-padded on the left
 */
export function fixedBytes(x: bigint, width: number): Buffer {
  return toBytes(x, width);
}
