/**
 * The bureau's embedded store: SQLite through better-sqlite3, one file, sealed at rest with AES-256-GCM.
 *
 * Durability: WAL journal with `synchronous = FULL`, so every committed transaction is fsynced to the WAL before
 * the commit returns. NORMAL would be faster and survives a crash of the process, but a power loss could undo the
 * last commits, and the bureau commits a record's hash on-chain right after storing it: the chain would then hold
 * a hash the bureau no longer has. One fsync per write is cheap at a bureau's write rate.
 *
 * What is sealed: record bytes (bound to subject, version, hash, provider and time of storage) and check states
 * (bound to check id, stage, message hash, time of update and form hash). What is not: subjects, providers and
 * record hashes (all public on-chain), stages, form hashes, and the protocol's messages (public ciphertexts,
 * verified against their hash on every read). The sealing key's id is kept in `meta`; the key itself never is.
 *
 * `meta` holds `sealing_key_id` and `created_at` (written on creation), `deployment` (the chain id and contract
 * addresses the store serves, JSON, written on the service's first start) and `log_cursor` (the block the
 * evaluator resumes reading logs from, decimal).
 *
 * Leases (`./leases`) are on the process's clock: one process serves a SQLite file, so a claim is atomic by the
 * store's call queue alone (and `claimNext` runs in an IMMEDIATE transaction besides).
 *
 * Schema version 4 (`PRAGMA user_version`), created on first open:
 *
 * ```sql
 * CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
 * CREATE TABLE records (
 *   subject   TEXT    NOT NULL,                      -- checksummed address
 *   version   INTEGER NOT NULL CHECK (version >= 1), -- 1, 2, 3… per subject
 *   hash      TEXT    NOT NULL,                      -- keccak256 of the record bytes, lower-case 0x-hex
 *   provider  TEXT    NOT NULL,                      -- checksummed address
 *   stored_at INTEGER NOT NULL,                      -- Unix ms
 *   sealed    BLOB    NOT NULL,                      -- seal(record bytes, aad(subject, version, hash, provider, stored_at))
 *   PRIMARY KEY (subject, version), UNIQUE (subject, hash)) STRICT;
 * -- triggers records_no_update, records_no_delete: append-only
 * CREATE TABLE messages (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL, stored_at INTEGER NOT NULL) STRICT;
 * CREATE TABLE checks (
 *   check_id     TEXT PRIMARY KEY,                   -- bytes32, lower-case 0x-hex
 *   stage        TEXT NOT NULL,
 *   message_hash TEXT,
 *   updated_at   INTEGER NOT NULL,                   -- Unix ms, as given
 *   sealed_state BLOB NOT NULL,                      -- seal(state, aad(check_id, stage, message_hash, updated_at[, form_hash]))
 *   form_hash    TEXT) STRICT;                       -- the check's form when written (version 2), lower-case 0x-hex
 * CREATE INDEX checks_by_stage ON checks (stage, updated_at);
 * CREATE TABLE leases (                            -- version 3
 *   check_id   TEXT PRIMARY KEY,
 *   owner      TEXT NOT NULL,                       -- who holds it
 *   expires_at INTEGER NOT NULL) STRICT;            -- Unix ms
 * CREATE TABLE record_heads (                      -- version 4
 *   subject  TEXT PRIMARY KEY,                      -- checksummed address
 *   versions INTEGER NOT NULL CHECK (versions >= 1), -- the subject's newest version
 *   hash     TEXT NOT NULL,                         -- that version's hash
 *   sealed   BLOB NOT NULL) STRICT;                 -- seal(nothing, aad(subject, versions, hash))
 * ```
 *
 * Migration 1 → 2 adds `checks.form_hash`. Rows written by version 1 keep working: their `form_hash` stays NULL and
 * their state stays sealed under the version-1 additional data (without a form hash); they are returned without a
 * `formHash`, and the journal takes such a row as the current form's (see `StoreJournal`). Every row written since
 * carries its form hash, bound into the sealed state's additional data under a version-2 domain tag.
 * Migration 2 → 3 adds the `leases` table. Migration 3 → 4 adds `record_heads`, written with every record version
 * in its transaction, and makes each subject's head from its newest stored version: a version removed after that,
 * the newest included, is tampering (`checkVersions` in `./storeRows`).
 * @module
 */
