/**
 * A fixed set of worker threads running one entry script, with request/reply plumbing: the one pool under the
 * library's parallel work (Paillier randomizers and blinding, DGK randomizers, bit-proof shares and their
 * verification). The entry serves with {@link serveRequests} (`./workerThread`); each family wraps a pool in its own
 * API and errors.
 *
 * - **Starting from either build**: tests, scripts and the command line run the TypeScript sources through a
 *   require hook that a worker does not inherit; a `.ts` entry gets ts-node registered in the thread first.
 * - **Not keeping the process alive for nothing**: a thread holds the process up only while it has a request out
 *   (or, for a pool made with `busyKeepsAlive: false`, only while {@link WorkerPool.keepAlive} says so).
 * - **Failures are the request's**: a request rejects with a {@link WorkerPoolError}: `failed` when its handler threw
 *   (with the thread's message), when it cannot be sent, or when its thread stopped (the thread is then dropped: the
 *   pool goes on with the others); `closed` when the pool is or gets closed.
 * @module
 */

import { Worker } from "node:worker_threads";
import { CodedError } from "./errors";
import type { ReplyMessage, RequestMessage } from "./workerThread";

/** Why a request got no reply: `failed` (its handler threw, it could not be sent, or its thread stopped), `closed`. */
export type WorkerPoolErrorCode = "failed" | "closed";

/** The rejection of a request that got no reply. */
export class WorkerPoolError extends CodedError<WorkerPoolErrorCode> {}

/** Options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** How many threads, 1 to {@link MAX_WORKER_THREADS}. */
  readonly threads: number;
  /** What each thread's handler is made with (structured-cloned: bigints, arrays, plain objects). */
  readonly init?: unknown;
  /**
   * Whether a thread with a request out keeps the process alive; default true. A pool that computes ahead in the
   * background says false and holds the process with {@link WorkerPool.keepAlive} while someone waits.
   */
  readonly busyKeepsAlive?: boolean;
}

/** The most threads a pool runs. */
export const MAX_WORKER_THREADS = 256;

