/**
 * The bureau's per-check DGK comparison keys: a fresh key for every decision-mode check, so that the bit a check
 * answers can only be about that check's subject.
 *
 * Why: the bureau zero-tests whatever values of its key a bank returns. With one long-lived key, a bank that kept
 * subject A's challenge (A's operand bits, encrypted) could answer subject B's checks with values computed from A's
 * ciphertexts and read A's score through checks charged to B. With a key per check, the bureau zero-tests a check's
 * values only with that check's private key, after its membership test: values made from another check's
 * ciphertexts are not in this key's subgroup and are refused, and nothing is answered.
 *
 * - **A bounded stock, filled in the background.** Making a key (see `generateDgkKeyPair`) takes a few tenths of a
 *   second of CPU at 3072 bits, so it never runs on a check's critical path unless the stock is empty (counted in
 *   `misses`). In the service the keys are made on the comparison-key threads (`./comparisonKeyThreads`), as many at
 *   once as there are threads; the thread that made a key also precomputes its operand randomizers and runs its
 *   check's zero tests, with the OpenSSL contexts modulo p and q that the prime search left set up: a check pays none
 *   of the key's set-up, and the main thread none of its private work. Without threads, one key at a time is made on
 *   this thread.
 * - **Reservations.** A bank that wants to precompute its re-randomisers h^r asks for a key ahead
 *   ({@link ComparisonKeyPool.reserve}, a signed API request): the key is then reserved to that bank, for one check,
 *   until it expires. The bank names the key's fingerprint in its form (committed on-chain); the bureau uses it for
 *   that check only if it is reserved to that bank and unused ({@link ComparisonKeyPool.claim}), and refuses the
 *   check otherwise. In the service the reservations live in the bureau's store (`ComparisonKeyReservations`), the
 *   private key sealed: every bureau process sharing the store honours a reservation another one made (the check
 *   goes to whichever evaluator leases it), a claim takes the row atomically (of two processes, one gets the key),
 *   the per-bank bound counts every process's reservations, and a restart keeps them. The process that made a key
 *   keeps it in memory too, so that a check it takes uses the key's precomputed randomizers and the thread that made
 *   it; another opens the sealed key. Without a store (tests, benches) they live in the pool's memory.
 * - **Forward secrecy.** A key leaves the pool for exactly one check. The check's private key is then kept only in
 *   the check's journal entry (sealed at rest) while the check is open, and the bureau erases it when the check is
 *   answered, refused or over (see `BureauClient`), and has the key's thread drop its copy ({@link
 *   ComparisonKeyPool.discard}): a later leak of the bureau's keys opens no past challenge. A reservation's row is
 *   deleted when it is claimed or released, and once expired on the next reservation: until then it holds a key that
 *   encrypted nothing. The maker's copy of a key another process claimed is dropped when the reservation would have
 *   expired.
 * @module
 */
import {
  encrypt,
  exportDgkPrivateKey,
  randomizer,
  type DgkPrivateKey,
  type DgkPublicKey,
  type DgkKeyGenerationOptions,
} from "../dgk";
import { importGeneratedDgkPrivateKey } from "../dgk/keys";
import { bureauShares } from "../protocol/comparison";
import { makeComparisonKey, type ComparisonKeyThreads } from "./comparisonKeyThreads";
import { CheckRefusal, RefusalReason } from "../protocol/refusal";
import { Stock } from "../stock";
import type { ComparisonKeyReservations, StoredReservation } from "./store";