import Database from "better-sqlite3";
import { CallQueue, type TransactionScope } from "./callQueue";
import type { CheckLease } from "./leases";
import { SealingError, sealingKeyId, SealingKey } from "./sealing";
import {
  StoreError,
  type BureauStore,
  type BureauStoreOps,
  type CheckProgress,
  type PutRecordResult,
  type StoreDeployment,
  type StoredRecord,
  type StoreStats,
  type OldMessage,
} from "./store";
import {
  checkMessage,
  checkRecord,
  checkSameDeployment,
  checkVersions,
  deploymentJson,
  describe,
  noRecord,
  openCheckRow,
  openMessageRow,
  openRecordRow,
  parseDeployment,
  parseLogCursor,
  readAddress,
  readDeployment,
  readHash,
  readLeaseMs,
  readLogCursor,
  readOwner,
  sealCheck,
  sealRecord,
  sealHead,
  NEWEST_VERSIONS_SQL,
  type HeadRow,
  type CheckRow,
  type RecordRow,
  OLD_MESSAGES_SQL,
  oldMessagesArgs,
  oldMessageRow,
} from "./storeRows";

/** The schema version this release writes and reads. */
export const SCHEMA_VERSION = 4;

const MIGRATIONS: readonly string[] = [
  // 0 → 1
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE records (
    subject   TEXT    NOT NULL,
    version   INTEGER NOT NULL CHECK (version >= 1),
    hash      TEXT    NOT NULL,
    provider  TEXT    NOT NULL,
    stored_at INTEGER NOT NULL,
    sealed    BLOB    NOT NULL,
    PRIMARY KEY (subject, version),
    UNIQUE (subject, hash)
  ) STRICT;
  CREATE TRIGGER records_no_update BEFORE UPDATE ON records
    BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
  CREATE TRIGGER records_no_delete BEFORE DELETE ON records
    BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
  CREATE TABLE messages (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL, stored_at INTEGER NOT NULL) STRICT;
  CREATE TABLE checks (
    check_id     TEXT PRIMARY KEY,
    stage        TEXT NOT NULL,
    message_hash TEXT,
    updated_at   INTEGER NOT NULL,
    sealed_state BLOB NOT NULL
  ) STRICT;
  CREATE INDEX checks_by_stage ON checks (stage, updated_at);
  `,
  // 1 → 2: the journal is keyed by check id and form hash; rows from version 1 keep a NULL form hash
  `
  ALTER TABLE checks ADD COLUMN form_hash TEXT;
  `,
  // 2 → 3: leases on checks (one process here, but the same API as a shared server store)
  `
  CREATE TABLE leases (check_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT;
  `,
  // 3 → 4: the sealed head of each subject's versions (filled from the records by `migrate`, which holds the key)
  `
  CREATE TABLE record_heads (
    subject  TEXT    PRIMARY KEY,
    versions INTEGER NOT NULL CHECK (versions >= 1),
    hash     TEXT    NOT NULL,
    sealed   BLOB    NOT NULL
  ) STRICT;
  `,
];

/** Where the store lives and the key that seals it. */
export interface SqliteStoreOptions {
  /** The database file (created when missing), or ":memory:" for tests. */
  readonly path: string;
  /** The sealing key; a database created under another key is refused. */
  readonly sealingKey: SealingKey;
}

/**
 * Opens (creating or migrating as needed) the store at `options.path`.
 * @throws {StoreError} `schema` when the file is not a SQLite database, not a bureau database, or from a newer
 * release; `SealingError` `wrong-key` when it was created under another sealing key (checked before any row is
 * read)
 * @example const store = await openSqliteStore({ path: "bureau.db", sealingKey: loadSealingKey("bureau.key") });
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<BureauStore> {
  if (typeof options?.path !== "string" || options.path === "") {
    throw new StoreError("invalid-argument", `sqlite store: expected a path, got ${describe(options?.path)}`);
  }
  if (!(options.sealingKey instanceof SealingKey)) {
    throw new StoreError(
      "invalid-argument",
      `sqlite store: expected a SealingKey, got ${describe(options.sealingKey)}`,
    );
  }
  const db = new Database(options.path);
  try {
    configure(db, options.path);
    migrate(db, options.path, options.sealingKey);
    return new SqliteStore(db, options.sealingKey);
  } catch (e) {
    db.close();
    throw e;
  }
}

function configure(db: Database.Database, path: string): void {
  try {
    db.pragma("journal_mode = WAL"); // ":memory:" stays "memory", which is fine for tests
    db.pragma("synchronous = FULL");
    db.pragma("secure_delete = ON"); // deleted check states are overwritten, not left in free pages
    db.pragma("trusted_schema = OFF");
    db.pragma("busy_timeout = 5000");
  } catch (e) {
    throw new StoreError("schema", `sqlite store ${path}: cannot use it as a database (${(e as Error).message})`, {
      cause: e,
    });
  }
}

function migrate(db: Database.Database, path: string, key: SealingKey): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      "schema",
      `sqlite store ${path}: expected schema version ${SCHEMA_VERSION} or older, got ${version}: written by a newer release`,
    );
  }
  if (version === 0) {
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }).n;
    if (tables > 0) {
      throw new StoreError(
        "schema",
        `sqlite store ${path}: expected an empty file or a bureau database, got a database with ${tables} other objects`,
      );
    }
  }
  if (version > 0) checkKey(db, path, key); // before migrating a database that is not this key's
  if (version < SCHEMA_VERSION) {
    db.transaction(() => {
      for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
      if (version > 0 && version < 4) {
        const insert = db.prepare("INSERT INTO record_heads (subject, versions, hash, sealed) VALUES (?, ?, ?, ?)");
        const newest = db.prepare<[], { subject: string; version: number; hash: string }>(NEWEST_VERSIONS_SQL).all();
        for (const { subject, version: v, hash } of newest)
          insert.run(subject, v, hash, Buffer.from(sealHead(key, subject, v, hash)));
      }
      if (version === 0) {
        db.prepare("INSERT INTO meta (key, value) VALUES ('sealing_key_id', ?), ('created_at', ?)").run(
          sealingKeyId(key),
          String(Date.now()),
        );
      }
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }
  checkKey(db, path, key);
}

function checkKey(db: Database.Database, path: string, key: SealingKey): void {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'sealing_key_id'").get() as { value: string } | undefined;
  if (!row) throw new StoreError("schema", `sqlite store ${path}: its metadata names no sealing key id`);
  if (row.value !== sealingKeyId(key)) {
    throw new SealingError(
      "wrong-key",
      `sqlite store ${path}: wrong sealing key: the database was sealed under key ${row.value}, the key given is ${sealingKeyId(key)}`,
    );
  }
}

/** A transaction's handle: the operations, refused once the transaction has ended. */
/**
 * The store: every call is queued and served in the order made, one at a time, so that a call made while a
 * transaction runs sees all of it or (when made before it) none of it. Each call is a few synchronous statements;
 * only a transaction spans awaits.
 */
class SqliteStore implements BureauStore {
  readonly #db: Database.Database;
  readonly #ops: Operations;
  readonly #queue = new CallQueue("sqlite store");

  constructor(db: Database.Database, key: SealingKey) {
    this.#db = db;
    this.#ops = new Operations(db, key);
  }

  putRecord(bytes: Uint8Array, hash: string, subject: string, provider: string): Promise<PutRecordResult> {
    return this.#run("putRecord", () => this.#ops.putRecord(bytes, hash, subject, provider));
  }
  valuesOf(subject: string, hash: string): Promise<Map<string, bigint>> {
    return this.#run("valuesOf", () => this.#ops.valuesOf(subject, hash));
  }
  putMessage(hash: string, bytes: Uint8Array): Promise<void> {
    return this.#run("putMessage", () => this.#ops.putMessage(hash, bytes));
  }
  getMessage(hash: string): Promise<Uint8Array | undefined> {
    return this.#run("getMessage", () => this.#ops.getMessage(hash));
  }
  putCheck(checkId: string, progress: CheckProgress & { readonly formHash: string }): Promise<void> {
    return this.#run("putCheck", () => this.#ops.putCheck(checkId, progress));
  }
  getCheck(checkId: string): Promise<CheckProgress | undefined> {
    return this.#run("getCheck", () => this.#ops.getCheck(checkId));
  }
  deleteCheck(checkId: string): Promise<boolean> {
    return this.#run("deleteCheck", () => this.#ops.deleteCheck(checkId));
  }
  holdsLease(checkId: string, owner: string): Promise<boolean> {
    return this.#run("holdsLease", () => this.#ops.holdsLease(checkId, owner));
  }
  stats(): Promise<StoreStats> {
    return this.#run("stats", () => this.#ops.stats());
  }
  oldMessages(storedBefore: number, limit: number): Promise<OldMessage[]> {
    return this.#run("oldMessages", () => this.#ops.oldMessages(storedBefore, limit));
  }
  deleteMessages(hashes: readonly string[]): Promise<number> {
    return this.#run("deleteMessages", () => this.#ops.deleteMessages(hashes));
  }
  deployment(): Promise<StoreDeployment | undefined> {
    return this.#run("deployment", () => this.#ops.deployment());
  }
  bindDeployment(deployment: StoreDeployment): Promise<void> {
    return this.#run("bindDeployment", () => this.#ops.bindDeployment(deployment));
  }
  logCursor(): Promise<number | undefined> {
    return this.#run("logCursor", () => this.#ops.logCursor());
  }
  setLogCursor(block: number): Promise<void> {
    return this.#run("setLogCursor", () => this.#ops.setLogCursor(block));
  }
  claimCheck(checkId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#run("claimCheck", () => this.#ops.claimCheck(checkId, owner, leaseMs));
  }
  claimNext(owner: string, leaseMs: number): Promise<string | undefined> {
    return this.#run("claimNext", () => this.#ops.claimNext(owner, leaseMs));
  }
  renewLease(checkId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#run("renewLease", () => this.#ops.renewLease(checkId, owner, leaseMs));
  }
  releaseLease(checkId: string, owner: string): Promise<boolean> {
    return this.#run("releaseLease", () => this.#ops.releaseLease(checkId, owner));
  }
  leaseOf(checkId: string): Promise<CheckLease | undefined> {
    return this.#run("leaseOf", () => this.#ops.leaseOf(checkId));
  }

  transaction<T>(fn: (tx: BureauStoreOps) => Promise<T>): Promise<T> {
    return this.#queue.transaction(async (scope) => {
      // IMMEDIATE takes the write lock now, so a second process cannot make the commit fail half-way
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(transactionHandle(this.#ops, scope));
        this.#db.exec("COMMIT");
        return result;
      } catch (e) {
        if (this.#db.inTransaction) this.#db.exec("ROLLBACK");
        throw e;
      }
    });
  }

  /** Closes the database after the calls made before (a running transaction included); later calls are refused. */
  close(): Promise<void> {
    return this.#queue.close(async () => {
      this.#db.close();
    });
  }

  /** Queues one synchronous operation. */
  #run<T>(what: string, op: () => T): Promise<T> {
    return this.#queue.run(what, async () => op());
  }
}

/** The operations as seen inside a transaction: run at once, refused after the transaction ended. */
function transactionHandle(ops: Operations, scope: TransactionScope): BureauStoreOps {
  const guard = async <T>(op: () => T): Promise<T> => {
    if (!scope.active) throw new StoreError("transaction", "transaction handle used after its transaction ended");
    return op();
  };
  return {
    putRecord: (bytes, hash, subject, provider) => guard(() => ops.putRecord(bytes, hash, subject, provider)),
    valuesOf: (subject, hash) => guard(() => ops.valuesOf(subject, hash)),
    putMessage: (hash, bytes) => guard(() => ops.putMessage(hash, bytes)),
    getMessage: (hash) => guard(() => ops.getMessage(hash)),
    putCheck: (checkId, progress) => guard(() => ops.putCheck(checkId, progress)),
    getCheck: (checkId) => guard(() => ops.getCheck(checkId)),
    deleteCheck: (checkId) => guard(() => ops.deleteCheck(checkId)),
    holdsLease: (checkId, owner) => guard(() => ops.holdsLease(checkId, owner)),
  };
}

/** The synchronous operations on the connection, with their prepared statements. */
class Operations {
  readonly #db: Database.Database;
  readonly #key: SealingKey;
  readonly #sql;

  constructor(db: Database.Database, key: SealingKey) {
    this.#db = db;
    this.#key = key;
    this.#sql = {
      recordByHash: db.prepare<[string, string], { version: number }>(
        "SELECT version FROM records WHERE subject = ? AND hash = ?",
      ),
      lastVersion: db.prepare<[string], { v: number | null }>(
        "SELECT max(version) AS v FROM records WHERE subject = ?",
      ),
      insertRecord: db.prepare<[string, number, string, string, number, Buffer]>(
        "INSERT INTO records (subject, version, hash, provider, stored_at, sealed) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      record: db.prepare<[string, string], RecordRow>(
        "SELECT subject, version, hash, provider, stored_at, sealed FROM records WHERE subject = ? AND hash = ?",
      ),
      versions: db.prepare<[string], { n: number; v: number | null }>(
        "SELECT count(*) AS n, max(version) AS v FROM records WHERE subject = ?",
      ),
      head: db.prepare<[string], HeadRow>("SELECT versions, hash, sealed FROM record_heads WHERE subject = ?"),
      putHead: db.prepare<[string, number, string, Buffer]>(
        "INSERT INTO record_heads (subject, versions, hash, sealed) VALUES (?, ?, ?, ?) ON CONFLICT (subject) " +
          "DO UPDATE SET versions = excluded.versions, hash = excluded.hash, sealed = excluded.sealed",
      ),
      meta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      putMeta: db.prepare<[string, string]>(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      insertMessage: db.prepare<[string, Buffer, number]>(
        "INSERT INTO messages (hash, bytes, stored_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING",
      ),
      message: db.prepare<[string], { bytes: Buffer }>("SELECT bytes FROM messages WHERE hash = ?"),
      oldMessages: db.prepare<[number, number], { hash: string; head: Buffer; stored_at: number }>(
        OLD_MESSAGES_SQL.replace(/\$\d/g, "?"),
      ),
      deleteMessage: db.prepare<[string]>("DELETE FROM messages WHERE hash = ?"),
      upsertCheck: db.prepare<[string, string, string | null, number, Buffer, string]>(
        "INSERT INTO checks (check_id, stage, message_hash, updated_at, sealed_state, form_hash) " +
          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (check_id) DO UPDATE SET stage = excluded.stage, " +
          "message_hash = excluded.message_hash, updated_at = excluded.updated_at, " +
          "sealed_state = excluded.sealed_state, form_hash = excluded.form_hash",
      ),
      check: db.prepare<[string], CheckRow>(
        "SELECT check_id, stage, message_hash, updated_at, sealed_state, form_hash FROM checks WHERE check_id = ?",
      ),
      deleteCheck: db.prepare<[string]>("DELETE FROM checks WHERE check_id = ?"),
      counts: db.prepare<[], { subjects: number; records: number; messages: number }>(
        "SELECT (SELECT count(DISTINCT subject) FROM records) AS subjects, (SELECT count(*) FROM records) AS records, " +
          "(SELECT count(*) FROM messages) AS messages",
      ),
      stages: db.prepare<[], { stage: string; n: number }>(
        "SELECT stage, count(*) AS n FROM checks GROUP BY stage ORDER BY stage",
      ),
      // a lease is taken when there is none, when it has ended, or when the claimer holds it already
      claim: db.prepare<[string, string, number, number, string]>(
        "INSERT INTO leases (check_id, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (check_id) DO UPDATE SET " +
          "owner = excluded.owner, expires_at = excluded.expires_at WHERE leases.expires_at <= ? OR leases.owner = ?",
      ),
      claimable: db.prepare<[number], { check_id: string }>(
        "SELECT c.check_id FROM checks c LEFT JOIN leases l ON l.check_id = c.check_id " +
          "WHERE l.check_id IS NULL OR l.expires_at <= ? ORDER BY c.updated_at, c.check_id LIMIT 1",
      ),
      renew: db.prepare<[number, string, string]>("UPDATE leases SET expires_at = ? WHERE check_id = ? AND owner = ?"),
      release: db.prepare<[string, string]>("DELETE FROM leases WHERE check_id = ? AND owner = ?"),
      lease: db.prepare<[string], { owner: string; expires_at: number }>(
        "SELECT owner, expires_at FROM leases WHERE check_id = ?",
      ),
    };
  }

  putRecord(bytes: Uint8Array, hash: string, subject: string, provider: string): PutRecordResult {
    const checked = checkRecord(bytes, hash, subject, provider);
    const { subject: s, hash: h } = checked;
    return this.#db
      .transaction((): PutRecordResult => {
        const existing = this.#sql.recordByHash.get(s, h);
        if (existing) return { version: existing.version, created: false };
        const version = (this.#sql.lastVersion.get(s)?.v ?? 0) + 1;
        const storedAt = Date.now();
        const sealed = sealRecord(this.#key, checked, version, storedAt);
        this.#sql.insertRecord.run(s, version, h, checked.provider, storedAt, Buffer.from(sealed));
        this.#sql.putHead.run(s, version, h, Buffer.from(sealHead(this.#key, s, version, h)));
        return { version, created: true };
      })
      .immediate();
  }

  valuesOf(subject: string, hash: string): Map<string, bigint> {
    const s = readAddress(subject, "subject");
    const h = readHash(hash, "record hash");
    // A removed version is tampering even when it is not the one asked for: the history must be whole.
    const { n, v } = this.#sql.versions.get(s)!;
    checkVersions(this.#key, s, this.#sql.head.get(s), n, v);
    const row = this.#sql.record.get(s, h);
    if (!row) throw noRecord(s, h, n);
    return new Map(this.#openRecord(row).record.fields);
  }

  deployment(): StoreDeployment | undefined {
    const row = this.#sql.meta.get("deployment");
    return row && parseDeployment(row.value);
  }

  bindDeployment(deployment: StoreDeployment): void {
    const given = readDeployment(deployment);
    this.#db
      .transaction(() => {
        const bound = this.deployment();
        if (bound === undefined) {
          this.#sql.putMeta.run("deployment", deploymentJson(given));
          return;
        }
        checkSameDeployment(bound, given);
      })
      .immediate();
  }

  logCursor(): number | undefined {
    const row = this.#sql.meta.get("log_cursor");
    return row && parseLogCursor(row.value);
  }

  setLogCursor(block: number): void {
    this.#sql.putMeta.run("log_cursor", String(readLogCursor(block)));
  }

  /** Opens a record row and checks it against its hash, subject and provider. */
  #openRecord(row: RecordRow): StoredRecord {
    return openRecordRow(this.#key, row);
  }

  putMessage(hash: string, bytes: Uint8Array): void {
    const h = checkMessage(hash, bytes);
    this.#sql.insertMessage.run(h, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), Date.now());
  }

  getMessage(hash: string): Uint8Array | undefined {
    const h = readHash(hash, "message hash");
    const row = this.#sql.message.get(h);
    return row && openMessageRow(h, row.bytes);
  }

  putCheck(checkId: string, progress: CheckProgress & { readonly formHash: string }): void {
    const row = sealCheck(this.#key, checkId, progress);
    this.#sql.upsertCheck.run(
      row.check_id,
      row.stage,
      row.message_hash,
      row.updated_at,
      Buffer.from(row.sealed_state),
      row.form_hash,
    );
  }

  getCheck(checkId: string): CheckProgress | undefined {
    const row = this.#sql.check.get(readHash(checkId, "check id"));
    return row && this.#openCheck(row);
  }

  deleteCheck(checkId: string): boolean {
    return this.#sql.deleteCheck.run(readHash(checkId, "check id")).changes > 0;
  }

  oldMessages(storedBefore: number, limit: number): OldMessage[] {
    return this.#sql.oldMessages.all(...oldMessagesArgs(storedBefore, limit)).map(oldMessageRow);
  }

  deleteMessages(hashes: readonly string[]): number {
    const checked = hashes.map((h) => readHash(h, "message hash"));
    let deleted = 0;
    for (const h of checked) deleted += this.#sql.deleteMessage.run(h).changes;
    return deleted;
  }

  stats(): StoreStats {
    const counts = this.#sql.counts.get()!;
    const checksByStage: Record<string, number> = {};
    for (const { stage, n } of this.#sql.stages.all()) checksByStage[stage] = n;
    return { subjects: counts.subjects, records: counts.records, messages: counts.messages, checksByStage };
  }

  #openCheck(row: CheckRow): CheckProgress {
    return openCheckRow(this.#key, row);
  }

  claimCheck(checkId: string, owner: string, leaseMs: number): boolean {
    const id = readHash(checkId, "check id");
    const o = readOwner(owner);
    const ms = readLeaseMs(leaseMs);
    const now = Date.now();
    return this.#sql.claim.run(id, o, now + ms, now, o).changes > 0;
  }

  claimNext(owner: string, leaseMs: number): string | undefined {
    const o = readOwner(owner);
    const ms = readLeaseMs(leaseMs);
    return this.#db
      .transaction((): string | undefined => {
        const now = Date.now();
        const next = this.#sql.claimable.get(now);
        if (next === undefined) return undefined;
        return this.#sql.claim.run(next.check_id, o, now + ms, now, o).changes > 0 ? next.check_id : undefined;
      })
      .immediate();
  }

  renewLease(checkId: string, owner: string, leaseMs: number): boolean {
    const id = readHash(checkId, "check id");
    const o = readOwner(owner);
    const ms = readLeaseMs(leaseMs);
    return this.#sql.renew.run(Date.now() + ms, id, o).changes > 0;
  }

  releaseLease(checkId: string, owner: string): boolean {
    return this.#sql.release.run(readHash(checkId, "check id"), readOwner(owner)).changes > 0;
  }

  leaseOf(checkId: string): CheckLease | undefined {
    const row = this.#sql.lease.get(readHash(checkId, "check id"));
    return row && { owner: row.owner, expiresAt: row.expires_at };
  }

  holdsLease(checkId: string, owner: string): boolean {
    const id = readHash(checkId, "check id");
    const o = readOwner(owner);
    const row = this.#sql.lease.get(id);
    return row !== undefined && row.owner === o && row.expires_at > Date.now();
  }
}
