/**
 * Leases on checks, so that several evaluators can share one store: an evaluator works on a check only while it
 * holds the check's lease, renews it while it works, and releases it when done; the lease of an evaluator that
 * crashed ends on its own, and another takes the check over.
 *
 * A lease is `(check id, owner, expiry)`. Times are the store's clock, not the caller's: the database server's
 * for PostgreSQL (so that evaluators on several machines agree), the process's for SQLite (one process). An owner
 * is a name the evaluator picks, unique among the evaluators sharing the store (e.g. `host:pid:random`), 1 to 128
 * characters of [A-Za-z0-9._:@-]. A lease lasts 1 ms to a day (`MAX_LEASE_MS`).
 *
 * Leases are kept apart from the checks' progress: a check can be claimed before the bureau has journaled
 * anything about it, and forgetting a check's progress (`deleteCheck`) leaves its lease to be released.
 * @module
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/** A check's current lease, as {@link CheckLeases.leaseOf} reports it. */
export interface CheckLease {
  /** Who holds it. */
  readonly owner: string;
  /** When it ends unless renewed, Unix milliseconds on the store's clock. */
  readonly expiresAt: number;
}

/** The claim API of a store. Every call commits on its own; none is part of a `transaction()`. */
export interface CheckLeases {
  /**
   * Claims a check for `owner` for `leaseMs`, atomically: true when `owner` now holds it (the check was free, its
   * lease had ended, or `owner` held it already: the lease is then extended), false when another owner holds a
   * lease that has not ended. Of several owners claiming one free check at once, exactly one gets true.
   * @throws {StoreError} `invalid-argument` for a malformed check id, owner or lease length
   */
  claimCheck(checkId: string, owner: string, leaseMs: number): Promise<boolean>;

  /**
   * Claims, for `owner`, the claimable check whose progress was updated longest ago: a check with progress in the
   * store (`putCheck`) and no lease in force (none, or one that has ended). Concurrent callers get different
   * checks (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   * @returns its id, or undefined when none was claimable (or the one chosen was claimed meanwhile by
   *   {@link claimCheck}: call again)
   * @throws {StoreError} `invalid-argument` for a malformed owner or lease length
   */
  claimNext(owner: string, leaseMs: number): Promise<string | undefined>;

  /**
   * Extends `owner`'s lease on a check to `leaseMs` from now. Call it before each step that posts: false means the
   * lease was lost (it ended and another owner claimed the check, or it was released), and the step must not be
   * taken.
   * @throws {StoreError} `invalid-argument` for a malformed check id, owner or lease length
   */
  renewLease(checkId: string, owner: string, leaseMs: number): Promise<boolean>;

  /**
   * Ends `owner`'s lease on a check at once, so that any evaluator may claim it; true when `owner` held one
   * (ended or not), false when it held none.
   * @throws {StoreError} `invalid-argument` for a malformed check id or owner
   */
  releaseLease(checkId: string, owner: string): Promise<boolean>;

  /**
   * The check's lease, ended or not, or undefined when it has none (never claimed, or released).
   * @throws {StoreError} `invalid-argument` for a malformed check id
   */
  leaseOf(checkId: string): Promise<CheckLease | undefined>;
}

/** Thrown when a step is due but its evaluator no longer holds the check's lease: another owner may take it. */
export class LeaseLostError extends Error {
  /** The check whose lease was lost. */
  readonly checkId: string;
  /** The owner that lost it. */
  readonly owner: string;

  constructor(checkId: string, owner: string) {
    super(`check ${checkId}: ${owner} no longer holds its lease: the step is left to the evaluator that does`);
    this.name = "LeaseLostError";
    this.checkId = checkId;
    this.owner = owner;
  }
}

/**
 * A lease owner's name unique to this process: `host:pid:random`, the host name reduced to the characters an
 * owner may have, the random part 8 hex digits from the platform's CSPRNG.
 * @example leaseOwner() // "bureau-1:4242:9f86d081"
 */
