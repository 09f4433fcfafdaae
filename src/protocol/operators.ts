/**
 * The condition operators, one table entry each: how many values a condition takes, the comparisons it reduces to and
 * how their results combine, the thresholds the bank derives from its values, the plaintext reference, how people read
 * it, and whether paper mode can run it. Every place that handles an operator reads this table (the form's
 * validation on both sides, the bank's thresholds, the bureau's combination, the command line's printing): a new
 * operator is one entry here plus its tests.
 *
 * A comparison is `[a ≥ c]` (see `./form`): "up" compares x ≥ t, "down" compares x ≤ t. A condition holds when
 * offset + Σ coefficients[i] · [a_i ≥ c_i] is 1; the sum is always 0 or 1.
 * @module
 */
import { MAX_SET_VALUES } from "./messageLimits";

/** Which way a comparison goes: "up" is x ≥ t, "down" is x ≤ t. */
export type Direction = "up" | "down";

/** How a condition's comparisons combine: holds = offset + Σ coefficients[i] · [a_i ≥ c_i], always 0 or 1. */
export interface Combination {
  readonly directions: readonly Direction[];
  readonly coefficients: readonly (1 | -1)[];
  readonly offset: number;
}

/** Everything the protocol and the command line need to know about one operator. */
export interface OperatorRule {
  /** How many values a condition takes, both bounds inclusive. */
  readonly arity: { readonly min: number; readonly max: number };
  /** The comparisons a condition with `arity` values makes and how they combine: the shape alone decides this. */
  combination(arity: number): Combination;
  /** The values the bank compares against, one per comparison, in {@link combination} order. */
  thresholds(values: readonly bigint[]): bigint[];
  /** What the values must meet beyond each being in range: the "expected …" text when they do not, else undefined. */
  refuseValues?(values: readonly bigint[], show: (value: bigint) => string): string | undefined;
  /** Whether the plaintext value x meets the condition: the reference the protocol must agree with. */
  holds(values: readonly bigint[], x: bigint): boolean;
  /** The condition as people read it, from the field's name and its formatted values: `creditScore ≥ 650`. */
  describe(field: string, values: readonly string[]): string;
  /** Whether paper mode can run it: paper mode tests one encrypted value for equality per condition. */
  readonly paper: boolean;
}

const ONE_VALUE = { min: 1, max: 1 };

/** One comparison in `direction`, counted as it comes. */
const single = (direction: Direction) => (): Combination => ({ directions: [direction], coefficients: [1], offset: 0 });

/** x ≥ lo and x ≤ hi: exactly one fails otherwise, so the sum minus one is the bit. */
const inside = (): Combination => ({ directions: ["up", "down"], coefficients: [1, 1], offset: -1 });

/** A condition written `field symbol value`. */
const infix =
  (symbol: string) =>
  (field: string, values: readonly string[]): string =>
    `${field} ${symbol} ${values[0]}`;

const RULES = {
  eq: {
    arity: ONE_VALUE,
    combination: inside,
    thresholds: ([value]) => [value, value],
    holds: ([value], x) => x === value,
    describe: infix("="),
    paper: true,
  },
  ne: {
    arity: ONE_VALUE,
    // Both comparisons hold exactly when x = value: two minus their sum is the bit.
    combination: () => ({ directions: ["up", "down"], coefficients: [-1, -1], offset: 2 }),
    thresholds: ([value]) => [value, value],
    holds: ([value], x) => x !== value,
    describe: infix("≠"),
    paper: false,
  },
  ge: {
    arity: ONE_VALUE,
    combination: single("up"),
    thresholds: ([value]) => [value],
    holds: ([value], x) => x >= value,
    describe: infix("≥"),
    paper: false,
  },
  gt: {
    arity: ONE_VALUE,
    combination: single("up"),
    thresholds: ([value]) => [value + 1n],
    holds: ([value], x) => x > value,
    describe: infix(">"),
    paper: false,
  },
  le: {
    arity: ONE_VALUE,
    combination: single("down"),
    thresholds: ([value]) => [value],
    holds: ([value], x) => x <= value,
    describe: infix("≤"),
    paper: false,
  },
  lt: {
    arity: ONE_VALUE,
    combination: single("down"),
    thresholds: ([value]) => [value - 1n],
    holds: ([value], x) => x < value,
    describe: infix("<"),
    paper: false,
  },
  between: {
    arity: { min: 2, max: 2 },
    combination: inside,
    thresholds: ([low, high]) => [low, high],
    refuseValues: ([low, high], show) =>
      low > high ? `expected low ≤ high, got ${show(low)} > ${show(high)}` : undefined,
    holds: ([low, high], x) => low <= x && x <= high,
    describe: (field, [low, high]) => `${field} between ${low} and ${high}`,
    paper: false,
  },
  in: {
    arity: { min: 1, max: MAX_SET_VALUES },
    // A sum of equality bits (each as "eq"), at most one of which is set.
    combination: (arity) => ({
      directions: Array.from({ length: 2 * arity }, (_, i) => (i % 2 === 0 ? "up" : "down")),
      coefficients: Array.from({ length: 2 * arity }, () => 1 as const),
      offset: -arity,
    }),
    thresholds: (values) => values.flatMap((value) => [value, value]),
    refuseValues: (values) => (new Set(values).size !== values.length ? "expected distinct values" : undefined),
    holds: (values, x) => values.includes(x),
    describe: (field, values) => `${field} in {${values.join(", ")}}`,
    paper: false,
  },
} satisfies Record<string, OperatorRule>;

/** A condition's operator: equal, not equal, at least, more than, at most, less than, between (inclusive), one of. */
export type Operator = keyof typeof RULES;

/** The operators' rules, in the order forms, errors and `blindcredit schema` list them. */
export const OPERATOR_RULES: Readonly<Record<Operator, OperatorRule>> = RULES;

/** The operators a condition may use. */
export const OPERATORS = Object.keys(OPERATOR_RULES) as readonly Operator[];

/** The operators paper mode can run. */
export const PAPER_OPERATORS = OPERATORS.filter((op) => OPERATOR_RULES[op].paper);

/** Whether `op` names an operator of the table (and not, say, `toString`). */
export function isOperator(op: unknown): op is Operator {
  return typeof op === "string" && Object.hasOwn(OPERATOR_RULES, op);
}

/** How many values an operator takes, as errors say it: "1 value", "2 values", "1 to 16 values". */
export function arityWording(op: Operator): string {
  const { min, max } = OPERATOR_RULES[op].arity;
  return min === max ? `${min} value${min === 1 ? "" : "s"}` : `${min} to ${max} values`;
}
