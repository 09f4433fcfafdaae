/**
 * The bureau's store, written once over any database a driver (`./storeDriver`) connects to: the schema and its one
 * migration history, the statements, and the operations of {@link BureauStore}. The drivers are `./sqliteStore`
 * (embedded, the default) and `./postgresStore` (a server several bureau processes share); `./openStore` picks one
 * from a location.
 *
 * What is sealed (AES-256-GCM, each blob bound to its row by additional data that names no database, `./storeRows`):
 * record bytes (bound to subject, version, hash, provider and time of storage), check states (bound to check id,
 * stage, message hash, time of update and form hash), each subject's head, and the private part of each comparison
 * key reserved to a bank (bound to its fingerprint, bank and expiry). What is not: subjects, providers and
 * record hashes (all public on-chain), stages, form hashes, and the protocol's messages (public ciphertexts,
 * verified against their hash on every read). The sealing key's id is kept in `meta`; the key itself never is.
 *
 * `meta` holds `sealing_key_id` and `created_at` (written on creation), `deployment` (the chain id and contract
 * addresses the store serves, JSON, written on the service's first start), `log_cursor` (the block the evaluator
 * resumes reading logs from, decimal), and on databases that keep no version of their own `schema_version`.
 *
 * Schema version 5 (the driver keeps the number: SQLite in `PRAGMA user_version`, PostgreSQL in `meta`), with the
 * dialect's types (bytes: BLOB or BYTEA; 64-bit integers: INTEGER or BIGINT):
 *
 * ```sql
 * CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
 * CREATE TABLE records (
 *   subject   TEXT    NOT NULL,                      -- checksummed address
 *   version   INTEGER NOT NULL CHECK (version >= 1), -- 1, 2, 3… per subject
 *   hash      TEXT    NOT NULL,                      -- keccak256 of the record bytes, lower-case 0x-hex
 *   provider  TEXT    NOT NULL,                      -- checksummed address
 *   stored_at int64   NOT NULL,                      -- Unix ms
 *   sealed    bytes   NOT NULL,                      -- seal(record bytes, aad(subject, version, hash, provider, stored_at))
 *   PRIMARY KEY (subject, version), UNIQUE (subject, hash));
 * -- triggers: append-only (the dialect's)
 * CREATE TABLE messages (hash TEXT PRIMARY KEY, bytes bytes NOT NULL, stored_at int64 NOT NULL);
 * CREATE TABLE checks (
 *   check_id     TEXT PRIMARY KEY,                   -- bytes32, lower-case 0x-hex
 *   stage        TEXT NOT NULL,
 *   message_hash TEXT,
 *   updated_at   int64 NOT NULL,                     -- Unix ms, as given
 *   sealed_state bytes NOT NULL,                     -- seal(state, aad(check_id, stage, message_hash, updated_at[, form_hash]))
 *   form_hash    TEXT);                              -- the check's form when written (version 2), lower-case 0x-hex
 * CREATE INDEX checks_by_stage ON checks (stage, updated_at);
 * CREATE TABLE leases (check_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at int64 NOT NULL);  -- version 3
 * CREATE TABLE record_heads (                        -- version 4
 *   subject  TEXT PRIMARY KEY, versions INTEGER NOT NULL CHECK (versions >= 1), hash TEXT NOT NULL,
 *   sealed   bytes NOT NULL);                        -- seal(nothing, aad(subject, versions, hash))
 * CREATE TABLE comparison_key_reservations (         -- version 5
 *   fingerprint TEXT PRIMARY KEY,                    -- the DGK public key's, lower-case 0x-hex
 *   bank        TEXT  NOT NULL,                      -- checksummed address
 *   expires_at  int64 NOT NULL,                      -- Unix ms, the reserving process's clock
 *   sealed_key  bytes NOT NULL);                     -- seal(private key JSON, aad(fingerprint, bank, expires_at))
 * ```
 *
 * Migration 1 → 2 adds `checks.form_hash`. Rows written by version 1 keep working: their `form_hash` stays NULL and
 * their state stays sealed under the version-1 additional data (without a form hash); they are returned without a
 * `formHash`, and the journal takes such a row as the current form's (see `StoreJournal`). Every row written since
 * carries its form hash. Migration 2 → 3 adds `leases`. Migration 3 → 4 adds `record_heads`, written with every
 * record version in its transaction, and makes each subject's head from its newest stored version: a version
 * removed after that, the newest included, is tampering (`checkVersions` in `./storeRows`). Migration 4 → 5 adds
 * `comparison_key_reservations`, empty: the reservations made before lived in their process's memory, and went with
 * the process that stopped for the upgrade. A new database is created, and an older one migrated, in one
 * transaction that other processes opening it wait for.
 *
 * Calls are served in order, one at a time (`./callQueue`), so that a call made while a transaction runs sees all
 * of it or (when made before it) none of it. Leases are timed by the store's clock (`SqlDialect.nowMs`); reservations
 * by the caller's (the key pool's, which tells the bank the expiry it reserves until).
 * @module
 */
