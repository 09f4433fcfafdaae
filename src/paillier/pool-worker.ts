/**
 * The worker-thread side of {@link RandomnessPool}: computes randomizers r^n mod n² on another core, one per request.
 * Started by the pool; not meant to be imported.
 *
 * It is made with the modulus (and the factors when the pool was made from a private key, for the CRT route).
 * Randomness comes from the worker's own CSPRNG (the same OpenSSL DRBG, per thread).
 *
 * @module
 */

import { serveRequests } from "../workerThread";
import { createPrivateContext, createPublicContext, crtRandomizer, publicRandomizer } from "./scheme";

/** What the pool makes the worker with. */
export interface PoolWorkerData {
  /** The modulus. */
  readonly n: bigint;
  /** The first factor, when the pool holds the private key. */
  readonly p?: bigint;
  /** The second factor, when the pool holds the private key. */
  readonly q?: bigint;
}

serveRequests((data: PoolWorkerData) => {
  const pub = createPublicContext(data.n);
  const priv = data.p !== undefined && data.q !== undefined ? createPrivateContext(pub, data.p, data.q) : undefined;
  return (): bigint => (priv !== undefined ? crtRandomizer(priv) : publicRandomizer(pub));
});
