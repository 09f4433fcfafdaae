/**
 * The schema of credit fields a condition form may name: each field's range and decimals, as a consortium's schema
 * file declares them (`schemas/default.json` holds the six fields BlindCredit has always known).
 * The bureau validates provider data against it; the bank validates its conditions against it;
 * the comparison protocol sizes its bit decompositions from it. Its hash, keccak256 of its canonical JSON
 * ({@link canonicalSchemaJson}), is fixed in the deployment (`ConditionMatching.schemaHash()`), carried by every
 * protocol message and every record, and checked by each party that reads them.
 * @module
 */
import { keccak256, toUtf8Bytes } from "ethers";
import DEFAULT_SCHEMA_FILE from "../../schemas/default.json";
import { checkFieldFitsMessages } from "./messageLimits";

/** One credit field. Values are integers scaled by 10^decimals (fixed point for ratios). */
export interface CreditField {
  /** The name used in forms and records. */
  readonly name: string;
  /** What it measures, for people. */
  readonly description: string;
  /** The unit its values are in, for people ("" when the schema file names none). */
  readonly unit: string;
  /** Smallest value, scaled. */
  readonly min: bigint;
  /** Largest value, scaled. */
  readonly max: bigint;
  /** Decimal places of the fixed-point representation (0 for integers). */
  readonly decimals: number;
}

/** The format tag a schema file carries. */
export const SCHEMA_FORMAT = "blindcredit.credit-schema.v1";

/** The most fields a schema may declare. */
export const MAX_SCHEMA_FIELDS = 256;

/** The widest field a schema may declare, in comparison bits (a bit per DGK ciphertext the bureau sends). */
export const MAX_FIELD_BITS = 64;