import { MESSAGE_HEADER_BYTES } from "../protocol/messages";
import { CallQueue, guarded } from "./callQueue";
import type { CheckLease } from "./leases";
import { SealingError, sealingKeyId, SealingKey } from "./sealing";
import * as rows from "./storeRows";
import type {
  BureauStore,
  BureauStoreOps,
  CheckProgress,
  OldMessage,
  PutRecordResult,
  StoreDeployment,
  StoredReservation,
  StoreStats,
} from "./store";
import { StoreError } from "./store";
import type { SqlDialect, StoreConnection, StoreDriver } from "./storeDriver";

/** The schema version this release writes and reads, whatever the database. */
export const SCHEMA_VERSION = 5;

/** The schema, one step per version: step `v` brings a database from version `v` to `v + 1`. */
const MIGRATIONS: readonly ((d: SqlDialect) => string)[] = [
  // 0 → 1
  (d) => `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)${d.tableOptions};
  CREATE TABLE records (
    subject   TEXT    NOT NULL,
    version   INTEGER NOT NULL CHECK (version >= 1),
    hash      TEXT    NOT NULL,
    provider  TEXT    NOT NULL,
    stored_at ${d.int64} NOT NULL,
    sealed    ${d.bytes} NOT NULL,
    PRIMARY KEY (subject, version),
    UNIQUE (subject, hash)
  )${d.tableOptions};
  ${d.appendOnly("records")}
  CREATE TABLE messages (hash TEXT PRIMARY KEY, bytes ${d.bytes} NOT NULL, stored_at ${d.int64} NOT NULL)${d.tableOptions};
  CREATE TABLE checks (
    check_id     TEXT PRIMARY KEY,
    stage        TEXT NOT NULL,
    message_hash TEXT,
    updated_at   ${d.int64} NOT NULL,
    sealed_state ${d.bytes} NOT NULL
  )${d.tableOptions};
  CREATE INDEX checks_by_stage ON checks (stage, updated_at);
  `,
  // 1 → 2: the journal is keyed by check id and form hash; rows from version 1 keep a NULL form hash
  () => "ALTER TABLE checks ADD COLUMN form_hash TEXT;",
  // 2 → 3: leases on checks, for several evaluators sharing the store
  (d) =>
    `CREATE TABLE leases (check_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at ${d.int64} NOT NULL)${d.tableOptions};`,
  // 3 → 4: the sealed head of each subject's versions (filled from the records by `migrate`, which holds the key)
  (d) => `
  CREATE TABLE record_heads (
    subject  TEXT    PRIMARY KEY,
    versions INTEGER NOT NULL CHECK (versions >= 1),
    hash     TEXT    NOT NULL,
    sealed   ${d.bytes} NOT NULL
  )${d.tableOptions};
  `,
  // 4 → 5: comparison keys reserved to banks, honoured by every process sharing the store
  (d) => `
  CREATE TABLE comparison_key_reservations (
    fingerprint TEXT PRIMARY KEY,
    bank        TEXT NOT NULL,
    expires_at  ${d.int64} NOT NULL,
    sealed_key  ${d.bytes} NOT NULL
  )${d.tableOptions};
  `,
];

/** The version whose step adds `record_heads`: a database older than it gets its subjects' heads made. */
const HEADS_VERSION = 4;

