/**
 * The record a bank keeps of a decided check, private to the bank (its conditions are its thresholds, its shares its
 * coin flips): what was asked, the decision, and the salt that opens the decision's on-chain commitment
 * (`ConditionMatching.verifyDecision(checkId, approved, salt)`); and the receipt a bank gives the subject, which holds
 * only the check, the decision and that salt. Browser-safe: the portal reads receipts with it.
 * @module
 */
import type { CheckModeName } from "../contractEnums";
import { parseJson } from "../json";
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
  const record = (parseJson(json, "the record") ?? {}) as { checkId?: unknown; approved?: unknown; salt?: unknown };
  if (checkId !== undefined && typeof record.checkId === "string" && record.checkId.toLowerCase() !== checkId) {
    throw new Error(`it is the record of check ${record.checkId}, not of ${checkId}`);
  }
  if (typeof record.approved !== "boolean") throw new Error(`expected "approved": true or false`);
  if (typeof record.salt !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(record.salt)) {
    throw new Error(`expected "salt" as 0x and 64 hex digits`);
  }
  return { approved: record.approved, salt: record.salt };
}

/** The format tag of a subject's receipt. */
export const RECEIPT_FORMAT = "blindcredit.decision-receipt.v1";

/**
 * What a bank gives the subject about a decided check: which check, the decision, and the salt that opens its
 * on-chain commitment. Nothing else: no condition, no share, no key.
 */
export interface SubjectReceipt {
  readonly format: typeof RECEIPT_FORMAT;
  readonly checkId: string;
  /** Decimal. */
  readonly chainId: string;
  /** The condition-matching contract. */
  readonly contract: string;
  readonly approved: boolean;
  readonly salt: string;
}

/**
 * The subject's receipt of a check, from the bank's saved record (its JSON text).
 * @param checkId the check it should be the record of (lower-case bytes32 hex), if known
 * @throws Error saying what was expected and what came
 */
export function receiptOfRecord(json: string, checkId?: string): SubjectReceipt {
  const claim = parseDecisionClaim(json, checkId);
  const record = JSON.parse(json) as { checkId?: unknown; chainId?: unknown; contract?: unknown };
  if (typeof record.checkId !== "string" || !BYTES32.test(record.checkId)) {
    throw new Error(`expected "checkId" as 0x and 64 hex digits, got ${JSON.stringify(record.checkId)}`);
  }
  if (typeof record.chainId !== "string" || !/^\d+$/.test(record.chainId)) {
    throw new Error(`expected "chainId" as a decimal string, got ${JSON.stringify(record.chainId)}`);
  }
  if (typeof record.contract !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(record.contract)) {
    throw new Error(`expected "contract" as an address, got ${JSON.stringify(record.contract)}`);
  }
  return {
    format: RECEIPT_FORMAT,
    checkId: record.checkId.toLowerCase(),
    chainId: record.chainId,
    contract: record.contract,
    approved: claim.approved,
    salt: claim.salt,
  };
}

/**
 * A link that opens the subject's portal on the verification of `receipt`. The check and the salt travel in the
 * fragment (after `#`), which the browser never sends to a server.
 * @param portalUrl the portal's address, e.g. `http://127.0.0.1:8700/`
 */
export function receiptLink(portalUrl: string, receipt: Pick<SubjectReceipt, "checkId" | "salt">): string {
  const base = portalUrl.split("#")[0];
  return `${base}#verify?check=${receipt.checkId}&salt=${receipt.salt}`;
}

/** The check and salt of a receipt link's fragment (`#verify?check=…&salt=…`), or undefined for any other. */
export function parseReceiptLink(fragment: string): { checkId: string; salt: string } | undefined {
  const match = /^#verify\?check=(0x[0-9a-fA-F]{64})&salt=(0x[0-9a-fA-F]{64})$/.exec(fragment);
  return match ? { checkId: match[1].toLowerCase(), salt: match[2].toLowerCase() } : undefined;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
