/**
 * Throughput of one bureau service: checks per minute at k = 10 (decision mode) with several banks at once, and the
 * bureau's busy time per check, in two settings side by side in one run:
 *
 * - **in one process** (the baseline): the in-process Hardhat network, the real bureau service (SQLite store, HTTP
 *   API on loopback, the evaluator polling the chain, blinding and proof verification on worker threads, a fresh
 *   3072-bit DGK key) and `BENCH_BANKS` `BankClient`s with their own 3072-bit Paillier keys, no pools, all on one
 *   event loop: every bank's computation stalls the bureau's.
 * - **separate processes**: a `hardhat node` (automine: each transaction is mined into a block of its own as it
 *   arrives), the bureau as `blindcredit bureau start` in its own process (SQLite, or PostgreSQL with
 *   `BENCH_DATABASE_URL`), and each bank a process of its own (bench/matching/throughputBank.ts) keeping the pools a
 *   running bank keeps (proven shares, re-randomisers for the bureau's key), all over JSON-RPC and HTTP. The
 *   bureau's busy time is both its evaluator's step seconds (chain transactions included) and the CPU seconds of its
 *   process (every thread), from /proc.
 *
 * Everything shares this machine's cores, the chain node included: the figures are for the whole consortium on one
 * machine; 60 s over the bureau's busy time per check says what one bureau answers when the banks are elsewhere.
 *
 * Run: `npm run bench:matching-throughput`. Options (environment, as `hardhat run` passes no arguments):
 * `BENCH_BANKS` (default 4), `BENCH_SECONDS` (the measured window per setting, default 60), `BENCH_SETTINGS`
 * (`both`, `in-process` or `processes`; default both), `BENCH_DATABASE_URL` (the separate bureau's store: unset for
 * SQLite, `postgres` for a throwaway PostgreSQL server as the tests start one, or a `postgres://` URL of an empty
 * database), `BENCH_BUREAUS` (bureau processes sharing that PostgreSQL store, default 1: more than one takes
 * evaluators that divide the checks between them, and a PostgreSQL store), `BENCH_POLL_MS` (how often the
 * separate banks and bureau poll the chain node, every poll a JSON-RPC call; default 100), `BENCH_WRITE` (`0`: print
 * only). Writes bench/matching/throughput-results.{json,md}.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { JsonRpcProvider, type Signer } from "ethers";
import { BankClient } from "../../src/clients/bankCheck";
import { submitCreditRecord } from "../../src/clients/provider";
import { HttpBoard } from "../../src/clients/httpBoard";
import { parseRecordFields } from "../../src/protocol/records";
import { generateSealingKey, saveSealingKey } from "../../src/bureau/sealing";
import { startBureauService } from "../../src/bureau/service";
import { NodeType } from "../../src/contractEnums";
import { loadDeployedSuite } from "../../src/deployments";
import { generateKeyPair } from "../../src/paillier";
import { Level } from "../../src/permissions";
import { connectSuite, type Suite } from "../../src/suite";
import { admitByVote, deployWithMembers, SUBJECT_COMMITMENT } from "../../test/helpers/suite";
import { PROJECT_ROOT, runHardhat, startNode, type LocalNode } from "../../test/helpers/node";
import { freshPostgresDatabase, stopPostgres } from "../../test/helpers/postgres";
import { APPLICANT_RECORD, MIXED_CONDITIONS } from "../../test/helpers/samples";
import type { BankGo, BankJob, BankReport } from "./throughputBank";

const BANKS = Number(process.env.BENCH_BANKS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const SETTINGS = process.env.BENCH_SETTINGS ?? "both";
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
const BUREAUS = Number(process.env.BENCH_BUREAUS ?? 1);
const WRITE = process.env.BENCH_WRITE !== "0";
/** Separate processes: how often the banks and the bureau poll the chain node (every poll is a JSON-RPC call). */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 100);

/** k = 10: the first ten conditions of the benchmarks' loan. */
const LOAN = MIXED_CONDITIONS.slice(0, 10);

