/**
 * Latency of the off-chain work of one blind credit check (bank plus bureau, no chain), at 3072 bits, for k = 1, 5,
 * 10 and 20 conditions, side by side in one run with the same protocol written on plain `paillier-bigint`
 * (bench/matching/baselineProtocol.ts). Target (issue 5): k = 10 in decision mode under 5 s on a 2-core machine.
 *
 * Ours is measured in two settings:
 * - **online**: what a running bank and bureau spend once a check arrives. Both keep randomness pools, filled
 *   beforehand (the bank's by the CRT), and the bureau blinds over its worker threads (one per core);
 * - **cold**: no pools: every randomizer is computed during the check, still with the worker threads.
 * The baseline runs on one thread with no precomputation (what `paillier-bigint`'s API offers).
 *
 * Run: `npm run bench:matching-latency` (several minutes: the baseline is slow). Writes
 * bench/matching/latency-results.{json,md}. `BENCH_KS=1,5` limits the sizes; `BENCH_RUNS` sets our repetitions.
 * @module
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { BlindingWorkers, RandomnessPool, encrypt, type PaillierPrivateKey } from "../../src/paillier";
import { buildForm, readAnswer, respondToChallenge } from "../../src/protocol/bank";
import { answerDecision, answerPaper, challenge, readForm } from "../../src/protocol/bureau";
import { comparisonsOf, parseForm, type CheckMode, type Condition } from "../../src/protocol/form";
import { comparisonDomain, fieldNamed } from "../../src/protocol/schema";
import type { CheckContext } from "../../src/protocol/messages";
import { fixtureKey, referenceKeys } from "../../test/paillier/helpers";
import {
  baselineAnswer,
  baselineChallenge,
  baselineDecide,
  baselineForm,
  baselinePaper,
  baselineRespond,
} from "./baselineProtocol";

const KS = (process.env.BENCH_KS ?? "1,5,10,20").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET_MS = 5000;

/** The applicant: meets every condition below, so every check is approved (the work does not depend on it). */
const APPLICANT = new Map<string, bigint>([
  ["creditScore", 712n],
  ["annualIncome", 58_000n],
  ["defaultsFiveYears", 0n],
  ["debtToIncome", 2850n],
  ["yearsOfHistory", 9n],
  ["bankruptcy", 0n],
]);

/** Decision-mode conditions; a form of k takes the first k. The mix of fields and operators of a real loan. */
const CONDITIONS: Condition[] = [
  { field: "creditScore", op: "ge", values: [650] },
  { field: "annualIncome", op: "ge", values: [40_000] },
  { field: "defaultsFiveYears", op: "le", values: [1] },
  { field: "debtToIncome", op: "lt", values: ["36"] },
  { field: "yearsOfHistory", op: "ge", values: [3] },
  { field: "bankruptcy", op: "eq", values: [0] },
  { field: "creditScore", op: "between", values: [600, 800] },
  { field: "annualIncome", op: "le", values: [2_000_000] },
  { field: "defaultsFiveYears", op: "ne", values: [5] },
  { field: "yearsOfHistory", op: "between", values: [2, 60] },
  { field: "debtToIncome", op: "ge", values: ["0.5"] },
  { field: "creditScore", op: "ne", values: [300] },
  { field: "annualIncome", op: "gt", values: [25_000] },
  { field: "bankruptcy", op: "lt", values: [1] },
  { field: "defaultsFiveYears", op: "in", values: [0, 1, 2] },
  { field: "yearsOfHistory", op: "gt", values: [1] },
  { field: "debtToIncome", op: "le", values: ["45"] },
  { field: "creditScore", op: "le", values: [850] },
  { field: "annualIncome", op: "between", values: [30_000, 5_000_000] },
  { field: "yearsOfHistory", op: "le", values: [80] },
];

/** Paper mode: equality only; a form of k cycles through the applicant's fields. */
function paperConditions(k: number): Condition[] {
  const fields = [...APPLICANT.keys()];
  return Array.from({ length: k }, (_, i) => {
    const field = fieldNamed(fields[i % fields.length]);
    const x = APPLICANT.get(field.name)!;
    return { field: field.name, op: "eq", values: [x / 10n ** BigInt(field.decimals)] } as Condition;
  }).map((c) => (c.field === "debtToIncome" ? { ...c, values: ["28.5"] } : c));
}

const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x" + "cd".repeat(20),
  checkId: "0x" + "11".repeat(32),
  keyFingerprint: "",
};

interface Phases {
  bankForm: number;
  bureauFirst: number;
  bankRespond: number;
  bureauAnswer: number;
  bankDecide: number;
  total: number;
}

