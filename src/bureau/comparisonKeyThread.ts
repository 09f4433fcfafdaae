/**
 * The bureau's comparison-key thread: it makes the per-check DGK keys and zero-tests the banks' values under them.
 *
 * Why a thread of its own: a key's prime search tests each prime with the test OpenSSL's exponentiation context for
 * it runs, and keeps the context (see `primeCongruentToOne`), so the key's private work (its operand randomizers,
 * the zero tests of its check) is cheapest where the key was made. Done there, none of it runs on the service's
 * main thread, which serves HTTP, the store and the chain; the main thread takes each key in from the thread's JSON
 * with the checks generation runs (a few milliseconds), never a primality test.
 *
 * If the thread cannot be started, or stops, the same work is done on the calling thread: the answers never depend
 * on it.
 * @module
 */
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

/** One thread making comparison keys and zero-testing values under them; see the module documentation. */
export class ComparisonKeyThread {
  /** Undefined when the thread could not be started: everything is then done on the calling thread. */
  readonly #pool: WorkerPool<KeyThreadRequest, KeyThreadReply> | undefined;

  constructor() {
    try {
      this.#pool = new WorkerPool(require.resolve("./comparison-key-worker"), { threads: 1 });
    } catch {
      this.#pool = undefined;
    }
  }

  /** A fresh key and `count` operand randomizers, made on the thread. */
  async make(options: DgkKeyGenerationOptions | undefined, count: number): Promise<MadeKey> {
    const reply = await this.#ask({ kind: "make", options, randomizers: count });
    if (reply?.kind !== "made") return makeComparisonKey(options, count);
    return { key: importGeneratedDgkPrivateKey(reply.key), randomizers: [...reply.randomizers] };
  }

  /**
   * The bureau's share of each comparison (`bureauShares`), computed on the thread.
   * @throws ComparisonValueError (as a rejection) for the first value outside the key's subgroup
   */
  async shares(key: DgkPrivateKey, comparisons: readonly (readonly bigint[])[]): Promise<(0 | 1)[]> {
    const reply = await this.#ask({ kind: "shares", ...held(key), comparisons });
    if (reply?.kind === "shares") return [...reply.shares];
    if (reply?.kind === "refused") throw new ComparisonValueError(reply.value, reply.message, reply.comparison);
    return bureauShares(key, comparisons);
  }

  /** `count` more randomizers h^r for `key`'s operand encryptions, made on the thread. */
  async randomizers(key: DgkPrivateKey, count: number): Promise<bigint[]> {
    const reply = await this.#ask({ kind: "randomizers", ...held(key), count });
    if (reply?.kind === "randomizers") return [...reply.randomizers];
    return Array.from({ length: count }, () => randomizer(key));
  }

  /** Drops the thread's copy of a key whose check is over (forward secrecy: nothing of it stays in memory). */
  discard(key: DgkPrivateKey): void {
    void this.#ask({ kind: "discard", fingerprint: key.publicKey.fingerprint });
  }

  /** Stops the thread; later calls are served on the calling thread. */
  async close(): Promise<void> {
    await this.#pool?.close();
  }

  /** The thread's reply, or undefined when there is no thread or it failed (the caller then does the work). */
  async #ask(request: KeyThreadRequest): Promise<KeyThreadReply> {
    if (this.#pool === undefined) return undefined;
    try {
      return await this.#pool.request(0, request);
    } catch {
      return undefined;
    }
  }
}
