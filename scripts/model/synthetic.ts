/**
 * Synthetic credit applicants over the default schema's six fields, with a known ground truth: each applicant's
 * probability of repaying is a logistic function of its (clamped) values, and whether it repaid is drawn from it.
 * Seeded and platform-independent (a 32-bit generator, arithmetic that JavaScript defines exactly but for `Math.log`,
 * `Math.exp`, `Math.cos` and `Math.sqrt`, which V8 computes the same on every platform), so that a seed always makes
 * the same applicants: `npm run model:fit` fits the example model on them (scripts/model/fit.ts).
 * @module
 */
import { fieldNamed, formatFieldValue } from "../../src/protocol/schema";

/** One synthetic applicant. */
export interface SyntheticApplicant {
  /** Its stored values by field, as the bureau holds them (debtToIncome in hundredths of a percent). */
  readonly values: ReadonlyMap<string, bigint>;
  /** The same as a provider writes them: decimal strings in the fields' units. */
  readonly record: Readonly<Record<string, string>>;
  /** The ground truth: its probability of repaying. */
  readonly repayProbability: number;
  /** Whether it repaid (drawn from that probability): the label a model is fitted on. */
  readonly repaid: boolean;
}

/**
 * The ground truth, in log-odds of repaying, over natural units: higher scores, incomes (up to a cap) and history
 * help; defaults, debt and a bankruptcy hurt. Income and history count up to a cap, which the example model's clamps
 * reproduce (the bureau clamps them: a linear model cannot bend on its own).
 */
export const GROUND_TRUTH = {
  intercept: -9,
  coefficients: {
    creditScore: 0.018,
    annualIncome: 0.00002,
    defaultsFiveYears: -0.9,
    debtToIncome: -0.06,
    yearsOfHistory: 0.06,
    bankruptcy: -1.8,
  },
  caps: { annualIncome: 250_000, yearsOfHistory: 30 },
} as const;

/** A 32-bit generator (mulberry32): a uniform number in [0, 1) per call, the same for a seed everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` applicants drawn with `seed`.
 * @example syntheticApplicants(1000, 22)[0].record // { creditScore: "…", annualIncome: "…", … }
 */
export function syntheticApplicants(count: number, seed: number): SyntheticApplicant[] {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const between = (low: number, high: number, v: number) => Math.min(high, Math.max(low, v));
  const poisson = (mean: number) => {
    let k = 0;
    for (let p = random(); p > Math.exp(-mean); p *= random()) k += 1;
    return k;
  };
  return Array.from({ length: count }, () => {
    const yearsOfHistory = Math.floor(between(0, 60, 12 + 9 * normal()));
    const creditScore = Math.round(between(300, 850, 640 + 2 * yearsOfHistory + 75 * normal()));
    const annualIncome = Math.round(between(0, 10_000_000, 50_000 * Math.exp(0.6 * normal())));
    const defaultsFiveYears = Math.min(100, poisson(creditScore >= 650 ? 0.1 : 0.7));
    const debtToIncome = Math.round(between(0, 150, 30 + 12 * normal()) * 100); // hundredths of a percent
    const bankruptcy = random() < (defaultsFiveYears >= 2 ? 0.15 : 0.02) ? 1 : 0;
    const natural = {
      creditScore,
      annualIncome: Math.min(annualIncome, GROUND_TRUTH.caps.annualIncome),
      defaultsFiveYears,
      debtToIncome: debtToIncome / 100,
      yearsOfHistory: Math.min(yearsOfHistory, GROUND_TRUTH.caps.yearsOfHistory),
      bankruptcy,
    };
    const logOdds = Object.entries(GROUND_TRUTH.coefficients).reduce<number>(
      (sum, [name, beta]) => sum + beta * natural[name as keyof typeof natural],
      GROUND_TRUTH.intercept,
    );
    const repayProbability = 1 / (1 + Math.exp(-logOdds));
    const values = new Map<string, bigint>([
      ["creditScore", BigInt(creditScore)],
      ["annualIncome", BigInt(annualIncome)],
      ["defaultsFiveYears", BigInt(defaultsFiveYears)],
      ["debtToIncome", BigInt(debtToIncome)],
      ["yearsOfHistory", BigInt(yearsOfHistory)],
      ["bankruptcy", BigInt(bankruptcy)],
    ]);
    const record = Object.fromEntries([...values].map(([name, v]) => [name, formatFieldValue(fieldNamed(name), v)]));
    return { values, record, repayProbability, repaid: random() < repayProbability };
  });
}
