/**
 * The benchmarks' applicant and loan: a mix of the fields and operators of a real loan, which the applicant meets
 * (so every check is approved: the work does not depend on the outcome). A form of k conditions takes them in turn.
 * @module
 */
import type { Condition } from "../../src/protocol/form";

/** The applicant, with the fields' values scaled as the bureau stores them. */
export const APPLICANT = new Map<string, bigint>([
  ["creditScore", 712n],
  ["annualIncome", 58_000n],
  ["defaultsFiveYears", 0n],
  ["debtToIncome", 2850n],
  ["yearsOfHistory", 9n],
  ["bankruptcy", 0n],
]);

/** Decision-mode conditions. */
export const CONDITIONS: Condition[] = [
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
