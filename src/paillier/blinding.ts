/**
 * Multiplicative blinding, the costly step of every blinded answer: E(x) → E(ρ·x), re-randomised, with ρ fresh,
 * secret and uniform in Z_n*. A zero stays zero; anything else becomes uniform in Z_n* (for x a unit, as every
 * non-zero value a protocol here blinds is), so the key holder learns only whether x was zero.
 *
 * Each value costs one exponentiation modulo n² with a full-size exponent (about 27 ms at 3072 bits), and a check
 * blinds hundreds: {@link BlindingWorkers} spreads them over worker threads, one per core. {@link blindInline} does the
 * same on the calling thread.
 *
 * @module
 */

import { availableParallelism } from "node:os";
import { MAX_WORKER_THREADS, splitEvenly, WorkerPool, type WorkerPoolError } from "../workerPool";
import { Ciphertext, trustedCiphertext } from "./ciphertext";
import { takeRandomizer, type RandomizerSource } from "./engine";
import { PaillierError } from "./errors";
import { multiplyByConstant, rerandomize } from "./operations";
import { randomUnit } from "./random";
import type { BlindingRequest } from "./blinding-worker";
import type { PaillierPublicKey } from "./keys";

/** Blinds a batch of ciphertexts, all under one key; the results are in the same order. */
export type Blind = (values: readonly Ciphertext[], pool?: RandomizerSource) => Promise<Ciphertext[]>;

/** Blinds on the calling thread (the reference {@link BlindingWorkers} is tested against). */
export function blindInline(values: readonly Ciphertext[], pool?: RandomizerSource): Promise<Ciphertext[]> {
  return Promise.resolve(values.map((c) => rerandomize(multiplyByConstant(c, randomUnit(c.publicKey.n)), { pool })));
}

/**
 * A fixed set of worker threads that blind batches of ciphertexts in parallel. A thread that stops fails the batches
 * it had out and is dropped; with none left, batches are blinded on the calling thread.
 */
export class BlindingWorkers {
  readonly #pool: WorkerPool<BlindingRequest, bigint[]>;

  /** @param threads - how many worker threads; default one per core */
  constructor(threads: number = availableParallelism()) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKER_THREADS) {
      throw new PaillierError(
        "INVALID_ARGUMENT",
        `BlindingWorkers: expected 1 to ${MAX_WORKER_THREADS} threads, got ${threads}`,
      );
    }
    this.#pool = new WorkerPool(require.resolve("./blinding-worker"), { threads });
  }

  /** How many threads blind. */
  get threads(): number {
    return this.#pool.threads;
  }

  /**
   * Blinds every value; with a pool, the re-randomisation takes its randomizers from it instead of computing them.
   *
   * @throws {PaillierError} `INVALID_ARGUMENT` after {@link close}, when a thread failed, or for values under
   *   different keys
   */
  readonly blind: Blind = async (values, pool) => {
    if (this.#pool.closed) throw new PaillierError("INVALID_ARGUMENT", "BlindingWorkers: used after close()");
    if (values.length === 0) return [];
    const publicKey = values[0].publicKey;
    if (values.some((c) => !c.publicKey.equals(publicKey))) {
      throw new PaillierError("KEY_MISMATCH", "BlindingWorkers: expected every value under one key");
    }
    if (this.#pool.threads === 0) return blindInline(values, pool);
    // Contiguous slices, one per thread: the results come back in order.
    let start = 0;
    const requests = splitEvenly(values.length, this.#pool.threads).map((size, i) => {
      const slice = values.slice(start, (start += size));
      const request = { n: publicKey.n, values: slice.map((c) => c.value), rerandomize: !pool };
      return this.#pool.request(i, request);
    });
    const results = await Promise.all(requests).catch((err: WorkerPoolError) => {
      throw new PaillierError("INVALID_ARGUMENT", `BlindingWorkers: ${err.message}`, { cause: err });
    });
    return results.flat().map((value) => this.#finish(publicKey, value, pool));
  };

  /** Stops the threads; pending batches fail. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  #finish(publicKey: PaillierPublicKey, value: bigint, pool?: RandomizerSource): Ciphertext {
    const rn = pool ? takeRandomizer(publicKey, pool) : 1n;
    return trustedCiphertext(publicKey, (value * rn) % publicKey.nSquared);
  }
}
