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
 * The schema version is kept in `meta` as `schema_version`. A store written before the bureau's store had one
 * migration history numbered its versions 1 and 2: they hold the tables of versions 3 and 4 (`./storeCore`), are
 * read as such, and migrated to the current version. A database this release creates goes from empty to the current
 * version in one transaction, so never rests at 1 or 2. The schema is created or migrated
 * under an advisory lock (two processes opening a new database at once create it once), in the connection's current
 * schema.
 *
 * The schema, the statements and the operations are the store core's (`./storeCore`); this file is the driver.
 *
 * Errors: as the store interface says; besides, a server that cannot be reached or that refuses the connection
 * (node-postgres's own error) is not a refusal of the store: retrying later may help.
 * @module
 */
import pg from "pg";
import { redactUrl } from "../redact";
import type { SealingKey } from "./sealing";
import { StoreError, type BureauStore } from "./store";
import { openStoreWith } from "./storeCore";
import type { SqlDialect, StoreConnection, StoreDriver } from "./storeDriver";
import { describe } from "./storeRows";

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
export function openPostgresStore(options: PostgresStoreOptions): Promise<BureauStore> {
  return openStoreWith(postgresDriver, options?.url, options?.sealingKey);
}

/** Whether `location` names a PostgreSQL database (rather than a SQLite file). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL with its credentials replaced by `***` (the project's one redaction, `../redact`): for messages and logs. */
export function redact(url: unknown): unknown {
  return typeof url === "string" ? redactUrl(url) : url;
}

/** The server's clock in Unix milliseconds: leases are timed by it, so that all evaluators agree. */
const NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/** PostgreSQL's words: the server's clock, rows locked for the transaction, append-only by a trigger function. */
export const POSTGRES_DIALECT: SqlDialect = {
  bytes: "BYTEA",
  int64: "BIGINT",
  tableOptions: "",
  nowMs: NOW_MS,
  appendOnly: (table) => `
    CREATE FUNCTION ${table}_append_only() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION '${table} are append-only'; END $$;
    CREATE TRIGGER ${table}_no_update BEFORE UPDATE OR DELETE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION ${table}_append_only();
    CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
      FOR EACH STATEMENT EXECUTE FUNCTION ${table}_append_only();`,
  lockRows: (alias, skipLocked) => ` FOR UPDATE${alias ? ` OF ${alias}` : ""}${skipLocked ? " SKIP LOCKED" : ""}`,
};

/** The server store's driver: a `postgres://` URL through node-postgres, for several bureau processes at once. */
export const postgresDriver: StoreDriver = {
  name: "postgres store",
  accepts: isPostgresUrl,
  capabilities: () => ({ label: "a PostgreSQL store", sharedByProcesses: true }),
  display: (location) => String(redact(location)),
  async connect(url) {
    if (typeof url !== "string" || !isPostgresUrl(url)) {
      throw new StoreError(
        "invalid-argument",
        `postgres store: expected a postgres:// or postgresql:// URL, got ${describe(redact(url))}`,
      );
    }
    // one connection: calls are served one at a time anyway (see CallQueue); the pool replaces a broken one
    const pool = new pg.Pool({ connectionString: url, max: 1, types: { getTypeParser } });
    pool.on("error", () => undefined); // an idle connection lost: the next call reconnects, or fails and says why
    return postgresConnection(pool, `postgres store ${String(redact(url))}`);
  },
};

/** What runs a statement: node-postgres's pool or client, or another PostgreSQL's session (PGlite, in the bench). */
export interface PostgresSession {
  /** Runs one statement with `params`, or without them a script of several (node-postgres's simple protocol). */
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** Sessions to PostgreSQL, as node-postgres's pool hands them out. */
export interface PostgresPool extends PostgresSession {
  /** A session of its own, for a transaction; `release` it after (with the error that broke it, if one did). */
  connect(): Promise<PostgresSession & { release(broken?: Error): void }>;
  end(): Promise<void>;
}

/** The store's connection over `pool`: what this driver, and any other PostgreSQL, gives the store core. */
export function postgresConnection(pool: PostgresPool, where: string): StoreConnection {
  return new PostgresConnection(pool, pool, where, false);
}

/** BIGINT (int8) columns and counts as numbers: times in ms and counts are far below 2^53. */
function getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
  if (oid === pg.types.builtins.INT8) return Number;
  return pg.types.getTypeParser(oid, format as "text");
}

/** Versions as a store written before the one migration history numbered them, and what they are now. */
const LEGACY_VERSIONS: Readonly<Record<string, number>> = { "1": 3, "2": 4 };

/** The pool (the store's own calls), or a transaction's client. */
class PostgresConnection implements StoreConnection {
  readonly dialect = POSTGRES_DIALECT;
  readonly #on: PostgresSession;
  readonly #pool: PostgresPool;
  readonly #where: string;
  readonly #inTransaction: boolean;

  constructor(on: PostgresSession, pool: PostgresPool, where: string, inTransaction: boolean) {
    this.#on = on;
    this.#pool = pool;
    this.#where = where;
    this.#inTransaction = inTransaction;
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.#on.query(sql, params as unknown[])).rows as R[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#on.query(sql, params as unknown[])).rowCount ?? 0;
  }

  async exec(script: string): Promise<void> {
    await this.#on.query(script);
  }

  /** Runs `fn` in a transaction on a client of its own (or in this one): committed when it returns. */
  async atomic<T>(fn: (tx: StoreConnection) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return fn(this);
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      try {
        const result = await fn(new PostgresConnection(client, this.#pool, this.#where, true));
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

  async serialize(key: string): Promise<void> {
    await this.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
  }

  async schemaVersion(): Promise<number> {
    const tables = await this.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
    );
    if (tables.length === 0) return 0;
    if (!tables.some((t) => t.name === "meta")) {
      throw new StoreError(
        "schema",
        `${this.#where}: expected an empty database or a bureau database, got a database with ${tables.length} other tables`,
      );
    }
    const [row] = await this.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
    const version = LEGACY_VERSIONS[row?.value ?? ""] ?? Number(row?.value);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new StoreError("schema", `${this.#where}: its metadata names no schema version: not a bureau database`);
    }
    return version;
  }

  async setSchemaVersion(version: number): Promise<void> {
    await this.run(
      "INSERT INTO meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [String(version)],
    );
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
