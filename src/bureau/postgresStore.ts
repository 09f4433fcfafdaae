/**
 * The bureau's server store: PostgreSQL through node-postgres (`pg`), with the semantics of the embedded SQLite
 * store (`./sqliteStore`): the same tables, the same sealing at rest (AES-256-GCM, each blob bound to its row by
 * the same additional data), the same deployment binding and log cursor in `meta`, the same {@link StoreError}
 * codes and messages, calls served in order with transactions that hold later calls back. What it adds is that
 * several bureau processes (evaluators) can share it: leases on checks (`./leases`) are taken atomically on the
 * server's clock, `claimNext` with `FOR UPDATE SKIP LOCKED`, and concurrent record versions of one subject are
 * serialised by an advisory lock.
 *
 * Durability is the server's: a commit returns once PostgreSQL has flushed it (keep `synchronous_commit = on`, the
 * default, for the reason the SQLite store runs `synchronous = FULL`: the bureau commits a record's hash on-chain
 * right after storing it).
 *
 * Schema version 2 of this store (kept in `meta` as `schema_version`), created on first open under an advisory lock
 * (two processes opening a new database at once create it once), in the connection's current schema:
 *
 * ```sql
 * CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);  -- schema_version, sealing_key_id, created_at,
 *                                                                 -- deployment, log_cursor
 * CREATE TABLE records (subject TEXT, version INTEGER CHECK (version >= 1), hash TEXT, provider TEXT,
 *   stored_at BIGINT, sealed BYTEA, PRIMARY KEY (subject, version), UNIQUE (subject, hash));  -- all NOT NULL
 * -- triggers records_no_update (UPDATE, DELETE) and records_no_truncate: append-only
 * CREATE TABLE messages (hash TEXT PRIMARY KEY, bytes BYTEA NOT NULL, stored_at BIGINT NOT NULL);
 * CREATE TABLE checks (check_id TEXT PRIMARY KEY, stage TEXT NOT NULL, message_hash TEXT,
 *   updated_at BIGINT NOT NULL, sealed_state BYTEA NOT NULL, form_hash TEXT NOT NULL);
 * CREATE INDEX checks_by_stage ON checks (stage, updated_at);
 * CREATE TABLE leases (check_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at BIGINT NOT NULL);
 * CREATE TABLE record_heads (subject TEXT PRIMARY KEY, versions INTEGER NOT NULL CHECK (versions >= 1),  -- version 2
 *   hash TEXT NOT NULL, sealed BYTEA NOT NULL);  -- sealed: seal(nothing, aad(subject, versions, hash))
 * ```
 *
 * Migration 1 → 2 adds `record_heads` (the sealed newest version of each subject, written with every version in its
 * transaction) and makes each subject's head from its newest stored version: a version removed after that, the
 * newest included, is tampering (`checkVersions` in `./storeRows`).
 *
 * Errors: as the store interface says; besides, a server that cannot be reached or that refuses the connection
 * (node-postgres's own error) is not a refusal of the store: retrying later may help.
 * @module
 */
