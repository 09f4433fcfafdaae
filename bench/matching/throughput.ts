/**
 * Throughput of one bureau service: checks per minute at k = 10 (decision mode) with several banks at once, on the
 * in-process Hardhat network. The bureau is the real service (SQLite store, HTTP API on loopback, the evaluator
 * polling the chain, blinding over worker threads, a fresh 3072-bit DGK key); each bank is a `BankClient` with its
 * own 3072-bit Paillier key, talking to the service over HTTP, running checks back to back for the measured window.
 *
 * The banks run in the same process and on the same two cores as the bureau: the figure is end to end, for the whole
 * consortium on one machine. The bureau's own share is reported too (its evaluator's busy seconds per check), which
 * says what one bureau machine answers when the banks are elsewhere.
 *
 * Run: `npm run bench:matching-throughput`. `BENCH_BANKS` (default 4), `BENCH_SECONDS` (default 60). Writes
 * bench/matching/throughput-results.{json,md}.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BankClient } from "../../src/clients/bankCheck";
import { submitCreditRecord } from "../../src/clients/provider";
import { HttpBoard } from "../../src/clients/httpBoard";
import { parseRecordFields } from "../../src/protocol/records";
import { generateSealingKey } from "../../src/bureau/sealing";
import { startBureauService } from "../../src/bureau/service";
import { NodeType } from "../../src/contractEnums";
import { generateKeyPair } from "../../src/paillier";
import { Level } from "../../src/permissions";
import { connectSuite } from "../../src/suite";
import { admitByVote, deployWithMembers } from "../../test/helpers/suite";
import { APPLICANT_RECORD, MIXED_CONDITIONS } from "../../test/helpers/samples";

const BANKS = Number(process.env.BENCH_BANKS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);

/** k = 10: the first ten conditions of the benchmarks' loan. */
const LOAN = MIXED_CONDITIONS.slice(0, 10);

async function main(): Promise<void> {
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
    const busy = service.evaluator.metrics.stepSeconds - busyBefore;
    const steps = service.evaluator.metrics.steps - stepsBefore;
    const result = {
      date: new Date().toISOString(),
      machine: `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, Node ${process.version}`,
      banks: BANKS,
      k: LOAN.length,
      seconds: elapsed,
      checks,
      checksPerMinute: (checks * 60) / elapsed,
      bureauBusySecondsPerCheck: busy / checks,
      bureauStepsPerCheck: steps / checks,
    };
    const md = [
      "# Throughput of one bureau service, k = 10, decision mode",
      "",
      "Generated by `npm run bench:matching-throughput` (bench/matching/throughput.ts): the real bureau service (SQLite,",
      `HTTP on loopback, evaluator, worker threads, 3072-bit DGK key) and ${BANKS} banks (3072-bit Paillier keys) running`,
      "checks back to back on the in-process Hardhat network, all on this machine.",
      "",
      `Machine: ${result.machine}. Date: ${result.date}.`,
      "",
      "| banks | window | checks | checks per minute (whole consortium on this machine) | bureau busy per check | bureau alone, per minute |",
      "|---:|---:|---:|---:|---:|---:|",
      `| ${BANKS} | ${elapsed.toFixed(0)} s | ${checks} | ${result.checksPerMinute.toFixed(0)} | ` +
        `${(result.bureauBusySecondsPerCheck * 1000).toFixed(0)} ms | ${(60 / result.bureauBusySecondsPerCheck).toFixed(0)} |`,
      "",
      "The last column is 60 s over the bureau's busy time per check (its evaluator's steps, chain transactions",
      "included): what one bureau answers when the banks' work runs on their own machines.",
      "",
    ].join("\n");
    writeFileSync(join(__dirname, "throughput-results.json"), JSON.stringify(result, null, 2) + "\n");
    writeFileSync(join(__dirname, "throughput-results.md"), md);
    process.stdout.write(md);
  } finally {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
