/**
 * The worker-thread side of {@link ShareWorkers}: computes precomputed shares (`precomputeShareParts`) on another
 * core. Started by `ShareWorkers`; not meant to be imported.
 *
 * Each request `{ count, key }` (the bank's private key as its JSON) is answered by `count` shares as plain values,
 * secrets included: they go back to the thread that sent the key, in the same process. The coins and randomness are
 * drawn here, from this thread's CSPRNG, as `precomputeShare` draws them.
 *
 * @module
 */

import { importPrivateKey, type PaillierPrivateKeyJson } from "../paillier";
import { keepRecent, serveRequests } from "../workerThread";
import { precomputeShareParts, type ShareParts } from "./bits";

/** A request from the main thread. */
export interface ShareRequest {
  /** How many shares to compute. */
  readonly count: number;
  readonly key: PaillierPrivateKeyJson;
}

/** Keys kept imported (an import checks the primality of p and q: about 0.1 s at 3072 bits). */
const CACHE_LIMIT = 8;

serveRequests(() => {
  const keyOf = keepRecent(CACHE_LIMIT, (json: PaillierPrivateKeyJson) => json.n, importPrivateKey);
  return (request: ShareRequest): ShareParts[] => {
    const key = keyOf(request.key);
    return Array.from({ length: request.count }, () => precomputeShareParts(key));
  };
});
