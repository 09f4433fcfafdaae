/**
 * Moves a bureau's store from one database to another (SQLite → PostgreSQL, and back): every table and column the
 * source holds, row for row, plus the sealed comparison key file beside it, so that the bureau keeps its records,
 * its journal of open checks, its log cursor, its deployment binding and its comparison key (the one registered
 * on-chain): the moved bureau answers its next check as the old one would have.
 *
 * The copy is generic: it reads the tables and columns the source has (whatever release added them) and writes them
 * to the same tables of the target, which the store itself creates first (`openStore`, current schema). Rows are
 * copied as they are stored: sealed blobs stay sealed (their additional data names no database, so they open in
 * either store). Of `meta`, the rows the target wrote when it was created (its own schema version, sealing key id,
 * creation time) stay the target's; every other key is copied.
 *
 * Safety: the source is read in one snapshot and never written (but for the forward schema migration `openStore`
 * applies, as a start of the service would); the target must be empty (a new database or file, or a store that has
 * served nothing: no row but its own `meta`) and is written in one transaction, so a failed copy leaves it as empty
 * as it was; each table's rows are counted and digested on both sides after the commit; the comparison key file is
 * copied last, never over another file. Stop the bureau before moving its store.
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import { CodedError } from "../errors";
import { comparisonKeyPath, loadOrCreateComparisonKey } from "./comparisonKey";
import { openStore } from "./openStore";
import { ringPedersenPath } from "./ringPedersen";
import { isPostgresUrl, redact } from "./postgresStore";
import type { SealingKey } from "./sealing";

/** Where the comparison key of a PostgreSQL store lives by default (the CLI's default too). */
export const POSTGRES_COMPARISON_KEY_FILE = "bureau.comparison-key";

/** Where the ring-Pedersen parameters of a PostgreSQL store live by default (the CLI's default too). */
export const POSTGRES_RING_PEDERSEN_FILE = "bureau.ring-pedersen";

/** The table whose rows the target keeps when it has them already. */
const META = "meta";

/** Rows read and written at a time. */
const BATCH = 500;

/** What to move where. */
export interface MigrateStoreOptions {
  /** The store to copy: a SQLite file or a `postgres://` URL. */
  readonly from: string;
  /** Where to copy it: a new (or empty) SQLite file or PostgreSQL database. */
  readonly to: string;
  /** The key both stores are sealed under. */
  readonly sealingKey: SealingKey;
  /** The source's sealed comparison key (default `<from>.comparison-key`, or `bureau.comparison-key` for a URL). */
  readonly fromComparisonKeyFile?: string;
  /** Where the target's goes (default `<to>.comparison-key`, or `bureau.comparison-key` for a URL). */
  readonly toComparisonKeyFile?: string;
  /** The source's sealed ring-Pedersen parameters (default `<from>.ring-pedersen`, or `bureau.ring-pedersen`). */
  readonly fromRingPedersenFile?: string;
  /** Where the target's go (default `<to>.ring-pedersen`, or `bureau.ring-pedersen` for a URL). */
  readonly toRingPedersenFile?: string;
  /** Progress lines for people. */
  readonly log?: (line: string) => void;
}

/** What was moved: rows per table (as counted on both sides), and the comparison key file. */
export interface MigrationReport {
  readonly tables: Readonly<Record<string, number>>;
  readonly comparisonKey: SealedFileCopy;
  /** The ring-Pedersen parameters' file; `copied` false when the source had none (made again on the next start). */
  readonly ringPedersen: SealedFileCopy;
}

/** A sealed file beside the store, and whether the migration copied it. */
export interface SealedFileCopy {
  readonly from: string;
  readonly to: string;
  readonly copied: boolean;
}

