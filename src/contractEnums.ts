/**
 * The contracts' enums in TypeScript (node types and statuses, proposal, audit, grant and check states, check
 * modes, refusal reasons): the same numbers cross the ABI.
 * @module
 */

/** The kind of node an address is (paper section 3.1). */
export enum NodeType {
  None = 0,
  CreditSubject = 1,
  CreditBureau = 2,
  InformationProvider = 3,
  CreditAccessUser = 4,
}

/** Where a node stands in the consortium. */
export enum NodeStatus {
  Unknown = 0,
  Active = 1,
  Removed = 2,
}

/** The lifecycle of a consensus proposal, mirroring `IConsensusJudgment.ProposalState`. */
export enum ProposalState {
  Nonexistent = 0,
  Active = 1,
  Defeated = 2,
  Expired = 3,
  Executed = 4,
}

/** What a consensus proposal would do, mirroring `IConsensusJudgment.ProposalKind`. */
export enum ProposalKind {
  AdmitNode = 0,
  RemoveNode = 1,
  AddVoter = 2,
  RemoveVoter = 3,
  GrantRole = 4,
  RevokeRole = 5,
}

/** What an audit entry records, mirroring `IHistoryRecord.AuditAction`. */
export enum AuditAction {
  AdmissionRequested = 0,
  NodeAdmitted = 1,
  NodeRemoved = 2,
  IdentityCommitted = 3,
  DataCommitted = 4,
  PermissionRequested = 5,
  PermissionGranted = 6,
  PermissionRevoked = 7,
  CheckRequested = 8,
  CheckAnswered = 9,
  CheckDecided = 10,
  CheckRefused = 11,
  PermissionDeclined = 12,
}

/** How much the bank learns from a check, mirroring `IConditionMatching.CheckMode`. */
export enum CheckMode {
  Decision = 0,
  Paper = 1,
}

/** A check mode as forms, options and records write it: its enum name in lower case. */
export type CheckModeName = "decision" | "paper";

/**
 * The mode a name stands for.
 * @example checkModeNamed("paper") // CheckMode.Paper
 */
export function checkModeNamed(name: CheckModeName): CheckMode {
  return name === "decision" ? CheckMode.Decision : CheckMode.Paper;
}

/**
 * The name of a mode, as `checkOf(id).mode` returns it (a bigint) or as the enum.
 * @throws RangeError for a number that is no mode
 * @example checkModeName(0n) // "decision"
 */
export function checkModeName(mode: CheckMode | bigint): CheckModeName {
  const value = Number(mode);
  if (value === CheckMode.Decision) return "decision";
  if (value === CheckMode.Paper) return "paper";
  throw new RangeError(`check mode: expected 0 (decision) or 1 (paper), got ${String(mode)}`);
}

/** The lifecycle of a credit check, mirroring `IConditionMatching.CheckState`. */
export enum CheckState {
  None = 0,
  Requested = 1,
  Challenged = 2,
  Responded = 3,
  Answered = 4,
  Decided = 5,
  Expired = 6,
  Refused = 7,
}

/** Why the bureau refused a check, mirroring `IConditionMatching.RefusalReason`. */
export enum RefusalReason {
  NoData = 0,
  TamperedData = 1,
  InvalidProof = 2,
  GrantRevoked = 3,
  InvalidMessage = 4,
}

/** The lifecycle of a grant, mirroring `IPermissionSetting.GrantState` (derived by `grantState`). */
export enum GrantState {
  None = 0,
  Active = 1,
  Expired = 2,
  Exhausted = 3,
  Revoked = 4,
}

/**
 * Parses a node type from its name (case-insensitive, dashes or underscores allowed) or number.
 * @param value e.g. `"credit-access-user"`, `"CreditBureau"` or `"4"`
 * @returns the node type
 * @throws Error when the value names no node type
 * @example parseNodeType("credit-access-user") // NodeType.CreditAccessUser
 */
export function parseNodeType(value: string): NodeType {
  const key = value.replace(/[-_\s]/g, "").toLowerCase();
  for (const [name, number] of Object.entries(NodeType)) {
    if (typeof number !== "number" || number === NodeType.None) continue;
    if (name.toLowerCase() === key || String(number) === key) return number;
  }
  const known = Object.keys(NodeType).filter((k) => Number.isNaN(Number(k)) && k !== "None");
  throw new Error(`expected a node type (${known.join(", ")} or 1-4), got "${value}"`);
}
