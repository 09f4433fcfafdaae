/**
 * What every bureau store keeps in a row and how it is checked, whatever the database: the argument checks of the
 * store's calls, the additional data that binds each sealed blob to its row, opening a row (refusing one that was
 * altered, moved or sealed under another key), the deployment's canonical form, the lease arguments, and the rows
 * of the comparison keys reserved to banks.
 *
 * The store core (`./storeCore`) builds on it for every database, so that the same call is refused with the same
 * {@link StoreError} (same code, same message) and a row sealed in one database opens in another: the additional
 * data names no database.
 * @module
 */
import { getAddress } from "ethers";
import { keccak256 } from "../protocol/keccak";
import { MAX_MESSAGE_BYTES, peekMessageHeader } from "../protocol/messages";
import { decodeRecord, RecordError } from "../protocol/records";
import { aadOf, open, seal, SealingError, type SealingKey } from "./sealing";
import {
  StoreError,
  type CheckProgress,
  type OldMessage,
  type StoreDeployment,
  type StoredRecord,
  type StoredReservation,
} from "./store";

/** Domain tags of the additional data, one per sealed column (checks: one per layout of their data). */
const RECORDS_AAD = "blindcredit.bureau.records.v1";
const HEADS_AAD = "blindcredit.bureau.record-heads.v1";
const CHECKS_AAD_V1 = "blindcredit.bureau.checks.v1";
const CHECKS_AAD = "blindcredit.bureau.checks.v2";
const RESERVATIONS_AAD = "blindcredit.bureau.comparison-key-reservations.v1";

/** The longest lease a store grants: a day (an evaluator renews long before). */
export const MAX_LEASE_MS = 86_400_000;

/** A `records` row, as any store reads it (times as numbers, blobs as bytes). */
export interface RecordRow {
  readonly subject: string;
  readonly version: number;
  readonly hash: string;
  readonly provider: string;
  readonly stored_at: number;
  readonly sealed: Uint8Array;
}

/** A `checks` row, as any store reads it. */
export interface CheckRow {
  readonly check_id: string;
  readonly stage: string;
  readonly message_hash: string | null;
  readonly updated_at: number;
  readonly sealed_state: Uint8Array;
  readonly form_hash: string | null;
}

/** A record submission once checked: canonical bytes, its hash, its (checksummed) subject and provider. */
export interface CheckedRecord {
  readonly bytes: Uint8Array;
  readonly hash: string;
  readonly subject: string;
  readonly provider: string;
}

/**
 * Checks the arguments of `putRecord`: the bytes hash to `hash` and are a canonical record of `subject` from
 * `provider`.
 * @throws `RecordError` when the bytes are not a canonical record; {@link StoreError} `invalid-argument` otherwise
 */
export function checkRecord(bytes: Uint8Array, hash: string, subject: string, provider: string): CheckedRecord {
  if (!(bytes instanceof Uint8Array)) {
    throw new StoreError("invalid-argument", `record: expected bytes, got ${describe(bytes)}`);
  }
  const h = readHash(hash, "record hash");
  const s = readAddress(subject, "record subject");
  const p = readAddress(provider, "record provider");
  if (keccak256(bytes) !== h) {
    throw new StoreError(
      "invalid-argument",
      `record: expected bytes hashing to ${h}, got bytes hashing to ${keccak256(bytes)}`,
    );
  }
  const record = decodeRecord(bytes); // a RecordError names what is wrong with the bytes
  if (record.subject !== s) {
    throw new StoreError("invalid-argument", `record: stored for subject ${s}, but it is about ${record.subject}`);
  }
  if (record.provider !== p) {
    throw new StoreError("invalid-argument", `record: stored as from provider ${p}, but it is from ${record.provider}`);
  }
  return { bytes, hash: h, subject: s, provider: p };
}

/** Seals a record's bytes for its row: bound to subject, version, hash, provider and time of storage. */
export function sealRecord(key: SealingKey, record: CheckedRecord, version: number, storedAt: number): Uint8Array {
  return seal(key, record.bytes, recordAad(record.subject, version, record.hash, record.provider, storedAt));
}

