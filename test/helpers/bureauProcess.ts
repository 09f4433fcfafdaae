/**
 * The bureau service as its own process, as an operator runs it: `blindcredit bureau start --json` against a
 * `hardhat node` ({@link LocalNode}), resolved once it listens, with what it printed kept for assertions; and the
 * members a check needs (a subject, a bank and a provider admitted by vote, with their grants) on a fresh deployment.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { JsonRpcProvider, JsonRpcSigner } from "ethers";
import { PROJECT_ROOT, type LocalNode } from "./node";
import { SUBJECT_COMMITMENT } from "./suite";
import type { Suite } from "../../src/suite";
import { Level } from "../../src/permissions";
import { NodeType } from "../../src/contractEnums";
import { saveRingPedersen } from "../../src/bureau/ringPedersen";
import { loadSealingKey } from "../../src/bureau/sealing";
import { fixtureRingPedersen } from "./ringPedersen";

const BIN = path.join(PROJECT_ROOT, "bin", "blindcredit");

/** A running `blindcredit bureau start`. */
export interface BureauProcess {
  readonly child: ChildProcess;
  /** Where its API listens. */
  readonly url: string;
  /** What it printed so far, stdout and stderr (its progress lines). */
  output(): string;
}

/**
 * Starts `blindcredit bureau start --json --account 4 --threads 2` with `args` in `cwd`, against `node`, with the
 * sealing key in `sealingKeyFile`.
 * @throws Error when it exits, or does not listen within 60 s, with what it printed on stderr
 */
export async function startBureauProcess(
  node: LocalNode,
  cwd: string,
  sealingKeyFile: string,
  args: readonly string[],
): Promise<BureauProcess> {
  // The fixture ring-Pedersen parameters, sealed under the test's key: safe primes are not made at every start.
  const ringPedersenFile = path.join(cwd, "fixture.ring-pedersen");
  if (!existsSync(ringPedersenFile)) {
    saveRingPedersen(ringPedersenFile, loadSealingKey(sealingKeyFile), fixtureRingPedersen());
  }
  const child = spawn(
    process.execPath,
    [
      BIN,
      ...["bureau", "start", "--json", "--account", "4", "--threads", "2"],
      ...["--ring-pedersen-file", ringPedersenFile, ...args],
    ],
    {
      cwd,
      env: {
        ...process.env,
        BLINDCREDIT_RPC_URL: node.url,
        BLINDCREDIT_DEPLOYMENTS: node.deploymentsDir,
        BLINDCREDIT_SEALING_KEY_FILE: sealingKeyFile,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bureau did not start:\n${stderr}`)), 60_000);
    child.stdout!.on("data", () => {
      const match = /"url":\s*"([^"]+)"/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`bureau exited with ${code}:\n${stderr}`)));
  });
  return { child, url, output: () => stdout + stderr };
}

/** Kills a child process with SIGKILL; resolves once it is gone. */
export function killProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/**
 * The members a check needs on a fresh deployment of `hardhat node`'s accounts: signer 5 registers as a subject
 * and commits its identity, signers 6 (a bank) and 8 (a provider) are admitted by votes of 1 and 2, and the subject
 * grants the bank blind reads and the provider writes for 30 days.
 */
export async function admitCheckParties(suite: Suite, provider: JsonRpcProvider, signers: JsonRpcSigner[]) {
  const [voter1, voter2, subject, bankSigner, providerSigner] = [1, 2, 5, 6, 8].map((i) => signers[i]);
  await (await suite.classification.connect(subject).registerSubject()).wait();
  await (await suite.ownership.connect(subject).commitIdentity(SUBJECT_COMMITMENT)).wait();
  for (const [account, type] of [
    [bankSigner, NodeType.CreditAccessUser],
    [providerSigner, NodeType.InformationProvider],
  ] as const) {
    await (await suite.consensus.connect(voter1).proposeAdmission(await account.getAddress(), type)).wait();
    const id = await suite.consensus.proposalCount();
    await (await suite.consensus.connect(voter1).vote(id, true)).wait();
    await (await suite.consensus.connect(voter2).vote(id, true)).wait();
  }
  const expiry = BigInt((await provider.getBlock("latest"))!.timestamp) + 30n * 86_400n;
  const permissions = suite.permissions.connect(subject);
  await (await permissions.setPermission(await bankSigner.getAddress(), Level.BlindRead, expiry, 10)).wait();
  await (await permissions.setPermission(await providerSigner.getAddress(), Level.Write, expiry, 10)).wait();
  return { subject, bankSigner, providerSigner };
}
