/**
 * Throughput of one bureau service: checks per minute at k = 10 (decision mode) with several banks at once, and the
 * bureau's busy time per check, in three settings side by side in one run (the last two in
 * bench/matching/processes.ts):
 *
 * - **in one process** (the baseline): the in-process Hardhat network, the real bureau service (SQLite store, HTTP
 *   API on loopback, the evaluator polling the chain, blinding and proof verification on worker threads, a fresh
 *   3072-bit DGK key per check from its pool; with `in-process-one-key`, one key for every check beside it) and `BENCH_BANKS` `BankClient`s with their own 3072-bit Paillier keys, no pools, all on one
 *   event loop: every bank's computation stalls the bureau's.
 * - **separate processes**: a `hardhat node` (automine: each transaction is mined into a block of its own as it
 *   arrives), the bureau as `blindcredit bureau start` in its own process (SQLite, or PostgreSQL with
 *   `BENCH_DATABASE_URL`), and each bank a process of its own (bench/matching/throughputBank.ts) keeping the pools a
 *   running bank keeps (proven shares, re-randomisers for the bureau's key) and topping them up as it goes, all over
 *   JSON-RPC and HTTP. The whole consortium shares this machine's cores.
 * - **banks' work made ahead**: the same, but each bank makes its shares, and reserves `BENCH_AHEAD` per-check
 *   comparison keys and makes their re-randomisers, before the window (the bureau is started with
 *   `--reservations-per-bank` to allow it), so that in the window the banks spend only their online work: the load a
 *   bureau sees when the banks run on machines of their own, which one machine can only approximate this way. The
 *   bureau's own per-check work stays in the window: each check there reserves the key of a later check, so the
 *   bureau makes one key per check, as in a steady state (the bank's re-randomisers for those keys are left for
 *   later, as a bank would make them on its own machine). In both
 *   settings every bank warms up with one check, then makes its pools, each phase begun once every bank has ended
 *   the last, so that no check runs while the banks precompute.
 *
 * The bureau's busy time is both its evaluator's step seconds (chain transactions included) and the CPU seconds of
 * its process (every thread), from /proc; the banks' and the chain node's CPU seconds are measured the same way.
 *
 * Run: `npm run bench:matching-throughput`. Options (environment, as `hardhat run` passes no arguments):
 * `BENCH_BANKS` (default 8), `BENCH_SECONDS` (the measured window per setting, default 60), `BENCH_SETTINGS`
 * (a comma-separated list of `in-process`, `in-process-one-key` (the same with one long-lived comparison key for
 * every check, the protocol before issue 19), `processes` and `ahead`; default all four), `BENCH_AHEAD` (checks' worth
 * each bank makes ahead in the `ahead` setting, default 25), `BENCH_DATABASE_URL` (the separate bureau's store:
 * unset for SQLite, `postgres` for a throwaway PostgreSQL server as the tests start one, or a `postgres://` URL of an
 * empty database), `BENCH_BUREAUS` (bureau processes sharing that PostgreSQL store, default 1: more than one takes
 * evaluators that divide the checks between them, and a PostgreSQL store), `BENCH_CONCURRENCY` (the separate bureaus' `--concurrency`; default one check per bank), `BENCH_POLL_MS` (how often the separate
 * banks and bureau poll the chain node, every poll a JSON-RPC call; default 100), `BENCH_WRITE` (`0`: print only),
 * `BENCH_CPU_PROFILE` (a folder: the bureau and bank processes write V8 CPU profiles there). Writes
 * bench/matching/throughput-results.{json,md}.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BankClient } from "../../src/clients/bankCheck";
import { fixtureComparisonKey } from "../../test/helpers/comparisonKey";
import { OneLongLivedKey } from "./oneKey";
import { HttpBoard } from "../../src/clients/httpBoard";
import { generateSealingKey } from "../../src/bureau/sealing";
import { startBureauService } from "../../src/bureau/service";
import { NodeType } from "../../src/contractEnums";
import { generateKeyPair } from "../../src/paillier";
import { Level } from "../../src/permissions";
import { connectSuite } from "../../src/suite";
import { admitByVote, deployWithMembers, submitSubjectRecord } from "../../test/helpers/suite";
import { APPLICANT_RECORD } from "../../test/helpers/samples";
import { LOAN, separateProcesses, type Measured } from "./processes";

const BANKS = Number(process.env.BENCH_BANKS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const SETTINGS = (process.env.BENCH_SETTINGS ?? "in-process,in-process-one-key,processes,ahead")
  .split(",")
  .map((x) => x.trim());
const AHEAD = Number(process.env.BENCH_AHEAD ?? 25);
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
const BUREAUS = Number(process.env.BENCH_BUREAUS ?? 1);
const WRITE = process.env.BENCH_WRITE !== "0";
/** Separate processes: how often the banks and the bureau poll the chain node (every poll is a JSON-RPC call). */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 100);

