/**
 * A bounded pool of precomputed randomizers r^n mod n², filled off the critical path.
 *
 * The expensive part of a Paillier encryption (and of a re-randomisation) is r^n mod n², which does not depend on
 * the message. A pool computes these ahead of time, so that an online encryption costs one multiplication modulo
 * n² (tens of microseconds instead of tens of milliseconds at 3072 bits).
 *
 * - **Off the critical path**: by default a worker thread computes the values on another core; in `"main"` mode
 *   (or if the worker cannot start) they are computed on the event loop, one per `setImmediate` turn.
 * - **Bounded**: at most `capacity` values are held, about `capacity × 2·bits/8` bytes (768 bytes each at 3072 bits,
 *   so the default 64 hold 48 KiB); requests to the worker never exceed the free room.
 * - **Refill**: whenever the pool drops below `lowWaterMark` (default: capacity, i.e. keep it full) it asks for more.
 * - **Never empty-handed**: when it is empty, {@link RandomnessPool.takeRandomizer} computes a value on the spot
 *   (counted as a miss) rather than failing or reusing one.
 * - **Never reused**: a value is removed when taken. A randomizer used twice would leak the difference of two
 *   plaintexts.
 *
 * A pool made from a private key computes its values by the CRT (four times cheaper) and hands the factors to its
 * worker thread, inside the same process.
 *
 * @module
 */

import { WorkerPool } from "../workerPool";
import { byteLength } from "./arith";
import { RandomizerSource, generateRandomizer } from "./engine";
import { PaillierError, assertInteger, describeValue } from "./errors";
import { PaillierPrivateKey, PaillierPublicKey } from "./keys";
import type { PoolWorkerData } from "./pool-worker";

/** Where a pool computes its values. */
export type PoolMode = "worker" | "main";

/** Options for a {@link RandomnessPool}. */
export interface RandomnessPoolOptions {
  /** The most values held, 1 to 65 536; default 64. */
  readonly capacity?: number;
  /** Refill when fewer than this many are held, 0 (never refill by itself) to capacity; default capacity. */
  readonly lowWaterMark?: number;
  /** `"worker"` (default): a worker thread; `"main"`: setImmediate turns on the event loop. */
  readonly mode?: PoolMode;
}

/** A snapshot of a pool's state. */
export interface RandomnessPoolStats {
  /** Where values are computed now (a failed worker falls back to "main"). */
  readonly mode: PoolMode;
  /** Values held. */
  readonly size: number;
  /** The most values held. */
  readonly capacity: number;
  /** Refill threshold. */
  readonly lowWaterMark: number;
  /** Bytes of randomizers held now (size × bytes per value). */
  readonly bytes: number;
  /** Bytes held when full. */
  readonly maxBytes: number;
  /** Values requested from the worker and not yet received. */
  readonly pending: number;
  /** Values computed by the pool since it was made. */
  readonly produced: number;
  /** Values taken from the pool. */
  readonly taken: number;
  /** Takes that found the pool empty and computed a value on the spot. */
  readonly misses: number;
  /** Why the worker was abandoned, if it was. */
  readonly workerError?: string;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/**
 * A bounded pool of precomputed randomizers for one key; pass it to {@link encrypt} or {@link rerandomize}.
 *
 * @example
 * const pool = new RandomnessPool(bankPublicKey, { capacity: 256 });
 * await pool.fill();                                  // optional: wait until full
 * const c = encrypt(bankPublicKey, 650n, { pool });  // one multiplication
 * await pool.close();                                 // stop the worker when done
 */
export class RandomnessPool implements RandomizerSource {
  /** The key the randomizers are for. */
  readonly publicKey: PaillierPublicKey;
  /** The most values held. */
  readonly capacity: number;
  /** Refill threshold. */
  readonly lowWaterMark: number;
  readonly #key: PaillierPublicKey | PaillierPrivateKey;
  readonly #valueBytes: number;
  readonly #values: bigint[] = [];
  readonly #waiters: Waiter[] = [];
  #mode: PoolMode;
  /** The worker thread (one request per randomizer); undefined until the first refill, and once abandoned. */
  #worker: WorkerPool<null, bigint> | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #pending = 0;
  #produced = 0;
  #taken = 0;
  #misses = 0;
  #closed = false;
  #workerError: string | undefined;

  /**
   * Creates the pool and starts filling it in the background.
   *
   * @param key - the public key; or the private key, to fill by the CRT
   * @param options - capacity, refill threshold, mode
   * @throws {PaillierError} `INVALID_ARGUMENT` for a bad key or option
   */
  constructor(key: PaillierPublicKey | PaillierPrivateKey, options: RandomnessPoolOptions = {}) {
    if (key instanceof PaillierPrivateKey) this.publicKey = key.publicKey;
    else if (key instanceof PaillierPublicKey) this.publicKey = key;
    else
      throw new PaillierError("INVALID_ARGUMENT", `RandomnessPool: expected a Paillier key, got ${describeValue(key)}`);
    this.#key = key;
    const capacity = options.capacity ?? 64;
    assertInteger(capacity, "RandomnessPool: options.capacity", 1, 65_536);
    const lowWaterMark = options.lowWaterMark ?? capacity;
    assertInteger(lowWaterMark, "RandomnessPool: options.lowWaterMark", 0, capacity);
    const mode = options.mode ?? "worker";
    if (mode !== "worker" && mode !== "main") {
      throw new PaillierError(
        "INVALID_ARGUMENT",
        `RandomnessPool: expected options.mode "worker" or "main", got ${describeValue(mode)}`,
      );
    }
    this.capacity = capacity;
    this.lowWaterMark = lowWaterMark;
    this.#mode = mode;
    this.#valueBytes = byteLength(this.publicKey.nSquared);
    this.#refill();
  }

