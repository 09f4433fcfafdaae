/**
 * The deployed BlindCredit suite as typed contract handles, read from hardhat-deploy's
 * deployment records: one loader for the demo, the tests, the scripts and the CLI.
 * @module
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractRunner, Signer } from "ethers";
import {
  ConditionMatching__factory,
  ConsensusJudgment__factory,
  HistoryRecord__factory,
  NodeClassification__factory,
  OwnershipJudgment__factory,
  PermissionSetting__factory,
  type ConditionMatching,
  type ConsensusJudgment,
  type HistoryRecord,
  type NodeClassification,
  type OwnershipJudgment,
  type PermissionSetting,
} from "../typechain-types";

/** Typed handles on every deployed BlindCredit contract. */
export interface Suite {
  readonly history: HistoryRecord;
  readonly classification: NodeClassification;
  readonly consensus: ConsensusJudgment;
  readonly permissions: PermissionSetting;
  readonly ownership: OwnershipJudgment;
  readonly matching: ConditionMatching;
}

/**
 * Connects to the suite deployed on `hre`'s network.
 * @param hre the Hardhat runtime (with hardhat-deploy)
 * @param runner the signer the handles send from (defaults to the first account)
 * @throws Error when a contract has no deployment record on this network
 */
export async function loadSuite(hre: HardhatRuntimeEnvironment, runner?: Signer): Promise<Suite> {
  const signer = runner ?? (await hre.ethers.getSigners())[0];
  const address = async (name: string): Promise<string> => {
    const deployment = await hre.deployments.getOrNull(name);
    if (!deployment) {
      throw new Error(`expected a deployment of ${name} on network "${hre.network.name}", found none: deploy first`);
    }
    return deployment.address;
  };
  return suiteAt(
    {
      HistoryRecord: await address("HistoryRecord"),
      NodeClassification: await address("NodeClassification"),
      ConsensusJudgment: await address("ConsensusJudgment"),
      PermissionSetting: await address("PermissionSetting"),
      OwnershipJudgment: await address("OwnershipJudgment"),
      ConditionMatching: await address("ConditionMatching"),
    },
    signer,
  );
}

/** The contracts' names, as the deployment records name them. */
export type SuiteAddresses = Readonly<
  Record<
    | "HistoryRecord"
    | "NodeClassification"
    | "ConsensusJudgment"
    | "PermissionSetting"
    | "OwnershipJudgment"
    | "ConditionMatching",
    string
  >
>;

/** Handles on the suite at these addresses, sending from (or reading through) `runner`. */
export function suiteAt(addresses: SuiteAddresses, runner: ContractRunner): Suite {
  return {
    history: HistoryRecord__factory.connect(addresses.HistoryRecord, runner),
    classification: NodeClassification__factory.connect(addresses.NodeClassification, runner),
    consensus: ConsensusJudgment__factory.connect(addresses.ConsensusJudgment, runner),
    permissions: PermissionSetting__factory.connect(addresses.PermissionSetting, runner),
    ownership: OwnershipJudgment__factory.connect(addresses.OwnershipJudgment, runner),
    matching: ConditionMatching__factory.connect(addresses.ConditionMatching, runner),
  };
}

/** The same contracts, sending from `runner`. */
export function connectSuite(suite: Suite, runner: ContractRunner): Suite {
  return {
    history: suite.history.connect(runner),
    classification: suite.classification.connect(runner),
    consensus: suite.consensus.connect(runner),
    permissions: suite.permissions.connect(runner),
    ownership: suite.ownership.connect(runner),
    matching: suite.matching.connect(runner),
  };
}
