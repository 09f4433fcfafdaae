/**
 * The throughput benches' separate-process setting, importable: a `hardhat node` (automine), `bureauCount` ×
 * `blindcredit bureau start` (SQLite, or one PostgreSQL store the evaluators share through leases) and each bank a
 * process of its own (bench/matching/throughputBank.ts) running k = 10 checks back to back for a window; measured
 * from outside (the bureaus' /metrics, /proc CPU seconds of the bureaus and the chain node). Used by
 * bench/matching/throughput.ts and bench/bureau/stores.ts.
 *
 * Each bureau's stderr (its progress lines: every step, failed attempt and refusal with its reason) goes to
 * `bureau-<i>.log` in the run's temporary folder. When a bank or a bureau fails, the run prints each bureau's
 * refusals and failed attempts and the tail of its log, and keeps the folder.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, type Signer } from "ethers";
import { submitCreditRecord } from "../../src/clients/provider";
import { parseRecordFields } from "../../src/protocol/records";
import { generateSealingKey, saveSealingKey } from "../../src/bureau/sealing";
import { NodeType } from "../../src/contractEnums";
import { loadDeployedSuite } from "../../src/deployments";
import { Level } from "../../src/permissions";
import type { Suite } from "../../src/suite";
import { SUBJECT_COMMITMENT } from "../../test/helpers/suite";
import { PROJECT_ROOT, runHardhat, startNode, type LocalNode } from "../../test/helpers/node";
import { freshPostgresDatabase, stopPostgres } from "../../test/helpers/postgres";
import { APPLICANT_RECORD, MIXED_CONDITIONS } from "../../test/helpers/samples";
import type { BankCommand, BankJob, BankReport } from "./throughputBank";

/** k = 10: the first ten conditions of the benchmarks' loan. */
export const LOAN = MIXED_CONDITIONS.slice(0, 10);

/** One setting's figures. */
export interface Measured {
  readonly setting: "in one process" | "in one process, one long-lived key" | "separate processes";
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
  /** The bank processes' CPU seconds (all threads) per check; separate processes only. */
  readonly bankCpuSecondsPerCheck?: number;
  /** Checks' worth of shares and re-randomisers each bank made before the window (0: made as it goes). */
  readonly banksAhead?: number;
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

/** How a separate-process run is set up. */
export interface ProcessesOptions {
  /** Bank processes running checks at once. */
  readonly banks: number;
  /** The measured window, seconds. */
  readonly seconds: number;
  /**
   * The bureaus' store: undefined for SQLite (one bureau), `postgres` for a throwaway PostgreSQL server (started for
   * this run, stopped after it), or a `postgres://` URL of an empty database.
   */
  readonly databaseUrl?: string;
  /** Bureau processes sharing the PostgreSQL store (more than one needs `databaseUrl`). */
  readonly bureaus: number;
  /** How often banks and bureaus poll the chain node, milliseconds (every poll a JSON-RPC call). */
  readonly pollMs: number;
  /**
   * Checks' worth of shares and DGK re-randomisers each bank makes before the window, and does not top up during it
   * (default 0: pools of a few checks, topped up while the bank waits). With enough for the window, the banks spend
   * only their online work in it, as banks on machines of their own would leave this machine's cores to the bureau.
   */
  readonly ahead?: number;
}

/** Reservations a bank working ahead may make in the window, beyond its keys made ahead: its checks there. */
const RESERVATIONS_IN_WINDOW = 200;

/** The realistic setting: a `hardhat node`, the bureau service and every bank in processes of their own. */
export async function separateProcesses(options: ProcessesOptions): Promise<Measured> {
  const { banks: bankCount, seconds, bureaus: bureauCount, pollMs } = options;
  if (!Number.isInteger(bureauCount) || bureauCount < 1) throw new Error(`bureaus: expected ≥ 1, got ${bureauCount}`);
  if (bureauCount > 1 && options.databaseUrl === undefined) {
    throw new Error("more than one bureau needs a shared PostgreSQL store (postgres or a URL)");
  }
  const children: ChildProcess[] = [];
  let node: LocalNode | undefined;
  let provider: JsonRpcProvider | undefined;
  const dir = mkdtempSync(join(tmpdir(), "blindcredit-throughput-"));
  let measured = false;
  try {
    node = await startNode("hardhat");
    await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile"]);
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 50 });
    const signers = await Promise.all(Array.from({ length: 10 + bankCount }, (_, i) => provider!.getSigner(i)));
    const suite = await loadDeployedSuite(node.deploymentsDir, signers[0]);
    const [voter1, voter2, bureau, subject, providerSigner] = [1, 2, 4, 5, 8].map((i) => signers[i]);
    const banks = signers.slice(10, 10 + bankCount);
    await members(suite, voter1, voter2, subject, providerSigner, banks);

