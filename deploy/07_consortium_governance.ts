import type { DeployFunction } from "hardhat-deploy/types";
import { handOverAdmin } from "../src/deployWiring";

/**
 * Governance hand-over, after all wiring: the consensus contract becomes the only admin of every
 * AccessControl contract and the deployer renounces its roles, so that roles change only through a
 * passed vote (`ConsensusJudgment.proposeRoleChange`).
 */
const deploy: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer } = await getNamedAccounts();
  const consensus = await deployments.get("ConsensusJudgment");
  await handOverAdmin(deployments, deployer, ["HistoryRecord", "PermissionSetting"], consensus.address);
};

deploy.tags = ["ConsortiumGovernance", "governance"];
deploy.dependencies = ["consortium", "consent", "matching"];
export default deploy;
