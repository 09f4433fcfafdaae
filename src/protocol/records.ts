/**
 * The credit record an information provider submits about a subject: its canonical bytes, the hash of those
 * bytes that goes on-chain (`OwnershipJudgment.commitData(subject, CREDIT_RECORD_CATEGORY, recordHash(bytes))`),
 * and strict parsing that accepts only the canonical encoding.
 *
 * The canonical encoding is UTF-8 JSON without whitespace, members sorted by name at every level:
 *
 * ```json
 * {"fields":{"creditScore":"720","debtToIncome":"35.50"},"format":"blindcredit.credit-record.v2",
 *  "issuedAt":1735689600,"provider":"0x…","salt":"0x…","schema":"0x…","subject":"0x…"}
 * ```
 *
 * - addresses in their EIP-55 checksummed form (`getAddress`);
 * - field values as the decimal strings of `formatFieldValue` (two decimals always written for `debtToIncome`);
 * - `issuedAt` in Unix seconds;
 * - `schema`: the hash of the credit schema its fields follow (`CreditSchema.hash`, lower-case hex): a record
 *   against another schema than the reader's is refused by name, before its fields are read;
 * - `salt`: 32 random bytes, lower-case hex. The hash is public (on-chain) and the fields are small: without a
 *   salt, anyone who knows the subject, the provider (the writer of the commit) and roughly when it was issued
 *   could find a credit score by hashing the 551 candidates. With 256 secret bits nothing can be guessed.
 *
 * Same record, same bytes, same hash: the bytes are the record's identity, so the parser refuses every other
 * spelling of the same content (reordered members, whitespace, "35.5" for "35.50", lower-case addresses).
 *
 * A record is the subject's whole record, not a change: the bureau evaluates a check on the one record whose hash
 * the chain holds now for the subject (`OwnershipJudgment.dataHashOf(subject, CREDIT_RECORD_CATEGORY)`) and never
 * merges older versions in, so a provider submits every field a check may ask about, each time.
 * @module
 */
import { randomBytes } from "node:crypto";
import { getAddress, hexlify, keccak256, toUtf8Bytes, ZeroAddress } from "ethers";
import {
  DEFAULT_SCHEMA,
  describeSchema,
  fieldNamed,
  formatFieldValue,
  kindOf,
  knownSchema,
  parseFieldValue,
  type CreditField,
  type CreditSchema,
} from "./schema";

/** The format tag carried by every record. */
export const RECORD_FORMAT = "blindcredit.credit-record.v2";

/** The category under which a record's hash is committed on-chain (`OwnershipJudgment.commitData`). */
export const CREDIT_RECORD_CATEGORY = keccak256(toUtf8Bytes(RECORD_FORMAT));

/** The largest encoded record accepted, in bytes (a record with all six fields takes under 400). */
export const MAX_RECORD_BYTES = 64 * 1024;

/** One provider's statement about one subject at one time. */
export interface CreditRecord {
  /** The subject's address, checksummed. */
  readonly subject: string;
  /** The provider's address, checksummed. */
  readonly provider: string;
  /** When the provider issued it, Unix seconds. */
  readonly issuedAt: number;
  /** 32 random bytes as lower-case 0x-hex, so that the public hash reveals nothing (see the module notes). */
  readonly salt: string;
  /** Field name → value scaled by 10^decimals (see `parseFieldValue`); one or more of the schema's fields. */
  readonly fields: ReadonlyMap<string, bigint>;
  /** The hash of the credit schema the fields follow (the default schema's when omitted in memory). */
  readonly schema?: string;
}

/** Thrown when a record, its bytes or a caller's field input is refused; the message says what and why. */
export class RecordError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RecordError";
  }
}

/** The members of an encoded record, sorted (the canonical order). */
const MEMBERS = ["fields", "format", "issuedAt", "provider", "salt", "schema", "subject"] as const;
const SALT = /^0x[0-9a-f]{64}$/;