/** One setting's figures. */
interface Measured {
  readonly setting: "in one process" | "separate processes";
  readonly banks: number;
  readonly bureaus: number;
  readonly store: string;
  readonly seconds: number;
  readonly checks: number;
  readonly checksPerMinute: number;
  /** The evaluators' step seconds (computation and chain transactions) per check. */
  readonly bureauBusySecondsPerCheck: number;
  readonly bureauStepsPerCheck: number;
  /** The bureau processes' CPU seconds (all threads) per check; separate processes only. */
  readonly bureauCpuSecondsPerCheck?: number;
  /** The chain node's CPU seconds per check; separate processes only. */
  readonly chainCpuSecondsPerCheck?: number;
  /** How often banks and bureau polled the chain node, milliseconds; separate processes only. */
  readonly pollMs?: number;
  /** A bank's check, opening to decision: median and 90th percentile, seconds; separate processes only. */
  readonly checkSecondsMedian?: number;
  readonly checkSecondsP90?: number;
  /** Blocks mined in the window (automine: one per transaction), and the mean time between them. */
  readonly blocks: number;
  readonly secondsPerBlock: number;
}

async function main(): Promise<void> {
  if (!["both", "in-process", "processes"].includes(SETTINGS)) {
    throw new Error(`BENCH_SETTINGS: expected both, in-process or processes, got ${SETTINGS}`);
  }
  if (!Number.isInteger(BUREAUS) || BUREAUS < 1) throw new Error(`BENCH_BUREAUS: expected ≥ 1, got ${BUREAUS}`);
  if (BUREAUS > 1 && DATABASE_URL === undefined) {
    throw new Error("BENCH_BUREAUS > 1 needs a shared PostgreSQL store: set BENCH_DATABASE_URL (postgres or a URL)");
  }
  const results: Measured[] = [];
  if (SETTINGS !== "processes") results.push(await inOneProcess());
  if (SETTINGS !== "in-process") results.push(await separateProcesses());
  const result = {
    date: new Date().toISOString(),
    machine: `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, Node ${process.version}`,
    k: LOAN.length,
    results,
    ...(results.length === 2
      ? {
          ratios: {
            checksPerMinute: results[1].checksPerMinute / results[0].checksPerMinute,
            bureauBusySecondsPerCheck: results[1].bureauBusySecondsPerCheck / results[0].bureauBusySecondsPerCheck,
          },
        }
      : {}),
  };
  const ms = (s: number | undefined) => (s === undefined ? "–" : `${(s * 1000).toFixed(0)} ms`);
  const md = [
    "# Throughput of one bureau service, k = 10, decision mode",
    "",
    "Generated by `npm run bench:matching-throughput` (bench/matching/throughput.ts). **In one process**: the",
    "in-process Hardhat network, the real bureau service (SQLite, HTTP on loopback, evaluator, worker threads,",
    "3072-bit DGK key) and the banks (3072-bit Paillier keys, no pools) on one event loop. **Separate processes**:",
    "a `hardhat node` (automine), `blindcredit bureau start` in its own process, each bank in its own process with",
    "the pools a running bank keeps. Banks run checks back to back for the window; everything on this machine.",
    "",
    `Machine: ${result.machine}. Date: ${result.date}.`,
    "",
    "| setting | banks | bureau processes | store | window | checks | checks per minute | bureau busy per check " +
      "(evaluator steps) | bureau CPU per check | chain node CPU per check | check latency (median / p90) | " +
      "blocks (mean interval) | " +
      "bureau alone, per minute |",
    "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${r.setting} | ${r.banks} | ${r.bureaus} | ${r.store} | ${r.seconds.toFixed(0)} s | ${r.checks} | ` +
        `${r.checksPerMinute.toFixed(0)} | ${ms(r.bureauBusySecondsPerCheck)} | ${ms(r.bureauCpuSecondsPerCheck)} | ${ms(r.chainCpuSecondsPerCheck)} | ` +
        `${r.checkSecondsMedian === undefined ? "–" : `${ms(r.checkSecondsMedian)} / ${ms(r.checkSecondsP90)}`} | ` +
        `${r.blocks} (${ms(r.secondsPerBlock)}) | ${(60 / r.bureauBusySecondsPerCheck).toFixed(0)} |`,
    ),
    "",
    ...(result.ratios
      ? [
          `Separate processes ÷ one process: ×${result.ratios.checksPerMinute.toFixed(2)} checks per minute, ` +
            `×${result.ratios.bureauBusySecondsPerCheck.toFixed(2)} bureau busy time per check.`,
          "",
        ]
      : []),
    "The last column is 60 s over the bureau's busy time per check (its evaluator's steps, chain transactions",
    "included): what one bureau answers when the banks' work and the chain node run on their own machines.",
    "",
  ].join("\n");
  if (WRITE) {
    writeFileSync(join(__dirname, "throughput-results.json"), JSON.stringify(result, null, 2) + "\n");
    writeFileSync(join(__dirname, "throughput-results.md"), md);
  }
  process.stdout.write(md);
}

