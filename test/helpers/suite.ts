/**
 * Test fixtures: the suite as the deploy files build it, and the
 * accounts by role.
 */
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, ContractTransactionResponse } from "ethers";
import { loadSuite, type Suite } from "../../src/suite";
import { NodeType } from "../../src/contractEnums";
import { Level } from "../../src/permissions";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BankClient } from "../../src/clients/bankCheck";
import { submitCreditRecord } from "../../src/clients/provider";
import { parseRecordFields } from "../../src/protocol/records";
import type { MessageBoard } from "../../src/protocol/board";
import type { DgkPublicKey } from "../../src/dgk";
import { fixtureKey } from "../paillier/helpers";
import { LOAN } from "./samples";

/** Accounts by role, matching `namedAccounts` in hardhat.config.ts (0–4) plus test actors. */
export interface Actors {
  readonly deployer: HardhatEthersSigner;
  readonly voters: readonly HardhatEthersSigner[];
  readonly bureau: HardhatEthersSigner;
  readonly subject: HardhatEthersSigner;
  readonly bank: HardhatEthersSigner;
  readonly outsider: HardhatEthersSigner;
  readonly provider: HardhatEthersSigner;
  readonly newVoter: HardhatEthersSigner;
}

/** The signers by role. */
export async function actors(): Promise<Actors> {
  const s = await ethers.getSigners();
  return {
    deployer: s[0],
    voters: [s[1], s[2], s[3]],
    bureau: s[4],
    subject: s[5],
    bank: s[6],
    outsider: s[7],
    provider: s[8],
    newVoter: s[9],
  };
}

/**
 * The whole suite as the deploy files build it, with the actors.
 * @param deploy runs the deploy files; default hardhat-deploy's fixture (a snapshot reverted to after the first run)
 */
export async function deploySuite(
  deploy: () => Promise<unknown> = () => hre.deployments.fixture(),
): Promise<Suite & Actors> {
  await deploy();
  return { ...(await loadSuite(hre)), ...(await actors()) };
}

/** Opens a proposal with `open` (as the first voter) and passes it by the votes of the first two voters. */
async function passVote(
  f: Suite & Actors,
  open: (consensus: Suite["consensus"]) => Promise<ContractTransactionResponse>,
): Promise<void> {
  await (await open(f.consensus.connect(f.voters[0]))).wait();
  const id = await f.consensus.proposalCount();
  await (await f.consensus.connect(f.voters[0]).vote(id, true)).wait();
  await (await f.consensus.connect(f.voters[1]).vote(id, true)).wait();
}

/** Admits `account` as `nodeType` by a passed vote of the first two voters. */
export async function admitByVote(f: Suite & Actors, account: string, nodeType: NodeType): Promise<void> {
  await passVote(f, (c) => c.proposeAdmission(account, nodeType));
}

/** Removes the active node `account` by a passed vote of the first two voters. */
export async function removeByVote(f: Suite & Actors, account: string): Promise<void> {
  await passVote(f, (c) => c.proposeRemoval(account));
}

/**
 * Grants `account` the role `role` on `target` by a passed vote of the first two voters: after
 * deployment the consensus contract is the only admin, so this is how a test gets a role.
 */
export async function grantRoleByVote(
  f: Suite & Actors,
  target: BaseContract,
  role: string,
  account: string,
): Promise<void> {
  const address = await target.getAddress();
  await passVote(f, (c) => c.proposeRoleChange(address, role, account, true));
}

/** The subject's identity commitment in the tests: keccak256(abi.encode(salt, identity)). */
export const SUBJECT_SALT = ethers.id("salt of the test subject");
export const SUBJECT_IDENTITY = ethers.toUtf8Bytes("ID 110101199003070000, Zhang San");
export const SUBJECT_COMMITMENT = ethers.keccak256(
  ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes"], [SUBJECT_SALT, SUBJECT_IDENTITY]),
);

/**
 * The suite with its members in place: the subject registered with its identity committed, the
 * bank admitted as a credit access user and the provider as an information provider.
 */
export async function deployWithMembers(deploy?: () => Promise<unknown>): Promise<Suite & Actors> {
  const f = await deploySuite(deploy);
  await (await f.classification.connect(f.subject).registerSubject()).wait();
  await (await f.ownership.connect(f.subject).commitIdentity(SUBJECT_COMMITMENT)).wait();
  await admitByVote(f, f.bank.address, NodeType.CreditAccessUser);
  await admitByVote(f, f.provider.address, NodeType.InformationProvider);
  return f;
}

/**
 * Sends a transaction and returns "ok", or the name of the custom error it reverted with, as
 * decoded by the first of `decoders` that knows it: for model-based tests that predict outcomes.
 */
export async function outcome(
  decoders: readonly BaseContract[],
  send: () => Promise<ContractTransactionResponse>,
): Promise<string> {
  try {
    await (await send()).wait();
    return "ok";
  } catch (e) {
    const data = (e as { data?: string }).data;
    const parsed = data ? decoders.map((c) => c.interface.parseError(data)).find((p) => p) : undefined;
    if (!parsed) throw e;
    return parsed.name;
  }
}

/**
 * {@link deployWithMembers}, with the subject's grants a bureau service needs: a blind read to the bank and a write to
 * the provider, for 30 days and 10 uses each.
 */
export async function deployWithGrants(deploy?: () => Promise<unknown>): Promise<Suite & Actors> {
  const f = await deployWithMembers(deploy);
  const expiry = BigInt(await time.latest()) + 30n * 86_400n;
  await f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, expiry, 10);
  await f.permissions.connect(f.subject).setPermission(f.provider.address, Level.Write, expiry, 10);
  return f;
}

/**
 * The provider writes the subject's record, `values` by field name (as `parseRecordFields` reads them), through the
 * bureau service at `url`: delivered signed for the suite's bureau, then its hash committed.
 */
export function submitSubjectRecord(f: Suite & Actors, url: string, values: Record<string, unknown>) {
  const provider = f.ownership.connect(f.provider);
  return submitCreditRecord(provider, url, f.bureau.address, f.subject.address, parseRecordFields(values));
}

/**
 * The bank (with the 2048-bit fixture key, registered here) opens a decision-mode check of the subject on the
 * sample loan, through `board`; under `comparisonKey` when given (a key the bureau reserved to the bank).
 */
export async function openLoanCheck(f: Suite & Actors, board: MessageBoard, comparisonKey?: DgkPublicKey) {
  const bank = new BankClient(f.matching.connect(f.bank), fixtureKey(2048), board);
  await bank.registerKey();
  const check = await bank.openCheck({
    subject: f.subject.address,
    bureau: f.bureau.address,
    mode: "decision",
    conditions: LOAN,
    comparisonKey,
  });
  return { bank, check };
}
