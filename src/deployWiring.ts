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

/**
 * Hands the admin role of each AccessControl contract in `contracts` to `newAdmin` (the consensus
 * contract) and renounces `from`'s: after this the deployer holds no role anywhere, and roles change
 * only through a passed vote. Idempotent: a contract already handed over is skipped.
 * @example await handOverAdmin(deployments, deployer, ["HistoryRecord", "PermissionSetting"], consensus);
 */
export async function handOverAdmin(
  deployments: DeploymentsExtension,
  from: string,
  contracts: readonly string[],
  newAdmin: string,
): Promise<void> {
  for (const contract of contracts) {
    await grantRoles(deployments, from, newAdmin, [[contract, "DEFAULT_ADMIN_ROLE"]]);
    const admin = await deployments.read(contract, "DEFAULT_ADMIN_ROLE");
    if (!(await deployments.read(contract, "hasRole", admin, from))) continue;
    await deployments.execute(contract, { from, log: true }, "renounceRole", admin, from);
  }
}
