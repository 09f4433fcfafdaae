/**
 * The worker-thread side of {@link BlindingWorkers}: raises ciphertexts to fresh secret units, and re-randomises them
 * when asked. Started by `BlindingWorkers`; not meant to be imported.
 *
 * Each `{ id, n, values, rerandomize }` request is answered by `{ id, values }` in the same order, or
 * `{ id, error }`. The blinding factors never leave the thread: they come from its own CSPRNG.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { randomUnit } from "./random";
import { createPublicContext, publicRandomizer, type PublicContext } from "./scheme";

/** A request from the main thread. */
export interface BlindingRequest {
  readonly id: number;
  readonly n: bigint;
  readonly values: readonly bigint[];
  /** Also multiply each result by a fresh r^n (when the caller has no pool of randomizers). */
  readonly rerandomize: boolean;
}

/** A reply to the main thread. */
export type BlindingReply =
  | { readonly id: number; readonly values: bigint[] }
  | { readonly id: number; readonly error: string };

function main(): void {
  const port = parentPort;
  if (port === null) return;
  // One context per modulus: its exponentiators cache OpenSSL objects whose set-up costs a primality test.
  const contexts = new Map<bigint, PublicContext>();
  port.on("message", (request: BlindingRequest) => {
    try {
      let ctx = contexts.get(request.n);
      if (ctx === undefined) {
        ctx = createPublicContext(request.n);
        contexts.set(request.n, ctx);
      }
      const { n, nSquared } = ctx;
      const values = request.values.map((c) => {
        const blinded = ctx.scalarPower.pow(c, randomUnit(n));
        return request.rerandomize ? (blinded * publicRandomizer(ctx)) % nSquared : blinded;
      });
      port.postMessage({ id: request.id, values } satisfies BlindingReply);
    } catch (err) {
      port.postMessage({
        id: request.id,
        error: err instanceof Error ? err.message : String(err),
      } satisfies BlindingReply);
    }
  });
}

main();
