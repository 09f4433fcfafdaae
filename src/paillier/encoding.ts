/**
 * Signed integers as Paillier plaintexts, with an overflow band. (Decimal fields are scaled to integers by the
 * credit schema, `protocol/schema.ts`, before they reach the engine.)
 *
 * Paillier plaintexts are residues modulo n. A signed integer v is encoded as v mod n. Accepted values lie in
 * [−M, M] with M = 2^R − 1 and R = floor(bits / 2) − 1 (R = 1535 for a 3072-bit key, 1023 for 2048). A decrypted
 * residue x decodes to its centred representative in (−n/2, n/2) if that lies in [−M, M]; otherwise it lies in the
 * **overflow band** (M, n − M) and decoding throws `PLAINTEXT_OVERFLOW` instead of returning a wrapped value.
 *
 * Guarantee: a computation whose true integer result v has |v| < n − M either decodes to v or is reported as an
 * overflow; it never silently wraps. Because n ≥ 2^(bits − 1) > 4·M², this covers any single product of two
 * in-range values and any sum of fewer than 2^(bits − 2 − R) in-range values. A longer chain of multiplications
 * must keep its intermediate results below n − M by design.
 *
 * @module
 */

import { PaillierError, assertBigInt, describeBigInt, describeValue } from "./errors";
import { PaillierPublicKey } from "./keys";

/** The signed range of a key. */
export interface PlaintextRange {
  /** The smallest accepted value, −(2^bits − 1). */
  readonly min: bigint;
  /** The largest accepted value, 2^bits − 1. */
  readonly max: bigint;
  /** R: values have magnitude below 2^R. */
  readonly bits: number;
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
 * The signed plaintext range of a key.
 *
 * @param publicKey - the key
 * @returns min = −M, max = M = 2^R − 1, with R = floor(bits / 2) − 1
 * @throws {PaillierError} `INVALID_ARGUMENT` when `publicKey` is not a public key
 * @example
 * plaintextRange(publicKey).bits; // 1535 for a 3072-bit key
 */
export function plaintextRange(publicKey: PaillierPublicKey): PlaintextRange {
  checkKey(publicKey, "plaintextRange");
  const bits = Math.floor(publicKey.bits / 2) - 1;
  const max = (1n << BigInt(bits)) - 1n;
  return { min: -max, max, bits };
}

/**
 * Encodes a signed integer as a plaintext residue.
 *
 * @param publicKey - the key whose plaintext space is used
 * @param value - an integer in [−M, M]
 * @returns value mod n
 * @throws {PaillierError} `PLAINTEXT_RANGE` when `value` is outside [−M, M]; `INVALID_ARGUMENT` when it is not a bigint
 * @example
 * encodeSigned(publicKey, -5n) === publicKey.n - 5n;
 */
export function encodeSigned(publicKey: PaillierPublicKey, value: bigint): bigint {
  const { max, bits } = plaintextRange(publicKey);
  assertBigInt(value, "plaintext");
  if (value > max || value < -max) {
    throw new PaillierError(
      "PLAINTEXT_RANGE",
      `plaintext: expected an integer in [−(2^${bits} − 1), 2^${bits} − 1], got ${describeBigInt(value)}`,
    );
  }
  return value < 0n ? value + publicKey.n : value;
}

/**
 * Decodes a plaintext residue as a signed integer, refusing the overflow band.
 *
 * @param publicKey - the key whose plaintext space is used
 * @param residue - a residue in [0, n)
 * @returns the integer in [−M, M] congruent to `residue`
 * @throws {PaillierError} `PLAINTEXT_OVERFLOW` when the residue lies in the overflow band (M, n − M);
 *   `INVALID_ARGUMENT` when it is not in [0, n)
 * @example
 * decodeSigned(publicKey, publicKey.n - 5n) === -5n;
 */
export function decodeSigned(publicKey: PaillierPublicKey, residue: bigint): bigint {
  const { max, bits } = plaintextRange(publicKey);
  assertBigInt(residue, "residue");
  const n = publicKey.n;
  if (residue < 0n || residue >= n) {
    throw new PaillierError("INVALID_ARGUMENT", `residue: expected 0 <= x < n, got ${describeBigInt(residue)}`);
  }
  if (residue <= max) return residue;
  if (residue >= n - max) return residue - n;
  throw new PaillierError(
    "PLAINTEXT_OVERFLOW",
    `decrypted value: expected an integer in [−(2^${bits} − 1), 2^${bits} − 1], got a residue in the overflow ` +
      "band: the computation overflowed the signed range",
  );
}
