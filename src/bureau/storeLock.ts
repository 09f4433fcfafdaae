/**
 * One bureau process per SQLite store: the service takes an exclusive lock beside the database file before it opens
 * it, and holds it until it stops. A second process started on the same file is refused at once, with who holds it.
 *
 * The lock is SQLite's own, on a file of its own (`<database>.lock`, a small database in exclusive locking mode
 * whose first write takes an exclusive lock it never releases): the operating system drops it when the holder exits
 * or is killed, so a crash leaves no stale lock behind. The holder writes who it is (pid, host, since when) to
 * `<database>.lock-holder` once it holds the lock, for the refusal to name it. The database file itself stays
 * readable by tools (`sqlite3`, backups) while the service runs.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import Database from "better-sqlite3";
import { StoreError } from "./store";

/** A lock held on a store file; {@link StoreLock.release} lets another process have it. */
export interface StoreLock {
  release(): void;
}

/**
 * Takes the exclusive lock of the SQLite store at `databasePath` for this process.
 * @throws {StoreError} `locked` when another bureau process (or another service in this one) holds it, naming the
 *   holder when it wrote its name
 */
export function lockStoreFile(databasePath: string): StoreLock {
  const lockPath = `${databasePath}.lock`;
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS lock (id INTEGER PRIMARY KEY)");
    db.exec("COMMIT");
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code !== "SQLITE_BUSY" && (e as { code?: string }).code !== "SQLITE_LOCKED") throw e;
    throw new StoreError(
      "locked",
      `bureau store ${databasePath} is in use by another bureau process (${holderOf(databasePath)}): one process ` +
        "serves a SQLite store; stop it first, or share a PostgreSQL store (--database-url) between processes",
      { cause: e },
    );
  }
  writeFileSync(
    `${databasePath}.lock-holder`,
    `pid ${process.pid} on ${hostname()}, since ${new Date().toISOString()}\n`,
    { mode: 0o600 },
  );
  return { release: () => db.close() };
}

/** Who holds the lock, as its holder wrote it. */
function holderOf(databasePath: string): string {
  try {
    const text = readFileSync(`${databasePath}.lock-holder`, "utf8").trim();
    return text === "" ? "it wrote no name" : text;
  } catch {
    return "it wrote no name yet";
  }
}
