/**
 * The worker-thread side of {@link RandomnessPool}: computes randomizers r^n mod n² on another core and posts them
 * back one by one. Started by the pool; not meant to be imported.
 *
 * It receives the modulus (and the factors when the pool was made from a private key, for the CRT route) as
 * `workerData`, answers each `{ type: "produce", count }` with `count` messages `{ type: "randomizer", value }`, and
 * reports a failure as `{ type: "error", message }`. Randomness comes from the worker's own CSPRNG (the same OpenSSL
 * DRBG, per thread).
 *
 * @module
 */

import { parentPort, workerData } from "node:worker_threads";
import { createPrivateContext, createPublicContext, crtRandomizer, publicRandomizer } from "./scheme";

/** What the pool passes to the worker. */
export interface PoolWorkerData {
  /** The modulus. */
  readonly n: bigint;
  /** The first factor, when the pool holds the private key. */
  readonly p?: bigint;
  /** The second factor, when the pool holds the private key. */
  readonly q?: bigint;
}

/** A request from the pool. */
export interface PoolWorkerRequest {
  /** Always "produce". */
  readonly type: "produce";
  /** How many randomizers to compute. */
  readonly count: number;
}

/** A reply to the pool. */
export type PoolWorkerReply =
  | { readonly type: "randomizer"; readonly value: bigint }
  | { readonly type: "error"; readonly message: string };

function main(): void {
  const port = parentPort;
  if (port === null) return;
  const data = (workerData as { init: PoolWorkerData }).init;
  const pub = createPublicContext(data.n);
  const priv = data.p !== undefined && data.q !== undefined ? createPrivateContext(pub, data.p, data.q) : undefined;
  port.on("message", (request: PoolWorkerRequest) => {
    try {
      for (let i = 0; i < request.count; i++) {
        const value = priv !== undefined ? crtRandomizer(priv) : publicRandomizer(pub);
        port.postMessage({ type: "randomizer", value } satisfies PoolWorkerReply);
      }
    } catch (err) {
      port.postMessage({
        type: "error",
        message: err instanceof Error ? err.message : String(err),
      } satisfies PoolWorkerReply);
    }
  });
}

main();
