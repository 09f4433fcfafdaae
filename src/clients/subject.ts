/**
 * The credit subject's client, one for the command line and the web portal: where the subject stands, its pending
 * permission requests, its grants, its audit trail and who checked it, and its answers (approve, decline, grant,
 * revoke). Browser-safe: it imports ethers and the contract types only, so the portal bundles it as it is.
 *
 * One rule for each question, so that the CLI and the portal never disagree:
 * - a request is pending when it was asked (`PermissionRequested`), is still stored (`requestOf`), and no grant was
 *   set for the requester after the last ask (a grant on other terms answers it too);
 * - "who checked me" is the subject's audit trail in the history record (its `CheckRequested` entries), each check's
 *   state read from the condition-matching contract.
 * @module
 */
import { ZeroHash, type ContractTransactionResponse, type Log } from "ethers";
import { termsOf } from "../permissions";
import { requestBureau, signedAs, type BureauParty } from "./bureauRequest";
import { AuditAction, CheckMode, CheckState, GrantState, NodeStatus, NodeType, RefusalReason } from "../contractEnums";
import type {
  ConditionMatching,
  HistoryRecord,
  NodeClassification,
  OwnershipJudgment,
  PermissionSetting,
} from "../../typechain-types";

/** The contracts the subject's client reads and sends to (a `Suite` has them all). */
export interface SubjectContracts {
  readonly history: HistoryRecord;
  readonly classification: NodeClassification;
  readonly permissions: PermissionSetting;
  readonly ownership: OwnershipJudgment;
  readonly matching: ConditionMatching;
}

/** The largest page the contracts serve. */
export const PAGE = 100;

/** Where the subject stands: registered or not, and its identity commitment. */
export interface Standing {
  readonly nodeType: NodeType;
  readonly status: NodeStatus;
  readonly commitment: string;
  /** An active credit subject with an identity commitment: everything else is open to it. */
  readonly registered: boolean;
}

export async function standingOf(c: SubjectContracts, subject: string): Promise<Standing> {
  const [node, commitment] = await Promise.all([
    c.classification.nodeOf(subject),
    c.ownership.identityCommitmentOf(subject),
  ]);
  const nodeType = Number(node.nodeType) as NodeType;
  const status = Number(node.status) as NodeStatus;
  return {
    nodeType,
    status,
    commitment,
    registered: nodeType === NodeType.CreditSubject && status === NodeStatus.Active && commitment !== ZeroHash,
  };
}

/** A member of the consortium as the subject sees it. */
export interface Member {
  readonly address: string;
  readonly nodeType: NodeType;
  readonly active: boolean;
}

export async function memberOf(c: SubjectContracts, address: string): Promise<Member> {
  const node = await c.classification.nodeOf(address);
  return { address, nodeType: Number(node.nodeType) as NodeType, active: Number(node.status) === NodeStatus.Active };
}

/** A pending permission request. */
export interface PendingRequest {
  readonly grantee: Member;
  readonly levels: number;
  readonly expiry: bigint;
  readonly maxUses: number;
  /** The levels a member of the grantee's type may hold. */
  readonly allowed: number;
}

/**
 * The requests still waiting for the subject's answer (see the module's rule), oldest ask first.
 * @param fromBlock where to search the request events from (the deployment's block)
 */
export async function pendingRequests(c: SubjectContracts, subject: string, fromBlock = 0): Promise<PendingRequest[]> {
  const [asked, set] = await Promise.all([
    c.permissions.queryFilter(c.permissions.filters.PermissionRequested(subject), fromBlock),
    c.permissions.queryFilter(c.permissions.filters.PermissionSet(subject), fromBlock),
  ]);
  const lastAsk = new Map<string, Log>();
  for (const log of asked) lastAsk.set(log.args.grantee, log);
  const lastSet = new Map<string, Log>();
  for (const log of set) lastSet.set(log.args.grantee, log);
  const open = [...lastAsk].filter(([grantee, ask]) => {
    const answer = lastSet.get(grantee);
    return !answer || position(answer) < position(ask);
  });
  const requests = await Promise.all(
    open.map(async ([grantee]) => {
      const [request, member] = await Promise.all([c.permissions.requestOf(subject, grantee), memberOf(c, grantee)]);
      if (request.levels === 0n) return undefined;
      return {
        grantee: member,
        levels: Number(request.levels),
        expiry: request.expiry,
        maxUses: Number(request.maxUses),
        allowed: Number(await c.permissions.allowedLevels(member.nodeType)),
      };
    }),
  );
  return requests.filter((r): r is PendingRequest => r !== undefined);
}

