/**
 * The bureau's comparison-key threads: they make the per-check DGK keys and zero-test the banks' values under them.
 *
 * - **Threads of their own**: a key's prime search tests each prime with the test OpenSSL's exponentiation context
 *   for it runs, and keeps the context (see `primeCongruentToOne`), so the key's private work (its operand
 *   randomizers, the zero tests of its check) is cheapest where the key was made. Done there, none of it runs on the
 *   service's main thread, which serves HTTP, the store and the chain; the main thread takes each key in from the
 *   thread's JSON with the checks generation runs (a few milliseconds), never a primality test.
 * - **Two by default**: under a steady load the bureau makes one key per check, about half a second of a core each;
 *   one thread then bounds the bureau near 100 checks a minute, while the checks leave part of the cores idle. A key
 *   is made on the thread with the fewest keys being made, and its later work goes to the thread that made it.
 * - **Never needed for an answer**: if a thread cannot be started, or stops, the same work is done on another thread
 *   or the calling one, with the same answers.
 * @module
 */
import { availableParallelism } from "node:os";
import { setImmediate as nextTurn } from "node:timers/promises";
import {
  exportDgkPrivateKey,
  generateDgkKeyPair,
  randomizer,
  type DgkKeyGenerationOptions,
  type DgkPrivateKey,
  type DgkPrivateKeyJson,
} from "../dgk";
import { importGeneratedDgkPrivateKey } from "../dgk/keys";
import { ComparisonValueError, bureauShares } from "../protocol/comparison";
import { WorkerPool } from "../workerPool";

/** What the main thread asks. */
export type KeyThreadRequest =
  | { readonly kind: "make"; readonly options?: DgkKeyGenerationOptions; readonly randomizers: number }
  | {
      readonly kind: "shares";
      /** The key, which the thread holds under this fingerprint if it made it. */
      readonly fingerprint: string;
      readonly key: DgkPrivateKeyJson;
      readonly comparisons: readonly (readonly bigint[])[];
    }
  | {
      readonly kind: "randomizers";
      /** The key, which the thread holds under this fingerprint if it made it. */
      readonly fingerprint: string;
      readonly key: DgkPrivateKeyJson;
      readonly count: number;
    }
  | { readonly kind: "discard"; readonly fingerprint: string };

/** What the thread answers. */
export type KeyThreadReply =
  | { readonly kind: "made"; readonly key: DgkPrivateKeyJson; readonly randomizers: readonly bigint[] }
  | { readonly kind: "shares"; readonly shares: readonly (0 | 1)[] }
  | { readonly kind: "randomizers"; readonly randomizers: readonly bigint[] }
  | { readonly kind: "refused"; readonly comparison: number; readonly value: number; readonly message: string }
  | undefined;

/** A fresh comparison key with randomizers h^r for its operand encryptions. */
export interface MadeKey {
  readonly key: DgkPrivateKey;
  readonly randomizers: bigint[];
}

/** Randomizers computed per event-loop turn while a key is made on the calling thread (a few ms each). */
const RANDOMIZER_SLICE = 16;

/**
 * A fresh key and `count` randomizers for it, computed a slice per event-loop turn (by the CRT, with the contexts
 * the prime search set up); stops early when `stopped` says so.
 */
export async function makeComparisonKey(
  options: DgkKeyGenerationOptions | undefined,
  count: number,
  stopped: () => boolean = () => false,
): Promise<MadeKey> {
  const { privateKey } = await generateDgkKeyPair(options);
  const randomizers: bigint[] = [];
  while (randomizers.length < count && !stopped()) {
    await nextTurn();
    const slice = Math.min(RANDOMIZER_SLICE, count - randomizers.length);
    for (let i = 0; i < slice; i++) randomizers.push(randomizer(privateKey));
  }
  return { key: privateKey, randomizers };
}

/** How a request names its key: by fingerprint when the thread holds it, with the key for when it does not. */
function held(key: DgkPrivateKey): { fingerprint: string; key: DgkPrivateKeyJson } {
  return { fingerprint: key.publicKey.fingerprint, key: exportDgkPrivateKey(key) };
}

/** Key threads by default: two, or one per core on a machine with fewer. */
export const DEFAULT_KEY_THREADS = Math.min(2, availableParallelism());

