/**
 * Condition forms: what a bank asks of an applicant, and how each condition reduces to threshold
 * comparisons whose results combine linearly into a 0/1 "condition holds".
 *
 * Every comparison is `[a ≥ c]` between a value `a` the bureau derives from the subject's field and
 * a threshold `c` the bank derives from its condition, both in the field's comparison domain
 * [0, 2^bits) (see {@link comparisonDomain}). "Up" compares x ≥ t; "down" compares x ≤ t as
 * (M − x) ≥ (M − t) with M = 2^bits − 1. The bureau learns the form's shape (fields, operators,
 * how many values) but never a threshold. What each operator takes, compares and means is in `./operators`.
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
import {
  arityWording,
  isOperator,
  OPERATOR_RULES,
  OPERATORS,
  PAPER_OPERATORS,
  type Combination,
  type Direction,
  type Operator,
} from "./operators";

export { isScorecard, OPERATORS, type Operator };

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
  readonly direction: Direction;
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
 *   field or operator, a value out of range, a wrong number of values, values the operator refuses
 *   (`between` with low > high, repeated `in` values), an operator or a scorecard paper mode cannot run,
 *   or a scorecard that `parseScorecard` refuses (a scorecard counts as one condition)
 */
export function parseForm(
  conditions: readonly Condition[],
  mode: CheckModeName,
  schema: CreditSchema = DEFAULT_SCHEMA,
): ParsedCondition[] {
  checkConditionCount(Array.isArray(conditions) ? conditions.length : 0);
  return conditions.map((condition: Condition, i): ParsedCondition => {
    const where = `condition ${i + 1}`;
    if (isScorecard(condition)) {
      checkScorecardMode(mode, where);
      return { scorecard: parseScorecard(condition.scorecard, schema, `${where} (scorecard)`) };
    }
    const c = condition;
    const field = fieldNamed(c.field, schema);
    const shape = thresholdShapeOf(
      where,
      field.name,
      c.op,
      Array.isArray(c.values) ? c.values.length : undefined,
      mode,
    );
    const values = (c.values as readonly unknown[]).map((v: unknown) => {
      try {
        return parseFieldValue(field, v);
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
    });
    const refusal = OPERATOR_RULES[shape.op].refuseValues?.(values, (v) => formatFieldValue(field, v));
    if (refusal !== undefined) throw new Error(`${where} (${c.field} ${c.op}): ${refusal}`);
    return { ...shape, values };
  });
}

/**
 * Checks how many conditions a form holds: the bank's form and the form the bureau reads, the same way.
 * @throws Error for none, or more than {@link MAX_CONDITIONS}
 */
export function checkConditionCount(count: number): void {
  if (count === 0) throw new Error("condition form: expected at least one condition, got none");
  if (count > MAX_CONDITIONS)
    throw new Error(`condition form: expected at most ${MAX_CONDITIONS} conditions, got ${count}`);
}

/**
 * Checks that a scorecard may stand in a form of `mode`: decision mode only.
 * @throws Error in paper mode
 */
export function checkScorecardMode(mode: CheckModeName, where: string): void {
  if (mode === "paper")
    throw new Error(`${where}: paper mode does not support scorecards (they give one bit): use decision mode`);
}

/**
 * A threshold condition's public shape, validated against the operator table and the mode: the one check of it, for
 * the bank's form (`arity` is how many values it wrote) and for the form the bureau reads (the arity it claims).
 * The field is the caller's to look up in its schema.
 * @throws Error saying what was expected and what came: an unknown operator, an operator paper mode cannot run, or
 *   an arity the operator does not take
 */
export function thresholdShapeOf(
  where: string,
  field: string,
  op: unknown,
  arity: unknown,
  mode: CheckModeName,
): ThresholdShape {
  if (!isOperator(op))
    throw new Error(`${where}: expected an operator among ${OPERATORS.join(", ")}, got ${JSON.stringify(op)}`);
  if (mode === "paper" && !OPERATOR_RULES[op].paper) {
    const supported = PAPER_OPERATORS.map((o) => `"${o}"`).join(", ");
    throw new Error(`${where}: paper mode supports only ${supported} conditions, got "${op}": use decision mode`);
  }
  const { min, max } = OPERATOR_RULES[op].arity;
  if (typeof arity !== "number" || !Number.isInteger(arity) || arity < min || arity > max) {
    const got = arity === undefined ? "none" : typeof arity === "number" ? arity : JSON.stringify(arity);
    throw new Error(`${where} (${field} ${op}): expected ${arityWording(op)}, got ${got}`);
  }
  return { field, op, arity };
}

/**
 * The comparisons a condition of this shape needs, and how their results combine:
 * holds = offset + Σ coefficients[i] · [a_i ≥ c_i], always 0 or 1.
 * Only the shape decides this, so the bureau computes it from what it may see.
 */
export function combinationOf(shape: ThresholdShape): Combination {
  return OPERATOR_RULES[shape.op].combination(shape.arity);
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
  const { directions } = combinationOf(condition);
  return OPERATOR_RULES[condition.op].thresholds(condition.values).map((t, i) => ({
    field,
    direction: directions[i],
    // "down" compares x ≤ t as (M − x) ≥ (M − t)
    threshold: directions[i] === "up" ? t - base : top - (t - base),
  }));
}

/** The bureau's operand for a comparison of `direction` on the subject's value `x` of `field`. */
export function subjectOperand(field: CreditField, direction: Direction, x: bigint): bigint {
  const { base, bits } = comparisonDomain(field);
  const shifted = x - base;
  return direction === "up" ? shifted : (1n << BigInt(bits)) - 1n - shifted;
}

/** Whether the plaintext value `x` meets the condition: the reference the protocol must agree with. */
export function holds(condition: ParsedThresholdCondition, x: bigint): boolean {
  return OPERATOR_RULES[condition.op].holds(condition.values, x);
}
