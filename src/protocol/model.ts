/**
 * From a fitted logistic-regression model to a scorecard a bank can ask (issue 22): integer weights in a fixed-point
 * scale, a cut-off, the fields' public clamps.
 *
 * The model approves iff `intercept + Σ β_i·v_i ≥ logit(threshold)`, with `v_i` the field's value in its natural
 * units (as `parseFieldValue` reads them: debtToIncome in percent, "35.5"). The bureau computes with stored integers
 * `x_i = v_i·10^decimals_i`, so the coefficient per stored unit is `c_i = β_i / 10^decimals_i`. With the scale `2^s`:
 *
 * - `w_i = round(c_i·2^s)` (half away from zero), with `s` the largest integer keeping every `|w_i| < 2^weightBits`;
 * - `T = ⌈(logit(threshold) − intercept)·2^s⌉`: since `Σ w_i·x_i` is an integer, `Σ ≥ T` is exactly
 *   `Σ w_i·x_i / 2^s ≥ logit(threshold) − intercept`, so the cut-off adds no error;
 * - both computed exactly (a double is a dyadic rational: everything is done in bigint rationals).
 *
 * **Rounding error.** The scorecard approves iff `g(x) = intercept + Σ (w_i/2^s)·x_i − logit(threshold) ≥ 0`; the
 * float model iff `f(x) − logit(threshold) ≥ 0` with `f(x) = intercept + Σ c_i·x_i`. For every applicant whose
 * (clamped) values lie in the fields' ranges, `|g(x) − (f(x) − logit(threshold))| ≤ Σ |w_i/2^s − c_i|·M_i =: bound`,
 * with `M_i` the largest `|x_i|` after the clamp; each `|w_i/2^s − c_i| ≤ 2^−(s+1)`. So the two decisions can differ
 * only for an applicant whose float log-odds lies within `bound` of `logit(threshold)`: none farther. The bound is in
 * log-odds (natural log), the model's own units; {@link convertModel} reports it.
 *
 * A model the scorecard cannot represent is refused with the numbers: a nonzero coefficient that rounds to zero at
 * the scale the largest one allows (with the weightBits that would keep it), an unknown field or unit, a threshold
 * outside (0, 1), a cut-off the scorecard's sums can never reach.
 * @module
 */
import { fieldNamed, formatFieldValue, DEFAULT_SCHEMA, type CreditSchema } from "./schema";
import {
  clampValue,
  DEFAULT_WEIGHT_BITS,
  MAX_WEIGHT_BITS,
  scorecardParameters,
  scorecardShape,
  type FieldValue,
  type Scorecard,
  type ScorecardParameters,
} from "./scorecard";

/** The format tag of a model file (`blindcredit bank model --model <file>`, `examples/scorecard/model.json`). */
export const MODEL_FORMAT = "blindcredit.scorecard-model.v1";

/** A fitted logistic-regression model: log-odds of approval = intercept + Σ coefficients[field]·value. */
export interface ScorecardModel {
  /** The model's intercept, in log-odds. */
  readonly intercept: number;
  /** Per schema field, the coefficient per natural unit of the field (per percent for debtToIncome). */
  readonly coefficients: Readonly<Record<string, number>>;
  /** The approval probability: approve iff the model's probability is at least this (default 0.5). */
  readonly threshold?: number;
  /** Optionally, the unit each coefficient is per, checked against the schema's (a model fitted on fractions fails). */
  readonly units?: Readonly<Record<string, string>>;
}

/** How to turn a model into a scorecard. */
export interface ModelOptions {
  /** The weight width β: every |w_i| < 2^β (default {@link DEFAULT_WEIGHT_BITS}). */
  readonly weightBits?: number;
  /** Per field, the bounds the bureau clamps the value to, in the field's units (public, in the form's shape). */
  readonly clamp?: Readonly<Record<string, readonly [FieldValue, FieldValue]>>;
  /** The credit schema the fields are in (default: the default schema). */
  readonly schema?: CreditSchema;
}

/** The scorecard a model becomes, in the form file's JSON: integers as numbers when they are safe, else strings. */
export interface ModelScorecard extends Scorecard {
  readonly weights: Record<string, number | string>;
  readonly cutoff: number | string;
  readonly clamp?: Record<string, readonly [string, string]>;
  readonly weightBits: number;
}