/** A refusal before anything was written, or a copy that did not verify: the message says what and what to do. */
export class MigrationError extends CodedError<"source" | "target-not-empty" | "target" | "comparison-key" | "verify"> {
  constructor(message: string, code: MigrationError["code"], options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Copies the store at `options.from` into the empty store at `options.to`, with its comparison key file and its
 * ring-Pedersen parameters' file.
 * @throws {MigrationError} `source` when there is no store at `from`; `target-not-empty` when `to` holds data (nothing
 *   is written then); `target` when the target lacks a table or column the source has (an older release: nothing is
 *   committed); `comparison-key` when the source's key file is missing or the target's exists with other bytes;
 *   `verify` when a table's rows differ after the copy
 * @throws SealingError when a store or the key file is sealed under another key; the database driver's error when a
 *   database cannot be reached
 * @example await migrateStore({ from: "bureau.db", to: process.env.BLINDCREDIT_DATABASE_URL!, sealingKey });
 */
export async function migrateStore(options: MigrateStoreOptions): Promise<MigrationReport> {
  const { from, to, sealingKey } = options;
  const log = options.log ?? (() => undefined);
  const name = (location: string) => String(redact(location));
  if (from === to) throw new MigrationError(`--from and --to name the same store (${name(from)})`, "target");
  // The source: a store (opened once, which checks its key and brings its schema up to date).
  const source = await connect(from, "source");
  try {
    if (!(await source.tables()).has(META)) {
      throw new MigrationError(`${name(from)}: expected a bureau store, found no ${META} table`, "source");
    }
  } finally {
    await source.close();
  }
  await (await openStore(from, sealingKey)).close();

  const keyFrom = options.fromComparisonKeyFile ?? defaultKeyFile(from);
  const keyTo = options.toComparisonKeyFile ?? defaultKeyFile(to);
  if (!existsSync(keyFrom)) {
    throw new MigrationError(
      `the comparison key of ${name(from)}: expected its sealed file at ${keyFrom}, found none (the bureau writes ` +
        "it on its first start; name it with --from-comparison-key-file)",
      "comparison-key",
    );
  }
  const keyBytes = readFileSync(keyFrom);
  if (keyTo !== keyFrom && existsSync(keyTo) && !readFileSync(keyTo).equals(keyBytes)) {
    throw new MigrationError(
      `the target's comparison key file ${keyTo} exists and holds another key: refusing to overwrite it ` +
        "(move it away, or name another with --to-comparison-key-file)",
      "comparison-key",
    );
  }
  await loadOrCreateComparisonKey(keyFrom, sealingKey); // it exists: this opens it, and fails under another key
  // The ring-Pedersen parameters (banks prove their keys under them): carried along when the source has them.
  const parametersFrom = options.fromRingPedersenFile ?? defaultParametersFile(from);
  const parametersTo = options.toRingPedersenFile ?? defaultParametersFile(to);
  const parametersBytes = existsSync(parametersFrom) ? readFileSync(parametersFrom) : undefined;
  if (
    parametersBytes !== undefined &&
    parametersTo !== parametersFrom &&
    existsSync(parametersTo) &&
    !readFileSync(parametersTo).equals(parametersBytes)
  ) {
    throw new MigrationError(
      `the target's ring-Pedersen parameters file ${parametersTo} exists and holds other parameters: refusing to ` +
        "overwrite it (move it away, or name another with --to-ring-pedersen-file)",
      "comparison-key",
    );
  }

  // The target: empty, then made a store of this release under the same key.
  const target0 = await connect(to, "target");
  try {
    const held = await holdings(target0);
    if (held.length > 0) {
      throw new MigrationError(
        `${name(to)} is not empty (${held.join("; ")}): refusing to copy into it; nothing was written. Give a new ` +
          "database (createdb) or a new file",
        "target-not-empty",
      );
    }
  } finally {
    await target0.close();
  }
  await (await openStore(to, sealingKey)).close();

  const src = await connect(from, "source");
  const dst = await connect(to, "target");
  const tables: Record<string, number> = {};
  try {
    const have = await src.tables();
    const want = await dst.tables();
    for (const [table, columns] of have) {
      const there = want.get(table);
      const missing = there === undefined ? columns : columns.filter((c) => !there.includes(c));
      if (missing.length > 0) {
        throw new MigrationError(
          `${name(to)}: expected table ${table} with columns ${columns.join(", ")}, but it lacks ` +
            `${there === undefined ? "the table" : missing.join(", ")}: the target's release is older than the ` +
            "source's; nothing was written",
          "target",
        );
      }
    }
    const ownMeta = new Set((await dst.rows(META, ["key"])).map((r) => String(r[0])));
    const digests = new Map<string, Digest>();
    await src.snapshot(() =>
      dst.transaction(async (insert) => {
        for (const [table, columns] of have) {
          const digest = new Digest();
          const keep = table === META ? (row: unknown[]) => !ownMeta.has(String(row[columns.indexOf("key")])) : null;
          await src.each(table, columns, async (batch) => {
            const rows = keep ? batch.filter(keep) : batch;
            rows.forEach((row) => digest.add(row));
            await insert(table, columns, rows);
          });
          digests.set(table, digest);
          log(`copied ${table}: ${digest.count} rows`);
        }
      }),
    );
    // Verify what the target now holds, read back after the commit.
    for (const [table, columns] of have) {
      const expected = digests.get(table)!;
      const got = new Digest();
      await dst.each(table, columns, async (batch) => {
        for (const row of batch) {
          if (table === META && ownMeta.has(String(row[columns.indexOf("key")]))) continue;
          got.add(row);
        }
      });
      if (got.count !== expected.count || got.value !== expected.value) {
        throw new MigrationError(
          `${name(to)}: table ${table} after the copy: expected ${expected.count} rows as in the source, got ` +
            `${got.count}${got.count === expected.count ? " with other contents" : ""}`,
          "verify",
        );
      }
      tables[table] = got.count;
    }
  } finally {
    await Promise.all([src.close(), dst.close()]);
  }
  await (await openStore(to, sealingKey)).close(); // opens as a store under the key, as the service will

  const copied = keyTo !== keyFrom && !existsSync(keyTo);
  if (copied) writeFileSync(keyTo, keyBytes, { mode: 0o600, flag: "wx" });
  log(`comparison key: ${copied ? `copied ${keyFrom} to ${keyTo}` : `${keyTo} already holds it`}`);
  const parametersCopied =
    parametersBytes !== undefined && parametersTo !== parametersFrom && !existsSync(parametersTo);
  if (parametersCopied) writeFileSync(parametersTo, parametersBytes, { mode: 0o600, flag: "wx" });
  log(
    parametersBytes === undefined
      ? `ring-Pedersen parameters: ${parametersFrom} holds none; the bureau makes them on its next start`
      : `ring-Pedersen parameters: ${parametersCopied ? `copied ${parametersFrom} to ${parametersTo}` : `${parametersTo} already holds them`}`,
  );
  return {
    tables,
    comparisonKey: { from: keyFrom, to: keyTo, copied },
    ringPedersen: { from: parametersFrom, to: parametersTo, copied: parametersCopied },
  };
}

/** Where a store's ring-Pedersen parameters live unless named. */
function defaultParametersFile(location: string): string {
  return isPostgresUrl(location) ? POSTGRES_RING_PEDERSEN_FILE : ringPedersenPath(location);
}

/** Where a store's comparison key lives unless named. */
function defaultKeyFile(location: string): string {
  return isPostgresUrl(location) ? POSTGRES_COMPARISON_KEY_FILE : comparisonKeyPath(location);
}

/** What a target holds that a copy would mix with: empty when it is new, or a store that never served. */
async function holdings(db: Tables): Promise<string[]> {
  const held: string[] = [];
  for (const [table, columns] of await db.tables()) {
    if (table === META) {
      const keys = (await db.rows(META, columns)).map((r) => String(r[columns.indexOf("key")]));
      // a store that has served is bound to its deployment; the keys a new store writes say nothing
      if (keys.includes("deployment")) held.push(`${META} binds it to a deployment`);
      continue;
    }
    const n = await db.count(table);
    if (n > 0) held.push(`${table}: ${n} rows`);
  }
  return held;
}

/** An order-independent digest of rows: their count and the sum of their SHA-256 hashes mod 2^256. */
class Digest {
  count = 0;
  value = 0n;
  add(row: readonly unknown[]): void {
    const hash = createHash("sha256");
    for (const v of row) hash.update(canonical(v)).update("\u0000");
    this.value = (this.value + BigInt(`0x${hash.digest("hex")}`)) % 2n ** 256n;
    this.count++;
  }
}

/** One value as both databases' drivers return it: integers alike whether number or bigint, bytes as hex. */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return "n";
  if (typeof v === "bigint") return `i${v}`;
  if (typeof v === "number") return Number.isInteger(v) ? `i${BigInt(v)}` : `f${v}`;
  if (typeof v === "boolean") return `i${v ? 1 : 0}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString("hex")}`;
  return `s${String(v)}`;
}

/** Raw access to a store's tables, whatever the database. */
interface Tables {
  /** Each table with its columns, in order. */
  tables(): Promise<Map<string, string[]>>;
  count(table: string): Promise<number>;
  rows(table: string, columns: readonly string[]): Promise<unknown[][]>;
  /** Every row of `table`, in batches. */
  each(table: string, columns: readonly string[], batch: (rows: unknown[][]) => Promise<void>): Promise<void>;
  /** Runs `fn` with the reads in one snapshot. */
  snapshot<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` in one write transaction: committed when it returns, rolled back when it throws. */
  transaction(fn: (insert: Insert) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

type Insert = (table: string, columns: readonly string[], rows: readonly unknown[][]) => Promise<void>;

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

async function connect(location: string, role: "source" | "target"): Promise<Tables> {
  if (isPostgresUrl(location)) return postgresTables(location);
  if (role === "source" && !existsSync(location)) {
    throw new MigrationError(`--from ${location}: expected a bureau's SQLite file, found no file`, "source");
  }
  if (role === "target" && existsSync(location) && statSync(location).size === 0) return emptyTables();
  return sqliteTables(location, role === "source" || existsSync(location));
}