/** A consortium's credit schema: its fields in order, its identity and its hash. */
export interface CreditSchema {
  /** A name for the schema, e.g. "blindcredit-default". */
  readonly id: string;
  /** Its version: a new version is a new schema, with a new hash. */
  readonly version: number;
  /** What it is for, for people ("" when the file says nothing). */
  readonly description: string;
  /** The fields, in the file's order. */
  readonly fields: readonly CreditField[];
  /** keccak256 of {@link canonicalSchemaJson}: what the deployment, the messages and the records name. */
  readonly hash: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FILE_MEMBERS = ["description", "fields", "format", "id", "version"];
const FIELD_MEMBERS = ["decimals", "description", "max", "min", "name", "unit"];

/**
 * Validates a schema file's content (parsed JSON) and computes its hash.
 * @param value the parsed JSON: `{ format, id, version, description?, fields: [{ name, description?, unit?, min,
 *   max, decimals }] }` with `min` and `max` as decimal strings in the field's units ("1000.00")
 * @param where what to name in errors (a file name)
 * @throws Error saying what was expected and what came: an unknown or missing member, a wrong format tag, a bad id
 *   or version, no fields or too many, a repeated or malformed name, bad decimals, min above max, a field wider than
 *   {@link MAX_FIELD_BITS} bits, or one so wide that the largest valid form on it would make a challenge or a response
 *   above the message limit (`MAX_FITTING_FIELD_BITS` in `./messageLimits`, with the sizes in the message)
 * @example parseSchema(JSON.parse(readFileSync("schemas/default.json", "utf8")), "schemas/default.json")
 */
export function parseSchema(value: unknown, where = "schema"): CreditSchema {
  const file = asObject(value, where, FILE_MEMBERS);
  if (file.format !== SCHEMA_FORMAT) {
    throw new Error(`${where}: expected format "${SCHEMA_FORMAT}", got ${JSON.stringify(file.format)}`);
  }
  if (typeof file.id !== "string" || !ID.test(file.id)) {
    throw new Error(`${where}: expected an id of letters, digits, ".", "_" or "-", got ${JSON.stringify(file.id)}`);
  }
  if (typeof file.version !== "number" || !Number.isSafeInteger(file.version) || file.version < 1) {
    throw new Error(`${where}: expected a version as a positive integer, got ${JSON.stringify(file.version)}`);
  }
  const description = optionalText(file.description, `${where} description`);
  if (!Array.isArray(file.fields) || file.fields.length === 0 || file.fields.length > MAX_SCHEMA_FIELDS) {
    throw new Error(
      `${where}: expected "fields" as an array of 1 to ${MAX_SCHEMA_FIELDS} fields, got ` +
        (Array.isArray(file.fields) ? `${file.fields.length}` : JSON.stringify(file.fields)),
    );
  }
  const seen = new Set<string>();
  const fields = file.fields.map((item: unknown, i: number): CreditField => {
    const at = `${where} field ${i + 1}`;
    const f = asObject(item, at, FIELD_MEMBERS);
    if (typeof f.name !== "string" || !NAME.test(f.name)) {
      throw new Error(`${at}: expected a name of a letter then letters, digits or "_", got ${JSON.stringify(f.name)}`);
    }
    if (seen.has(f.name)) throw new Error(`${at}: expected a new name, got "${f.name}" again`);
    seen.add(f.name);
    const decimals = f.decimals;
    if (typeof decimals !== "number" || !Number.isInteger(decimals) || decimals < 0 || decimals > 18) {
      throw new Error(`${at} (${f.name}): expected decimals from 0 to 18, got ${JSON.stringify(decimals)}`);
    }
    const bound = (v: unknown, what: string) => {
      if (typeof v !== "string")
        throw new Error(`${at} (${f.name}): expected ${what} as a decimal string, got ${JSON.stringify(v)}`);
      return parseScaled(v, decimals, `${at} (${f.name}) ${what}`);
    };
    const field: CreditField = {
      name: f.name,
      description: optionalText(f.description, `${at} description`),
      unit: optionalText(f.unit, `${at} unit`),
      min: bound(f.min, "min"),
      max: bound(f.max, "max"),
      decimals,
    };
    if (field.min > field.max) throw new Error(`${at} (${f.name}): expected min ≤ max, got ${f.min} > ${f.max}`);
    const { bits } = comparisonDomain(field);
    if (bits > MAX_FIELD_BITS) {
      throw new Error(`${at} (${f.name}): expected a range of at most ${MAX_FIELD_BITS} bits, got ${bits}`);
    }
    checkFieldFitsMessages(bits, `${at} (${f.name})`);
    return field;
  });
  const parsed = { id: file.id, version: file.version, description, fields };
  const schema = { ...parsed, hash: keccak256(toUtf8Bytes(canonicalSchemaJson(parsed))) };
  if (!known.has(schema.hash)) known.set(schema.hash, schema);
  return known.get(schema.hash)!;
}

/** Every schema this process has parsed, by hash: content-addressed, so one hash never names two schemas. */
const known = new Map<string, CreditSchema>();

/**
 * The schema with this hash, among those this process has parsed (the default schema always; a consortium's once
 * its file is loaded): how a store reads back records it accepted against its schema.
 * @returns undefined when no parsed schema has this hash
 */
export function knownSchema(hash: string): CreditSchema | undefined {
  return known.get(hash.toLowerCase());
}

/**
 * The canonical JSON of a schema, whose keccak256 is its hash: no whitespace, members sorted by name at every level,
 * fields in the schema's order, `min` and `max` as {@link formatFieldValue} writes them, empty descriptions and
 * units left out. Two files that say the same thing in other spellings ("0.5" and "0.50", reordered members) have the
 * same hash; a change of any field, bound, unit, description, id or version changes it.
 */
export function canonicalSchemaJson(schema: Omit<CreditSchema, "hash">): string {
  const fields = schema.fields.map((f) => ({
    decimals: f.decimals,
    ...(f.description ? { description: f.description } : {}),
    max: formatFieldValue(f, f.max),
    min: formatFieldValue(f, f.min),
    name: f.name,
    ...(f.unit ? { unit: f.unit } : {}),
  }));
  return JSON.stringify({
    ...(schema.description ? { description: schema.description } : {}),
    fields,
    format: SCHEMA_FORMAT,
    id: schema.id,
    version: schema.version,
  });
}

/** A schema's name for people: "id v<version> (hash 0x…)". */
export function describeSchema(schema: {
  readonly id: string;
  readonly version: number | string;
  readonly hash: string;
}): string {
  return `${schema.id} v${schema.version} (hash ${schema.hash})`;
}

/**
 * Checks that a deployment is fixed to `schema`.
 * @param deployed the hash the condition-matching contract holds (`ConditionMatching.schemaHash()`)
 * @throws Error "the deployment: expected schema X (hash …), got schema hash …" when it is another
 */
export function expectDeployedSchema(schema: CreditSchema, deployed: string): void {
  if (deployed.toLowerCase() !== schema.hash.toLowerCase()) {
    throw new Error(
      `the deployment: expected schema ${describeSchema(schema)}, got schema hash ${deployed}: ` +
        "use the consortium's schema file (--schema) or the deployment made with yours",
    );
  }
}

/** The default schema: the six fields of `schemas/default.json`. */
export const DEFAULT_SCHEMA: CreditSchema = parseSchema(DEFAULT_SCHEMA_FILE, "schemas/default.json");

/** The fields of the default schema. */
export const CREDIT_FIELDS: readonly CreditField[] = DEFAULT_SCHEMA.fields;

const byName = new WeakMap<CreditSchema, Map<string, CreditField>>();

/**
 * The field named `name` in `schema` (the default schema when omitted).
 * @throws Error naming the known fields when there is no such field
 */
export function fieldNamed(name: string, schema: CreditSchema = DEFAULT_SCHEMA): CreditField {
  let fields = byName.get(schema);
  if (fields === undefined) byName.set(schema, (fields = new Map(schema.fields.map((f) => [f.name, f]))));
  const field = fields.get(name);
  if (!field) {
    const known = [...fields.keys()];
    const list =
      known.length <= 12 ? known.join(", ") : `${known.slice(0, 12).join(", ")} and ${known.length - 12} more`;
    throw new Error(
      `unknown credit field "${name}" in schema ${schema.id} v${schema.version}: expected one of ${list}`,
    );
  }
  return field;
}

/**
 * Parses a value of `field` from a number, a bigint or a decimal string ("35.5" for a ratio with two
 * decimals), scaled by 10^decimals.
 * @throws Error when the value is not a number with at most `decimals` places, or out of the field's range: it names
 *   the field and the rule, never the value (a credit value is never written to an error or a log)
 * @example parseFieldValue(fieldNamed("debtToIncome"), "35.5") // 3550n
 */
export function parseFieldValue(field: CreditField, value: unknown): bigint {
  let text: string;
  if (typeof value === "bigint") text = value.toString();
  else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
  else if (typeof value === "string") text = value.trim();
  else throw new Error(`${field.name}: expected a number, got ${kindOf(value)}`);
  const scaled = parseScaled(text, field.decimals, field.name, false);
  if (scaled < field.min || scaled > field.max) {
    throw new Error(
      `${field.name}: expected a value between ${formatFieldValue(field, field.min)} and ` +
        `${formatFieldValue(field, field.max)}, got one outside that range`,
    );
  }
  return scaled;
}

/** The human form of a scaled value, e.g. 3550n → "35.50" for a field with two decimals. */
export function formatFieldValue(field: CreditField, scaled: bigint): string {
  if (field.decimals === 0) return scaled.toString();
  const sign = scaled < 0n ? "-" : "";
  const digits = (scaled < 0n ? -scaled : scaled).toString().padStart(field.decimals + 1, "0");
  return `${sign}${digits.slice(0, -field.decimals)}.${digits.slice(-field.decimals)}`;
}

/**
 * The comparison domain of a field: thresholds and values are shifted to [0, 2^bits) with one
 * spare value below `min` and above `max`, so that "more than max" and "less than min" are
 * expressible without leaving the domain.
 */
export function comparisonDomain(field: CreditField): { readonly base: bigint; readonly bits: number } {
  const base = field.min - 1n;
  const top = field.max + 1n - base; // the largest shifted value
  return { base, bits: top.toString(2).length };
}

/**
 * A decimal string scaled by 10^decimals.
 * @param echo whether an error may repeat the text: true for a schema's bounds, false for a credit value (errors are
 *   logged and shown to callers, and a credit value is never written to either)
 */
function parseScaled(text: string, decimals: number, where: string, echo = true): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`${where}: expected a decimal number, got ${echo ? `"${text}"` : "other text"}`);
  const fraction = match[3] ?? "";
  if (fraction.length > decimals) {
    throw new Error(
      `${where}: expected at most ${decimals} decimal places, got ${echo ? `"${text}"` : `${fraction.length}`}`,
    );
  }
  return BigInt(match[1] + match[2] + fraction.padEnd(decimals, "0"));
}

function asObject(value: unknown, where: string, members: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where}: expected an object, got ${describe(value)}`);
  }
  const unknown = Object.keys(value).filter((k) => !members.includes(k));
  if (unknown.length > 0) {
    throw new Error(`${where}: expected only the members ${members.join(", ")}, got "${unknown[0]}"`);
  }
  return value as Record<string, unknown>;
}

function optionalText(value: unknown, where: string): string {
  if (value === undefined) return "";
  if (typeof value !== "string" || value.length > 500) {
    throw new Error(`${where}: expected text of at most 500 characters, got ${describe(value)}`);
  }
  return value;
}

/** What kind of thing a value is, without the value: how errors about credit values describe what came. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function describe(value: unknown): string {
  return value === null
    ? "null"
    : Array.isArray(value)
      ? "an array"
      : typeof value === "object"
        ? "an object"
        : `${typeof value} ${String(value)}`;
}
