/**
 * The worker-thread side of {@link BitVerifierWorker}: runs {@link verifyBits} on another core. Started by
 * `BitVerifierWorker`; not meant to be imported.
 *
 * Each request `{ n, ciphertexts, items, context }` is answered by nothing (the proof holds) or `{ code, message }`
 * (the `ProofError` that {@link verifyBits} threw); anything else that goes wrong (say, the key does not import here)
 * fails the request, and the main thread then verifies on its own thread. Only public values cross: the key's
 * modulus, the ciphertexts, the proof and the context.
 *
 * @module
 */

import { importPublicKey, type PaillierPublicKey } from "../paillier";
import { toHex } from "../paillier/arith";
import { trustedCiphertext } from "../paillier/ciphertext";
import { keepRecent, serveRequests } from "../workerThread";
import { verifyBits, type BitProofItem } from "./bits";
import { ProofError, type ProofErrorCode } from "./errors";

/** A request from the main thread. */
export interface VerifyRequest {
  /** The bank key's modulus. */
  readonly n: bigint;
  /** The ciphertexts' values, checked by the caller as ciphertexts of that key. */
  readonly ciphertexts: readonly bigint[];
  readonly items: readonly BitProofItem[];
  readonly context: Uint8Array;
}

/** A reply to the main thread: nothing when the proof holds, else why it does not. */
export type VerifyReply = undefined | { readonly code: ProofErrorCode; readonly message: string };

/** Keys whose per-key precomputation (exponentiators modulo n and n²) is kept. */
const CACHE_LIMIT = 8;

serveRequests(() => {
  const keyOf = keepRecent(
    CACHE_LIMIT,
    (n: bigint) => n,
    (n): PaillierPublicKey => importPublicKey({ kty: "Paillier", n: toHex(n), g: toHex(n + 1n) }),
  );
  return (request: VerifyRequest): VerifyReply => {
    const publicKey = keyOf(request.n);
    const ciphertexts = request.ciphertexts.map((c) => trustedCiphertext(publicKey, c));
    try {
      verifyBits(publicKey, ciphertexts, { publicKey, items: request.items }, request.context);
      return undefined;
    } catch (err) {
      if (err instanceof ProofError) return { code: err.code, message: err.message };
      throw err;
    }
  };
});
