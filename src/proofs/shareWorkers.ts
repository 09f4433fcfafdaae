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
import type { Worker } from "node:worker_threads";
import { exportPrivateKey, PaillierPrivateKey, type PaillierPrivateKeyJson } from "../paillier";
import { describeValue } from "../paillier/errors";
import { startWorker } from "../paillier/threads";
import { precomputeShare, shareFromParts, type PrecomputedShare, type ShareParts } from "./bits";
import { ProofError } from "./errors";
import type { ShareReply, ShareRequest } from "./share-worker";

/** The worker entry, relative to `startWorker`'s folder (src/paillier, or its compiled twin). */
const WORKER_ENTRY = "../proofs/share-worker";

/** The most worker threads. */
const MAX_THREADS = 64;

/** The most shares one call may ask for. */
export const MAX_SHARE_BATCH = 65_536;

interface Job {
  readonly worker: Worker;
  readonly count: number;
  resolve(parts: (ShareParts | undefined)[]): void;
}

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
  #workers: Worker[] = [];
  readonly #jobs = new Map<number, Job>();
  #nextId = 0;

  /** @param threads - how many worker threads, 1 to 64; default one per core (at most 64) */
  constructor(threads: number = Math.min(availableParallelism(), MAX_THREADS)) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `ShareWorkers: threads: expected an integer from 1 to ${MAX_THREADS}, got ${describeValue(threads)}`,
      );
    }
    try {
      for (let i = 0; i < threads; i++) this.#workers.push(this.#start());
    } catch {
      // Whatever started is used; with none, shares are made on the calling thread.
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
    let key = keyJson.get(privateKey);
    if (key === undefined) keyJson.set(privateKey, (key = exportPrivateKey(privateKey)));
    const workers = this.#workers.slice(0, Math.min(this.#workers.length, count));
    if (workers.length === 0) return Array.from({ length: count }, () => precomputeShare(privateKey));
    const sizes = workers.map((_, i) => Math.floor(count / workers.length) + (i < count % workers.length ? 1 : 0));
    const parts = await Promise.all(workers.map((worker, i) => this.#send(worker, key, sizes[i])));
    return parts.flat().map((p) => (p === undefined ? precomputeShare(privateKey) : shareFromParts(privateKey, p)));
  }

  /** Stops the threads; requests still out are made on the calling thread. */
  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    for (const worker of workers) this.#fail(worker);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  #start(): Worker {
    const worker = startWorker(WORKER_ENTRY, null);
    worker.on("message", (reply: ShareReply) => this.#settle(reply));
    worker.on("error", () => this.#fail(worker));
    worker.on("exit", () => this.#fail(worker));
    worker.unref();
    return worker;
  }

  /** The shares' parts from `worker`; undefined entries are to be made on the calling thread. */
  #send(worker: Worker, key: PaillierPrivateKeyJson, count: number): Promise<(ShareParts | undefined)[]> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#jobs.set(id, { worker, count, resolve });
      worker.ref();
      try {
        worker.postMessage({ id, count, key } satisfies ShareRequest);
      } catch {
        this.#settle({ id, error: "not sent" });
      }
    });
  }

  #settle(reply: ShareReply): void {
    const job = this.#jobs.get(reply.id);
    if (job === undefined) return;
    this.#jobs.delete(reply.id);
    if (![...this.#jobs.values()].some((j) => j.worker === job.worker)) job.worker.unref();
    job.resolve("parts" in reply ? reply.parts : new Array<undefined>(job.count).fill(undefined));
  }

  /** A thread stopped: its requests are made on the calling thread, and it gets no more. */
  #fail(worker: Worker): void {
    this.#workers = this.#workers.filter((w) => w !== worker);
    for (const [id, job] of this.#jobs) if (job.worker === worker) this.#settle({ id, error: "stopped" });
  }
}
