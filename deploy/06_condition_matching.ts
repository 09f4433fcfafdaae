import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DeployFunction } from "hardhat-deploy/types";
import { grantRoles } from "../src/deployWiring";
import { canonicalSchemaJson } from "../src/protocol/schema";
import { deploymentSchema } from "../src/protocol/schemaFile";

/**
 * Condition matching, fixed to the consortium's credit schema (`BLINDCREDIT_SCHEMA`, a schema file; the default
 * schema, `schemas/default.json`, when unset), whose file is kept beside the contracts' records as
 * `CreditSchema.json` for the command line; wired as a history writer and as a consumer of blind-read grants.
 */
const deploy: DeployFunction = async ({ deployments, getNamedAccounts, network, config }) => {
  const { deployer } = await getNamedAccounts();
  const [history, classification, permissions] = await Promise.all([
    deployments.get("HistoryRecord"),
    deployments.get("NodeClassification"),
    deployments.get("PermissionSetting"),
  ]);
  const schema = deploymentSchema();
  const result = await deployments.deploy("ConditionMatching", {
    from: deployer,
    args: [classification.address, permissions.address, history.address, schema.hash],
    log: true,
  });
  if (result.newlyDeployed) {
    deployments.log(`ConditionMatching: credit schema ${schema.id} v${schema.version} (${schema.hash})`);
  }
  if (network.name !== "hardhat") {
    const dir = path.join(config.paths.deployments, network.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, "CreditSchema.json"),
      JSON.stringify(JSON.parse(canonicalSchemaJson(schema)), null, 2),
    );
  }
  await grantRoles(deployments, deployer, result.address, [
    ["HistoryRecord", "WRITER_ROLE"],
    ["PermissionSetting", "CONSUMER_ROLE"],
  ]);
};

deploy.tags = ["ConditionMatching", "matching"];
deploy.dependencies = ["OwnershipJudgment"];
export default deploy;
