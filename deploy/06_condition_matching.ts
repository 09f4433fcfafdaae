import type { DeployFunction } from "hardhat-deploy/types";
import { grantRoles } from "../src/deployWiring";

/** Condition matching; wired as a history writer and as a consumer of blind-read grants. */
const deploy: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer } = await getNamedAccounts();
  const [history, classification, permissions] = await Promise.all([
    deployments.get("HistoryRecord"),
    deployments.get("NodeClassification"),
    deployments.get("PermissionSetting"),
  ]);
  const result = await deployments.deploy("ConditionMatching", {
    from: deployer,
    args: [classification.address, permissions.address, history.address],
    log: true,
  });
  await grantRoles(deployments, deployer, result.address, [
    ["HistoryRecord", "WRITER_ROLE"],
    ["PermissionSetting", "CONSUMER_ROLE"],
  ]);
};

deploy.tags = ["ConditionMatching", "matching"];
deploy.dependencies = ["OwnershipJudgment"];
export default deploy;
