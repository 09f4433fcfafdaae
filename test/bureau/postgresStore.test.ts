/**
 * Tests of the PostgreSQL store on a throwaway server (`test/helpers/postgres.ts`, a fresh database per test): the
 * behaviour every store shares (`./store.behavior`), then what is its own: the schema it creates, foreign
 * databases and bad options refused (with the password kept out of messages), two processes creating the schema
 * at once, and `openStore` choosing it by URL. When PostgreSQL cannot be started these tests fail; none is skipped.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openStore } from "../../src/bureau/openStore";
import { openPostgresStore, postgresDriver, redact } from "../../src/bureau/postgresStore";
import { generateSealingKey, type SealingKey } from "../../src/bureau/sealing";
import type { BureauStore } from "../../src/bureau/store";
import { SCHEMA_VERSION } from "../../src/bureau/storeCore";
import { freshPostgresDatabase } from "../helpers/postgres";
import {
  ALICE,
  TAX_OFFICE,
  expectStoreError,
  put,
  rejection,
  shouldBehaveLikeABureauStore,
  directDatabase,
  STORE_BACKENDS,
  STORE_TABLES,
  submission,
} from "./store.behavior";
import {
  expectStoreOfTheReleaseBeforeWorks,
  fillStoreOfTheReleaseBefore,
  POSTGRES_VERSION_1_SCHEMA,
  POSTGRES_VERSION_2_SCHEMA,
} from "./legacyStores";

/** Runs one statement on `url` over a connection of its own (`?` placeholders), as someone with direct access. */
function query<R>(url: string, statement: string, params: readonly unknown[] = []): Promise<R[]> {
  return directDatabase(postgresDriver, url, "").sql<R>(statement, params);
}