/** How many times `claimNext` looks again when the check it chose was claimed meanwhile. */
const CLAIM_ATTEMPTS = 5;

/** The statements, written once; the dialect's clock and row locks filled in. */
function statements(d: SqlDialect) {
  return {
    recordByHash: "SELECT version FROM records WHERE subject = $1 AND hash = $2",
    lastVersion: "SELECT max(version) AS v FROM records WHERE subject = $1",
    insertRecord:
      "INSERT INTO records (subject, version, hash, provider, stored_at, sealed) VALUES ($1, $2, $3, $4, $5, $6)",
    record: "SELECT subject, version, hash, provider, stored_at, sealed FROM records WHERE subject = $1 AND hash = $2",
    versions: "SELECT count(*) AS n, max(version) AS v FROM records WHERE subject = $1",
    head: "SELECT versions, hash, sealed FROM record_heads WHERE subject = $1",
    putHead:
      "INSERT INTO record_heads (subject, versions, hash, sealed) VALUES ($1, $2, $3, $4) ON CONFLICT (subject) " +
      "DO UPDATE SET versions = excluded.versions, hash = excluded.hash, sealed = excluded.sealed",
    meta: "SELECT value FROM meta WHERE key = $1",
    putMeta: "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    addMeta: "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    insertMessage: "INSERT INTO messages (hash, bytes, stored_at) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING",
    message: "SELECT bytes FROM messages WHERE hash = $1",
    // the messages stored before a time, oldest first, with their first bytes (where the check they name is)
    oldMessages:
      `SELECT hash, substr(bytes, 1, ${MESSAGE_HEADER_BYTES}) AS head, stored_at FROM messages ` +
      "WHERE stored_at < $1 ORDER BY stored_at, hash LIMIT $2",
    deleteMessage: "DELETE FROM messages WHERE hash = $1",
    upsertCheck:
      "INSERT INTO checks (check_id, stage, message_hash, updated_at, sealed_state, form_hash) " +
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (check_id) DO UPDATE SET stage = excluded.stage, " +
      "message_hash = excluded.message_hash, updated_at = excluded.updated_at, " +
      "sealed_state = excluded.sealed_state, form_hash = excluded.form_hash",
    check: "SELECT check_id, stage, message_hash, updated_at, sealed_state, form_hash FROM checks WHERE check_id = $1",
    deleteCheck: "DELETE FROM checks WHERE check_id = $1",
    counts:
      "SELECT (SELECT count(DISTINCT subject) FROM records) AS subjects, (SELECT count(*) FROM records) AS records, " +
      "(SELECT count(*) FROM messages) AS messages",
    stages: "SELECT stage, count(*) AS n FROM checks GROUP BY stage ORDER BY stage",
    // a lease is taken when there is none, when it has ended, or when the claimer holds it already; of several
    // claimers, the first to insert wins and the others meet its row in ON CONFLICT
    claim:
      `INSERT INTO leases (check_id, owner, expires_at) VALUES ($1, $2, ${d.nowMs} + $3) ON CONFLICT (check_id) ` +
      "DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at " +
      `WHERE leases.expires_at <= ${d.nowMs} OR leases.owner = excluded.owner`,
    // the oldest claimable check, skipping those another claimer has locked right now
    claimable:
      "SELECT c.check_id FROM checks c LEFT JOIN leases l ON l.check_id = c.check_id " +
      `WHERE l.check_id IS NULL OR l.expires_at <= ${d.nowMs} ORDER BY c.updated_at, c.check_id LIMIT 1` +
      d.lockRows("c", true),
    renew: `UPDATE leases SET expires_at = ${d.nowMs} + $3 WHERE check_id = $1 AND owner = $2`,
    release: "DELETE FROM leases WHERE check_id = $1 AND owner = $2",
    lease: "SELECT owner, expires_at FROM leases WHERE check_id = $1",
    // locked: inside a transaction, a concurrent claim of this lease waits for its end
    holds: `SELECT 1 AS held FROM leases WHERE check_id = $1 AND owner = $2 AND expires_at > ${d.nowMs}${d.lockRows()}`,
    sealingKeyId: "SELECT value FROM meta WHERE key = 'sealing_key_id'",
    created: "INSERT INTO meta (key, value) VALUES ('sealing_key_id', $1), ('created_at', $2)",
    // every subject's newest stored version: what the heads of a store written before them are made from
    newestVersions:
      "SELECT r.subject, r.version, r.hash FROM records r JOIN (SELECT subject, max(version) AS v FROM records " +
      "GROUP BY subject) m ON m.subject = r.subject AND m.v = r.version",
    insertHead: "INSERT INTO record_heads (subject, versions, hash, sealed) VALUES ($1, $2, $3, $4)",
    insertReservation:
      "INSERT INTO comparison_key_reservations (fingerprint, bank, expires_at, sealed_key) VALUES ($1, $2, $3, $4)",
    reservationsOf: "SELECT count(*) AS n FROM comparison_key_reservations WHERE bank = $1 AND expires_at > $2",
    // deleted and returned in one statement: of two takers, the second waits for the first's row lock (PostgreSQL)
    // or its write transaction (SQLite), then finds nothing to delete
    takeReservation:
      "DELETE FROM comparison_key_reservations WHERE fingerprint = $1 AND bank = $2 AND expires_at > $3 " +
      "RETURNING fingerprint, bank, expires_at, sealed_key",
    dropReservation: "DELETE FROM comparison_key_reservations WHERE fingerprint = $1 AND bank = $2",
    deleteExpiredReservations: "DELETE FROM comparison_key_reservations WHERE expires_at <= $1",
  };
}

