/**
 * The bureau's evaluator: watches the chain for checks addressed to this bureau, verifies before every step that the
 * grant each one consumed is still the subject's, takes the bureau's steps through {@link BureauClient}, and records
 * a refusal on-chain with its reason. The chain says where each check stands and the journal holds the bureau's
 * secrets; the evaluator keeps only its log cursor, so that a restarted evaluator rescans from where the last one
 * stood instead of block 0, and carries on.
 *
 * Reorganisations: `CheckRequested` logs are read only once they are `confirmations` blocks deep. On a chain with
 * immediate finality (QBFT, IBFT 2.0, Clique with one signer, Hardhat) 0 is right; on one with probabilistic
 * finality choose a depth past which a reorganisation is not expected (e.g. 12). A check re-mined with the same id
 * and another form does not meet the old one's journal entry (`StoreJournal` keys it by form hash too).
 *
 * Several evaluators on one store ({@link EvaluatorLeases}): each works on a check only while it holds the check's
 * lease (`./leases`, whose {@link HeldLeases} keeps them). It claims each check it sees requested (one another
 * evaluator holds is left alone, and claimed again on later rounds), claims on each round the checks with journaled
 * progress whose lease ended (their evaluator crashed), renews the leases it holds in the background and right before
 * each step and each posting, journals only under a held lease (the store checks it in the journal's transaction),
 * and releases a check's lease once it is done with it. A step is never posted twice: an evaluator posts only right after renewing its lease,
 * and one that takes a check over resumes from the journal and the chain (a journaled message whose commitment
 * never reached the chain is posted, not computed again); the contract refuses a second post of a step besides.
 * @module
 */
import { isRefusable } from "../checkLifecycle";
import { CheckState, RefusalReason } from "../contractEnums";
import { stateOf } from "../protocol/chain";
import { CheckRefusal } from "../protocol/refusal";
import type { Suite } from "../suite";
import { HeldLeases, LeaseLostError, type EvaluatorLeases } from "./leases";
import type { Logger } from "pino";
import { EvaluatorMetrics } from "./metrics";
import type { BureauClient } from "./steps";

/**
 * Where the evaluator keeps its log cursor across restarts (the bureau's store implements it): the block to
 * resume reading from.
 */
export interface LogCursorStore {
  logCursor(): Promise<number | undefined>;
  setLogCursor(block: number): Promise<void>;
}

/** How many checks left by other evaluators one round takes over at the most. */
const TAKEOVERS_PER_ROUND = 8;

/** Options of an {@link Evaluator}. */
export interface EvaluatorOptions {
  /** How often to look for work, in milliseconds; default 1000. */
  readonly pollIntervalMs?: number;
  /**
   * How many checks a round works on at once, default {@link DEFAULT_CONCURRENCY}: while one check's step waits for
   * its transaction, or for a worker thread, another's computes.
   */
  readonly concurrency?: number;
  /**
   * How many blocks deep a `CheckRequested` log must be before the evaluator acts on it: logs are read up to
   * `latest − confirmations`. Default 0, right on a chain with immediate finality (QBFT); e.g. 12 on a chain with
   * probabilistic finality.
   */
  readonly confirmations?: number;
  /**
   * Where the log cursor is kept across restarts. On its first round the evaluator resumes from the saved cursor
   * minus `confirmations` (to be safe), and after each round it saves the next block to read, held back to the block
   * of the oldest check it still works on, so that a restart finds every such check again in the logs.
   */
  readonly cursor?: LogCursorStore;
  /** The first block to read logs from when no cursor was saved; default 0 (every step is idempotent). */
  readonly fromBlock?: number;
  /** Leases on checks, when several evaluators share the store; default none (this evaluator works alone). */
  readonly leases?: EvaluatorLeases;
  /** Where structured logs go (pino), each line with the check id and the step; default none. */
  readonly logger?: Logger;
  /** How a failing check is retried; default {@link DEFAULT_RETRY}. */
  readonly retry?: RetryPolicy;
  /** The clock retries are timed by, Unix ms; default `Date.now` (tests move their own). */
  readonly clock?: () => number;
}

/**
 * How a check whose step failed is retried: after `baseMs`, then twice as long after each failure in a row, never
 * longer than `maxMs`; a success starts over. A check is never given up while the chain waits for the bureau: it
 * ends on-chain at its deadline if the failure outlasts it.
 */
export interface RetryPolicy {
  /** The wait after a first failure, in ms. */
  readonly baseMs?: number;
  /** The longest wait, in ms (at least `baseMs`). */
  readonly maxMs?: number;
}

