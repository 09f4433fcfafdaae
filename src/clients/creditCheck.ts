/**
 * The bank and the bureau of a blind credit check, on-chain: each step reads the check from the
 * condition-matching contract, fetches the other party's message from the board, checks it
 * against its on-chain commitment, computes its own message, publishes it and commits to it.
 * Paper flow 3.5, with the leak fixed and thresholds added.
 * @module
 */
import { AbiCoder, hexlify, keccak256, randomBytes, toBeArray, toUtf8Bytes, toUtf8String, type Signer } from "ethers";
import type { ConditionMatching } from "../../typechain-types";
import {
  exportDgkPublicKey,
  importDgkPublicKey,
  type DgkPrivateKey,
  type DgkPublicKey,
  type DgkRandomizerWorkers,
} from "../dgk";
import type { SharePool } from "../proofs";
import {
  importPublicKey,
  type Blind,
  type PaillierPrivateKey,
  type PaillierPublicKey,
  type RandomizerSource,
} from "../paillier";
import {
  buildForm,
  comparisonValueCount,
  readAnswer,
  respondToChallenge,
  type BankForm,
  type BankView,
} from "../protocol/bank";
import {
  answerDecision,
  answerPaper,
  challenge,
  readForm,
  type BureauCheckState,
  type SubjectValues,
} from "../protocol/bureau";
import type { MessageBoard } from "../protocol/board";
import type { Condition } from "../protocol/form";
import { decodeMessage, type CheckContext } from "../protocol/messages";
import { CheckMode, CheckState, checkModeNamed, type CheckModeName, type RefusalReason } from "../contractEnums";

export { CheckState };

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

/** What a bank that keeps running precomputes, to answer a check faster. All optional: computed when needed. */
export interface BankClientOptions {
  /** Randomizers for its Paillier key (paper mode's encrypted values), filled beforehand. */
  readonly pool?: RandomizerSource;
  /** Its comparison shares, each a coin with its encryption and proof commitments, filled beforehand. */
  readonly shares?: SharePool;
  /** Worker threads for the DGK re-randomisers of a response, computed in one batch over every core. */
  readonly workers?: DgkRandomizerWorkers;
}

/** The bank's side: it holds the Paillier private key. */
export class BankClient {
  readonly #comparisonKeys = new Map<string, DgkPublicKey>();
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
  async openCheck(options: {
    subject: string;
    bureau: string;
    mode: CheckModeName;
    conditions: readonly Condition[];
    durationSeconds?: number;
  }): Promise<BankCheck> {
    const checkId = await this.matching.nextCheckId(await this.#address());
    const context = await contextOf(this.matching, checkId, this.privateKey.publicKey.fingerprint);
    const form = buildForm(this.privateKey, context, options.mode, options.conditions, this.options.pool);
    await this.board.publish(form.bytes);
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

  /** Decision mode: answers the bureau's encrypted operands with blinded comparisons and proven shares. */
  async respond(check: BankCheck): Promise<void> {
    const record = await this.#expect(check.checkId, CheckState.Challenged);
    const challengeHash = await loggedHash(this.matching, "CheckChallenged", check.checkId);
    const bytes = await this.board.fetch(challengeHash);
    const named = decodeMessage(bytes, "challenge", check.context, challengeHash).comparisonKey;
    const comparisonKey = await this.comparisonKey(record.bureau, String(named));
    const { shares, workers } = this.options;
    const batch = workers ? await workers.randomizers(comparisonKey, comparisonValueCount(check.form)) : undefined;
    const response = respondToChallenge(
      this.privateKey,
      check.context,
      check.form,
      bytes,
      challengeHash,
      comparisonKey,
      {
        shares: shares ? () => shares.take() : undefined,
        dgkRandomizers: batch ? () => batch.pop()! : undefined,
      },
    );
    check.shares = response.shares;
    await this.board.publish(response.bytes);
    await (await this.matching.postResponse(check.checkId, response.hash)).wait();
  }

  /**
   * Reads the bureau's answer, checks it against its commitment, decides, and commits to the
   * decision on-chain (salted, so observers learn nothing).
   * @throws Error when the answer was tampered with or belongs to another check; nothing is recorded then
   */
  async decide(check: BankCheck): Promise<BankDecision> {
    const record = await this.#expect(check.checkId, CheckState.Answered);
    const bytes = await this.board.fetch(record.answerHash);
    const view = readAnswer(this.privateKey, check.context, check.form, bytes, record.answerHash, check.shares);
    const salt = hexlify(randomBytes(32));
    await (await this.matching.recordDecision(check.checkId, decisionHash(check.checkId, view.approved, salt))).wait();
    return { approved: view.approved, salt, view };
  }

  /** A comparison key the bureau registered, from its `ComparisonKeyRegistered` log, checked against the fingerprint. */
  async comparisonKey(bureau: string, fingerprint: string): Promise<DgkPublicKey> {
    const cached = this.#comparisonKeys.get(fingerprint.toLowerCase());
    if (cached) return cached;
    if (!/^0x[0-9a-fA-F]{64}$/.test(fingerprint)) {
      throw new Error(
        `challenge: expected a comparison key fingerprint (bytes32 hex), got ${JSON.stringify(fingerprint)}`,
      );
    }
    const logs = await this.matching.queryFilter(this.matching.filters.ComparisonKeyRegistered(bureau, fingerprint));
    if (logs.length === 0) throw new Error(`bureau ${bureau} has registered no comparison key ${fingerprint}`);
    const key = importDgkPublicKey(toUtf8String(logs[0].args.publicKey));
    if (key.fingerprint !== fingerprint.toLowerCase()) {
      throw new Error(`the comparison key logged for ${fingerprint} has fingerprint ${key.fingerprint}`);
    }
    this.#comparisonKeys.set(key.fingerprint, key);
    return key;
  }

  async #expect(checkId: string, state: CheckState) {
    return expectState(this.matching, checkId, state);
  }

  async #address(): Promise<string> {
    return (this.matching.runner as Signer).getAddress();
  }
}