type Statements = ReturnType<typeof statements>;

/**
 * Opens the store at `location` through `driver`, sealed under `sealingKey`: connects, creates or migrates the
 * schema, and checks the key.
 * @throws {StoreError} `invalid-argument` for a location the driver cannot use or a key that is no `SealingKey`;
 *   `schema` when the database is not a bureau store or from a newer release; `SealingError` `wrong-key` when it
 *   was created under another key (checked before any row is read and before migrating); the driver's error when
 *   a server cannot be reached
 */
export async function openStoreWith(
  driver: StoreDriver,
  location: string,
  sealingKey: SealingKey,
): Promise<BureauStore> {
  if (!(sealingKey instanceof SealingKey)) {
    throw new StoreError("invalid-argument", `${driver.name}: expected a SealingKey, got ${rows.describe(sealingKey)}`);
  }
  const connection = await driver.connect(location);
  const sql = statements(connection.dialect);
  try {
    await migrate(connection, sql, `${driver.name} ${driver.display(location)}`, sealingKey);
  } catch (e) {
    await connection.close();
    throw e;
  }
  return new Store(driver.name, connection, new Operations(sealingKey, sql));
}

async function migrate(db: StoreConnection, sql: Statements, where: string, key: SealingKey): Promise<void> {
  await db.atomic(async (tx) => {
    await tx.serialize("blindcredit schema"); // two processes opening a new database create it once
    const version = await tx.schemaVersion();
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        "schema",
        `${where}: expected schema version ${SCHEMA_VERSION} or older, got ${version}: written by a newer release`,
      );
    }
    if (version > 0) await checkKey(tx, sql, where, key); // before migrating a database that is not this key's
    if (version === SCHEMA_VERSION) return;
    for (let v = version; v < SCHEMA_VERSION; v++) await tx.exec(MIGRATIONS[v](tx.dialect));
    if (version > 0 && version < HEADS_VERSION) {
      const newest = await tx.query<{ subject: string; version: number; hash: string }>(sql.newestVersions);
      for (const { subject, version: v, hash } of newest)
        await tx.run(sql.insertHead, [subject, v, hash, Buffer.from(rows.sealHead(key, subject, v, hash))]);
    }
    if (version === 0) await tx.run(sql.created, [sealingKeyId(key), String(Date.now())]);
    await tx.setSchemaVersion(SCHEMA_VERSION);
    await checkKey(tx, sql, where, key);
  });
}