/** A conversion and what it costs. */
export interface ModelConversion {
  readonly scorecard: ModelScorecard;
  /** s: each weight is the coefficient per stored unit times 2^s. */
  readonly scaleBits: number;
  /** logit(threshold), in log-odds. */
  readonly cutoffLogOdds: number;
  /** The rounding error bound, in log-odds: decisions agree for every applicant farther than this from the cut-off. */
  readonly errorBound: number;
  /** Fields whose coefficient is exactly zero: left out of the scorecard (they would only widen its public shape). */
  readonly unusedFields: readonly string[];
}

/**
 * Turns a fitted model into a scorecard (see the module's comment for the scale and the error bound).
 * @throws Error starting "model:" with the numbers: see {@link convertModel}
 * @example scorecardFromModel({ intercept: -6, coefficients: { creditScore: 0.012 }, threshold: 0.8 })
 */
export function scorecardFromModel(model: ScorecardModel, options: ModelOptions = {}): ModelScorecard {
  return convertModel(model, options).scorecard;
}

/**
 * Turns a fitted model into a scorecard and reports the scale and the rounding error bound.
 * @throws Error starting "model:" saying what was expected and what came: no or an unknown field, a coefficient
 *   or intercept that is not a finite number, a unit other than the schema's, a threshold outside (0, 1), weightBits
 *   outside 1..{@link MAX_WEIGHT_BITS}, a clamp outside the field's range or on a field the model does not use, a
 *   nonzero coefficient that rounds to zero at the scale the others allow (with the weightBits that would keep it),
 *   or a cut-off beyond every sum the scorecard can make (the model would approve, or decline, everyone)
 */
export function convertModel(model: ScorecardModel, options: ModelOptions = {}): ModelConversion {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const weightBits = options.weightBits ?? DEFAULT_WEIGHT_BITS;
  if (!Number.isInteger(weightBits) || weightBits < 1 || weightBits > MAX_WEIGHT_BITS)
    throw new Error(`model: expected weightBits from 1 to ${MAX_WEIGHT_BITS}, got ${weightBits}`);
  const threshold = model.threshold ?? 0.5;
  if (typeof threshold !== "number" || !(threshold > 0 && threshold < 1))
    throw new Error(`model: expected a threshold (an approval probability) strictly between 0 and 1, got ${threshold}`);
  if (typeof model.intercept !== "number" || !Number.isFinite(model.intercept))
    throw new Error(`model: expected the intercept as a finite number, got ${String(model.intercept)}`);
  const names = Object.keys(model.coefficients ?? {});
  if (names.length === 0) throw new Error("model: expected coefficients for at least one field, got none");

  const terms = names.map((name) => {
    const beta = model.coefficients[name];
    let field;
    try {
      field = fieldNamed(name, schema);
    } catch (e) {
      throw new Error(`model: coefficient "${name}": ${(e as Error).message}`);
    }
    if (typeof beta !== "number" || !Number.isFinite(beta))
      throw new Error(`model: expected the coefficient of ${name} as a finite number, got ${String(beta)}`);
    const unit = model.units?.[name];
    if (unit !== undefined && unit !== field.unit) {
      throw new Error(
        `model: coefficient of ${name} per "${unit}", expected per the schema's unit "${field.unit}" ` +
          "(refit the model on the fields' values as the schema writes them)",
      );
    }
    return { field, beta };
  });
  for (const name of Object.keys(model.units ?? {})) {
    if (!names.includes(name)) throw new Error(`model: a unit for ${name}, a field the model has no coefficient for`);
  }
  const used = terms.filter((t) => t.beta !== 0);
  if (used.length === 0) throw new Error("model: every coefficient is zero: the model decides the same for everyone");
  // The scorecard's public shape, checked as a form's is: its clamps, its bound B and comparison width.
  const parameters = parametersOf(
    used.map((t) => t.field.name),
    options.clamp,
    weightBits,
    schema,
  );

  const { s, weights } = scaleFor(used, weightBits);
  const lost = used.findIndex((_, i) => weights[i] === 0n);
  if (lost >= 0) throw new Error(lostCoefficientMessage(used, lost, s, weightBits));

  const cutoffLogOdds = Math.log(threshold / (1 - threshold));
  const cutoff = ceilRatio(subtractScaled(cutoffLogOdds, model.intercept, s));
  const { bound } = parameters;
  if (abs(cutoff) > bound) {
    throw new Error(
      `model: the cut-off logit(${threshold}) − intercept = ${cutoffLogOdds - model.intercept} scales to ` +
        `T = ${cutoff} at 2^${s}, beyond what the scorecard's sums can reach (|T| ≤ B = ${bound} = Σ (2^${weightBits} − 1)·` +
        `max|x_i|): the model would ${cutoff > 0n ? "decline" : "approve"} every applicant`,
    );
  }

  const errorBound = used.reduce((sum, t, i) => {
    const coefficient = t.beta / 10 ** t.field.decimals;
    return sum + Math.abs(Number(weights[i]) / 2 ** s - coefficient) * Number(parameters.maxima[i]);
  }, 0);
  const clamped = used.flatMap((t, i) => {
    if (options.clamp?.[t.field.name] === undefined) return [];
    const [low, high] = parameters.ranges[i];
    return [[t.field.name, [formatFieldValue(t.field, low), formatFieldValue(t.field, high)] as const] as const];
  });
  const json = (v: bigint) => (abs(v) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());
  return {
    scorecard: {
      weights: Object.fromEntries(used.map((t, i) => [t.field.name, json(weights[i])])),
      cutoff: json(cutoff),
      ...(clamped.length > 0 ? { clamp: Object.fromEntries(clamped) } : {}),
      weightBits,
    },
    scaleBits: s,
    cutoffLogOdds,
    errorBound,
    unusedFields: terms.filter((t) => t.beta === 0).map((t) => t.field.name),
  };
}

