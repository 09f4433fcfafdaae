/**
 * The bureau's storage, as the service sees it: credit records (sealed, append-only), the protocol's public
 * message board, the evaluator's per-check progress (sealed), and the comparison keys reserved to banks (sealed),
 * with transactions across them.
 *
 * Every method is asynchronous so that a server database can serve it too: the store is written once
 * (`./storeCore`) over a driver per database (`./storeDriver`): the embedded default `openSqliteStore` in
 * `./sqliteStore`, the server one `openPostgresStore` in `./postgresStore`; `openStore` in `./openStore` picks one
 * from a path or a URL, and `storeCapabilities` there says what the store can do before it is opened.
 *
 * Errors, for whoever maps them to HTTP statuses or alarms:
 * - `SealingError` (`./sealing`) means stored data failed its integrity check: `tampered` (a sealed blob or a
 *   stored message was altered, moved to another row, or a record version is missing) or `wrong-key` (the store
 *   or a row was sealed under another key). Never retry, never skip: raise an alarm.
 * - {@link StoreError} is everything else: a bad argument, no record with a given hash, a closed store, a schema
 *   from a newer release, a store bound to another deployment, a transaction misused.
 * - `RecordError` (`protocol/records`) when record bytes given to {@link BureauStoreOps.putRecord} are not canonical.
 * @module
 */
import { CodedError } from "../errors";
import type { CreditRecord } from "../protocol/records";
import type { CheckLeases } from "./leases";

/**
 * Why the store refused.
 *
 * - `invalid-argument`: a malformed address, hash, check id or stage; a hash that does not match its bytes; a record
 *   whose subject or provider differ from the ones given.
 * - `no-record`: the bureau holds no record of the subject with the hash asked for.
 * - `closed`: the store was used after `close()`.
 * - `schema`: the database was written by a newer release, or is not a bureau database.
 * - `deployment`: the store serves another deployment (chain id or contract addresses) than the one given.
 * - `transaction`: the store itself was used inside `transaction()` (use the handle passed to the callback), or
 *   a handle was used after its transaction ended.
 * - `locked`: another bureau process serves this SQLite file (`./storeLock`).
 */
export type StoreErrorCode =
  | "invalid-argument"
  | "no-record"
  | "closed"
  | "schema"
  | "deployment"
  | "transaction"
  | "locked";

/** Thrown by the store when it refuses a call; branch on `code`, the message is for people. */
export class StoreError extends CodedError<StoreErrorCode> {}

/** One stored version of a subject's record. */
export interface StoredRecord {
  /** 1 for the subject's first record, then 2, 3… with no gaps. */
  readonly version: number;
  /** keccak256 of `bytes`: the on-chain commitment (lower-case 0x-hex). */
  readonly hash: string;
  /** The canonical bytes, as submitted (for audits against the chain). */
  readonly bytes: Uint8Array;
  /** The decoded record. */
  readonly record: CreditRecord;
  /** When the bureau stored it, Unix milliseconds. */
  readonly storedAt: number;
}

/** What {@link BureauStoreOps.putRecord} did. */
export interface PutRecordResult {
  /** The version holding the record: new, or the existing one when the hash was stored before. */
  readonly version: number;
  /** False when the subject already had a record with this hash (nothing was written). */
  readonly created: boolean;
}

/**
 * The deployment a store serves: the chain and the suite's contracts. A store is bound to the first one it is
 * started against ({@link BureauStore.bindDeployment}); its records, journal and log cursor mean nothing elsewhere.
 */
export interface StoreDeployment {
  /** The chain id. */
  readonly chainId: bigint;
  /** The suite's contract addresses by contract name (e.g. `ConditionMatching`). */
  readonly contracts: Readonly<Record<string, string>>;
}

/** Where the evaluator stands in one check, kept so that a restart loses nothing. */
export interface CheckProgress {
  /** A name the service chooses for its stage, e.g. "challenged" (1 to 64 characters of [A-Za-z0-9._-]). */
  readonly stage: string;
  /**
   * keccak256 of the check's form when the progress was written: a check re-mined with the same id after a
   * reorganisation (with another form) does not meet this progress. Always written; absent only on a row kept from
   * schema version 1, which had no such column.
   */
  readonly formHash?: string;
  /** The bureau's secret state (its comparison shares), serialised by the service; sealed at rest. */
  readonly state: Uint8Array;
  /** keccak256 of the last message the bureau published for this check, when there is one. */
  readonly messageHash?: string;
  /** When this progress was written, Unix milliseconds. */
  readonly updatedAt: number;
}