/**
 * Opens a record row and checks it against its hash, subject and provider.
 * @throws `SealingError` `tampered` / `wrong-key` naming the row
 */
export function openRecordRow(key: SealingKey, row: RecordRow): StoredRecord {
  const where = `record ${row.subject} version ${row.version}`;
  const bytes = reopen(
    () => open(key, row.sealed, recordAad(row.subject, row.version, row.hash, row.provider, row.stored_at)),
    where,
  );
  if (keccak256(bytes) !== row.hash) {
    throw new SealingError("tampered", `${where}: expected bytes hashing to ${row.hash}, got ${keccak256(bytes)}`);
  }
  let record;
  try {
    record = decodeRecord(bytes);
  } catch (e) {
    throw new RecordError(`${where}: ${(e as Error).message}`, { cause: e });
  }
  if (record.subject !== row.subject || record.provider !== row.provider) {
    throw new SealingError("tampered", `${where}: the row's subject or provider differ from the record's`);
  }
  return { version: row.version, hash: row.hash, bytes, record, storedAt: row.stored_at };
}

/** A `record_heads` row: the newest version the store wrote for a subject, sealed so that it cannot be rewound. */
export interface HeadRow {
  readonly versions: number;
  readonly hash: string;
  readonly sealed: Uint8Array;
}

/**
 * Seals the head of a subject's versions: its newest version and that version's hash, bound to the subject. The
 * store writes it with every version, in the same transaction; a version removed later (the newest included) then
 * no longer matches it.
 */
export function sealHead(key: SealingKey, subject: string, versions: number, hash: string): Uint8Array {
  return seal(key, new Uint8Array(0), aadOf(HEADS_AAD, subject, versions, hash));
}

/**
 * Refuses a subject's history that is not whole: the sealed head (undefined when there is none) must name the
 * newest version stored, and no version below it may be missing (`count` rows stored, `last` the highest version,
 * null for none). The newest version removed is tampering too, not "no record": the store wrote a head naming it.
 * @throws `SealingError` `tampered` when a version or the head was removed, or the head was altered or moved
 */
export function checkVersions(
  key: SealingKey,
  subject: string,
  head: HeadRow | undefined,
  count: number,
  last: number | null,
): void {
  if (head === undefined) {
    if (count === 0) return;
    throw new SealingError(
      "tampered",
      `record ${subject}: ${count} version${count === 1 ? "" : "s"} stored and no head naming the newest: the head was removed`,
    );
  }
  try {
    open(key, head.sealed, aadOf(HEADS_AAD, subject, head.versions, head.hash));
  } catch (e) {
    if (!(e instanceof SealingError)) throw e;
    const code = e.code === "wrong-key" ? "wrong-key" : "tampered";
    throw new SealingError(code, `record ${subject} head: ${e.message}`, { cause: e });
  }
  if (last !== head.versions) {
    throw new SealingError(
      "tampered",
      `record ${subject}: expected versions 1 to ${head.versions} (the newest stored), got ` +
        (last === null ? "none" : `1 to ${last}`) +
        (last === null || last < head.versions ? ": a version was removed" : ": a version was added behind the store"),
    );
  }
  checkGaps(subject, count, last);
}

/**
 * Refuses a subject's history with a gap: `count` rows stored, `last` the highest version (null for none).
 * @throws `SealingError` `tampered` when a version was removed
 */
function checkGaps(subject: string, count: number, last: number | null): void {
  if (count !== (last ?? 0)) {
    throw new SealingError(
      "tampered",
      `record ${subject}: expected versions 1 to ${last}, got ${count} of them: a version was removed`,
    );
  }
}

/** The refusal for a hash the subject has no record with; `count` is how many versions it has. */
export function noRecord(subject: string, hash: string, count: number): StoreError {
  return new StoreError(
    "no-record",
    `subject ${subject}: no credit record with hash ${hash} on file` +
      (count === 0 ? " (none at all)" : ` (${count} other version${count === 1 ? "" : "s"})`),
  );
}

/**
 * The arguments of the query of old messages (`storeCore`), checked.
 * @throws {StoreError} `invalid-argument` when either is not a non-negative safe integer
 */