import pg from "pg";
import { redactUrl } from "../redact";
import { CallQueue, guarded } from "./callQueue";
import type { CheckLease } from "./leases";
import { SealingError, sealingKeyId, SealingKey } from "./sealing";
import {
  StoreError,
  type BureauStore,
  type BureauStoreOps,
  type CheckProgress,
  type PutRecordResult,
  type StoreDeployment,
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

/** The schema version this release writes and reads in a PostgreSQL store. */
export const POSTGRES_SCHEMA_VERSION = 2;

/** The advisory lock key under which the schema is created or migrated ("blindcr" in ASCII). */
const SCHEMA_LOCK = 0x626c696e64637200n;

/** The server's clock in Unix milliseconds: leases are timed by it, so that all evaluators agree. */
const NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

const MIGRATIONS: readonly string[] = [
  // 0 → 1
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE records (
    subject   TEXT    NOT NULL,
    version   INTEGER NOT NULL CHECK (version >= 1),
    hash      TEXT    NOT NULL,
    provider  TEXT    NOT NULL,
    stored_at BIGINT  NOT NULL,
    sealed    BYTEA   NOT NULL,
    PRIMARY KEY (subject, version),
    UNIQUE (subject, hash)
  );
  CREATE FUNCTION records_append_only() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'records are append-only'; END $$;
  CREATE TRIGGER records_no_update BEFORE UPDATE OR DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION records_append_only();
  CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION records_append_only();
  CREATE TABLE messages (hash TEXT PRIMARY KEY, bytes BYTEA NOT NULL, stored_at BIGINT NOT NULL);
  CREATE TABLE checks (
    check_id     TEXT   PRIMARY KEY,
    stage        TEXT   NOT NULL,
    message_hash TEXT,
    updated_at   BIGINT NOT NULL,
    sealed_state BYTEA  NOT NULL,
    form_hash    TEXT   NOT NULL
  );
  CREATE INDEX checks_by_stage ON checks (stage, updated_at);
  CREATE TABLE leases (check_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at BIGINT NOT NULL);
  `,
  // 1 → 2: the sealed head of each subject's versions (filled from the records by `migrate`, which holds the key)
  `
  CREATE TABLE record_heads (
    subject  TEXT    PRIMARY KEY,
    versions INTEGER NOT NULL CHECK (versions >= 1),
    hash     TEXT    NOT NULL,
    sealed   BYTEA   NOT NULL
  );
  `,
];

/** Where the store lives and the key that seals it. */
export interface PostgresStoreOptions {
  /** The database, as a connection URL: `postgres://user:password@host:port/database` (libpq's parameters). */
  readonly url: string;
  /** The sealing key; a database created under another key is refused. */
  readonly sealingKey: SealingKey;
}

/**
 * Opens (creating the schema when the database is empty) the store at `options.url`.

 * @throws {StoreError} `invalid-argument` for a URL that is not `postgres://` or `postgresql://`; `schema` when the
 *   database holds other tables, or a schema from a newer release; `SealingError` `wrong-key` when it was created
 *   under another sealing key (checked before any row is read); node-postgres's error when the server cannot be
 *   reached or refuses the connection
 * @example const store = await openPostgresStore({ url: "postgres://bureau@db/bureau", sealingKey });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<BureauStore> {
  if (typeof options?.url !== "string" || !isPostgresUrl(options.url)) {
    throw new StoreError(
      "invalid-argument",
      `postgres store: expected a postgres:// or postgresql:// URL, got ${describe(redact(options?.url))}`,
    );
  }
  if (!(options.sealingKey instanceof SealingKey)) {
    throw new StoreError(
      "invalid-argument",
      `postgres store: expected a SealingKey, got ${describe(options.sealingKey)}`,
    );
  }
  const where = `postgres store ${redact(options.url)}`;
  // one connection: calls are served one at a time anyway (see CallQueue); the pool replaces a broken one
  const pool = new pg.Pool({ connectionString: options.url, max: 1, types: { getTypeParser } });
  pool.on("error", () => undefined); // an idle connection lost: the next call reconnects, or fails and says why
  try {
    await migrate(poolDb(pool), where, options.sealingKey);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return new PostgresStore(pool, options.sealingKey);
}

/** Whether `location` names a PostgreSQL database (rather than a SQLite file). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL with its credentials replaced by `***` (the project's one redaction, `../redact`): for messages and logs. */
export function redact(url: unknown): unknown {
  return typeof url === "string" ? redactUrl(url) : url;
}

/** BIGINT (int8) columns and counts as numbers: times in ms and counts are far below 2^53. */
function getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
  if (oid === pg.types.builtins.INT8) return Number;
  return pg.types.getTypeParser(oid, format as "text");
}

/** A connection to run statements on: the pool, or a transaction's client. */
interface Db {
  query<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs `fn` atomically: in a transaction of its own, or in the one this connection is in. */
  atomic<T>(fn: (db: Db) => Promise<T>): Promise<T>;
}

function poolDb(pool: pg.Pool): Db {
  return {
    async query<R>(sql: string, params?: readonly unknown[]) {
      return (await pool.query(sql, params as unknown[])).rows as R[];
    },
    atomic: (fn) => inTransaction(pool, fn),
  };
}

function clientDb(client: pg.PoolClient): Db {
  const db: Db = {
    async query<R>(sql: string, params?: readonly unknown[]) {
      return (await client.query(sql, params as unknown[])).rows as R[];
    },
    atomic: (fn) => fn(db),
  };
  return db;
}