async function checkKey(db: StoreConnection, sql: Statements, where: string, key: SealingKey): Promise<void> {
  const [row] = await db.query<{ value: string }>(sql.sealingKeyId);
  if (!row) throw new StoreError("schema", `${where}: its metadata names no sealing key id`);
  if (row.value !== sealingKeyId(key)) {
    throw new SealingError(
      "wrong-key",
      `${where}: wrong sealing key: the database was sealed under key ${row.value}, the key given is ${sealingKeyId(key)}`,
    );
  }
}

/** The store: every call queued and served in order on the driver's connection. */
class Store implements BureauStore {
  readonly #db: StoreConnection;
  readonly #ops: Operations;
  readonly #queue: CallQueue;

  constructor(name: string, db: StoreConnection, ops: Operations) {
    this.#db = db;
    this.#ops = ops;
    this.#queue = new CallQueue(name);
  }

  putRecord(bytes: Uint8Array, hash: string, subject: string, provider: string): Promise<PutRecordResult> {
    return this.#run("putRecord", (db) => this.#ops.putRecord(db, bytes, hash, subject, provider));
  }
  valuesOf(subject: string, hash: string): Promise<Map<string, bigint>> {
    return this.#run("valuesOf", (db) => this.#ops.valuesOf(db, subject, hash));
  }
  putMessage(hash: string, bytes: Uint8Array): Promise<void> {
    return this.#run("putMessage", (db) => this.#ops.putMessage(db, hash, bytes));
  }
  getMessage(hash: string): Promise<Uint8Array | undefined> {
    return this.#run("getMessage", (db) => this.#ops.getMessage(db, hash));
  }
  putCheck(checkId: string, progress: CheckProgress & { readonly formHash: string }): Promise<void> {
    return this.#run("putCheck", (db) => this.#ops.putCheck(db, checkId, progress));
  }
  getCheck(checkId: string): Promise<CheckProgress | undefined> {
    return this.#run("getCheck", (db) => this.#ops.getCheck(db, checkId));
  }
  deleteCheck(checkId: string): Promise<boolean> {
    return this.#run("deleteCheck", (db) => this.#ops.deleteCheck(db, checkId));
  }
  holdsLease(checkId: string, owner: string): Promise<boolean> {
    return this.#run("holdsLease", (db) => this.#ops.holdsLease(db, checkId, owner));
  }
  stats(): Promise<StoreStats> {
    return this.#run("stats", (db) => this.#ops.stats(db));
  }
  oldMessages(storedBefore: number, limit: number): Promise<OldMessage[]> {
    return this.#run("oldMessages", (db) => this.#ops.oldMessages(db, storedBefore, limit));
  }
  deleteMessages(hashes: readonly string[]): Promise<number> {
    return this.#run("deleteMessages", (db) => this.#ops.deleteMessages(db, hashes));
  }
  deployment(): Promise<StoreDeployment | undefined> {
    return this.#run("deployment", (db) => this.#ops.deployment(db));
  }
  bindDeployment(deployment: StoreDeployment): Promise<void> {
    return this.#run("bindDeployment", (db) => this.#ops.bindDeployment(db, deployment));
  }
  logCursor(): Promise<number | undefined> {
    return this.#run("logCursor", (db) => this.#ops.logCursor(db));
  }
  setLogCursor(block: number): Promise<void> {
    return this.#run("setLogCursor", (db) => this.#ops.setLogCursor(db, block));
  }
  claimCheck(checkId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#run("claimCheck", (db) => this.#ops.claimCheck(db, checkId, owner, leaseMs));
  }
  claimNext(owner: string, leaseMs: number): Promise<string | undefined> {
    return this.#run("claimNext", (db) => this.#ops.claimNext(db, owner, leaseMs));
  }
  renewLease(checkId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#run("renewLease", (db) => this.#ops.renewLease(db, checkId, owner, leaseMs));
  }
  releaseLease(checkId: string, owner: string): Promise<boolean> {
    return this.#run("releaseLease", (db) => this.#ops.releaseLease(db, checkId, owner));
  }
  leaseOf(checkId: string): Promise<CheckLease | undefined> {
    return this.#run("leaseOf", (db) => this.#ops.leaseOf(db, checkId));
  }
  putReservation(reservation: StoredReservation, now: number, perBank: number): Promise<boolean> {
    return this.#run("putReservation", (db) => this.#ops.putReservation(db, reservation, now, perBank));
  }
  takeReservation(fingerprint: string, bank: string, now: number): Promise<Uint8Array | undefined> {
    return this.#run("takeReservation", (db) => this.#ops.takeReservation(db, fingerprint, bank, now));
  }
  countReservations(bank: string, now: number): Promise<number> {
    return this.#run("countReservations", (db) => this.#ops.countReservations(db, bank, now));
  }
  dropReservation(fingerprint: string, bank: string): Promise<boolean> {
    return this.#run("dropReservation", (db) => this.#ops.dropReservation(db, fingerprint, bank));
  }
  deleteExpiredReservations(now: number): Promise<number> {
    return this.#run("deleteExpiredReservations", (db) => this.#ops.deleteExpiredReservations(db, now));
  }

