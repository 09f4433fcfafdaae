/**
 * The one error type of the Paillier engine.
 *
 * Every refusal is a {@link PaillierError} carrying a stable, machine-readable `code` and a message that says what
 * was expected and what came instead. Branch on `code`; the message is for people and may be reworded.
 *
 * @module
 */

/**
 * Why an operation was refused.
 *
 * - `INVALID_ARGUMENT`: a parameter has the wrong type or shape (a number where a bigint is due, a bad option).
 * - `KEY_FORMAT`: a key's JSON is malformed (not an object, wrong `kty`, unknown or missing member, non-hex value).
 * - `KEY_SIZE`: the modulus has a bit length other than a supported one (in particular, under 2048 bits).
 * - `KEY_INVALID`: the modulus or its factors fail a sanity check (even, square, small factor, prime, p = q, p·q ≠ n…).
 * - `KEY_GENERATOR`: the key names a generator g other than n + 1.
 * - `KEY_MISMATCH`: two operands belong to different keys.
 * - `PRIVATE_KEY_EXPORT`: a private key was about to be serialised implicitly (`JSON.stringify`).
 * - `CIPHERTEXT_FORMAT`: a ciphertext's hex or byte encoding is malformed.
 * - `CIPHERTEXT_RANGE`: a ciphertext is not in 0 < c < n².
 * - `CIPHERTEXT_NOT_UNIT`: a ciphertext shares a factor with n.
 * - `PLAINTEXT_RANGE`: a plaintext or constant is outside the range the operation accepts.
 * - `PLAINTEXT_OVERFLOW`: a decrypted result fell in the overflow band: the computation left the signed range.
 * - `POOL_CLOSED`: a randomness pool was used after `close()`.
 */
export type PaillierErrorCode =
  | "INVALID_ARGUMENT"
  | "KEY_FORMAT"
  | "KEY_SIZE"
  | "KEY_INVALID"
  | "KEY_GENERATOR"
  | "KEY_MISMATCH"
  | "PRIVATE_KEY_EXPORT"
  | "CIPHERTEXT_FORMAT"
  | "CIPHERTEXT_RANGE"
  | "CIPHERTEXT_NOT_UNIT"
  | "PLAINTEXT_RANGE"
  | "PLAINTEXT_OVERFLOW"
  | "POOL_CLOSED";

/**
 * Thrown by every function of the Paillier engine when it refuses its input.
 *
 * @example
 * try {
 *   Ciphertext.fromHex(publicKey, "0x00");
 * } catch (err) {
 *   if (err instanceof PaillierError && err.code === "CIPHERTEXT_RANGE") reject(err.message);
 * }
 */
export class PaillierError extends Error {
  /** Why the operation was refused; stable across releases. */
  readonly code: PaillierErrorCode;

  /**
   * @param code - why the operation was refused
   * @param message - what was expected and what came instead
   * @param options - an optional underlying cause
   */
  constructor(code: PaillierErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PaillierError";
    this.code = code;
  }
}

/**
 * A short description of a bigint for error messages: decimal when small, else the first and last hex digits and
 * the bit length, so that a 6144-bit ciphertext does not flood a log.
 *
 * @param x - the value to describe
 * @returns e.g. `"42"`, `"-7"` or `"0x1f3a…9bc2 (3072 bits)"`
 */
export function describeBigInt(x: bigint): string {
  const abs = x < 0n ? -x : x;
  if (abs < 1n << 64n) return x.toString();
  const hex = abs.toString(16);
  const bits = (hex.length - 1) * 4 + parseInt(hex[0], 16).toString(2).length;
  return `${x < 0n ? "-" : ""}0x${hex.slice(0, 6)}…${hex.slice(-6)} (${bits} bits)`;
}

/**
 * A short description of any value for "expected X, got Y" messages.
 *
 * @param value - what the caller passed
 * @returns its type and a truncated rendering, e.g. `number 42` or `string "0xzz"`
 */
export function describeValue(value: unknown): string {
  if (typeof value === "bigint") return `bigint ${describeBigInt(value)}`;
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 37)}…" (${value.length} characters)` : `${value}"`;
    return `string "${shown}`;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === "object") return `object ${value.constructor?.name ?? "Object"}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Throws `INVALID_ARGUMENT` unless `value` is a bigint.
 *
 * @param value - the argument to check
 * @param what - its name in the message
 * @throws {PaillierError} `INVALID_ARGUMENT` when `value` is not a bigint
 */
export function assertBigInt(value: unknown, what: string): asserts value is bigint {
  if (typeof value !== "bigint") {
    throw new PaillierError("INVALID_ARGUMENT", `${what}: expected a bigint, got ${describeValue(value)}`);
  }
}

/**
 * Throws `INVALID_ARGUMENT` unless `value` is an integer number in [min, max].
 *
 * @param value - the argument to check
 * @param what - its name in the message
 * @param min - smallest accepted value
 * @param max - largest accepted value
 * @throws {PaillierError} `INVALID_ARGUMENT` when `value` is not a safe integer in range
 */
export function assertInteger(value: unknown, what: string, min: number, max: number): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new PaillierError(
      "INVALID_ARGUMENT",
      `${what}: expected an integer in [${min}, ${max}], got ${describeValue(value)}`,
    );
  }
}