    const keyFile = join(dir, "sealing.key");
    saveSealingKey(keyFile, generateSealingKey());
    const databaseUrl = options.databaseUrl === "postgres" ? await freshPostgresDatabase() : options.databaseUrl;
    const store =
      databaseUrl === undefined
        ? ["--db", join(dir, "bureau.db")]
        : ["--database-url", databaseUrl, "--comparison-key-file", join(dir, "bureau.comparison-key")];
    const bureaus: { child: ChildProcess; url: string }[] = [];
    // One at a time: the first generates and seals the comparison key the others load.
    for (let i = 0; i < bureauCount; i++) {
      // Banks working ahead reserve a key per check made ahead, then one per check they run.
      // As many checks at once as there are banks, so that none waits for another's turn (BENCH_CONCURRENCY).
      const concurrency = ["--concurrency", process.env.BENCH_CONCURRENCY ?? String(Math.min(64, bankCount))];
      const reservations = options.ahead
        ? ["--reservations-per-bank", String(options.ahead + RESERVATIONS_IN_WINDOW)]
        : [];
      const started = await startBureau(
        node,
        keyFile,
        dir,
        [...store, ...concurrency, ...reservations],
        pollMs,
        bureauLog(dir, i),
      );
      children.push(started.child);
      bureaus.push(started);
    }
    await submitCreditRecord(
      suite.ownership.connect(providerSigner),
      bureaus[0].url,
      await bureau.getAddress(),
      await subject.getAddress(),
      parseRecordFields(APPLICANT_RECORD),
    );

    const bankProcesses: { account: number; child: ChildProcess; messages: ReturnType<typeof reportsOf> }[] = [];
    for (let i = 0; i < bankCount; i++) {
      const job: BankJob = {
        rpcUrl: node.url,
        deploymentsDir: node.deploymentsDir,
        account: 10 + i,
        bureauUrl: bureaus[i % bureaus.length].url,
        bureau: await bureau.getAddress(),
        subject: await subject.getAddress(),
        conditions: LOAN,
        pollMs,
        ahead: options.ahead ?? 0,
      };
      const child = spawn(
        process.execPath,
        [
          ...profiling(),
          "-r",
          "ts-node/register/transpile-only",
          join(__dirname, "throughputBank.ts"),
          JSON.stringify(job),
        ],
        { cwd: PROJECT_ROOT, env: cleanEnv(), stdio: ["ignore", "inherit", "inherit", "ipc"] },
      );
      children.push(child);
      bankProcesses.push({ account: job.account, child, messages: reportsOf(child) });
    }
    /** Every bank's next report, which must be `type`. */
    const allSay = (type: BankReport["type"]) =>
      Promise.all(bankProcesses.map(({ account, messages }) => messages.next().then(expectReport(type, account))));
    const tell = (command: BankCommand) => bankProcesses.forEach(({ child }) => child.send(command));
    // Each phase begins once every bank has ended the last: no bank's check runs while banks precompute.
    await allSay("warmed");
    tell({ type: "prepare" });
    await allSay("ready");

    const chainPids = processesWith(node.configFile);
    const chainBefore = cpuSeconds(chainPids);
    const before = await Promise.all(bureaus.map((b) => bureauFigures(b)));
    const blockBefore = await provider.getBlockNumber();
    const started = performance.now();
    tell({ type: "go", stopAt: Date.now() + seconds * 1000 });
    const done = (await allSay("done")) as Extract<BankReport, { type: "done" }>[];
    const elapsed = (performance.now() - started) / 1000;
    const after = await Promise.all(bureaus.map((b) => bureauFigures(b)));
    const chainSpent = cpuSeconds(chainPids) - chainBefore;
    const banksSpent = done.reduce((a, r) => a + r.cpuSeconds, 0);
    const blocks = (await provider.getBlockNumber()) - blockBefore;
    const checks = done.reduce((a, r) => a + r.checks, 0);
    const spent = (key: keyof Awaited<ReturnType<typeof bureauFigures>>) =>
      after.reduce((a, f, i) => a + f[key] - before[i][key], 0);
    const latencies = done.flatMap((r) => r.latencies).sort((a, b) => a - b);
    measured = true;
    return {
      setting: "separate processes",
      banks: bankCount,
      bureaus: bureauCount,
      store: databaseUrl === undefined ? "SQLite" : "PostgreSQL",
      seconds: elapsed,
      checks,
      checksPerMinute: (checks * 60) / elapsed,
      bureauBusySecondsPerCheck: spent("stepSeconds") / checks,
      bureauStepsPerCheck: spent("steps") / checks,
      bureauCpuSecondsPerCheck: spent("cpuSeconds") / checks,
      bankCpuSecondsPerCheck: banksSpent / checks,
      banksAhead: options.ahead ?? 0,
      chainCpuSecondsPerCheck: chainSpent / checks,
      pollMs,
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
    if (options.databaseUrl === "postgres") await stopPostgres();
    if (measured) {
      // Steps that failed and were retried, or refused checks, in a run that completed: said, not fatal.
      process.stderr.write(bureauLogs(dir, bureauCount, false));
      rmSync(dir, { recursive: true, force: true });
    } else {
      process.stderr.write(`${bureauLogs(dir, bureauCount, true)}the run's folder is kept: ${dir}\n`);
    }
  }
}

