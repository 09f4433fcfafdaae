/**
 * The deployed BlindCredit suite read from hardhat-deploy's files on disk
 * (`deployments/<network>/<Contract>.json` and `.chainId`), for programs that talk to a running
 * node over JSON-RPC without a Hardhat runtime: the CLI, scripts, the node tests. Before handing out
 * contract handles it checks that the node is the chain the files were written for and that each
 * recorded address holds the contract, so a restarted or different node fails loudly instead of
 * sending transactions to empty addresses.
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress, type Provider, type Signer } from "ethers";
import { suiteAt, type Suite, type SuiteAddresses } from "./suite";

/** The suite's contracts, by the name their deploy files record them under, in deployment order. */
export const SUITE_CONTRACTS = [
  "HistoryRecord",
  "NodeClassification",
  "ConsensusJudgment",
  "PermissionSetting",
  "OwnershipJudgment",
  "ConditionMatching",
] as const;

/** The name of one of the suite's contracts. */
export type SuiteContract = (typeof SUITE_CONTRACTS)[number];

/** One contract's record in a deployments directory. */
export interface DeploymentRecord {
  /** The contract's address, checksummed. */
  readonly address: string;
  /** The runtime bytecode the file records, when it does (hardhat-deploy writes it). */
  readonly deployedBytecode?: string;
}

/** What a deployments directory says: the chain it was written for and each contract's record. */
export interface DeploymentRecords {
  readonly dir: string;
  readonly chainId: bigint;
  readonly contracts: Readonly<Record<SuiteContract, DeploymentRecord>>;
}

/**
 * Reads hardhat-deploy's records of the suite from `deploymentsDir`, without touching a node.
 * @param deploymentsDir a network's deployments directory, e.g. `deployments/localhost`
 * @returns the recorded chain id and the record of each contract of {@link SUITE_CONTRACTS}
 * @throws Error when the directory, its `.chainId` or a contract's file is missing or malformed,
 *   saying which and how to produce it
 * @example const { chainId, contracts } = readDeploymentRecords("deployments/localhost");
 */
export function readDeploymentRecords(deploymentsDir: string): DeploymentRecords {
  const dir = deploymentsDir;
  const deployHint = `run \`npx hardhat deploy --network ${networkNameOf(dir)}\` first`;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`no deployments in ${dir}: ${deployHint}`);
  }

  const chainIdFile = path.join(dir, ".chainId");
  if (!existsSync(chainIdFile)) {
    throw new Error(`no .chainId in ${dir}: it was not written by \`hardhat deploy\`; ${deployHint}`);
  }
  const chainIdText = readFileSync(chainIdFile, "utf8").trim();
  if (!/^\d+$/.test(chainIdText)) {
    throw new Error(`expected a decimal chain id in ${chainIdFile}, got "${chainIdText}"`);
  }

  const contracts = {} as Record<SuiteContract, DeploymentRecord>;
  for (const name of SUITE_CONTRACTS) {
    const file = path.join(dir, `${name}.json`);
    if (!existsSync(file)) throw new Error(`no deployment of ${name} in ${dir}: ${deployHint}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`expected JSON in ${file}, got a file that does not parse: ${(e as Error).message}`);
    }
    const { address, deployedBytecode } = (parsed ?? {}) as { address?: unknown; deployedBytecode?: unknown };
    if (typeof address !== "string" || !isAddress(address)) {
      throw new Error(`expected an "address" in ${file}, got ${JSON.stringify(address)}`);
    }
    contracts[name] = {
      address: getAddress(address),
      deployedBytecode:
        typeof deployedBytecode === "string" && /^0x[0-9a-fA-F]*$/.test(deployedBytecode)
          ? deployedBytecode
          : undefined,
    };
  }
  return { dir, chainId: BigInt(chainIdText), contracts };
}

/**
 * Connects to the suite recorded in `deploymentsDir`, after checking that the node `runner` talks to
 * is the chain the records were written for and that every recorded address holds a contract of the
 * recorded size (a restarted local node has no code there; another project's contract at the same
 * address has another size).
 * @param deploymentsDir a network's deployments directory as hardhat-deploy writes it, e.g.
 *   `deployments/localhost` (its last path segment is taken as the network name in hints)
 * @param runner the signer the handles send from, or a provider for read-only handles
 * @returns typed handles on every contract, the same shape as `loadSuite`'s (src/suite.ts)
 * @throws Error when the records are missing or malformed (see {@link readDeploymentRecords}), when
 *   the runner has no provider, when the node's chain id differs from the recorded one, or when an
 *   address holds no code or code of another size than recorded
 * @example
 * const provider = new JsonRpcProvider("http://127.0.0.1:8545");
 * const suite = await loadDeployedSuite("deployments/localhost", await provider.getSigner(5));
 * await suite.classification.registerSubject();
 */
export async function loadDeployedSuite(deploymentsDir: string, runner: Signer | Provider): Promise<Suite> {
  const records = readDeploymentRecords(deploymentsDir);
  const provider = runner.provider;
  if (!provider) throw new Error("expected a signer connected to a provider, or a provider; got a signer without one");

  const { chainId } = await provider.getNetwork();
  if (chainId !== records.chainId) {
    throw new Error(
      `deployments in ${deploymentsDir} are for chain ${records.chainId}, the node is chain ${chainId}: ` +
        `connect to the node they were deployed to, or deploy to this one with another --network`,
    );
  }

  const redeployHint = `run \`npx hardhat deploy --network ${networkNameOf(deploymentsDir)}\` again`;
  await Promise.all(
    SUITE_CONTRACTS.map(async (name) => {
      const { address, deployedBytecode } = records.contracts[name];
      const code = await provider.getCode(address);
      if (code === "0x") {
        throw new Error(
          `no contract code at ${address} on chain ${chainId}, where ${deploymentsDir} records ${name}: ` +
            `the node was restarted or reset since the deployment; ${redeployHint}`,
        );
      }
      // Immutables are filled in at deployment, so the code differs from the record but not in size.
      if (deployedBytecode !== undefined && deployedBytecode.length !== code.length) {
        throw new Error(
          `the code at ${address} on chain ${chainId} is ${byteLength(code)} bytes, the ${name} recorded in ` +
            `${deploymentsDir} is ${byteLength(deployedBytecode)} bytes: another contract is there; ${redeployHint}`,
        );
      }
    }),
  );

  const { contracts } = records;
  return suiteAt(
    Object.fromEntries(SUITE_CONTRACTS.map((name) => [name, contracts[name].address])) as SuiteAddresses,
    runner,
  );
}

/** hardhat-deploy names a network's directory after the network. */
function networkNameOf(deploymentsDir: string): string {
  return path.basename(path.resolve(deploymentsDir));
}

function byteLength(hex: string): number {
  return (hex.length - 2) / 2;
}
