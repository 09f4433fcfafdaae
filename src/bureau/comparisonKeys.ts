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
 *   check otherwise. Reservations live in this process: a restart drops the unused ones (they encrypted nothing).
 * - **Forward secrecy.** A key leaves the pool for exactly one check. The check's private key is then kept only in
 *   the check's journal entry (sealed at rest) while the check is open, and the bureau erases it when the check is
 *   answered, refused or over (see `BureauClient`), and has the key's thread drop its copy ({@link
 *   ComparisonKeyPool.discard}): a later leak of the bureau's keys opens no past challenge.
 * @module
 */
import { encrypt, randomizer, type DgkPrivateKey, type DgkPublicKey, type DgkKeyGenerationOptions } from "../dgk";
import { bureauShares } from "../protocol/comparison";
import { makeComparisonKey, type ComparisonKeyThreads } from "./comparisonKeyThreads";
import { CheckRefusal, RefusalReason } from "../protocol/refusal";
import { Stock } from "../stock";

/** Where a check's comparison key comes from (the bureau's {@link ComparisonKeyPool}, or a test's stand-in). */
export interface ComparisonKeySource {
  /**
   * A key no check has used, for a check whose form names none.
   * @throws Error when the source is closed
   */
  fresh(): Promise<DgkPrivateKey>;
  /**
   * The key `bank` reserved under `fingerprint`, taken for one check: it is no longer reserved afterwards.
   * @throws CheckRefusal `InvalidMessage` when no unused, unexpired key with that fingerprint is reserved to `bank`
   */
  claim(bank: string, fingerprint: string): DgkPrivateKey;
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
  release?(bank: string, fingerprint: string): void;
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
  /** Reserved keys by fingerprint, with their bank (checksummed or not: compared in lower case). */
  readonly #reserved = new Map<string, { bank: string; key: DgkPrivateKey; expiresAt: number }>();
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

  /** Unused, unexpired reservations. */
  get reservations(): number {
    this.#dropExpired();
    return this.#reserved.size;
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
   * Reserves a fresh key to `bank` for one check of its own, until it expires.
   * @throws Error when the bank holds {@link DEFAULT_RESERVATIONS_PER_BANK} (or the configured number of) unused
   *   reservations already, or the pool is closed; {@link ComparisonKeysBusy} when no key is ready and as many
   *   callers as the pool holds keys wait already (a reservation is an optimisation: the bank may retry later, or
   *   open its check without one)
   */
  async reserve(bank: string): Promise<ComparisonKeyReservation> {
    this.#dropExpired();
    const holder = bank.toLowerCase();
    const held = [...this.#reserved.values()].filter((r) => r.bank === holder).length;
    if (held >= this.#reservationsPerBank)
      throw new Error(
        `bank ${bank}: expected at most ${this.#reservationsPerBank} unused comparison key reservations, got ` +
          `${held} already: use them in a check, or let them expire`,
      );
    if (this.#ready.size === 0 && this.#ready.waiting >= this.capacity)
      throw new ComparisonKeysBusy(this.#ready.waiting, this.capacity);
    const key = await this.fresh();
    const expiresAt = this.#now() + this.#reservationMs;
    this.#reserved.set(key.publicKey.fingerprint, { bank: holder, key, expiresAt });
    return { publicKey: key.publicKey, expiresAt };
  }

  /**
   * Drops the reservation `fingerprint` of `bank` that the bank never received (its request was abandoned before the
   * answer, say it timed out while the key was made): it no longer counts against the bank's reservations, so a bank
   * that asks again is not turned away (429) for keys it does not know. The key is dropped, not stocked again. Does
   * nothing when no such reservation is the bank's.
   */
  release(bank: string, fingerprint: string): void {
    const reservation = this.#reserved.get(fingerprint.toLowerCase());
    if (reservation?.bank === bank.toLowerCase()) this.#reserved.delete(fingerprint.toLowerCase());
  }

  /** @inheritdoc */
  claim(bank: string, fingerprint: string): DgkPrivateKey {
    this.#dropExpired();
    const reservation = this.#reserved.get(fingerprint.toLowerCase());
    if (reservation === undefined || reservation.bank !== bank.toLowerCase()) {
      throw new CheckRefusal(
        RefusalReason.InvalidMessage,
        `form: expected a comparison key reserved to bank ${bank} and unused, got ${fingerprint}, which is not ` +
          "(never reserved, reserved to another bank, used by another check, or expired)",
      );
    }
    this.#reserved.delete(fingerprint.toLowerCase());
    return reservation.key;
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

  /** Stops filling and drops every key held, reserved ones included. */
  async close(): Promise<void> {
    clearTimeout(this.#refillTimer);
    this.#reserved.clear();
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

  #dropExpired(): void {
    const now = this.#now();
    for (const [fingerprint, { expiresAt }] of this.#reserved) if (expiresAt <= now) this.#reserved.delete(fingerprint);
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

function closedError(what: string): Error {
  return new Error(`ComparisonKeyPool.${what}: expected an open pool, got a closed one`);
}