/** Where bureau `index` of a run's folder writes its stderr. */
function bureauLog(dir: string, index: number): string {
  return join(dir, `bureau-${index}.log`);
}

/**
 * What the bureaus of a run said: each one's refusals and failed attempts (a bank reads only a refusal's code
 * on-chain; the bureau's line says why), if any; with `tail` (a failed run), then the last lines of its log.
 */
function bureauLogs(dir: string, count: number, tail: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = bureauLog(dir, i);
    let lines: string[];
    try {
      lines = readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line.length > 0);
    } catch {
      out.push(`bureau ${i}: no log at ${file}`);
      continue;
    }
    const notable = lines.filter((line) => /refused|failed/i.test(line));
    if (notable.length > 0) {
      out.push(`bureau ${i}: ${notable.length} lines of refusals and failed attempts, the last 20 of them:`);
      out.push(...notable.slice(-20));
    }
    if (tail) out.push(`bureau ${i}: the last lines of ${file}:`, ...lines.slice(-40));
  }
  return out.map((line) => `${line}\n`).join("");
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

/**
 * `blindcredit bureau start` as account 4 (the deployment's bureau), its stderr written to `logFile`; resolves with
 * its URL once it listens.
 */
async function startBureau(
  node: LocalNode,
  keyFile: string,
  dir: string,
  store: string[],
  pollMs: number,
  logFile: string,
): Promise<{ child: ChildProcess; url: string }> {
  const args = ["bureau", "start", "--json", "--account", "4", "--port", "0", "--poll", String(pollMs), ...store];
  const log = openSync(logFile, "w");
  const child = spawn(process.execPath, [...profiling(), join(PROJECT_ROOT, "bin", "blindcredit"), ...args], {
    cwd: dir,
    env: {
      ...cleanEnv(),
      BLINDCREDIT_RPC_URL: node.url,
      BLINDCREDIT_DEPLOYMENTS: node.deploymentsDir,
      BLINDCREDIT_SEALING_KEY_FILE: keyFile,
    },
    stdio: ["ignore", "pipe", log],
  });
  closeSync(log); // the child holds its own
  const stderr = () => readFileSync(logFile, "utf8");
  let stdout = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bureau did not start:\n${stderr()}`)), 120_000);
    child.stdout!.on("data", (c: Buffer) => {
      stdout += c.toString();
      const match = /"url":\s*"([^"]+)"/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`the bureau exited with ${code}:\n${stderr()}`)));
  });
  return { child, url };
}

/** The bureau's evaluator step figures (from its metrics endpoint) and its process's CPU seconds (from /proc). */
async function bureauFigures({ child, url }: { child: ChildProcess; url: string }) {
  const text = await (await fetch(`${url}/metrics`)).text();
  if (!text.includes("# TYPE blindcredit_step_seconds histogram")) {
    throw new Error(`the bureau at ${url} reports no blindcredit_step_seconds histogram`);
  }
  // The step histogram's sum and count, added over its label sets (step, k): none before its first step.
  const total = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))].reduce((a, m) => a + Number(m[1]), 0);
  return {
    steps: total("blindcredit_step_seconds_count"),
    stepSeconds: total("blindcredit_step_seconds_sum"),
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

/** The messages of a bank process, one at a time; "failed" for each one asked after it exited. */
function reportsOf(child: ChildProcess): { next(): Promise<BankReport> } {
  const queue: BankReport[] = [];
  const waiting: ((r: BankReport) => void)[] = [];
  let exit: BankReport | undefined;
  child.on("message", (m: BankReport) => (waiting.length > 0 ? waiting.shift()!(m) : queue.push(m)));
  child.once("exit", (code) => {
    exit = { type: "failed", error: `the bank process exited with ${code}` };
    for (const w of waiting.splice(0)) w(exit);
  });
  return {
    next: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : exit !== undefined
          ? Promise.resolve(exit)
          : new Promise<BankReport>((r) => waiting.push(r)),
  };
}

function expectReport(type: BankReport["type"], account: number) {
  return (report: BankReport): BankReport => {
    if (report.type === "failed") throw new Error(`bank ${account} failed: ${report.error}`);
    if (report.type !== type) throw new Error(`bank ${account} said ${report.type}, expected ${type}`);
    return report;
  };
}

/** This environment without Hardhat's and blindcredit's variables, which would redirect the children. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("HARDHAT_") && !k.startsWith("BLINDCREDIT_")),
  );
}

/** With `BENCH_CPU_PROFILE=<dir>`, the bureaus and banks write V8 CPU profiles (`--cpu-prof`) there as they exit. */
function profiling(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE;
  return dir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
  });
}