  /**
   * Removes and returns one randomizer; computes one on the spot (a miss) when the pool is empty.
   *
   * @returns a fresh r^n mod n²
   * @throws {PaillierError} `POOL_CLOSED` after {@link RandomnessPool.close}
   */
  takeRandomizer(): bigint {
    if (this.#closed) throw new PaillierError("POOL_CLOSED", "RandomnessPool: expected an open pool, got a closed one");
    let value = this.#values.pop();
    if (value === undefined) {
      this.#misses++;
      value = generateRandomizer(this.#key);
    }
    this.#taken++;
    if (this.#values.length < this.lowWaterMark) this.#refill();
    return value;
  }

  /**
   * Fills the pool to capacity.
   *
   * @returns a promise that resolves when the pool is full
   * @throws {PaillierError} `POOL_CLOSED` (as a rejection) when the pool is or gets closed
   */
  fill(): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new PaillierError("POOL_CLOSED", "RandomnessPool: expected an open pool, got a closed one"),
      );
    }
    if (this.#values.length >= this.capacity) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#refill();
      this.#updateRefs();
    });
  }

  /**
   * A snapshot of the pool's state.
   *
   * @returns sizes, counters and the mode in use
   */
  stats(): RandomnessPoolStats {
    return {
      mode: this.#mode,
      size: this.#values.length,
      capacity: this.capacity,
      lowWaterMark: this.lowWaterMark,
      bytes: this.#values.length * this.#valueBytes,
      maxBytes: this.capacity * this.#valueBytes,
      pending: this.#pending,
      produced: this.#produced,
      taken: this.#taken,
      misses: this.#misses,
      ...(this.#workerError !== undefined ? { workerError: this.#workerError } : {}),
    };
  }

  /**
   * Stops the worker, drops the values held and rejects pending {@link RandomnessPool.fill} calls.
   *
   * @returns a promise that resolves when the worker has stopped
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#values.length = 0;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new PaillierError("POOL_CLOSED", "RandomnessPool: closed before it was full"));
    }
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.close();
  }

  #add(value: bigint): void {
    this.#produced++;
    if (this.#closed || this.#values.length >= this.capacity) return;
    this.#values.push(value);
    if (this.#values.length >= this.capacity) {
      for (const waiter of this.#waiters.splice(0)) waiter.resolve();
      this.#updateRefs();
    }
  }

  /** Keeps the process alive only while someone awaits {@link RandomnessPool.fill}. */
  #updateRefs(): void {
    const wanted = this.#waiters.length > 0;
    this.#worker?.keepAlive(wanted);
    if (wanted) this.#immediate?.ref();
    else this.#immediate?.unref();
  }

  #refill(): void {
    if (this.#closed) return;
    const deficit = this.capacity - this.#values.length - this.#pending;
    if (deficit <= 0) return;
    if (this.#mode === "worker") {
      const worker = this.#worker ?? this.#startWorker();
      if (worker !== undefined) {
        this.#pending += deficit;
        for (let i = 0; i < deficit; i++) {
          worker.request(0, null).then(
            (value) => {
              if (this.#worker !== worker) return;
              this.#pending = Math.max(0, this.#pending - 1);
              this.#add(value);
            },
            (err: Error) => {
              if (this.#worker === worker) this.#abandonWorker(err.message);
            },
          );
        }
        return;
      }
    }
    this.#scheduleMain();
  }

  #scheduleMain(): void {
    if (this.#immediate !== undefined || this.#closed) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      if (this.#closed || this.#values.length >= this.capacity) return;
      this.#add(generateRandomizer(this.#key));
      if (this.#values.length < this.capacity) this.#scheduleMain();
    });
    this.#updateRefs();
  }

  #startWorker(): WorkerPool<null, bigint> | undefined {
    try {
      const init: PoolWorkerData =
        this.#key instanceof PaillierPrivateKey
          ? { n: this.publicKey.n, p: this.#key.p, q: this.#key.q }
          : { n: this.publicKey.n };
      const worker = new WorkerPool<null, bigint>(require.resolve("./pool-worker"), {
        threads: 1,
        init,
        busyKeepsAlive: false,
      });
      this.#worker = worker;
      this.#updateRefs();
      return worker;
    } catch (err) {
      this.#abandonWorker(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  #abandonWorker(reason: string): void {
    if (this.#closed) return;
    this.#workerError = reason;
    this.#mode = "main";
    this.#pending = 0;
    const worker = this.#worker;
    this.#worker = undefined;
    void worker?.close();
    this.#scheduleMain();
  }
}
