/**
 * Signed integers and fixed-point decimals as Paillier plaintexts, with an overflow band.
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
 * Fixed point: a decimal d is encoded as the integer d · 10^6 ({@link FIXED_POINT_DECIMALS} = 6 decimal places,
 * e.g. "0.35" → 350 000). Conversion is exact or refused: a value with more decimals than the scale is an error,
 * never rounded. A product of two fixed-point values carries scale 10^12; decode it with `decimals = 12`.
 *
 * @module
 */

import { PaillierError, assertBigInt, assertInteger, describeBigInt, describeValue } from "./errors";
import { PaillierPublicKey } from "./keys";

/** Number of decimal places of the fixed-point encoding: values are scaled by 10^6. */
export const FIXED_POINT_DECIMALS = 6;

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

const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Converts a decimal to fixed point: value · 10^decimals, exactly.
 *
 * @param value - a decimal string such as "0.35" or "-12.5", or a finite number (converted through its shortest
 *   decimal form, so 0.35 gives 350 000)
 * @param decimals - decimal places of the scale, 0 to 30; default {@link FIXED_POINT_DECIMALS}
 * @returns the scaled integer
 * @throws {PaillierError} `PLAINTEXT_RANGE` when the value has more decimal places than `decimals`;
 *   `INVALID_ARGUMENT` when it is not a decimal
 * @example
 * toFixedPoint("0.35"); // 350000n
 */
export function toFixedPoint(value: string | number, decimals: number = FIXED_POINT_DECIMALS): bigint {
  assertInteger(decimals, "toFixedPoint: decimals", 0, 30);
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new PaillierError("INVALID_ARGUMENT", `toFixedPoint: expected a finite number, got ${value}`);
    }
    text = numberToDecimal(value);
  } else if (typeof value === "string") {
    text = value;
  } else {
    throw new PaillierError(
      "INVALID_ARGUMENT",
      `toFixedPoint: expected a decimal string or number, got ${describeValue(value)}`,
    );
  }
  const match = DECIMAL_RE.exec(text);
  if (match === null || text.length > 1000) {
    throw new PaillierError(
      "INVALID_ARGUMENT",
      `toFixedPoint: expected a decimal like "-12.345", got ${describeValue(value)}`,
    );
  }
  const [, sign, whole, fractionRaw = ""] = match;
  const fraction = fractionRaw.replace(/0+$/, "");
  if (fraction.length > decimals) {
    throw new PaillierError(
      "PLAINTEXT_RANGE",
      `toFixedPoint: expected at most ${decimals} decimal places, got ${fraction.length} in ${describeValue(value)} ` +
        "(values are never rounded)",
    );
  }
  const scaled = BigInt(whole + fraction.padEnd(decimals, "0"));
  return sign === "-" ? -scaled : scaled;
}

function numberToDecimal(value: number): string {
  const text = String(value);
  const exp = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (exp === null) return text;
  const [, sign, lead, rest = "", e] = exp;
  const digits = lead + rest;
  const point = 1 + Number(e);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Converts a fixed-point integer back to a decimal string, exactly.
 *
 * @param scaled - the scaled integer
 * @param decimals - decimal places of the scale, 0 to 30; default {@link FIXED_POINT_DECIMALS}
 * @returns the decimal, without trailing zeros, e.g. "0.35", "-12", "3.000001"
 * @throws {PaillierError} `INVALID_ARGUMENT` when `scaled` is not a bigint
 * @example
 * fromFixedPoint(350000n); // "0.35"
 */
export function fromFixedPoint(scaled: bigint, decimals: number = FIXED_POINT_DECIMALS): string {
  assertBigInt(scaled, "fromFixedPoint: scaled");
  assertInteger(decimals, "fromFixedPoint: decimals", 0, 30);
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}
