import type { DeployFunction } from "hardhat-deploy/types";
import { grantRoles } from "../src/deployWiring";

/** Permission setting; wired as a history writer. */
const deploy: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer } = await getNamedAccounts();
  const [history, classification] = await Promise.all([
    deployments.get("HistoryRecord"),
    deployments.get("NodeClassification"),
  ]);
  const result = await deployments.deploy("PermissionSetting", {
    from: deployer,
    args: [classification.address, history.address, deployer],
    log: true,
  });
  await grantRoles(deployments, deployer, result.address, [["HistoryRecord", "WRITER_ROLE"]]);
};

deploy.tags = ["PermissionSetting", "consent"];
deploy.dependencies = ["consortium"];
export default deploy;
