import type { DeployFunction } from "hardhat-deploy/types";
import { consortiumParameters } from "../src/config";

/** Consensus judgment with the genesis voters, wired into node classification. */
const deploy: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer, voter1, voter2, voter3 } = await getNamedAccounts();
  const { quorumNumerator, quorumDenominator, votingPeriodSeconds } = consortiumParameters();
  const classification = await deployments.get("NodeClassification");
  const result = await deployments.deploy("ConsensusJudgment", {
    from: deployer,
    args: [classification.address, [voter1, voter2, voter3], quorumNumerator, quorumDenominator, votingPeriodSeconds],
    log: true,
  });
  // Once only (the contract refuses a second call); skipped when a re-run finds it done.
  const current: string = await deployments.read("NodeClassification", "consensus");
  if (current.toLowerCase() === result.address.toLowerCase()) return;
  await deployments.execute("NodeClassification", { from: deployer, log: true }, "setConsensus", result.address);
};

deploy.tags = ["ConsensusJudgment", "consortium"];
deploy.dependencies = ["NodeClassification"];
export default deploy;
