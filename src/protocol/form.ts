/**
 * Condition forms: what a bank asks of an applicant, and how each condition reduces to threshold
 * comparisons whose results combine linearly into a 0/1 "condition holds".
 *
 * Every comparison is `[a ≥ c]` between a value `a` the bureau derives from the subject's field and
 * a threshold `c` the bank derives from its condition, both in the field's comparison domain
 * [0, 2^bits) (see {@link comparisonDomain}). "Up" compares x ≥ t; "down" compares x ≤ t as
 * (M − x) ≥ (M − t) with M = 2^bits − 1. The bureau learns the form's shape (fields, operators,
 * how many values) but never a threshold.
 *
 * A form may also hold scorecards (`./scorecard`): Σ w_i·x_i ≥ T with the weights and the cut-off secret, one
 * comparison each, decision mode only. A condition is either kind; {@link isScorecard} tells them apart.
 * @module
 */
import {
  comparisonDomain,
  DEFAULT_SCHEMA,
  fieldNamed,
  formatFieldValue,
  parseFieldValue,
  type CreditField,
  type CreditSchema,
} from "./schema";
import type { CheckModeName } from "../contractEnums";
import { MAX_CONDITIONS, MAX_SET_VALUES } from "./messageLimits";
import {
  isScorecard,
  parseScorecard,
  type ParsedScorecardCondition,
  type ScorecardCondition,
  type ScorecardConditionShape,
} from "./scorecard";

export { isScorecard };

/** The operators a condition may use. */
export const OPERATORS = ["eq", "ne", "ge", "gt", "le", "lt", "between", "in"] as const;
/** A condition's operator: equal, not equal, at least, more than, at most, less than, between (inclusive), one of. */
export type Operator = (typeof OPERATORS)[number];

/** A threshold, range or set condition as a bank writes it: one value, two for `between`, one or more for `in`. */
export interface ThresholdCondition {
  readonly field: string;
  readonly op: Operator;
  readonly values: readonly (number | string | bigint)[];
}

/** A condition as a bank writes it: on one field, or a scorecard over several. */
export type Condition = ThresholdCondition | ScorecardCondition;

/** The largest number of conditions in one form, and of values in one `in` condition (see `./messageLimits`). */
export { MAX_CONDITIONS, MAX_SET_VALUES };

/** A comparison `[a ≥ c]` as the protocol runs it; `threshold` is known to the bank only. */
export interface Comparison {
  readonly field: CreditField;
  readonly direction: "up" | "down";
  /** The bank's operand c in [0, 2^bits): the shifted threshold, flipped for "down". */
  readonly threshold: bigint;
}

/** The public shape of one threshold condition: what the bureau may learn. */
export interface ThresholdShape {
  readonly field: string;
  readonly op: Operator;
  /** How many values the condition has (the bureau learns this, not the values). */
  readonly arity: number;
}

/** The public shape of one condition: what the bureau may learn (a scorecard's: its fields, clamps and β). */
export type ConditionShape = ThresholdShape | ScorecardConditionShape;

/** A validated threshold condition with its values parsed and scaled. */
export interface ParsedThresholdCondition extends ThresholdShape {
  readonly values: readonly bigint[];
}

/** A validated condition: a threshold condition, or a scorecard with its weights parsed. */
export type ParsedCondition = ParsedThresholdCondition | ParsedScorecardCondition;

/**
 * Validates a form against a credit schema (the default schema when omitted) and the mode.
 * @throws Error saying what was expected and what came: an empty or oversized form, an unknown
 *   field or operator, a value out of range, a wrong number of values, `between` with low > high,
 *   repeated `in` values, a non-equality condition or a scorecard in paper mode, or a scorecard that
 *   `parseScorecard` refuses (a scorecard counts as one condition)
 */