async function main(): Promise<void> {
  const known = ["in-process", "in-process-one-key", "processes", "ahead"];
  if (SETTINGS.length === 0 || !SETTINGS.every((x) => known.includes(x))) {
    throw new Error(`BENCH_SETTINGS: expected a list of ${known.join(", ")}, got ${SETTINGS.join(",")}`);
  }
  if (!Number.isInteger(AHEAD) || AHEAD < 1) throw new Error(`BENCH_AHEAD: expected ≥ 1, got ${AHEAD}`);
  if (!Number.isInteger(BUREAUS) || BUREAUS < 1) throw new Error(`BENCH_BUREAUS: expected ≥ 1, got ${BUREAUS}`);
  if (BUREAUS > 1 && DATABASE_URL === undefined) {
    throw new Error("BENCH_BUREAUS > 1 needs a shared PostgreSQL store: set BENCH_DATABASE_URL (postgres or a URL)");
  }
  const results: Measured[] = [];
  if (SETTINGS.includes("in-process")) results.push(await inOneProcess(false));
  // Today's protocol before issue 19 (one key for every check), beside it, for the per-check key's cost.
  if (SETTINGS.includes("in-process-one-key")) results.push(await inOneProcess(true));
  for (const ahead of [SETTINGS.includes("processes") ? 0 : -1, SETTINGS.includes("ahead") ? AHEAD : -1]) {
    if (ahead < 0) continue;
    const options = { banks: BANKS, seconds: SECONDS, databaseUrl: DATABASE_URL, bureaus: BUREAUS, pollMs: POLL_MS };
    results.push(await separateProcesses({ ...options, ahead }));
  }
  const result = {
    date: new Date().toISOString(),
    machine: `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, Node ${process.version}`,
    k: LOAN.length,
    results,
    ratios: results.map((r) => ({
      checksPerMinute: r.checksPerMinute / results[0].checksPerMinute,
      bureauBusySecondsPerCheck: r.bureauBusySecondsPerCheck / results[0].bureauBusySecondsPerCheck,
    })),
  };
  const name = (r: Measured) =>
    r.setting.startsWith("in one process")
      ? r.setting
      : r.banksAhead
        ? `banks' work made ahead (${r.banksAhead})`
        : r.setting;
  const ms = (s: number | undefined) => (s === undefined ? "–" : `${(s * 1000).toFixed(0)} ms`);
  const md = [
    "# Throughput of one bureau service, k = 10, decision mode",
    "",
    "Generated by `npm run bench:matching-throughput` (bench/matching/throughput.ts). **In one process**: the",
    "in-process Hardhat network, the real bureau service (SQLite, HTTP on loopback, evaluator, worker threads,",
    "3072-bit DGK key) and the banks (3072-bit Paillier keys, no pools) on one event loop. **Separate processes**:",
    "a `hardhat node` (automine), `blindcredit bureau start` in its own process, each bank in its own process with",
    "the pools a running bank keeps, topped up as it goes. **Banks' work made ahead**: the same, but each bank makes",
    "its shares, and reserves that many per-check comparison keys and makes their DGK re-randomisers, before the",
    "window, so that the banks spend only their online work there, as banks on machines of their own would; each",
    "check in the window reserves a key for a later one, so the bureau still makes one key per check, as in a",
    "steady state. Banks run checks back to back for the window; everything on this machine.",
    "",
    `Machine: ${result.machine}. Date: ${result.date}.`,
    "",
    "| setting | banks | store | window | checks | checks per minute | bureau busy per check (evaluator steps) | " +
      "bureau CPU per check | banks' CPU per check | chain node CPU per check | check latency (median / p90) | " +
      "blocks (mean interval) |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${name(r)} | ${r.banks} | ${r.store} | ${r.seconds.toFixed(0)} s | ${r.checks} | ` +
        `${r.checksPerMinute.toFixed(0)} | ${ms(r.bureauBusySecondsPerCheck)} | ${ms(r.bureauCpuSecondsPerCheck)} | ` +
        `${ms(r.bankCpuSecondsPerCheck)} | ${ms(r.chainCpuSecondsPerCheck)} | ` +
        `${r.checkSecondsMedian === undefined ? "–" : `${ms(r.checkSecondsMedian)} / ${ms(r.checkSecondsP90)}`} | ` +
        `${r.blocks} (${ms(r.secondsPerBlock)}) |`,
    ),
    "",
    `Against ${name(results[0])}:`,
    "",
    "| setting | checks per minute | bureau busy per check |",
    "|---|---:|---:|",
    ...results.map(
      (r, i) =>
        `| ${name(r)} | ×${result.ratios[i].checksPerMinute.toFixed(2)} | ` +
        `×${result.ratios[i].bureauBusySecondsPerCheck.toFixed(2)} |`,
    ),
    "",
    "The CPU columns are every thread's CPU seconds (worker threads included) of the bureau's process, of the bank",
    "processes together, and of the chain node, from /proc, over the window, per check. On this machine all of them",
    "share its cores.",
    "",
  ].join("\n");
  if (WRITE) {
    writeFileSync(join(__dirname, "throughput-results.json"), JSON.stringify(result, null, 2) + "\n");
    writeFileSync(join(__dirname, "throughput-results.md"), md);
  }
  process.stdout.write(md);
}

/**
 * The baseline: chain, bureau service and banks in this process; a fresh comparison key per check, or with `oneKey`
 * one long-lived key for every check (the protocol before issue 19).
 */
async function inOneProcess(oneKey: boolean): Promise<Measured> {
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
    comparisonKeySource: oneKey ? new OneLongLivedKey(fixtureComparisonKey(3072)) : undefined,
  });
  try {
    await submitSubjectRecord(f, service.url, APPLICANT_RECORD);
    const clients = await Promise.all(
      banks.map(async (bank) => {
        const { privateKey } = await generateKeyPair();
        const client = new BankClient(
          f.matching.connect(bank),
          privateKey,
          new HttpBoard(service.url, { signer: bank, bureau: f.bureau.address }),
        );
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
      setting: oneKey ? "in one process, one long-lived key" : "in one process",
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

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