/** Runs `fn` in a transaction on a client of its own: committed when it returns, rolled back when it throws. */
async function inTransaction<T>(pool: pg.Pool, fn: (db: Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    try {
      const result = await fn(clientDb(client));
      await client.query("COMMIT");
      return result;
    } catch (e) {
      await client.query("ROLLBACK").catch((rollback: Error) => (broken = rollback));
      throw e;
    }
  } finally {
    client.release(broken);
  }
}

async function migrate(db: Db, where: string, key: SealingKey): Promise<void> {
  await db.atomic(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK.toString()]);
    const tables = (
      await tx.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
      )
    ).map((t) => t.name);
    let version = 0;
    if (tables.length > 0) {
      if (!tables.includes("meta")) {
        throw new StoreError(
          "schema",
          `${where}: expected an empty database or a bureau database, got a database with ${tables.length} other tables`,
        );
      }
      const [row] = await tx.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
      version = Number(row?.value);
      if (!Number.isSafeInteger(version) || version < 1) {
        throw new StoreError("schema", `${where}: its metadata names no schema version: not a bureau database`);
      }
      if (version > POSTGRES_SCHEMA_VERSION) {
        throw new StoreError(
          "schema",
          `${where}: expected schema version ${POSTGRES_SCHEMA_VERSION} or older, got ${version}: written by a newer release`,
        );
      }
      await checkKey(tx, where, key); // before migrating a database that is not this key's
    }
    if (version < POSTGRES_SCHEMA_VERSION) {
      for (let v = version; v < POSTGRES_SCHEMA_VERSION; v++) await tx.query(MIGRATIONS[v]);
      if (version === 1) {
        const newest = await tx.query<{ subject: string; version: number; hash: string }>(NEWEST_VERSIONS_SQL);
        for (const { subject, version: v, hash } of newest) {
          await tx.query("INSERT INTO record_heads (subject, versions, hash, sealed) VALUES ($1, $2, $3, $4)", [
            subject,
            v,
            hash,
            Buffer.from(sealHead(key, subject, v, hash)),
          ]);
        }
      }
      if (version === 0) {
        await tx.query("INSERT INTO meta (key, value) VALUES ('sealing_key_id', $1), ('created_at', $2)", [
          sealingKeyId(key),
          String(Date.now()),
        ]);
      }
      await tx.query(
        "INSERT INTO meta (key, value) VALUES ('schema_version', $1) " +
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [String(POSTGRES_SCHEMA_VERSION)],
      );
    }
    await checkKey(tx, where, key);
  });
}

async function checkKey(db: Db, where: string, key: SealingKey): Promise<void> {
  const [row] = await db.query<{ value: string }>("SELECT value FROM meta WHERE key = 'sealing_key_id'");
  if (!row) throw new StoreError("schema", `${where}: its metadata names no sealing key id`);
  if (row.value !== sealingKeyId(key)) {
    throw new SealingError(
      "wrong-key",
      `${where}: wrong sealing key: the database was sealed under key ${row.value}, the key given is ${sealingKeyId(key)}`,
    );
  }
}

/** The operations a transaction's handle offers. */
type Ops = BureauStoreOps;

/** The store: calls served in order through a {@link CallQueue}, on one pooled connection. */
class PostgresStore implements BureauStore {
  readonly #pool: pg.Pool;
  readonly #db: Db;
  readonly #ops: Operations;
  readonly #queue = new CallQueue("postgres store");

  constructor(pool: pg.Pool, key: SealingKey) {
    this.#pool = pool;
    this.#db = poolDb(pool);
    this.#ops = new Operations(key);
  }

