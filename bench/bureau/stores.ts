/**
 * The bureau's stores side by side: checks per minute at k = 10 (decision mode) with several banks at once, in the
 * separate-process setting of the throughput bench (bench/matching/processes.ts: a `hardhat node`, `blindcredit
 * bureau start` processes, each bank a process of its own), run three times in one invocation with the same banks
 * and window:
 *
 * - **SQLite × 1**: one bureau process with its embedded SQLite file (the default);
 * - **PostgreSQL × 1**: one bureau process on a throwaway PostgreSQL server (`--database-url`);
 * - **PostgreSQL × 2**: two bureau processes sharing that store (same sealing key, `--comparison-key-file`), their
 *   evaluators dividing the checks through leases; the banks spread over the two APIs.
 *
 * Each run starts from nothing (a fresh chain node, deployment, bureaus, banks; a fresh PostgreSQL server for each
 * PostgreSQL run). Figures per run: checks per minute, the bureaus' busy time per check (evaluator step seconds,
 * chain transactions included, and the processes' CPU seconds from /proc), the chain node's CPU per check, a check's
 * latency (median, 90th percentile), and each as a ratio against SQLite × 1.
 *
 * Run: `npm run bench:bureau-stores`. Options (environment, as `hardhat run` passes no arguments): `BENCH_BANKS`
 * (default 4), `BENCH_SECONDS` (the measured window per run, default 60), `BENCH_POLL_MS` (how often banks and
 * bureaus poll the chain node, default 100), `BENCH_WRITE` (`0`: print only). Writes
 * bench/bureau/stores-results.{json,md}.
 *
 * `BENCH_STORE_OPS=1` measures the stores alone instead (`./storeOperations`: rounds of a check's store traffic a
 * second, SQLite against PGlite, `BENCH_SECONDS` each, PGlite loaded from `BENCH_PGLITE_MODULE`), and prints them
 * with their ratio; it writes nothing.
 * @module
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { LOAN, separateProcesses, type Measured } from "../matching/processes";
import { storeOperations } from "./storeOperations";

const BANKS = Number(process.env.BENCH_BANKS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 100);
const WRITE = process.env.BENCH_WRITE !== "0";

/** The three configurations, the first the baseline of the ratios. */
const CONFIGURATIONS: readonly { readonly name: string; readonly databaseUrl?: string; readonly bureaus: number }[] = [
  { name: "SQLite × 1", bureaus: 1 },
  { name: "PostgreSQL × 1", databaseUrl: "postgres", bureaus: 1 },
  { name: "PostgreSQL × 2", databaseUrl: "postgres", bureaus: 2 },
];

/** The figures compared against the baseline: higher is better only for checks per minute. */
const COMPARED = [
  "checksPerMinute",
  "bureauBusySecondsPerCheck",
  "bureauCpuSecondsPerCheck",
  "chainCpuSecondsPerCheck",
  "checkSecondsMedian",
  "checkSecondsP90",
] as const satisfies readonly (keyof Measured)[];

type Ratios = Record<(typeof COMPARED)[number], number | null>;

