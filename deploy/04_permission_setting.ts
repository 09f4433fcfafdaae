import type { DeployFunction } from "hardhat-deploy/types";

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
  if (!result.newlyDeployed) return;

  const writerRole = await deployments.read("HistoryRecord", "WRITER_ROLE");
  await deployments.execute("HistoryRecord", { from: deployer, log: true }, "grantRole", writerRole, result.address);
};

deploy.tags = ["PermissionSetting", "consent"];
deploy.dependencies = ["consortium"];
export default deploy;
