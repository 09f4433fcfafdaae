/**
 * Opens the bureau's store from where it lives: a PostgreSQL URL (`postgres://…` or `postgresql://…`) opens the
 * server store (`./postgresStore`), anything else is a SQLite file (`./sqliteStore`, the default).
 * @module
 */
import { isPostgresUrl, openPostgresStore } from "./postgresStore";
import type { SealingKey } from "./sealing";
import { openSqliteStore } from "./sqliteStore";
import type { BureauStore } from "./store";

/**
 * Opens the store at `location`, sealed under `sealingKey`.
 * @param location - a SQLite database file (created when missing), or a PostgreSQL connection URL
 * @throws as `openSqliteStore` or `openPostgresStore` do
 * @example const store = await openStore(process.env.BLINDCREDIT_DATABASE_URL ?? "bureau.db", sealingKey);
 */
export function openStore(location: string, sealingKey: SealingKey): Promise<BureauStore> {
  return typeof location === "string" && isPostgresUrl(location)
    ? openPostgresStore({ url: location, sealingKey })
    : openSqliteStore({ path: location, sealingKey });
}