/** Where a check's comparison key comes from (the bureau's {@link ComparisonKeyPool}, or a test's stand-in). */
export interface ComparisonKeySource {
  /**
   * A key no check has used, for a check whose form names none.
   * @throws Error when the source is closed
   */
  fresh(): Promise<DgkPrivateKey>;
  /**
   * The key `bank` reserved under `fingerprint`, taken for one check: it is no longer reserved afterwards.
   * @throws CheckRefusal `InvalidMessage` (as a rejection) when no unused, unexpired key with that fingerprint is
   *   reserved to `bank`; the store's error when the reservations' store fails (nothing was taken: ask again)
   */
  claim(bank: string, fingerprint: string): Promise<DgkPrivateKey>;
  /**
   * Randomizers h^r precomputed for `key`'s operand encryptions, at least `count` of them, handed over once (then
   * forgotten here); a value is computed on the spot when they run out. Undefined when none were made.
   */
  operandRandomizers?(key: DgkPrivateKey, count: number): Promise<(() => bigint) | undefined>;
  /** Reserves a fresh key to `bank` ({@link ComparisonKeyPool.reserve}); a source without it takes no reservations. */
  reserve?(bank: string): Promise<ComparisonKeyReservation>;
  /**
   * The bureau's share of each comparison (`bureauShares`), computed where the source keeps its keys' private work;
   * without it, on the calling thread.
   */
  shares?(key: DgkPrivateKey, comparisons: readonly (readonly bigint[])[]): Promise<(0 | 1)[]>;
  /** Forgets what the source holds of a key whose check is over. */
  discard?(key: DgkPrivateKey): void;
  /** Drops a reservation its bank never received ({@link ComparisonKeyPool.release}). */
  release?(bank: string, fingerprint: string): Promise<void>;
}

/** Options of a {@link ComparisonKeyPool}. */
export interface ComparisonKeyPoolOptions {
  /** How many fresh keys are kept ready, 1 to 64; default {@link DEFAULT_KEY_POOL_CAPACITY}. */
  readonly capacity?: number;
  /** The keys' parameters (default: 3072 bits, t = 256, a 16-bit u). */
  readonly keys?: DgkKeyGenerationOptions;
  /** How long a reservation stays usable, in ms; default {@link DEFAULT_RESERVATION_MS}. */
  readonly reservationMs?: number;
  /** How many unused reservations one bank may hold at once; default {@link DEFAULT_RESERVATIONS_PER_BANK}. */
  readonly reservationsPerBank?: number;
  /**
   * How many randomizers h^r to precompute with each key for its challenge's operand bits (a k = 10 check takes 150,
   * a k = 32 one 530 on the default schema); default {@link DEFAULT_OPERAND_RANDOMIZERS}.
   */
  readonly operandRandomizers?: number;
  /** The clock, Unix ms (tests); default `Date.now`. */
  readonly now?: () => number;
  /**
   * How long after a key is taken the pool starts making its replacement while keys are left, in ms; default
   * {@link DEFAULT_REFILL_DELAY_MS}. An empty pool refills at once.
   */
  readonly refillDelayMs?: number;
  /**
   * The threads that make the keys and zero-test under them (the service's); without them, both run on this thread.
   * The pool does not close them.
   */
  readonly threads?: ComparisonKeyThreads;
  /**
   * Where the reservations are kept: the bureau's store (the service's), which every bureau process sharing it reads,
   * and which outlasts a restart. Default: this pool's memory, for one process.
   */
  readonly reservations?: ComparisonKeyReservations;
}

/** Operand randomizers precomputed with each key by default: a k = 10 check's. */
export const DEFAULT_OPERAND_RANDOMIZERS = 160;

/** Fresh keys kept ready by default: a burst of checks finds keys made, and refilling is one key at a time. */
export const DEFAULT_KEY_POOL_CAPACITY = 4;

/**
 * How long a pool with keys left waits at most after a key is taken before it makes the replacement: it makes it as
 * soon as the check that took the key is over ({@link ComparisonKeyPool.discard}), so that making it (a core for a
 * few tenths of a second) does not compete with that check's own steps (up to a few seconds cold at k = 32); this
 * bounds the wait for a check that stays open, or a reserved key not used yet. The same work is done, later; under a
 * steady load the pool runs empty and refills at once.
 */
export const DEFAULT_REFILL_DELAY_MS = 5000;

/** How long a reservation lasts by default: ten minutes, to open the check it was made for. */
export const DEFAULT_RESERVATION_MS = 600_000;

/** Unused reservations one bank may hold by default: each costs the bureau a key's generation. */
export const DEFAULT_RESERVATIONS_PER_BANK = 4;

/** What {@link ComparisonKeyPool.reserve} hands a bank. */
export interface ComparisonKeyReservation {
  readonly publicKey: DgkPublicKey;
  /** Until when the bureau takes it in a form, Unix ms. */
  readonly expiresAt: number;
}

