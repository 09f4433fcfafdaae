/**
 * DGK randomizers h^r mod n computed in parallel on worker threads.
 *
 * A DGK re-randomisation costs one exponentiation h^r mod n with a `randomBits`-bit r (640 bits at t = 256): about
 * 1.3–2 ms at 3072 bits with the public key, and the bank needs one per DGK value it returns (about 155 for a
 * ten-condition check). {@link DgkRandomizerWorkers} spreads a batch over worker threads, one per core by default;
 * {@link DgkRandomizerPool} (in `randomizerPool.ts`) keeps a stock of them for one key.
 *
 * Each worker draws r from its own CSPRNG and computes h^r as {@link randomizer} does (with a private key, by the
 * CRT through the same code), so the values are distributed exactly as `randomizer(key)`'s, and r never leaves the
 * thread. A worker receives only what the computation needs: n, h and `randomBits`, or for the CRT route p, q, v_p,
 * v_q, h mod p and h mod q — inside this process.
 *
 * @module
 */

import { availableParallelism } from "node:os";
import { MAX_WORKER_THREADS, splitEvenly, WorkerPool, type WorkerPoolError } from "../workerPool";
import { DgkKey, publicKeyOf } from "./context";
import { randomizer } from "./engine";
import { DgkError, assertInteger } from "./errors";
import { DgkPrivateKey } from "./keys";
import type { RandomizerKeyData, RandomizerRequest } from "./randomizer-worker";

/** Batches smaller than this are computed on the calling thread: a round trip to a worker would cost more. */
export const DGK_INLINE_RANDOMIZERS = 8;

/** The most randomizers one call may ask for (24 MiB of values at 3072 bits). */
export const DGK_MAX_RANDOMIZERS = 65_536;

/** What the workers are sent for each key, computed once per key object. */
const keyData = new WeakMap<DgkKey, RandomizerKeyData>();

function keyDataOf(key: DgkKey): RandomizerKeyData {
  let data = keyData.get(key);
  if (data === undefined) {
    if (key instanceof DgkPrivateKey) {
      const { p, q, vp, vq } = key;
      const { h, randomBits } = key.publicKey;
      data = { route: "crt", p, q, vp, vq, hp: h % p, hq: h % q, randomBits };
    } else {
      const { n, h, randomBits } = key;
      data = { route: "public", n, h, randomBits };
    }
    keyData.set(key, data);
  }
  return data;
}

/**
 * A fixed set of worker threads computing DGK randomizers h^r in parallel.
 *
 * The threads start with the object and do not keep the process alive while idle (they are referenced only while a
 * request is out); {@link DgkRandomizerWorkers.close} stops them. A thread that fails fails its pending requests
 * (`WORKER_FAILED`) and is dropped; with none left, batches are computed on the calling thread.
 *
 * @example
 * const workers = new DgkRandomizerWorkers();                     // one thread per core
 * const rs = await workers.randomizers(bureauKey, 155);           // ~1.8× faster on two cores
 * const values = ciphertexts.map((c, i) => rerandomize(bureauKey, c, rs[i]));
 * await workers.close();
 */
export class DgkRandomizerWorkers {
  readonly #pool: WorkerPool<RandomizerRequest, bigint[]>;

  /**
   * Starts the threads.
   *
   * @param threads - how many worker threads, 1 to 256; default one per core (`os.availableParallelism()`)
   * @throws {DgkError} `INVALID_ARGUMENT` when `threads` is not an integer in [1, 256]; `WORKER_FAILED` when a
   *   thread cannot be started
   */
  constructor(threads: number = availableParallelism()) {
    assertInteger(threads, "DgkRandomizerWorkers: threads", 1, MAX_WORKER_THREADS);
    try {
      this.#pool = new WorkerPool(require.resolve("./randomizer-worker"), { threads });
    } catch (err) {
      throw new DgkError("WORKER_FAILED", `DgkRandomizerWorkers: ${(err as Error).message}`, { cause: err });
    }
  }

  /** How many threads are running (fewer than asked for if some failed; 0 after close). */
  get threads(): number {
    return this.#pool.threads;
  }

  /**
   * `count` fresh randomizers h^r mod n, each distributed as {@link randomizer}(key)'s. Batches of fewer than
   * {@link DGK_INLINE_RANDOMIZERS} are computed on the calling thread; larger ones are split evenly over the threads.
   * Use each value once.
   *
   * @param key - the public key, or the private key for the CRT route (about four times cheaper)
   * @param count - how many, 0 to {@link DGK_MAX_RANDOMIZERS}
   * @returns the randomizers, each in [1, n)
   * @throws {DgkError} (as a rejection) `INVALID_ARGUMENT` for a bad key or count; `CLOSED` after
   *   {@link DgkRandomizerWorkers.close} or when closed before the answer came; `WORKER_FAILED` when a thread failed
   * @example
   * const rs = await workers.randomizers(privateKey, 64); // by the CRT
   */
  async randomizers(key: DgkKey, count: number): Promise<bigint[]> {
    publicKeyOf(key, "DgkRandomizerWorkers.randomizers: key");
    assertInteger(count, "DgkRandomizerWorkers.randomizers: count", 0, DGK_MAX_RANDOMIZERS);
    if (this.#pool.closed) throw closedError("DgkRandomizerWorkers.randomizers");
    if (count < DGK_INLINE_RANDOMIZERS || this.#pool.threads === 0) {
      return Array.from({ length: count }, () => randomizer(key));
    }
    const data = keyDataOf(key);
    const sizes = splitEvenly(count, this.#pool.threads);
    const parts = await Promise.all(sizes.map((size, i) => this.#pool.request(i, { count: size, key: data }))).catch(
      (err: WorkerPoolError) => {
        throw err.code === "closed"
          ? closedError("DgkRandomizerWorkers.randomizers", " (closed while computing)")
          : new DgkError(
              "WORKER_FAILED",
              `DgkRandomizerWorkers: expected randomizers from a worker thread, got a failure: ${err.message}`,
              { cause: err },
            );
      },
    );
    return parts.flat();
  }

  /**
   * Stops the threads. Pending requests reject with `CLOSED`; later calls too. Calling it again does nothing.
   *
   * @returns a promise that resolves when every thread has stopped
   */
  close(): Promise<void> {
    return this.#pool.close();
  }
}

function closedError(what: string, detail = ""): DgkError {
  return new DgkError("CLOSED", `${what}: expected open DgkRandomizerWorkers, got closed ones${detail}`);
}
