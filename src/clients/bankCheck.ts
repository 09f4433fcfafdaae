/**
 * The bank's side of a blind credit check, on-chain: it builds and publishes its encrypted form and opens the check,
 * answers the bureau's challenge, reads the answer and commits to its decision; {@link BankClient.runCheck} drives a
 * whole check through those steps, waiting for the bureau in between. Paper flow 3.5, with the leak fixed and
 * thresholds added.
 * @module
 */
import { hexlify, randomBytes, toBeArray, type Signer } from "ethers";
import type { ConditionMatching } from "../../typechain-types";
import { CheckState, checkModeNamed, RefusalReason, type CheckModeName } from "../contractEnums";
import type { DgkPublicKey, DgkRandomizerWorkers } from "../dgk";
import type { PaillierPrivateKey, RandomizerSource } from "../paillier";
import type { RingPedersenParameters, SharePool, ShareWorkers } from "../proofs";
import {
  buildForm,
  challengeKey,
  comparisonCount,
  comparisonValueCount,
  readAnswer,
  proveShares,
  respondToChallenge,
  type BankForm,
  type BankView,
} from "../protocol/bank";
import type { MessageBoard } from "../protocol/board";
import { checkInState, contextOf, decisionHash, loggedHash, stateOf } from "../protocol/chain";
import { isScorecard, parseForm, type Condition } from "../protocol/form";
import type { CheckContext } from "../protocol/messages";
import { readParametersDocument } from "../protocol/parameters";
import type { CreditSchema } from "../protocol/schema";

/** One hour: the default time a bank gives a check. */
export const DEFAULT_CHECK_DURATION = 3600;

/** A check as the bank tracks it. */
export interface BankCheck {
  readonly checkId: string;
  readonly context: CheckContext;
  readonly form: BankForm;
  /** Decision mode: the bank's comparison shares, once it has responded. */
  shares: (0 | 1)[];
}

/** The bank's record of its decision: the salt opens the on-chain commitment for the subject. */
export interface BankDecision {
  readonly approved: boolean;
  readonly salt: string;
  readonly view: BankView;
}

/** A check the bank asks for: of whom, by which bureau, on what conditions. */
export interface CheckRequest {
  readonly subject: string;
  readonly bureau: string;
  readonly mode: CheckModeName;
  readonly conditions: readonly Condition[];
  /** How long the check stays open on-chain; default {@link DEFAULT_CHECK_DURATION}. */
  readonly durationSeconds?: number;
  /**
   * Decision mode: a comparison key the bureau reserved to this bank (`reserveComparisonKey`), for which the bank
   * may have precomputed its re-randomisers; without, the bureau draws a fresh key at challenge time.
   */
  readonly comparisonKey?: DgkPublicKey;
}

/** The stages of a check on the bank's side, in order ("challenge" in decision mode only). */
export type BankStage = "open" | "challenge" | "respond" | "answer" | "decide";

/** Options of {@link BankClient.runCheck}. */
export interface RunCheckOptions {
  /**
   * Waits until the bureau has brought the check to `wanted` (Challenged, then Answered); default
   * {@link waitForState} on the chain with {@link RunCheckOptions.wait}. The demo hands the bureau its turn here.
   */
  readonly waitForBureau?: (check: BankCheck, wanted: CheckState) => Promise<void>;
  /** How the default wait polls and when it gives up. */
  readonly wait?: WaitOptions;
  /**
   * Runs each stage, e.g. to report or time it: it must call `run` once and wait for it. Default: runs it.
   * The stages are "open" (encrypt, publish, open on-chain), "challenge" (wait for it), "respond", "answer"
   * (wait for it) and "decide" (decrypt, commit to the decision).
   */
  readonly stage?: (stage: BankStage, run: () => Promise<void>) => Promise<void>;
  /** Told the check as soon as it is open (its id is on-chain from then on). */
  readonly opened?: (check: BankCheck) => void;
  /**
   * Keeps the bank's state of the check where a crash cannot lose it (a file, say), so that {@link
   * BankClient.resumeCheck} can finish it: called before the check is opened, before the response is posted (with
   * the shares) and before the decision is recorded (with the salt). It must have kept the state when it returns.
   */
  readonly keep?: (saved: SavedCheck) => void | Promise<void>;
}

