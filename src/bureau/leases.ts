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