  putRecord(bytes: Uint8Array, hash: string, subject: string, provider: string): Promise<PutRecordResult> {
    return this.#queue.run("putRecord", () => this.#ops.putRecord(this.#db, bytes, hash, subject, provider));
  }
  valuesOf(subject: string, hash: string): Promise<Map<string, bigint>> {
    return this.#queue.run("valuesOf", () => this.#ops.valuesOf(this.#db, subject, hash));
  }
  putMessage(hash: string, bytes: Uint8Array): Promise<void> {
    return this.#queue.run("putMessage", () => this.#ops.putMessage(this.#db, hash, bytes));
  }
  getMessage(hash: string): Promise<Uint8Array | undefined> {
    return this.#queue.run("getMessage", () => this.#ops.getMessage(this.#db, hash));
  }
  putCheck(checkId: string, progress: CheckProgress & { readonly formHash: string }): Promise<void> {
    return this.#queue.run("putCheck", () => this.#ops.putCheck(this.#db, checkId, progress));
  }
  getCheck(checkId: string): Promise<CheckProgress | undefined> {
    return this.#queue.run("getCheck", () => this.#ops.getCheck(this.#db, checkId));
  }
  deleteCheck(checkId: string): Promise<boolean> {
    return this.#queue.run("deleteCheck", () => this.#ops.deleteCheck(this.#db, checkId));
  }
  holdsLease(checkId: string, owner: string): Promise<boolean> {
    return this.#queue.run("holdsLease", () => this.#ops.holdsLease(this.#db, checkId, owner));
  }

  transaction<T>(fn: (tx: BureauStoreOps) => Promise<T>): Promise<T> {
    return this.#queue.transaction((scope) =>
      inTransaction(this.#pool, (db) => fn(guarded(this.#ops.bound(db), scope) as BureauStoreOps)),
    );
  }

  oldMessages(storedBefore: number, limit: number): Promise<OldMessage[]> {
    return this.#queue.run("oldMessages", async () => {
      const rows = await this.#db.query<{ hash: string; head: Buffer; stored_at: string }>(
        OLD_MESSAGES_SQL,
        oldMessagesArgs(storedBefore, limit),
      );
      return rows.map(oldMessageRow);
    });
  }
  deleteMessages(hashes: readonly string[]): Promise<number> {
    const checked = hashes.map((h) => readHash(h, "message hash"));
    return this.#queue.run("deleteMessages", async () => {
      const rows = await this.#db.query<{ hash: string }>(
        "DELETE FROM messages WHERE hash = ANY($1::text[]) RETURNING hash",
        [checked],
      );
      return rows.length;
    });
  }

  stats(): Promise<StoreStats> {
    return this.#queue.run("stats", async () => {
      const [counts] = await this.#db.query<{ subjects: number; records: number; messages: number }>(
        "SELECT (SELECT count(DISTINCT subject) FROM records) AS subjects, (SELECT count(*) FROM records) AS records, " +
          "(SELECT count(*) FROM messages) AS messages",
      );
      const checksByStage: Record<string, number> = {};
      const stages = await this.#db.query<{ stage: string; n: number }>(
        "SELECT stage, count(*) AS n FROM checks GROUP BY stage ORDER BY stage",
      );
      for (const { stage, n } of stages) checksByStage[stage] = n;
      return { subjects: counts.subjects, records: counts.records, messages: counts.messages, checksByStage };
    });
  }

  deployment(): Promise<StoreDeployment | undefined> {
    return this.#queue.run("deployment", async () => {
      const [row] = await this.#db.query<{ value: string }>("SELECT value FROM meta WHERE key = 'deployment'");
      return row && parseDeployment(row.value);
    });
  }

  bindDeployment(deployment: StoreDeployment): Promise<void> {
    return this.#queue.run("bindDeployment", async () => {
      const given = readDeployment(deployment);
      // the first binding wins, also between processes starting at once; it never changes after
      await this.#db.query("INSERT INTO meta (key, value) VALUES ('deployment', $1) ON CONFLICT (key) DO NOTHING", [
        deploymentJson(given),
      ]);
      const [row] = await this.#db.query<{ value: string }>("SELECT value FROM meta WHERE key = 'deployment'");
      checkSameDeployment(parseDeployment(row.value), given);
    });
  }

  logCursor(): Promise<number | undefined> {
    return this.#queue.run("logCursor", async () => {
      const [row] = await this.#db.query<{ value: string }>("SELECT value FROM meta WHERE key = 'log_cursor'");
      return row && parseLogCursor(row.value);
    });
  }

  setLogCursor(block: number): Promise<void> {
    return this.#queue.run("setLogCursor", async () => {
      await this.#db.query(
        "INSERT INTO meta (key, value) VALUES ('log_cursor', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [String(readLogCursor(block))],
      );
    });
  }

  claimCheck(checkId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#queue.run("claimCheck", async () => {
      const id = readHash(checkId, "check id");
      const o = readOwner(owner);
      const ms = readLeaseMs(leaseMs);
      // one statement: of several claimers, the first to insert wins; the others meet its row in ON CONFLICT,
      // where the condition is evaluated against the committed lease
      const rows = await this.#db.query(
        `INSERT INTO leases (check_id, owner, expires_at) VALUES ($1, $2, ${NOW_MS} + $3) ${TAKE_LEASE} RETURNING 1`,
        [id, o, ms],
      );
      return rows.length > 0;
    });
  }

  claimNext(owner: string, leaseMs: number): Promise<string | undefined> {
    return this.#queue.run("claimNext", async () => {
      const o = readOwner(owner);
      const ms = readLeaseMs(leaseMs);
      // The oldest claimable check, skipping those another claimer has locked right now. A claimer that read the
      // leases just before another committed its claim on the same check finds it taken in ON CONFLICT: it then
      // looks again, with the leases as they are now.
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const [{ candidate, taken }] = await this.#db.query<{ candidate: string | null; taken: string | null }>(
          "WITH next AS (SELECT c.check_id FROM checks c LEFT JOIN leases l ON l.check_id = c.check_id " +
            `WHERE l.check_id IS NULL OR l.expires_at <= ${NOW_MS} ORDER BY c.updated_at, c.check_id LIMIT 1 ` +
            "FOR UPDATE OF c SKIP LOCKED), " +
            `claimed AS (INSERT INTO leases (check_id, owner, expires_at) SELECT check_id, $1, ${NOW_MS} + $2 ` +
            `FROM next ${TAKE_LEASE} RETURNING check_id) ` +
            "SELECT (SELECT check_id FROM next) AS candidate, (SELECT check_id FROM claimed) AS taken",
          [o, ms],
        );
        if (taken !== null) return taken;
        if (candidate === null) return undefined;
      }
      return undefined;
    });
  }

  renewLease(checkId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#queue.run("renewLease", async () => {
      const id = readHash(checkId, "check id");
      const o = readOwner(owner);
      const ms = readLeaseMs(leaseMs);
      const rows = await this.#db.query(
        `UPDATE leases SET expires_at = ${NOW_MS} + $3 WHERE check_id = $1 AND owner = $2 RETURNING 1`,
        [id, o, ms],
      );
      return rows.length > 0;
    });
  }

  releaseLease(checkId: string, owner: string): Promise<boolean> {
    return this.#queue.run("releaseLease", async () => {
      const rows = await this.#db.query("DELETE FROM leases WHERE check_id = $1 AND owner = $2 RETURNING 1", [
        readHash(checkId, "check id"),
        readOwner(owner),
      ]);
      return rows.length > 0;
    });
  }

  leaseOf(checkId: string): Promise<CheckLease | undefined> {
    return this.#queue.run("leaseOf", async () => {
      const [row] = await this.#db.query<{ owner: string; expires_at: number }>(
        "SELECT owner, expires_at FROM leases WHERE check_id = $1",
        [readHash(checkId, "check id")],
      );
      return row && { owner: row.owner, expiresAt: row.expires_at };
    });
  }

  close(): Promise<void> {
    return this.#queue.close(() => this.#pool.end());
  }
}

