/**
 * Condition-form files, as a bank writes them:
 *
 * ```json
 * { "mode": "decision",
 *   "conditions": [ { "field": "creditScore", "op": "ge", "value": "650" },
 *                   { "field": "debtToIncome", "op": "between", "values": ["0", "35.5"] } ] }
 * ```
 *
 * `value` is shorthand for a one-element `values`. A condition may instead be a scorecard, `{ "scorecard": { "weights":
 * { field: integer }, "cutoff", "clamp"?: { field: [low, high] }, "weightBits"? } }` (issue 22: Σ weight·value ≥
 * cutoff; `blindcredit bank model` makes one from a fitted model). Members are checked strictly (a typo such as
 * `"condition"` is an error, not an empty form), then the conditions go through `parseForm`, the
 * same validation the bank's client applies, so the file is refused with its messages.
 * @module
 */
import { readFileSync } from "node:fs";
import {
  DEFAULT_SCHEMA,
  fieldNamed,
  formatFieldValue,
  kindOf,
  parseFieldValue,
  type CreditSchema,
} from "../protocol/schema";
import {
  parseForm,
  type Condition,
  type Operator,
  type ParsedCondition,
  type ThresholdCondition,
} from "../protocol/form";
import type { FieldValue, Scorecard, ScorecardCondition } from "../protocol/scorecard";
import { usageError } from "./errors";
import type { CheckModeName } from "../contractEnums";
import { parseJson } from "../json";

/** A form file, read and validated. */
export interface FormFile {
  readonly file: string;
  readonly mode: CheckModeName;
  /** The conditions as written (what the bank's client takes). */
  readonly conditions: readonly Condition[];
  /** The same, validated and scaled. */
  readonly parsed: readonly ParsedCondition[];
}

const FORM_MEMBERS = ["mode", "conditions"];
const CONDITION_MEMBERS = ["field", "op", "value", "values"];
const SCORECARD_MEMBERS = ["weights", "cutoff", "clamp", "weightBits"];

/**
 * Reads and validates a form file.
 * @param modeOverride a mode given on the command line, which wins over the file's
 * @param schema the credit schema the conditions are checked against (default: the default schema)
 * @throws CliError (exit 2) naming the file and what is wrong with it
 */
export function readFormFile(
  file: string,
  modeOverride?: CheckModeName,
  schema: CreditSchema = DEFAULT_SCHEMA,
): FormFile {
  const fail = (message: string) => usageError(`form ${file}: ${message}`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(`cannot read it (${code === "ENOENT" ? "no such file" : code})`);
  }
  let json: unknown;
  try {
    json = parseJson(text, `form ${file}`);
  } catch (e) {
    throw usageError((e as Error).message);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw fail(
      `expected a JSON object with "conditions" (and optionally "mode"), got ${Array.isArray(json) ? "an array" : typeof json}`,
    );
  }
  const form = json as Record<string, unknown>;
  for (const key of Object.keys(form)) {
    if (!FORM_MEMBERS.includes(key)) throw fail(`unexpected member "${key}": expected only ${FORM_MEMBERS.join(", ")}`);
  }
  const mode = modeOverride ?? form.mode ?? "decision";
  if (mode !== "decision" && mode !== "paper") {
    throw fail(`expected "mode" to be "decision" or "paper", got ${JSON.stringify(mode)}`);
  }
  if (!Array.isArray(form.conditions)) {
    throw fail(`expected "conditions" to be an array of conditions, got ${JSON.stringify(form.conditions) ?? "none"}`);
  }
  const conditions = form.conditions.map((c: unknown, i: number): Condition => {
    const where = `condition ${i + 1}`;
    if (typeof c !== "object" || c === null || Array.isArray(c)) {
      throw fail(`${where}: expected an object { "field", "op", "value" or "values" }, got ${JSON.stringify(c)}`);
    }
    const record = c as Record<string, unknown>;
    if ("scorecard" in record) return scorecardCondition(record, (message) => fail(`${where}: ${message}`));
    for (const key of Object.keys(record)) {
      if (!CONDITION_MEMBERS.includes(key)) {
        throw fail(`${where}: unexpected member "${key}": expected ${CONDITION_MEMBERS.join(", ")}`);
      }
    }
    if (typeof record.field !== "string")
      throw fail(`${where}: expected "field" to be a field name, got ${JSON.stringify(record.field)}`);
    try {
      fieldNamed(record.field, schema); // parseForm says which field is unknown, not where
    } catch (e) {
      throw fail(`${where}: ${(e as Error).message}`);
    }
    if (typeof record.op !== "string")
      throw fail(`${where}: expected "op" to be an operator, got ${JSON.stringify(record.op)}`);
    if ("value" in record && "values" in record) throw fail(`${where}: expected "value" or "values", got both`);
    const values = "value" in record ? [record.value] : record.values;
    if (!Array.isArray(values))
      throw fail(`${where}: expected "value" or an array "values", got ${JSON.stringify(values) ?? "none"}`);
    return { field: record.field, op: record.op as Operator, values: values as ThresholdCondition["values"] };
  });
  let parsed: ParsedCondition[];
  try {
    parsed = parseForm(conditions, mode, schema);
  } catch (e) {
    throw fail((e as Error).message);
  }
  return { file, mode, conditions, parsed };
}

/**
 * A scorecard condition as written, its members checked strictly (a misspelt `"cutof"` is an error, not a missing
 * cut-off); `parseForm` checks what they hold.
 */
function scorecardCondition(record: Record<string, unknown>, fail: (message: string) => Error): ScorecardCondition {
  const extra = Object.keys(record).find((key) => key !== "scorecard");
  if (extra !== undefined)
    throw fail(`unexpected member "${extra}" beside "scorecard": a scorecard is a condition of its own`);
  const scorecard = record.scorecard;
  if (typeof scorecard !== "object" || scorecard === null || Array.isArray(scorecard)) {
    throw fail(
      `expected "scorecard" to be an object { "weights", "cutoff", "clamp"?, "weightBits"? }, got ${kindOf(scorecard)}`,
    );
  }
  for (const key of Object.keys(scorecard)) {
    if (!SCORECARD_MEMBERS.includes(key))
      throw fail(`scorecard: unexpected member "${key}": expected ${SCORECARD_MEMBERS.join(", ")}`);
  }
  return { scorecard: scorecard as Scorecard };
}

/**
 * A scorecard's public shape as people read it, `creditScore, annualIncome (clamped to 0..250000)`: its fields and
 * clamps, what the bureau sees too; never its weights or cut-off, so that it may go to logs and to others.
 */
export function describeScorecardShape(
  shape: {
    readonly fields: readonly string[];
    readonly clamp?: Readonly<Record<string, readonly [FieldValue, FieldValue]>>;
  },
  schema: CreditSchema = DEFAULT_SCHEMA,
): string {
  return shape.fields
    .map((name) => {
      const bounds = shape.clamp?.[name];
      if (bounds === undefined) return name;
      const field = fieldNamed(name, schema);
      const [low, high] = bounds.map((v) => formatFieldValue(field, parseFieldValue(field, v)));
      return `${name} (clamped to ${low}..${high})`;
    })
    .join(", ");
}