/**
 * The float model's log-odds minus logit(threshold) for an applicant: positive or zero means approve. The reference
 * the scorecard is compared with: values are stored integers (as the bureau holds them), clamped as the bureau does.
 * @param values the applicant's stored values by field (a record's `parseRecordFields`, or the bureau's map)
 * @throws Error when the applicant lacks a field the model uses
 */
export function modelMargin(
  model: ScorecardModel,
  values: ReadonlyMap<string, bigint>,
  options: Pick<ModelOptions, "clamp" | "schema"> = {},
): number {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const names = Object.keys(model.coefficients).filter((name) => model.coefficients[name] !== 0);
  const { fields, ranges } = parametersOf(names, options.clamp, DEFAULT_WEIGHT_BITS, schema);
  const score = fields.reduce((sum, field, i) => {
    const x = values.get(field.name);
    if (x === undefined) throw new Error(`model: the applicant has no ${field.name}`);
    return sum + (model.coefficients[field.name] / 10 ** field.decimals) * Number(clampValue(x, ranges[i]));
  }, model.intercept);
  const threshold = model.threshold ?? 0.5;
  return score - Math.log(threshold / (1 - threshold));
}

/**
 * Reads a model file's content (parsed JSON): `{ "format": "blindcredit.scorecard-model.v1", "description"?,
 * "intercept", "coefficients": { field: number }, "threshold"?, "units"?: { field: unit }, "clamp"?: { field:
 * [low, high] } }`. The clamp is the model's: it was fitted on clamped values, so the bureau must clamp them too.
 * @throws Error naming `where`, saying what was expected and what came
 */
export function parseModelFile(
  json: unknown,
  where = "model",
): { readonly model: ScorecardModel; readonly clamp?: Record<string, readonly [FieldValue, FieldValue]> } {
  const file = asRecord(json, where);
  const members = ["format", "description", "intercept", "coefficients", "threshold", "units", "clamp"];
  const unexpected = Object.keys(file).find((k) => !members.includes(k));
  if (unexpected !== undefined)
    throw new Error(`${where}: unexpected member "${unexpected}": expected only ${members.join(", ")}`);
  if (file.format !== MODEL_FORMAT)
    throw new Error(`${where}: expected "format": "${MODEL_FORMAT}", got ${JSON.stringify(file.format) ?? "none"}`);
  if (file.description !== undefined && typeof file.description !== "string")
    throw new Error(`${where}: expected "description" as text, got ${JSON.stringify(file.description)}`);
  const coefficients = asRecord(file.coefficients, `${where} "coefficients"`);
  const units = file.units === undefined ? undefined : asRecord(file.units, `${where} "units"`);
  for (const [name, unit] of Object.entries(units ?? {})) {
    if (typeof unit !== "string")
      throw new Error(`${where}: expected the unit of ${name} as text, got ${JSON.stringify(unit)}`);
  }
  const clamp = file.clamp === undefined ? undefined : asRecord(file.clamp, `${where} "clamp"`);
  for (const [name, bounds] of Object.entries(clamp ?? {})) {
    if (!Array.isArray(bounds) || bounds.length !== 2)
      throw new Error(`${where}: expected the clamp of ${name} as [low, high], got ${JSON.stringify(bounds)}`);
  }
  return {
    model: {
      intercept: file.intercept as number,
      coefficients: coefficients as Record<string, number>,
      ...(file.threshold !== undefined ? { threshold: file.threshold as number } : {}),
      ...(units ? { units: units as Record<string, string> } : {}),
    },
    ...(clamp ? { clamp: clamp as Record<string, readonly [FieldValue, FieldValue]> } : {}),
  };
}

