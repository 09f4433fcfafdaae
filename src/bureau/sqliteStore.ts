/**
 * The bureau's embedded store: SQLite through better-sqlite3, one file, sealed at rest with AES-256-GCM.
 *
 * Durability: WAL journal with `synchronous = FULL`, so every committed transaction is fsynced to the WAL before
 * the commit returns. NORMAL would be faster and survives a crash of the process, but a power loss could undo the
 * last commits, and the bureau commits a record's hash on-chain right after storing it: the chain would then hold
 * a hash the bureau no longer has. One fsync per write is cheap at a bureau's write rate.
 *
 * Leases (`./leases`) are on the process's clock (`now_ms()`, a function this driver gives the connection): one
 * process serves a SQLite file (the service locks it, `./storeLock`), and a write transaction excludes all others,
 * so rows need no locks of their own. The schema version is kept in `PRAGMA user_version`.
 *
 * The schema, the statements and the operations are the store core's (`./storeCore`); this file is the driver.
 * @module
 */
import { resolve } from "node:path";
import Database from "better-sqlite3";
import type { SealingKey } from "./sealing";
import { StoreError, type BureauStore } from "./store";
import { openStoreWith } from "./storeCore";
import type { SqlDialect, StoreConnection, StoreDriver } from "./storeDriver";
import { describe } from "./storeRows";

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
export function openSqliteStore(options: SqliteStoreOptions): Promise<BureauStore> {
  return openStoreWith(sqliteDriver, options?.path, options?.sealingKey);
}

/** SQLite's words: STRICT tables, the process's clock, no row locks (a write transaction excludes all others). */
const SQLITE: SqlDialect = {
  bytes: "BLOB",
  int64: "INTEGER",
  tableOptions: " STRICT",
  nowMs: "now_ms()",
  appendOnly: (table) => `
    CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
      BEGIN SELECT RAISE(ABORT, '${table} are append-only'); END;
    CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
      BEGIN SELECT RAISE(ABORT, '${table} are append-only'); END;`,
  lockRows: () => "",
};

/** The embedded store's driver: a database file (or ":memory:") through better-sqlite3. */
export const sqliteDriver: StoreDriver = {
  name: "sqlite store",
  accepts: (location) => !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location), // a path, not a URL
  capabilities: (location) => ({
    label: "a SQLite store",
    sharedByProcesses: false,
    ...(location === ":memory:" ? {} : { file: location }),
  }),
  display: (location) => location,
  async connect(path) {
    if (typeof path !== "string" || path === "") {
      throw new StoreError("invalid-argument", `sqlite store: expected a path, got ${describe(path)}`);
    }
    const db = new Database(path);
    try {
      configure(db, path);
    } catch (e) {
      db.close();
      throw e;
    }
    return new SqliteConnection(db, path === ":memory:" ? undefined : resolve(path), `sqlite store ${path}`);
  },
};

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
  db.function("now_ms", () => Date.now());
}

/**
 * The write transactions of this process on each database file, the last one's end: a connection waits for it
 * before writing. SQLite would make it wait for the file's lock synchronously, holding up this thread and with it
 * the transaction it waits for, which spans awaits (two stores on one file, as tests open them).
 */
const transactions = new Map<string, Promise<void>>();

/** A prepared statement, and where each `?` takes its value from among the `$n` parameters. */
interface Prepared {
  readonly statement: Database.Statement;
  readonly order: readonly number[];
}

/**
 * The connection: statements prepared once each, their `$n` placeholders translated to SQLite's `?`. Calls are
 * synchronous underneath; the store's call queue serves them one at a time, so a transaction spanning awaits is
 * never interleaved with another call.
 */
class SqliteConnection implements StoreConnection {
  readonly dialect = SQLITE;
  readonly #db: Database.Database;
  /** The database file's full path; undefined in memory, where no other connection shares the database. */
  readonly #file: string | undefined;
  readonly #where: string;
  readonly #prepared = new Map<string, Prepared>();

  constructor(db: Database.Database, file: string | undefined, where: string) {
    this.#db = db;
    this.#file = file;
    this.#where = where;
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    await this.#turn();
    const { statement, args } = this.#bind(sql, params);
    if (statement.reader) return statement.all(...args) as R[];
    statement.run(...args);
    return [];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    await this.#turn();
    const { statement, args } = this.#bind(sql, params);
    return statement.run(...args).changes;
  }

  async exec(script: string): Promise<void> {
    await this.#turn();
    this.#db.exec(script);
  }

  async atomic<T>(fn: (tx: StoreConnection) => Promise<T>): Promise<T> {
    if (this.#db.inTransaction) return fn(this);
    let ended!: () => void;
    const end = new Promise<void>((resolve) => (ended = resolve));
    const before = this.#file === undefined ? undefined : transactions.get(this.#file);
    const last = (before ?? Promise.resolve()).then(() => end);
    if (this.#file !== undefined) transactions.set(this.#file, last);
    try {
      await before;
      // IMMEDIATE takes the write lock now, so a second process cannot make the commit fail half-way
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this);
        this.#db.exec("COMMIT");
        return result;
      } catch (e) {
        if (this.#db.inTransaction) this.#db.exec("ROLLBACK");
        throw e;
      }
    } finally {
      ended();
      if (this.#file !== undefined && transactions.get(this.#file) === last) transactions.delete(this.#file);
    }
  }

  async serialize(): Promise<void> {
    // a write transaction excludes every other: nothing to wait for
  }

  async schemaVersion(): Promise<number> {
    const version = this.#db.pragma("user_version", { simple: true }) as number;
    if (version === 0) {
      const objects = (this.#db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }).n;
      if (objects > 0) {
        throw new StoreError(
          "schema",
          `${this.#where}: expected an empty file or a bureau database, got a database with ${objects} other objects`,
        );
      }
    }
    return version;
  }

  async setSchemaVersion(version: number): Promise<void> {
    this.#db.pragma(`user_version = ${Number(version)}`);
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  /** Outside a transaction: waits for this process's transactions on the file to end. */
  async #turn(): Promise<void> {
    if (this.#file === undefined || this.#db.inTransaction) return;
    // another may have begun meanwhile, among those that waited for the same end
    for (let last = transactions.get(this.#file); last !== undefined; last = transactions.get(this.#file)) await last;
  }

  #bind(sql: string, params: readonly unknown[]): { statement: Database.Statement; args: unknown[] } {
    let prepared = this.#prepared.get(sql);
    if (prepared === undefined) {
      const order: number[] = [];
      const translated = sql.replace(/\$(\d+)/g, (_, n: string) => {
        order.push(Number(n) - 1);
        return "?";
      });
      prepared = { statement: this.#db.prepare(translated), order };
      this.#prepared.set(sql, prepared);
    }
    return { statement: prepared.statement, args: prepared.order.map((i) => params[i]) };
  }
}
