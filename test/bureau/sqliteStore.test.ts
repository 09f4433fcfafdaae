/**
 * Tests of the SQLite store on real files: the behaviour every store shares (`./store.behavior`), then what is the
 * SQLite store's own: the schema in WAL mode, in-memory databases, foreign files refused, the migration from schema
 * version 1, no plaintext in the database files, and its two listings.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { aadOf, generateSealingKey, seal, sealingKeyId, type SealingKey } from "../../src/bureau/sealing";
import { storeCapabilities } from "../../src/bureau/openStore";
import { openSqliteStore, sqliteDriver } from "../../src/bureau/sqliteStore";
import { SCHEMA_VERSION } from "../../src/bureau/storeCore";
import type { BureauStore } from "../../src/bureau/store";
import {
  ALICE,
  CHECK_1,
  FORM_1,
  TAX_OFFICE,
  expectSealingError,
  expectNoPlaintext,
  expectStoreError,
  put,
  shouldBehaveLikeABureauStore,
  STORE_BACKENDS,
  STORE_TABLES,
  submission,
  writeSecrets,
} from "./store.behavior";
import {
  expectStoreOfTheReleaseBeforeWorks,
  fillStoreOfTheReleaseBefore,
  SQLITE_VERSION_4_SCHEMA,
} from "./legacyStores";

describe("bureau/sqliteStore", () => {
  describe("the behaviour of a bureau store", () => {
    shouldBehaveLikeABureauStore(STORE_BACKENDS.sqlite);
  });

  let dir: string;
  let path: string;
  let key: SealingKey;
  let stores: BureauStore[];

  async function openStore(sealingKey = key): Promise<BureauStore> {
    const store = await openSqliteStore({ path, sealingKey });
    stores.push(store);
    return store;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "blindcredit-store-"));
    path = join(dir, "bureau.db");
    key = generateSealingKey();
    stores = [];
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("openSqliteStore", () => {
    it("creates the schema in WAL mode, with the key's id and never the key", async () => {
      const store = await openStore();
      await store.close();
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma("user_version", { simple: true })).to.equal(SCHEMA_VERSION);
        expect(db.pragma("journal_mode", { simple: true })).to.equal("wal");
        expect(db.prepare("SELECT key, value FROM meta WHERE key = 'sealing_key_id'").get()).to.deep.equal({
          key: "sealing_key_id",
          value: key.id,
        });
        const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
        expect(tables.map((t) => (t as { name: string }).name)).to.deep.equal(STORE_TABLES);
      } finally {
        db.close();
      }
    });

    it("works in memory for tests", async () => {
      const store = await openSqliteStore({ path: ":memory:", sealingKey: key });
      stores.push(store);
      const alice = submission(ALICE, TAX_OFFICE, { creditScore: "700" });
      expect(await put(store, alice)).to.deep.equal({ version: 1, created: true });
      expect(await store.valuesOf(ALICE, alice.hash)).to.deep.equal(new Map([["creditScore", 700n]]));
    });

    it("refuses a foreign database and a file that is no database", async () => {
      const foreign = join(dir, "foreign.db");
      const db = new Database(foreign);
      db.exec("CREATE TABLE accounts (id INTEGER)");
      db.close();
      await expectStoreError(
        openSqliteStore({ path: foreign, sealingKey: key }),
        "schema",
        "expected an empty file or a bureau database, got a database with 1 other objects",
      );

      const junk = join(dir, "junk.db");
      writeFileSync(junk, Buffer.alloc(4096, 0x5a));
      await expectStoreError(openSqliteStore({ path: junk, sealingKey: key }), "schema", "cannot use it as a database");
    });

    it("refuses bad options", async () => {
      await expectStoreError(openSqliteStore({ path: "", sealingKey: key }), "invalid-argument", "expected a path");
      await expectStoreError(
        openSqliteStore({ path, sealingKey: "00".repeat(32) as unknown as SealingKey }),
        "invalid-argument",
        "expected a SealingKey",
      );
    });
  });

  describe("storeCapabilities", () => {
    it("says what the service may rely on before the store is opened: a file to lock, or leases shared", () => {
      expect(storeCapabilities(path)).to.deep.equal({ label: "a SQLite store", sharedByProcesses: false, file: path });
      expect(storeCapabilities(":memory:")).to.deep.equal({ label: "a SQLite store", sharedByProcesses: false });
      expect(storeCapabilities("postgres://bureau:s3cret@db/bureau")).to.deep.equal({
        label: "a PostgreSQL store",
        sharedByProcesses: true,
      });
    });
  });

  describe("a store written by the release before the one store core", () => {
    it("opens at version 4 and reads and writes every row it holds", async () => {
      const legacy = await sqliteDriver.connect(path);
      try {
        await legacy.atomic(async (tx) => {
          await tx.exec(SQLITE_VERSION_4_SCHEMA);
          await fillStoreOfTheReleaseBefore(tx, key, { heads: true });
        });
      } finally {
        await legacy.close();
      }
      await expectStoreOfTheReleaseBeforeWorks(await openStore());
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma("user_version", { simple: true })).to.equal(SCHEMA_VERSION);
        expect(
          db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").pluck().all(),
        ).to.deep.equal(["records_no_delete", "records_no_update"]);
      } finally {
        db.close();
      }
    });
  });

  describe("migration from schema version 1", () => {
    /** A version-1 database as the previous release wrote it, with one journal row. */
    function writeVersion1(): Uint8Array {
      const db = new Database(path);
      const state = Uint8Array.of(7, 7);
      try {
        db.exec(`
          CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
          CREATE TABLE records (subject TEXT NOT NULL, version INTEGER NOT NULL CHECK (version >= 1),
            hash TEXT NOT NULL, provider TEXT NOT NULL, stored_at INTEGER NOT NULL, sealed BLOB NOT NULL,
            PRIMARY KEY (subject, version), UNIQUE (subject, hash)) STRICT;
          CREATE TABLE messages (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL, stored_at INTEGER NOT NULL) STRICT;
          CREATE TABLE checks (check_id TEXT PRIMARY KEY, stage TEXT NOT NULL, message_hash TEXT,
            updated_at INTEGER NOT NULL, sealed_state BLOB NOT NULL) STRICT;
          CREATE INDEX checks_by_stage ON checks (stage, updated_at);
          PRAGMA user_version = 1;
        `);
        db.prepare("INSERT INTO meta (key, value) VALUES ('sealing_key_id', ?), ('created_at', '1')").run(
          sealingKeyId(key),
        );
        const sealed = seal(key, state, aadOf("blindcredit.bureau.checks.v1", CHECK_1, "challenged", "", 10));
        db.prepare("INSERT INTO checks VALUES (?, 'challenged', NULL, 10, ?)").run(CHECK_1, Buffer.from(sealed));
      } finally {
        db.close();
      }
      return state;
    }

    it("adds the form hash column; a version-1 row keeps working, without a form hash, until rewritten", async () => {
      const state = writeVersion1();
      const store = await openStore();
      expect(await store.getCheck(CHECK_1)).to.deep.equal({ stage: "challenged", state, updatedAt: 10 });
      await store.putCheck(CHECK_1, { stage: "challenged", formHash: FORM_1, state, updatedAt: 11 });
      expect((await store.getCheck(CHECK_1))?.formHash).to.equal(FORM_1);
      await store.close();
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma("user_version", { simple: true })).to.equal(SCHEMA_VERSION);
        expect(db.prepare("SELECT form_hash FROM checks").get()).to.deep.equal({ form_hash: FORM_1 });
      } finally {
        db.close();
      }
    });

    it("does not migrate a version-1 database sealed under another key", async () => {
      writeVersion1();
      await expectSealingError(
        openSqliteStore({ path, sealingKey: generateSealingKey() }),
        "wrong-key",
        "wrong sealing key",
      );
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma("user_version", { simple: true })).to.equal(1);
      } finally {
        db.close();
      }
    });
  });

  describe("at rest", () => {
    it("writes no plaintext: record values and check states are absent from the database files", async () => {
      const store = await openStore();
      await writeSecrets(store);
      const contents = () =>
        Buffer.concat(
          readdirSync(dir)
            .filter((f) => f.startsWith("bureau.db"))
            .map((f) => readFileSync(join(dir, f))),
        );
      expectNoPlaintext(contents()); // while open: the main file and the WAL
      await store.close();
      expectNoPlaintext(contents()); // after the checkpoint at close
    });
  });
});
