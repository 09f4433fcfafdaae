/**
 * The schema of credit fields a condition form may name: each field's range and decimals.
 * The bureau validates provider data against it; the bank validates its conditions against it;
 * the comparison protocol sizes its bit decompositions from it.
 * @module
 */

/** One credit field. Values are integers scaled by 10^decimals (fixed point for ratios). */
export interface CreditField {
  /** The name used in forms and records. */
  readonly name: string;
  /** What it measures, for people. */
  readonly description: string;
  /** Smallest value, scaled. */
  readonly min: bigint;
  /** Largest value, scaled. */
  readonly max: bigint;
  /** Decimal places of the fixed-point representation (0 for integers). */
  readonly decimals: number;
}

/** The credit fields BlindCredit knows. */
export const CREDIT_FIELDS: readonly CreditField[] = [
  { name: "creditScore", description: "credit score", min: 300n, max: 850n, decimals: 0 },
  { name: "annualIncome", description: "annual income, whole currency units", min: 0n, max: 10_000_000n, decimals: 0 },
  {
    name: "defaultsFiveYears",
    description: "number of defaults in the last five years",
    min: 0n,
    max: 100n,
    decimals: 0,
  },
  {
    name: "debtToIncome",
    description: "debt-to-income ratio, percent (two decimals)",
    min: 0n,
    max: 100_000n,
    decimals: 2,
  },
  { name: "yearsOfHistory", description: "years of credit history", min: 0n, max: 100n, decimals: 0 },
  { name: "bankruptcy", description: "a bankruptcy on record: 0 no, 1 yes", min: 0n, max: 1n, decimals: 0 },
];

const BY_NAME = new Map(CREDIT_FIELDS.map((f) => [f.name, f]));

/**
 * The field named `name`.
 * @throws Error naming the known fields when there is no such field
 */
export function fieldNamed(name: string): CreditField {
  const field = BY_NAME.get(name);
  if (!field) throw new Error(`unknown credit field "${name}": expected one of ${[...BY_NAME.keys()].join(", ")}`);
  return field;
}

/**
 * Parses a value of `field` from a number, a bigint or a decimal string ("35.5" for a ratio with two
 * decimals), scaled by 10^decimals.
 * @throws Error when the value is not a number with at most `decimals` places, or out of the field's range
 * @example parseFieldValue(fieldNamed("debtToIncome"), "35.5") // 3550n
 */
export function parseFieldValue(field: CreditField, value: unknown): bigint {
  let text: string;
  if (typeof value === "bigint") text = value.toString();
  else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
  else if (typeof value === "string") text = value.trim();
  else throw new Error(`${field.name}: expected a number, got ${describe(value)}`);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`${field.name}: expected a decimal number, got "${text}"`);
  const fraction = match[3] ?? "";
  if (fraction.length > field.decimals) {
    throw new Error(`${field.name}: expected at most ${field.decimals} decimal places, got "${text}"`);
  }
  const scaled = BigInt(match[1] + match[2] + fraction.padEnd(field.decimals, "0"));
  if (scaled < field.min || scaled > field.max) {
    throw new Error(
      `${field.name}: expected a value between ${formatFieldValue(field, field.min)} and ` +
        `${formatFieldValue(field, field.max)}, got ${text}`,
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

function describe(value: unknown): string {
  return value === null ? "null" : typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