  transaction<T>(fn: (tx: BureauStoreOps) => Promise<T>): Promise<T> {
    return this.#queue.transaction((scope) => this.#db.atomic((tx) => fn(guarded(this.#ops.bound(tx), scope))));
  }

  /** Closes the connection after the calls made before (a running transaction included); later calls are refused. */
  close(): Promise<void> {
    return this.#queue.close(() => this.#db.close());
  }

  #run<T>(what: string, op: (db: StoreConnection) => Promise<T>): Promise<T> {
    return this.#queue.run(what, () => op(this.#db));
  }
}

/** The operations on a connection, written once for every database. */
class Operations {
  readonly #key: SealingKey;
  readonly #sql: Statements;

  constructor(key: SealingKey, sql: Statements) {
    this.#key = key;
    this.#sql = sql;
  }

  /** The operations bound to `db`, as a transaction's handle offers them. */
  bound(db: StoreConnection): BureauStoreOps {
    return {
      putRecord: (bytes, hash, subject, provider) => this.putRecord(db, bytes, hash, subject, provider),
      valuesOf: (subject, hash) => this.valuesOf(db, subject, hash),
      putMessage: (hash, bytes) => this.putMessage(db, hash, bytes),
      getMessage: (hash) => this.getMessage(db, hash),
      putCheck: (checkId, progress) => this.putCheck(db, checkId, progress),
      getCheck: (checkId) => this.getCheck(db, checkId),
      deleteCheck: (checkId) => this.deleteCheck(db, checkId),
      holdsLease: (checkId, owner) => this.holdsLease(db, checkId, owner),
    };
  }