export function oldMessagesArgs(storedBefore: number, limit: number): [number, number] {
  for (const [value, what] of [
    [storedBefore, "storedBefore"],
    [limit, "limit"],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new StoreError("invalid-argument", `${what}: expected a non-negative safe integer, got ${String(value)}`);
  }
  return [storedBefore, limit];
}

/** A row of the query of old messages (its first bytes as `head`) as an {@link OldMessage}. */
export function oldMessageRow(row: { hash: string; head: Uint8Array; stored_at: number | string }): OldMessage {
  const head = new Uint8Array(row.head);
  return { hash: row.hash, checkId: peekMessageHeader(head)?.checkId, storedAt: Number(row.stored_at) };
}

/**
 * Checks the arguments of `putMessage`: a hash, and bytes no longer than a message may be that hash to it.
 * @returns the hash, lower-case
 * @throws {StoreError} `invalid-argument`
 */
export function checkMessage(hash: string, bytes: Uint8Array): string {
  const h = readHash(hash, "message hash");
  if (!(bytes instanceof Uint8Array)) {
    throw new StoreError("invalid-argument", `message: expected bytes, got ${describe(bytes)}`);
  }
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new StoreError(
      "invalid-argument",
      `message: expected at most ${MAX_MESSAGE_BYTES} bytes, got ${bytes.length}`,
    );
  }
  const actual = keccak256(bytes);
  if (actual !== h) {
    throw new StoreError("invalid-argument", `message: expected bytes hashing to ${h}, got bytes hashing to ${actual}`);
  }
  return h;
}

/**
 * Checks stored message bytes against the hash they are stored under.
 * @throws `SealingError` `tampered` when they no longer hash to it
 */
export function openMessageRow(hash: string, bytes: Uint8Array): Uint8Array {
  const actual = keccak256(bytes);
  if (actual !== hash) {
    throw new SealingError("tampered", `message ${hash}: the stored bytes hash to ${actual}: altered in the database`);
  }
  return new Uint8Array(bytes);
}

/**
 * Checks the arguments of `putCheck` and seals the state for its row.
 * @throws {StoreError} `invalid-argument` for a malformed id, stage, form or message hash, state or time
 */
export function sealCheck(
  key: SealingKey,
  checkId: string,
  progress: CheckProgress & { readonly formHash: string },
): Omit<CheckRow, "form_hash"> & { readonly form_hash: string } {
  const id = readHash(checkId, "check id");
  if (typeof progress !== "object" || progress === null) {
    throw new StoreError("invalid-argument", `check ${id}: expected its progress, got ${describe(progress)}`);
  }
  const stage = readStage(progress.stage);
  if (!(progress.state instanceof Uint8Array)) {
    throw new StoreError("invalid-argument", `check ${id} state: expected bytes, got ${describe(progress.state)}`);
  }
  const formHash = readHash(progress.formHash, "check form hash");
  const messageHash = progress.messageHash === undefined ? null : readHash(progress.messageHash, "check message hash");
  const updatedAt = readTime(progress.updatedAt, `check ${id} updatedAt`);
  const sealed = seal(key, progress.state, checkAad(id, stage, messageHash, updatedAt, formHash));
  return {
    check_id: id,
    stage,
    message_hash: messageHash,
    updated_at: updatedAt,
    sealed_state: sealed,
    form_hash: formHash,
  };
}

/**
 * Opens a check row.
 * @throws `SealingError` `tampered` / `wrong-key` naming the check
 */
export function openCheckRow(key: SealingKey, row: CheckRow): CheckProgress {
  const state = reopen(
    () =>
      open(key, row.sealed_state, checkAad(row.check_id, row.stage, row.message_hash, row.updated_at, row.form_hash)),
    `check ${row.check_id}`,
  );
  return {
    stage: row.stage,
    ...(row.form_hash === null ? {} : { formHash: row.form_hash }),
    state,
    ...(row.message_hash === null ? {} : { messageHash: row.message_hash }),
    updatedAt: row.updated_at,
  };
}

export function recordAad(
  subject: string,
  version: number,
  hash: string,
  provider: string,
  storedAt: number,
): Uint8Array {
  return aadOf(RECORDS_AAD, subject, version, hash, provider, storedAt);
}