export function leaseOwner(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .slice(0, 64) || "host";
  return `${host}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** How an evaluator shares its store with others: whose leases it takes, for how long. */
export interface EvaluatorLeases {
  /** Where leases are kept: the store shared by the evaluators. */
  readonly store: CheckLeases;
  /** This evaluator's owner name, unique among those sharing the store ({@link leaseOwner}). */
  readonly owner: string;
  /**
   * How long a lease lasts unless renewed, in milliseconds; default {@link DEFAULT_LEASE_MS}. Well above the time
   * one step takes: a check whose evaluator crashed waits this long before another takes it over.
   */
  readonly leaseMs?: number;
  /** How often the leases held are renewed, in milliseconds; default a third of `leaseMs`. */
  readonly renewMs?: number;
}

/** The default lease on a check: 30 s, renewed every 10 s. */
export const DEFAULT_LEASE_MS = 30_000;

/** What {@link HeldLeases} tells the evaluator it keeps the leases of. */
export interface LeaseEvents {
  /** A lease it held was found lost: another evaluator holds the check now, and the step was not taken. */
  lost(checkId: string): void;
  /** A renewal in the background, or a release, failed: the lease ends on its own. */
  failed(message: string): void;
}

/**
 * The leases one evaluator holds: it claims a check before working on it, renews the leases it holds in the
 * background (every `renewMs`, once {@link start}ed) and right before each step and posting ({@link hold}), and
 * releases a check's lease once done with it. It remembers which checks it saw held by another evaluator, so that
 * claiming one of them later is told as a takeover.
 */
export class HeldLeases {
  readonly owner: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly #store: CheckLeases;
  readonly #events: LeaseEvents;
  /** Checks whose lease this evaluator holds. */
  readonly #held = new Set<string>();
  /** Checks seen held by another evaluator: claiming one of them later is a takeover, unless it was done. */
  readonly #heldByOthers = new Set<string>();
  #renewTimer: NodeJS.Timeout | undefined;

  /** @throws RangeError when `leaseMs` is not a whole number ≥ 1, or `renewMs` not one below it */
  constructor(options: EvaluatorLeases, events: LeaseEvents) {
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) {
      throw new RangeError(`evaluator leaseMs: expected a whole number of milliseconds ≥ 1, got ${String(leaseMs)}`);
    }
    const renewMs = options.renewMs ?? Math.max(1, Math.floor(leaseMs / 3));
    if (!Number.isSafeInteger(renewMs) || renewMs < 1 || renewMs >= leaseMs) {
      throw new RangeError(
        `evaluator renewMs: expected 1 to ${leaseMs - 1} ms (below leaseMs), got ${String(renewMs)}`,
      );
    }
    this.#store = options.store;
    this.owner = options.owner;
    this.leaseMs = leaseMs;
    this.renewMs = renewMs;
    this.#events = events;
  }

  /** Renews the leases held every `renewMs` until {@link stop}. */
  start(): void {
    this.#renewTimer ??= setInterval(() => void this.#renewAll(), this.renewMs);
  }

  /** Stops renewing, and releases every lease held (others may take the checks at once). */
  async stop(): Promise<void> {
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    for (const checkId of [...this.#held]) await this.release(checkId);
  }

  /**
   * Claims (or extends) the lease on a check: `held` false when another evaluator holds it. Claiming a check another
   * held before is a `takeover`, to be told once the check turns out to have work left.
   */
  async claim(checkId: string): Promise<{ held: boolean; takeover: boolean }> {
    if (await this.#store.claimCheck(checkId, this.owner, this.leaseMs)) {
      this.#held.add(checkId);
      return { held: true, takeover: this.#heldByOthers.delete(checkId) };
    }
    if (this.#held.has(checkId)) this.lost(checkId);
    this.#heldByOthers.add(checkId);
    return { held: false, takeover: false };
  }

  /** Claims the check with journaled progress whose lease ended longest ago (its evaluator crashed), if any. */
  async claimAbandoned(): Promise<string | undefined> {
    const checkId = await this.#store.claimNext(this.owner, this.leaseMs);
    if (checkId === undefined) return undefined;
    this.#held.add(checkId);
    this.#heldByOthers.delete(checkId);
    return checkId;
  }

  /**
   * Renews the lease on a check right before a step or a posting.
   * @throws {LeaseLostError} when it was lost (the step must not be taken)
   */
  async hold(checkId: string): Promise<void> {
    if (await this.#store.renewLease(checkId, this.owner, this.leaseMs)) return;
    this.#held.delete(checkId);
    throw new LeaseLostError(checkId, this.owner);
  }

  /** Notes a lease found lost (by a renewal, or by the store refusing to journal under it): another holds it. */
  lost(checkId: string): void {
    this.#held.delete(checkId);
    this.#heldByOthers.add(checkId);
    this.#events.lost(checkId);
  }

  /** The evaluator is done with a check: its lease is released, if held, and the check forgotten here. */
  async release(checkId: string): Promise<void> {
    this.#heldByOthers.delete(checkId);
    if (!this.#held.delete(checkId)) return;
    try {
      await this.#store.releaseLease(checkId, this.owner);
    } catch (err) {
      this.#events.failed(`check ${checkId}: releasing its lease failed: ${(err as Error).message}`);
    }
  }

  /** Renews every lease held; a lost one is dropped. */
  async #renewAll(): Promise<void> {
    for (const checkId of [...this.#held]) {
      try {
        if (!(await this.#store.renewLease(checkId, this.owner, this.leaseMs)) && this.#held.has(checkId))
          this.lost(checkId);
      } catch (err) {
        this.#events.failed(`check ${checkId}: renewing its lease failed: ${(err as Error).message}`);
      }
    }
  }
}