async function main(): Promise<void> {
  if (!Number.isInteger(BANKS) || BANKS < 1) throw new Error(`BENCH_BANKS: expected ≥ 1, got ${BANKS}`);
  if (!(SECONDS > 0)) throw new Error(`BENCH_SECONDS: expected > 0, got ${SECONDS}`);
  if (process.env.BENCH_STORE_OPS === "1") {
    const [base, ...others] = await storeOperations(SECONDS, process.env.BENCH_PGLITE_MODULE ?? "@electric-sql/pglite");
    for (const r of [base, ...others]) {
      process.stdout.write(
        `${r.name}: ${r.rounds} rounds in ${r.seconds.toFixed(1)} s, ${r.roundsPerSecond.toFixed(1)} a second` +
          (r === base ? "\n" : `, ×${(r.roundsPerSecond / base.roundsPerSecond).toFixed(2)} of ${base.name}\n`),
      );
    }
    return;
  }
  const runs: { name: string; measured: Measured }[] = [];
  for (const c of CONFIGURATIONS) {
    process.stderr.write(`${c.name}: ${BANKS} banks, ${SECONDS} s …\n`);
    const measured = await separateProcesses({
      banks: BANKS,
      seconds: SECONDS,
      databaseUrl: c.databaseUrl,
      bureaus: c.bureaus,
      pollMs: POLL_MS,
    });
    process.stderr.write(`${c.name}: ${measured.checks} checks, ${measured.checksPerMinute.toFixed(1)} a minute\n`);
    runs.push({ name: c.name, measured });
  }
  const base = runs[0].measured;
  const ratio = (r: Measured, key: (typeof COMPARED)[number]): number | null => {
    const [a, b] = [r[key], base[key]];
    return a === undefined || b === undefined || b === 0 ? null : a / b;
  };
  const results = runs.map(({ name, measured }) => ({
    name,
    ...measured,
    ratios: Object.fromEntries(COMPARED.map((key) => [key, ratio(measured, key)])) as Ratios,
  }));
  const result = {
    date: new Date().toISOString(),
    machine: `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, Node ${process.version}`,
    k: LOAN.length,
    banks: BANKS,
    windowSeconds: SECONDS,
    pollMs: POLL_MS,
    baseline: runs[0].name,
    results,
  };

  const ms = (s: number | undefined) => (s === undefined ? "–" : `${(s * 1000).toFixed(0)} ms`);
  const x = (v: number | null) => (v === null ? "–" : `×${v.toFixed(2)}`);
  const md = [
    "# The bureau's stores side by side, k = 10, decision mode",
    "",
    "Generated by `npm run bench:bureau-stores` (bench/bureau/stores.ts). Each row is one run of the separate-process",
    "setting (bench/matching/processes.ts): a `hardhat node` (automine), `blindcredit bureau start` processes (SQLite,",
    "or one PostgreSQL store shared by the evaluators through leases), each bank in its own process with the pools a",
    `running bank keeps, running checks back to back. ${BANKS} banks, a ${SECONDS} s window per run, banks and bureaus`,
    `polling the chain node every ${POLL_MS} ms; everything on this machine.`,
    "",
    `Machine: ${result.machine}. Date: ${result.date}.`,
    "",
    "| configuration | bureau processes | window | checks | checks per minute | bureau busy per check (evaluator " +
      "steps) | bureau CPU per check | chain node CPU per check | check latency (median / p90) | blocks (mean " +
      "interval) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.bureaus} | ${r.seconds.toFixed(0)} s | ${r.checks} | ${r.checksPerMinute.toFixed(1)} | ` +
        `${ms(r.bureauBusySecondsPerCheck)} | ${ms(r.bureauCpuSecondsPerCheck)} | ${ms(r.chainCpuSecondsPerCheck)} | ` +
        `${ms(r.checkSecondsMedian)} / ${ms(r.checkSecondsP90)} | ${r.blocks} (${ms(r.secondsPerBlock)}) |`,
    ),
    "",
    `Against ${result.baseline}:`,
    "",
    "| configuration | checks per minute | bureau busy per check | bureau CPU per check | chain node CPU per check | " +
      "latency median | latency p90 |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...results.map((r) => `| ${r.name} | ${COMPARED.map((key) => x(r.ratios[key])).join(" | ")} |`),
    "",
    "Bureau busy and CPU per check are summed over the bureau processes; the CPU is every thread's (worker threads",
    "included), from /proc. The PostgreSQL server's own CPU is not counted in either.",
    "",
  ].join("\n");
  if (WRITE) {
    writeFileSync(join(__dirname, "stores-results.json"), JSON.stringify(result, null, 2) + "\n");
    writeFileSync(join(__dirname, "stores-results.md"), md);
  }
  process.stdout.write(md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
