/**
 * Wiring for the deploy files: granting a newly deployed contract the roles it needs elsewhere.
 * @module
 */
import type { DeploymentsExtension } from "hardhat-deploy/types";

/**
 * Grants `grantee` each (contract, role constant name) pair it does not hold yet, logging every transaction.
 * Idempotent, so a deployment interrupted between a contract and its wiring completes when run again.
 * @example await grantRoles(deployments, deployer, address, [["HistoryRecord", "WRITER_ROLE"]]);
 */
export async function grantRoles(
  deployments: DeploymentsExtension,
  from: string,
  grantee: string,
  roles: readonly (readonly [contract: string, roleName: string])[],
): Promise<void> {
  for (const [contract, roleName] of roles) {
    const role = await deployments.read(contract, roleName);
    if (await deployments.read(contract, "hasRole", role, grantee)) continue;
    await deployments.execute(contract, { from, log: true }, "grantRole", role, grantee);
  }
}