/** How many times `claimNext` looks again when the check it chose was claimed meanwhile. */
const CLAIM_ATTEMPTS = 5;

/** A lease is taken when there is none, when it has ended, or when the claimer holds it already. */
const TAKE_LEASE =
  "ON CONFLICT (check_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at " +
  `WHERE leases.expires_at <= ${NOW_MS} OR leases.owner = excluded.owner`;

/** The operations on a connection: the store's own (the pool) or a transaction's. */
class Operations {
  readonly #key: SealingKey;

  constructor(key: SealingKey) {
    this.#key = key;
  }

  /** The operations bound to `db`, as a transaction's handle offers them. */
  bound(db: Db): Ops {
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
    db: Db,
    bytes: Uint8Array,
    hash: string,
    subject: string,
    provider: string,
  ): Promise<PutRecordResult> {
    const checked = checkRecord(bytes, hash, subject, provider);
    const { subject: s, hash: h } = checked;
    return db.atomic(async (tx) => {
      // the subject's versions are numbered one after another: writers of one subject take turns
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [s]);
      const [existing] = await tx.query<{ version: number }>(
        "SELECT version FROM records WHERE subject = $1 AND hash = $2",
        [s, h],
      );
      if (existing) return { version: existing.version, created: false };
      const [{ v }] = await tx.query<{ v: number | null }>("SELECT max(version) AS v FROM records WHERE subject = $1", [
        s,
      ]);
      const version = (v ?? 0) + 1;
      const storedAt = Date.now();
      const sealed = sealRecord(this.#key, checked, version, storedAt);
      await tx.query(
        "INSERT INTO records (subject, version, hash, provider, stored_at, sealed) VALUES ($1, $2, $3, $4, $5, $6)",
        [s, version, h, checked.provider, storedAt, Buffer.from(sealed)],
      );
      await tx.query(
        "INSERT INTO record_heads (subject, versions, hash, sealed) VALUES ($1, $2, $3, $4) ON CONFLICT (subject) " +
          "DO UPDATE SET versions = excluded.versions, hash = excluded.hash, sealed = excluded.sealed",
        [s, version, h, Buffer.from(sealHead(this.#key, s, version, h))],
      );
      return { version, created: true };
    });
  }

  async valuesOf(db: Db, subject: string, hash: string): Promise<Map<string, bigint>> {
    const s = readAddress(subject, "subject");
    const h = readHash(hash, "record hash");
    // A removed version is tampering even when it is not the one asked for: the history must be whole.
    const [{ n, v }] = await db.query<{ n: number; v: number | null }>(
      "SELECT count(*) AS n, max(version) AS v FROM records WHERE subject = $1",
      [s],
    );
    const [head] = await db.query<HeadRow>("SELECT versions, hash, sealed FROM record_heads WHERE subject = $1", [s]);
    checkVersions(this.#key, s, head, n, v);
    const [row] = await db.query<RecordRow>(
      "SELECT subject, version, hash, provider, stored_at, sealed FROM records WHERE subject = $1 AND hash = $2",
      [s, h],
    );
    if (!row) throw noRecord(s, h, n);
    return new Map(openRecordRow(this.#key, row).record.fields);
  }

  async putMessage(db: Db, hash: string, bytes: Uint8Array): Promise<void> {
    const h = checkMessage(hash, bytes);
    await db.query("INSERT INTO messages (hash, bytes, stored_at) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING", [
      h,
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
      Date.now(),
    ]);
  }

  async getMessage(db: Db, hash: string): Promise<Uint8Array | undefined> {
    const h = readHash(hash, "message hash");
    const [row] = await db.query<{ bytes: Buffer }>("SELECT bytes FROM messages WHERE hash = $1", [h]);
    return row && openMessageRow(h, row.bytes);
  }

  async putCheck(db: Db, checkId: string, progress: CheckProgress & { readonly formHash: string }): Promise<void> {
    const row = sealCheck(this.#key, checkId, progress);
    await db.query(
      "INSERT INTO checks (check_id, stage, message_hash, updated_at, sealed_state, form_hash) " +
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (check_id) DO UPDATE SET stage = excluded.stage, " +
        "message_hash = excluded.message_hash, updated_at = excluded.updated_at, " +
        "sealed_state = excluded.sealed_state, form_hash = excluded.form_hash",
      [row.check_id, row.stage, row.message_hash, row.updated_at, Buffer.from(row.sealed_state), row.form_hash],
    );
  }

  async getCheck(db: Db, checkId: string): Promise<CheckProgress | undefined> {
    const [row] = await db.query<CheckRow>(
      "SELECT check_id, stage, message_hash, updated_at, sealed_state, form_hash FROM checks WHERE check_id = $1",
      [readHash(checkId, "check id")],
    );
    return row && openCheckRow(this.#key, row);
  }

  async holdsLease(db: Db, checkId: string, owner: string): Promise<boolean> {
    // FOR UPDATE: inside a transaction, a concurrent claim of this lease waits for its end
    const rows = await db.query(
      `SELECT 1 FROM leases WHERE check_id = $1 AND owner = $2 AND expires_at > ${NOW_MS} FOR UPDATE`,
      [readHash(checkId, "check id"), readOwner(owner)],
    );
    return rows.length > 0;
  }

  async deleteCheck(db: Db, checkId: string): Promise<boolean> {
    const rows = await db.query("DELETE FROM checks WHERE check_id = $1 RETURNING 1", [readHash(checkId, "check id")]);
    return rows.length > 0;
  }
}
