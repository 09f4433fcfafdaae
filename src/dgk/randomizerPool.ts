/**
 * A bounded stock of precomputed DGK randomizers h^r for one key, filled off the critical path.
 *
 * The bank re-randomises every DGK value it returns; with a stock in hand each re-randomisation is one multiplication
 * modulo n instead of an exponentiation (about 20 µs instead of 1.3–2 ms at 3072 bits). The pool is the simple
 * sibling of the Paillier `RandomnessPool`:
 *
 * - **Filled on request**: {@link DgkRandomizerPool.fill} tops it up to `capacity` — through a
 *   {@link DgkRandomizerWorkers} when one is given (on other cores), otherwise on the calling thread a few values per
 *   event-loop turn. Nothing runs in the background unless `fill` was called (`void pool.fill()` to fill while doing
 *   something else).
 * - **Never empty-handed**: {@link DgkRandomizerPool.take} computes a value on the spot when the pool is empty
 *   (counted in `misses`).
 * - **Never reused**: a value is removed when taken and each comes from a fresh r, so none is handed out twice. A
 *   randomizer used twice would reveal the difference of two plaintexts to the key owner.
 *
 * @module
 */

import { Stock } from "../stock";
import { DgkKey, publicKeyOf } from "./context";
import { randomizer } from "./engine";
import { DgkError, assertInteger, describeValue } from "./errors";
import type { DgkPublicKey } from "./keys";
import { DGK_MAX_RANDOMIZERS, DgkRandomizerWorkers } from "./randomizerWorkers";

/** Values computed per event-loop turn when the pool fills on the calling thread (about 2–8 ms at 3072 bits). */
const INLINE_SLICE = 4;

/** Options for a {@link DgkRandomizerPool}. */
export interface DgkRandomizerPoolOptions {
  /** The most values held, 1 to 65 536 (384 bytes each at 3072 bits). */
  readonly capacity: number;
  /** Threads to fill through; shared, not owned: the pool never closes them. Default: the calling thread. */
  readonly workers?: DgkRandomizerWorkers;
}

/**
 * A bounded stock of fresh randomizers h^r for one key.
 *
 * @example
 * const workers = new DgkRandomizerWorkers();
 * const pool = new DgkRandomizerPool(bureauKey, { capacity: 160, workers });
 * await pool.fill();                                         // while idle: ~2× faster on two cores
 * const d = rerandomize(bureauKey, c, pool.take());          // one multiplication
 * respondToChallenge(…, bureauKey, { dgkRandomizers: pool.take });
 * await pool.close();
 * await workers.close();
 */
export class DgkRandomizerPool {
  /** The key the randomizers are for. */
  readonly publicKey: DgkPublicKey;
  /** The most values held. */
  readonly capacity: number;
  readonly #key: DgkKey;
  readonly #stock: Stock<bigint>;
  #misses = 0;

  /**
   * Creates an empty pool; call {@link DgkRandomizerPool.fill} to fill it.
   *
   * @param key - the public key; or the private key, to compute by the CRT (same distribution, about four times
   *   cheaper)
   * @param options - the capacity, and optionally the threads to fill through
   * @throws {DgkError} `INVALID_ARGUMENT` for a bad key, a capacity outside [1, 65 536], or `workers` that is not a
   *   {@link DgkRandomizerWorkers}
   */
  constructor(key: DgkKey, options: DgkRandomizerPoolOptions) {
    this.publicKey = publicKeyOf(key, "DgkRandomizerPool: key");
    if (typeof options !== "object" || options === null) {
      throw new DgkError(
        "INVALID_ARGUMENT",
        `DgkRandomizerPool: expected options { capacity, workers? }, got ${describeValue(options)}`,
      );
    }
    assertInteger(options.capacity, "DgkRandomizerPool: options.capacity", 1, DGK_MAX_RANDOMIZERS);
    if (options.workers !== undefined && !(options.workers instanceof DgkRandomizerWorkers)) {
      throw new DgkError(
        "INVALID_ARGUMENT",
        `DgkRandomizerPool: expected options.workers a DgkRandomizerWorkers, got ${describeValue(options.workers)}`,
      );
    }
    this.#key = key;
    this.capacity = options.capacity;
    const workers = options.workers;
    this.#stock = new Stock({
      capacity: options.capacity,
      make: (wanted) =>
        workers !== undefined ? workers.randomizers(key, wanted) : this.#inlineSlice(Math.min(wanted, INLINE_SLICE)),
      closedError: (during) => closedError("DgkRandomizerPool.fill", during ? " (closed while filling)" : ""),
    });
  }

  /** Values held now. */
  get size(): number {
    return this.#stock.size;
  }

  /** Takes that found the pool empty and computed a value on the spot. */
  get misses(): number {
    return this.#misses;
  }

  /**
   * Removes and returns one randomizer; computes a fresh one on the spot (a miss) when the pool is empty. An arrow
   * function: pass `pool.take` itself where a `() => bigint` is expected.
   *
   * @returns a fresh h^r mod n, never handed out before
   * @throws {DgkError} `CLOSED` after {@link DgkRandomizerPool.close}
   */
  readonly take = (): bigint => {
    if (this.#stock.closed) throw closedError("DgkRandomizerPool.take");
    const value = this.#stock.take();
    if (value !== undefined) return value;
    this.#misses++;
    return randomizer(this.#key);
  };

  /**
   * Fills the pool to capacity (again, if values are taken meanwhile). Concurrent calls share one filling.
   *
   * @returns a promise that resolves when the pool is full
   * @throws {DgkError} (as a rejection) `CLOSED` when the pool is or gets closed, or when the workers are closed;
   *   `WORKER_FAILED` when a worker thread failed
   */
  fill(): Promise<void> {
    return this.#stock.fill();
  }

  /**
   * Drops the values held and rejects a pending {@link DgkRandomizerPool.fill}. The workers, if any, stay open (they
   * are the caller's). Calling it again does nothing.
   *
   * @returns a promise that resolves when no filling of this pool is running
   */
  close(): Promise<void> {
    return this.#stock.close();
  }

  /** A few values, computed on the next event-loop turn so that other work can run between slices. */
  async #inlineSlice(count: number): Promise<bigint[]> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.#stock.closed) return [];
    return Array.from({ length: count }, () => randomizer(this.#key));
  }
}

function closedError(what: string, detail = ""): DgkError {
  return new DgkError("CLOSED", `${what}: expected an open DgkRandomizerPool, got a closed one${detail}`);
}
