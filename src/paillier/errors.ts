/**
 * The one error type of the Paillier engine.
 *
 * Every refusal is a {@link PaillierError} carrying a stable, machine-readable `code` and a message that says what
 * was expected and what came instead. Branch on `code`; the message is for people and may be reworded.
 *
 * @module
 */

import { argumentChecks, CodedError, type AssertBigInt, type AssertInteger } from "../errors";

export { describeBigInt, describeValue } from "../errors";

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
export class PaillierError extends CodedError<PaillierErrorCode> {}

const checks = argumentChecks((message) => new PaillierError("INVALID_ARGUMENT", message));

/**
 * Throws `INVALID_ARGUMENT` unless `value` is a bigint.
 *
 * @param value - the argument to check
 * @param what - its name in the message
 * @throws {PaillierError} `INVALID_ARGUMENT` when `value` is not a bigint
 */
export const assertBigInt: AssertBigInt = checks.assertBigInt;

/**
 * Throws `INVALID_ARGUMENT` unless `value` is an integer number in [min, max].
 *
 * @param value - the argument to check
 * @param what - its name in the message
 * @param min - smallest accepted value
 * @param max - largest accepted value
 * @throws {PaillierError} `INVALID_ARGUMENT` when `value` is not a safe integer in range
 */
export const assertInteger: AssertInteger = checks.assertInteger;