/** Counts for the metrics endpoint. */
export interface StoreStats {
  /** Subjects with at least one record. */
  readonly subjects: number;
  /** Record versions, all subjects. */
  readonly records: number;
  /** Messages on the board. */
  readonly messages: number;
  /** Checks in progress, by stage. */
  readonly checksByStage: Readonly<Record<string, number>>;
}

/** A stored message, as {@link BureauStore.oldMessages} lists it. */
export interface OldMessage {
  /** Its keccak256. */
  readonly hash: string;
  /** The check its header names, lower-case 0x-hex, when it names one. */
  readonly checkId: string | undefined;
  /** When it was stored, Unix milliseconds. */
  readonly storedAt: number;
}

/** What can be done on the store and inside a transaction. Addresses in any case; hashes and ids as 0x-hex. */
export interface BureauStoreOps {
  /**
   * Appends `bytes` as the subject's next record version, sealed. Idempotent: a hash the subject already has is
   * not stored again and its version is returned.
   * @param hash - keccak256 of `bytes`, checked
   * @param subject, provider - must be the record's own (the bytes are decoded and compared)
   * @throws `RecordError` when `bytes` is not a canonical record; {@link StoreError} `invalid-argument` when the
   * hash, subject or provider do not match it
   */
  putRecord(bytes: Uint8Array, hash: string, subject: string, provider: string): Promise<PutRecordResult>;

  /**
   * The fields of the subject's record whose hash is `hash`, opened and checked. The caller passes the hash the
   * chain holds now for the subject (`OwnershipJudgment.dataHashOf`): older versions are never merged in, so the
   * record a provider commits must carry every field of the subject it reports.
   * @throws {StoreError} `no-record` when the bureau holds no record of the subject with that hash;
   * `SealingError` `tampered` / `wrong-key` when that row fails its check, or a version of the subject was removed
   *   (the newest included: the store keeps a sealed head naming each subject's newest version, so a hash the chain
   *   holds whose version was deleted is tampering, never `no-record`), or the head was removed or altered
   */
  valuesOf(subject: string, hash: string): Promise<Map<string, bigint>>;

  /**
   * Stores a public protocol message under its keccak256; storing it again is a no-op.
   * @throws {StoreError} `invalid-argument` when `hash` is not keccak256(`bytes`) or the message is oversized
   */
  putMessage(hash: string, bytes: Uint8Array): Promise<void>;

  /**
   * The message whose keccak256 is `hash`, or undefined when there is none.
   * @throws `SealingError` `tampered` when the stored bytes no longer hash to `hash`
   */
  getMessage(hash: string): Promise<Uint8Array | undefined>;

  /**
   * Writes (or replaces) a check's progress; its state is sealed and bound to the check id and form hash.
   * @throws {StoreError} `invalid-argument` for a malformed id, stage, form or message hash, state or time
   */
  putCheck(checkId: string, progress: CheckProgress & { readonly formHash: string }): Promise<void>;

  /**
   * A check's progress, or undefined when there is none.
   * @throws `SealingError` `tampered` / `wrong-key` when the row fails its check
   */
  getCheck(checkId: string): Promise<CheckProgress | undefined>;

  /** Forgets a check's progress; true when there was some. */
  deleteCheck(checkId: string): Promise<boolean>;

  /**
   * Whether `owner` holds a lease in force on the check (`./leases`). Inside a {@link BureauStore.transaction} it
   * guards the writes made with it: on PostgreSQL it locks the lease row until the transaction ends, so that no
   * other owner can claim the check between this answer and the commit (a claim waits, then finds the lease as the
   * transaction left it); SQLite serves one process, whose transactions run one at a time.
   * @example await store.transaction(async (tx) => { if (await tx.holdsLease(id, me)) await tx.putCheck(id, p); })
   * @throws {StoreError} `invalid-argument` for a malformed check id or owner
   */
  holdsLease(checkId: string, owner: string): Promise<boolean>;
}

/** A comparison key reserved to a bank, as {@link ComparisonKeyReservations.putReservation} stores it. */
export interface StoredReservation {
  /** The key's fingerprint (`DgkPublicKey.fingerprint`: 0x and 64 hex digits). */
  readonly fingerprint: string;
  /** The bank it is reserved to (an address, in any case). */
  readonly bank: string;
  /** Until when it may be claimed, Unix ms (the caller's clock). */
  readonly expiresAt: number;
  /** The private key, serialised by the caller; sealed at rest, bound to the fingerprint, bank and expiry. */
  readonly key: Uint8Array;
}

