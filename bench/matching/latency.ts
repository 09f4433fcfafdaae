/**
 * Latency of the off-chain work of one blind credit check (bank plus bureau, no chain), 3072-bit Paillier and DGK
 * keys, side by side in one run with the baselines a user would otherwise have:
 *
 * - **ours** (blindcredit/3): the bureau makes a fresh DGK comparison key for each check (from a pool it fills in
 *   the background, of the service's default size, on the service's key threads, which replaces a taken key once its
 *   check is over, or `DEFAULT_REFILL_DELAY_MS` after it was taken at most; the pool is full again before each check,
 *   as at a bureau's low load; generation measured apart, per key); the bank blinds the comparisons with its plaintext
 *   thresholds and proves its shares are bits. **Online**, the bank reserved the key ahead and precomputed for it;
 *   **cold**, it reads the key from the challenge.
 * - **one long-lived key** (today's protocol before issue 19, the baseline of the per-check key): the same steps
 *   with one DGK key for every check, which lets a bank replay one subject's challenge into another's checks.
 *   - **online**: keys loaded and the bank's modulus proof already verified (the bureau checks it once per key);
 *     the bank's Paillier and DGK randomizers and the bureau's come from pools filled beforehand;
 *   - **cold**: keys loaded, no pools (the bank's re-randomisers and shares in one batch over worker threads);
 *   - **first check**: keys just loaded (every per-key precomputation during the check), no pools.
 * - **previous** (blindcredit/1, bench/matching/previousProtocol.ts): the protocol before the reversal, on the same
 *   engine, with pools (online) or without (cold), the bureau blinding over one worker thread per core.
 * - **paillier-bigint** (bench/matching/baselineProtocol.ts): blindcredit/1 on plain `paillier-bigint`, one thread, no
 *   precomputation; slow, so run for the sizes in `BENCH_BASELINE_KS` only.
 *
 * Every system must reach the same decision (checked). The largest valid form (32 `in` conditions of 16 values on
 * the widest field) is run once through ours, to show that its messages fit `MAX_MESSAGE_BYTES`.
 *
 * **Scorecards** (issue 22), ours with a fresh key per check, cold and online: the example 6-field scorecard
 * (examples/scorecard/form.json), and the same plus 3 threshold conditions, each beside the same policy written as the
 * nearest threshold form ({@link nearestThresholdForm}); the once-per-model costs (the bank encrypting and proving its
 * weights, the bureau's first verification) measured apart, as the once-per-key proofs are.
 *
 * Run: `npm run bench:matching-latency`. Writes bench/matching/latency-results.{json,md}. `BENCH_KS` chooses the
 * sizes (default 1,5,10,20,32), `BENCH_BASELINE_KS` those of the paillier-bigint baseline (default 1,5,10),
 * `BENCH_RUNS` our repetitions (default 5), `BENCH_LARGEST=0` skips the largest form, `BENCH_SCORECARDS=0` the
 * scorecard rows.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import {
  exportPrivateKey,
  importPrivateKey,
  BlindingWorkers,
  RandomnessPool,
  encrypt,
  isZero,
  type PaillierPrivateKey,
} from "../../src/paillier";
import {
  DgkRandomizerPool,
  DgkRandomizerWorkers,
  exportDgkPrivateKey,
  importDgkPrivateKey,
  encrypt as dgkEncrypt,
  generateDgkKeyPair,
  type DgkPrivateKey,
  type DgkPublicKey,
} from "../../src/dgk";
import { ComparisonKeyPool } from "../../src/bureau/comparisonKeys";
import { ComparisonKeyThreads } from "../../src/bureau/comparisonKeyThreads";
import { BitVerifierWorker, proveModulus, SharePool, ShareWorkers, verifyModulus } from "../../src/proofs";
import {
  buildForm,
  challengeKey,
  comparisonCount,
  comparisonValueCount,
  proveShares,
  readAnswer,
  respondToChallenge,
} from "../../src/protocol/bank";
import { answerDecision, answerPaper, challenge, operandBitCount, readForm } from "../../src/protocol/bureau";
import {
  comparisonsOf,
  isScorecard,
  parseForm,
  thresholdConditionsOnly,
  type Condition,
  type ThresholdCondition,
} from "../../src/protocol/form";
import { clampValue, type ParsedScorecard } from "../../src/protocol/scorecard";
import { keyProofContext, MAX_MESSAGE_BYTES, type CheckContext } from "../../src/protocol/messages";
import { comparisonDomain, fieldNamed, formatFieldValue } from "../../src/protocol/schema";
import { fixtureComparisonKey } from "../../test/helpers/comparisonKey";
import { fixtureRingPedersen } from "../../test/helpers/ringPedersen";
import { fixtureKey, referenceKeys } from "../../test/paillier/helpers";
import {
  baselineAnswer,
  baselineChallenge,
  baselineDecide,
  baselineForm,
  baselinePaper,
  baselineRespond,
} from "./baselineProtocol";
import { APPLICANT, MIXED_CONDITIONS as CONDITIONS } from "../../test/helpers/samples";
import { previousAnswer, previousChallenge, previousForm, previousRespond } from "./previousProtocol";
import type { CheckModeName } from "../../src/contractEnums";

/** The bureau's ring-Pedersen parameters (public part), under which the bank proves its key has no small factor. */
const BUREAU_PARAMETERS = fixtureRingPedersen(3072).parameters;