/**
 * By default: 1 s after a first failure (a transaction that lost a race, a node that blinked), doubling to at most
 * 30 s, the default lease: a store or a chain node back after an outage is used again within half a minute, and a
 * check that keeps failing costs one attempt per 30 s, not one per poll.
 */
export const DEFAULT_RETRY: Required<RetryPolicy> = { baseMs: 1000, maxMs: 30_000 };

/** How many checks a round works on at once by default. */
export const DEFAULT_CONCURRENCY = 4;

/** Logs are read in windows of this many blocks, within what public RPC nodes accept. */
const LOG_WINDOW = 5000;

/** A check the evaluator may still have to work on. */
interface ActiveCheck {
  /** Failed attempts in a row. */
  readonly attempts: number;
  /** The block that requested it. */
  readonly block: number;
  /** When the next attempt is due, clock ms (0: now). */
  readonly notBefore: number;
  /** A refusal whose transaction failed, to record again. */
  readonly refusal?: CheckRefusal;
}

export class Evaluator {
  /** What it has done since it started, counted once: `BureauMetrics.observeEvaluator` serves it to Prometheus. */
  readonly metrics = new EvaluatorMetrics();
  /**
   * Checks that may still need this bureau, by id: the block that requested them, the failed attempts in a row, when
   * the next attempt is due (clock ms), and the refusal to record when its transaction failed.
   */
  readonly #active = new Map<string, ActiveCheck>();
  readonly #retry: Required<RetryPolicy>;
  readonly #clock: () => number;
  readonly #pollIntervalMs: number;
  readonly #concurrency: number;
  readonly #confirmations: number;
  readonly #cursor: LogCursorStore | undefined;
  readonly #logger: Logger | undefined;
  #nextBlock: number;
  /** Whether the saved cursor was read (on the first round). */
  #resumed = false;
  /** The cursor last saved, to save only changes. */
  #savedCursor: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The leases it holds, when it shares its store with other evaluators. */
  readonly #leases: HeldLeases | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(
    readonly suite: Suite,
    readonly client: BureauClient,
    readonly bureau: string,
    options: EvaluatorOptions = {},
  ) {
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isSafeInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError(`evaluator concurrency: expected a whole number ≥ 1, got ${String(options.concurrency)}`);
    }
    this.#confirmations = options.confirmations ?? 0;
    if (!Number.isSafeInteger(this.#confirmations) || this.#confirmations < 0) {
      throw new RangeError(
        `evaluator confirmations: expected a whole number ≥ 0, got ${String(options.confirmations)}`,
      );
    }
    const fromBlock = options.fromBlock ?? 0;
    if (!Number.isSafeInteger(fromBlock) || fromBlock < 0) {
      throw new RangeError(`evaluator fromBlock: expected a block number, got ${String(options.fromBlock)}`);
    }
    this.#nextBlock = fromBlock;
    const baseMs = options.retry?.baseMs ?? DEFAULT_RETRY.baseMs;
    const maxMs = options.retry?.maxMs ?? Math.max(baseMs, DEFAULT_RETRY.maxMs);
    if (!Number.isSafeInteger(baseMs) || baseMs < 1 || !Number.isSafeInteger(maxMs) || maxMs < baseMs) {
      throw new RangeError(
        `evaluator retry: expected whole numbers of ms with 1 ≤ baseMs ≤ maxMs, got baseMs ${String(baseMs)} and ` +
          `maxMs ${String(maxMs)}`,
      );
    }
    this.#retry = { baseMs, maxMs };
    this.#clock = options.clock ?? Date.now;
    this.#cursor = options.cursor;
    this.#logger = options.logger;
    if (options.leases !== undefined) {
      this.#leases = new HeldLeases(options.leases, {
        lost: (checkId) => {
          this.metrics.leasesLost++;
          this.#logger?.warn(
            { checkId, party: "bureau" },
            `check ${short(checkId)}: lease lost; left to the evaluator that holds it`,
          );
        },
        failed: (message) => (this.metrics.lastError = message),
      });
    }
  }

  /** The lease owner this evaluator works as, or undefined when it takes no leases. */
  get leaseOwner(): string | undefined {
    return this.#leases?.owner;
  }

  /** Checks this bureau may still have to work on. */
  get activeChecks(): number {
    return this.#active.size;
  }

  /** How long until a failed check is tried again, in ms; undefined when its last attempt did not fail. */
  retryInMs(checkId: string): number | undefined {
    const active = this.#active.get(checkId.toLowerCase());
    if (active === undefined || active.attempts === 0) return undefined;
    return Math.max(0, active.notBefore - this.#clock());
  }

  /** Starts polling; each round waits for the previous one. */
  start(): void {
    const loop = async () => {
      if (this.#stopped) return;
      this.#running = this.tick().catch((err: Error) => {
        this.metrics.lastError = err.message;
        this.#logger?.error({ err: err.message }, "evaluator round failed");
      });
      await this.#running;
      if (!this.#stopped) this.#timer = setTimeout(loop, this.#pollIntervalMs);
    };
    void loop();
    this.#leases?.start();
  }

  /** Stops polling, waits for the round in progress, and releases the leases held (others may take them at once). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    await this.#leases?.stop();
  }

  /** The next block whose logs the evaluator will read. */
  get nextBlock(): number {
    return this.#nextBlock;
  }

  /**
   * One round: read new logs, take every step that is due (on up to `concurrency` checks at once), save the cursor
   * (also callable by hand when stopped).
   */
  async tick(): Promise<void> {
    await this.#resume();
    await this.#scan();
    await this.#takeOver();
    const now = this.#clock();
    const due = [...this.#active].filter(([, active]) => active.notBefore <= now).map(([checkId]) => checkId);
    const next = async (): Promise<void> => {
      for (let checkId = due.shift(); checkId !== undefined; checkId = due.shift()) await this.#advance(checkId);
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, due.length) }, next));
    await this.#saveCursor();
  }

  /** On the first round, resumes from the saved cursor, `confirmations` blocks back. */
  async #resume(): Promise<void> {
    if (this.#resumed || this.#cursor === undefined) return;
    const saved = await this.#cursor.logCursor();
    this.#resumed = true;
    this.#savedCursor = saved;
    if (saved !== undefined) this.#nextBlock = Math.max(0, saved - this.#confirmations);
  }

  /** Saves where a restart should resume: the next block to read, or the block of the oldest check still active. */
  async #saveCursor(): Promise<void> {
    if (this.#cursor === undefined) return;
    let cursor = this.#nextBlock;
    for (const { block } of this.#active.values()) cursor = Math.min(cursor, block);
    if (cursor === this.#savedCursor) return;
    await this.#cursor.setLogCursor(cursor);
    this.#savedCursor = cursor;
  }

  async #scan(): Promise<void> {
    const matching = this.suite.matching;
    const latest = (await matching.runner!.provider!.getBlockNumber()) - this.#confirmations;
    while (this.#nextBlock <= latest) {
      const to = Math.min(latest, this.#nextBlock + LOG_WINDOW - 1);
      const logs = await matching.queryFilter(matching.filters.CheckRequested(), this.#nextBlock, to);
      for (const log of logs) {
        if (log.args.bureau.toLowerCase() !== this.bureau.toLowerCase()) continue;
        const checkId = log.args.checkId.toLowerCase();
        if (!this.#active.has(checkId)) {
          this.#active.set(checkId, { attempts: 0, block: log.blockNumber, notBefore: 0 });
          this.metrics.checksSeen++;
        }
      }
      this.metrics.lastBlock = to;
      this.#nextBlock = to + 1;
    }
  }

  /**
   * Claims the checks with journaled progress whose lease ended (their evaluator crashed), up to
   * {@link TAKEOVERS_PER_ROUND} a round: this round resumes them from the journal and the chain.
   */
  async #takeOver(): Promise<void> {
    if (this.#leases === undefined) return;
    for (let i = 0; i < TAKEOVERS_PER_ROUND; i++) {
      const checkId = await this.#leases.claimAbandoned();
      if (checkId === undefined) return;
      if (!this.#active.has(checkId)) this.#active.set(checkId, { attempts: 0, block: this.#nextBlock, notBefore: 0 });
      this.metrics.takeovers++;
      this.#logger?.info({ checkId, party: "bureau" }, `check ${short(checkId)}: taken over (its lease had ended)`);
    }
  }

  /** Renews the lease on a check right before a step or a posting; throws {@link LeaseLostError} when lost. */
  async #hold(checkId: string): Promise<void> {
    await this.#leases?.hold(checkId);
  }

  /** The bureau is done with a check: it is dropped, and its lease released. */
  async #done(checkId: string): Promise<void> {
    this.#active.delete(checkId);
    await this.#leases?.release(checkId);
  }

  /** Takes the step a check needs, if any; drops it once the bureau has nothing more to do. */
  async #advance(checkId: string): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      let takeover = false;
      if (this.#leases !== undefined) {
        const claim = await this.#leases.claim(checkId);
        if (!claim.held) return; // another evaluator works on it
        takeover = claim.takeover;
      }
      const pending = this.#active.get(checkId)?.refusal;
      if (pending !== undefined) return await this.#refuse(checkId, pending);
      const { before, after, finished, conditions } = await this.client.advance(checkId, {
        beforeStep: async () => {
          await this.#hold(checkId);
          await this.#refuseWithdrawnGrant(checkId);
        },
        beforePost: () => this.#hold(checkId),
      });
      if (takeover && !(finished && after === before)) {
        this.metrics.takeovers++;
        this.#logger?.info(
          { checkId, party: "bureau", step: CheckState[before] },
          `check ${short(checkId)}: taken over in state ${CheckState[before]} (its lease had ended)`,
        );
      }
      if (after !== before) {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const step = CheckState[after];
        this.metrics.stepTaken(step, conditions, seconds);
        this.#logger?.info(
          { checkId, party: "bureau", step, from: CheckState[before], seconds: Number(seconds.toFixed(3)) },
          `check ${short(checkId)}: ${CheckState[before]} → ${step} in ${seconds.toFixed(2)} s`,
        );
      }
      const active = this.#active.get(checkId);
      if (finished) {
        if (after === before && (active?.attempts ?? 0) > 0) this.metrics.abandoned++;
        await this.#done(checkId);
      } else if (active !== undefined) {
        this.#active.set(checkId, { ...active, attempts: 0, notBefore: 0 }); // a success starts the backoff over
      }
    } catch (err) {
      if (err instanceof LeaseLostError) return this.#leases?.lost(checkId);
      // What the bank sent (or the data the bureau holds) will not change: no retry.
      if (err instanceof CheckRefusal) return this.#refuse(checkId, err);
      this.#failed(checkId, err as Error);
    }
  }

  /** Counts a failed attempt and sets when the check is tried again (see {@link RetryPolicy}). */
  #failed(checkId: string, err: Error, refusal?: CheckRefusal): void {
    const active = this.#active.get(checkId);
    const attempts = (active?.attempts ?? 0) + 1;
    const waitMs = Math.min(this.#retry.maxMs, this.#retry.baseMs * 2 ** Math.min(attempts - 1, 52));
    this.metrics.failures++;
    this.metrics.lastError = `check ${checkId}: ${err.message}`;
    this.#active.set(checkId, {
      attempts,
      block: active?.block ?? this.#nextBlock,
      notBefore: this.#clock() + waitMs,
      refusal,
    });
    const what =
      refusal === undefined ? `attempt ${attempts} failed` : `recording its refusal failed (attempt ${attempts})`;
    this.#logger?.warn(
      { checkId, party: "bureau", attempts, retryInMs: waitMs, err: err.message },
      `check ${short(checkId)}: ${what}: ${err.message}; retried in ${(waitMs / 1000).toFixed(1)} s`,
    );
  }

  /**
   * Refuses (throws a {@link CheckRefusal}) when the subject revoked or changed the grant the check consumed since it
   * opened: the contract then refuses the bureau's steps, and the bureau refuses the check. A grant that merely
   * expired since does not stop it: the use was consumed while the grant was live.
   */
  async #refuseWithdrawnGrant(checkId: string): Promise<void> {
    const { permissions, matching } = this.suite;
    const record = await matching.checkOf(checkId);
    if ((await permissions.grantId(record.subject, record.bank)) !== record.grantId) {
      throw new CheckRefusal(RefusalReason.GrantRevoked, "the subject revoked or changed the grant the check consumed");
    }
  }

  /**
   * Records the refusal on-chain, with its reason; the check ends there. A refusal whose transaction fails is kept
   * and retried with the backoff of {@link RetryPolicy} while the check can still be refused.
   */
  async #refuse(checkId: string, refusal: CheckRefusal): Promise<void> {
    try {
      await this.#hold(checkId);
    } catch (err) {
      if (err instanceof LeaseLostError) return this.#leases?.lost(checkId);
      throw err;
    }
    if (this.#active.get(checkId)?.refusal === undefined) {
      this.metrics.refusedFor(RefusalReason[refusal.reason]);
      this.#logger?.warn(
        { checkId, party: "bureau", step: "Refused", reason: RefusalReason[refusal.reason] },
        `check ${short(checkId)}: refused (${RefusalReason[refusal.reason]}): ${refusal.message}`,
      );
    }
    try {
      await this.client.refuse(checkId, refusal.reason);
    } catch (err) {
      let refusable = true;
      try {
        refusable = isRefusable(await stateOf(this.suite.matching, checkId));
      } catch {
        // the chain cannot be read either: retried
      }
      // Expired meanwhile, or the bank's turn came: the check ends without the bureau's answer either way.
      if (refusable) return this.#failed(checkId, err as Error, refusal);
      this.metrics.lastError = `check ${checkId}: recording the refusal failed: ${(err as Error).message}`;
    }
    await this.#done(checkId);
  }
}

function short(checkId: string): string {
  return `${checkId.slice(0, 10)}…`;
}