/** Where a check stands for the bureau after it published a message: enough to post it again or go on. */
export interface JournalEntry {
  /** "challenged": the blinded comparisons are published (decision mode); "answered": the answer is. */
  readonly stage: "challenged" | "answered";
  /** keccak256 of the message published at this stage, the commitment to post on-chain. */
  readonly messageHash: string;
  /** Decision mode, once challenged: the form's shape, needed for the answer. */
  readonly state?: BureauCheckState;
}

/**
 * What the bureau remembers of its checks between steps. The bureau service keeps it in its database, so that
 * a restart loses nothing: a message is journaled with the state it needs before its hash goes on-chain.
 */
export interface BureauJournal {
  /** Publishes `message` and records `entry` for the check, both or neither. */
  record(checkId: string, entry: JournalEntry, message: Uint8Array): Promise<void>;
  /** The check's entry, if any. */
  entry(checkId: string): Promise<JournalEntry | undefined>;
  /** Forgets a finished check (its secret shares are no longer needed). */
  forget(checkId: string): Promise<void>;
}

/** A journal in memory, publishing to a board: for a bureau in one process (the tests). */
export class MemoryJournal implements BureauJournal {
  readonly #entries = new Map<string, JournalEntry>();
  constructor(readonly board: MessageBoard) {}

  async record(checkId: string, entry: JournalEntry, message: Uint8Array): Promise<void> {
    await this.board.publish(message);
    this.#entries.set(checkId.toLowerCase(), entry);
  }

  async entry(checkId: string): Promise<JournalEntry | undefined> {
    return this.#entries.get(checkId.toLowerCase());
  }

  async forget(checkId: string): Promise<void> {
    this.#entries.delete(checkId.toLowerCase());
  }
}

/** The bureau's side: it holds the subjects' values and its comparison key, and works on the bank's ciphertexts. */
export class BureauClient {
  readonly #keys = new Map<string, PaillierPublicKey>();
  readonly journal: BureauJournal;

  /**
   * @param board where the banks' messages are fetched from
   * @param valuesOf the subject's values by field, from the bureau's store
   * @param comparisonKey the bureau's DGK key pair for decision-mode comparisons (see {@link registerComparisonKey})
   * @param options.journal where the bureau's messages and secret state go (default: in memory, published to `board`)
   * @param options.poolFor a randomness pool for a bank's key, if the bureau keeps one
   * @param options.blind how batches are blinded (`BlindingWorkers.blind` to use every core)
   */
  constructor(
    readonly matching: ConditionMatching,
    readonly board: MessageBoard,
    readonly valuesOf: (subject: string) => Promise<SubjectValues>,
    readonly comparisonKey: DgkPrivateKey,
    readonly options: {
      readonly journal?: BureauJournal;
      readonly poolFor?: (key: PaillierPublicKey) => RandomizerSource | undefined;
      readonly blind?: Blind;
    } = {},
  ) {
    this.journal = options.journal ?? new MemoryJournal(board);
  }

  /** Registers the bureau's comparison key on-chain unless it is already the current one; returns its fingerprint. */
  async registerComparisonKey(): Promise<string> {
    const { publicKey } = this.comparisonKey;
    const bureau = await (this.matching.runner as Signer).getAddress();
    if ((await this.matching.comparisonKeyOf(bureau)) === publicKey.fingerprint) return publicKey.fingerprint;
    await (
      await this.matching.registerComparisonKey(toUtf8Bytes(JSON.stringify(exportDgkPublicKey(publicKey))))
    ).wait();
    return publicKey.fingerprint;
  }

