/**
 * Argument checks and the strict JSON reading shared by the proofs.
 *
 * Proof JSON is canonical and read strictly: an object with exactly the documented members, numbers as "0x" and
 * exactly the documented number of lowercase hex digits (fixed width, the width of the modulus they live under),
 * flags as the JSON numbers 0 or 1, lists of exactly the expected length. Anything else is refused with
 * `PROOF_FORMAT` and a message saying what was expected and what came.
 *
 * @module
 */

import { toFixedHex } from "../paillier/arith";
import { describeValue } from "../paillier/errors";
import { ProofError, type ProofErrorCode } from "./errors";

/** The largest context accepted, in bytes. */
export const MAX_CONTEXT_BYTES = 64 * 1024;

/**
 * Throws unless `context` is a Uint8Array of at most {@link MAX_CONTEXT_BYTES} bytes.
 *
 * @param context - the argument
 * @param what - its name in messages
 * @throws {ProofError} `INVALID_ARGUMENT`
 */
export function checkContext(context: unknown, what: string): asserts context is Uint8Array {
  if (!(context instanceof Uint8Array)) {
    throw new ProofError("INVALID_ARGUMENT", `${what}: expected a Uint8Array, got ${describeValue(context)}`);
  }
  if (context.length > MAX_CONTEXT_BYTES) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `${what}: expected at most ${MAX_CONTEXT_BYTES} bytes, got ${context.length} bytes`,
    );
  }
}

/**
 * Parses JSON text if given text, else returns the value as is.
 *
 * @param input - JSON text or an already parsed value
 * @param what - its name in messages
 * @param maxLength - the longest text accepted
 * @returns the parsed value
 * @throws {ProofError} `PROOF_FORMAT` for text that is too long or does not parse
 */
export function parseJsonInput(input: unknown, what: string, maxLength: number): unknown {
  if (typeof input !== "string") return input;
  if (input.length > maxLength) {
    throw new ProofError("PROOF_FORMAT", `${what}: expected at most ${maxLength} characters of JSON, got more`);
  }
  try {
    return JSON.parse(input);
  } catch (err) {
    throw new ProofError("PROOF_FORMAT", `${what}: expected JSON, got text that does not parse`, { cause: err });
  }
}

/**
 * Reads an object with exactly the given members.
 *
 * @param value - the candidate
 * @param members - the members, all required, no others allowed
 * @param what - its name in messages
 * @param code - the error code to throw
 * @returns the object
 * @throws {ProofError} `code` when `value` is not such an object
 */
export function readObject(
  value: unknown,
  members: readonly string[],
  what: string,
  code: ProofErrorCode = "PROOF_FORMAT",
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProofError(code, `${what}: expected an object, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const member of Object.keys(record)) {
    if (!members.includes(member)) {
      throw new ProofError(
        code,
        `${what}: expected only the members ${members.join(", ")}, got an unexpected member "${member.slice(0, 40)}"`,
      );
    }
  }
  for (const member of members) {
    if (record[member] === undefined) throw new ProofError(code, `${what}: expected a member "${member}", got none`);
  }
  return record;
}

/**
 * Reads a list of exactly `length` entries, or of `min` to `max` entries.
 *
 * @param value - the candidate
 * @param what - its name in messages
 * @param min - the fewest entries accepted
 * @param max - the most entries accepted
 * @param code - the error code to throw
 * @returns the list
 * @throws {ProofError} `code` when `value` is not an array of an accepted length
 */
export function readArray(
  value: unknown,
  what: string,
  min: number,
  max: number,
  code: ProofErrorCode = "PROOF_FORMAT",
): readonly unknown[] {
  if (!Array.isArray(value)) throw new ProofError(code, `${what}: expected an array, got ${describeValue(value)}`);
  if (value.length < min || value.length > max) {
    const expected = min === max ? `exactly ${min}` : `${min} to ${max}`;
    throw new ProofError(code, `${what}: expected ${expected} entries, got ${value.length}`);
  }
  return value;
}

const LOWER_HEX_RE = /^0x[0-9a-f]*$/;

/**
 * Reads a fixed-width number: "0x" and exactly 2·width lowercase hex digits.
 *
 * @param value - the candidate
 * @param what - its name in messages
 * @param width - the width in bytes
 * @returns the value
 * @throws {ProofError} `PROOF_FORMAT` when `value` is not such a string
 */
export function readFixedHex(value: unknown, what: string, width: number): bigint {
  const digits = 2 * width;
  if (typeof value !== "string" || !LOWER_HEX_RE.test(value)) {
    throw new ProofError(
      "PROOF_FORMAT",
      `${what}: expected "0x" and ${digits} lowercase hex digits, got ${describeValue(value)}`,
    );
  }
  if (value.length !== digits + 2) {
    throw new ProofError(
      "PROOF_FORMAT",
      `${what}: expected "0x" and exactly ${digits} lowercase hex digits, got ${value.length - 2} digits`,
    );
  }
  return BigInt(value);
}

/**
 * Reads a flag: the JSON number 0 or 1.
 *
 * @param value - the candidate
 * @param what - its name in messages
 * @returns 0 or 1
 * @throws {ProofError} `PROOF_FORMAT` for anything else
 */
export function readFlag(value: unknown, what: string): 0 | 1 {
  if (value !== 0 && value !== 1) {
    throw new ProofError("PROOF_FORMAT", `${what}: expected the number 0 or 1, got ${describeValue(value)}`);
  }
  return value;
}

const SIGNED_HEX_RE = /^-?0x[0-9a-f]*$/;

/**
 * Reads a signed fixed-width number: an optional "-", "0x" and exactly 2·width lowercase hex digits (the magnitude).
 * "-0x00…0" is refused: zero has one form.
 *
 * @param value - the candidate
 * @param what - its name in messages
 * @param width - the width of the magnitude in bytes
 * @returns the value
 * @throws {ProofError} `PROOF_FORMAT` when `value` is not such a string
 */
export function readSignedFixedHex(value: unknown, what: string, width: number): bigint {
  const digits = 2 * width;
  if (typeof value !== "string" || !SIGNED_HEX_RE.test(value)) {
    throw new ProofError(
      "PROOF_FORMAT",
      `${what}: expected an optional "-", "0x" and ${digits} lowercase hex digits, got ${describeValue(value)}`,
    );
  }
  const negative = value.startsWith("-");
  const magnitude = readFixedHex(negative ? value.slice(1) : value, what, width);
  if (negative && magnitude === 0n)
    throw new ProofError("PROOF_FORMAT", `${what}: expected 0 without a sign, got "-0x…0"`);
  return negative ? -magnitude : magnitude;
}

/**
 * Writes a signed number as {@link readSignedFixedHex} reads it.
 *
 * @param x - the value, |x| < 2^(8·width)
 * @param width - the width of the magnitude in bytes
 * @returns "-0x…" or "0x…" with exactly 2·width digits
 */
export function toSignedFixedHex(x: bigint, width: number): string {
  return x < 0n ? `-${toFixedHex(-x, width)}` : toFixedHex(x, width);
}