/** Registers ts-node in the thread when the entry is TypeScript, then loads the entry. */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
if (workerData.tsNode) {
  require(workerData.tsNode).register({
    transpileOnly: true,
    skipProject: true,
    compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true },
  });
}
require(workerData.entry);
`;

interface Pending<Reply> {
  readonly worker: Worker;
  resolve(reply: Reply): void;
  reject(err: WorkerPoolError): void;
}

/**
 * A fixed set of threads running one entry; requests go to a thread by its index.
 * @example
 * const pool = new WorkerPool<{ count: number }, bigint[]>(require.resolve("./randomizer-worker"), { threads: 2 });
 * const [a, b] = await Promise.all([pool.request(0, { count: 8 }), pool.request(1, { count: 8 })]);
 * await pool.close();
 */
export class WorkerPool<Request, Reply> {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending<Reply>>();
  /** Requests out, by thread. */
  readonly #out = new Map<Worker, number>();
  readonly #busyKeepsAlive: boolean;
  #keptAlive = false;
  #nextId = 0;
  #closed = false;

  /**
   * Starts the threads.
   * @param entry the worker script's file, `.ts` or `.js` (`require.resolve("./x-worker")` finds the one this build
   *   runs)
   * @throws {WorkerPoolError} `failed` when a thread cannot be started (none is left running then)
   * @throws RangeError for a thread count that is not an integer from 1 to {@link MAX_WORKER_THREADS}
   */
  constructor(entry: string, options: WorkerPoolOptions) {
    const { threads } = options;
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > MAX_WORKER_THREADS) {
      throw new RangeError(`WorkerPool: threads: expected 1 to ${MAX_WORKER_THREADS}, got ${String(threads)}`);
    }
    this.#busyKeepsAlive = options.busyKeepsAlive ?? true;
    const tsNode = entry.endsWith(".ts") ? require.resolve("ts-node") : undefined;
    try {
      for (let i = 0; i < threads; i++) {
        const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry, tsNode, init: options.init } });
        worker.on("message", (answer: ReplyMessage<Reply>) => this.#settle(answer));
        worker.on("error", (err: Error) => this.#drop(worker, err.message));
        worker.on("exit", (code: number) => this.#drop(worker, `exited with code ${code}`));
        worker.unref();
        this.#workers.push(worker);
      }
    } catch (err) {
      this.#closed = true;
      for (const worker of this.#workers.splice(0)) void worker.terminate();
      const reason = err instanceof Error ? err.message : String(err);
      throw new WorkerPoolError("failed", `WorkerPool: expected ${threads} threads started, got ${reason}`, {
        cause: err,
      });
    }
  }

  /** Threads running: fewer than started once some stopped, 0 after {@link WorkerPool.close}. */
  get threads(): number {
    return this.#workers.length;
  }

  /** Whether {@link WorkerPool.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `request` to the thread at `thread` (an index below {@link WorkerPool.threads}).
   * @returns the handler's reply
   * @throws {WorkerPoolError} (as a rejection) `closed` when the pool is or gets closed; `failed` when there is no
   *   such thread, the request cannot be sent (say, a value that does not clone), the handler threw, or the thread
   *   stopped
   */
  request(thread: number, request: Request): Promise<Reply> {
    if (this.#closed) return Promise.reject(closedError());
    const worker = this.#workers[thread];
    if (worker === undefined) {
      return Promise.reject(
        new WorkerPoolError("failed", `WorkerPool: expected thread 0 to ${this.threads - 1}, got ${thread}`),
      );
    }
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.#pending.set(id, { worker, resolve, reject });
      this.#count(worker, +1);
      try {
        worker.postMessage({ id, request } satisfies RequestMessage<Request>);
      } catch (err) {
        this.#settle({ id, error: `not sent: ${err instanceof Error ? err.message : String(err)}` });
      }
    });
  }

  /** While `on`, the threads keep the process alive even when idle (a caller is waiting for their work). */
  keepAlive(on: boolean): void {
    this.#keptAlive = on;
    for (const worker of this.#workers) this.#updateRef(worker);
  }

  /**
   * Stops the threads; requests still out, and later ones, reject with `closed`. Calling it again does nothing.
   * @returns a promise that resolves when every thread has stopped
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#out.clear();
    for (const { reject } of pending) reject(closedError(" (closed while it was out)"));
    await Promise.all(this.#workers.splice(0).map((worker) => worker.terminate()));
  }

  #settle(answer: ReplyMessage<Reply>): void {
    const pending = this.#pending.get(answer.id);
    if (pending === undefined) return;
    this.#pending.delete(answer.id);
    this.#count(pending.worker, -1);
    if ("error" in answer) pending.reject(new WorkerPoolError("failed", `worker thread: ${answer.error}`));
    else pending.resolve(answer.reply);
  }

  /** A thread stopped (not by close): it gets no more requests, and those it had out fail. */
  #drop(worker: Worker, reason: string): void {
    const index = this.#workers.indexOf(worker);
    if (index < 0) return;
    this.#workers.splice(index, 1);
    for (const [id, pending] of this.#pending) {
      if (pending.worker !== worker) continue;
      this.#pending.delete(id);
      pending.reject(new WorkerPoolError("failed", `worker thread stopped: ${reason}`));
    }
    this.#out.delete(worker);
    void worker.terminate();
  }

  /** Counts a request out (+1) or back (−1) on a thread. */
  #count(worker: Worker, change: 1 | -1): void {
    const out = (this.#out.get(worker) ?? 0) + change;
    if (out > 0) this.#out.set(worker, out);
    else this.#out.delete(worker);
    this.#updateRef(worker);
  }

  /** Holds the process up while the thread has a request out (unless busy threads do not), or while kept alive. */
  #updateRef(worker: Worker): void {
    if (this.#keptAlive || (this.#busyKeepsAlive && this.#out.has(worker))) worker.ref();
    else worker.unref();
  }
}

/**
 * How many items each of at most `threads` requests takes so that `count` items are spread evenly, none empty.
 * @example splitEvenly(10, 4) // [3, 3, 2, 2]
 */
export function splitEvenly(count: number, threads: number): number[] {
  const parts = Math.min(count, threads);
  return Array.from({ length: parts }, (_, i) => Math.floor(count / parts) + (i < count % parts ? 1 : 0));
}

function closedError(detail = ""): WorkerPoolError {
  return new WorkerPoolError("closed", `WorkerPool: expected an open pool, got a closed one${detail}`);
}
