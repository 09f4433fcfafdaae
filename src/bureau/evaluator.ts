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
 * lease (`./leases`). It claims each check it sees requested (one another evaluator holds is left alone, and claimed
 * again on later rounds), claims on each round the checks with journaled progress whose lease ended (their
 * evaluator crashed), renews the leases it holds in the background and right before each step and each posting,
 * journals only under a held lease (the store checks it in the journal's transaction), and releases a check's lease
 * once it is done with it. A step is never posted twice: an evaluator posts only right after renewing its lease,
 * and one that takes a check over resumes from the journal and the chain (a journaled message whose commitment
 * never reached the chain is posted, not computed again); the contract refuses a second post of a step besides.
 * @module
 */
import { CheckState, RefusalReason } from "../contractEnums";
import { CheckRefusal } from "../protocol/refusal";
import type { Suite } from "../suite";
import { LeaseLostError, type CheckLeases } from "./leases";
import type { Logger } from "pino";
import type { BureauMetrics } from "./metrics";
import type { BureauClient } from "./steps";

/** What the evaluator has done since it started (the metrics endpoint shows it). */
export interface EvaluatorMetrics {
  /** Checks addressed to this bureau seen in the logs. */
  checksSeen: number;
  /** Steps taken (messages committed on-chain). */
  steps: number;
  /**
   * Checks refused on-chain: their grant was revoked or changed after they opened, the bureau refused what the bank
   * sent (a proof that fails, a value that is not what the protocol computes), or it has no sound data for them.
   */
  refused: number;
  /** Steps that threw (each check is retried up to {@link MAX_ATTEMPTS} times). */
  failures: number;
  /** Checks given up after too many failures. */
  abandoned: number;
  /** Checks taken over from an evaluator whose lease on them ended (it crashed or stalled). */
  takeovers: number;
  /** Leases found lost when renewed (another evaluator took the check over): the step was not taken. */
  leasesLost: number;
  /** Seconds spent computing and posting steps. */
  stepSeconds: number;
  /** The last block whose logs were read (at most `latest − confirmations`). */
  lastBlock: number;
  /** The last failure, for the operator. */
  lastError?: string;
}

/**
 * Where the evaluator keeps its log cursor across restarts (the bureau's store implements it): the block to
 * resume reading from.
 */
export interface LogCursorStore {
  logCursor(): Promise<number | undefined>;
  setLogCursor(block: number): Promise<void>;
}

/** How an evaluator shares its store with others: whose leases it takes, for how long (see `./leases`). */
export interface EvaluatorLeases {
  /** Where leases are kept: the store shared by the evaluators. */
  readonly store: CheckLeases;
  /** This evaluator's owner name, unique among those sharing the store (`leaseOwner()` in `./leases`). */
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
  /** Where progress lines go; default nowhere. */
  /** Leases on checks, when several evaluators share the store; default none (this evaluator works alone). */
  readonly leases?: EvaluatorLeases;
  /** Where structured logs go (pino), each line with the check id and the step; default none. */
  readonly logger?: Logger;
  /** Where step durations and refusals are counted; default nowhere. */
  readonly metrics?: BureauMetrics;
}

/** How many checks a round works on at once by default. */
export const DEFAULT_CONCURRENCY = 4;

/** How many times a failing check is tried before it is left to expire on-chain. */
export const MAX_ATTEMPTS = 3;

/** Logs are read in windows of this many blocks, within what public RPC nodes accept. */
const LOG_WINDOW = 5000;

export class Evaluator {
  readonly metrics: EvaluatorMetrics = {
    checksSeen: 0,
    steps: 0,
    refused: 0,
    failures: 0,
    abandoned: 0,
    takeovers: 0,
    leasesLost: 0,
    stepSeconds: 0,
    lastBlock: -1,
  };
  /** Checks that may still need this bureau, by id, with their failed attempts and the block that requested them. */
  readonly #active = new Map<string, { attempts: number; block: number }>();
  readonly #pollIntervalMs: number;
  readonly #concurrency: number;
  readonly #confirmations: number;
  readonly #cursor: LogCursorStore | undefined;
  readonly #logger: Logger | undefined;
  readonly #metrics: BureauMetrics | undefined;
  /** The number of conditions of recent checks' forms, by check id (bounded). */
  readonly #k = new Map<string, string>();
  #nextBlock: number;
  /** Whether the saved cursor was read (on the first round). */
  #resumed = false;
  /** The cursor last saved, to save only changes. */
  #savedCursor: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #leases: Required<EvaluatorLeases> | undefined;
  /** Checks whose lease this evaluator holds. */
  readonly #held = new Set<string>();
  /** Checks seen held by another evaluator: claiming one of them later is a takeover, unless it was done. */
  readonly #heldByOthers = new Set<string>();
  /** Checks given up: not taken over again from the store. */
  readonly #abandoned = new Set<string>();
  #renewTimer: NodeJS.Timeout | undefined;
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
    this.#cursor = options.cursor;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    if (options.leases !== undefined) {
      const leaseMs = options.leases.leaseMs ?? DEFAULT_LEASE_MS;
      if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) {
        throw new RangeError(`evaluator leaseMs: expected a whole number of milliseconds ≥ 1, got ${String(leaseMs)}`);
      }
      const renewMs = options.leases.renewMs ?? Math.max(1, Math.floor(leaseMs / 3));
      if (!Number.isSafeInteger(renewMs) || renewMs < 1 || renewMs >= leaseMs) {
        throw new RangeError(
          `evaluator renewMs: expected 1 to ${leaseMs - 1} ms (below leaseMs), got ${String(renewMs)}`,
        );
      }
      this.#leases = { ...options.leases, leaseMs, renewMs };
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
    if (this.#leases !== undefined && this.#renewTimer === undefined) {
      this.#renewTimer = setInterval(() => void this.#renewAll(), this.#leases.renewMs);
    }
  }

  /** Stops polling, waits for the round in progress, and releases the leases held (others may take them at once). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    await this.#running;
    for (const checkId of [...this.#held]) await this.#release(checkId);
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
    const due = [...this.#active.keys()];
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
          this.#active.set(checkId, { attempts: 0, block: log.blockNumber });
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
    const { store, owner, leaseMs } = this.#leases;
    for (let i = 0; i < TAKEOVERS_PER_ROUND; i++) {
      const checkId = await store.claimNext(owner, leaseMs);
      if (checkId === undefined) return;
      // Given up here: left leased (unrenewed) so that this round's next claims find other checks.
      if (this.#abandoned.has(checkId)) continue;
      this.#held.add(checkId);
      this.#heldByOthers.delete(checkId);
      if (!this.#active.has(checkId)) this.#active.set(checkId, { attempts: 0, block: this.#nextBlock });
      this.metrics.takeovers++;
      this.#metrics?.leaseTakeovers.inc();
      this.#logger?.info({ checkId, party: "bureau" }, `check ${short(checkId)}: taken over (its lease had ended)`);
    }
  }

  /**
   * Claims (or extends) this evaluator's lease on a check: false when another evaluator holds it. Claiming a check
   * another held before is a takeover, told by `takeover` once the check turns out to have work left.
   */
  async #claim(checkId: string): Promise<{ held: boolean; takeover: boolean }> {
    const { store, owner, leaseMs } = this.#leases!;
    if (await store.claimCheck(checkId, owner, leaseMs)) {
      this.#held.add(checkId);
      return { held: true, takeover: this.#heldByOthers.delete(checkId) };
    }
    if (this.#held.delete(checkId)) this.#lost(checkId);
    this.#heldByOthers.add(checkId);
    return { held: false, takeover: false };
  }

  /** Renews the lease on a check right before a step or a posting; throws {@link LeaseLostError} when lost. */
  async #hold(checkId: string): Promise<void> {
    if (this.#leases === undefined) return;
    const { store, owner, leaseMs } = this.#leases;
    if (await store.renewLease(checkId, owner, leaseMs)) return;
    this.#held.delete(checkId);
    throw new LeaseLostError(checkId, owner);
  }

  /** Renews every lease held (in the background, every `renewMs`); a lost one is dropped. */
  async #renewAll(): Promise<void> {
    const { store, owner, leaseMs } = this.#leases!;
    for (const checkId of [...this.#held]) {
      try {
        if (!(await store.renewLease(checkId, owner, leaseMs)) && this.#held.delete(checkId)) this.#lost(checkId);
      } catch (err) {
        this.metrics.lastError = `check ${checkId}: renewing its lease failed: ${(err as Error).message}`;
      }
    }
  }

  #lost(checkId: string): void {
    this.metrics.leasesLost++;
    this.#heldByOthers.add(checkId);
    this.#logger?.warn(
      { checkId, party: "bureau" },
      `check ${short(checkId)}: lease lost; left to the evaluator that holds it`,
    );
  }

  /** Ends this evaluator's lease on a check, if it holds one. */
  async #release(checkId: string): Promise<void> {
    if (this.#leases === undefined) return;
    this.#held.delete(checkId);
    try {
      await this.#leases.store.releaseLease(checkId, this.#leases.owner);
    } catch (err) {
      // It ends on its own.
      this.metrics.lastError = `check ${checkId}: releasing its lease failed: ${(err as Error).message}`;
    }
  }

  /** The bureau is done with a check: it is dropped, and its lease released. */
  async #done(checkId: string): Promise<void> {
    this.#active.delete(checkId);
    this.#heldByOthers.delete(checkId);
    await this.#release(checkId);
  }

  /** Takes the step a check needs, if any; drops it once the bureau has nothing more to do. */
  async #advance(checkId: string): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      let takeover = false;
      if (this.#leases !== undefined) {
        const claim = await this.#claim(checkId);
        if (!claim.held) return; // another evaluator works on it
        takeover = claim.takeover;
      }
      const { before, after, finished } = await this.client.advance(checkId, {
        beforeStep: async () => {
          await this.#hold(checkId);
          await this.#refuseWithdrawnGrant(checkId);
        },
        beforePost: () => this.#hold(checkId),
      });
      if (takeover && !(finished && after === before)) {
        this.metrics.takeovers++;
        this.#metrics?.leaseTakeovers.inc();
        this.#logger?.info(
          { checkId, party: "bureau", step: CheckState[before] },
          `check ${short(checkId)}: taken over in state ${CheckState[before]} (its lease had ended)`,
        );
      }
      if (after !== before) {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.metrics.steps++;
        this.metrics.stepSeconds += seconds;
        const step = CheckState[after];
        this.#metrics?.stepSeconds.observe({ step, k: await this.#conditions(checkId) }, seconds);
        this.#logger?.info(
          { checkId, party: "bureau", step, from: CheckState[before], seconds: Number(seconds.toFixed(3)) },
          `check ${short(checkId)}: ${CheckState[before]} → ${step} in ${seconds.toFixed(2)} s`,
        );
      }
      if (finished) await this.#done(checkId);
    } catch (err) {
      if (err instanceof LeaseLostError) return this.#lost(checkId);
      // What the bank sent (or the data the bureau holds) will not change: no retry.
      if (err instanceof CheckRefusal) return this.#refuse(checkId, err);
      const active = this.#active.get(checkId);
      const attempts = (active?.attempts ?? 0) + 1;
      this.metrics.failures++;
      this.metrics.lastError = `check ${checkId}: ${(err as Error).message}`;
      if (attempts >= MAX_ATTEMPTS) {
        this.#abandoned.add(checkId);
        // Left to expire on-chain: its comparison key is erased now, not kept for a step that will not come.
        await this.client.forget(checkId).catch(() => undefined);
        await this.#done(checkId);
        this.metrics.abandoned++;
        this.#logger?.error(
          { checkId, party: "bureau", attempts, err: (err as Error).message },
          `check ${short(checkId)}: given up after ${attempts} attempts: ${(err as Error).message}`,
        );
      } else {
        this.#active.set(checkId, { attempts, block: active?.block ?? this.#nextBlock });
        this.#logger?.warn(
          { checkId, party: "bureau", attempts, err: (err as Error).message },
          `check ${short(checkId)}: attempt ${attempts} failed: ${(err as Error).message}`,
        );
      }
    }
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

  /** Records the refusal on-chain, with its reason; the check ends there. */
  async #refuse(checkId: string, refusal: CheckRefusal): Promise<void> {
    try {
      await this.#hold(checkId);
    } catch (err) {
      if (err instanceof LeaseLostError) return this.#lost(checkId);
      throw err;
    }
    this.metrics.refused++;
    this.#active.delete(checkId);
    this.#metrics?.checkRefusals.inc({ reason: RefusalReason[refusal.reason] });
    this.#logger?.warn(
      { checkId, party: "bureau", step: "Refused", reason: RefusalReason[refusal.reason] },
      `check ${short(checkId)}: refused (${RefusalReason[refusal.reason]}): ${refusal.message}`,
    );
    try {
      await this.client.refuse(checkId, refusal.reason);
    } catch (err) {
      // Expired meanwhile, or the bank's turn came: the check ends without the bureau's answer either way.
      this.metrics.lastError = `check ${checkId}: recording the refusal failed: ${(err as Error).message}`;
    }
    await this.#done(checkId);
  }

  /** The number of conditions of the check's form (the `k` of the step metrics), or "unknown". */
  async #conditions(checkId: string): Promise<string> {
    const cached = this.#k.get(checkId);
    if (cached !== undefined) return cached;
    let k = "unknown";
    try {
      const bytes = await this.client.board.fetch((await this.suite.matching.checkOf(checkId)).formHash);
      const form = JSON.parse(new TextDecoder().decode(bytes)) as { body?: { conditions?: unknown[] } };
      if (Array.isArray(form.body?.conditions)) k = String(form.body.conditions.length);
    } catch {
      // no form to read: the step is counted under "unknown"
    }
    if (this.#k.size >= 1024) this.#k.clear();
    this.#k.set(checkId, k);
    return k;
  }
}

function short(checkId: string): string {
  return `${checkId.slice(0, 10)}…`;
}