/** A check row's additional data; a row kept from schema version 1 (no form hash) keeps its version-1 layout. */
export function checkAad(
  checkId: string,
  stage: string,
  messageHash: string | null,
  updatedAt: number,
  formHash: string | null,
): Uint8Array {
  return formHash === null
    ? aadOf(CHECKS_AAD_V1, checkId, stage, messageHash ?? "", updatedAt)
    : aadOf(CHECKS_AAD, checkId, stage, messageHash ?? "", updatedAt, formHash);
}

/** A `comparison_key_reservations` row, as any store reads it. */
export interface ReservationRow {
  readonly fingerprint: string;
  readonly bank: string;
  readonly expires_at: number;
  readonly sealed_key: Uint8Array;
}

/**
 * Checks the arguments of `putReservation` and seals the key for its row: bound to its fingerprint, bank and expiry.
 * @returns the row, fingerprint lower-case and bank checksummed
 * @throws {StoreError} `invalid-argument` for a malformed fingerprint, bank, expiry or key bytes
 */
export function sealReservation(key: SealingKey, reservation: StoredReservation): ReservationRow {
  if (typeof reservation !== "object" || reservation === null) {
    throw new StoreError("invalid-argument", `reservation: expected one, got ${describe(reservation)}`);
  }
  const fingerprint = readHash(reservation.fingerprint, "reservation fingerprint");
  const bank = readAddress(reservation.bank, "reservation bank");
  const expiresAt = readTime(reservation.expiresAt, "reservation expiresAt");
  if (!(reservation.key instanceof Uint8Array) || reservation.key.length === 0) {
    throw new StoreError(
      "invalid-argument",
      `reservation ${fingerprint} key: expected its bytes, got ${describe(reservation.key)}`,
    );
  }
  const sealed = seal(key, reservation.key, reservationAad(fingerprint, bank, expiresAt));
  return { fingerprint, bank, expires_at: expiresAt, sealed_key: sealed };
}

/**
 * Opens a reservation row: its key's bytes.
 * @throws `SealingError` `tampered` / `wrong-key` naming the reservation
 */
export function openReservationRow(key: SealingKey, row: ReservationRow): Uint8Array {
  return reopen(
    () => open(key, row.sealed_key, reservationAad(row.fingerprint, row.bank, row.expires_at)),
    `comparison key reservation ${row.fingerprint}`,
  );
}

function reservationAad(fingerprint: string, bank: string, expiresAt: number): Uint8Array {
  return aadOf(RESERVATIONS_AAD, fingerprint, bank, expiresAt);
}

/**
 * Checks a time given by the caller: a positive whole number of Unix ms.
 * @throws {StoreError} `invalid-argument`
 */
