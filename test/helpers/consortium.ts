/**
 * Test fixtures for the consortium layer: the suite as the deploy files build it, and the
 * accounts by role.
 */
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadSuite, type Suite } from "../../src/suite";

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

/** The consortium deployed by the deploy files (tag `consortium`), with the actors. */
export async function deployConsortium(): Promise<Suite & Actors> {
  await hre.deployments.fixture(["consortium"]);
  return { ...(await loadSuite(hre)), ...(await actors()) };
}
