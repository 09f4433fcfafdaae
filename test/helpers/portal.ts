/**
 * The world the portal's browser tests and bench run in: a `hardhat node` with the suite deployed as a user deploys
 * it, a bank and an information provider admitted by vote, the bureau service (with its consent relay) and the
 * portal server, both on loopback in this process.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, type JsonRpcSigner } from "ethers";
import { castVote, requestAdmission } from "../../src/clients/consortium";
import { generateSealingKey } from "../../src/bureau/sealing";
import { startBureauService, type BureauService } from "../../src/bureau/service";
import { loadDeployedSuite } from "../../src/deployments";
import { NodeType } from "../../src/contractEnums";
import { portalConfig, startPortalServer, type PortalServer } from "../../src/portal/server";
import { connectSuite, type Suite } from "../../src/suite";
import { fixtureComparisonKey } from "./comparisonKey";
import { fixtureRingPedersen } from "./ringPedersen";
import { runHardhat, startNode, type LocalNode } from "./node";

/** The node's accounts by role (hardhat's default accounts; 0 to 4 are the deployer, voters and bureau). */
export const ACCOUNT = { voter1: 1, voter2: 2, bureau: 4, subject: 5, bank: 6, stranger: 7, provider: 8 } as const;

/** Names the portal shows for the members. */
export const LABELS = { bank: "Acme Bank", provider: "Tax Office" } as const;

export interface PortalWorld {
  readonly node: LocalNode;
  readonly provider: JsonRpcProvider;
  /** The suite, sending from the deployer. */
  readonly suite: Suite;
  readonly signer: (role: keyof typeof ACCOUNT) => JsonRpcSigner;
  readonly address: (role: keyof typeof ACCOUNT) => string;
  readonly bureau: BureauService;
  readonly portal: PortalServer;
  stop(): Promise<void>;
}

/** Starts everything; `stop()` takes it all down. */
export async function startPortalWorld(): Promise<PortalWorld> {
  const node = await startNode("hardhat");
  const dir = mkdtempSync(path.join(tmpdir(), "blindcredit-portal-"));
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
  let bureau: BureauService | undefined;
  try {
    await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile"]);
    const signers = await provider.listAccounts();
    const signer = (role: keyof typeof ACCOUNT) => signers[ACCOUNT[role]];
    const address = (role: keyof typeof ACCOUNT) => signers[ACCOUNT[role]].address;
    const suite = await loadDeployedSuite(node.deploymentsDir, signers[0]);

    for (const [role, type] of [
      ["bank", NodeType.CreditAccessUser],
      ["provider", NodeType.InformationProvider],
    ] as const) {
      const request = await requestAdmission(suite.classification.connect(signer(role)), address(role), type);
      if (request.status !== "vote-opened") throw new Error(`expected a vote on ${role}, got ${request.status}`);
      for (const voter of ["voter1", "voter2"] as const) {
        await castVote(suite.consensus.connect(signer(voter)), request.proposalId, true);
      }
    }

    bureau = await startBureauService({
      suite: connectSuite(suite, signer("bureau")),
      databasePath: path.join(dir, "bureau.db"),
      sealingKey: generateSealingKey(),
      comparisonKey: fixtureComparisonKey(),
      ringPedersen: fixtureRingPedersen(),
      port: 0,
      pollIntervalMs: 100,
      threads: 1,
    });
    const config = portalConfig({
      deploymentsDir: node.deploymentsDir,
      rpcUrl: node.url,
      bureauUrl: bureau.url,
      bureau: address("bureau"),
      chainName: "BlindCredit test chain",
      labels: { [address("bank")]: LABELS.bank, [address("provider")]: LABELS.provider },
    });
    const portal = await startPortalServer({ config, bureauUrl: bureau.url, port: 0 });
    const service = bureau;
    return {
      node,
      provider,
      suite,
      signer,
      address,
      bureau: service,
      portal,
      async stop() {
        await portal.close();
        await service.stop();
        provider.destroy();
        await node.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await bureau?.stop();
    provider.destroy();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The chain's time, Unix seconds. */
export async function chainNow(provider: JsonRpcProvider): Promise<bigint> {
  return BigInt((await provider.getBlock("latest"))!.timestamp);
}