/** What the scorecard on these fields and clamps is sized by (`./scorecard`: the same checks as a form's). */
function parametersOf(
  fields: readonly string[],
  clamp: ModelOptions["clamp"],
  weightBits: number,
  schema: CreditSchema,
): ScorecardParameters {
  return scorecardParameters(
    scorecardShape({ fields, clamp: clamp ?? {}, weightBits }, schema, "model"),
    schema,
    "model",
  );
}

/** The largest scale s keeping every |w_i| = |round(c_i·2^s)| < 2^bits, and the weights at it. */
function scaleFor(
  used: readonly { beta: number; field: { decimals: number } }[],
  bits: number,
): { s: number; weights: bigint[] } {
  const limit = (1n << BigInt(bits)) - 1n;
  const weightsAt = (s: number) => used.map((t) => roundRatio(scaled(t.beta, s), 10n ** BigInt(t.field.decimals)));
  const fits = (s: number) => weightsAt(s).every((w) => abs(w) <= limit);
  // Start near the answer (the largest |c_i| sets it), then step to the exact largest s that fits: the weights only
  // grow with s, and a nonzero coefficient outgrows any limit.
  const largest = Math.max(...used.map((t) => Math.abs(t.beta) / 10 ** t.field.decimals));
  let s = bits - 1 - Math.floor(Math.log2(largest));
  while (!fits(s)) s -= 1;
  while (fits(s + 1)) s += 1;
  return { s, weights: weightsAt(s) };
}

function lostCoefficientMessage(
  used: readonly { beta: number; field: { name: string; unit: string; decimals: number } }[],
  lost: number,
  s: number,
  weightBits: number,
): string {
  const perStored = (t: (typeof used)[number]) => Math.abs(t.beta) / 10 ** t.field.decimals;
  const largest = used.reduce((a, b) => (perStored(b) > perStored(a) ? b : a));
  const small = used[lost];
  let needed = weightBits + 1;
  while (needed <= MAX_WEIGHT_BITS && scaleFor(used, needed).weights.includes(0n)) needed += 1;
  return (
    `model: the coefficient of ${small.field.name} (${small.beta} per ${small.field.unit || "unit"}) rounds to zero at ` +
    `the scale 2^${s} that keeps ${largest.field.name}'s weight (${largest.beta} per ${largest.field.unit || "unit"}) ` +
    `below 2^${weightBits}: per stored unit their ratio is ${(perStored(largest) / perStored(small)).toPrecision(3)}, ` +
    (needed <= MAX_WEIGHT_BITS
      ? `which needs weightBits ≥ ${needed}`
      : `more than weightBits ${MAX_WEIGHT_BITS} can hold: leave ${small.field.name} out of the model`)
  );
}

/** A double as an exact rational m·2^e. */
function dyadic(value: number): { m: bigint; e: number } {
  let m = value;
  let e = 0;
  while (!Number.isInteger(m)) {
    m *= 2; // exact for a double
    e -= 1;
  }
  return { m: BigInt(m), e };
}

/** value·2^s as an exact rational [numerator, denominator > 0]. */
function scaled(value: number, s: number): [bigint, bigint] {
  const { m, e } = dyadic(value);
  return e + s >= 0 ? [m << BigInt(e + s), 1n] : [m, 1n << BigInt(-(e + s))];
}

/** (a − b)·2^s as an exact rational [numerator, denominator > 0]. */
function subtractScaled(a: number, b: number, s: number): [bigint, bigint] {
  const [an, ad] = scaled(a, s);
  const [bn, bd] = scaled(b, s);
  return [an * bd - bn * ad, ad * bd];
}

/** [n, d] / divisor, rounded half away from zero. */
function roundRatio([n, d]: [bigint, bigint], divisor: bigint): bigint {
  const denominator = d * divisor;
  const rounded = (2n * abs(n) + denominator) / (2n * denominator);
  return n < 0n ? -rounded : rounded;
}

/** ⌈n / d⌉ for d > 0. */
function ceilRatio([n, d]: [bigint, bigint]): bigint {
  return n <= 0n ? n / d : (n + d - 1n) / d; // bigint division truncates toward zero: the ceiling for n ≤ 0
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(
      `${where}: expected an object, got ${Array.isArray(value) ? "an array" : (JSON.stringify(value) ?? "none")}`,
    );
  return value as Record<string, unknown>;
}