/**
 * A new record with a fresh salt from the CSPRNG.
 * @param input.subject, input.provider - addresses in any case; stored checksummed
 * @param input.fields - scaled values (see {@link parseRecordFields} for user input)
 * @param input.issuedAt - Unix seconds; now when omitted
 * @param schema - the credit schema the fields follow (the default schema when omitted)
 * @throws {RecordError} when any part is invalid (see {@link encodeRecord})
 * @example newRecord({ subject, provider, fields: parseRecordFields({ creditScore: "720" }) })
 */
export function newRecord(
  input: {
    subject: string;
    provider: string;
    fields: ReadonlyMap<string, bigint>;
    issuedAt?: number;
  },
  schema: CreditSchema = DEFAULT_SCHEMA,
): CreditRecord {
  const record: CreditRecord = {
    subject: input.subject,
    provider: input.provider,
    issuedAt: input.issuedAt ?? Math.floor(Date.now() / 1000),
    salt: hexlify(randomBytes(32)),
    fields: input.fields,
    schema: schema.hash,
  };
  return normalize(record, schema);
}

/**
 * The canonical bytes of a record (see the module notes). Deterministic: the same record always gives the same
 * bytes, whatever the case of its addresses or the insertion order of its fields.
 * @throws {RecordError} when an address is invalid or zero, `issuedAt` is not a positive integer, the salt is not
 * 32 bytes of hex, or the fields are empty, unknown, not bigints or out of range
 */
export function encodeRecord(record: CreditRecord, schema: CreditSchema = DEFAULT_SCHEMA): Uint8Array {
  return toUtf8Bytes(canonicalJson(normalize(record, schema), schema));
}

/**
 * Parses the canonical bytes of a record, refusing anything else.
 * @throws {RecordError} saying what was expected and what came: oversized, not UTF-8 JSON, not an object, a
 * missing or unexpected member, the wrong format tag, an invalid, zero or non-checksummed address, a bad
 * `issuedAt` or salt, no fields, an unknown field, a value out of range or not in its canonical spelling, or
 * bytes that are not the canonical encoding of what they contain; a record against another schema than `schema`
 * ("expected schema … (hash …), got …")
 * @param schema the schema the record must follow; when omitted, the schema it names, which must be one this process
 *   has parsed (`knownSchema`): how a store reads back the records it accepted
 */
export function decodeRecord(bytes: Uint8Array, schema?: CreditSchema): CreditRecord {
  if (!(bytes instanceof Uint8Array)) throw new RecordError(`record: expected bytes, got ${describe(bytes)}`);
  if (bytes.length > MAX_RECORD_BYTES) {
    throw new RecordError(`record: expected at most ${MAX_RECORD_BYTES} bytes, got ${bytes.length}`);
  }
  let parsed: unknown;
  try {
    // ignoreBOM keeps a byte-order mark in the text, so that JSON.parse refuses it rather than it vanishing
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    // Not the parser's message: it quotes the text around the error, which may be a credit value.
    throw new RecordError("record: expected UTF-8 JSON, got unparsable bytes");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RecordError(`record: expected a JSON object, got ${describe(parsed)}`);
  }
  const json = parsed as Record<string, unknown>;
  for (const key of Object.keys(json)) {
    if (!(MEMBERS as readonly string[]).includes(key)) {
      throw new RecordError(`record: unexpected member "${key}", expected only ${MEMBERS.join(", ")}`);
    }
  }
  for (const key of MEMBERS) {
    if (!(key in json)) throw new RecordError(`record: missing member "${key}"`);
  }
  if (json.format !== RECORD_FORMAT) {
    throw new RecordError(`record: expected format "${RECORD_FORMAT}", got ${describe(json.format)}`);
  }
  const subject = readCanonicalAddress(json.subject, "record subject");
  const provider = readCanonicalAddress(json.provider, "record provider");
  const issuedAt = readIssuedAt(json.issuedAt);
  if (typeof json.salt !== "string" || !SALT.test(json.salt)) {
    throw new RecordError(`record salt: expected 32 bytes as lower-case 0x-hex, got ${describe(json.salt)}`);
  }
  if (schema === undefined) {
    schema = typeof json.schema === "string" ? knownSchema(json.schema) : undefined;
    if (schema === undefined) {
      throw new RecordError(`record: expected the hash of a known credit schema, got ${describe(json.schema)}`);
    }
  }
  if (typeof json.schema !== "string" || json.schema !== schema.hash.toLowerCase()) {
    throw new RecordError(
      `record: expected schema ${describeSchema(schema)}, got schema hash ${describe(json.schema)}`,
    );
  }
  const fields = readEncodedFields(json.fields, schema);
  const record: CreditRecord = { subject, provider, issuedAt, salt: json.salt, fields, schema: json.schema };

  // What remains to differ is spelling: member order, whitespace, escapes, duplicate members.
  const canonical = encodeRecord(record, schema);
  if (!sameBytes(canonical, bytes)) {
    const at = firstDifference(canonical, bytes);
    throw new RecordError(
      `record: expected the canonical encoding (members sorted, no whitespace, ${canonical.length} bytes), ` +
        `got ${bytes.length} bytes differing from it at byte ${at}`,
    );
  }
  return record;
}