/** A grant as listed, with its derived state. */
export interface GrantRow {
  readonly grantee: Member;
  readonly grantId: string;
  readonly levels: number;
  readonly expiry: bigint;
  readonly uses: number;
  readonly maxUses: number;
  readonly state: GrantState;
}

/** Everyone the subject has ever granted to, with the state `grantState` derives. */
export async function grantsOf(c: SubjectContracts, subject: string): Promise<GrantRow[]> {
  const rows: GrantRow[] = [];
  for (let offset = 0n; ; offset += BigInt(PAGE)) {
    const [page, total] = await c.permissions.grantsOf(subject, offset, PAGE);
    rows.push(
      ...(await Promise.all(
        page.map(async (g) => ({
          grantee: await memberOf(c, g.grantee),
          grantId: g.grantId,
          levels: Number(g.grant.levels),
          expiry: g.grant.expiry,
          uses: Number(g.grant.uses),
          maxUses: Number(g.grant.maxUses),
          state: Number(await c.permissions.grantState(subject, g.grantee)) as GrantState,
        })),
      )),
    );
    if (offset + BigInt(PAGE) >= total) return rows;
  }
}

/** One entry of the subject's audit trail. */
export interface AuditRow {
  readonly index: bigint;
  /** Unix seconds. */
  readonly time: number;
  readonly action: AuditAction;
  readonly actor: string;
  readonly ref: string;
}

/**
 * A page of the subject's audit trail (the history record), oldest first.
 * @param offset the first entry; default the last `limit` entries
 * @param limit at most {@link PAGE}
 */
export async function auditTrail(
  c: SubjectContracts,
  subject: string,
  limit = PAGE,
  offset?: bigint,
): Promise<{ total: bigint; offset: bigint; entries: AuditRow[] }> {
  const total = await c.history.auditLength(subject);
  const first = offset ?? (total > BigInt(limit) ? total - BigInt(limit) : 0n);
  if (total === 0n || first >= total) return { total, offset: first, entries: [] };
  const [page] = await c.history.auditTrail(subject, first, limit);
  const entries = page.map((e, i) => ({
    index: first + BigInt(i),
    time: Number(e.timestamp),
    action: Number(e.action) as AuditAction,
    actor: e.actor,
    ref: e.ref,
  }));
  return { total, offset: first, entries };
}

/** One check of the subject's data, as "who checked me" lists it. */
export interface CheckRow {
  readonly checkId: string;
  readonly bank: string;
  /** When it was opened, Unix seconds. */
  readonly time: number;
  readonly mode: CheckMode;
  readonly state: CheckState;
  /** Why the bureau refused it, when it did. */
  readonly refusal?: RefusalReason;
}

/** Every check opened on the subject's data (its audit trail's `CheckRequested` entries), newest first. */
export async function checksOf(c: SubjectContracts, subject: string): Promise<CheckRow[]> {
  const opened: AuditRow[] = [];
  for (let offset = 0n; ; offset += BigInt(PAGE)) {
    const { total, entries } = await auditTrail(c, subject, PAGE, offset);
    opened.push(...entries.filter((e) => e.action === AuditAction.CheckRequested));
    if (offset + BigInt(PAGE) >= total) break;
  }
  const rows = await Promise.all(
    opened.map(async (entry) => {
      const checkId = entry.ref;
      const [record, state] = await Promise.all([c.matching.checkOf(checkId), c.matching.state(checkId)]);
      let refusal: RefusalReason | undefined;
      if (Number(state) === CheckState.Refused) {
        const [refused] = await c.matching.queryFilter(c.matching.filters.CheckRefused(checkId));
        refusal = refused ? (Number(refused.args.reason) as RefusalReason) : undefined;
      }
      return {
        checkId,
        bank: entry.actor,
        time: entry.time,
        mode: Number(record.mode) as CheckMode,
        state: Number(state) as CheckState,
        refusal,
      };
    }),
  );
  return rows.reverse();
}

/** What verifying a decision a bank shared found. */
export type DecisionCheck =
  | { readonly kind: "opens"; readonly approved: boolean; readonly bank: string; readonly subject: string }
  | { readonly kind: "no-match" }
  | { readonly kind: "not-decided"; readonly state: CheckState };

/**
 * Whether `salt` opens the decision recorded for `checkId` (`ConditionMatching.verifyDecision`), trying both
 * outcomes: the subject then learns the outcome from the salt alone, and a bank cannot claim the other one.
 */