interface Row {
  k: number;
  mode: CheckMode;
  comparisons: number;
  blindedValues: number;
  bytes: { form: number; challenge: number; response: number; answer: number };
  online: Phases;
  cold: Phases;
  baseline: Phases;
}

async function timed<T>(into: Partial<Phases>, phase: keyof Phases, fn: () => T | Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  const result = await fn();
  into[phase] = Number(process.hrtime.bigint() - start) / 1e6;
  return result;
}

function finish(p: Partial<Phases>): Phases {
  const phases = { bankForm: 0, bureauFirst: 0, bankRespond: 0, bureauAnswer: 0, bankDecide: 0, ...p };
  return {
    ...phases,
    total: phases.bankForm + phases.bureauFirst + phases.bankRespond + phases.bureauAnswer + phases.bankDecide,
  };
}

/** How many randomizers each side takes in one check, to size the pools. */
function randomizersNeeded(mode: CheckMode, conditions: Condition[]): { bank: number; bureau: number } {
  const parsed = parseForm(conditions, mode);
  if (mode === "paper") return { bank: parsed.length, bureau: parsed.length };
  const comparisons = parsed.flatMap((c) => comparisonsOf(c));
  const bits = comparisons.reduce((sum, c) => sum + comparisonDomain(c.field).bits, 0);
  return { bank: bits + comparisons.length, bureau: bits + comparisons.length + 1 };
}

/** Ours: one check, pools given or not; returns the phases and what travelled. */
async function ours(
  key: PaillierPrivateKey,
  mode: CheckMode,
  conditions: Condition[],
  workers: BlindingWorkers,
  pools?: { bank: RandomnessPool; bureau: RandomnessPool },
) {
  const p: Partial<Phases> = {};
  const context = { ...CONTEXT, keyFingerprint: key.publicKey.fingerprint };
  const blinding = { pool: pools?.bureau, blind: workers.blind };
  const form = await timed(p, "bankForm", () => buildForm(key, context, mode, conditions, pools?.bank));
  const bytes = { form: form.bytes.length, challenge: 0, response: 0, answer: 0 };
  let approved: boolean;
  if (mode === "paper") {
    const answer = await timed(p, "bureauFirst", () =>
      answerPaper(context, readForm(key.publicKey, context, form.bytes, form.hash), APPLICANT, blinding),
    );
    bytes.answer = answer.bytes.length;
    approved = (await timed(p, "bankDecide", () => readAnswer(key, context, form, answer.bytes, answer.hash))).approved;
  } else {
    const ch = await timed(p, "bureauFirst", () =>
      challenge(context, readForm(key.publicKey, context, form.bytes, form.hash), APPLICANT, blinding),
    );
    const response = await timed(p, "bankRespond", () =>
      respondToChallenge(key, context, form, ch.bytes, ch.hash, pools?.bank),
    );
    const answer = await timed(p, "bureauAnswer", () =>
      answerDecision(key.publicKey, context, ch.state, response.bytes, response.hash, blinding),
    );
    approved = (
      await timed(p, "bankDecide", () => readAnswer(key, context, form, answer.bytes, answer.hash, response.shares))
    ).approved;
    Object.assign(bytes, { challenge: ch.bytes.length, response: response.bytes.length, answer: answer.bytes.length });
  }
  if (!approved) throw new Error(`ours: the applicant should be approved (${mode}, k = ${conditions.length})`);
  return { phases: finish(p), bytes };
}

