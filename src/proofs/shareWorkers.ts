/**
 * Precomputed shares made on worker threads: a bank without a share pool makes the shares of a check in parallel
 * (about 45 ms each at 3072 bits, 14 for a ten-condition check) while its DGK re-randomisers are computed on other
 * threads, instead of one after the other on its own thread.
 *
 * Each thread runs `precomputeShareParts` with its own CSPRNG and sends the share back as plain values, rebuilt here
 * into a single-use {@link PrecomputedShare}: the same values, the same distribution as {@link precomputeShare}'s.
 * The private key goes to the threads (as its JSON), inside this process.
 *
 * @module
 */

import { availableParallelism } from "node:os";
import { exportPrivateKey, PaillierPrivateKey, type PaillierPrivateKeyJson } from "../paillier";
import { describeValue } from "../paillier/errors";
import { splitEvenly, WorkerPool } from "../workerPool";
import { precomputeShare, shareFromParts, type PrecomputedShare, type ShareParts } from "./bits";
import { ProofError } from "./errors";
import type { ShareRequest } from "./share-worker";

/** The most worker threads. */
const MAX_THREADS = 64;

/** The most shares one call may ask for. */
export const MAX_SHARE_BATCH = 65_536;

/** What the threads are sent for each key, computed once per key object. */
const keyJson = new WeakMap<PaillierPrivateKey, PaillierPrivateKeyJson>();

/**
 * A fixed set of worker threads making shares. The threads keep the process alive only while a request is out;
 * {@link ShareWorkers.close} stops them. A thread that fails, or a batch that cannot be sent, is made on the calling
 * thread instead: the shares never depend on the threads.
 *
 * @example
 * const shareWorkers = new ShareWorkers();
 * const made = await shareWorkers.shares(privateKey, 14); // meanwhile: the DGK re-randomisers on their threads
 * const proven = proveShares(privateKey, context, form, comparisonKey, () => made.shift()!);
 * await shareWorkers.close();
 */
export class ShareWorkers {
  /** Undefined when the threads could not be started: every share is then made on the calling thread. */
  readonly #pool: WorkerPool<ShareRequest, ShareParts[]> | undefined;

  /** @param threads - how many worker threads, 1 to 64; default one per core (at most 64) */
  constructor(threads: number = Math.min(availableParallelism(), MAX_THREADS)) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `ShareWorkers: threads: expected an integer from 1 to ${MAX_THREADS}, got ${describeValue(threads)}`,
      );
    }
    try {
      this.#pool = new WorkerPool(require.resolve("./share-worker"), { threads });
    } catch {
      this.#pool = undefined;
    }
  }

  /**
   * `count` fresh shares under `privateKey`, split evenly over the threads.
   * @throws {ProofError} `INVALID_ARGUMENT` (as a rejection) for a key that is not a private key or a bad count
   */
  async shares(privateKey: PaillierPrivateKey, count: number): Promise<PrecomputedShare[]> {
    if (!(privateKey instanceof PaillierPrivateKey)) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `ShareWorkers.shares: expected a PaillierPrivateKey, got ${describeValue(privateKey)}`,
      );
    }
    if (!Number.isInteger(count) || count < 0 || count > MAX_SHARE_BATCH) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `ShareWorkers.shares: count: expected an integer from 0 to ${MAX_SHARE_BATCH}, got ${describeValue(count)}`,
      );
    }
    const pool = this.#pool;
    if (pool === undefined || pool.threads === 0)
      return Array.from({ length: count }, () => precomputeShare(privateKey));
    const key = keyJson.get(privateKey) ?? exportPrivateKey(privateKey);
    keyJson.set(privateKey, key);
    // A part that gets no reply (a stopped thread, a closed pool) is made here: undefined entries.
    const parts = await Promise.all(
      splitEvenly(count, pool.threads).map((size, i) =>
        pool
          .request(i, { count: size, key })
          .catch((): (ShareParts | undefined)[] => new Array<undefined>(size).fill(undefined)),
      ),
    );
    return parts.flat().map((p) => (p === undefined ? precomputeShare(privateKey) : shareFromParts(privateKey, p)));
  }

  /** Stops the threads; requests still out, and later ones, are made on the calling thread. */
  async close(): Promise<void> {
    await this.#pool?.close();
  }
}