/** The hash of a record's bytes: what is committed on-chain under {@link CREDIT_RECORD_CATEGORY}. */
export function recordHash(bytes: Uint8Array): string {
  return keccak256(bytes);
}

/**
 * Turns user input into scaled fields, e.g. `{ creditScore: "720", debtToIncome: "35.5" }` →
 * `Map { creditScore → 720n, debtToIncome → 3550n }`. Values may be decimal strings, numbers or bigints (in the
 * field's human units, see `parseFieldValue`).
 * @throws {RecordError} when the input is not an object, names no field or an unknown one, or a value is not a
 * number with the field's decimals in the field's range
 */
export function parseRecordFields(
  input: Record<string, unknown>,
  schema: CreditSchema = DEFAULT_SCHEMA,
): Map<string, bigint> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new RecordError(`record fields: expected an object of field → value, got ${describe(input)}`);
  }
  const fields = new Map<string, bigint>();
  for (const [name, value] of Object.entries(input)) {
    fields.set(
      name,
      wrap(() => parseFieldValue(fieldNamed(name, schema), value), "record fields"),
    );
  }
  if (fields.size === 0)
    throw new RecordError(`record fields: expected at least one of ${fieldNames(schema)}, got none`);
  return fields;
}

/** Checks every part of an in-memory record and returns it with checksummed addresses and sorted fields. */
function normalize(record: CreditRecord, schema: CreditSchema): CreditRecord {
  if (typeof record !== "object" || record === null) {
    throw new RecordError(`record: expected an object, got ${describe(record)}`);
  }
  const subject = readAddress(record.subject, "record subject");
  const provider = readAddress(record.provider, "record provider");
  const issuedAt = readIssuedAt(record.issuedAt);
  if (typeof record.salt !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(record.salt)) {
    throw new RecordError(`record salt: expected 32 bytes as 0x-hex, got ${describe(record.salt)}`);
  }
  if (!(record.fields instanceof Map)) {
    throw new RecordError(`record fields: expected a Map of field → scaled bigint, got ${describe(record.fields)}`);
  }
  const schemaHash = record.schema ?? schema.hash;
  if (typeof schemaHash !== "string" || schemaHash.toLowerCase() !== schema.hash.toLowerCase()) {
    throw new RecordError(`record: expected schema ${describeSchema(schema)}, got schema hash ${describe(schemaHash)}`);
  }
  if (record.fields.size === 0) {
    throw new RecordError(`record fields: expected at least one of ${fieldNames(schema)}, got none`);
  }
  const fields = new Map<string, bigint>();
  for (const name of [...record.fields.keys()].sort(compareNames)) {
    const value = record.fields.get(name);
    const field = wrap(() => fieldNamed(name, schema), "record fields");
    if (typeof value !== "bigint")
      throw new RecordError(`record fields: ${name}: expected a bigint, got ${kindOf(value)}`);
    if (value < field.min || value > field.max) {
      throw new RecordError(
        `record fields: ${name}: expected a scaled value between ${field.min} and ${field.max}, got one outside that range`,
      );
    }
    fields.set(name, value);
  }
  return { subject, provider, issuedAt, salt: record.salt.toLowerCase(), fields, schema: schema.hash.toLowerCase() };
}

