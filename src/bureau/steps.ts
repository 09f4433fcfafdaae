/**
 * The bureau's steps of a check, on-chain: it reads the check from the condition-matching contract, fetches the
 * bank's message from the board, checks it against its on-chain commitment, computes its own message, journals and
 * publishes it, and commits to it. The one place that decides, from a check's state and whose turn it is
 * (`../checkLifecycle`), what the bureau does next.
 * @module
 */
import { toUtf8Bytes, type Signer } from "ethers";
import type { ConditionMatching } from "../../typechain-types";
import { hasStepAhead, turnOf } from "../checkLifecycle";
import { CheckMode, CheckState, type RefusalReason } from "../contractEnums";
import { exportDgkPublicKey, importDgkPrivateKey, type DgkPrivateKey, type DgkPublicKey } from "../dgk";
import { importPublicKey, type Blind, type PaillierPublicKey, type RandomizerSource } from "../paillier";
import type { BitVerifierWorker, RingPedersenSecret } from "../proofs";
import type { MessageBoard } from "../protocol/board";
import {
  answerDecision,
  answerPaper,
  challenge,
  operandBitCount,
  readForm,
  type BureauCheckState,
  type SubjectValues,
} from "../protocol/bureau";
import { contextOf, loggedHash, stateOf } from "../protocol/chain";
import { parametersDocument } from "../protocol/parameters";
import type { CreditSchema } from "../protocol/schema";
import type { ComparisonKeySource } from "./comparisonKeys";
import { MemoryJournal, type BureauJournal, type JournalEntry } from "./journal";
import { TransactionSender } from "./transactionSender";

/** What {@link BureauClient.advance} did for a check. */
export interface BureauStep {
  /** The check's state before. */
  readonly before: CheckState;
  /** Its state after: `before` when the bureau had nothing to do in it. */
  readonly after: CheckState;
  /** Whether the bureau is done with the check (answered, or decided, expired, refused: nothing more to do). */
  readonly finished: boolean;
  /**
   * The number of conditions of the check's form, when the step read the form or the challenge state that holds its
   * shape (the `k` of the step metrics); undefined when it read neither (nothing to do, or a journaled message posted
   * again).
   */
  readonly conditions?: number;
}

/** Options of {@link BureauClient.advance}. */
export interface AdvanceOptions {
  /**
   * Runs before the bureau computes or posts anything, only when a step is due; may throw (a `CheckRefusal`, for
   * instance) to stop it. The evaluator checks here that the grant the check consumed is still the subject's.
   */
  readonly beforeStep?: () => Promise<void>;
  /**
   * Runs right before the bureau posts a commitment on-chain; may throw to stop it (nothing is posted). The
   * evaluator renews its lease on the check here, so that it posts only while it holds it.
   */
  readonly beforePost?: () => Promise<void>;
}

/**
 * The bureau's side: it holds the subjects' values, draws a fresh comparison key for each decision-mode check, and
 * works on the bank's ciphertexts. A check's private comparison key lives in its journal entry (sealed at rest by a
 * store journal) and in memory only while the check is open: it is erased with the entry once the check is
 * answered, refused or over, so a later leak of the bureau's keys opens no past challenge (forward secrecy).
 */
export class BureauClient {
  readonly #keys = new Map<string, PaillierPublicKey>();
  #document: Promise<Uint8Array> | undefined;
  /** The comparison keys of open checks, by check id: the journal holds them too; this saves importing them. */
  readonly #checkKeys = new Map<string, DgkPrivateKey>();
  /**
   * Reserved keys claimed for a check whose challenge is not journaled yet, by check id: the pool hands a reservation
   * out once, so a first step that fails after the claim (the chain node or the store did not answer) is retried with
   * this key rather than refused for a key "used by another check". Dropped once the challenge is journaled, or with
   * the check.
   */
  readonly #claimed = new Map<string, DgkPrivateKey>();
  readonly journal: BureauJournal;
  /** Where the bureau account's transactions are sent from, one after another (the relay's included). */
  readonly sender: TransactionSender;

