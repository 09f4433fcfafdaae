/**
 * Blind scorecards (issue 22): a bank's secret linear model over the subject's fields, Σ w_i·x_i ≥ T, evaluated by
 * the bureau on the subject's values without the weights or the cut-off leaving the bank (see docs/protocol.md,
 * "Blind scorecard", for the flow).
 *
 * What is public, in the form's shape: the fields (distinct schema fields), an optional clamp [lo, hi] per field that
 * the bureau applies to the value (public: a secret clamp would need a comparison per field), and the weights' width
 * β (`weightBits`). Everything the protocol sizes (the sum's bound B, the comparison's width ℓ, the mask's width κ)
 * derives from the shape alone ({@link scorecardParameters}), so both sides compute it and it says nothing of the
 * weights. The weights and the cut-off stay with the bank, sent only encrypted under its own key.
 *
 * Weights are integers multiplying the field's stored integer (debtToIncome "35.5" is 3550); clamp bounds are field
 * values as conditions write them (`parseFieldValue`).
 * @module
 */
import {
  DEFAULT_SCHEMA,
  fieldNamed,
  formatFieldValue,
  parseFieldValue,
  type CreditField,
  type CreditSchema,
} from "./schema";
import { MAX_SCORECARD_BITS, MAX_SCORECARD_FIELDS, MAX_WEIGHT_BITS } from "./messageLimits";
import { ENCRYPTION_RANGE_SLACK_BITS } from "../proofs/sizes";

export { MAX_SCORECARD_BITS, MAX_SCORECARD_FIELDS, MAX_WEIGHT_BITS };

/** A field value as a form writes it: a number, a decimal string ("35.5") or a bigint, in the field's units. */
export type FieldValue = number | string | bigint;

/** A scorecard as a bank writes it (the form file's `"scorecard"` member). */
export interface Scorecard {
  /** Integer weight per schema field (negative allowed), multiplying the field's stored integer. */
  readonly weights: Readonly<Record<string, number | string | bigint>>;
  /** The cut-off T: the scorecard holds iff Σ w_i·x_i ≥ T. An integer. */
  readonly cutoff: number | string | bigint;
  /** Per field, optionally, [lo, hi]: the bureau uses min(max(x, lo), hi). Public, in the form's shape. */
  readonly clamp?: Readonly<Record<string, readonly [FieldValue, FieldValue]>>;
  /** β: every |w_i| < 2^β (default {@link DEFAULT_WEIGHT_BITS}). Public. */
  readonly weightBits?: number;
}

/** A form's condition that is a scorecard. */
export interface ScorecardCondition {
  readonly scorecard: Scorecard;
}

/** The default weight width β. */
export const DEFAULT_WEIGHT_BITS = 20;

/** How many bits the mask R is wider than any sum a proven bank can make: the statistical hiding of d. */
export const MASK_STATISTICAL_BITS = 80;

/** Bits of margin in the mask's width over the bound on a proven bank's sums (κ = ℓ + ε + 80 + 8). */
const MASK_MARGIN_BITS = 8;

/**
 * The public shape of a scorecard, as the form carries it (JSON): what the bureau may learn.
 * `clamp` bounds are field values formatted as `formatFieldValue` writes them ("35.50").
 */
export interface ScorecardShape {
  readonly fields: readonly string[];
  readonly clamp: Readonly<Record<string, readonly [string, string]>>;
  readonly weightBits: number;
}