/** What a bank must keep of a check to finish it after a crash (JSON-safe). */
export interface SavedCheck {
  readonly checkId: string;
  readonly request: CheckRequest;
  /** Decision mode: the bank's comparison shares, once computed (before the response is posted). */
  readonly shares?: readonly (0 | 1)[];
  /** The salt of the decision, once drawn (before the decision is recorded). */
  readonly salt?: string;
}

/** A check run to its decision. */
export interface CheckOutcome {
  readonly check: BankCheck;
  readonly decision: BankDecision;
}

/** What a bank that keeps running precomputes, to answer a check faster. All optional: computed when needed. */
export interface BankClientOptions {
  /** Randomizers for its Paillier key (paper mode's encrypted values), filled beforehand. */
  readonly pool?: RandomizerSource;
  /** Its comparison shares, each a coin with its encryption and proof commitments, filled beforehand. */
  readonly shares?: SharePool;
  /** Worker threads for the DGK re-randomisers of a response, computed in one batch over every core. */
  readonly workers?: DgkRandomizerWorkers;
  /** Without `shares`: worker threads making a response's shares, alongside the re-randomisers. */
  readonly shareWorkers?: ShareWorkers;
  /**
   * Precomputed re-randomisers for a check's comparison key, when the bank keeps a pool for it (a
   * `DgkRandomizerPool`'s `take`, filled for a key it reserved); undefined for a key it keeps none for (then
   * `workers`, or on the spot).
   */
  readonly comparisonPool?: (key: DgkPublicKey) => (() => bigint) | undefined;
  /** The consortium's credit schema (default: the default schema); a deployment fixed to another is refused. */
  readonly schema?: CreditSchema;
  /**
   * Where a bureau's ring-Pedersen parameters document comes from (default: the board's `parameters`, which the
   * bureau's API serves at `GET /v1/parameters`).
   */
  readonly bureauParameters?: (bureau: string) => Promise<Uint8Array>;
}

/** The bank's side: it holds the Paillier private key. */
export class BankClient {
  readonly #parameters = new Map<string, RingPedersenParameters>();
  constructor(
    readonly matching: ConditionMatching,
    readonly privateKey: PaillierPrivateKey,
    readonly board: MessageBoard,
    readonly options: BankClientOptions = {},
  ) {}

