/**
 * The worker-thread side of {@link DgkRandomizerWorkers}: computes DGK randomizers h^r mod n on another core.
 * Started by `DgkRandomizerWorkers`; not meant to be imported.
 *
 * Each request `{ count, key }` is answered by `count` fresh randomizers. `key` carries only what the computation
 * needs: n, h and `randomBits` for the public route; p, q, v_p, v_q, h mod p, h mod q and `randomBits` for the CRT
 * route (never g, u or anything else). r is drawn here, from this thread's own CSPRNG (`randomBits` of
 * `src/paillier/random.ts`, as the engine draws it), and the value is computed as the engine computes it (the CRT
 * route through the same {@link crtRandomizer}), so the values are distributed exactly as {@link randomizer}'s.
 *
 * @module
 */

import { keepRecent, serveRequests } from "../workerThread";
import { modInverse } from "../paillier/arith";
import { ModularExponentiator } from "../paillier/modpow";
import { randomBits } from "../paillier/random";
import { crtRandomizer, type CrtRandomizerContext } from "./crt";

/** What a worker needs of a key: the public route, or the CRT route. */
export type RandomizerKeyData =
  | {
      readonly route: "public";
      readonly n: bigint;
      readonly h: bigint;
      readonly randomBits: number;
    }
  | {
      readonly route: "crt";
      readonly p: bigint;
      readonly q: bigint;
      readonly vp: bigint;
      readonly vq: bigint;
      /** h mod p. */
      readonly hp: bigint;
      /** h mod q. */
      readonly hq: bigint;
      readonly randomBits: number;
    };

/** A request from the main thread. */
export interface RandomizerRequest {
  /** How many randomizers to compute. */
  readonly count: number;
  readonly key: RandomizerKeyData;
}

/** r ↦ h^r mod n for one key. */
type Compute = (r: bigint) => bigint;

/** Keys whose exponentiators are kept (their OpenSSL set-up costs a primality test of the modulus). */
const CACHE_LIMIT = 8;

function computeFor(key: RandomizerKeyData): Compute {
  if (key.route === "public") {
    const powN = new ModularExponentiator(key.n);
    return (r) => powN.pow(key.h, r);
  }
  const { p, q, vp, vq, hp, hq } = key;
  const ctx: CrtRandomizerContext = {
    p,
    q,
    vp,
    vq,
    hp,
    hq,
    qInvModP: modInverse(q, p),
    powP: new ModularExponentiator(p),
    powQ: new ModularExponentiator(q),
  };
  return (r) => crtRandomizer(ctx, r);
}

/** The cache's name for a key: every parameter the computation uses. */
function cacheKey(key: RandomizerKeyData): string {
  const parts = key.route === "public" ? [key.n, key.h] : [key.p, key.q, key.vp, key.vq, key.hp, key.hq];
  return `${key.route}:${parts.map((x) => x.toString(16)).join(":")}`;
}

serveRequests(() => {
  const computeOf = keepRecent(CACHE_LIMIT, cacheKey, computeFor);
  return (request: RandomizerRequest): bigint[] => {
    const compute = computeOf(request.key);
    return Array.from({ length: request.count }, () => compute(randomBits(request.key.randomBits)));
  };
});