/** A zero-length file: no tables (SQLite makes it a database on first write). */
function emptyTables(): Tables {
  const none = async () => {
    throw new Error("no tables");
  };
  return {
    tables: async () => new Map(),
    count: none,
    rows: none,
    each: none,
    snapshot: (fn) => fn(),
    transaction: none,
    close: async () => undefined,
  };
}

function sqliteTables(path: string, mustExist: boolean): Tables {
  if (!mustExist) return emptyTables(); // no file yet: openStore creates it
  const db = new Database(path, { fileMustExist: true });
  db.defaultSafeIntegers(true);
  return {
    async tables() {
      const names = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .pluck()
        .all() as string[];
      return new Map(
        names.map((t) => [t, (db.pragma(`table_info(${quote(t)})`) as { name: string }[]).map((c) => c.name)]),
      );
    },
    async count(table) {
      return Number(
        db
          .prepare(`SELECT count(*) FROM ${quote(table)}`)
          .pluck()
          .get(),
      );
    },
    async rows(table, columns) {
      return db
        .prepare(`SELECT ${columns.map(quote).join(", ")} FROM ${quote(table)}`)
        .raw(true)
        .all() as unknown[][];
    },
    async each(table, columns, batch) {
      const rows = db
        .prepare(`SELECT ${columns.map(quote).join(", ")} FROM ${quote(table)}`)
        .raw(true)
        .iterate();
      let pending: unknown[][] = [];
      for (const row of rows as Iterable<unknown[]>) {
        pending.push(row);
        if (pending.length === BATCH) {
          await batch(pending);
          pending = [];
        }
      }
      if (pending.length > 0) await batch(pending);
    },
    async snapshot(fn) {
      db.exec("BEGIN");
      try {
        return await fn();
      } finally {
        db.exec("COMMIT");
      }
    },
    async transaction(fn) {
      db.exec("BEGIN IMMEDIATE");
      try {
        await fn(async (table, columns, rows) => {
          const insert = db.prepare(
            `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
          );
          for (const row of rows) insert.run(row.map(sqliteValue));
        });
        db.exec("COMMIT");
      } catch (e) {
        db.exec("ROLLBACK");
        throw e;
      }
    },
    async close() {
      db.close();
    },
  };
}

/** A PostgreSQL value SQLite cannot bind as it is. */
function sqliteValue(v: unknown): unknown {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** 64-bit integers as bigint (both drivers alike); dates and times as the server's text. */
const PG_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
    if (oid === pg.types.builtins.INT8) return BigInt;
    if ([1082, 1083, 1114, 1184, 1266].includes(oid)) return String;
    return pg.types.getTypeParser(oid, format as "text");
  },
};

async function postgresTables(url: string): Promise<Tables> {
  const client = new pg.Client({ connectionString: url, types: PG_TYPES });
  await client.connect();
  let inTransaction = false; // in the snapshot's or the copy's transaction: a cursor goes in it
  const array = async (text: string, values: unknown[] = []) =>
    (await client.query({ text, values, rowMode: "array" })).rows as unknown[][];
  return {
    async tables() {
      const rows = await array(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() " +
          "AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() " +
          "AND table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position",
      );
      const tables = new Map<string, string[]>();
      for (const [t, c] of rows as [string, string][]) tables.set(t, [...(tables.get(t) ?? []), c]);
      return tables;
    },
    async count(table) {
      return Number((await array(`SELECT count(*) FROM ${quote(table)}`))[0][0]);
    },
    rows: (table, columns) => array(`SELECT ${columns.map(quote).join(", ")} FROM ${quote(table)}`),
    async each(table, columns, batch) {
      // a cursor inside the snapshot's transaction (or one of its own), so that a large table is never all in memory
      const own = !inTransaction;
      if (own) await client.query("BEGIN READ ONLY");
      try {
        await client.query(
          `DECLARE migrate_rows NO SCROLL CURSOR FOR SELECT ${columns.map(quote).join(", ")} FROM ${quote(table)}`,
        );
        for (;;) {
          const rows = await array(`FETCH ${BATCH} FROM migrate_rows`);
          if (rows.length === 0) break;
          await batch(rows);
        }
        await client.query("CLOSE migrate_rows");
      } finally {
        if (own) await client.query("COMMIT");
      }
    },
    async snapshot(fn) {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      inTransaction = true;
      try {
        return await fn();
      } finally {
        inTransaction = false;
        await client.query("COMMIT");
      }
    },
    async transaction(fn) {
      await client.query("BEGIN");
      inTransaction = true;
      try {
        await fn(async (table, columns, rows) => {
          for (let i = 0; i < rows.length; i += 100) {
            const chunk = rows.slice(i, i + 100);
            const values = chunk.map(
              (_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(", ")})`,
            );
            await client.query(
              `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES ${values.join(", ")}`,
              chunk.flat(),
            );
          }
        });
        inTransaction = false;
        await client.query("COMMIT");
      } catch (e) {
        inTransaction = false;
        await client.query("ROLLBACK");
        throw e;
      }
    },
    async close() {
      await client.end();
    },
  };
}
