/**
 * The worker-thread side of {@link BitVerifierWorker}: runs {@link verifyBits} on another core. Started by
 * `BitVerifierWorker`; not meant to be imported.
 *
 * Each request `{ id, n, ciphertexts, items, context }` is answered by `{ id }` (the proof holds) or
 * `{ id, code, message }` (the `ProofError` that {@link verifyBits} threw), or `{ id, inline: true }` when anything
 * else went wrong (say, the key does not import here): the main thread then verifies on its own thread. Only public
 * values cross: the key's modulus, the ciphertexts, the proof and the context.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { importPublicKey, type PaillierPublicKey } from "../paillier";
import { toHex } from "../paillier/arith";
import { trustedCiphertext } from "../paillier/ciphertext";
import { verifyBits, type BitProofItem } from "./bits";
import { ProofError } from "./errors";

/** A request from the main thread. */
export interface VerifyRequest {
  readonly id: number;
  /** The bank key's modulus. */
  readonly n: bigint;
  /** The ciphertexts' values, checked by the caller as ciphertexts of that key. */
  readonly ciphertexts: readonly bigint[];
  readonly items: readonly BitProofItem[];
  readonly context: Uint8Array;
}

/** A reply to the main thread: nothing when the proof holds. */
export type VerifyReply =
  | { readonly id: number }
  | { readonly id: number; readonly code: string; readonly message: string }
  | { readonly id: number; readonly inline: true };

/** Keys whose per-key precomputation (exponentiators modulo n and n²) is kept. */
const CACHE_LIMIT = 8;

function main(): void {
  const port = parentPort;
  if (port === null) return;
  const keys = new Map<bigint, PaillierPublicKey>();
  const keyFor = (n: bigint): PaillierPublicKey => {
    let key = keys.get(n);
    if (key === undefined) {
      key = importPublicKey({ kty: "Paillier", n: toHex(n), g: toHex(n + 1n) });
      keys.set(n, key);
      if (keys.size > CACHE_LIMIT) keys.delete(keys.keys().next().value as bigint);
    }
    return key;
  };
  port.on("message", (request: VerifyRequest) => {
    try {
      const publicKey = keyFor(request.n);
      const ciphertexts = request.ciphertexts.map((c) => trustedCiphertext(publicKey, c));
      verifyBits(publicKey, ciphertexts, { publicKey, items: request.items }, request.context);
      port.postMessage({ id: request.id } satisfies VerifyReply);
    } catch (err) {
      if (err instanceof ProofError) {
        port.postMessage({ id: request.id, code: err.code, message: err.message } satisfies VerifyReply);
      } else {
        port.postMessage({ id: request.id, inline: true } satisfies VerifyReply);
      }
    }
  });
}

main();