  /**
   * @param board where the banks' messages are fetched from
   * @param valuesOf the subject's values by field, from the bureau's store
   * @param comparisonKeys where each decision-mode check's own DGK key comes from (a `ComparisonKeyPool`)
   * @param parameters the bureau's ring-Pedersen parameters, under which banks prove their keys have no small factor
   *   (Π^fac); published with their Π^prm ({@link parametersDocument})
   * @param options.journal where the bureau's messages and secret state go (default: in memory, published to `board`)
   * @param options.poolFor a randomness pool for a bank's key, if the bureau keeps one
   * @param options.blind how batches are blinded (`BlindingWorkers.blind` to use every core)
   * @param options.verifier where the bank's share proof is verified: a `BitVerifierWorker` checks it on another
   *   thread while this one zero-tests (the same answer and refusals); on this thread by default
   * @param options.schema the consortium's credit schema (default: the default schema): forms are read against it,
   *   and a deployment fixed to another schema is refused
   * @param options.sender the bureau account's transaction sender, shared with whatever else sends from the account
   *   (the service's consent relay); default one of its own
   */
  constructor(
    readonly matching: ConditionMatching,
    readonly board: MessageBoard,
    readonly valuesOf: (subject: string) => Promise<SubjectValues>,
    readonly comparisonKeys: ComparisonKeySource,
    readonly parameters: RingPedersenSecret,
    readonly options: {
      readonly journal?: BureauJournal;
      readonly poolFor?: (key: PaillierPublicKey) => RandomizerSource | undefined;
      readonly blind?: Blind;
      readonly verifier?: Pick<BitVerifierWorker, "verify">;
      readonly schema?: CreditSchema;
      readonly sender?: TransactionSender;
    } = {},
  ) {
    this.journal = options.journal ?? new MemoryJournal(board);
    this.sender = options.sender ?? new TransactionSender();
  }

  /** Sends one of the bureau's transactions through its {@link sender}: after the previous one was sent. */
  send<T>(transaction: () => Promise<T>): Promise<T> {
    return this.sender.send(transaction);
  }

  /**
   * Registers a comparison key on-chain unless it is already the bureau's current one; returns its fingerprint. The
   * contract wants one registered before it opens decision-mode checks; no check uses it (each has its own key).
   */
  async registerComparisonKey(publicKey: DgkPublicKey): Promise<string> {
    const bureau = await (this.matching.runner as Signer).getAddress();
    if ((await this.matching.comparisonKeyOf(bureau)) === publicKey.fingerprint) return publicKey.fingerprint;
    await (
      await this.matching.registerComparisonKey(toUtf8Bytes(JSON.stringify(exportDgkPublicKey(publicKey))))
    ).wait();
    return publicKey.fingerprint;
  }

