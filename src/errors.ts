/**
 * The skeleton every refusal of the library shares: a stable, machine-readable `code`, a message for people that says
 * what was expected and what came, and an optional underlying cause. Each family (`PaillierError`, `DgkError`,
 * `ProofError`, `StoreError`, `SealingError`, …) is a subclass naming its codes; callers branch on `instanceof` and
 * `code`, never on the message. Beside it, what the messages are made with: {@link describeValue} for the "got" part,
 * and the eager argument checks ({@link argumentChecks}) each family binds to its own error.
 * @module
 */

/**
 * An error with a code from a fixed set. Subclass it once per family; the subclass's name becomes the error's `name`.
 * @example
 * export class SealingError extends CodedError<"wrong-key" | "tampered"> {}
 * throw new SealingError("tampered", "expected an authentic blob, got one whose tag does not verify");
 */
export class CodedError<Code extends string> extends Error {
  /** Why the operation was refused; stable across releases. */
  readonly code: Code;

  /**
   * @param code - why the operation was refused
   * @param message - what was expected and what came instead
   * @param options - an optional underlying cause
   */
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A short description of a bigint for error messages: decimal when small, else the first and last hex digits and
 * the bit length, so that a 6144-bit ciphertext does not flood a log.
 *
 * @param x - the value to describe
 * @returns e.g. `"42"`, `"-7"` or `"0x1f3a…9bc2 (3072 bits)"`
 */
export function describeBigInt(x: bigint): string {
  const abs = x < 0n ? -x : x;
  if (abs < 1n << 64n) return x.toString();
  const hex = abs.toString(16);
  const bits = (hex.length - 1) * 4 + parseInt(hex[0], 16).toString(2).length;
  return `${x < 0n ? "-" : ""}0x${hex.slice(0, 6)}…${hex.slice(-6)} (${bits} bits)`;
}

/**
 * A short description of any value for "expected X, got Y" messages.
 *
 * @param value - what the caller passed
 * @returns its type and a truncated rendering, e.g. `number 42` or `string "0xzz"`
 */
export function describeValue(value: unknown): string {
  if (typeof value === "bigint") return `bigint ${describeBigInt(value)}`;
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 37)}…" (${value.length} characters)` : `${value}"`;
    return `string "${shown}`;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === "object") return `object ${value.constructor?.name ?? "Object"}`;
  return `${typeof value} ${String(value)}`;
}

/** Throws unless `value` is a bigint (see {@link argumentChecks}). */
export type AssertBigInt = (value: unknown, what: string) => asserts value is bigint;

/** Throws unless `value` is a safe integer in [min, max] (see {@link argumentChecks}). */
export type AssertInteger = (value: unknown, what: string, min: number, max: number) => asserts value is number;

/**
 * The eager argument checks, each refusing with `refuse("<what>: expected …, got …")`: a family binds them to its own
 * error (`INVALID_ARGUMENT`). Export each with its type annotation (`AssertBigInt`, `AssertInteger`), as TypeScript
 * wants of an assertion function.
 * @example const checks = argumentChecks((message) => new DgkError("INVALID_ARGUMENT", message));
 */
export function argumentChecks(refuse: (message: string) => Error): {
  assertBigInt: AssertBigInt;
  assertInteger: AssertInteger;
} {
  return {
    assertBigInt(value, what) {
      if (typeof value !== "bigint") throw refuse(`${what}: expected a bigint, got ${describeValue(value)}`);
    },
    assertInteger(value, what, min, max) {
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
        throw refuse(`${what}: expected an integer in [${min}, ${max}], got ${describeValue(value)}`);
      }
    },
  };
}