/** A bank asked for a reservation while it holds as many unused ones as it may: it should use them, or let them expire. */
export class ComparisonKeyReservationsFull extends Error {
  constructor(bank: string, perBank: number, held: number) {
    super(
      `bank ${bank}: expected at most ${perBank} unused comparison key reservations, got ${held} already: use them ` +
        "in a check, or let them expire",
    );
    this.name = "ComparisonKeyReservationsFull";
  }
}

/** No comparison key is ready, and enough callers wait for one already: a reservation should be asked again later. */
export class ComparisonKeysBusy extends Error {
  /** About how long until a key is free, in seconds: generous, as making keys shares the cores with the checks. */
  readonly retryAfterSeconds: number;

  constructor(waiting: number, capacity: number) {
    super(
      `no fresh comparison key is ready: expected fewer than ${capacity} callers waiting for one, got ${waiting}; ` +
        "reserve again later, or open the check without a reservation",
    );
    this.name = "ComparisonKeysBusy";
    this.retryAfterSeconds = 2 * (waiting + 1);
  }
}

/** A bounded stock of fresh comparison keys, filled in the background, with reservations for banks. */
export class ComparisonKeyPool implements ComparisonKeySource {
  readonly capacity: number;
  readonly #keys: DgkKeyGenerationOptions | undefined;
  readonly #reservationMs: number;
  readonly #reservationsPerBank: number;
  readonly #now: () => number;
  readonly #operandRandomizers: number;
  readonly #ready: Stock<DgkPrivateKey>;
  /** Each key's precomputed operand randomizers, until they are handed over with it. */
  readonly #randomizers = new WeakMap<DgkPrivateKey, bigint[]>();
  /** Where the reservations are kept (the store, or this pool's memory). */
  readonly #reservations: ComparisonKeyReservations;
  /**
   * The keys this pool reserved, by fingerprint, until a check of this process claims them, they are released, or
   * their reservation would have expired (`forget`, timed): the reservations' store has the say on whether one is
   * still reserved.
   */
  readonly #reserved = new Map<string, { key: DgkPrivateKey; forget: NodeJS.Timeout }>();
  #misses = 0;
  readonly #refillDelayMs: number;
  readonly #threads: ComparisonKeyThreads | undefined;
  /** Keys being made now (at most one per key thread), and keys made that the stock has not taken yet. */
  readonly #making = new Set<Promise<void>>();
  readonly #made: DgkPrivateKey[] = [];
  #refillTimer: NodeJS.Timeout | undefined;