const list = (value: string | undefined, fallback: string) =>
  (value ?? fallback).split(",").filter(Boolean).map(Number);
const KS = list(process.env.BENCH_KS, "1,5,10,20,32");
const BASELINE_KS = new Set(list(process.env.BENCH_BASELINE_KS, "1,5,10"));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LARGEST = process.env.BENCH_LARGEST !== "0";
const SCORECARDS = process.env.BENCH_SCORECARDS !== "0";
/** Targets of issues 10 and 22 on this machine, decision mode. */
const TARGETS = { coldK10: 1000, onlineK10: 300, coldK32: 3000, coldScorecard6: 500 };

/** The example scorecard: the form `npm run model:fit` writes (six fields, a logistic regression's weights). */
const SCORECARD: Condition[] = (
  JSON.parse(readFileSync(join(__dirname, "..", "..", "examples", "scorecard", "form.json"), "utf8")) as {
    conditions: Condition[];
  }
).conditions;

/**
 * The same policy as the nearest threshold form: one condition per scorecard field, "at least" for a positive weight
 * and "at most" for a negative one, at the last value the scorecard still approves when that field alone moves away
 * from the sample applicant's (within the field's range). It is the largest box of thresholds through the applicant
 * inside the scorecard's approval region; the applicant meets it as it meets the scorecard, and it has as many
 * conditions as the scorecard has fields, one comparison each.
 */
function nearestThresholdForm(
  scorecard: ParsedScorecard,
  applicant: ReadonlyMap<string, bigint>,
): ThresholdCondition[] {
  const { fields, ranges } = scorecard.parameters;
  const clamped = fields.map((field, i) => clampValue(applicant.get(field.name)!, ranges[i]));
  const slack = clamped.reduce((sum, x, i) => sum + scorecard.weights[i] * x, 0n) - scorecard.cutoff;
  if (slack < 0n) throw new Error("nearestThresholdForm: the sample applicant does not meet the scorecard");
  return fields.map((field, i) => {
    const weight = scorecard.weights[i];
    const room = slack / (weight < 0n ? -weight : weight); // how far the field alone may move: ⌊slack / |w|⌋
    const last = weight > 0n ? clamped[i] - room : clamped[i] + room;
    const bounded = last < field.min ? field.min : last > field.max ? field.max : last;
    return { field: field.name, op: weight > 0n ? "ge" : "le", values: [formatFieldValue(field, bounded)] };
  });
}

const decisionConditions = (k: number) => Array.from({ length: k }, (_, i) => CONDITIONS[i % CONDITIONS.length]);

/** The largest valid form: 32 conditions, each `in` with 16 values, on the widest field (24 bits). */
const LARGEST_FORM: ThresholdCondition[] = Array.from({ length: 32 }, (_, i) => ({
  field: "annualIncome",
  op: "in",
  values: [58_000, ...Array.from({ length: 15 }, (_, j) => 100_000 + 1000 * (16 * i + j))],
}));

/** Paper mode: equality only; a form of k cycles through the applicant's fields. */
function paperConditions(k: number): ThresholdCondition[] {
  const fields = [...APPLICANT.keys()];
  return Array.from({ length: k }, (_, i) => {
    const field = fieldNamed(fields[i % fields.length]);
    const x = APPLICANT.get(field.name)!;
    return { field: field.name, op: "eq", values: [x / 10n ** BigInt(field.decimals)] } as ThresholdCondition;
  }).map((c) => (c.field === "debtToIncome" ? { ...c, values: ["28.5"] } : c));
}

const CONTEXT = (key: PaillierPrivateKey): CheckContext => ({
  chainId: 31337n,
  contract: "0x" + "cd".repeat(20),
  checkId: "0x" + "11".repeat(32),
  keyFingerprint: key.publicKey.fingerprint,
});

interface Phases {
  bankForm: number;
  bureauFirst: number;
  bankRespond: number;
  bureauAnswer: number;
  bankDecide: number;
  total: number;
}
type Bytes = { form: number; challenge: number; response: number; answer: number };