  /** Registers the bank's public key on-chain, once; returns its fingerprint. */
  async registerKey(): Promise<string> {
    const fingerprint = this.privateKey.publicKey.fingerprint;
    if ((await this.matching.keyBits(await this.#address(), fingerprint)) !== 0n) return fingerprint;
    await (await this.matching.registerKey(toBeArray(this.privateKey.publicKey.n))).wait();
    return fingerprint;
  }

  /**
   * Builds, encrypts and publishes the form, then opens the check on-chain (consuming one use of
   * the bank's blind-read grant).
   * @throws Error for a form the schema refuses; contract errors for a missing grant and the like
   */
  async openCheck(options: CheckRequest, keep?: (saved: SavedCheck) => void | Promise<void>): Promise<BankCheck> {
    const checkId = await this.matching.nextCheckId(await this.#address());
    const context = await contextOf(this.matching, checkId, this.privateKey.publicKey.fingerprint, this.options.schema);
    const parameters = await this.bureauParameters(options.bureau, context);
    const form = buildForm(
      this.privateKey,
      context,
      options.mode,
      options.conditions,
      parameters,
      this.options.pool,
      options.comparisonKey,
    );
    await this.board.publish(form.bytes);
    await keep?.({ checkId, request: options });
    const tx = await this.matching.openCheck(
      checkId,
      options.subject,
      options.bureau,
      context.keyFingerprint,
      checkModeNamed(options.mode),
      form.hash,
      options.durationSeconds ?? DEFAULT_CHECK_DURATION,
    );
    await tx.wait();
    return { checkId, context, form, shares: [] };
  }

  /**
   * The bank's whole side of a check: opens it, waits for the bureau's challenge and responds (decision mode),
   * waits for the answer, decides and commits to the decision on-chain.
   * @throws {CheckWaitError} when the bureau refuses the check, the check expires, or the wait times out; the
   *   errors of {@link openCheck}, {@link respond} and {@link decide}
   * @example
   * const { check, decision } = await bank.runCheck({ subject, bureau, mode: "decision", conditions });
   */
  async runCheck(request: CheckRequest, options: RunCheckOptions = {}): Promise<CheckOutcome> {
    const stage = options.stage ?? ((_: BankStage, run: () => Promise<void>) => run());
    let check: BankCheck | undefined;
    await stage("open", async () => {
      check = await this.openCheck(request, options.keep);
      options.opened?.(check);
    });
    return this.#drive(check!, { checkId: check!.checkId, request }, options);
  }

  /**
   * Finishes a check the bank opened and did not decide (its process stopped or gave up waiting), from the state it
   * kept ({@link RunCheckOptions.keep}) and where the check stands on-chain: it answers the bureau's challenge if no
   * response was posted, waits for the answer, and decides (with the kept salt if the decision was under way).
   * @throws Error when the check is not this bank's, was never opened, or is over (decided, refused, expired)
   */
  async resumeCheck(saved: SavedCheck, options: RunCheckOptions = {}): Promise<CheckOutcome> {
    const { checkId, request } = saved;
    const state = await stateOf(this.matching, checkId);
    if (state === CheckState.None)
      throw new Error(`check ${checkId} was never opened: nothing to resume (no grant use was spent)`);
    const record = await this.matching.checkOf(checkId);
    if (record.bank !== (await this.#address())) throw new Error(`check ${checkId} is ${record.bank}'s, not yours`);
    if (state === CheckState.Decided && saved.salt !== undefined) {
      // Stopped after the decision was recorded: the kept salt opens it.
      const approved = await this.matching.verifyDecision(checkId, true, saved.salt);
      if (approved || (await this.matching.verifyDecision(checkId, false, saved.salt))) {
        const shares = [...(saved.shares ?? [])];
        const context = await contextOf(
          this.matching,
          checkId,
          this.privateKey.publicKey.fingerprint,
          this.options.schema,
        );
        const form = { bytes: new Uint8Array(), hash: record.formHash, mode: request.mode, conditions: [] };
        return {
          check: { checkId, context, form, shares },
          decision: { approved, salt: saved.salt, view: { shares, matches: [], approved } },
        };
      }
    }
    if (state === CheckState.Decided || state === CheckState.Refused || state === CheckState.Expired)
      throw new Error(`check ${checkId} is ${CheckState[state]}: there is nothing left to do`);
    const context = await contextOf(this.matching, checkId, this.privateKey.publicKey.fingerprint, this.options.schema);
    const parsed = parseForm(request.conditions, request.mode, context.schema);
    const bytes = await this.board.fetch(record.formHash);
    const form: BankForm = {
      bytes,
      hash: record.formHash,
      mode: request.mode,
      conditions: parsed,
      schema: context.schema,
      // A scorecard's quotients are proven under the bureau's parameters, as its weights were.
      parameters: parsed.some(isScorecard) ? await this.bureauParameters(request.bureau, context) : undefined,
    };
    const check: BankCheck = { checkId, context, form, shares: [...(saved.shares ?? [])] };
    options.opened?.(check);
    return this.#drive(check, saved, options);
  }

  /** From an open check to its decision, taking each step the chain says is still to take. */
  async #drive(opened: BankCheck, saved: SavedCheck, options: RunCheckOptions): Promise<CheckOutcome> {
    const stage = options.stage ?? ((_: BankStage, run: () => Promise<void>) => run());
    const { request } = saved;
    // The wait's budget starts once the check is open: encrypting a large form is not the bureau's time.
    const giveUpAt = Date.now() + (options.wait?.timeoutMs ?? DEFAULT_WAIT_MS);
    const waitFor =
      options.waitForBureau ??
      ((check: BankCheck, wanted: CheckState) =>
        waitForState(this.matching, check.checkId, wanted, { ...options.wait, giveUpAt }));
    let kept = saved;
    const keep = async (more: Partial<SavedCheck>) => {
      kept = { ...kept, ...more };
      await options.keep?.(kept);
    };
    if (request.mode === "decision" && (await stateOf(this.matching, opened.checkId)) <= CheckState.Challenged) {
      await stage("challenge", () => waitFor(opened, CheckState.Challenged));
      await stage("respond", () => this.respond(opened, (shares) => keep({ shares })));
    }
    await stage("answer", () => waitFor(opened, CheckState.Answered));
    let decision: BankDecision | undefined;
    await stage("decide", async () => {
      decision = await this.decide(opened, kept.salt, (salt) => keep({ salt }));
    });
    return { check: opened, decision: decision! };
  }

  /** Decision mode: answers the bureau's encrypted operands with blinded comparisons and proven shares. */
  async respond(check: BankCheck, keep?: (shares: (0 | 1)[]) => void | Promise<void>): Promise<void> {
    await this.#expect(check.checkId, CheckState.Challenged);
    const challengeHash = await loggedHash(this.matching, "CheckChallenged", check.checkId);
    const bytes = await this.board.fetch(challengeHash);
    const comparisonKey = challengeKey(check.context, check.form, bytes, challengeHash);
    const { shares, workers, shareWorkers } = this.options;
    const pooled = this.options.comparisonPool?.(comparisonKey);
    // Without pools, the re-randomisers and the shares are made on worker threads at the same time.
    const batch =
      pooled === undefined && workers
        ? workers.randomizers(comparisonKey, comparisonValueCount(check.form))
        : undefined;
    const made =
      shares === undefined && shareWorkers
        ? await shareWorkers.shares(this.privateKey, comparisonCount(check.form))
        : [];
    const proven = proveShares(
      this.privateKey,
      check.context,
      check.form,
      comparisonKey,
      shares ? () => shares.take() : made.length > 0 ? () => made.shift()! : undefined,
    );
    const batched = await batch;
    const response = respondToChallenge(
      this.privateKey,
      check.context,
      check.form,
      bytes,
      challengeHash,
      comparisonKey,
      { proven, dgkRandomizers: pooled ?? (batched ? () => batched.pop()! : undefined) },
    );
    check.shares = response.shares;
    await keep?.(response.shares);
    await this.board.publish(response.bytes);
    await (await this.matching.postResponse(check.checkId, response.hash)).wait();
  }

  /**
   * Reads the bureau's answer, checks it against its commitment, decides, and commits to the decision on-chain
   * (salted, so observers learn nothing) with `keptSalt` (a resumed decision) or a fresh salt, told to `keep` before
   * it is sent.
   * @throws Error when the answer was tampered with or belongs to another check; nothing is recorded then
   */
  async decide(
    check: BankCheck,
    keptSalt?: string,
    keep?: (salt: string) => void | Promise<void>,
  ): Promise<BankDecision> {
    const record = await this.#expect(check.checkId, CheckState.Answered);
    const bytes = await this.board.fetch(record.answerHash);
    const view = readAnswer(this.privateKey, check.context, check.form, bytes, record.answerHash, check.shares);
    const salt = keptSalt ?? hexlify(randomBytes(32));
    await keep?.(salt);
    await (await this.matching.recordDecision(check.checkId, decisionHash(check.checkId, view.approved, salt))).wait();
    return { approved: view.approved, salt, view };
  }

  /**
   * A bureau's ring-Pedersen parameters, their Π^prm verified, kept for this client's life per bureau and deployment
   * (a bureau that makes new ones, on a fresh store, is read again by a new client): the bank proves under them, once
   * per key, that its modulus has no small factor (Π^fac, in its forms).
   * @throws Error when the bureau publishes none, or its document is malformed, bound elsewhere or its proof fails
   */
  async bureauParameters(
    bureau: string,
    deployment: Pick<CheckContext, "chainId" | "contract">,
  ): Promise<RingPedersenParameters> {
    const tag = `${bureau.toLowerCase()} ${deployment.chainId} ${deployment.contract.toLowerCase()}`;
    const known = this.#parameters.get(tag);
    if (known !== undefined) return known;
    const source = this.options.bureauParameters ?? this.board.parameters?.bind(this.board);
    if (source === undefined) {
      throw new Error(
        `bureau ${bureau}: no source of its ring-Pedersen parameters (options.bureauParameters, or a board that serves them)`,
      );
    }
    const parameters = readParametersDocument(await source(bureau), deployment, bureau);
    this.#parameters.set(tag, parameters);
    return parameters;
  }

  async #expect(checkId: string, state: CheckState) {
    return checkInState(this.matching, checkId, state);
  }

  async #address(): Promise<string> {
    return (this.matching.runner as Signer).getAddress();
  }
}

/** Five minutes: how long {@link BankClient.runCheck} waits for the bureau in all, by default. */
export const DEFAULT_WAIT_MS = 300_000;

/** How {@link waitForState} polls. */
export interface WaitOptions {
  /** How often to read the check's state; default 1000 ms. */
  readonly pollMs?: number;
  /** Give up after this long in all (in {@link BankClient.runCheck}: from the check's opening); default {@link DEFAULT_WAIT_MS}. */
  readonly timeoutMs?: number;
  /** Give up at this time (`Date.now()` milliseconds); overrides `timeoutMs`. */
  readonly giveUpAt?: number;
  /** Told, before each pause, the state the check is in and how long the wait has lasted. */
  readonly onWait?: (state: CheckState, waitedMs: number) => void;
}

/** Why a wait for the bureau ended without the state it waited for. */
export class CheckWaitError extends Error {
  constructor(
    readonly checkId: string,
    /** "refused": the bureau refused the check; "expired": its deadline passed; "timed-out": the wait gave up. */
    readonly kind: "refused" | "expired" | "timed-out",
    /** The state the check was in. */
    readonly state: CheckState,
    /** How long the wait lasted. */
    readonly waitedMs: number,
    /** The bureau's reason ("refused"; undefined when the log could not be read). */
    readonly reason?: RefusalReason,
    /** The check's deadline, in Unix seconds ("expired"). */
    readonly deadline?: bigint,
  ) {
    super(
      kind === "refused"
        ? `the bureau refused check ${checkId}: ${reason === undefined ? "unknown" : RefusalReason[reason]}`
        : kind === "expired"
          ? `check ${checkId} expired on-chain (deadline ${deadline})`
          : `check ${checkId}: gave up waiting after ${Math.floor(waitedMs / 1000)} s in state ${CheckState[state]}`,
    );
  }
}

/**
 * Polls the check until it reaches `wanted` or a later state of the same run (a check the bank waits on in Challenged
 * may be Responded already).
 * @throws {CheckWaitError} when the check is refused or expires, or `giveUpAt` passes
 */
export async function waitForState(
  matching: ConditionMatching,
  checkId: string,
  wanted: CheckState,
  options: WaitOptions = {},
): Promise<void> {
  const started = Date.now();
  const giveUpAt = options.giveUpAt ?? started + (options.timeoutMs ?? DEFAULT_WAIT_MS);
  for (;;) {
    const state = await stateOf(matching, checkId);
    const waited = Date.now() - started;
    if (state === CheckState.Refused) {
      const [log] = await matching.queryFilter(matching.filters.CheckRefused(checkId));
      const reason = log ? (Number(log.args.reason) as RefusalReason) : undefined;
      throw new CheckWaitError(checkId, "refused", state, waited, reason);
    }
    if (state === CheckState.Expired) {
      const { deadline } = await matching.checkOf(checkId);
      throw new CheckWaitError(checkId, "expired", state, waited, undefined, deadline);
    }
    if (state >= wanted) return;
    if (Date.now() >= giveUpAt) throw new CheckWaitError(checkId, "timed-out", state, waited);
    options.onWait?.(state, waited);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}