/** Everything the protocol sizes for a scorecard, derived from its shape alone. */
export interface ScorecardParameters {
  readonly fields: readonly CreditField[];
  /** Per field, the range the bureau clamps the value to: the clamp, or the field's whole range. */
  readonly ranges: readonly (readonly [bigint, bigint])[];
  /** max_i: the largest |x_i| after the clamp. */
  readonly maxima: readonly bigint[];
  /** β. */
  readonly weightBits: number;
  /** B = Σ (2^β − 1)·max_i: |Σ w_i·x_i| ≤ B, and the cut-off must satisfy |T| ≤ B. */
  readonly bound: bigint;
  /** ℓ = bitLength(2B) (at least 1): −2^ℓ < S = Σ w_i·x_i − T < 2^ℓ; the width of the one comparison. */
  readonly comparisonBits: number;
  /** κ = ℓ + ε + 80 + 8: the mask R is uniform in [0, 2^κ). */
  readonly maskBits: number;
  /** The range proven for the bank's quotient D = ⌊d / 2^ℓ⌋: 0 ≤ D < 2^(κ − ℓ + 2). */
  readonly quotientBits: number;
  /** The range proven for the offset w_0 = 2^ℓ − T: 0 < w_0 < 2^(ℓ + 1). */
  readonly offsetBits: number;
  /**
   * The public shift s = 3·2^b, with 2^b above every max_i: every clamped x_i + s has exactly b + 2 bits, so the
   * bureau raises E(w_i) to x_i + s, work that does not depend on x_i, and takes the shift off with Π E(w_i)^(−s).
   */
  readonly exponentShift: bigint;
}

/** A scorecard validated against a schema: its shape, what derives from it, and the bank's secret integers. */
export interface ParsedScorecard {
  readonly shape: ScorecardShape;
  readonly parameters: ScorecardParameters;
  /** w_i, in the order of `shape.fields`. Secret. */
  readonly weights: readonly bigint[];
  /** T. Secret. */
  readonly cutoff: bigint;
  /** w_0 = 2^ℓ − T. Secret. */
  readonly offset: bigint;
}

/** A parsed form's condition that is a scorecard. */
export interface ParsedScorecardCondition {
  readonly scorecard: ParsedScorecard;
}

/** A form's condition that is a scorecard, as the bureau reads its shape. */
export interface ScorecardConditionShape {
  readonly scorecard: ScorecardShape;
}

/** Whether a condition (as written, parsed, or its shape) is a scorecard. */
export function isScorecard<C extends object>(condition: C): condition is Extract<C, { readonly scorecard: unknown }> {
  return typeof condition === "object" && condition !== null && "scorecard" in condition;
}

const SCORECARD_MEMBERS = ["weights", "cutoff", "clamp", "weightBits"];
const SHAPE_MEMBERS = ["fields", "clamp", "weightBits"];

/**
 * Validates a scorecard as a bank writes it and computes what the protocol needs. Decision mode only.
 * @param where what errors name ("condition 2")
 * @throws Error saying what was expected and what came: an unknown member, no weights, an unknown field, a weight
 *   that is not an integer or not below 2^β (with the numbers), a clamp on a field without a weight, outside the
 *   field's range or with lo > hi, a cut-off with |T| > B (with the numbers), a sum too wide for the comparison
 */
export function parseScorecard(
  scorecard: Scorecard,
  schema: CreditSchema = DEFAULT_SCHEMA,
  where = "scorecard",
): ParsedScorecard {
  const record = members(scorecard, where, SCORECARD_MEMBERS);
  const weights = members(record.weights, `${where} weights`);
  const fields = Object.keys(weights);
  const clamp = record.clamp === undefined ? {} : members(record.clamp, `${where} clamp`);
  for (const name of Object.keys(clamp)) {
    if (!fields.includes(name))
      throw new Error(`${where} clamp: expected a clamp on a field with a weight, got one on "${name}"`);
  }
  const shape = scorecardShape(
    {
      fields,
      clamp: Object.fromEntries(
        Object.entries(clamp).map(([name, bounds]) => [name, formatClamp(name, bounds, schema, `${where} clamp`)]),
      ),
      weightBits: record.weightBits ?? DEFAULT_WEIGHT_BITS,
    },
    schema,
    where,
  );
  const parameters = scorecardParameters(shape, schema, where);
  const limit = 1n << BigInt(parameters.weightBits);
  const parsedWeights = fields.map((name) => {
    const w = integer(weights[name], `${where} weight of ${name}`);
    if (w <= -limit || w >= limit) {
      throw new Error(
        `${where} weight of ${name}: expected |w| < 2^${parameters.weightBits} = ${limit} (weightBits), got ${w}`,
      );
    }
    return w;
  });
  const cutoff = integer(record.cutoff, `${where} cutoff`);
  const { bound } = parameters;
  if (cutoff > bound || cutoff < -bound) {
    throw new Error(
      `${where} cutoff: expected |T| ≤ B = ${bound} (the largest |Σ w_i·x_i| weights below 2^${parameters.weightBits} ` +
        `can make on these fields and clamps), got ${cutoff}`,
    );
  }
  return {
    shape,
    parameters,
    weights: parsedWeights,
    cutoff,
    offset: (1n << BigInt(parameters.comparisonBits)) - cutoff,
  };
}

