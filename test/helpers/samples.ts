/**
 * The sample applicant and loan forms that tests and benchmarks share: one applicant, as a provider
 * writes its record and as the bureau stores it, and loans of several sizes that it meets (so that
 * a check is approved unless a test changes a value or a threshold).
 * @module
 */
import type { ThresholdCondition } from "../../src/protocol/form";

/** The applicant's whole record as a provider submits it: decimal strings in the fields' units (`blindcredit schema`). */
export const APPLICANT_RECORD: Readonly<Record<string, string>> = {
  creditScore: "712",
  annualIncome: "58000",
  defaultsFiveYears: "0",
  debtToIncome: "28.5",
  yearsOfHistory: "9",
  bankruptcy: "0",
};

/** The same applicant, each field scaled as the bureau stores it (debtToIncome has two decimals: 28.5 is 2850). */
export const APPLICANT = new Map<string, bigint>([
  ["creditScore", 712n],
  ["annualIncome", 58_000n],
  ["defaultsFiveYears", 0n],
  ["debtToIncome", 2850n],
  ["yearsOfHistory", 9n],
  ["bankruptcy", 0n],
]);

/** {@link APPLICANT} as an object, for tests that change one field with a spread. */
export const APPLICANT_VALUES: Readonly<Record<string, bigint>> = Object.fromEntries(APPLICANT);

/** A short loan: two comparisons keep a journey fast (the operators are covered in test/integration). */
export const LOAN: ThresholdCondition[] = [
  { field: "creditScore", op: "ge", values: [650] },
  { field: "debtToIncome", op: "le", values: ["35"] },
];

/** {@link LOAN} as the condition-form file a bank writes (`bank check --form`; see src/cli/formFile.ts). */
export const LOAN_FORM_FILE = {
  mode: "decision",
  conditions: LOAN.map(({ field, op, values }) => ({ field, op, value: String(values[0]) })),
} as const;

/** A loan with one condition on every field the applicant's record has but the history. */
export const FULL_LOAN: ThresholdCondition[] = [
  { field: "creditScore", op: "ge", values: [650] },
  { field: "annualIncome", op: "ge", values: [40_000] },
  { field: "defaultsFiveYears", op: "eq", values: [0] },
  { field: "debtToIncome", op: "le", values: ["35"] },
];

/**
 * Twenty conditions mixing the fields and every operator of a real loan, all met by the applicant,
 * so that the work does not depend on the outcome: a benchmark's form of k conditions takes them in turn.
 */
export const MIXED_CONDITIONS: ThresholdCondition[] = [
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
