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
import type { Worker } from "node:worker_threads";
import { Ciphertext, trustedCiphertext } from "./ciphertext";
import { takeRandomizer, type RandomizerSource } from "./engine";
import { PaillierError } from "./errors";
import { multiplyByConstant, rerandomize } from "./operations";
import { randomUnit } from "./random";
import { startWorker } from "./threads";
import type { BlindingReply, BlindingRequest } from "./blinding-worker";
import type { PaillierPublicKey } from "./keys";

/** Blinds a batch of ciphertexts, all under one key; the results are in the same order. */
export type Blind = (values: readonly Ciphertext[], pool?: RandomizerSource) => Promise<Ciphertext[]>;

/** Blinds on the calling thread (the reference {@link BlindingWorkers} is tested against). */
export function blindInline(values: readonly Ciphertext[], pool?: RandomizerSource): Promise<Ciphertext[]> {
  return Promise.resolve(values.map((c) => rerandomize(multiplyByConstant(c, randomUnit(c.publicKey.n)), { pool })));
}

/** A fixed set of worker threads that blind batches of ciphertexts in parallel. */
export class BlindingWorkers {
  readonly #workers: Worker[];
  readonly #waiting = new Map<number, { resolve(values: bigint[]): void; reject(err: Error): void }>();
  #nextId = 0;
  #closed = false;

  /** @param threads - how many worker threads; default one per core */
  constructor(threads: number = availableParallelism()) {
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new PaillierError("INVALID_ARGUMENT", `BlindingWorkers: expected 1 to 256 threads, got ${threads}`);
    }
    this.#workers = Array.from({ length: threads }, () => {
      const worker = startWorker("blinding-worker", null);
      worker.on("message", (reply: BlindingReply) => this.#settle(reply));
      worker.on("error", (err) => this.#failAll(`a blinding worker failed: ${err.message}`));
      worker.unref();
      return worker;
    });
  }

  /** How many threads blind. */
  get threads(): number {
    return this.#workers.length;
  }

  /**
   * Blinds every value; with a pool, the re-randomisation takes its randomizers from it instead of computing them.
   *
   * @throws {PaillierError} `INVALID_ARGUMENT` after {@link close}, or for values under different keys
   */
  readonly blind: Blind = async (values, pool) => {
    if (this.#closed) throw new PaillierError("INVALID_ARGUMENT", "BlindingWorkers: used after close()");
    if (values.length === 0) return [];
    const publicKey = values[0].publicKey;
    if (values.some((c) => !c.publicKey.equals(publicKey))) {
      throw new PaillierError("KEY_MISMATCH", "BlindingWorkers: expected every value under one key");
    }
    // Contiguous slices, one per thread: the results come back in order.
    const size = Math.ceil(values.length / this.#workers.length);
    const slices = this.#workers.map((worker, i) => values.slice(i * size, (i + 1) * size));
    const results = await Promise.all(
      slices.map((slice, i) => (slice.length === 0 ? [] : this.#send(this.#workers[i], publicKey, slice, !pool))),
    );
    return results.flat().map((value) => this.#finish(publicKey, value, pool));
  };

  /** Stops the threads; pending batches fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll("BlindingWorkers: closed");
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #send(worker: Worker, publicKey: PaillierPublicKey, slice: readonly Ciphertext[], rerandomize: boolean) {
    const id = this.#nextId++;
    return new Promise<bigint[]>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (this.#waiting.size === 1) this.#workers.forEach((w) => w.ref()); // keep the process up while work is out
      worker.postMessage({
        id,
        n: publicKey.n,
        values: slice.map((c) => c.value),
        rerandomize,
      } satisfies BlindingRequest);
    });
  }

  #finish(publicKey: PaillierPublicKey, value: bigint, pool?: RandomizerSource): Ciphertext {
    const rn = pool ? takeRandomizer(publicKey, pool) : 1n;
    return trustedCiphertext(publicKey, (value * rn) % publicKey.nSquared);
  }

  #settle(reply: BlindingReply): void {
    const waiter = this.#waiting.get(reply.id);
    if (waiter === undefined) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#workers.forEach((w) => w.unref());
    if ("error" in reply) waiter.reject(new PaillierError("INVALID_ARGUMENT", `blinding worker: ${reply.error}`));
    else waiter.resolve(reply.values);
  }

  #failAll(message: string): void {
    for (const waiter of this.#waiting.values()) waiter.reject(new PaillierError("INVALID_ARGUMENT", message));
    this.#waiting.clear();
  }
}