/** Threads making comparison keys and zero-testing values under them; see the module documentation. */
export class ComparisonKeyThreads {
  /** Undefined when the threads could not be started: everything is then done on the calling thread. */
  readonly #pool: WorkerPool<KeyThreadRequest, KeyThreadReply> | undefined;
  /** Keys being made, by thread. */
  readonly #making: number[];
  /** The thread that made each key whose check is not over, by fingerprint. */
  readonly #maker = new Map<string, number>();

  /** @throws RangeError for a thread count that is not an integer from 1 to 256 */
  constructor(threads: number = DEFAULT_KEY_THREADS) {
    try {
      this.#pool = new WorkerPool(require.resolve("./comparison-key-worker"), { threads });
    } catch (e) {
      if (e instanceof RangeError) throw e;
      this.#pool = undefined;
    }
    this.#making = Array.from({ length: threads }, () => 0);
  }

  /** Threads running (0 once closed, or when none could be started): how many keys are worth making at once. */
  get threads(): number {
    return this.#pool?.threads ?? 0;
  }

  /** Keys being made now, by thread. */
  get making(): readonly number[] {
    return [...this.#making];
  }

  /** A fresh key and `count` operand randomizers, made on the thread with the fewest keys being made. */
  async make(options: DgkKeyGenerationOptions | undefined, count: number): Promise<MadeKey> {
    const thread = this.#making.indexOf(Math.min(...this.#making.slice(0, Math.max(1, this.threads))));
    this.#making[thread]++;
    let reply: KeyThreadReply;
    try {
      reply = await this.#ask(thread, { kind: "make", options, randomizers: count });
    } finally {
      this.#making[thread]--;
    }
    if (reply?.kind !== "made") return makeComparisonKey(options, count);
    const key = importGeneratedDgkPrivateKey(reply.key);
    this.#maker.set(key.publicKey.fingerprint, thread);
    return { key, randomizers: [...reply.randomizers] };
  }

  /**
   * The bureau's share of each comparison (`bureauShares`), computed on the thread that made the key.
   * @throws ComparisonValueError (as a rejection) for the first value outside the key's subgroup
   */
  async shares(key: DgkPrivateKey, comparisons: readonly (readonly bigint[])[]): Promise<(0 | 1)[]> {
    const reply = await this.#ask(this.#threadOf(key), { kind: "shares", ...held(key), comparisons });
    if (reply?.kind === "shares") return [...reply.shares];
    if (reply?.kind === "refused") throw new ComparisonValueError(reply.value, reply.message, reply.comparison);
    return bureauShares(key, comparisons);
  }

  /** `count` more randomizers h^r for `key`'s operand encryptions, made on the thread that made the key. */
  async randomizers(key: DgkPrivateKey, count: number): Promise<bigint[]> {
    const reply = await this.#ask(this.#threadOf(key), { kind: "randomizers", ...held(key), count });
    if (reply?.kind === "randomizers") return [...reply.randomizers];
    return Array.from({ length: count }, () => randomizer(key));
  }

  /** Drops the thread's copy of a key whose check is over (forward secrecy: nothing of it stays in memory). */
  discard(key: DgkPrivateKey): void {
    const fingerprint = key.publicKey.fingerprint;
    void this.#ask(this.#threadOf(key), { kind: "discard", fingerprint });
    this.#maker.delete(fingerprint);
  }

  /** Stops the threads; later calls are served on the calling thread. */
  async close(): Promise<void> {
    this.#maker.clear();
    await this.#pool?.close();
  }

  /** The thread that made `key`; thread 0 for a key made elsewhere (it imports the key from the request). */
  #threadOf(key: DgkPrivateKey): number {
    return this.#maker.get(key.publicKey.fingerprint) ?? 0;
  }

  /**
   * The thread's reply; undefined when there is no thread or it failed (the caller then does the work). A thread
   * that stopped is gone from the pool: its requests go to thread 0, which imports the key from the request.
   */
  async #ask(thread: number, request: KeyThreadRequest): Promise<KeyThreadReply> {
    if (this.#pool === undefined || this.#pool.threads === 0) return undefined;
    try {
      return await this.#pool.request(thread < this.#pool.threads ? thread : 0, request);
    } catch {
      return undefined;
    }
  }
}