  /** @throws RangeError for a capacity, reservation time or per-bank limit out of range */
  constructor(options: ComparisonKeyPoolOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_KEY_POOL_CAPACITY;
    if (!Number.isSafeInteger(this.capacity) || this.capacity < 1 || this.capacity > 64)
      throw new RangeError(`comparison key pool capacity: expected 1 to 64, got ${String(options.capacity)}`);
    this.#reservationMs = options.reservationMs ?? DEFAULT_RESERVATION_MS;
    if (!Number.isSafeInteger(this.#reservationMs) || this.#reservationMs < 1)
      throw new RangeError(`reservationMs: expected a whole number of ms ≥ 1, got ${String(options.reservationMs)}`);
    this.#reservationsPerBank = options.reservationsPerBank ?? DEFAULT_RESERVATIONS_PER_BANK;
    if (!Number.isSafeInteger(this.#reservationsPerBank) || this.#reservationsPerBank < 1)
      throw new RangeError(
        `reservationsPerBank: expected a whole number ≥ 1, got ${String(options.reservationsPerBank)}`,
      );
    this.#operandRandomizers = options.operandRandomizers ?? DEFAULT_OPERAND_RANDOMIZERS;
    if (!Number.isSafeInteger(this.#operandRandomizers) || this.#operandRandomizers < 0)
      throw new RangeError(
        `operandRandomizers: expected a whole number ≥ 0, got ${String(options.operandRandomizers)}`,
      );
    this.#refillDelayMs = options.refillDelayMs ?? DEFAULT_REFILL_DELAY_MS;
    if (!Number.isSafeInteger(this.#refillDelayMs) || this.#refillDelayMs < 0)
      throw new RangeError(`refillDelayMs: expected a whole number of ms ≥ 0, got ${String(options.refillDelayMs)}`);
    this.#keys = options.keys;
    this.#threads = options.threads;
    this.#now = options.now ?? Date.now;
    this.#reservations = options.reservations ?? new MemoryReservations();
    this.#ready = new Stock({
      capacity: this.capacity,
      make: (wanted) => this.#make(wanted),
      closedError: () => closedError("fill"),
    });
  }

  /** Fresh keys ready now. */
  get size(): number {
    return this.#ready.size;
  }

  /** Keys generated on demand because none was ready. */
  get misses(): number {
    return this.#misses;
  }

  /** The unused, unexpired reservations `bank` holds (made by any process sharing the reservations' store). */
  reservationsOf(bank: string): Promise<number> {
    return this.#reservations.countReservations(bank, this.#now());
  }

  /**
   * Tops the stock up to capacity, one key at a time (again, if keys are taken meanwhile); concurrent calls share one
   * filling. Call it with `void pool.fill().catch(…)` to fill in the background.
   * @throws Error (as a rejection) when the pool is or gets closed
   */
  fill(): Promise<void> {
    return this.#ready.fill();
  }

  /**
   * A key no check has used. When none is ready it waits for the pool's one filling, in turn: keys are made one at a
   * time however many checks ask at once, so a burst cannot start a generation per caller and starve the bureau.
   * @throws Error (as a rejection) when the pool is or gets closed
   */
  async fresh(): Promise<DgkPrivateKey> {
    if (this.#ready.closed) throw closedError("fresh");
    let key = this.#ready.take();
    if (key === undefined) {
      this.#misses++;
      key = await this.#ready.next();
    }
    this.#refill();
    return key;
  }

  /**
   * Reserves a fresh key to `bank` for one check of its own, until it expires. The reservations expired by now are
   * deleted first: here rather than by the service's pruner, which sweeps the message board against the chain, since
   * the pool alone writes and reads the reservations, on its own clock.
   * @throws {@link ComparisonKeyReservationsFull} when the bank holds {@link DEFAULT_RESERVATIONS_PER_BANK} (or the
   *   configured number of) unused reservations already, in any process sharing the reservations' store;
   *   {@link ComparisonKeysBusy} when no key is ready and as many callers as the pool holds keys wait already (a
   *   reservation is an optimisation: the bank may retry later, or open its check without one); Error when the pool
   *   is closed; the store's error when it fails
   */
  async reserve(bank: string): Promise<ComparisonKeyReservation> {
    const now = this.#now();
    await this.#reservations.deleteExpiredReservations(now);
    const held = await this.#reservations.countReservations(bank, now);
    if (held >= this.#reservationsPerBank)
      throw new ComparisonKeyReservationsFull(bank, this.#reservationsPerBank, held);
    if (this.#ready.size === 0 && this.#ready.waiting >= this.capacity)
      throw new ComparisonKeysBusy(this.#ready.waiting, this.capacity);
    const key = await this.fresh();
    const reservation: StoredReservation = {
      fingerprint: key.publicKey.fingerprint,
      bank,
      expiresAt: this.#now() + this.#reservationMs,
      key: new TextEncoder().encode(JSON.stringify(exportDgkPrivateKey(key))),
    };
    let stored = false;
    try {
      // counted again with the write: other processes may have reserved for the bank while the key was taken
      stored = await this.#reservations.putReservation(reservation, this.#now(), this.#reservationsPerBank);
    } finally {
      if (!stored) this.#threads?.discard(key); // no check will use it
    }
    if (!stored) throw new ComparisonKeyReservationsFull(bank, this.#reservationsPerBank, this.#reservationsPerBank);
    const forget = setTimeout(() => this.#forget(reservation.fingerprint), this.#reservationMs).unref();
    this.#reserved.set(reservation.fingerprint, { key, forget });
    return { publicKey: key.publicKey, expiresAt: reservation.expiresAt };
  }

  /**
   * Drops the reservation `fingerprint` of `bank` that the bank never received (its request was abandoned before the
   * answer, say it timed out while the key was made): it no longer counts against the bank's reservations, so a bank
   * that asks again is not turned away (429) for keys it does not know. The key is dropped, not stocked again. Does
   * nothing when no such reservation is the bank's.
   * @throws the store's error when it fails (the reservation then expires as any other)
   */
  async release(bank: string, fingerprint: string): Promise<void> {
    if (await this.#reservations.dropReservation(fingerprint, bank)) this.#forget(fingerprint.toLowerCase());
  }

  /**
   * @inheritdoc
   * The reservation is taken from the reservations' store, atomically: of two processes claiming it, one gets it. The
   * key object is this pool's when it made the key (its randomizers, its thread); else it is opened from the bytes
   * the store unsealed. `importGeneratedDgkPrivateKey` (format and p·q = n, no primality tests) is enough for them:
   * they were sealed under the bureau's own sealing key (AES-GCM, bound to the fingerprint, bank and expiry), so a
   * bureau process made this key, as generation checks it; nothing from outside the bureau opens under that seal.
   */
  async claim(bank: string, fingerprint: string): Promise<DgkPrivateKey> {
    const taken = FINGERPRINT.test(fingerprint)
      ? await this.#reservations.takeReservation(fingerprint, bank, this.#now())
      : undefined;
    if (taken === undefined) {
      throw new CheckRefusal(
        RefusalReason.InvalidMessage,
        `form: expected a comparison key reserved to bank ${bank} and unused, got ${fingerprint}, which is not ` +
          "(never reserved, reserved to another bank, used by another check, or expired)",
      );
    }
    return this.#take(fingerprint.toLowerCase()) ?? importGeneratedDgkPrivateKey(new TextDecoder().decode(taken));
  }

  /**
   * @inheritdoc
   * A form wider than the stock (a k = 10 check's) has the rest made on the thread that made the key, where its
   * contexts are: made here, they would set up exponentiation modulo p and q on this thread first (a primality test of each).
   */
  async operandRandomizers(key: DgkPrivateKey, count: number): Promise<(() => bigint) | undefined> {
    const stock = this.#randomizers.get(key);
    if (stock === undefined) return undefined;
    this.#randomizers.delete(key);
    if (this.#threads !== undefined && stock.length < count) {
      stock.push(...(await this.#threads.randomizers(key, count - stock.length)));
    }
    return () => stock.pop() ?? randomizer(key);
  }

  /** @inheritdoc */
  shares(key: DgkPrivateKey, comparisons: readonly (readonly bigint[])[]): Promise<(0 | 1)[]> {
    return this.#threads?.shares(key, comparisons) ?? Promise.resolve().then(() => bureauShares(key, comparisons));
  }

  /** @inheritdoc The check that took the key is over: its replacement is made now (see the refill delay's note). */
  discard(key: DgkPrivateKey): void {
    this.#threads?.discard(key);
    if (this.#ready.size < this.capacity && !this.#ready.closed) {
      clearTimeout(this.#refillTimer);
      this.#refillTimer = undefined;
      void this.fill().catch(() => undefined);
    }
  }

  /**
   * Stops filling and drops every key held, reserved ones included; the reservations in the store stay, for the
   * other processes and the next start (in memory, they go).
   */
  async close(): Promise<void> {
    clearTimeout(this.#refillTimer);
    for (const { forget } of this.#reserved.values()) clearTimeout(forget);
    this.#reserved.clear();
    if (this.#reservations instanceof MemoryReservations) this.#reservations.clear();
    await this.#ready.close();
    this.#made.length = 0;
  }

  /** Replaces what was taken: at once when the pool is empty, else after the refill delay (see the constant's note). */
  #refill(): void {
    if (this.#ready.closed) return;
    const fill = () => void this.fill().catch(() => undefined); // closed meanwhile: it just stops
    if (this.#ready.size === 0) {
      clearTimeout(this.#refillTimer);
      this.#refillTimer = undefined;
      fill();
      return;
    }
    this.#refillTimer ??= setTimeout(() => {
      this.#refillTimer = undefined;
      if (!this.#ready.closed) fill();
    }, this.#refillDelayMs).unref();
  }

  /** This pool's copy of the reserved key `fingerprint` (lower case), out of its keeping; undefined when it has none. */
  #take(fingerprint: string): DgkPrivateKey | undefined {
    const held = this.#reserved.get(fingerprint);
    if (held === undefined) return undefined;
    clearTimeout(held.forget);
    this.#reserved.delete(fingerprint);
    return held.key;
  }

  /**
   * Drops this pool's copy of a reserved key no check of this process will use (released, expired, or claimed by
   * another process), and its thread's.
   */
  #forget(fingerprint: string): void {
    const key = this.#take(fingerprint);
    if (key !== undefined) this.#threads?.discard(key);
  }

  /**
   * Keys for the stock, which wants `wanted` more: as many are made at once as there are key threads (one without),
   * and this returns as soon as one is made; the others go on and are handed over by a later call (the stock calls
   * again until it is full), so a check waiting for a key never waits for a second one.
   */
  async #make(wanted: number): Promise<DgkPrivateKey[]> {
    const atOnce = Math.min(wanted, Math.max(1, this.#threads?.threads ?? 1));
    while (this.#made.length === 0) {
      while (this.#making.size < atOnce) {
        const making: Promise<void> = this.#generate()
          .then((key) => void this.#made.push(key))
          .finally(() => this.#making.delete(making));
        making.catch(() => undefined); // a failure reaches the stock through the race below
        this.#making.add(making);
      }
      await Promise.race(this.#making);
    }
    return this.#made.splice(0, wanted);
  }

  /**
   * A new key with its operand randomizers (made on a key thread, or here a slice per event-loop turn), and its
   * fixed-base tables for g on this thread, where the challenge is encrypted (built by one encryption), so that a
   * check pays none of the key's set-up.
   */
  async #generate(): Promise<DgkPrivateKey> {
    const { key, randomizers } = await (this.#threads?.make(this.#keys, this.#operandRandomizers) ??
      makeComparisonKey(this.#keys, this.#operandRandomizers, () => this.#ready.closed));
    encrypt(key.publicKey, 0n);
    this.#randomizers.set(key, randomizers);
    return key;
  }
}

/** A key's fingerprint (`DgkPublicKey.fingerprint`); anything else names no reservation. */
const FINGERPRINT = /^0x[0-9a-fA-F]{64}$/;

/**
 * Reservations in the pool's memory, for a pool without a store (tests, benches): one process's, gone with it. Banks
 * and fingerprints are compared in lower case.
 */
class MemoryReservations implements ComparisonKeyReservations {
  readonly #rows = new Map<string, { bank: string; expiresAt: number; key: Uint8Array }>();

  async putReservation(reservation: StoredReservation, now: number, perBank: number): Promise<boolean> {
    if ((await this.countReservations(reservation.bank, now)) >= perBank) return false;
    const { fingerprint, bank, expiresAt, key } = reservation;
    this.#rows.set(fingerprint.toLowerCase(), { bank: bank.toLowerCase(), expiresAt, key });
    return true;
  }

  async takeReservation(fingerprint: string, bank: string, now: number): Promise<Uint8Array | undefined> {
    const row = this.#rows.get(fingerprint.toLowerCase());
    if (row === undefined || row.bank !== bank.toLowerCase() || row.expiresAt <= now) return undefined;
    this.#rows.delete(fingerprint.toLowerCase());
    return row.key;
  }

  async countReservations(bank: string, now: number): Promise<number> {
    return [...this.#rows.values()].filter((row) => row.bank === bank.toLowerCase() && row.expiresAt > now).length;
  }

  async dropReservation(fingerprint: string, bank: string): Promise<boolean> {
    if (this.#rows.get(fingerprint.toLowerCase())?.bank !== bank.toLowerCase()) return false;
    return this.#rows.delete(fingerprint.toLowerCase());
  }

  async deleteExpiredReservations(now: number): Promise<number> {
    const expired = [...this.#rows].filter(([, row]) => row.expiresAt <= now);
    for (const [fingerprint] of expired) this.#rows.delete(fingerprint);
    return expired.length;
  }

  clear(): void {
    this.#rows.clear();
  }
}

function closedError(what: string): Error {
  return new Error(`ComparisonKeyPool.${what}: expected an open pool, got a closed one`);
}
