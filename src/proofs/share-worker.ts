/**
 * The worker-thread side of {@link ShareWorkers}: computes precomputed shares (`precomputeShareParts`) on another
 * core. Started by `ShareWorkers`; not meant to be imported.
 *
 * Each request `{ id, count, key }` (the bank's private key as its JSON) is answered by `{ id, parts }` (`count`
 * shares as plain values, secrets included: they go back to the thread that sent the key, in the same process) or
 * `{ id, error }`. The coins and randomness are drawn here, from this thread's CSPRNG, as `precomputeShare` draws
 * them.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { importPrivateKey, type PaillierPrivateKey, type PaillierPrivateKeyJson } from "../paillier";
import { precomputeShareParts, type ShareParts } from "./bits";

/** A request from the main thread. */
export interface ShareRequest {
  readonly id: number;
  /** How many shares to compute. */
  readonly count: number;
  readonly key: PaillierPrivateKeyJson;
}

/** A reply to the main thread. */
export type ShareReply =
  | { readonly id: number; readonly parts: ShareParts[] }
  | { readonly id: number; readonly error: string };

/** Keys kept imported (an import checks the primality of p and q: about 0.1 s at 3072 bits). */
const CACHE_LIMIT = 8;

function main(): void {
  const port = parentPort;
  if (port === null) return;
  const keys = new Map<string, PaillierPrivateKey>();
  port.on("message", (request: ShareRequest) => {
    try {
      let key = keys.get(request.key.n);
      if (key === undefined) {
        key = importPrivateKey(request.key);
        keys.set(request.key.n, key);
        if (keys.size > CACHE_LIMIT) keys.delete(keys.keys().next().value as string);
      }
      const parts = Array.from({ length: request.count }, () => precomputeShareParts(key));
      port.postMessage({ id: request.id, parts } satisfies ShareReply);
    } catch (err) {
      port.postMessage({
        id: request.id,
        error: err instanceof Error ? err.message : String(err),
      } satisfies ShareReply);
    }
  });
}

main();
