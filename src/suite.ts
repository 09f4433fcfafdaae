/**
 * The deployed BlindCredit suite as typed contract handles, read from hardhat-deploy's
 * deployment records: one loader for the demo, the tests, the scripts and the CLI.
 * @module
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
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
  return {
    history: HistoryRecord__factory.connect(await address("HistoryRecord"), signer),
    classification: NodeClassification__factory.connect(await address("NodeClassification"), signer),
    consensus: ConsensusJudgment__factory.connect(await address("ConsensusJudgment"), signer),
    permissions: PermissionSetting__factory.connect(await address("PermissionSetting"), signer),
    ownership: OwnershipJudgment__factory.connect(await address("OwnershipJudgment"), signer),
    matching: ConditionMatching__factory.connect(await address("ConditionMatching"), signer),
  };
}
