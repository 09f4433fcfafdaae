/**
 * What the page reads from and sends to the contracts, through the subject's wallet. Handles are built from the
 * interfaces' ABIs (the project's TypeChain types): the full contract factories carry deployment bytecode the page
 * never needs.
 * @module
 */
import { Contract, ZeroHash, type ContractRunner, type Log } from "ethers";
import type { ConditionMatching, PermissionSetting } from "../../typechain-types";
import { IERC5267__factory } from "../../typechain-types/factories/@openzeppelin/contracts/interfaces/IERC5267__factory";
import { Nonces__factory } from "../../typechain-types/factories/@openzeppelin/contracts/utils/Nonces__factory";
import { IConditionMatching__factory } from "../../typechain-types/factories/contracts/interfaces/IConditionMatching__factory";
import { IHistoryRecord__factory } from "../../typechain-types/factories/contracts/interfaces/IHistoryRecord__factory";
import { INodeClassification__factory } from "../../typechain-types/factories/contracts/interfaces/INodeClassification__factory";
import { IOwnershipJudgment__factory } from "../../typechain-types/factories/contracts/interfaces/IOwnershipJudgment__factory";
import { IPermissionSetting__factory } from "../../typechain-types/factories/contracts/interfaces/IPermissionSetting__factory";
import type { INodeClassification } from "../../typechain-types/contracts/interfaces/INodeClassification";
import type { IOwnershipJudgment } from "../../typechain-types/contracts/interfaces/IOwnershipJudgment";
import { CheckMode, CheckState, GrantState, NodeStatus, NodeType, RefusalReason } from "../../src/contractEnums";
import type { PortalConfig } from "../../src/portal/config";

/** Typed handles on the contracts the page uses. */
export interface Contracts {
  readonly permissions: PermissionSetting;
  readonly classification: INodeClassification;
  readonly ownership: IOwnershipJudgment;
  readonly matching: ConditionMatching;
}

/** Handles on the deployment in `config`, sending from (or reading through) `runner`. */
export function connectContracts(config: PortalConfig, runner: ContractRunner): Contracts {
  const { contracts } = config;
  // PermissionSetting's consent API is its interface plus OpenZeppelin's Nonces and EIP-5267.
  const permissionsAbi = [...IPermissionSetting__factory.abi, ...Nonces__factory.abi, ...IERC5267__factory.abi];
  const matchingAbi = [...IConditionMatching__factory.abi];
  return {
    permissions: new Contract(contracts.PermissionSetting, permissionsAbi, runner) as unknown as PermissionSetting,
    classification: INodeClassification__factory.connect(contracts.NodeClassification, runner),
    ownership: IOwnershipJudgment__factory.connect(contracts.OwnershipJudgment, runner),
    matching: new Contract(contracts.ConditionMatching, matchingAbi, runner) as unknown as ConditionMatching,
  };
}

/** Every contract interface the page may see a revert from, to decode it. */
export const ERROR_INTERFACES = [
  IPermissionSetting__factory.createInterface(),
  IOwnershipJudgment__factory.createInterface(),
  INodeClassification__factory.createInterface(),
  IConditionMatching__factory.createInterface(),
  IHistoryRecord__factory.createInterface(),
];

/** Where the subject stands: registered or not, and its identity commitment. */
export interface Standing {
  readonly nodeType: NodeType;
  readonly status: NodeStatus;
  readonly commitment: string;
  /** An active credit subject with an identity commitment: everything else is open to it. */
  readonly registered: boolean;
}

export async function standingOf(c: Contracts, subject: string): Promise<Standing> {
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

/** A member of the consortium as the page shows it. */
export interface Member {
  readonly address: string;
  readonly nodeType: NodeType;
  readonly active: boolean;
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
 * The requests still waiting for the subject: asked (`PermissionRequested`), still stored, and not answered since
 * by a grant set after the last ask (a grant on other terms answers it too).
 */
export async function pendingRequests(c: Contracts, subject: string, fromBlock: number): Promise<PendingRequest[]> {
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

/** The largest page the contracts serve. */
const PAGE = 100;

/** Everyone the subject has ever granted to, with the state `grantState` derives. */
export async function grantsOf(c: Contracts, subject: string): Promise<GrantRow[]> {
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

/** One check of the subject's data, as "who checked me" lists it. */
export interface CheckRow {
  readonly checkId: string;
  readonly bank: string;
  readonly time: number;
  readonly mode: CheckMode;
  readonly state: CheckState;
  readonly refusal?: RefusalReason;
  readonly block: number;
}

/** Every check opened on the subject's data, newest first, with how it ended. */
export async function checksOf(c: Contracts, subject: string, fromBlock: number): Promise<CheckRow[]> {
  const opened = await c.matching.queryFilter(
    c.matching.filters.CheckRequested(undefined, undefined, subject),
    fromBlock,
  );
  const rows = await Promise.all(
    opened.map(async (log) => {
      const { checkId, bank, mode } = log.args;
      const [state, block] = await Promise.all([c.matching.state(checkId), log.getBlock()]);
      let refusal: RefusalReason | undefined;
      if (Number(state) === CheckState.Refused) {
        const [refused] = await c.matching.queryFilter(c.matching.filters.CheckRefused(checkId), log.blockNumber);
        refusal = refused ? (Number(refused.args.reason) as RefusalReason) : undefined;
      }
      return {
        checkId,
        bank,
        time: block.timestamp,
        mode: Number(mode) as CheckMode,
        state: Number(state) as CheckState,
        refusal,
        block: log.blockNumber,
      };
    }),
  );
  return rows.sort((a, b) => b.block - a.block);
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
export async function verifyDecision(c: Contracts, checkId: string, salt: string): Promise<DecisionCheck> {
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
export async function categoriesOf(c: Contracts, subject: string, fromBlock: number): Promise<CategoryRow[]> {
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

async function memberOf(c: Contracts, address: string): Promise<Member> {
  const node = await c.classification.nodeOf(address);
  return { address, nodeType: Number(node.nodeType) as NodeType, active: Number(node.status) === NodeStatus.Active };
}

/** A log's place in the chain, to order an ask against an answer. */
function position(log: Log): number {
  return log.blockNumber * 1_000_000 + log.index;
}
