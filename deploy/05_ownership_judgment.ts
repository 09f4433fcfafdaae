import type { DeployFunction } from "hardhat-deploy/types";
import { grantRoles } from "../src/deployWiring";

/** Ownership judgment; wired as a history writer and linker, and as a consumer of write grants. */
const deploy: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer } = await getNamedAccounts();
  const [history, classification, permissions] = await Promise.all([
    deployments.get("HistoryRecord"),
    deployments.get("NodeClassification"),
    deployments.get("PermissionSetting"),
  ]);
  const result = await deployments.deploy("OwnershipJudgment", {
    from: deployer,
    args: [classification.address, history.address, permissions.address],
    log: true,
  });
  await grantRoles(deployments, deployer, result.address, [
    ["HistoryRecord", "WRITER_ROLE"],
    ["HistoryRecord", "LINKER_ROLE"],
    ["PermissionSetting", "CONSUMER_ROLE"],
  ]);
};

deploy.tags = ["OwnershipJudgment", "consent"];
deploy.dependencies = ["PermissionSetting"];
export default deploy;