describe("bureau/postgresStore", () => {
  describe("the behaviour of a bureau store", () => {
    shouldBehaveLikeABureauStore(STORE_BACKENDS.postgres);
  });

  let url: string;
  let key: SealingKey;
  let stores: BureauStore[];

  async function openStoreAt(at = url, sealingKey = key): Promise<BureauStore> {
    const store = await openPostgresStore({ url: at, sealingKey });
    stores.push(store);
    return store;
  }

  beforeEach(async () => {
    url = await freshPostgresDatabase();
    key = generateSealingKey();
    stores = [];
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
  });

  describe("openPostgresStore", () => {
    it("creates the schema, with the schema version and the key's id and never the key", async () => {
      await (await openStoreAt()).close();
      const tables = await query<{ name: string }>(
        url,
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
      );
      expect(tables.map((t) => t.name)).to.deep.equal(STORE_TABLES);
      const meta = await query<{ key: string; value: string }>(url, "SELECT key, value FROM meta ORDER BY key");
      expect(meta.map((m) => m.key)).to.deep.equal(["created_at", "schema_version", "sealing_key_id"]);
      expect(meta.find((m) => m.key === "schema_version")?.value).to.equal(String(SCHEMA_VERSION));
      expect(meta.find((m) => m.key === "sealing_key_id")?.value).to.equal(key.id);
      // the truncate guard too
      expect((await rejection(query(url, "TRUNCATE records"))).message).to.contain("records are append-only");
    });

    it("creates the schema once when two processes open a new database at once", async () => {
      const [a, b] = await Promise.all([openStoreAt(), openStoreAt()]);
      await put(a, submission(ALICE, TAX_OFFICE, { creditScore: "700" }));
      expect((await b.stats()).records).to.equal(1);
    });

    it("refuses a database with other tables, and one whose meta names no schema version", async () => {
      await query(url, "CREATE TABLE accounts (id INTEGER)");
      await expectStoreError(
        openPostgresStore({ url, sealingKey: key }),
        "schema",
        "expected an empty database or a bureau database, got a database with 1 other tables",
      );
      const other = await freshPostgresDatabase();
      await query(other, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      await expectStoreError(
        openPostgresStore({ url: other, sealingKey: key }),
        "schema",
        "its metadata names no schema version: not a bureau database",
      );
    });

    it("refuses bad options, and keeps a password out of its messages", async () => {
      await expectStoreError(
        openPostgresStore({ url: "bureau.db", sealingKey: key }),
        "invalid-argument",
        'expected a postgres:// or postgresql:// URL, got "bureau.db"',
      );
      await expectStoreError(
        openPostgresStore({ url, sealingKey: "00".repeat(32) as unknown as SealingKey }),
        "invalid-argument",
        "expected a SealingKey",
      );
      expect(redact("postgres://bureau:s3cret@db.example:5432/bureau")).to.equal(
        "postgres://bureau:***@db.example:5432/bureau",
      );
      // A user name alone may be a token (https://<api key>@host): it is redacted too (see src/redact.ts).
      expect(redact("postgresql://bureau@db/bureau")).to.equal("postgresql://***@db/bureau");
      await (await openStoreAt()).close();
      // The run's server takes a password (in the URL): a store error names the URL without it.
      const password = decodeURIComponent(new URL(url).password);
      expect(password, "the test server's URL carries a password").to.not.equal("");
      await query(url, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
      const error = await rejection(openPostgresStore({ url, sealingKey: key }));
      expect(error.message).to.contain("postgres store postgres://postgres:***@127.0.0.1:");
      expect(error.message).not.to.contain(password);
    });
  });

  describe("a store written by the release before the one store core", () => {
    /** A database of that release at its version (1 or 2, as it numbered them), filled as it filled one. */
    async function writeStoreOfTheReleaseBefore(version: "1" | "2"): Promise<void> {
      const legacy = await postgresDriver.connect(url);
      try {
        await legacy.atomic(async (tx) => {
          await tx.exec(version === "1" ? POSTGRES_VERSION_1_SCHEMA : POSTGRES_VERSION_2_SCHEMA);
          await fillStoreOfTheReleaseBefore(tx, key, { heads: version === "2", schemaVersion: version });
        });
      } finally {
        await legacy.close();
      }
    }

    it("migrates its version 2 (version 4 of the one history) and reads and writes every row it holds", async () => {
      await writeStoreOfTheReleaseBefore("2");
      await expectStoreOfTheReleaseBeforeWorks(await openStoreAt());
      // migrated to the version with the reservations' table: the release before no longer opens it
      const [row] = await query<{ value: string }>(url, "SELECT value FROM meta WHERE key = 'schema_version'");
      expect(row.value).to.equal(String(SCHEMA_VERSION));
    });

    it("migrates its version 1: each subject's head is made from its newest version", async () => {
      await writeStoreOfTheReleaseBefore("1");
      await expectStoreOfTheReleaseBeforeWorks(await openStoreAt());
      const [row] = await query<{ value: string }>(url, "SELECT value FROM meta WHERE key = 'schema_version'");
      expect(row.value).to.equal(String(SCHEMA_VERSION));
      expect(await query(url, "SELECT subject, versions FROM record_heads")).to.deep.equal([
        { subject: ALICE, versions: 3 },
      ]);
    });
  });

  describe("holdsLease", () => {
    it("locks the lease in a transaction: another owner's claim waits for the commit", async () => {
      const [a, b] = [await openStoreAt(), await openStoreAt()];
      const checkId = `0x${"ab".repeat(32)}`;
      const lease = 300;
      expect(await a.claimCheck(checkId, "eval-a", lease)).to.equal(true);
      const order: string[] = [];
      let claim: Promise<boolean> | undefined;
      await a.transaction(async (tx) => {
        expect(await tx.holdsLease(checkId, "eval-a")).to.equal(true);
        claim = b.claimCheck(checkId, "eval-b", lease).finally(() => order.push("claimed"));
        await new Promise((r) => setTimeout(r, lease + 200)); // the lease ends meanwhile, but its row is locked
        order.push("committing");
      });
      expect(await claim).to.equal(true); // once committed, the ended lease is taken
      expect(order).to.deep.equal(["committing", "claimed"]);
    });
  });

  describe("openStore", () => {
    it("opens PostgreSQL for a postgres:// URL and SQLite for a path", async () => {
      const pgStore = await openStore(url, key);
      stores.push(pgStore);
      await put(pgStore, submission(ALICE, TAX_OFFICE, { creditScore: "700" }));
      expect((await query(url, "SELECT count(*)::int AS n FROM records"))[0]).to.deep.equal({ n: 1 });

      const dir = mkdtempSync(join(tmpdir(), "blindcredit-store-"));
      try {
        const sqlite = await openStore(join(dir, "bureau.db"), generateSealingKey());
        expect((await sqlite.stats()).records).to.equal(0);
        await sqlite.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
