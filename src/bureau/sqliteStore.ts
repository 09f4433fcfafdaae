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
 * Schema version 2 (`PRAGMA user_version`), created on first open:
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
 * ```
 *
 * Migration 1 → 2 adds `checks.form_hash`. Rows written by version 1 keep working: their `form_hash` stays NULL and
 * their state stays sealed under the version-1 additional data (without a form hash); they are returned without a
 * `formHash`, and the journal takes such a row as the current form's (see `StoreJournal`). Every row written since
 * carries its form hash, bound into the sealed state's additional data under a version-2 domain tag.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import Database from "better-sqlite3";
import { getAddress, keccak256 } from "ethers";
import { MAX_MESSAGE_BYTES } from "../protocol/messages";
import { decodeRecord, RecordError } from "../protocol/records";
import { aadOf, open, seal, SealingError, sealingKeyId, SealingKey } from "./sealing";
import {
  StoreError,
  type BureauStore,
  type BureauStoreOps,
  type CheckProgress,
  type PutRecordResult,
  type StoreDeployment,
  type StoredRecord,
  type StoreStats,
} from "./store";

/** The schema version this release writes and reads. */
export const SCHEMA_VERSION = 2;

/** Domain tags of the additional data, one per sealed column (checks: one per layout of their data). */
const RECORDS_AAD = "blindcredit.bureau.records.v1";
const CHECKS_AAD_V1 = "blindcredit.bureau.checks.v1";
const CHECKS_AAD = "blindcredit.bureau.checks.v2";

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

interface RecordRow {
  subject: string;
  version: number;
  hash: string;
  provider: string;
  stored_at: number;
  sealed: Buffer;
}

interface CheckRow {
  check_id: string;
  stage: string;
  message_hash: string | null;
  updated_at: number;
  sealed_state: Buffer;
  form_hash: string | null;
}

/** A transaction's handle: the operations, refused once the transaction has ended. */
interface Handle {
  active: boolean;
}

/**
 * The store: every call is queued and served in the order made, one at a time, so that a call made while a
 * transaction runs sees all of it or (when made before it) none of it. Each call is a few synchronous statements;
 * only a transaction spans awaits.
 */
class SqliteStore implements BureauStore {
  readonly #db: Database.Database;
  readonly #ops: Operations;
  /** Which transaction, if any, the current async context runs inside. */
  readonly #context = new AsyncLocalStorage<Handle>();
  /** Settles when the last queued call has finished. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

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
  stats(): Promise<StoreStats> {
    return this.#run("stats", () => this.#ops.stats());
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

  transaction<T>(fn: (tx: BureauStoreOps) => Promise<T>): Promise<T> {
    return this.#queue("transaction", async () => {
      const handle: Handle = { active: true };
      // IMMEDIATE takes the write lock now, so a second process cannot make the commit fail half-way
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = await this.#context.run(handle, () => fn(transactionHandle(this.#ops, handle)));
        this.#db.exec("COMMIT");
        return result;
      } catch (e) {
        if (this.#db.inTransaction) this.#db.exec("ROLLBACK");
        throw e;
      } finally {
        handle.active = false;
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // queued like any call: waits for a running transaction; later calls find the store closed
    await this.#queue("close", async () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#db.close();
    }).catch((e) => {
      if (!(e instanceof StoreError && e.code === "closed")) throw e;
    });
  }

  /** Queues one synchronous operation. */
  #run<T>(what: string, op: () => T): Promise<T> {
    return this.#queue(what, async () => op());
  }

  /**
   * Serves `op` after every call made before it. Refuses a call on the store from inside a transaction's callback:
   * queued behind the transaction, it would wait forever.
   */
  #queue<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.#context.getStore()?.active) {
      return Promise.reject(
        new StoreError(
          "transaction",
          `${what} called on the store inside transaction(): use the handle passed to the callback ` +
            "(this call would wait for the transaction forever)",
        ),
      );
    }
    const result = this.#tail.then(() => {
      if (this.#closed) throw new StoreError("closed", `sqlite store: ${what} used after close()`);
      return op();
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** The operations as seen inside a transaction: run at once, refused after the transaction ended. */
function transactionHandle(ops: Operations, handle: Handle): BureauStoreOps {
  const guard = async <T>(op: () => T): Promise<T> => {
    if (!handle.active) throw new StoreError("transaction", "transaction handle used after its transaction ended");
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
      meta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      putMeta: db.prepare<[string, string]>(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      insertMessage: db.prepare<[string, Buffer, number]>(
        "INSERT INTO messages (hash, bytes, stored_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING",
      ),
      message: db.prepare<[string], { bytes: Buffer }>("SELECT bytes FROM messages WHERE hash = ?"),
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
    };
  }

  putRecord(bytes: Uint8Array, hash: string, subject: string, provider: string): PutRecordResult {
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
      throw new StoreError(
        "invalid-argument",
        `record: stored as from provider ${p}, but it is from ${record.provider}`,
      );
    }
    return this.#db
      .transaction((): PutRecordResult => {
        const existing = this.#sql.recordByHash.get(s, h);
        if (existing) return { version: existing.version, created: false };
        const version = (this.#sql.lastVersion.get(s)?.v ?? 0) + 1;
        const storedAt = Date.now();
        const sealed = seal(this.#key, bytes, recordAad(s, version, h, p, storedAt));
        this.#sql.insertRecord.run(s, version, h, p, storedAt, Buffer.from(sealed));
        return { version, created: true };
      })
      .immediate();
  }

  valuesOf(subject: string, hash: string): Map<string, bigint> {
    const s = readAddress(subject, "subject");
    const h = readHash(hash, "record hash");
    // A removed version is tampering even when it is not the one asked for: the history must be whole.
    const { n, v } = this.#sql.versions.get(s)!;
    if (n !== (v ?? 0)) {
      throw new SealingError(
        "tampered",
        `record ${s}: expected versions 1 to ${v}, got ${n} of them: a version was removed`,
      );
    }
    const row = this.#sql.record.get(s, h);
    if (!row) {
      throw new StoreError(
        "no-record",
        `subject ${s}: no credit record with hash ${h} on file` +
          (n === 0 ? " (none at all)" : ` (${n} other version${n === 1 ? "" : "s"})`),
      );
    }
    return new Map(this.#openRecord(row).record.fields);
  }

  deployment(): StoreDeployment | undefined {
    const row = this.#sql.meta.get("deployment");
    if (!row) return undefined;
    try {
      const json = JSON.parse(row.value) as { chainId: string; contracts: Record<string, string> };
      return { chainId: BigInt(json.chainId), contracts: json.contracts };
    } catch (e) {
      throw new StoreError("schema", `store meta "deployment": expected JSON, got ${describe(row.value)}`, {
        cause: e,
      });
    }
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
        if (deploymentJson(bound) !== deploymentJson(given)) {
          throw new StoreError(
            "deployment",
            `the store serves ${describeDeployment(bound)}; it was given ${describeDeployment(given)}`,
          );
        }
      })
      .immediate();
  }

  logCursor(): number | undefined {
    const row = this.#sql.meta.get("log_cursor");
    if (!row) return undefined;
    const block = Number(row.value);
    if (!/^\d+$/.test(row.value) || !Number.isSafeInteger(block)) {
      throw new StoreError("schema", `store meta "log_cursor": expected a block number, got ${describe(row.value)}`);
    }
    return block;
  }

  setLogCursor(block: number): void {
    if (typeof block !== "number" || !Number.isSafeInteger(block) || block < 0) {
      throw new StoreError("invalid-argument", `log cursor: expected a block number, got ${describe(block)}`);
    }
    this.#sql.putMeta.run("log_cursor", String(block));
  }

  /** Opens a record row and checks it against its hash, subject and provider. */
  #openRecord(row: RecordRow): StoredRecord {
    const where = `record ${row.subject} version ${row.version}`;
    const bytes = reopen(
      () => open(this.#key, row.sealed, recordAad(row.subject, row.version, row.hash, row.provider, row.stored_at)),
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

  putMessage(hash: string, bytes: Uint8Array): void {
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
      throw new StoreError(
        "invalid-argument",
        `message: expected bytes hashing to ${h}, got bytes hashing to ${actual}`,
      );
    }
    this.#sql.insertMessage.run(h, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), Date.now());
  }

  getMessage(hash: string): Uint8Array | undefined {
    const h = readHash(hash, "message hash");
    const row = this.#sql.message.get(h);
    if (!row) return undefined;
    const actual = keccak256(row.bytes);
    if (actual !== h) {
      throw new SealingError("tampered", `message ${h}: the stored bytes hash to ${actual}: altered in the database`);
    }
    return new Uint8Array(row.bytes);
  }

  putCheck(checkId: string, progress: CheckProgress & { readonly formHash: string }): void {
    const id = readHash(checkId, "check id");
    if (typeof progress !== "object" || progress === null) {
      throw new StoreError("invalid-argument", `check ${id}: expected its progress, got ${describe(progress)}`);
    }
    const stage = readStage(progress.stage);
    if (!(progress.state instanceof Uint8Array)) {
      throw new StoreError("invalid-argument", `check ${id} state: expected bytes, got ${describe(progress.state)}`);
    }
    const formHash = readHash(progress.formHash, "check form hash");
    const messageHash =
      progress.messageHash === undefined ? null : readHash(progress.messageHash, "check message hash");
    const updatedAt = progress.updatedAt;
    if (typeof updatedAt !== "number" || !Number.isSafeInteger(updatedAt) || updatedAt <= 0) {
      throw new StoreError(
        "invalid-argument",
        `check ${id} updatedAt: expected a positive integer (Unix ms), got ${describe(updatedAt)}`,
      );
    }
    const sealed = seal(this.#key, progress.state, checkAad(id, stage, messageHash, updatedAt, formHash));
    this.#sql.upsertCheck.run(id, stage, messageHash, updatedAt, Buffer.from(sealed), formHash);
  }

  getCheck(checkId: string): CheckProgress | undefined {
    const row = this.#sql.check.get(readHash(checkId, "check id"));
    return row && this.#openCheck(row);
  }

  deleteCheck(checkId: string): boolean {
    return this.#sql.deleteCheck.run(readHash(checkId, "check id")).changes > 0;
  }

  stats(): StoreStats {
    const counts = this.#sql.counts.get()!;
    const checksByStage: Record<string, number> = {};
    for (const { stage, n } of this.#sql.stages.all()) checksByStage[stage] = n;
    return { subjects: counts.subjects, records: counts.records, messages: counts.messages, checksByStage };
  }

  #openCheck(row: CheckRow): CheckProgress {
    const state = reopen(
      () =>
        open(
          this.#key,
          row.sealed_state,
          checkAad(row.check_id, row.stage, row.message_hash, row.updated_at, row.form_hash),
        ),
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
}

function recordAad(subject: string, version: number, hash: string, provider: string, storedAt: number): Uint8Array {
  return aadOf(RECORDS_AAD, subject, version, hash, provider, storedAt);
}

/** A check row's additional data; a row kept from schema version 1 (no form hash) keeps its version-1 layout. */
function checkAad(
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

/** Checks a deployment and puts it in canonical form: checksummed addresses, contracts sorted by name. */
function readDeployment(value: StoreDeployment): StoreDeployment {
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

function deploymentJson(deployment: StoreDeployment): string {
  const { chainId, contracts } = readDeployment(deployment);
  return JSON.stringify({ chainId: chainId.toString(), contracts });
}

function describeDeployment({ chainId, contracts }: StoreDeployment): string {
  const names = Object.keys(contracts).sort();
  return `chain ${chainId} (${names.map((name) => `${name} ${contracts[name]}`).join(", ")})`;
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

function readAddress(value: unknown, what: string): string {
  if (typeof value === "string") {
    try {
      return getAddress(value);
    } catch {
      // fall through to the refusal
    }
  }
  throw new StoreError("invalid-argument", `${what}: expected an address, got ${describe(value)}`);
}

function readHash(value: unknown, what: string): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new StoreError("invalid-argument", `${what}: expected 32 bytes as 0x-hex, got ${describe(value)}`);
  }
  return value.toLowerCase();
}

function readStage(value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new StoreError(
      "invalid-argument",
      `check stage: expected 1 to 64 characters of [A-Za-z0-9._-], got ${describe(value)}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  if (typeof value === "string") return value.length > 80 ? `"${value.slice(0, 77)}…"` : `"${value}"`;
  return `${typeof value} ${String(value)}`;
}