export function parseForm(
  conditions: readonly Condition[],
  mode: CheckModeName,
  schema: CreditSchema = DEFAULT_SCHEMA,
): ParsedCondition[] {
  if (!Array.isArray(conditions) || conditions.length === 0)
    throw new Error("condition form: expected at least one condition, got none");
  if (conditions.length > MAX_CONDITIONS) {
    throw new Error(`condition form: expected at most ${MAX_CONDITIONS} conditions, got ${conditions.length}`);
  }
  return conditions.map((condition: Condition, i): ParsedCondition => {
    const where = `condition ${i + 1}`;
    if (isScorecard(condition)) {
      if (mode === "paper")
        throw new Error(`${where}: paper mode does not support scorecards (they give one bit): use decision mode`);
      return { scorecard: parseScorecard(condition.scorecard, schema, `${where} (scorecard)`) };
    }
    const c = condition;
    const field = fieldNamed(c.field, schema);
    if (!OPERATORS.includes(c.op))
      throw new Error(`${where}: expected an operator among ${OPERATORS.join(", ")}, got "${c.op}"`);
    if (mode === "paper" && c.op !== "eq") {
      throw new Error(`${where}: paper mode supports only "eq" conditions, got "${c.op}": use decision mode`);
    }
    const arity = c.op === "between" ? 2 : c.op === "in" ? c.values?.length : 1;
    if (!Array.isArray(c.values) || c.values.length !== arity || arity < 1 || arity > MAX_SET_VALUES) {
      const wanted = c.op === "between" ? "2 values" : c.op === "in" ? `1 to ${MAX_SET_VALUES} values` : "1 value";
      throw new Error(
        `${where} (${c.field} ${c.op}): expected ${wanted}, got ${Array.isArray(c.values) ? c.values.length : "none"}`,
      );
    }
    const values = (c.values as readonly unknown[]).map((v: unknown) => {
      try {
        return parseFieldValue(field, v);
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
    });
    if (c.op === "between" && values[0] > values[1]) {
      throw new Error(
        `${where} (${c.field} between): expected low ≤ high, got ${formatFieldValue(field, values[0])} > ${formatFieldValue(field, values[1])}`,
      );
    }
    if (c.op === "in" && new Set(values).size !== values.length)
      throw new Error(`${where} (${c.field} in): expected distinct values`);
    return { field: field.name, op: c.op, arity, values };
  });
}

/**
 * The comparisons a condition of this shape needs, and how their results combine:
 * holds = offset + Σ coefficients[i] · [a_i ≥ c_i], always 0 or 1.
 * Only the shape decides this, so the bureau computes it from what it may see.
 */
export function combinationOf(shape: ThresholdShape): {
  readonly directions: readonly ("up" | "down")[];
  readonly coefficients: readonly (1 | -1)[];
  readonly offset: number;
} {
  switch (shape.op) {
    case "ge":
    case "gt":
      return { directions: ["up"], coefficients: [1], offset: 0 };
    case "le":
    case "lt":
      return { directions: ["down"], coefficients: [1], offset: 0 };
    case "between":
    case "eq": // x ≥ lo and x ≤ hi: exactly one fails otherwise, so the sum minus one is the bit
      return { directions: ["up", "down"], coefficients: [1, 1], offset: -1 };
    case "ne":
      return { directions: ["up", "down"], coefficients: [-1, -1], offset: 2 };
    case "in": // a sum of equality bits, at most one of which is set
      return {
        directions: Array.from({ length: 2 * shape.arity }, (_, i) => (i % 2 === 0 ? "up" : "down")),
        coefficients: Array.from({ length: 2 * shape.arity }, () => 1 as const),
        offset: -shape.arity,
      };
  }
}

/**
 * A parsed form's conditions when none is a scorecard: for code that handles threshold conditions only (the
 * baselines of bench/matching, paper mode).
 * @throws Error naming the first scorecard
 */
export function thresholdConditionsOnly(conditions: readonly ParsedCondition[]): ParsedThresholdCondition[] {
  return conditions.map((condition, i) => {
    if (isScorecard(condition)) throw new Error(`condition ${i + 1}: expected a threshold condition, got a scorecard`);
    return condition;
  });
}

/** How many comparisons a condition makes: a scorecard, one; a threshold condition, as {@link combinationOf} says. */
export function comparisonCountOf(condition: ConditionShape | ParsedCondition): number {
  return isScorecard(condition) ? 1 : combinationOf(condition).directions.length;
}

/** The bank's comparisons for a condition parsed against `schema`, thresholds included, in {@link combinationOf} order. */
export function comparisonsOf(
  condition: ParsedThresholdCondition,
  schema: CreditSchema = DEFAULT_SCHEMA,
): Comparison[] {
  const field = fieldNamed(condition.field, schema);
  const { base, bits } = comparisonDomain(field);
  const top = (1n << BigInt(bits)) - 1n;
  const up = (t: bigint): Comparison => ({ field, direction: "up", threshold: t - base });
  const down = (t: bigint): Comparison => ({ field, direction: "down", threshold: top - (t - base) });
  const v = condition.values;
  switch (condition.op) {
    case "ge":
      return [up(v[0])];
    case "gt":
      return [up(v[0] + 1n)];
    case "le":
      return [down(v[0])];
    case "lt":
      return [down(v[0] - 1n)];
    case "between":
      return [up(v[0]), down(v[1])];
    case "eq":
    case "ne":
      return [up(v[0]), down(v[0])];
    case "in":
      return v.flatMap((value) => [up(value), down(value)]);
  }
}

/** The bureau's operand for a comparison of `direction` on the subject's value `x` of `field`. */
export function subjectOperand(field: CreditField, direction: "up" | "down", x: bigint): bigint {
  const { base, bits } = comparisonDomain(field);
  const shifted = x - base;
  return direction === "up" ? shifted : (1n << BigInt(bits)) - 1n - shifted;
}

/** Whether the plaintext value `x` meets the condition: the reference the protocol must agree with. */
export function holds(condition: ParsedThresholdCondition, x: bigint): boolean {
  const [a, b] = condition.values;
  switch (condition.op) {
    case "eq":
      return x === a;
    case "ne":
      return x !== a;
    case "ge":
      return x >= a;
    case "gt":
      return x > a;
    case "le":
      return x <= a;
    case "lt":
      return x < a;
    case "between":
      return a <= x && x <= b;
    case "in":
      return condition.values.includes(x);
  }
}