export function readTime(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new StoreError("invalid-argument", `${what}: expected a positive integer (Unix ms), got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks a bound on a bank's reservations: a whole number ≥ 1.
 * @throws {StoreError} `invalid-argument`
 */
export function readReservationBound(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new StoreError(
      "invalid-argument",
      `reservations per bank: expected a whole number ≥ 1, got ${describe(value)}`,
    );
  }
  return value;
}

/** Checks a deployment and puts it in canonical form: checksummed addresses, contracts sorted by name. */
export function readDeployment(value: StoreDeployment): StoreDeployment {
  if (typeof value !== "object" || value === null) {
    throw new StoreError("invalid-argument", `deployment: expected { chainId, contracts }, got ${describe(value)}`);
  }
  if (typeof value.chainId !== "bigint" || value.chainId <= 0n) {
    throw new StoreError(
      "invalid-argument",
      `deployment chain id: expected a positive bigint, got ${describe(value.chainId)}`,
    );
  }
  if (typeof value.contracts !== "object" || value.contracts === null || Object.keys(value.contracts).length === 0) {
    throw new StoreError(
      "invalid-argument",
      `deployment contracts: expected addresses by name, got ${describe(value.contracts)}`,
    );
  }
  const contracts: Record<string, string> = {};
  for (const name of Object.keys(value.contracts).sort()) {
    contracts[name] = readAddress(value.contracts[name], `deployment contract ${name}`);
  }
  return { chainId: value.chainId, contracts };
}

/** The deployment as kept in `meta` (canonical JSON). */
export function deploymentJson(deployment: StoreDeployment): string {
  const { chainId, contracts } = readDeployment(deployment);
  return JSON.stringify({ chainId: chainId.toString(), contracts });
}

/**
 * The deployment kept in `meta`.
 * @throws {StoreError} `schema` when it is not the JSON {@link deploymentJson} writes
 */
export function parseDeployment(value: string): StoreDeployment {
  try {
    const json = JSON.parse(value) as { chainId: string; contracts: Record<string, string> };
    return { chainId: BigInt(json.chainId), contracts: json.contracts };
  } catch (e) {
    throw new StoreError("schema", `store meta "deployment": expected JSON, got ${describe(value)}`, { cause: e });
  }
}

/**
 * Refuses `given` when the store is bound to another deployment.
 * @throws {StoreError} `deployment`, naming both
 */
export function checkSameDeployment(bound: StoreDeployment, given: StoreDeployment): void {
  if (deploymentJson(bound) !== deploymentJson(given)) {
    throw new StoreError(
      "deployment",
      `the store serves ${describeDeployment(bound)}; it was given ${describeDeployment(given)}`,
    );
  }
}

function describeDeployment({ chainId, contracts }: StoreDeployment): string {
  const names = Object.keys(contracts).sort();
  return `chain ${chainId} (${names.map((name) => `${name} ${contracts[name]}`).join(", ")})`;
}

/**
 * The log cursor kept in `meta`.
 * @throws {StoreError} `schema` when it is not a block number
 */
export function parseLogCursor(value: string): number {
  const block = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(block)) {
    throw new StoreError("schema", `store meta "log_cursor": expected a block number, got ${describe(value)}`);
  }
  return block;
}

/**
 * Checks a log cursor to save.
 * @throws {StoreError} `invalid-argument` when it is not a non-negative safe integer
 */
export function readLogCursor(block: number): number {
  if (typeof block !== "number" || !Number.isSafeInteger(block) || block < 0) {
    throw new StoreError("invalid-argument", `log cursor: expected a block number, got ${describe(block)}`);
  }
  return block;
}

/**
 * Checks a lease owner's name: 1 to 128 characters of [A-Za-z0-9._:@-] (e.g. `host:pid`).
 * @throws {StoreError} `invalid-argument`
 */
export function readOwner(value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9._:@-]{1,128}$/.test(value)) {
    throw new StoreError(
      "invalid-argument",
      `lease owner: expected 1 to 128 characters of [A-Za-z0-9._:@-], got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Checks a lease's length: a whole number of milliseconds from 1 to {@link MAX_LEASE_MS}.
 * @throws {StoreError} `invalid-argument`
 */
export function readLeaseMs(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > MAX_LEASE_MS) {
    throw new StoreError(
      "invalid-argument",
      `lease: expected 1 to ${MAX_LEASE_MS} milliseconds, got ${describe(value)}`,
    );
  }
  return value;
}

/** Opens a row's blob, naming the row in the error. */
function reopen(fn: () => Uint8Array, where: string): Uint8Array {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SealingError) throw new SealingError(e.code, `${where}: ${e.message}`, { cause: e });
    throw e;
  }
}

export function readAddress(value: unknown, what: string): string {
  if (typeof value === "string") {
    try {
      return getAddress(value);
    } catch {
      // fall through to the refusal
    }
  }
  throw new StoreError("invalid-argument", `${what}: expected an address, got ${describe(value)}`);
}

export function readHash(value: unknown, what: string): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new StoreError("invalid-argument", `${what}: expected 32 bytes as 0x-hex, got ${describe(value)}`);
  }
  return value.toLowerCase();
}

export function readStage(value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new StoreError(
      "invalid-argument",
      `check stage: expected 1 to 64 characters of [A-Za-z0-9._-], got ${describe(value)}`,
    );
  }
  return value;
}

/** A value as an error message shows it. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  if (typeof value === "string") return value.length > 80 ? `"${value.slice(0, 77)}…"` : `"${value}"`;
  return `${typeof value} ${String(value)}`;
}
