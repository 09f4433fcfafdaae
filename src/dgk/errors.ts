/**
 * The one error type of the DGK engine.
 *
 * Every refusal is a {@link DgkError} carrying a stable, machine-readable `code` and a message that says what was
 * expected and what came instead. Branch on `code`; the message is for people and may be reworded.
 *
 * @module
 */

import { argumentChecks, CodedError, type AssertBigInt, type AssertInteger } from "../errors";

export { describeBigInt, describeValue } from "../errors";

/**
 * Why an operation was refused.
 *
 * - `INVALID_ARGUMENT`: a parameter has the wrong type or shape (a number where a bigint is due, a bad option, a
 *   randomizer out of range).
 * - `KEY_FORMAT`: a key's JSON is malformed (not an object, wrong `kty`, unknown or missing member, non-hex value).
 * - `KEY_SIZE`: the modulus has a bit length other than a supported one (in particular, under 2048 bits).
 * - `KEY_INVALID`: the key fails a sanity check (n even, square, prime or with a small factor; u not a prime of 8 to
 *   32 bits; g or h not a unit; too little randomness; with the private key: p·q ≠ n, a composite factor, u or v_p
 *   not dividing p − 1, a generator of the wrong order…).
 * - `PRIVATE_KEY_EXPORT`: a private key was about to be serialised implicitly (`JSON.stringify`).
 * - `CIPHERTEXT_FORMAT`: a ciphertext's hex is malformed (not a string, no 0x, wrong length, non-hex digit).
 * - `CIPHERTEXT_INVALID`: a ciphertext is not in [1, n), shares a factor with n, or (decryption) lies outside the
 *   key's subgroup.
 * - `CLOSED`: a {@link DgkRandomizerWorkers} or {@link DgkRandomizerPool} was used after `close()` (or closed while a
 *   request was pending).
 * - `WORKER_FAILED`: a randomizer worker thread failed while computing a request.
 */
export type DgkErrorCode =
  | "INVALID_ARGUMENT"
  | "KEY_FORMAT"
  | "KEY_SIZE"
  | "KEY_INVALID"
  | "PRIVATE_KEY_EXPORT"
  | "CIPHERTEXT_FORMAT"
  | "CIPHERTEXT_INVALID"
  | "CLOSED"
  | "WORKER_FAILED";

/**
 * Thrown by every function of the DGK engine when it refuses its input.
 *
 * @example
 * try {
 *   parseCiphertext(publicKey, body.bits[i], `bits[${i}]`);
 * } catch (err) {
 *   if (err instanceof DgkError && err.code === "CIPHERTEXT_INVALID") reject(err.message);
 * }
 */
export class DgkError extends CodedError<DgkErrorCode> {}

const checks = argumentChecks((message) => new DgkError("INVALID_ARGUMENT", message));

/**
 * Throws `INVALID_ARGUMENT` unless `value` is a bigint.
 *
 * @param value - the argument to check
 * @param what - its name in the message
 * @throws {DgkError} `INVALID_ARGUMENT` when `value` is not a bigint
 */
export const assertBigInt: AssertBigInt = checks.assertBigInt;

/**
 * Throws `INVALID_ARGUMENT` unless `value` is an integer number in [min, max].
 *
 * @param value - the argument to check
 * @param what - its name in the message
 * @param min - smallest accepted value
 * @param max - largest accepted value
 * @throws {DgkError} `INVALID_ARGUMENT` when `value` is not a safe integer in range
 */
export const assertInteger: AssertInteger = checks.assertInteger;
