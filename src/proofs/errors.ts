/**
 * The one error type of the zero-knowledge proofs.
 *
 * Every refusal is a {@link ProofError} with a stable `code` and a message saying what was expected and what came.
 * A verifier branches on `code`: the `*_PROOF_INVALID` codes mean "reject the counterparty's
 * message"; the other codes mean the caller passed something malformed.
 *
 * @module
 */

/**
 * Why a proof operation was refused.
 *
 * - `INVALID_ARGUMENT`: a parameter has the wrong type or shape (not a key, context not bytes, a bit other than 0
 *   or 1, lists of different lengths, too many items).
 * - `KEY_MISMATCH`: a ciphertext is under another key than the one given.
 * - `KEY_NOT_BLUM`: Π^mod was asked of a private key whose primes are not both ≡ 3 (mod 4).
 * - `STATEMENT_FALSE`: the prover was asked to prove something false (a ciphertext that does not encrypt the bit
 *   given for it, a plaintext out of its range). Nothing is produced: an honest prover never emits a proof that
 *   cannot verify.
 * - `PROOF_FORMAT`: a proof's JSON is malformed (not an object, unknown or missing member, wrong count, a hex
 *   string of the wrong width, a value out of range).
 * - `MODULUS_PROOF_INVALID`: a Π^mod proof does not verify; the message names the check that failed.
 * - `BIT_PROOF_INVALID`: a bit proof does not verify; the message names the check that failed.
 * - `RING_PEDERSEN_PROOF_INVALID`: a Π^prm proof (ring-Pedersen parameters well formed) does not verify.
 * - `FACTOR_PROOF_INVALID`: a Π^fac proof (no small factor) does not verify; the message names the check.
 * - `ENCRYPTION_RANGE_PROOF_INVALID`: a Π^enc proof (a ciphertext's plaintext in range) does not verify; the
 *   message names the item and the check.
 */
export type ProofErrorCode =
  | "INVALID_ARGUMENT"
  | "KEY_MISMATCH"
  | "KEY_NOT_BLUM"
  | "STATEMENT_FALSE"
  | "PROOF_FORMAT"
  | "MODULUS_PROOF_INVALID"
  | "BIT_PROOF_INVALID"
  | "RING_PEDERSEN_PROOF_INVALID"
  | "FACTOR_PROOF_INVALID"
  | "ENCRYPTION_RANGE_PROOF_INVALID";

/**
 * Thrown by the proof functions when they refuse their input or a proof does not verify.
 *
 * @example
 * try {
 *   verifyBits(bankKey, shares, decodeBitProof(bankKey, body.proof), context);
 * } catch (err) {
 *   if (err instanceof ProofError && err.code === "BIT_PROOF_INVALID") abortCheck(err.message);
 *   else throw err;
 * }
 */
export class ProofError extends Error {
  /** Why the operation was refused; stable across releases. */
  readonly code: ProofErrorCode;

  /**
   * @param code - why the operation was refused
   * @param message - what was expected and what came instead
   * @param options - an optional underlying cause
   */
  constructor(code: ProofErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ProofError";
    this.code = code;
  }
}