/**
 * Validates a scorecard's public shape (the bank's own, or one read from a form: the same checks on both sides).
 * @throws Error for a shape with no field or too many, a field unknown or repeated, a clamp on a field not in the
 *   scorecard, a malformed bound, a bound outside the field's range, lo > hi, or a weight width out of range
 */
export function scorecardShape(
  value: unknown,
  schema: CreditSchema = DEFAULT_SCHEMA,
  where = "scorecard",
): ScorecardShape {
  const record = members(value, where, SHAPE_MEMBERS);
  const fields = record.fields;
  if (!Array.isArray(fields) || fields.length === 0 || fields.length > MAX_SCORECARD_FIELDS) {
    throw new Error(
      `${where}: expected weights on 1 to ${MAX_SCORECARD_FIELDS} fields, got ` +
        (Array.isArray(fields) ? `${fields.length}` : JSON.stringify(fields)),
    );
  }
  const seen = new Set<string>();
  for (const name of fields) {
    if (typeof name !== "string") throw new Error(`${where}: expected field names, got ${JSON.stringify(name)}`);
    fieldNamed(name, schema);
    if (seen.has(name)) throw new Error(`${where}: expected distinct fields, got "${name}" twice`);
    seen.add(name);
  }
  const clamp = members(record.clamp ?? {}, `${where} clamp`);
  for (const [name, bounds] of Object.entries(clamp)) {
    if (!seen.has(name))
      throw new Error(`${where} clamp: expected a clamp on a field with a weight, got one on "${name}"`);
    clampBounds(fieldNamed(name, schema), bounds, `${where} clamp`);
  }
  const weightBits = record.weightBits;
  if (
    typeof weightBits !== "number" ||
    !Number.isInteger(weightBits) ||
    weightBits < 1 ||
    weightBits > MAX_WEIGHT_BITS
  ) {
    throw new Error(
      `${where} weightBits: expected an integer from 1 to ${MAX_WEIGHT_BITS}, got ${JSON.stringify(weightBits)}`,
    );
  }
  return {
    fields: [...fields] as string[],
    clamp: Object.fromEntries(Object.entries(clamp).map(([name, bounds]) => [name, bounds as [string, string]])),
    weightBits,
  };
}

/**
 * What the protocol sizes for a scorecard of this shape (see {@link ScorecardParameters}): the same on both sides.
 * @throws Error when the sum would need a comparison wider than {@link MAX_SCORECARD_BITS} bits (with the numbers)
 */
export function scorecardParameters(
  shape: ScorecardShape,
  schema: CreditSchema = DEFAULT_SCHEMA,
  where = "scorecard",
): ScorecardParameters {
  const fields = shape.fields.map((name) => fieldNamed(name, schema));
  const ranges = fields.map((field): [bigint, bigint] => {
    const bounds = shape.clamp[field.name];
    return bounds === undefined ? [field.min, field.max] : clampBounds(field, bounds, `${where} clamp`);
  });
  const maxima = ranges.map(([lo, hi]) => (abs(lo) > abs(hi) ? abs(lo) : abs(hi)));
  const largestValue = maxima.reduce((a, b) => (a > b ? a : b));
  const largestWeight = (1n << BigInt(shape.weightBits)) - 1n;
  const bound = maxima.reduce((sum, max) => sum + largestWeight * max, 0n);
  const comparisonBits = bound === 0n ? 1 : (2n * bound).toString(2).length;
  if (comparisonBits > MAX_SCORECARD_BITS) {
    throw new Error(
      `${where}: its sum can reach B = ${bound} (weights below 2^${shape.weightBits} on these fields and clamps), ` +
        `which needs a comparison of ${comparisonBits} bits: expected at most ${MAX_SCORECARD_BITS}; ` +
        "clamp the fields or use fewer weight bits",
    );
  }
  const maskBits = comparisonBits + ENCRYPTION_RANGE_SLACK_BITS + MASK_STATISTICAL_BITS + MASK_MARGIN_BITS;
  return {
    fields,
    ranges,
    maxima,
    weightBits: shape.weightBits,
    bound,
    comparisonBits,
    maskBits,
    quotientBits: maskBits - comparisonBits + 2,
    offsetBits: comparisonBits + 1,
    exponentShift: 3n << BigInt(largestValue.toString(2).length),
  };
}