  /**
   * The bureau's ring-Pedersen parameters document with their Π^prm, bound to this deployment and the bureau's
   * address: made once (about 128 half-size exponentiations per prime), then kept. Its API serves it.
   */
  parametersDocument(): Promise<Uint8Array> {
    this.#document ??= (async () => {
      const [network, contract, bureau] = await Promise.all([
        this.matching.runner!.provider!.getNetwork(),
        this.matching.getAddress(),
        (this.matching.runner as Signer).getAddress(),
      ]);
      return parametersDocument(this.parameters, { chainId: network.chainId, contract }, bureau);
    })();
    this.#document.catch(() => (this.#document = undefined));
    return this.#document;
  }

  /**
   * Takes the next step the check needs from the bureau: in decision mode the blinded comparisons,
   * then the answer; in paper mode the answer. Refuses (throws, commits nothing) a form or response
   * that does not match its commitment or check, or carries a malformed ciphertext. A step whose message
   * was journaled but whose commitment never reached the chain (a crash in between) posts it again.
   * A check the bureau is done with has its journal entry forgotten.
   * @returns the states before and after, and whether the bureau is done with the check
   * @example (await bureau.advance(checkId)).after // CheckState.Challenged, once the bank's form is in
   */
  async advance(checkId: string, options: AdvanceOptions = {}): Promise<BureauStep> {
    const before = await stateOf(this.matching, checkId);
    if (turnOf(before) !== "bureau") {
      // The bank's turn (nothing to read: the evaluator asks again every round, one call to the chain each), or the
      // bureau has no step left in the check.
      if (hasStepAhead(before, "bureau")) return { before, after: before, finished: false };
      if (this.#claimed.has(checkId.toLowerCase()) || (await this.journal.entry(checkId)) !== undefined)
        await this.forget(checkId);
      return { before, after: before, finished: true };
    }
    const entry = await this.journal.entry(checkId);
    await options.beforeStep?.();
    // An entry in Requested, or an answer's in Responded, is a message whose commitment never reached the chain.
    if (before === CheckState.Requested && entry === undefined) {
      const first = await this.#first(checkId);
      return this.#posted(before, await this.#post(checkId, options, first.entry), first.conditions);
    }
    if (before === CheckState.Requested || entry?.stage === "answered") {
      return this.#posted(before, await this.#post(checkId, options, entry!));
    }
    if (entry?.state === undefined) {
      throw new Error(`check ${checkId}: no challenge state kept for it: the bureau cannot answer`);
    }
    const answer = await this.#answer(checkId, entry.state);
    return this.#posted(before, await this.#post(checkId, options, answer), entry.state.shapes.length);
  }

  #posted(before: CheckState, after: CheckState, conditions?: number): BureauStep {
    return { before, after, finished: !hasStepAhead(after, "bureau"), conditions };
  }

  /** Refuses the check on-chain for `reason`: it ends there, in the subject's history, and the bank learns why. */
  async refuse(checkId: string, reason: RefusalReason): Promise<void> {
    try {
      await (await this.send(() => this.matching.refuseCheck(checkId, reason))).wait();
    } finally {
      // Refused or not (expired meanwhile), the bureau is done with it: its comparison key goes now.
      await this.forget(checkId);
    }
  }

  /**
   * Forgets a check the bureau is done with (answered, refused, over, or given up): its journal entry and its
   * comparison key, which erases the key's private part.
   */
  async forget(checkId: string): Promise<void> {
    await this.journal.forget(checkId);
    const key = this.#checkKeys.get(checkId.toLowerCase());
    if (key !== undefined) this.comparisonKeys.discard?.(key);
    this.#checkKeys.delete(checkId.toLowerCase());
    this.#claimed.delete(checkId.toLowerCase());
  }

  /**
   * The first message: the blinded comparisons (decision mode) or the answer (paper mode), journaled; with the form's
   * number of conditions.
   */
  async #first(checkId: string): Promise<{ entry: JournalEntry; conditions: number }> {
    const { record, key, context, blinding } = await this.#check(checkId);
    const decisionMode = Number(record.mode) === CheckMode.Decision;
    const form = readForm(
      key,
      context,
      await this.board.fetch(record.formHash),
      record.formHash,
      this.parameters.parameters,
    );
    const values = await this.valuesOf(record.subject);
    let entry: JournalEntry;
    let bytes: Uint8Array;
    let checkKey: DgkPrivateKey | undefined;
    if (decisionMode) {
      // A key reserved to this bank and unused, when the form names one (else refused), or a fresh one.
      const comparisonKey =
        form.comparisonKey === undefined
          ? await this.comparisonKeys.fresh()
          : await this.#claim(checkId, record.bank, form.comparisonKey);
      const message = challenge(
        comparisonKey,
        context,
        form,
        values,
        await this.comparisonKeys.operandRandomizers?.(comparisonKey, operandBitCount(form, context.schema)),
        blinding.pool,
      );
      checkKey = comparisonKey;
      entry = { stage: "challenged", messageHash: message.hash, state: message.state };
      bytes = message.bytes;
    } else {
      const message = await answerPaper(context, form, values, blinding);
      entry = { stage: "answered", messageHash: message.hash };
      bytes = message.bytes;
    }
    await this.journal.record(checkId, entry, bytes);
    // Kept in memory once journaled only: a challenge whose journaling failed (its lease lost, another evaluator's
    // challenge posted instead) leaves no key behind to answer that other challenge with.
    if (checkKey !== undefined) this.#checkKeys.set(checkId.toLowerCase(), checkKey);
    this.#claimed.delete(checkId.toLowerCase());
    return { entry, conditions: form.conditions.length };
  }

  /**
   * The key `bank` reserved under `fingerprint`, for `checkId`: claimed from the pool on the check's first attempt,
   * the same key on a retry of that check.
   * @throws CheckRefusal `InvalidMessage` when the pool holds no such reservation (see `ComparisonKeySource.claim`)
   */
  async #claim(checkId: string, bank: string, fingerprint: string): Promise<DgkPrivateKey> {
    const id = checkId.toLowerCase();
    const held = this.#claimed.get(id);
    if (held !== undefined && held.publicKey.fingerprint === fingerprint.toLowerCase()) return held;
    const key = await this.comparisonKeys.claim(bank, fingerprint);
    this.#claimed.set(id, key);
    return key;
  }

  /** Decision mode: the answer from the bank's response and the journaled shares, journaled. */
  async #answer(checkId: string, state: BureauCheckState): Promise<JournalEntry> {
    const { key, context, blinding } = await this.#check(checkId);
    const responseHash = await loggedHash(this.matching, "CheckResponded", checkId);
    const response = await this.board.fetch(responseHash);
    const answer = await answerDecision(key, this.#checkKey(checkId, state), context, state, response, responseHash, {
      ...blinding,
      parameters: this.parameters.parameters,
      shares: this.comparisonKeys.shares?.bind(this.comparisonKeys),
    });
    const entry: JournalEntry = { stage: "answered", messageHash: answer.hash };
    await this.journal.record(checkId, entry, answer.bytes);
    return entry;
  }

  /** Posts a journaled commitment on-chain. */
  async #post(checkId: string, options: AdvanceOptions, entry: JournalEntry): Promise<CheckState> {
    await options.beforePost?.();
    if (entry.stage === "challenged") {
      await (await this.send(() => this.matching.postChallenge(checkId, entry.messageHash))).wait();
      return CheckState.Challenged;
    }
    await (await this.send(() => this.matching.postAnswer(checkId, entry.messageHash))).wait();
    await this.forget(checkId);
    return CheckState.Answered;
  }

  /** The check's comparison key: in memory, or from its journal entry after a restart (or a takeover). */
  #checkKey(checkId: string, state: BureauCheckState): DgkPrivateKey {
    const id = checkId.toLowerCase();
    let key = this.#checkKeys.get(id);
    if (key === undefined) {
      // A check challenged by a bureau before per-check keys (blindcredit/2) kept no key: it is left to expire.
      if (state.comparisonKey === undefined)
        throw new Error(`check ${checkId}: its challenge state holds no comparison key (blindcredit/2): not answered`);
      this.#checkKeys.set(id, (key = importDgkPrivateKey(state.comparisonKey)));
    }
    return key;
  }

  /** Whether the bureau holds the comparison key of `checkId` in memory (tests: it is gone once the check is). */
  holdsCheckKey(checkId: string): boolean {
    return this.#checkKeys.has(checkId.toLowerCase());
  }

  async #check(checkId: string) {
    const record = await this.matching.checkOf(checkId);
    const key = await this.bankKey(record.bank, record.keyFingerprint);
    const context = await contextOf(this.matching, checkId, record.keyFingerprint, this.options.schema);
    return {
      record,
      key,
      context,
      blinding: {
        pool: this.options.poolFor?.(key),
        blind: this.options.blind,
        verifier: this.options.verifier,
      },
    };
  }

  /** The bank's registered key, from the `KeyRegistered` log, verified against its fingerprint. */
  async bankKey(bank: string, fingerprint: string): Promise<PaillierPublicKey> {
    const cached = this.#keys.get(fingerprint);
    if (cached) return cached;
    const logs = await this.matching.queryFilter(this.matching.filters.KeyRegistered(bank, fingerprint));
    if (logs.length === 0) throw new Error(`bank ${bank} has registered no key with fingerprint ${fingerprint}`);
    const key = importPublicKey({ kty: "Paillier", n: logs[0].args.modulus });
    if (key.fingerprint !== fingerprint.toLowerCase()) {
      throw new Error(`the key logged for ${fingerprint} has fingerprint ${key.fingerprint}`);
    }
    this.#keys.set(fingerprint, key);
    return key;
  }
}
