/**
 * What a database gives the bureau's store (`./storeCore`): a driver opens a connection where statements written
 * once, in one style, run; the core holds the statements, the migrations and the operations.
 *
 * Statements are written with `$1, $2…` placeholders (a driver whose database wants another style translates them),
 * and with the few words that differ between SQL dialects taken from the connection's {@link SqlDialect}. Adding a
 * backend is one driver file (a {@link StoreDriver}) and its line in `openStore`'s list.
 * @module
 */

/** What the service may rely on a store for, known from its location before it is opened. */
export interface StoreCapabilities {
  /** The store as messages name it, e.g. "a SQLite store". */
  readonly label: string;
  /**
   * Several bureau processes may share the store, each evaluator leasing the checks it works on (`./leases`): each
   * process then needs a lease owner of its own. False: one process serves it.
   */
  readonly sharedByProcesses: boolean;
  /**
   * The file the store lives in, when it lives in one: a process serving it locks it (`./storeLock`), the sealed
   * files the bureau keeps (comparison key, ring-Pedersen parameters) live beside it unless named, and a fresh
   * store moves it aside. Undefined for a server's database or one in memory.
   */
  readonly file?: string;
}

/** The words of a statement that differ between SQL dialects. */
export interface SqlDialect {
  /** The column type of bytes (`BLOB`, `BYTEA`). */
  readonly bytes: string;
  /** The column type of a 64-bit integer, such as a time in Unix milliseconds. */
  readonly int64: string;
  /** What follows a `CREATE TABLE (…)` (SQLite: ` STRICT`). */
  readonly tableOptions: string;
  /** The store's clock in Unix milliseconds, as an expression: leases are timed by it. */
  readonly nowMs: string;
  /** The statements that refuse every change to `table` but inserts, its rows being append-only. */
  appendOnly(table: string): string;
  /**
   * The clause that locks the rows a `SELECT` reads (of `alias`'s table, when given) until the transaction ends,
   * skipping those locked by another when `skipLocked`; empty where a write transaction excludes all others.
   */
  lockRows(alias?: string, skipLocked?: boolean): string;
}

/** A connection to one store's database, or a transaction on it. Statements use `$1, $2…` placeholders. */
export interface StoreConnection {
  readonly dialect: SqlDialect;
  /** The rows a statement returns (64-bit integers as numbers, bytes as `Buffer`s). */
  query<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a statement; how many rows it inserted, changed or deleted. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs several statements without parameters (the schema's). */
  exec(script: string): Promise<void>;
  /**
   * Runs `fn` atomically: in a transaction of its own, which waits for no other writer once begun (committed when
   * `fn` returns, rolled back when it throws), or within the one this connection is in.
   */
  atomic<T>(fn: (tx: StoreConnection) => Promise<T>): Promise<T>;
  /** Inside a transaction: waits until no other transaction holds `key`, then holds it until this one ends. */
  serialize(key: string): Promise<void>;
  /**
   * The schema version the database holds (`./storeCore` numbers them), 0 when it is empty.
   * @throws {StoreError} `schema` when it holds something that is not a bureau store
   */
  schemaVersion(): Promise<number>;
  /** Records the schema version the database now holds (inside the migrating transaction). */
  setSchemaVersion(version: number): Promise<void>;
  close(): Promise<void>;
}

/** One kind of database the store can live in. */
export interface StoreDriver {
  /** The store's name in messages, e.g. "sqlite store". */
  readonly name: string;
  /** Whether `location` names a database of this kind. */
  accepts(location: string): boolean;
  /** What the store at `location` can do. */
  capabilities(location: string): StoreCapabilities;
  /** `location` as messages may show it (a URL without its credentials). */
  display(location: string): string;
  /**
   * Connects to the database at `location` (creating an embedded one when missing).
   * @throws {StoreError} `invalid-argument` for a location it cannot use; `schema` when it is no database
   */
  connect(location: string): Promise<StoreConnection>;
}
