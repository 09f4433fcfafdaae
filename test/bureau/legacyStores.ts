/**
 * Stores as the release before the one store core wrote them, made with that release's own schema statements
 * (copied verbatim from `sqliteStore.ts` and `postgresStore.ts` as they were), and filled as it filled them: the new
 * store must open them, migrate what is missing, and read every row.
 */
import { expect } from "chai";
import { sealingKeyId, type SealingKey } from "../../src/bureau/sealing";
import type { BureauStore, StoreDeployment } from "../../src/bureau/store";
import type { StoreConnection } from "../../src/bureau/storeDriver";
import { checkRecord, deploymentJson, sealCheck, sealHead, sealRecord } from "../../src/bureau/storeRows";
import { ALICE, BANK, CHECK_1, FORM_1, TAX_OFFICE, message, put, submission } from "./store.behavior";

/** The SQLite schema of that release at its version 4 (its four migrations, run in turn). */
export const SQLITE_VERSION_4_SCHEMA = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE records (
    subject   TEXT    NOT NULL,
    version   INTEGER NOT NULL CHECK (version >= 1),
    hash      TEXT    NOT NULL,
    provider  TEXT    NOT NULL,
    stored_at INTEGER NOT NULL,
    sealed    BLOB    NOT NULL,
    PRIMARY KEY (subject, version),
    UNIQUE (subject, hash)
  ) STRICT;
  CREATE TRIGGER records_no_update BEFORE UPDATE ON records
    BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
  CREATE TRIGGER records_no_delete BEFORE DELETE ON records
    BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
  CREATE TABLE messages (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL, stored_at INTEGER NOT NULL) STRICT;
  CREATE TABLE checks (
    check_id     TEXT PRIMARY KEY,
    stage        TEXT NOT NULL,
    message_hash TEXT,
    updated_at   INTEGER NOT NULL,
    sealed_state BLOB NOT NULL
  ) STRICT;
  CREATE INDEX checks_by_stage ON checks (stage, updated_at);
  ALTER TABLE checks ADD COLUMN form_hash TEXT;
  CREATE TABLE leases (check_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT;
  CREATE TABLE record_heads (
    subject  TEXT    PRIMARY KEY,
    versions INTEGER NOT NULL CHECK (versions >= 1),
    hash     TEXT    NOT NULL,
    sealed   BLOB    NOT NULL
  ) STRICT;
  PRAGMA user_version = 4;
`;

/** The PostgreSQL schema of that release at its version 1 (no `record_heads` yet). */
export const POSTGRES_VERSION_1_SCHEMA = `
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
`;

/** The PostgreSQL schema of that release at its version 2, the newest it wrote. */
export const POSTGRES_VERSION_2_SCHEMA = `${POSTGRES_VERSION_1_SCHEMA}
  CREATE TABLE record_heads (
    subject  TEXT    PRIMARY KEY,
    versions INTEGER NOT NULL CHECK (versions >= 1),
    hash     TEXT    NOT NULL,
    sealed   BYTEA   NOT NULL
  );
`;

const DEPLOYMENT: StoreDeployment = {
  chainId: 31337n,
  contracts: { ConditionMatching: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
};
const FIRST = submission(ALICE, TAX_OFFICE, { creditScore: "700" }, 1_700_000_000);
const SECOND = submission(ALICE, TAX_OFFICE, { creditScore: "720" }, 1_700_000_100);
const PROGRESS = { stage: "challenged", formHash: FORM_1, state: Uint8Array.of(7, 7), updatedAt: 10 };
const MESSAGE = message("a message of the release before");
const LEASE = { owner: "eval-a", expiresAt: 4_000_000_000_000 };

/**
 * Fills a database holding that release's schema as it filled one: two versions of Alice's record (with the head
 * naming the second when the schema has heads), a check's progress and its lease, a message, the deployment and
 * the log cursor, and `meta`'s own rows (`schemaVersion` written there when given, as PostgreSQL stores kept it).
 */
export async function fillStoreOfTheReleaseBefore(
  db: StoreConnection,
  key: SealingKey,
  options: { readonly heads: boolean; readonly schemaVersion?: string },
): Promise<void> {
  const meta = [
    ["sealing_key_id", sealingKeyId(key)],
    ["created_at", "1"],
    ["deployment", deploymentJson(DEPLOYMENT)],
    ["log_cursor", "42"],
    ...(options.schemaVersion === undefined ? [] : [["schema_version", options.schemaVersion]]),
  ];
  for (const row of meta) await db.run("INSERT INTO meta (key, value) VALUES ($1, $2)", row);
  for (const [version, s] of [FIRST, SECOND].entries()) {
    const checked = checkRecord(s.bytes, s.hash, s.subject, s.provider);
    const storedAt = 1_700_000_000_000 + version;
    await db.run(
      "INSERT INTO records (subject, version, hash, provider, stored_at, sealed) VALUES ($1, $2, $3, $4, $5, $6)",
      [ALICE, version + 1, s.hash, TAX_OFFICE, storedAt, Buffer.from(sealRecord(key, checked, version + 1, storedAt))],
    );
  }
  if (options.heads) {
    await db.run("INSERT INTO record_heads (subject, versions, hash, sealed) VALUES ($1, $2, $3, $4)", [
      ALICE,
      2,
      SECOND.hash,
      Buffer.from(sealHead(key, ALICE, 2, SECOND.hash)),
    ]);
  }
  const check = sealCheck(key, CHECK_1, PROGRESS);
  await db.run(
    "INSERT INTO checks (check_id, stage, message_hash, updated_at, sealed_state, form_hash) VALUES ($1, $2, $3, $4, $5, $6)",
    [check.check_id, check.stage, null, check.updated_at, Buffer.from(check.sealed_state), check.form_hash],
  );
  await db.run("INSERT INTO leases (check_id, owner, expires_at) VALUES ($1, $2, $3)", [
    CHECK_1,
    LEASE.owner,
    LEASE.expiresAt,
  ]);
  await db.run("INSERT INTO messages (hash, bytes, stored_at) VALUES ($1, $2, $3)", [
    MESSAGE.hash,
    Buffer.from(MESSAGE.bytes),
    1_700_000_000_000,
  ]);
}

/**
 * Checks that the store opened on a database {@link fillStoreOfTheReleaseBefore} filled reads and writes it all, and
 * keeps reservations in the table its migration added.
 */
export async function expectStoreOfTheReleaseBeforeWorks(store: BureauStore): Promise<void> {
  expect(await store.valuesOf(ALICE, SECOND.hash)).to.deep.equal(new Map([["creditScore", 720n]]));
  expect(await store.valuesOf(ALICE, FIRST.hash)).to.deep.equal(new Map([["creditScore", 700n]]));
  expect(await store.getCheck(CHECK_1)).to.deep.equal(PROGRESS);
  expect(await store.leaseOf(CHECK_1)).to.deep.equal(LEASE);
  expect(await store.claimCheck(CHECK_1, "eval-b", 1000)).to.equal(false);
  expect(await store.getMessage(MESSAGE.hash)).to.deep.equal(MESSAGE.bytes);
  expect(await store.deployment()).to.deep.equal(DEPLOYMENT);
  expect(await store.logCursor()).to.equal(42);
  await store.bindDeployment(DEPLOYMENT);
  const third = submission(ALICE, BANK, { debtToIncome: "35.5" }, 1_700_000_200);
  expect(await put(store, third)).to.deep.equal({ version: 3, created: true });
  expect(await store.valuesOf(ALICE, third.hash)).to.deep.equal(new Map([["debtToIncome", 3550n]]));
  expect(await store.stats()).to.deep.equal({ subjects: 1, records: 3, messages: 1, checksByStage: { challenged: 1 } });
  // the reservations' table the migration added (schema version 5)
  const reserved = { fingerprint: CHECK_1, bank: BANK, expiresAt: 2000, key: Uint8Array.of(1, 2, 3) };
  expect(await store.putReservation(reserved, 1000, 1)).to.equal(true);
  expect(await store.takeReservation(CHECK_1, BANK, 1000)).to.deep.equal(reserved.key);
}