/** The baseline: chain, bureau service and banks in this process. */
async function inOneProcess(): Promise<Measured> {
  const f = await deployWithMembers();
  const signers = await hre.ethers.getSigners();
  const banks = signers.slice(10, 10 + BANKS);
  if (banks.length < BANKS) throw new Error(`expected ${BANKS} bank accounts, the network has ${signers.length - 10}`);
  const expiry = BigInt(await time.latest()) + 30n * 86_400n;
  for (const bank of banks) {
    await admitByVote(f, bank.address, NodeType.CreditAccessUser);
    await (await f.permissions.connect(f.subject).setPermission(bank.address, Level.BlindRead, expiry, 0)).wait();
  }
  await (await f.permissions.connect(f.subject).setPermission(f.provider.address, Level.Write, expiry, 1)).wait();

  const dir = mkdtempSync(join(tmpdir(), "blindcredit-throughput-"));
  const service = await startBureauService({
    suite: connectSuite(f, f.bureau),
    databasePath: join(dir, "bureau.db"),
    sealingKey: generateSealingKey(),
    port: 0,
    pollIntervalMs: 10,
  });
  try {
    await submitCreditRecord(
      f.ownership.connect(f.provider),
      service.url,
      f.subject.address,
      parseRecordFields(APPLICANT_RECORD),
    );
    const clients = await Promise.all(
      banks.map(async (bank) => {
        const { privateKey } = await generateKeyPair();
        const client = new BankClient(f.matching.connect(bank), privateKey, new HttpBoard(service.url, bank));
        await client.registerKey();
        return client;
      }),
    );
    // One check per bank before the clock starts: keys proven and verified, threads up.
    const once = async (client: BankClient) => {
      const { decision } = await client.runCheck(
        { subject: f.subject.address, bureau: f.bureau.address, mode: "decision", conditions: LOAN },
        { wait: { pollMs: 10 } },
      );
      if (!decision.approved) throw new Error("the applicant should be approved");
    };
    await Promise.all(clients.map(once));

    const busyBefore = service.evaluator.metrics.stepSeconds;
    const stepsBefore = service.evaluator.metrics.steps;
    const blockBefore = await hre.ethers.provider.getBlockNumber();
    const started = performance.now();
    const stopAt = started + SECONDS * 1000;
    const done = await Promise.all(
      clients.map(async (client) => {
        let count = 0;
        while (performance.now() < stopAt) {
          await once(client);
          count++;
        }
        return count;
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const checks = done.reduce((a, b) => a + b, 0);
    const blocks = (await hre.ethers.provider.getBlockNumber()) - blockBefore;
    return {
      setting: "in one process",
      banks: BANKS,
      bureaus: 1,
      store: "SQLite",
      seconds: elapsed,
      checks,
      checksPerMinute: (checks * 60) / elapsed,
      bureauBusySecondsPerCheck: (service.evaluator.metrics.stepSeconds - busyBefore) / checks,
      bureauStepsPerCheck: (service.evaluator.metrics.steps - stepsBefore) / checks,
      blocks,
      secondsPerBlock: elapsed / blocks,
    };
  } finally {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The realistic setting: a `hardhat node`, the bureau service and every bank in processes of their own. */
async function separateProcesses(): Promise<Measured> {
  const children: ChildProcess[] = [];
  let node: LocalNode | undefined;
  let provider: JsonRpcProvider | undefined;
  const dir = mkdtempSync(join(tmpdir(), "blindcredit-throughput-"));
  try {
    node = await startNode("hardhat");
    await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile"]);
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 50 });
    const signers = await Promise.all(Array.from({ length: 10 + BANKS }, (_, i) => provider!.getSigner(i)));
    const suite = await loadDeployedSuite(node.deploymentsDir, signers[0]);
    const [voter1, voter2, bureau, subject, providerSigner] = [1, 2, 4, 5, 8].map((i) => signers[i]);
    const banks = signers.slice(10, 10 + BANKS);
    await members(suite, voter1, voter2, subject, providerSigner, banks);

    const keyFile = join(dir, "sealing.key");
    saveSealingKey(keyFile, generateSealingKey());
    const databaseUrl = DATABASE_URL === "postgres" ? await freshPostgresDatabase() : DATABASE_URL;
    const store =
      databaseUrl === undefined
        ? ["--db", join(dir, "bureau.db")]
        : ["--database-url", databaseUrl, "--comparison-key-file", join(dir, "bureau.comparison-key")];
    const bureaus: { child: ChildProcess; url: string }[] = [];
    // One at a time: the first generates and seals the comparison key the others load.
    for (let i = 0; i < BUREAUS; i++) {
      const started = await startBureau(node, keyFile, dir, store);
      children.push(started.child);
      bureaus.push(started);
    }
    await submitCreditRecord(
      suite.ownership.connect(providerSigner),
      bureaus[0].url,
      await subject.getAddress(),
      parseRecordFields(APPLICANT_RECORD),
    );

    const reports: Promise<BankReport>[] = [];
    const ready: Promise<BankReport>[] = [];
    for (let i = 0; i < BANKS; i++) {
      const job: BankJob = {
        rpcUrl: node.url,
        deploymentsDir: node.deploymentsDir,
        account: 10 + i,
        bureauUrl: bureaus[i % bureaus.length].url,
        bureau: await bureau.getAddress(),
        subject: await subject.getAddress(),
        conditions: LOAN,
        pollMs: POLL_MS,
      };
      const child = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", join(__dirname, "throughputBank.ts"), JSON.stringify(job)],
        { cwd: PROJECT_ROOT, env: cleanEnv(), stdio: ["ignore", "inherit", "inherit", "ipc"] },
      );
      children.push(child);
      const messages = reportsOf(child);
      ready.push(messages.next().then(expectReport("ready")));
      reports.push(ready[i].then(() => messages.next()).then(expectReport("done")));
    }
    await Promise.all(ready);

    const chainPids = processesWith(node.configFile);
    const chainBefore = cpuSeconds(chainPids);
    const before = await Promise.all(bureaus.map((b) => bureauFigures(b)));
    const blockBefore = await provider.getBlockNumber();
    const started = performance.now();
    const go: BankGo = { type: "go", stopAt: Date.now() + SECONDS * 1000 };
    for (const child of children.slice(bureaus.length)) child.send(go);
    const done = (await Promise.all(reports)) as Extract<BankReport, { type: "done" }>[];
    const elapsed = (performance.now() - started) / 1000;
    const after = await Promise.all(bureaus.map((b) => bureauFigures(b)));
    const chainSpent = cpuSeconds(chainPids) - chainBefore;
    const blocks = (await provider.getBlockNumber()) - blockBefore;
    const checks = done.reduce((a, r) => a + r.checks, 0);
    const spent = (key: keyof Awaited<ReturnType<typeof bureauFigures>>) =>
      after.reduce((a, f, i) => a + f[key] - before[i][key], 0);
    const latencies = done.flatMap((r) => r.latencies).sort((a, b) => a - b);
    return {
      setting: "separate processes",
      banks: BANKS,
      bureaus: BUREAUS,
      store: databaseUrl === undefined ? "SQLite" : "PostgreSQL",
      seconds: elapsed,
      checks,
      checksPerMinute: (checks * 60) / elapsed,
      bureauBusySecondsPerCheck: spent("stepSeconds") / checks,
      bureauStepsPerCheck: spent("steps") / checks,
      bureauCpuSecondsPerCheck: spent("cpuSeconds") / checks,
      chainCpuSecondsPerCheck: chainSpent / checks,
      pollMs: POLL_MS,
      checkSecondsMedian: latencies[Math.floor(latencies.length / 2)],
      checkSecondsP90: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.9))],
      blocks,
      secondsPerBlock: elapsed / blocks,
    };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.all(children.map((child) => exited(child)));
    provider?.destroy();
    await node?.stop();
    if (DATABASE_URL === "postgres") await stopPostgres();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The subject, the provider and the banks admitted, with their grants (unlimited uses for the banks). */
async function members(
  suite: Suite,
  voter1: Signer,
  voter2: Signer,
  subject: Signer,
  provider: Signer,
  banks: Signer[],
): Promise<void> {
  await (await suite.classification.connect(subject).registerSubject()).wait();
  await (await suite.ownership.connect(subject).commitIdentity(SUBJECT_COMMITMENT)).wait();
  const admitted: [Signer, NodeType][] = [
    [provider, NodeType.InformationProvider],
    ...banks.map((bank): [Signer, NodeType] => [bank, NodeType.CreditAccessUser]),
  ];
  for (const [account, type] of admitted) {
    await (await suite.consensus.connect(voter1).proposeAdmission(await account.getAddress(), type)).wait();
    const id = await suite.consensus.proposalCount();
    await (await suite.consensus.connect(voter1).vote(id, true)).wait();
    await (await suite.consensus.connect(voter2).vote(id, true)).wait();
  }
  const latest = await suite.matching.runner!.provider!.getBlock("latest");
  const expiry = BigInt(latest!.timestamp) + 30n * 86_400n;
  const permissions = suite.permissions.connect(subject);
  for (const bank of banks) {
    await (await permissions.setPermission(await bank.getAddress(), Level.BlindRead, expiry, 0)).wait();
  }
  await (await permissions.setPermission(await provider.getAddress(), Level.Write, expiry, 1)).wait();
}

/** `blindcredit bureau start` as account 4 (the deployment's bureau); resolves with its URL once it listens. */
async function startBureau(
  node: LocalNode,
  keyFile: string,
  dir: string,
  store: string[],
): Promise<{ child: ChildProcess; url: string }> {
  const args = ["bureau", "start", "--json", "--account", "4", "--port", "0", "--poll", String(POLL_MS), ...store];
  const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin", "blindcredit"), ...args], {
    cwd: dir,
    env: {
      ...cleanEnv(),
      BLINDCREDIT_RPC_URL: node.url,
      BLINDCREDIT_DEPLOYMENTS: node.deploymentsDir,
      BLINDCREDIT_SEALING_KEY_FILE: keyFile,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bureau did not start:\n${stderr}`)), 120_000);
    child.stdout!.on("data", (c: Buffer) => {
      stdout += c.toString();
      const match = /"url":\s*"([^"]+)"/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`the bureau exited with ${code}:\n${stderr}`)));
  });
  return { child, url };
}

/** The bureau's evaluator counters (from its metrics endpoint) and its process's CPU seconds (from /proc). */
async function bureauFigures({ child, url }: { child: ChildProcess; url: string }) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  // Fields 14 and 15 of /proc/<pid>/stat: user and system time in clock ticks (100 a second on Linux).
  return {
    steps: metric("blindcredit_steps_total"),
    stepSeconds: metric("blindcredit_step_seconds_total"),
    cpuSeconds: cpuSeconds([child.pid!]),
  };
}

/** The CPU seconds (user and system, every thread) the processes have used: fields 14 and 15 of /proc/<pid>/stat. */
function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100; // clock ticks: 100 a second on Linux
}

/** The processes whose command line names `marker` (the chain node: its scratch config file). */
function processesWith(marker: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The messages of a bank process, one at a time. */
function reportsOf(child: ChildProcess): { next(): Promise<BankReport> } {
  const queue: BankReport[] = [];
  const waiting: ((r: BankReport) => void)[] = [];
  child.on("message", (m: BankReport) => (waiting.length > 0 ? waiting.shift()!(m) : queue.push(m)));
  child.once("exit", (code) => {
    for (const w of waiting.splice(0)) w({ type: "failed", error: `the bank process exited with ${code}` });
  });
  return {
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise<BankReport>((r) => waiting.push(r))),
  };
}

function expectReport(type: BankReport["type"]) {
  return (report: BankReport): BankReport => {
    if (report.type === "failed") throw new Error(`a bank failed: ${report.error}`);
    if (report.type !== type) throw new Error(`a bank said ${report.type}, expected ${type}`);
    return report;
  };
}

/** This environment without Hardhat's and blindcredit's variables, which would redirect the children. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("HARDHAT_") && !k.startsWith("BLINDCREDIT_")),
  );
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