/**
 * The reservations of comparison keys (`./comparisonKeys`), kept in the store so that every bureau process sharing it
 * honours a reservation another one made, and a restart keeps them. Times are the caller's clock, Unix ms (the key
 * pool's, which tells the bank the expiry it reserves until). Every call commits on its own. A bank is an address in
 * any case; a fingerprint is 0x and 64 hex digits.
 */
export interface ComparisonKeyReservations {
  /**
   * Stores `reservation` unless its bank holds `perBank` unexpired reservations already (counted, and the row written,
   * while other processes reserving for the same bank wait: they cannot pass the bound together).
   * @returns true when stored, false when the bank holds `perBank` already
   * @throws {StoreError} `invalid-argument` for a malformed fingerprint, bank, time, bound or key bytes; the database's
   *   error for a fingerprint stored already
   */
  putReservation(reservation: StoredReservation, now: number, perBank: number): Promise<boolean>;

  /**
   * Takes the reservation `fingerprint` of `bank`, unexpired at `now`, for one check: the row is deleted and its key
   * returned. Of several takers of one reservation (in any process) exactly one gets it.
   * @returns the key's bytes as stored, or undefined when no such reservation is the bank's (never made, another
   *   bank's, taken already, released, or expired)
   * @throws {StoreError} `invalid-argument` for a malformed fingerprint, bank or time; `SealingError` `tampered` /
   *   `wrong-key` when the row fails its check (its key, bank or expiry altered, or its blob moved): it is then kept
   */
  takeReservation(fingerprint: string, bank: string, now: number): Promise<Uint8Array | undefined>;

  /**
   * How many unexpired reservations `bank` holds at `now`.
   * @throws {StoreError} `invalid-argument` for a malformed bank or time
   */
  countReservations(bank: string, now: number): Promise<number>;

  /**
   * Deletes the reservation `fingerprint` if it is `bank`'s (expired or not); true when there was one.
   * @throws {StoreError} `invalid-argument` for a malformed fingerprint or bank
   */
  dropReservation(fingerprint: string, bank: string): Promise<boolean>;

  /**
   * Deletes every reservation expired at `now`; returns how many it deleted.
   * @throws {StoreError} `invalid-argument` for a malformed time
   */
  deleteExpiredReservations(now: number): Promise<number>;
}

/**
 * The bureau's store, with leases on checks for several evaluators sharing it (`./leases`), and the comparison keys
 * reserved to banks.
 */
export interface BureauStore extends BureauStoreOps, CheckLeases, ComparisonKeyReservations {
  /**
   * Runs `fn` in one transaction: everything it writes through `tx` is stored together, or nothing is when it
   * throws (the error is rethrown). Calls on the store itself wait until the transaction ends; calling the store
   * (not `tx`) from inside `fn` is refused with {@link StoreError} `transaction`, since it would wait forever.
   */
  transaction<T>(fn: (tx: BureauStoreOps) => Promise<T>): Promise<T>;

  /** Counts for the metrics endpoint. */
  stats(): Promise<StoreStats>;

  /**
   * Messages stored before `storedBefore` (Unix ms), oldest first, with the check their header names (undefined for
   * bytes that name none): the candidates for pruning once their check has finished.
   * @throws {StoreError} `invalid-argument` when `storedBefore` or `limit` is not a non-negative safe integer
   */
  oldMessages(storedBefore: number, limit: number): Promise<OldMessage[]>;

  /**
   * Deletes the messages with these hashes (those it has); returns how many it deleted.
   * @throws {StoreError} `invalid-argument` for a malformed hash
   */
  deleteMessages(hashes: readonly string[]): Promise<number>;

  /** The deployment the store is bound to, or undefined before its first start. */
  deployment(): Promise<StoreDeployment | undefined>;

  /**
   * Binds the store to `deployment` when it is bound to none; otherwise checks that it is the same one.
   * @throws {StoreError} `deployment` when the store serves another deployment (the message names both);
   * `invalid-argument` for a malformed chain id or address
   */
  bindDeployment(deployment: StoreDeployment): Promise<void>;

  /** The block the evaluator resumes reading logs from, or undefined when it never saved one. */
  logCursor(): Promise<number | undefined>;

  /**
   * Saves the block the evaluator resumes reading logs from.
   * @throws {StoreError} `invalid-argument` when `block` is not a non-negative safe integer
   */
  setLogCursor(block: number): Promise<void>;

  /** Waits for a running transaction, then closes; later calls throw {@link StoreError} `closed`. */
  close(): Promise<void>;
}
