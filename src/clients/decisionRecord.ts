/**
 * The record a bank keeps of a decided check (and may give the subject): what was asked, the decision, and the salt
 * that opens the decision's on-chain commitment (`ConditionMatching.verifyDecision(checkId, approved, salt)`).
 * @module
 */
import type { CheckModeName } from "../contractEnums";
import { decisionHash } from "../protocol/chain";
import type { Condition } from "../protocol/form";
import type { CheckOutcome, CheckRequest } from "./bankCheck";

/** A saved decision record (JSON; bigints as decimal strings). */
export interface DecisionRecord {
  readonly checkId: string;
  readonly chainId: bigint;
  /** The condition-matching contract. */
  readonly contract: string;
  readonly bank: string;
  readonly subject: string;
  readonly bureau: string;
  readonly mode: CheckModeName;
  readonly approved: boolean;
  /** Opens the on-chain commitment: keep it secret until the subject asks for it. */
  readonly salt: string;
  readonly decisionHash: string;
  readonly keyFingerprint: string;
  readonly conditions: readonly Condition[];
  /** What the bank decrypted: its shares (decision mode) or the shuffled matches (paper mode). */
  readonly view: { readonly shares: readonly (0 | 1)[]; readonly matches: readonly boolean[] };
}

/** The claim a decision record makes: the decision and the salt that should open its commitment. */
export interface DecisionClaim {
  readonly approved: boolean;
  readonly salt: string;
}

/**
 * The record of a check run to its decision.
 * @param request what the bank asked for (its conditions are kept as written)
 * @param bank the bank's address
 */
export function decisionRecordOf(
  { check, decision }: CheckOutcome,
  request: CheckRequest,
  bank: string,
): DecisionRecord {
  return {
    checkId: check.checkId,
    chainId: check.context.chainId,
    contract: check.context.contract,
    bank,
    subject: request.subject,
    bureau: request.bureau,
    mode: request.mode,
    approved: decision.approved,
    salt: decision.salt,
    decisionHash: decisionHash(check.checkId, decision.approved, decision.salt),
    keyFingerprint: check.context.keyFingerprint,
    conditions: request.conditions,
    view: { shares: decision.view.shares, matches: decision.view.matches },
  };
}

/**
 * Reads the claim of a saved decision record, checking its shape.
 * @param json the record's text
 * @param checkId the check it should be the record of (lower-case bytes32 hex), if known
 * @throws Error saying what was expected and what came
 */
export function parseDecisionClaim(json: string, checkId?: string): DecisionClaim {
  let record: { checkId?: unknown; approved?: unknown; salt?: unknown };
  try {
    record = JSON.parse(json);
  } catch (e) {
    throw new Error(`expected JSON, got text that does not parse (${(e as Error).message})`);
  }
  if (checkId !== undefined && typeof record.checkId === "string" && record.checkId.toLowerCase() !== checkId) {
    throw new Error(`it is the record of check ${record.checkId}, not of ${checkId}`);
  }
  if (typeof record.approved !== "boolean") throw new Error(`expected "approved": true or false`);
  if (typeof record.salt !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(record.salt)) {
    throw new Error(`expected "salt" as 0x and 64 hex digits`);
  }
  return { approved: record.approved, salt: record.salt };
}
