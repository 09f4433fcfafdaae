import type { DeployFunction } from "hardhat-deploy/types";

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
  if (!result.newlyDeployed) return;

  const wiring: [string, string][] = [
    ["HistoryRecord", "WRITER_ROLE"],
    ["HistoryRecord", "LINKER_ROLE"],
    ["PermissionSetting", "CONSUMER_ROLE"],
  ];
  for (const [contract, roleName] of wiring) {
    const role = await deployments.read(contract, roleName);
    await deployments.execute(contract, { from: deployer, log: true }, "grantRole", role, result.address);
  }
};

deploy.tags = ["OwnershipJudgment", "consent"];
deploy.dependencies = ["PermissionSetting"];
export default deploy;
