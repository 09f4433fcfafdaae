/**
 * The contracts the page reads from and sends to, through the subject's wallet, for the subject's client
 * (`src/clients/subject.ts`, shared with the command line). Handles are built from the interfaces' ABIs (the
 * project's TypeChain types): the full contract factories carry deployment bytecode the page never needs.
 * @module
 */
import { Contract, type ContractRunner } from "ethers";
import type {
  ConditionMatching,
  HistoryRecord,
  NodeClassification,
  OwnershipJudgment,
  PermissionSetting,
} from "../../typechain-types";
import { IERC5267__factory } from "../../typechain-types/factories/@openzeppelin/contracts/interfaces/IERC5267__factory";
import { Nonces__factory } from "../../typechain-types/factories/@openzeppelin/contracts/utils/Nonces__factory";
import { IConditionMatching__factory } from "../../typechain-types/factories/contracts/interfaces/IConditionMatching__factory";
import { IHistoryRecord__factory } from "../../typechain-types/factories/contracts/interfaces/IHistoryRecord__factory";
import { INodeClassification__factory } from "../../typechain-types/factories/contracts/interfaces/INodeClassification__factory";
import { IOwnershipJudgment__factory } from "../../typechain-types/factories/contracts/interfaces/IOwnershipJudgment__factory";
import { IPermissionSetting__factory } from "../../typechain-types/factories/contracts/interfaces/IPermissionSetting__factory";
import type { SubjectContracts } from "../../src/clients/subject";
import type { PortalConfig } from "../../src/portal/config";

/** Typed handles on the contracts the page uses: the subject client's. */
export type Contracts = SubjectContracts;

/** Handles on the deployment in `config`, sending from (or reading through) `runner`. */
export function connectContracts(config: PortalConfig, runner: ContractRunner): Contracts {
  const { contracts } = config;
  // PermissionSetting's consent API is its interface plus OpenZeppelin's Nonces and EIP-5267.
  const permissionsAbi = [...IPermissionSetting__factory.abi, ...Nonces__factory.abi, ...IERC5267__factory.abi];
  const matchingAbi = [...IConditionMatching__factory.abi];
  // Typed as the full contracts: the page calls only what the interfaces declare.
  return {
    permissions: new Contract(contracts.PermissionSetting, permissionsAbi, runner) as unknown as PermissionSetting,
    classification: new Contract(
      contracts.NodeClassification,
      INodeClassification__factory.abi,
      runner,
    ) as unknown as NodeClassification,
    ownership: new Contract(
      contracts.OwnershipJudgment,
      IOwnershipJudgment__factory.abi,
      runner,
    ) as unknown as OwnershipJudgment,
    matching: new Contract(contracts.ConditionMatching, matchingAbi, runner) as unknown as ConditionMatching,
    history: new Contract(contracts.HistoryRecord, IHistoryRecord__factory.abi, runner) as unknown as HistoryRecord,
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