interface Row {
  k: number;
  mode: CheckModeName;
  comparisons: number;
  /** Decision mode: DGK values the bank blinds (ours), Paillier values the bureau blinds (previous). */
  blindedValues: number;
  bytes: Bytes;
  online: Phases;
  cold: Phases;
  /** The first check after the keys are loaded: no pools, every per-key precomputation during the check. */
  first: Phases;
  /** A fresh comparison key per check (blindcredit/3), decision mode; `online`/`cold` above use one long-lived key. */
  perCheckOnline?: Phases;
  perCheckCold?: Phases;
  previousOnline?: Phases;
  previousCold?: Phases;
  baseline?: Phases;
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

interface OursSetup {
  bank: PaillierPrivateKey;
  comparisonKey: DgkPrivateKey;
  workers: BlindingWorkers;
  dgkWorkers: DgkRandomizerWorkers;
  shareWorkers: ShareWorkers;
  /** The bureau verifies the bank's share proof on this thread while it zero-tests (as a running bureau would). */
  verifier: BitVerifierWorker;
  pools?: {
    bank: RandomnessPool;
    bureau: RandomnessPool;
    bankShares: SharePool;
    bankDgk: () => bigint;
    bureauDgk?: () => bigint;
  };
  /** A fresh key per check from this pool instead of `comparisonKey`; `reserved`: the one the bank reserved. */
  perCheck?: { keys: ComparisonKeyPool; reserved?: DgkPublicKey };
}

/** The bank's address as the key pool knows it (reservations are per bank). */
const BANK_ADDRESS = "0x" + "b0".repeat(20);

/** Ours, one check; returns the phases and what travelled. */
async function ours(mode: CheckModeName, conditions: Condition[], setup: OursSetup) {
  const { bank, workers, dgkWorkers, shareWorkers, verifier, pools, perCheck } = setup;
  const bankPublic = bank.publicKey;
  const p: Partial<Phases> = {};
  const context = CONTEXT(bank);
  const blinding = { pool: pools?.bureau, blind: workers.blind };
  // A bureau at low load: its pool full again when the check comes (untimed).
  await perCheck?.keys.fill();
  const form = await timed(p, "bankForm", () =>
    buildForm(bank, context, mode, conditions, BUREAU_PARAMETERS, pools?.bank, perCheck?.reserved),
  );
  let comparisonKey = setup.comparisonKey;
  const bytes: Bytes = { form: form.bytes.length, challenge: 0, response: 0, answer: 0 };
  let approved: boolean;
  if (mode === "paper") {
    const answer = await timed(p, "bureauFirst", () =>
      answerPaper(
        context,
        readForm(bankPublic, context, form.bytes, form.hash, BUREAU_PARAMETERS),
        APPLICANT,
        blinding,
      ),
    );
    bytes.answer = answer.bytes.length;
    approved = (await timed(p, "bankDecide", () => readAnswer(bank, context, form, answer.bytes, answer.hash)))
      .approved;
  } else {
    const ch = await timed(p, "bureauFirst", async () => {
      const received = readForm(bankPublic, context, form.bytes, form.hash, BUREAU_PARAMETERS);
      // A scorecard's masked score is re-randomised with the bureau's pool of randomizers under the bank's key.
      if (perCheck === undefined)
        return challenge(comparisonKey, context, received, APPLICANT, pools?.bureauDgk, pools?.bureau);
      // As BureauClient does: the reserved key, or a fresh one from the pool (made in the background).
      const { keys } = perCheck;
      comparisonKey = received.comparisonKey
        ? await keys.claim(BANK_ADDRESS, received.comparisonKey)
        : await keys.fresh();
      return challenge(
        comparisonKey,
        context,
        received,
        APPLICANT,
        await keys.operandRandomizers(comparisonKey, operandBitCount(received, context.schema)),
        pools?.bureau,
      );
    });
    const response = await timed(p, "bankRespond", async () => {
      // As BankClient does: the key from the challenge, its pools when it keeps them, else the re-randomisers and the
      // shares made at the same time on worker threads.
      const key = perCheck ? challengeKey(context, form, ch.bytes, ch.hash) : comparisonKey.publicKey;
      const batch = pools ? undefined : dgkWorkers.randomizers(key, comparisonValueCount(form));
      const made = pools ? [] : await shareWorkers.shares(bank, comparisonCount(form));
      const proven = proveShares(bank, context, form, key, () => (pools ? pools.bankShares.take() : made.shift()!));
      const batched = await batch;
      return respondToChallenge(bank, context, form, ch.bytes, ch.hash, key, {
        proven,
        dgkRandomizers: pools ? pools.bankDgk : () => batched!.pop()!,
      });
    });
    const answer = await timed(p, "bureauAnswer", () =>
      answerDecision(bankPublic, comparisonKey, context, ch.state, response.bytes, response.hash, {
        ...blinding,
        verifier,
        parameters: BUREAU_PARAMETERS, // a scorecard's quotient is proven in range under them
        // As the service does: a per-check key's zero tests on the thread that made it
        shares: perCheck?.keys.shares.bind(perCheck.keys),
      }),
    );
    approved = (
      await timed(p, "bankDecide", () => readAnswer(bank, context, form, answer.bytes, answer.hash, response.shares))
    ).approved;
    // The check is over, as BureauClient says: its key thread drops the key, and the pool makes its replacement.
    perCheck?.keys.discard(comparisonKey);
    Object.assign(bytes, { challenge: ch.bytes.length, response: response.bytes.length, answer: answer.bytes.length });
  }
  if (!approved) throw new Error(`ours: the applicant should be approved (${mode}, k = ${conditions.length})`);
  return { phases: finish(p), bytes };
}

/** blindcredit/1 on our engine: the same steps, without messages (their encoding is a small part). */
async function previous(
  key: PaillierPrivateKey,
  conditions: Condition[],
  workers: BlindingWorkers,
  pools?: { bank: RandomnessPool; bureau: RandomnessPool },
): Promise<Phases> {
  const parsed = thresholdConditionsOnly(parseForm(conditions, "decision"));
  const p: Partial<Phases> = {};
  const blinding = { pool: pools?.bureau, blind: workers.blind };
  const bits = await timed(p, "bankForm", () => previousForm(key, parsed, pools?.bank));
  const ch = await timed(p, "bureauFirst", () => previousChallenge(parsed, bits, APPLICANT, blinding));
  const shares = await timed(p, "bankRespond", () => previousRespond(key, ch.challenge, pools?.bank));
  const answer = await timed(p, "bureauAnswer", () => previousAnswer(parsed, ch.shares, shares, blinding));
  const approved = await timed(p, "bankDecide", () => isZero(key, answer));
  if (!approved) throw new Error(`previous: the applicant should be approved (k = ${conditions.length})`);
  return finish(p);
}

/** The paillier-bigint baseline: blindcredit/1 on paillier-bigint, one thread, no precomputation. */
async function baseline(key: PaillierPrivateKey, mode: CheckModeName, conditions: Condition[]): Promise<Phases> {
  const { publicKey: pk, privateKey: sk } = referenceKeys(key);
  const parsed = thresholdConditionsOnly(parseForm(conditions, mode));
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

/** How many values each side blinds or encrypts, to size the pools. */
function sizes(conditions: Condition[]) {
  const widths = parseForm(conditions, "decision").flatMap((c) =>
    isScorecard(c)
      ? [c.scorecard.parameters.comparisonBits]
      : comparisonsOf(c).map((comparison) => comparisonDomain(comparison.field).bits),
  );
  const bits = widths.reduce((sum, width) => sum + width, 0);
  return { comparisons: widths.length, bits, values: bits + widths.length };
}

async function pooled<T>(
  key: PaillierPrivateKey,
  counts: { bank: number; bureau: number },
  run: (pools: { bank: RandomnessPool; bureau: RandomnessPool }) => Promise<T>,
): Promise<T> {
  const bank = new RandomnessPool(key, { capacity: Math.max(1, counts.bank), lowWaterMark: 0 });
  const bureau = new RandomnessPool(key.publicKey, { capacity: Math.max(1, counts.bureau), lowWaterMark: 0 });
  await Promise.all([bank.fill(), bureau.fill()]);
  try {
    return await run({ bank, bureau });
  } finally {
    await Promise.all([bank.close(), bureau.close()]);
  }
}

/**
 * One check of ours with a fresh comparison key, online and cold (decision mode). Online: the bank reserved the key
 * and precomputed for it, as a running bank does; cold: the bank learns the key from the challenge, the bureau's pool
 * has one ready.
 */
async function perCheckRun(
  conditions: Condition[],
  setup: Omit<OursSetup, "pools" | "perCheck">,
  keys: ComparisonKeyPool,
): Promise<{ online: Phases; cold: Phases; bytes: Bytes }> {
  const size = sizes(conditions);
  const { publicKey: reserved } = await keys.reserve(BANK_ADDRESS);
  const shares = new SharePool(setup.bank, { capacity: Math.max(1, size.comparisons) });
  const dgk = new DgkRandomizerPool(reserved, { capacity: Math.max(1, size.values) });
  await Promise.all([shares.fill(), dgk.fill(), keys.fill()]);
  dgkEncrypt(reserved, 0n); // its fixed-base tables for g: the bank's precomputation for the key
  // Paillier randomizers: the bank's form and quotients, the bureau's answer and masked scores (a few spare).
  const paillier = { bank: conditions.length + 4, bureau: conditions.length + 5 };
  const online = await pooled(setup.bank, paillier, (pools) =>
    ours("decision", conditions, {
      ...setup,
      perCheck: { keys, reserved },
      pools: { ...pools, bankShares: shares, bankDgk: dgk.take },
    }),
  );
  await dgk.close();
  await keys.fill();
  const cold = await ours("decision", conditions, { ...setup, perCheck: { keys } });
  return { online: online.phases, cold: cold.phases, bytes: online.bytes };
}

/** A scorecard form against the nearest threshold form: per-check key, cold and online, medians of `RUNS`. */
interface ScorecardRow {
  name: string;
  scorecard: { comparisons: number; values: number; bytes: Bytes; cold: Phases; online: Phases };
  threshold: { conditions: number; comparisons: number; values: number; bytes: Bytes; cold: Phases; online: Phases };
}

/** What a scorecard costs once per model and key: the bank's E(w_i), E(w_0) and Π^enc; the bureau's verification. */
interface ModelCosts {
  /** The bank's form with the model the first time (its ciphertexts and range proof made), and the next time. */
  firstFormMs: number;
  nextFormMs: number;
  /** The bureau's reading of that form the first time (the range proof verified), and the next time (cached). */
  firstReadMs: number;
  nextReadMs: number;
}

/** The once-per-model costs, on a freshly loaded key whose key proofs are made and verified first (measured apart). */
function modelCosts(bank: PaillierPrivateKey): ModelCosts {
  const fresh = importPrivateKey(exportPrivateKey(bank));
  const context = CONTEXT(fresh);
  const warm = buildForm(fresh, context, "decision", decisionConditions(1), BUREAU_PARAMETERS);
  readForm(fresh.publicKey, context, warm.bytes, warm.hash, BUREAU_PARAMETERS);
  const time = <T>(fn: () => T): [T, number] => {
    const start = performance.now();
    return [fn(), performance.now() - start];
  };
  const [first, firstFormMs] = time(() => buildForm(fresh, context, "decision", SCORECARD, BUREAU_PARAMETERS));
  const [, firstReadMs] = time(() => readForm(fresh.publicKey, context, first.bytes, first.hash, BUREAU_PARAMETERS));
  const [next, nextFormMs] = time(() => buildForm(fresh, context, "decision", SCORECARD, BUREAU_PARAMETERS));
  const [, nextReadMs] = time(() => readForm(fresh.publicKey, context, next.bytes, next.hash, BUREAU_PARAMETERS));
  return { firstFormMs, nextFormMs, firstReadMs, nextReadMs };
}

/** The scorecard rows: the example scorecard alone and with 3 conditions, each beside its nearest threshold form. */
async function scorecardRows(setup: Omit<OursSetup, "pools" | "perCheck">, keys: ComparisonKeyPool) {
  const [parsed] = parseForm(SCORECARD, "decision");
  if (!isScorecard(parsed)) throw new Error("examples/scorecard/form.json: expected a scorecard first");
  const nearest = nearestThresholdForm(parsed.scorecard, APPLICANT);
  const extra = CONDITIONS.slice(0, 3);
  const cases = [
    { name: `${parsed.scorecard.shape.fields.length}-field scorecard`, scorecard: SCORECARD, threshold: nearest },
    { name: "scorecard + 3 conditions", scorecard: [...SCORECARD, ...extra], threshold: [...nearest, ...extra] },
  ];
  // The model's ciphertexts and proof, made and verified once (measured apart, in modelCosts).
  proveAndVerify(setup.bank, SCORECARD);
  const rows: ScorecardRow[] = [];
  for (const { name, scorecard, threshold } of cases) {
    type Run = Awaited<ReturnType<typeof perCheckRun>>;
    const runs: { scorecard: Run[]; threshold: Run[] } = { scorecard: [], threshold: [] };
    for (let run = 0; run < RUNS; run++) {
      runs.scorecard.push(await perCheckRun(scorecard, setup, keys));
      runs.threshold.push(await perCheckRun(threshold, setup, keys));
    }
    const summary = (measured: Run[], conditions: Condition[]) => ({
      ...sizes(conditions),
      bytes: measured[0].bytes,
      cold: medianPhases(measured.map((m) => m.cold)),
      online: medianPhases(measured.map((m) => m.online)),
    });
    const row = {
      name,
      scorecard: summary(runs.scorecard, scorecard),
      threshold: { conditions: threshold.length, ...summary(runs.threshold, threshold) },
    };
    process.stderr.write(
      `${name}: cold ${row.scorecard.cold.total.toFixed(0)} ms, online ${row.scorecard.online.total.toFixed(0)} ms; ` +
        `nearest threshold form (${threshold.length} conditions): cold ${row.threshold.cold.total.toFixed(0)} ms, ` +
        `online ${row.threshold.online.total.toFixed(0)} ms\n`,
    );
    rows.push(row);
  }
  return {
    rows,
    nearest,
    fields: parsed.scorecard.shape.fields.length,
    comparisonBits: parsed.scorecard.parameters.comparisonBits,
  };
}

/**
 * What a bank and a bureau do once per key (the bank proves its modulus, the bureau verifies the proof) and, for a
 * form with a scorecard, once per model (its encrypted weights and their range proof): done here, off the clock.
 */
function proveAndVerify(bank: PaillierPrivateKey, conditions: Condition[] = paperConditions(1)): void {
  const mode = conditions.some(isScorecard) ? "decision" : "paper";
  const form = buildForm(bank, CONTEXT(bank), mode, conditions, BUREAU_PARAMETERS);
  readForm(bank.publicKey, CONTEXT(bank), form.bytes, form.hash, BUREAU_PARAMETERS);
}

/** The once-per-key costs of the modulus proof. */
function keyProofCosts(bank: PaillierPrivateKey) {
  const context = keyProofContext(CONTEXT(bank));
  const fresh = importPrivateKey(exportPrivateKey(bank));
  let start = performance.now();
  const proof = proveModulus(fresh, context);
  const proveMs = performance.now() - start;
  start = performance.now();
  verifyModulus(fresh.publicKey, proof, context);
  return { proveMs, verifyMs: performance.now() - start };
}

/** What one fresh comparison key costs the bureau (generation and its operand randomizers), median of `RUNS`. */
async function keyCost(threads: ComparisonKeyThreads): Promise<{ wallMs: number; cpuMs: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const keys = new ComparisonKeyPool({ capacity: 1, threads });
    const [start, used] = [performance.now(), process.cpuUsage()];
    await keys.fill();
    const { user, system } = process.cpuUsage(used);
    wall.push(performance.now() - start);
    cpu.push((user + system) / 1000);
    await keys.close();
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

async function main(): Promise<void> {
  const bank = fixtureKey(3072);
  const comparisonKey = fixtureComparisonKey(3072);
  const workers = new BlindingWorkers();
  const dgkWorkers = new DgkRandomizerWorkers();
  const shareWorkers = new ShareWorkers();
  const verifier = new BitVerifierWorker();
  /** What every measured check shares: the keys (loaded) and the threads. */
  const setup = { bank, comparisonKey, workers, dgkWorkers, shareWorkers, verifier };
  const rows: Row[] = [];
  let largest: { bytes: Bytes; phases: Phases; comparisons: number; values: number } | undefined;
  let scorecards: Scorecards | undefined;
  const keyProof = keyProofCosts(bank);
  // The bureau's per-check keys; reservations unbounded here (one bank, one check at a time).
  // The service's pool: its default size, so that a taken key is replaced after the check, not during it.
  // As the service does: the keys made, and their zero tests run, on threads of their own.
  const keyThreads = new ComparisonKeyThreads();
  const keys = new ComparisonKeyPool({ reservationsPerBank: 1 << 20, threads: keyThreads });
  let perKey: { wallMs: number; cpuMs: number } | undefined;
  try {
    await generateDgkKeyPair(); // the first generation in a process sets up more than the next ones
    perKey = await keyCost(keyThreads);
    process.stderr.write(`one comparison key: ${perKey.wallMs.toFixed(0)} ms, ${perKey.cpuMs.toFixed(0)} ms CPU\n`);
    // A running bureau has its threads up: one value per thread.
    await workers.blind(Array.from({ length: workers.threads }, () => encrypt(bank.publicKey, 1n)));
    proveAndVerify(bank);
    for (const mode of ["decision", "paper"] as const) {
      for (const k of KS) {
        const conditions = mode === "decision" ? decisionConditions(k) : paperConditions(k);
        const size = mode === "decision" ? sizes(conditions) : { comparisons: 0, bits: 0, values: k };
        const online: Phases[] = [];
        const cold: Phases[] = [];
        const first: Phases[] = [];
        const perCheckOnline: Phases[] = [];
        const perCheckCold: Phases[] = [];
        let bytes: Bytes | undefined;
        for (let run = 0; run < RUNS; run++) {
          if (mode === "decision") {
            const measured = await perCheckRun(conditions, setup, keys);
            perCheckOnline.push(measured.online);
            perCheckCold.push(measured.cold);
          }
          const bankShares = new SharePool(bank, { capacity: Math.max(1, size.comparisons) });
          const bankDgk = new DgkRandomizerPool(comparisonKey.publicKey, { capacity: Math.max(1, size.values) });
          const bureauDgk = new DgkRandomizerPool(comparisonKey, { capacity: Math.max(1, size.bits) });
          await Promise.all([bankShares.fill(), bankDgk.fill(), bureauDgk.fill()]);
          const measured = await pooled(bank, { bank: k, bureau: 1 + k }, (pools) =>
            ours(mode, conditions, {
              ...setup,
              pools: {
                ...pools,
                bankShares,
                bankDgk: bankDgk.take,
                bureauDgk: bureauDgk.take,
              },
            }),
          );
          await Promise.all([bankDgk.close(), bureauDgk.close()]);
          online.push(measured.phases);
          bytes = measured.bytes;
          // Cold: no pools, keys loaded (their precomputation done, as in a running bank or bureau).
          cold.push((await ours(mode, conditions, setup)).phases);
          // First check: keys just loaded (every per-key precomputation redone during the check), no pools. The
          // bank's modulus proof is made when it registers its key and verified once per key: measured apart.
          const freshBank = importPrivateKey(exportPrivateKey(bank));
          proveAndVerify(freshBank);
          const freshComparisonKey = importDgkPrivateKey(exportDgkPrivateKey(comparisonKey));
          first.push(
            (await ours(mode, conditions, { ...setup, bank: freshBank, comparisonKey: freshComparisonKey })).phases,
          );
        }
        const row: Row = {
          k,
          mode,
          comparisons: size.comparisons,
          blindedValues: size.values,
          bytes: bytes!,
          online: medianPhases(online),
          cold: medianPhases(cold),
          first: medianPhases(first),
          ...(mode === "decision"
            ? { perCheckOnline: medianPhases(perCheckOnline), perCheckCold: medianPhases(perCheckCold) }
            : {}),
        };
        if (mode === "decision") {
          row.previousOnline = await pooled(
            bank,
            { bank: size.bits + size.comparisons, bureau: size.values + 1 },
            (pools) => previous(bank, conditions, workers, pools),
          );
          row.previousCold = await previous(bank, conditions, workers);
        }
        if (BASELINE_KS.has(k)) row.baseline = await baseline(bank, mode, conditions);
        process.stderr.write(
          `${mode} k=${k}: ` +
            (row.perCheckOnline
              ? `per-check key online ${row.perCheckOnline.total.toFixed(0)} ms, cold ` +
                `${row.perCheckCold!.total.toFixed(0)} ms; one key `
              : "") +
            `online ${row.online.total.toFixed(0)} ms, cold ${row.cold.total.toFixed(0)} ms, ` +
            `first ${row.first.total.toFixed(0)} ms` +
            (row.previousCold ? `; previous cold ${row.previousCold.total.toFixed(0)} ms` : "") +
            (row.baseline ? `; paillier-bigint ${row.baseline.total.toFixed(0)} ms` : "") +
            "\n",
        );
        rows.push(row);
      }
    }
    if (LARGEST) {
      const size = sizes(LARGEST_FORM);
      const measured = await ours("decision", LARGEST_FORM, setup);
      largest = { bytes: measured.bytes, phases: measured.phases, comparisons: size.comparisons, values: size.values };
      process.stderr.write(
        `largest form: ${JSON.stringify(measured.bytes)} in ${measured.phases.total.toFixed(0)} ms\n`,
      );
    }
    if (SCORECARDS) {
      scorecards = { ...(await scorecardRows(setup, keys)), model: modelCosts(bank) };
      process.stderr.write(`once per model: ${JSON.stringify(scorecards.model)}\n`);
    }
  } finally {
    await Promise.all([workers.close(), dgkWorkers.close(), shareWorkers.close(), verifier.close(), keys.close()]);
    await keyThreads.close();
  }
  write(rows, keyProof, largest, perKey!, scorecards);
}

function write(
  rows: Row[],
  keyProof: { proveMs: number; verifyMs: number },
  largest: { bytes: Bytes; phases: Phases; comparisons: number; values: number } | undefined,
  perKey: { wallMs: number; cpuMs: number },
  scorecards: Scorecards | undefined,
): void {
  const machine = `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, Node ${process.version}`;
  const date = new Date().toISOString();
  writeFileSync(
    join(__dirname, "latency-results.json"),
    JSON.stringify({ date, machine, bits: 3072, runs: RUNS, keyProof, perKey, rows, largest, scorecards }, null, 2) +
      "\n",
  );
  const s = (ms: number | undefined) =>
    ms === undefined ? "–" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
  const ratio = (a: number | undefined, b: number) => (a === undefined ? "–" : `×${(a / b).toFixed(1)}`);
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  const k10 = rows.find((r) => r.mode === "decision" && r.k === 10);
  const k32 = rows.find((r) => r.mode === "decision" && r.k === 32);
  const scorecard6 = scorecards?.rows.find((r) => r.name === "6-field scorecard");
  const verdict = (ms: number | undefined, target: number) =>
    ms === undefined ? "not run" : `${s(ms)} against ${s(target)}: ${ms < target ? "met" : "missed"}`;
  const lines = [
    "# Off-chain latency of one blind credit check, 3072-bit keys",
    "",
    "Generated by `npm run bench:matching-latency` (bench/matching/latency.ts): bank plus bureau computation, no",
    `chain and no network, median of ${RUNS} runs for ours. **Ours** is blindcredit/3 (a fresh DGK comparison key`,
    "per check from the bureau's pool of the service's default size, on its key threads, full before each check",
    "as at a bureau's low load, a taken key replaced once its check is over; the bank's proven",
    "shares); **one key** is the same protocol with one long-lived DGK key for every",
    "check, as before issue 19 (the ours online / cold / first-check columns below). **Online**: keys loaded, the bank's modulus proof already verified (once per",
    "key), every randomizer and the bank's shares from pools filled beforehand. **Cold**: keys loaded, no pools (the",
    "bank makes its DGK re-randomisers and its shares at the same time over worker threads, as `BankClient` does with workers).",
    "**First check**: no pools and the keys just loaded, so every per-key precomputation (CRT constants, fixed-base",
    "tables, OpenSSL contexts, whose creation runs a primality test on each modulus) happens during the check: what a",
    "one-shot `blindcredit bank check` process pays. **Previous** is blindcredit/1 on the same engine, pools and",
    "threads (bench/matching/previousProtocol.ts), one run each, keys loaded. **paillier-bigint** is blindcredit/1 on",
    "plain `paillier-bigint`, one thread (bench/matching/baselineProtocol.ts), one run, for some sizes only (slow).",
    "Every system reaches the same decision (checked). In ours the bureau verifies the bank's share proof on a",
    "worker thread while it zero-tests the DGK values (`BitVerifierWorker`), as a bureau on two cores would.",
    "",
    `Machine: ${machine}. Date: ${date}.`,
    "",
    "## Targets (issues 10, 19 and 22, decision mode, a fresh key per check)",
    "",
    `- k = 10 cold under 1 s: ${verdict(k10?.perCheckCold?.total, TARGETS.coldK10)} (one key: ${s(k10?.cold.total)})`,
    `- k = 10 online under 0.3 s: ${verdict(k10?.perCheckOnline?.total, TARGETS.onlineK10)} (one key: ${s(k10?.online.total)})`,
    `- k = 32 cold under 3 s: ${verdict(k32?.perCheckCold?.total, TARGETS.coldK32)} (one key: ${s(k32?.cold.total)})`,
    `- one fresh comparison key (generation and its operand randomizers, off the critical path): ${s(perKey.wallMs)}, ` +
      `${s(perKey.cpuMs)} of CPU (the bureau's cost per check, which throughput pays)`,
    `- the bank's modulus proof, once per key: made in ${s(keyProof.proveMs)}, verified in ${s(keyProof.verifyMs)}`,
    `- a 6-field scorecard cold under 0.5 s (issue 22): ${verdict(scorecard6?.scorecard.cold.total, TARGETS.coldScorecard6)} ` +
      `(its nearest threshold form: ${s(scorecard6?.threshold.cold.total)})`,
    "",
    "## Decision mode: a fresh key per check against one long-lived key",
    "",
    "| k | per-check key online | one key online | ratio | per-check key cold | one key cold | ratio |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...rows
      .filter((r) => r.perCheckOnline !== undefined)
      .map(
        (r) =>
          `| ${r.k} | ${s(r.perCheckOnline!.total)} | ${s(r.online.total)} | ${ratio(r.perCheckOnline!.total, r.online.total)} | ` +
          `${s(r.perCheckCold!.total)} | ${s(r.cold.total)} | ${ratio(r.perCheckCold!.total, r.cold.total)} |`,
      ),
    "",
    "## Decision mode (one long-lived key) against the previous protocols",
    "",
    "| k | comparisons | DGK values | ours online | ours cold | ours first check | previous online | previous cold | paillier-bigint | previous cold ÷ ours cold | paillier-bigint ÷ ours cold |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows
      .filter((r) => r.mode === "decision")
      .map(
        (r) =>
          `| ${r.k} | ${r.comparisons} | ${r.blindedValues} | ${s(r.online.total)} | ${s(r.cold.total)} | ` +
          `${s(r.first.total)} | ${s(r.previousOnline?.total)} | ${s(r.previousCold?.total)} | ${s(r.baseline?.total)} | ` +
          `${ratio(r.previousCold?.total, r.cold.total)} | ${ratio(r.baseline?.total, r.cold.total)} |`,
      ),
    "",
    "## Where the time goes (ours, decision mode, cold / online)",
    "",
    "| k | bank: form | bureau: operands | bank: comparisons and proof | bureau: answer | bank: decide |",
    "|---:|---:|---:|---:|---:|---:|",
    ...rows
      .filter((r) => r.mode === "decision")
      .map(
        (r) =>
          `| ${r.k} | ${s(r.cold.bankForm)} / ${s(r.online.bankForm)} | ${s(r.cold.bureauFirst)} / ${s(r.online.bureauFirst)} | ` +
          `${s(r.cold.bankRespond)} / ${s(r.online.bankRespond)} | ${s(r.cold.bureauAnswer)} / ${s(r.online.bureauAnswer)} | ` +
          `${s(r.cold.bankDecide)} / ${s(r.online.bankDecide)} |`,
      ),
    "",
    "## Message sizes (ours, decision mode)",
    "",
    "| k | form | challenge (operands) | response (comparisons, shares, proof) | answer |",
    "|---:|---:|---:|---:|---:|",
    ...rows
      .filter((r) => r.mode === "decision")
      .map(
        (r) =>
          `| ${r.k} | ${kb(r.bytes.form)} | ${kb(r.bytes.challenge)} | ${kb(r.bytes.response)} | ${kb(r.bytes.answer)} |`,
      ),
    ...(largest
      ? [
          "",
          `The largest valid form (32 \`in\` conditions of 16 values on annualIncome: ${largest.comparisons} comparisons, ` +
            `${largest.values} DGK values), cold: ${s(largest.phases.total)}; form ${kb(largest.bytes.form)}, challenge ` +
            `${kb(largest.bytes.challenge)}, response ${kb(largest.bytes.response)}, answer ${kb(largest.bytes.answer)}; ` +
            `the message limit is ${kb(MAX_MESSAGE_BYTES)}: ` +
            (Math.max(...Object.values(largest.bytes)) <= MAX_MESSAGE_BYTES
              ? "every message fits."
              : "a message does NOT fit."),
        ]
      : []),
    "",
    ...(scorecards ? scorecardSection(scorecards, s, kb) : []),
    "## Paper mode (the same protocol as before: equality on Paillier)",
    "",
    "| k | ours online | ours cold | paillier-bigint | paillier-bigint ÷ ours cold |",
    "|---:|---:|---:|---:|---:|",
    ...rows
      .filter((r) => r.mode === "paper")
      .map(
        (r) =>
          `| ${r.k} | ${s(r.online.total)} | ${s(r.cold.total)} | ${s(r.baseline?.total)} | ${ratio(r.baseline?.total, r.cold.total)} |`,
      ),
    "",
  ];
  writeFileSync(join(__dirname, "latency-results.md"), lines.join("\n"));
  process.stdout.write(lines.join("\n"));
}

/** The scorecard rows, their nearest threshold forms and the once-per-model costs. */
type Scorecards = Awaited<ReturnType<typeof scorecardRows>> & { model: ModelCosts };

/** The scorecards' section of the results. */
function scorecardSection(
  scorecards: Scorecards,
  s: (ms: number | undefined) => string,
  kb: (bytes: number) => string,
): string[] {
  const { rows, nearest, fields, comparisonBits, model } = scorecards;
  const line = (name: string, m: ScorecardRow["scorecard"], comparisons = m.comparisons) =>
    `| ${name} | ${comparisons} | ${m.values} | ${s(m.cold.total)} | ${s(m.online.total)} | ` +
    `${kb(m.bytes.form)} | ${kb(m.bytes.challenge)} | ${kb(m.bytes.response)} | ${kb(m.bytes.answer)} |`;
  return [
    "## Scorecards (issue 22): against the nearest threshold form, a fresh key per check",
    "",
    `The scorecard is the example model's (examples/scorecard/form.json, \`npm run model:fit\`): ${fields} fields, one`,
    `comparison of ℓ = ${comparisonBits} bits. **The nearest threshold form** writes the same policy as thresholds: one`,
    "condition per scorecard field, at least (a positive weight) or at most (a negative one) the last value the",
    "scorecard still approves when that field alone moves away from the sample applicant's; the largest box of",
    `thresholds through the applicant inside the scorecard's approval region (here: ${nearest
      .map((c) => `${c.field} ${c.op} ${c.values[0]}`)
      .join(", ")}).`,
    "The scorecard's once-per-model work (its encrypted weights and their range proof) is done before, as the key",
    "proofs are: below. Bytes per message in KiB.",
    "",
    "| form | comparisons | DGK values | cold | online | form | challenge | response | answer |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.flatMap((r) => [
      line(r.name, r.scorecard),
      line(`its nearest threshold form (${r.threshold.conditions} conditions)`, r.threshold),
    ]),
    "",
    `Once per model and key: the bank's form with the model's ciphertexts and range proof made in ${s(model.firstFormMs)} ` +
      `(then ${s(model.nextFormMs)} per form, cached); the bureau's first reading, the range proof verified, ` +
      `${s(model.firstReadMs)} (then ${s(model.nextReadMs)}, cached).`,
    "",
  ];
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