/** x clamped to [lo, hi]. */
export function clampValue(x: bigint, [lo, hi]: readonly [bigint, bigint]): bigint {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Whether the scorecard holds for the subject's values (scaled, by field): the plaintext reference the protocol must
 * agree with. A field the values lack: not met, as for any condition.
 */
export function scorecardHolds(
  scorecard: ParsedScorecard,
  values: ReadonlyMap<string, bigint> | Readonly<Record<string, bigint>>,
): boolean {
  const valueOf = (name: string) =>
    values instanceof Map ? values.get(name) : (values as Readonly<Record<string, bigint>>)[name];
  let sum = 0n;
  for (const [i, name] of scorecard.shape.fields.entries()) {
    const x = valueOf(name);
    if (x === undefined) return false;
    sum += scorecard.weights[i] * clampValue(x, scorecard.parameters.ranges[i]);
  }
  return sum >= scorecard.cutoff;
}

/** A clamp as the bank writes it, validated and formatted for the shape. */
function formatClamp(name: string, bounds: unknown, schema: CreditSchema, where: string): [string, string] {
  const field = fieldNamed(name, schema);
  const [lo, hi] = clampBounds(field, bounds, where);
  return [formatFieldValue(field, lo), formatFieldValue(field, hi)];
}

/** A clamp's [lo, hi], parsed as field values: both in the field's range, lo ≤ hi. */
function clampBounds(field: CreditField, bounds: unknown, where: string): [bigint, bigint] {
  if (!Array.isArray(bounds) || bounds.length !== 2) {
    throw new Error(`${where} of ${field.name}: expected [lo, hi], got ${JSON.stringify(bounds) ?? "nothing"}`);
  }
  const [lo, hi] = bounds.map((bound: unknown, i: number) => {
    try {
      return parseFieldValue(field, bound);
    } catch {
      // A clamp is the bank's public parameter, not a credit value: the error may name it.
      throw new Error(
        `${where} of ${field.name}: expected ${i === 0 ? "lo" : "hi"} a value between ` +
          `${formatFieldValue(field, field.min)} and ${formatFieldValue(field, field.max)}, got ${JSON.stringify(String(bound))}`,
      );
    }
  });
  if (lo > hi) {
    throw new Error(
      `${where} of ${field.name}: expected lo ≤ hi, got ${formatFieldValue(field, lo)} > ${formatFieldValue(field, hi)}`,
    );
  }
  return [lo, hi];
}

/** An integer from a safe-integer number, a bigint or a decimal integer string. */
function integer(value: unknown, where: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d{1,80}$/.test(value.trim())) return BigInt(value.trim());
  throw new Error(
    `${where}: expected an integer (a safe-integer number or a decimal string), got ${JSON.stringify(String(value))}`,
  );
}

/** An object's members, refusing any not in `allowed` (when given). */
function members(value: unknown, where: string, allowed?: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(
      `${where}: expected an object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
  const unknown = allowed === undefined ? [] : Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0)
    throw new Error(`${where}: expected only the members ${allowed!.join(", ")}, got "${unknown[0]}"`);
  return value as Record<string, unknown>;
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}