  /**
   * Takes the next step the check needs from the bureau: in decision mode the blinded comparisons,
   * then the answer; in paper mode the answer. Refuses (throws, commits nothing) a form or response
   * that does not match its commitment or check, or carries a malformed ciphertext. A step whose message
   * was journaled but whose commitment never reached the chain (a crash in between) posts it again.
   * @returns the state the check is in afterwards; unchanged when the bureau has nothing to do in it
   */
  async step(checkId: string): Promise<CheckState> {
    const current = Number(await this.matching.state(checkId)) as CheckState;
    const entry = await this.journal.entry(checkId);
    if (current === CheckState.Requested) {
      // An entry here is a message whose commitment never reached the chain.
      if (entry !== undefined) return this.#post(checkId, entry);
      return this.#post(checkId, await this.#first(checkId));
    }
    if (current === CheckState.Responded) {
      if (entry?.stage === "answered") return this.#post(checkId, entry);
      if (entry?.state === undefined) {
        throw new Error(`check ${checkId}: no challenge state kept for it: the bureau cannot answer`);
      }
      return this.#post(checkId, await this.#answer(checkId, entry.state));
    }
    if (current !== CheckState.Challenged && entry !== undefined) await this.journal.forget(checkId);
    return current;
  }

  /** Refuses the check on-chain for `reason`: it ends there, in the subject's history, and the bank learns why. */
  async refuse(checkId: string, reason: RefusalReason): Promise<void> {
    await (await this.matching.refuseCheck(checkId, reason)).wait();
    await this.journal.forget(checkId);
  }

  /** The first message: the blinded comparisons (decision mode) or the answer (paper mode), journaled. */
  async #first(checkId: string): Promise<JournalEntry> {
    const { record, key, context, blinding } = await this.#check(checkId);
    const decisionMode = Number(record.mode) === CheckMode.Decision;
    const form = readForm(key, context, await this.board.fetch(record.formHash), record.formHash);
    const values = await this.valuesOf(record.subject);
    let entry: JournalEntry;
    let bytes: Uint8Array;
    if (decisionMode) {
      const message = challenge(this.comparisonKey, context, form, values);
      entry = { stage: "challenged", messageHash: message.hash, state: message.state };
      bytes = message.bytes;
    } else {
      const message = await answerPaper(context, form, values, blinding);
      entry = { stage: "answered", messageHash: message.hash };
      bytes = message.bytes;
    }
    await this.journal.record(checkId, entry, bytes);
    return entry;
  }

  /** Decision mode: the answer from the bank's response and the journaled shares, journaled. */
  async #answer(checkId: string, state: BureauCheckState): Promise<JournalEntry> {
    const { key, context, blinding } = await this.#check(checkId);
    const responseHash = await loggedHash(this.matching, "CheckResponded", checkId);
    const response = await this.board.fetch(responseHash);
    const answer = await answerDecision(key, this.comparisonKey, context, state, response, responseHash, blinding);
    const entry: JournalEntry = { stage: "answered", messageHash: answer.hash };
    await this.journal.record(checkId, entry, answer.bytes);
    return entry;
  }

  /** Posts a journaled commitment on-chain. */
  async #post(checkId: string, entry: JournalEntry): Promise<CheckState> {
    if (entry.stage === "challenged") {
      await (await this.matching.postChallenge(checkId, entry.messageHash)).wait();
      return CheckState.Challenged;
    }
    await (await this.matching.postAnswer(checkId, entry.messageHash)).wait();
    await this.journal.forget(checkId);
    return CheckState.Answered;
  }

  async #check(checkId: string) {
    const record = await this.matching.checkOf(checkId);
    const key = await this.bankKey(record.bank, record.keyFingerprint);
    const context = await contextOf(this.matching, checkId, record.keyFingerprint);
    return { record, key, context, blinding: { pool: this.options.poolFor?.(key), blind: this.options.blind } };
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

/** The context every message of a check is bound to. */
export async function contextOf(
  matching: ConditionMatching,
  checkId: string,
  keyFingerprint: string,
): Promise<CheckContext> {
  const network = await matching.runner!.provider!.getNetwork();
  return { chainId: network.chainId, contract: await matching.getAddress(), checkId, keyFingerprint };
}

/** The commitment to a decision: keccak256(abi.encode(checkId, approved, salt)). */
export function decisionHash(checkId: string, approved: boolean, salt: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bool", "bytes32"], [checkId, approved, salt]));
}

/** The commitment a decision-mode middle message left in the log (it is not kept in storage). */
async function loggedHash(
  matching: ConditionMatching,
  event: "CheckChallenged" | "CheckResponded",
  checkId: string,
): Promise<string> {
  const filter =
    event === "CheckChallenged" ? matching.filters.CheckChallenged(checkId) : matching.filters.CheckResponded(checkId);
  const logs = await matching.queryFilter(filter);
  if (logs.length !== 1) throw new Error(`check ${checkId}: expected one ${event} log, found ${logs.length}`);
  return logs[0].args[1];
}

async function expectState(matching: ConditionMatching, checkId: string, state: CheckState) {
  const current = Number(await matching.state(checkId)) as CheckState;
  if (current !== state)
    throw new Error(`check ${checkId}: expected state ${CheckState[state]}, got ${CheckState[current]}`);
  return matching.checkOf(checkId);
}
