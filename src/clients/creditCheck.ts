/**
 * The bank and the bureau of a blind credit check, on-chain: each step reads the check from the
 * condition-matching contract, fetches the other party's message from the board, checks it
 * against its on-chain commitment, computes its own message, publishes it and commits to it.
 * Paper flow 3.5, with the leak fixed and thresholds added.
 * @module
 */
import { AbiCoder, hexlify, keccak256, randomBytes, toBeArray, type Signer } from "ethers";
import type { ConditionMatching } from "../../typechain-types";
import {
  importPublicKey,
  type Blind,
  type PaillierPrivateKey,
  type PaillierPublicKey,
  type RandomizerSource,
} from "../paillier";
import { buildForm, readAnswer, respondToChallenge, type BankForm, type BankView } from "../protocol/bank";
import {
  answerDecision,
  answerPaper,
  challenge,
  readForm,
  type BureauCheckState,
  type SubjectValues,
} from "../protocol/bureau";
import type { MessageBoard } from "../protocol/board";
import type { CheckMode, Condition } from "../protocol/form";
import type { CheckContext } from "../protocol/messages";
import { CheckModeId, CheckState } from "../nodeTypes";

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

/** The bank's side: it holds the Paillier private key. */
export class BankClient {
  constructor(
    readonly matching: ConditionMatching,
    readonly privateKey: PaillierPrivateKey,
    readonly board: MessageBoard,
    readonly pool?: RandomizerSource,
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
    mode: CheckMode;
    conditions: readonly Condition[];
    durationSeconds?: number;
  }): Promise<BankCheck> {
    const checkId = await this.matching.nextCheckId(await this.#address());
    const context = await contextOf(this.matching, checkId, this.privateKey.publicKey.fingerprint);
    const form = buildForm(this.privateKey, context, options.mode, options.conditions, this.pool);
    await this.board.publish(form.bytes);
    const mode = options.mode === "decision" ? CheckModeId.Decision : CheckModeId.Paper;
    const tx = await this.matching.openCheck(
      checkId,
      options.subject,
      options.bureau,
      context.keyFingerprint,
      mode,
      form.hash,
      options.durationSeconds ?? DEFAULT_CHECK_DURATION,
    );
    await tx.wait();
    return { checkId, context, form, shares: [] };
  }

  /** Decision mode: answers the bureau's blinded comparisons with encrypted shares. */
  async respond(check: BankCheck): Promise<void> {
    await this.#expect(check.checkId, CheckState.Challenged);
    const challengeHash = await loggedHash(this.matching, "CheckChallenged", check.checkId);
    const bytes = await this.board.fetch(challengeHash);
    const response = respondToChallenge(this.privateKey, check.context, check.form, bytes, challengeHash, this.pool);
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

  async #expect(checkId: string, state: CheckState) {
    return expectState(this.matching, checkId, state);
  }

  async #address(): Promise<string> {
    return (this.matching.runner as Signer).getAddress();
  }
}

/** The bureau's side: it holds the subjects' values and works on the bank's ciphertexts. */
export class BureauClient {
  readonly #keys = new Map<string, PaillierPublicKey>();
  readonly #pending = new Map<string, BureauCheckState>();

  /**
   * @param valuesOf the subject's values by field, from the bureau's store
   * @param options.poolFor a randomness pool for a bank's key, if the bureau keeps one
   * @param options.blind how batches are blinded (`BlindingWorkers.blind` to use every core)
   */
  constructor(
    readonly matching: ConditionMatching,
    readonly board: MessageBoard,
    readonly valuesOf: (subject: string) => Promise<SubjectValues>,
    readonly options: {
      readonly poolFor?: (key: PaillierPublicKey) => RandomizerSource | undefined;
      readonly blind?: Blind;
    } = {},
  ) {}

  /**
   * Takes the next step the check needs from the bureau: in decision mode the blinded comparisons,
   * then the answer; in paper mode the answer. Refuses (throws, commits nothing) a form or response
   * that does not match its commitment or check, or carries a malformed ciphertext.
   * @returns the state the check is in afterwards
   */
  async step(checkId: string): Promise<CheckState> {
    const record = await this.matching.checkOf(checkId);
    const current = Number(await this.matching.state(checkId)) as CheckState;
    const key = await this.bankKey(record.bank, record.keyFingerprint);
    const context = await contextOf(this.matching, checkId, record.keyFingerprint);
    const blinding = { pool: this.options.poolFor?.(key), blind: this.options.blind };
    const decisionMode = Number(record.mode) === CheckModeId.Decision;

    if (current === CheckState.Requested) {
      const form = readForm(key, context, await this.board.fetch(record.formHash), record.formHash);
      const values = await this.valuesOf(record.subject);
      if (decisionMode) {
        const message = await challenge(context, form, values, blinding);
        await this.board.publish(message.bytes);
        this.#pending.set(checkId, message.state);
        await (await this.matching.postChallenge(checkId, message.hash)).wait();
        return CheckState.Challenged;
      }
      const answer = await answerPaper(context, form, values, blinding);
      await this.board.publish(answer.bytes);
      await (await this.matching.postAnswer(checkId, answer.hash)).wait();
      return CheckState.Answered;
    }
    if (current === CheckState.Responded) {
      const state = this.#pending.get(checkId);
      if (!state) throw new Error(`check ${checkId}: no challenge state kept for it: the bureau cannot answer`);
      const responseHash = await loggedHash(this.matching, "CheckResponded", checkId);
      const response = await this.board.fetch(responseHash);
      const answer = await answerDecision(key, context, state, response, responseHash, blinding);
      await this.board.publish(answer.bytes);
      await (await this.matching.postAnswer(checkId, answer.hash)).wait();
      this.#pending.delete(checkId);
      return CheckState.Answered;
    }
    throw new Error(`check ${checkId}: nothing for the bureau to do in state ${CheckState[current]}`);
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
