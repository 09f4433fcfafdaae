import type { DeployFunction } from "hardhat-deploy/types";
import { grantRoles } from "../src/deployWiring";
import { NodeType } from "../src/contractEnums";

/** Node classification, with the credit bureau as its genesis node; wired as a history writer. */
const deploy: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer, bureau } = await getNamedAccounts();
  const history = await deployments.get("HistoryRecord");
  const result = await deployments.deploy("NodeClassification", {
    from: deployer,
    args: [history.address, [bureau], [NodeType.CreditBureau]],
    log: true,
  });
  await grantRoles(deployments, deployer, result.address, [["HistoryRecord", "WRITER_ROLE"]]);
};

deploy.tags = ["NodeClassification", "consortium"];
deploy.dependencies = ["HistoryRecord"];
export default deploy;