  async putRecord(
    db: StoreConnection,
    bytes: Uint8Array,
    hash: string,
    subject: string,
    provider: string,
  ): Promise<PutRecordResult> {
    const checked = rows.checkRecord(bytes, hash, subject, provider);
    const { subject: s, hash: h } = checked;
    return db.atomic(async (tx) => {
      await tx.serialize(s); // the subject's versions are numbered one after another: its writers take turns
      const [existing] = await tx.query<{ version: number }>(this.#sql.recordByHash, [s, h]);
      if (existing) return { version: existing.version, created: false };
      const [{ v }] = await tx.query<{ v: number | null }>(this.#sql.lastVersion, [s]);
      const version = (v ?? 0) + 1;
      const storedAt = Date.now();
      const sealed = rows.sealRecord(this.#key, checked, version, storedAt);
      await tx.run(this.#sql.insertRecord, [s, version, h, checked.provider, storedAt, Buffer.from(sealed)]);
      await tx.run(this.#sql.putHead, [s, version, h, Buffer.from(rows.sealHead(this.#key, s, version, h))]);
      return { version, created: true };
    });
  }

  async valuesOf(db: StoreConnection, subject: string, hash: string): Promise<Map<string, bigint>> {
    const s = rows.readAddress(subject, "subject");
    const h = rows.readHash(hash, "record hash");
    // A removed version is tampering even when it is not the one asked for: the history must be whole.
    const [{ n, v }] = await db.query<{ n: number; v: number | null }>(this.#sql.versions, [s]);
    const [head] = await db.query<rows.HeadRow>(this.#sql.head, [s]);
    rows.checkVersions(this.#key, s, head, n, v);
    const [row] = await db.query<rows.RecordRow>(this.#sql.record, [s, h]);
    if (!row) throw rows.noRecord(s, h, n);
    return new Map(rows.openRecordRow(this.#key, row).record.fields);
  }

  async putMessage(db: StoreConnection, hash: string, bytes: Uint8Array): Promise<void> {
    const h = rows.checkMessage(hash, bytes);
    await db.run(this.#sql.insertMessage, [h, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), Date.now()]);
  }

  async getMessage(db: StoreConnection, hash: string): Promise<Uint8Array | undefined> {
    const h = rows.readHash(hash, "message hash");
    const [row] = await db.query<{ bytes: Buffer }>(this.#sql.message, [h]);
    return row && rows.openMessageRow(h, row.bytes);
  }

  async putCheck(
    db: StoreConnection,
    checkId: string,
    progress: CheckProgress & { readonly formHash: string },
  ): Promise<void> {
    const row = rows.sealCheck(this.#key, checkId, progress);
    await db.run(this.#sql.upsertCheck, [
      row.check_id,
      row.stage,
      row.message_hash,
      row.updated_at,
      Buffer.from(row.sealed_state),
      row.form_hash,
    ]);
  }

  async getCheck(db: StoreConnection, checkId: string): Promise<CheckProgress | undefined> {
    const [row] = await db.query<rows.CheckRow>(this.#sql.check, [rows.readHash(checkId, "check id")]);
    return row && rows.openCheckRow(this.#key, row);
  }

  async deleteCheck(db: StoreConnection, checkId: string): Promise<boolean> {
    return (await db.run(this.#sql.deleteCheck, [rows.readHash(checkId, "check id")])) > 0;
  }

  async stats(db: StoreConnection): Promise<StoreStats> {
    const [counts] = await db.query<{ subjects: number; records: number; messages: number }>(this.#sql.counts);
    const checksByStage: Record<string, number> = {};
    for (const { stage, n } of await db.query<{ stage: string; n: number }>(this.#sql.stages)) checksByStage[stage] = n;
    return { subjects: counts.subjects, records: counts.records, messages: counts.messages, checksByStage };
  }

  async oldMessages(db: StoreConnection, storedBefore: number, limit: number): Promise<OldMessage[]> {
    const args = rows.oldMessagesArgs(storedBefore, limit);
    return (await db.query<{ hash: string; head: Buffer; stored_at: number }>(this.#sql.oldMessages, args)).map(
      rows.oldMessageRow,
    );
  }

  async deleteMessages(db: StoreConnection, hashes: readonly string[]): Promise<number> {
    const checked = hashes.map((h) => rows.readHash(h, "message hash"));
    return db.atomic(async (tx) => {
      let deleted = 0;
      for (const h of checked) deleted += await tx.run(this.#sql.deleteMessage, [h]);
      return deleted;
    });
  }

  async deployment(db: StoreConnection): Promise<StoreDeployment | undefined> {
    const [row] = await db.query<{ value: string }>(this.#sql.meta, ["deployment"]);
    return row && rows.parseDeployment(row.value);
  }

  async bindDeployment(db: StoreConnection, deployment: StoreDeployment): Promise<void> {
    const given = rows.readDeployment(deployment);
    // the first binding wins, also between processes starting at once; it never changes after
    await db.run(this.#sql.addMeta, ["deployment", rows.deploymentJson(given)]);
    rows.checkSameDeployment((await this.deployment(db))!, given);
  }

  async logCursor(db: StoreConnection): Promise<number | undefined> {
    const [row] = await db.query<{ value: string }>(this.#sql.meta, ["log_cursor"]);
    return row && rows.parseLogCursor(row.value);
  }

  async setLogCursor(db: StoreConnection, block: number): Promise<void> {
    await db.run(this.#sql.putMeta, ["log_cursor", String(rows.readLogCursor(block))]);
  }

  async claimCheck(db: StoreConnection, checkId: string, owner: string, leaseMs: number): Promise<boolean> {
    const id = rows.readHash(checkId, "check id");
    const o = rows.readOwner(owner);
    const ms = rows.readLeaseMs(leaseMs);
    return (await db.run(this.#sql.claim, [id, o, ms])) > 0;
  }

  async claimNext(db: StoreConnection, owner: string, leaseMs: number): Promise<string | undefined> {
    const o = rows.readOwner(owner);
    const ms = rows.readLeaseMs(leaseMs);
    return db.atomic(async (tx) => {
      // A claimer that read the leases just before another committed its claim on the same check finds it taken
      // in the claim's ON CONFLICT: it then looks again, with the leases as they are now.
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const [next] = await tx.query<{ check_id: string }>(this.#sql.claimable);
        if (next === undefined) return undefined;
        if ((await tx.run(this.#sql.claim, [next.check_id, o, ms])) > 0) return next.check_id;
      }
      return undefined;
    });
  }

  async renewLease(db: StoreConnection, checkId: string, owner: string, leaseMs: number): Promise<boolean> {
    const id = rows.readHash(checkId, "check id");
    const o = rows.readOwner(owner);
    const ms = rows.readLeaseMs(leaseMs);
    return (await db.run(this.#sql.renew, [id, o, ms])) > 0;
  }

  async releaseLease(db: StoreConnection, checkId: string, owner: string): Promise<boolean> {
    return (await db.run(this.#sql.release, [rows.readHash(checkId, "check id"), rows.readOwner(owner)])) > 0;
  }

  async leaseOf(db: StoreConnection, checkId: string): Promise<CheckLease | undefined> {
    const [row] = await db.query<{ owner: string; expires_at: number }>(this.#sql.lease, [
      rows.readHash(checkId, "check id"),
    ]);
    return row && { owner: row.owner, expiresAt: row.expires_at };
  }

  async holdsLease(db: StoreConnection, checkId: string, owner: string): Promise<boolean> {
    const id = rows.readHash(checkId, "check id");
    const o = rows.readOwner(owner);
    return (await db.query(this.#sql.holds, [id, o])).length > 0;
  }

  async putReservation(
    db: StoreConnection,
    reservation: StoredReservation,
    now: number,
    perBank: number,
  ): Promise<boolean> {
    const row = rows.sealReservation(this.#key, reservation);
    const at = rows.readTime(now, "now");
    const bound = rows.readReservationBound(perBank);
    return db.atomic(async (tx) => {
      await tx.serialize(`reservations ${row.bank}`); // the bank's reservers take turns: none passes the bound
      const [{ n }] = await tx.query<{ n: number }>(this.#sql.reservationsOf, [row.bank, at]);
      if (n >= bound) return false;
      await tx.run(this.#sql.insertReservation, [
        row.fingerprint,
        row.bank,
        row.expires_at,
        Buffer.from(row.sealed_key),
      ]);
      return true;
    });
  }

  async takeReservation(
    db: StoreConnection,
    fingerprint: string,
    bank: string,
    now: number,
  ): Promise<Uint8Array | undefined> {
    const f = rows.readHash(fingerprint, "reservation fingerprint");
    const b = rows.readAddress(bank, "reservation bank");
    const at = rows.readTime(now, "now");
    // opened before the commit: a row that fails its check is kept (rolled back), for whoever looks into it
    return db.atomic(async (tx) => {
      const [row] = await tx.query<rows.ReservationRow>(this.#sql.takeReservation, [f, b, at]);
      return row && rows.openReservationRow(this.#key, row);
    });
  }

  async countReservations(db: StoreConnection, bank: string, now: number): Promise<number> {
    const b = rows.readAddress(bank, "reservation bank");
    const [{ n }] = await db.query<{ n: number }>(this.#sql.reservationsOf, [b, rows.readTime(now, "now")]);
    return n;
  }

  async dropReservation(db: StoreConnection, fingerprint: string, bank: string): Promise<boolean> {
    const f = rows.readHash(fingerprint, "reservation fingerprint");
    const b = rows.readAddress(bank, "reservation bank");
    return (await db.run(this.#sql.dropReservation, [f, b])) > 0;
  }

  async deleteExpiredReservations(db: StoreConnection, now: number): Promise<number> {
    return db.run(this.#sql.deleteExpiredReservations, [rows.readTime(now, "now")]);
  }
}