/** The baseline: the same steps on paillier-bigint, one thread, no precomputation. */
async function baseline(key: PaillierPrivateKey, mode: CheckMode, conditions: Condition[]): Promise<Phases> {
  const { publicKey: pk, privateKey: sk } = referenceKeys(key);
  const parsed = parseForm(conditions, mode);
  const p: Partial<Phases> = {};
  const form = await timed(p, "bankForm", () => baselineForm(pk, mode, parsed));
  let approved: boolean;
  if (mode === "paper") {
    const results = await timed(p, "bureauFirst", () => baselinePaper(pk, parsed, form.values, APPLICANT));
    approved = await timed(p, "bankDecide", () => baselineDecide(sk, results));
  } else {
    const ch = await timed(p, "bureauFirst", () => baselineChallenge(pk, parsed, form.bits, APPLICANT));
    const bankShares = await timed(p, "bankRespond", () => baselineRespond(sk, ch.challenge));
    const answer = await timed(p, "bureauAnswer", () => baselineAnswer(pk, parsed, ch.shares, bankShares));
    approved = await timed(p, "bankDecide", () => baselineDecide(sk, answer));
  }
  if (!approved) throw new Error(`baseline: the applicant should be approved (${mode}, k = ${conditions.length})`);
  return finish(p);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function medianPhases(runs: Phases[]): Phases {
  const keys = Object.keys(runs[0]) as (keyof Phases)[];
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as Phases;
}

async function main(): Promise<void> {
  const key = fixtureKey(3072);
  const workers = new BlindingWorkers();
  const rows: Row[] = [];
  try {
    // Start the threads (a running bureau has them up): one value per thread.
    await workers.blind(Array.from({ length: workers.threads }, () => encrypt(key.publicKey, 1n)));
    for (const mode of ["decision", "paper"] as const) {
      for (const k of KS) {
        const conditions = mode === "decision" ? CONDITIONS.slice(0, k) : paperConditions(k);
        const parsed = parseForm(conditions, mode);
        const comparisons = mode === "decision" ? parsed.flatMap((c) => comparisonsOf(c)) : [];
        const needed = randomizersNeeded(mode, conditions);
        const online: Phases[] = [];
        const cold: Phases[] = [];
        let bytes: Row["bytes"] | undefined;
        for (let run = 0; run < RUNS; run++) {
          const bankPool = new RandomnessPool(key, { capacity: needed.bank, lowWaterMark: 0 });
          const bureauPool = new RandomnessPool(key.publicKey, { capacity: needed.bureau, lowWaterMark: 0 });
          await Promise.all([bankPool.fill(), bureauPool.fill()]);
          const measured = await ours(key, mode, conditions, workers, { bank: bankPool, bureau: bureauPool });
          online.push(measured.phases);
          bytes = measured.bytes;
          await Promise.all([bankPool.close(), bureauPool.close()]);
          cold.push((await ours(key, mode, conditions, workers)).phases);
        }
        process.stderr.write(`ours ${mode} k=${k}: online ${median(online.map((p) => p.total)).toFixed(0)} ms; `);
        const base = await baseline(key, mode, conditions);
        process.stderr.write(`baseline ${base.total.toFixed(0)} ms\n`);
        rows.push({
          k,
          mode,
          comparisons: comparisons.length,
          blindedValues:
            mode === "decision" ? comparisons.reduce((s, c) => s + comparisonDomain(c.field).bits + 1, 0) + 1 : k,
          bytes: bytes!,
          online: medianPhases(online),
          cold: medianPhases(cold),
          baseline: base,
        });
      }
    }
  } finally {
    await workers.close();
  }
  write(rows);
}

function write(rows: Row[]): void {
  const machine = `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, Node ${process.version}`;
  const dir = __dirname;
  writeFileSync(
    join(dir, "latency-results.json"),
    JSON.stringify({ date: new Date().toISOString(), machine, bits: 3072, runs: RUNS, rows }, null, 2) + "\n",
  );
  const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const lines = [
    "# Off-chain latency of one blind credit check, 3072-bit key",
    "",
    "Generated by `npm run bench:matching-latency` (bench/matching/latency.ts). Bank plus bureau computation, no",
    "chain and no network. Ours: median of " + RUNS + " runs; **online** with both parties' randomness pools filled",
    "beforehand and the bureau blinding over one worker thread per core, **cold** with no pools. Baseline: the same",
    "protocol on plain `paillier-bigint` (bench/matching/baselineProtocol.ts), one run, one thread. Both reach the",
    "same decision (checked). Target: k = 10 in decision mode under 5 s.",
    "",
    `Machine: ${machine}. Date: ${new Date().toISOString()}.`,
    "",
    "| mode | k | comparisons | blinded values | ours online | ours cold | baseline | baseline ÷ online | baseline ÷ cold | k = 10 target |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.k} | ${r.comparisons} | ${r.blindedValues} | ${s(r.online.total)} | ${s(r.cold.total)} | ` +
        `${s(r.baseline.total)} | ×${(r.baseline.total / r.online.total).toFixed(1)} | ` +
        `×${(r.baseline.total / r.cold.total).toFixed(1)} | ` +
        (r.mode === "decision" && r.k === 10
          ? r.online.total < TARGET_MS
            ? `met (online)${r.cold.total < TARGET_MS ? ", met (cold)" : ", missed (cold)"}`
            : "missed"
          : "") +
        " |",
    ),
    "",
    "## Where the time goes (ours, online; decision mode)",
    "",
    "| k | bank: form | bureau: challenge | bank: respond | bureau: answer | bank: decide | form bytes | challenge bytes |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows
      .filter((r) => r.mode === "decision")
      .map(
        (r) =>
          `| ${r.k} | ${s(r.online.bankForm)} | ${s(r.online.bureauFirst)} | ${s(r.online.bankRespond)} | ` +
          `${s(r.online.bureauAnswer)} | ${s(r.online.bankDecide)} | ${r.bytes.form} | ${r.bytes.challenge} |`,
      ),
    "",
  ];
  writeFileSync(join(dir, "latency-results.md"), lines.join("\n"));
  process.stdout.write(lines.join("\n"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
