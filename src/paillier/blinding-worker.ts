/**
 * The worker-thread side of {@link BlindingWorkers}: raises ciphertexts to fresh secret units, and re-randomises them
 * when asked. Started by `BlindingWorkers`; not meant to be imported.
 *
 * Each request `{ n, values, rerandomize }` is answered by the blinded values in the same order. The blinding factors
 * never leave the thread: they come from its own CSPRNG.
 *
 * @module
 */

import { keepRecent, serveRequests } from "../workerThread";
import { randomUnit } from "./random";
import { createPublicContext, publicRandomizer } from "./scheme";

/** A request from the main thread. */
export interface BlindingRequest {
  readonly n: bigint;
  readonly values: readonly bigint[];
  /** Also multiply each result by a fresh r^n (when the caller has no pool of randomizers). */
  readonly rerandomize: boolean;
}

/** Moduli whose contexts are kept: their exponentiators cache OpenSSL objects whose set-up costs a primality test. */
const CACHE_LIMIT = 8;

serveRequests(() => {
  const contextOf = keepRecent(CACHE_LIMIT, (n: bigint) => n, createPublicContext);
  return (request: BlindingRequest): bigint[] => {
    const ctx = contextOf(request.n);
    const { n, nSquared } = ctx;
    return request.values.map((c) => {
      const blinded = ctx.scalarPower.pow(c, randomUnit(n));
      return request.rerandomize ? (blinded * publicRandomizer(ctx)) % nSquared : blinded;
    });
  };
});
