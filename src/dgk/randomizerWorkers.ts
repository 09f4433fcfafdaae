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
import type { Worker } from "node:worker_threads";
import { startWorker } from "../paillier/threads";
import { DgkKey, publicKeyOf } from "./context";
import { randomizer } from "./engine";
import { DgkError, assertInteger } from "./errors";
import { DgkPrivateKey } from "./keys";
import type { RandomizerKeyData, RandomizerReply, RandomizerRequest } from "./randomizer-worker";

/** Batches smaller than this are computed on the calling thread: a round trip to a worker would cost more. */
export const DGK_INLINE_RANDOMIZERS = 8;

/** The most randomizers one call may ask for (24 MiB of values at 3072 bits). */
export const DGK_MAX_RANDOMIZERS = 65_536;

/** The most worker threads. */
const MAX_THREADS = 256;

/** The worker entry, relative to `startWorker`'s folder (src/paillier, or its compiled twin). */
const WORKER_ENTRY = "../dgk/randomizer-worker";

interface Job {
  readonly worker: Worker;
  resolve(values: bigint[]): void;
  reject(err: Error): void;
}

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
  readonly #workers: Worker[];
  readonly #jobs = new Map<number, Job>();
  #nextId = 0;
  #closed = false;

  /**
   * Starts the threads.
   *
   * @param threads - how many worker threads, 1 to 256; default one per core (`os.availableParallelism()`)
   * @throws {DgkError} `INVALID_ARGUMENT` when `threads` is not an integer in [1, 256]; `WORKER_FAILED` when a
   *   thread cannot be started
   */
  constructor(threads: number = availableParallelism()) {
    assertInteger(threads, "DgkRandomizerWorkers: threads", 1, MAX_THREADS);
    this.#workers = [];
    try {
      for (let i = 0; i < threads; i++) this.#workers.push(this.#start());
    } catch (err) {
      this.#closed = true;
      for (const worker of this.#workers.splice(0)) void worker.terminate();
      const reason = err instanceof Error ? err.message : String(err);
      throw new DgkError("WORKER_FAILED", `DgkRandomizerWorkers: expected ${threads} threads started, got ${reason}`, {
        cause: err,
      });
    }
  }

  /** How many threads are running (fewer than asked for if some failed; 0 after close). */
  get threads(): number {
    return this.#workers.length;
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
    if (this.#closed) throw closedError("DgkRandomizerWorkers.randomizers");
    if (count < DGK_INLINE_RANDOMIZERS || this.#workers.length === 0) {
      return Array.from({ length: count }, () => randomizer(key));
    }
    const data = keyDataOf(key);
    const workers = this.#workers.slice(0, Math.min(this.#workers.length, count));
    const base = Math.floor(count / workers.length);
    const extra = count % workers.length;
    const parts = await Promise.all(workers.map((w, i) => this.#send(w, data, base + (i < extra ? 1 : 0))));
    return parts.flat();
  }

  /**
   * Stops the threads. Pending requests reject with `CLOSED`; later calls too. Calling it again does nothing.
   *
   * @returns a promise that resolves when every thread has stopped
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#jobs.values()) {
      job.reject(closedError("DgkRandomizerWorkers.randomizers", " (closed while computing)"));
    }
    this.#jobs.clear();
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  #start(): Worker {
    const worker = startWorker(WORKER_ENTRY, null);
    worker.on("message", (reply: RandomizerReply) => this.#settle(reply));
    worker.on("error", (err: Error) => this.#fail(worker, err.message));
    worker.on("exit", (code: number) => this.#fail(worker, `exited with code ${code}`));
    worker.unref();
    return worker;
  }

  #send(worker: Worker, key: RandomizerKeyData, count: number): Promise<bigint[]> {
    const id = this.#nextId++;
    return new Promise<bigint[]>((resolve, reject) => {
      this.#jobs.set(id, { worker, resolve, reject });
      if (this.#jobs.size === 1) this.#updateRefs();
      worker.postMessage({ id, count, key } satisfies RandomizerRequest);
    });
  }

  #settle(reply: RandomizerReply): void {
    const job = this.#jobs.get(reply.id);
    if (job === undefined) return;
    this.#jobs.delete(reply.id);
    if (this.#jobs.size === 0) this.#updateRefs();
    if ("error" in reply) job.reject(workerError(reply.error));
    else job.resolve(reply.values);
  }

  /** Drops a failed thread and fails its pending requests (a terminated thread after close is no failure). */
  #fail(worker: Worker, reason: string): void {
    if (this.#closed) return;
    const index = this.#workers.indexOf(worker);
    if (index >= 0) this.#workers.splice(index, 1);
    for (const [id, job] of this.#jobs) {
      if (job.worker !== worker) continue;
      this.#jobs.delete(id);
      job.reject(workerError(reason));
    }
    this.#updateRefs();
    void worker.terminate();
  }

  /** Keeps the process alive only while a request is out. */
  #updateRefs(): void {
    const busy = this.#jobs.size > 0;
    for (const worker of this.#workers) {
      if (busy) worker.ref();
      else worker.unref();
    }
  }
}

function closedError(what: string, detail = ""): DgkError {
  return new DgkError("CLOSED", `${what}: expected open DgkRandomizerWorkers, got closed ones${detail}`);
}

function workerError(reason: string): DgkError {
  return new DgkError(
    "WORKER_FAILED",
    `DgkRandomizerWorkers: expected randomizers from a worker thread, got a failure: ${reason}`,
  );
}