export async function verifyDecision(c: SubjectContracts, checkId: string, salt: string): Promise<DecisionCheck> {
  const state = Number(await c.matching.state(checkId)) as CheckState;
  if (state !== CheckState.Decided) return { kind: "not-decided", state };
  const [approved, declined, record] = await Promise.all([
    c.matching.verifyDecision(checkId, true, salt),
    c.matching.verifyDecision(checkId, false, salt),
    c.matching.checkOf(checkId),
  ]);
  if (!approved && !declined) return { kind: "no-match" };
  return { kind: "opens", approved, bank: record.bank, subject: record.subject };
}

/** A category of the subject's data with a committed hash. */
export interface CategoryRow {
  readonly category: string;
  readonly dataHash: string;
  readonly writer: string;
  readonly time: number;
}

/** The categories a writer committed a hash for, with the hash the chain holds now and its last writer. */
export async function categoriesOf(c: SubjectContracts, subject: string, fromBlock = 0): Promise<CategoryRow[]> {
  const logs = await c.ownership.queryFilter(c.ownership.filters.DataCommitted(subject), fromBlock);
  const last = new Map<string, (typeof logs)[number]>();
  for (const log of logs) last.set(log.args.category, log);
  return Promise.all(
    [...last].map(async ([category, log]) => ({
      category,
      dataHash: await c.ownership.dataHashOf(subject, category),
      writer: log.args.writer,
      time: (await log.getBlock()).timestamp,
    })),
  );
}

/** The terms of a grant. */
export interface GrantTerms {
  readonly levels: number;
  readonly expiry: bigint;
  /** 0 for unlimited. */
  readonly maxUses: number;
}

/**
 * Answers `request` with yes: exactly what was asked (`approveRequest`, bound to the terms read: it reverts
 * `PermissionRequestChanged` when the requester changed them since), or other terms the subject chose
 * (`setPermission`, which answers the request too).
 */
export function approve(
  c: SubjectContracts,
  request: { readonly levels: number; readonly expiry: bigint; readonly maxUses: number; readonly grantee: string },
  terms: GrantTerms = request,
): Promise<ContractTransactionResponse> {
  const same = terms.levels === request.levels && terms.expiry === request.expiry && terms.maxUses === request.maxUses;
  return same
    ? c.permissions.approveRequest(request.grantee, termsOf(request))
    : c.permissions.setPermission(request.grantee, terms.levels, terms.expiry, terms.maxUses);
}

/** Answers `requester`'s pending request with no: it is cleared, and the requester sees `RequestDeclined`. */
export function decline(c: SubjectContracts, requester: string): Promise<ContractTransactionResponse> {
  return c.permissions.declineRequest(requester);
}

/** Sets `grantee`'s grant to `terms`, replacing its current one. */
export function grant(c: SubjectContracts, grantee: string, terms: GrantTerms): Promise<ContractTransactionResponse> {
  return c.permissions.setPermission(grantee, terms.levels, terms.expiry, terms.maxUses);
}

/** Revokes `grantee`'s grant at once (and voids every consent the subject signed and it has not used). */
export function revoke(c: SubjectContracts, grantee: string): Promise<ContractTransactionResponse> {
  return c.permissions.revoke(grantee);
}

/** A log's place in the chain, to order an ask against an answer. */
function position(log: Log): number {
  return log.blockNumber * 1_000_000 + log.index;
}

/** The subject's own record as the bureau holds it: the version whose hash the chain holds now. */
export interface OwnRecord {
  readonly subject: string;
  /** keccak256 of the record: the on-chain commitment. */
  readonly hash: string;
  /** Field name → value as the schema writes it (e.g. `"creditScore": "712"`). */
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * The subject's right of access: reads its current record from the bureau, on a request signed by the subject's own
 * account for that bureau (`protocol/signedRequest`). The bureau serves it to that account only, and each signature
 * once.
 * @param bureauUrl the bureau's API (or the portal's origin, which forwards to it)
 * @param subject the subject's signer, and the bureau's address the request is bound to
 * @throws {BureauRefused} with the bureau's reason (another account or bureau, a replay, no record);
 *   {@link BureauUnavailable}; Error when `subject.bureau` is not an address
 */
export async function readOwnRecord(bureauUrl: string, subject: BureauParty): Promise<OwnRecord> {
  const path = `/v1/subjects/${await subject.signer.getAddress()}/record`;
  const response = await requestBureau(bureauUrl, path, { method: "GET" }, signedAs(subject, { method: "GET", path }));
  return (await response.json()) as OwnRecord;
}
