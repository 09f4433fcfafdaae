/**
 * The consortium side of the role clients: a subject vouching for a newcomer, voters voting.
 * Paper flow 3.3.
 * @module
 */
import { isAddress } from "ethers";
import type { ConsensusJudgment, NodeClassification } from "../../typechain-types";
import { NodeStatus, NodeType, ProposalState } from "../contractEnums";
import { findEvent } from "./events";

/** What happened when admission was asked for. */
export type AdmissionRequest =
  | { readonly status: "already-member" }
  | { readonly status: "vote-opened"; readonly proposalId: bigint };

/**
 * Paper 3.3 steps (2)–(3): an active node (typically the subject a bank approached) submits
 * `account` to node classification. A member of that type already is a no-op; anyone else
 * goes to a consortium vote.
 * @param classification node classification, connected to the requesting node's signer
 * @param account the newcomer's address
 * @param nodeType what it asks to be
 * @throws Error when `account` is not an address or `nodeType` is `None`; contract errors otherwise
 */
export async function requestAdmission(
  classification: NodeClassification,
  account: string,
  nodeType: NodeType,
): Promise<AdmissionRequest> {
  if (!isAddress(account)) throw new Error(`expected an Ethereum address, got "${account}"`);
  if (nodeType === NodeType.None) throw new Error("expected a node type other than None");
  const tx = await classification.requestAdmission(account, nodeType);
  const event = await findEvent(classification, tx, "AdmissionRequested");
  if (!event) return { status: "already-member" };
  return { status: "vote-opened", proposalId: event.args.proposalId as bigint };
}

/** A proposal's standing, in the terms a voter reads. */
export interface ProposalView {
  readonly id: bigint;
  readonly state: ProposalState;
  readonly account: string;
  readonly approvals: number;
  readonly rejections: number;
  readonly quorum: number;
  readonly deadline: number;
}

/**
 * Casts a vote and returns the proposal's standing after it.
 * @param consensus consensus judgment, connected to the voter's signer
 */
export async function castVote(
  consensus: ConsensusJudgment,
  proposalId: bigint,
  support: boolean,
): Promise<ProposalView> {
  await (await consensus.vote(proposalId, support)).wait();
  return readProposal(consensus, proposalId);
}

/** Reads a proposal and its derived state. */
export async function readProposal(consensus: ConsensusJudgment, proposalId: bigint): Promise<ProposalView> {
  const [p, state] = await Promise.all([consensus.proposal(proposalId), consensus.state(proposalId)]);
  return {
    id: proposalId,
    state: Number(state) as ProposalState,
    account: p.account,
    approvals: Number(p.approvals),
    rejections: Number(p.rejections),
    quorum: Number(p.quorum),
    deadline: Number(p.deadline),
  };
}

/** Whether `account` is an active node of `nodeType`. */
export async function isMemberAs(
  classification: NodeClassification,
  account: string,
  nodeType: NodeType,
): Promise<boolean> {
  const node = await classification.nodeOf(account);
  return Number(node.status) === NodeStatus.Active && Number(node.nodeType) === nodeType;
}
