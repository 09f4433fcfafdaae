/**
 * Opens the bureau's store from where it lives, through the first driver that accepts the location: a PostgreSQL URL
 * (`postgres://…` or `postgresql://…`) opens the server store (`./postgresStore`), a path a SQLite file
 * (`./sqliteStore`, the default). A new backend is one driver file (`./storeDriver`) and its line in
 * {@link STORE_DRIVERS}.
 * @module
 */
import { postgresDriver } from "./postgresStore";
import type { SealingKey } from "./sealing";
import { sqliteDriver } from "./sqliteStore";
import type { BureauStore } from "./store";
import { openStoreWith } from "./storeCore";
import type { StoreCapabilities, StoreDriver } from "./storeDriver";

/** The drivers, asked in order; the last (SQLite) takes any path. */
export const STORE_DRIVERS: readonly StoreDriver[] = [postgresDriver, sqliteDriver];

/** The driver of the store at `location`. */
export function storeDriverFor(location: string): StoreDriver {
  return STORE_DRIVERS.find((driver) => typeof location === "string" && driver.accepts(location)) ?? sqliteDriver;
}

/**
 * What the store at `location` can do (leases shared by several processes, a file to lock and keep files beside),
 * known before it is opened.
 */
export function storeCapabilities(location: string): StoreCapabilities {
  return storeDriverFor(location).capabilities(location);
}

/**
 * Opens the store at `location`, sealed under `sealingKey`.
 * @param location - a SQLite database file (created when missing), or a PostgreSQL connection URL
 * @throws as `openSqliteStore` or `openPostgresStore` do
 * @example const store = await openStore(process.env.BLINDCREDIT_DATABASE_URL ?? "bureau.db", sealingKey);
 */
export function openStore(location: string, sealingKey: SealingKey): Promise<BureauStore> {
  return openStoreWith(storeDriverFor(location), location, sealingKey);
}