/** The canonical JSON text of a normalized record: members in {@link MEMBERS} order, fields sorted. */
function canonicalJson(record: CreditRecord, schema: CreditSchema): string {
  const fields: Record<string, string> = {};
  for (const [name, value] of record.fields) fields[name] = formatFieldValue(fieldNamed(name, schema), value);
  // insertion order is the output order (no member name is an integer), so this literal is the sort
  return JSON.stringify({
    fields,
    format: RECORD_FORMAT,
    issuedAt: record.issuedAt,
    provider: record.provider,
    salt: record.salt,
    schema: record.schema,
    subject: record.subject,
  });
}

function readEncodedFields(value: unknown, schema: CreditSchema): Map<string, bigint> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RecordError(`record fields: expected an object of field → decimal string, got ${describe(value)}`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) {
    throw new RecordError(`record fields: expected at least one of ${fieldNames(schema)}, got none`);
  }
  const fields = new Map<string, bigint>();
  for (const [name, text] of entries.sort(([a], [b]) => compareNames(a, b))) {
    const field = wrap(() => fieldNamed(name, schema), "record fields");
    if (typeof text !== "string") {
      throw new RecordError(`record fields: ${name}: expected a decimal string, got ${kindOf(text)}`);
    }
    const scaled = wrap(() => parseFieldValue(field, text), "record fields");
    const canonical = formatFieldValue(field, scaled);
    if (text !== canonical) {
      throw new RecordError(
        `record fields: ${name}: expected the canonical spelling (${spellingOf(field)}), got another spelling`,
      );
    }
    fields.set(name, scaled);
  }
  return fields;
}

/** How a field's values are spelled canonically, without a value: for errors. */
function spellingOf(field: CreditField): string {
  const places = field.decimals === 0 ? "no decimal point" : `exactly ${field.decimals} decimal places`;
  return `no "+", no leading zeros, ${places}`;
}

function readAddress(value: unknown, what: string): string {
  if (typeof value !== "string") throw new RecordError(`${what}: expected an address, got ${describe(value)}`);
  let address: string;
  try {
    address = getAddress(value);
  } catch {
    throw new RecordError(`${what}: expected an address (0x and 40 hex digits, valid checksum), got "${value}"`);
  }
  if (address === ZeroAddress) throw new RecordError(`${what}: expected a non-zero address, got ${address}`);
  return address;
}

function readCanonicalAddress(value: unknown, what: string): string {
  const address = readAddress(value, what);
  if (value !== address) throw new RecordError(`${what}: expected the checksummed form ${address}, got "${value}"`);
  return address;
}

function readIssuedAt(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new RecordError(`record issuedAt: expected a positive integer (Unix seconds), got ${describe(value)}`);
  }
  return value;
}

/** Runs a schema function, turning its plain Error into a RecordError under `where`. */
function wrap<T>(fn: () => T, where: string): T {
  try {
    return fn();
  } catch (e) {
    throw new RecordError(`${where}: ${(e as Error).message}`, { cause: e });
  }
}

/** Code-unit order, the order `Array.prototype.sort` gives strings (locale-independent). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fieldNames(schema: CreditSchema): string {
  const names = schema.fields.map((f) => f.name);
  return names.length <= 12 ? names.join(", ") : `${names.slice(0, 12).join(", ")} and ${names.length - 12} more`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  if (typeof value === "string") return value.length > 80 ? `"${value.slice(0, 77)}…"` : `"${value}"`;
  return `${typeof value} ${String(value)}`;
}
