import type { DeployFunction } from "hardhat-deploy/types";

/** The history record: related nodes, ownership links and the audit trail of every node. */
const deploy: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer } = await getNamedAccounts();
  await deployments.deploy("HistoryRecord", { from: deployer, args: [deployer], log: true });
};

deploy.tags = ["HistoryRecord", "consortium"];
export default deploy;
