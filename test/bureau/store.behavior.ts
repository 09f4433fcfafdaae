/**
 * The behaviour every bureau store shares, run against each (`shouldBehaveLikeABureauStore`): records appended and
 * fetched by hash, durability across close and open, tampering through a direct connection failing closed, a wrong
 * key refused at open, a schema from a newer release refused, the deployment it is bound to, the evaluator's log
 * cursor, hash-verified messages, check progress keyed by form hash, atomic transactions served in order, no
 * plaintext in any row, leases on checks for several evaluators, and comparison key reservations that several
 * processes take once.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import { encodeMessage, messageHash } from "../../src/protocol/messages";
import {
  encodeRecord,
  newRecord,
  parseRecordFields,
  recordHash,
  RecordError,
  RECORD_FORMAT,
} from "../../src/protocol/records";
import { generateSealingKey, SealingError, type SealingErrorCode, type SealingKey } from "../../src/bureau/sealing";
import { StoreError, type BureauStore, type StoreErrorCode } from "../../src/bureau/store";
import { MAX_LEASE_MS } from "../../src/bureau/storeRows";
import { openStoreWith, SCHEMA_VERSION } from "../../src/bureau/storeCore";
import type { StoreConnection, StoreDriver } from "../../src/bureau/storeDriver";
import { postgresDriver } from "../../src/bureau/postgresStore";
import { sqliteDriver } from "../../src/bureau/sqliteStore";
import { freshPostgresDatabase } from "../helpers/postgres";

/** The tables of a bureau store, by name, whatever the database. */
export const STORE_TABLES = [
  "checks",
  "comparison_key_reservations",
  "leases",
  "messages",
  "meta",
  "record_heads",
  "records",
];

export const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
export const BOB = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
export const TAX_OFFICE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
export const BANK = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
export const CHECK_1 = "0x" + "11".repeat(32);
export const CHECK_2 = "0x" + "22".repeat(32);
export const FORM_1 = "0x" + "f1".repeat(32);
export const FORM_2 = "0x" + "f2".repeat(32);
const DEPLOYMENT = {
  chainId: 31337n,
  contracts: {
    ConditionMatching: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    OwnershipJudgment: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  },
};

/** One empty database of the store under test, with a direct connection to it. */
export interface TestDatabase {
  /** Opens the store on this database. */
  open(sealingKey: SealingKey): Promise<BureauStore>;
  /**
   * Runs one statement as someone with direct access would (`?` placeholders), with the append-only guard on
   * records lifted when `tamper` is set; returns the rows.
   */
  sql<R = Record<string, unknown>>(statement: string, params?: readonly unknown[], tamper?: boolean): Promise<R[]>;
  /** Writes the schema version the database says it has. */
  setSchemaVersion(version: number): Promise<void>;
}

/** How to get databases of one kind of store. */
export interface StoreUnderTest {
  /** The store's name in its `closed` errors, e.g. "sqlite store". */
  readonly name: string;
  /** The schema version the store writes. */
  readonly schemaVersion: number;
  /** A new empty database; dropped or removed after the test. */
  database(): Promise<TestDatabase>;
  /** Forgets the test's databases. */
  cleanup(): Promise<void>;
}

/** The SQLite files the suite made, removed after each test. */
const directories: string[] = [];

/** What someone with direct access to a SQLite file runs to lift the append-only guard on records. */
const SQLITE_LIFT_GUARD = "DROP TRIGGER IF EXISTS records_no_update; DROP TRIGGER IF EXISTS records_no_delete";

/**
 * The stores the behaviour suite runs on, one line each: the driver, where a test gets an empty database of it,
 * and the statements that lift the append-only guard on records for someone with direct access. Each backend's
 * test file runs the suite on its line (`sqliteStore.test.ts`, `postgresStore.test.ts`).
 */
export const STORE_BACKENDS = {
  sqlite: backend(sqliteDriver, temporaryDatabaseFile, SQLITE_LIFT_GUARD),
  postgres: backend(postgresDriver, freshPostgresDatabase, "SET session_replication_role = replica"),
} as const;

/** A database file (not made yet) in a new temporary directory. */
async function temporaryDatabaseFile(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "blindcredit-store-"));
  directories.push(dir);
  return join(dir, "bureau.db");
}

/** A backend of the suite: its databases, reached as the store does and as someone with direct access does. */
function backend(driver: StoreDriver, location: () => Promise<string>, liftGuard: string): StoreUnderTest {
  return {
    name: driver.name,
    schemaVersion: SCHEMA_VERSION,
    async database() {
      return directDatabase(driver, await location(), liftGuard);
    },
    async cleanup() {
      for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A database of `driver` at `location`, with direct access over a connection of its own per statement. */
export function directDatabase(driver: StoreDriver, location: string, liftGuard: string): TestDatabase {
  const direct = async <R>(fn: (db: StoreConnection) => Promise<R>): Promise<R> => {
    const db = await driver.connect(location);
    try {
      return await db.atomic(fn);
    } finally {
      await db.close();
    }
  };
  return {
    open: (sealingKey) => openStoreWith(driver, location, sealingKey),
    sql: (statement, params = [], tamper = false) =>
      direct(async (db) => {
        if (tamper) await db.exec(liftGuard);
        let n = 0;
        return db.query(
          statement.replace(/\?/g, () => `$${++n}`),
          params,
        );
      }),
    setSchemaVersion: (version) => direct((db) => db.setSchemaVersion(version)),
  };
}

/** A record's bytes and hash, as a provider submits them. */
export function submission(
  subject: string,
  provider: string,
  fields: Record<string, unknown>,
  issuedAt = 1_700_000_000,
) {
  const bytes = encodeRecord(newRecord({ subject, provider, fields: parseRecordFields(fields), issuedAt }));
  return { bytes, hash: recordHash(bytes), subject, provider };
}

export function put(store: Pick<BureauStore, "putRecord">, s: ReturnType<typeof submission>) {
  return store.putRecord(s.bytes, s.hash, s.subject, s.provider);
}

export function message(text: string): { hash: string; bytes: Uint8Array } {
  const bytes = toUtf8Bytes(text);
  return { hash: keccak256(bytes), bytes };
}

export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection, got a result");
}

export async function expectSealingError(
  promise: Promise<unknown>,
  code: SealingErrorCode,
  message: string,
): Promise<void> {
  const error = await rejection(promise);
  expect(error, error.message).to.be.instanceOf(SealingError);
  expect((error as SealingError).code).to.equal(code);
  expect(error.message).to.contain(message);
}

export async function expectStoreError(
  promise: Promise<unknown>,
  code: StoreErrorCode,
  message: string,
): Promise<void> {
  const error = await rejection(promise);
  expect(error, error.message).to.be.instanceOf(StoreError);
  expect((error as StoreError).code).to.equal(code);
  expect(error.message).to.contain(message);
}

/**
 * A record, a check state, a reserved comparison key and a public message with distinctive contents (see
 * {@link expectNoPlaintext}).
 */
export async function writeSecrets(store: BureauStore): Promise<void> {
  // distinctive values: an income of 8765432, a state and a reserved key holding ASCII sentinels
  await put(store, submission(ALICE, TAX_OFFICE, { annualIncome: "8765432", debtToIncome: "12.34" }, 1_234_567_891));
  await store.putCheck(CHECK_1, { stage: "challenged", formHash: FORM_1, state: toUtf8Bytes(SENTINEL), updatedAt: 1 });
  const reserved = { fingerprint: CHECK_2, bank: BANK, expiresAt: 1, key: toUtf8Bytes(KEY_SENTINEL) };
  await store.putReservation(reserved, 1, 1);
  // a public message: stored in clear, which shows the search does find clear text
  const visible = message(PUBLIC_TEXT);
  await store.putMessage(visible.hash, visible.bytes);
}

/** Checks that what the database holds shows the public message of {@link writeSecrets} and none of its secrets. */
export function expectNoPlaintext(raw: Buffer): void {
  expect(raw.includes(PUBLIC_TEXT)).to.equal(true);
  for (const secret of ["8765432", "12.34", "1234567891", SENTINEL, KEY_SENTINEL, "annualIncome", RECORD_FORMAT]) {
    expect(raw.includes(secret), secret).to.equal(false);
  }
}

const SENTINEL = "SECRET-SHARES-5b1d9e";
const KEY_SENTINEL = "SECRET-DGK-KEY-9a7f30";
const PUBLIC_TEXT = "PUBLIC-MESSAGE-0c44e1";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shared behaviour of bureau stores, run against `subject`'s databases. */
export function shouldBehaveLikeABureauStore(subject: StoreUnderTest): void {
  let db: TestDatabase;
  let key: SealingKey;
  let stores: BureauStore[];

  async function openStore(sealingKey = key, on = db): Promise<BureauStore> {
    const store = await on.open(sealingKey);
    stores.push(store);
    return store;
  }

  beforeEach(async () => {
    db = await subject.database();
    key = generateSealingKey();
    stores = [];
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    await subject.cleanup();
  });

  describe("opening", () => {
    it("refuses a database sealed under another key before reading any row", async () => {
      const store = await openStore();
      await put(store, submission(ALICE, TAX_OFFICE, { creditScore: "700" }));
      await store.close();
      // even with a damaged row, the refusal is about the key, at open
      await db.sql("UPDATE records SET sealed = ?", [Buffer.alloc(10)], true);
      const other = generateSealingKey();
      await expectSealingError(
        db.open(other),
        "wrong-key",
        `wrong sealing key: the database was sealed under key ${key.id}, the key given is ${other.id}`,
      );
    });

    it("refuses a schema from a newer release", async () => {
      await (await openStore()).close();
      await db.setSchemaVersion(subject.schemaVersion + 1);
      await expectStoreError(
        db.open(key),
        "schema",
        `expected schema version ${subject.schemaVersion} or older, got ${subject.schemaVersion + 1}: written by a newer release`,
      );
    });
  });

  describe("records", () => {
    it("appends versions per subject and returns the fields of the version asked for by hash, never merged", async () => {
      const store = await openStore();
      const first = submission(ALICE, TAX_OFFICE, { creditScore: "700", annualIncome: "50000" }, 1_700_000_000);
      const second = submission(ALICE, TAX_OFFICE, { creditScore: "720" }, 1_700_000_100);
      const third = submission(ALICE, BANK, { debtToIncome: "35.5", annualIncome: 52_000 }, 1_700_000_200);
      const bobs = submission(BOB, TAX_OFFICE, { creditScore: "610" });
      expect(await put(store, first)).to.deep.equal({ version: 1, created: true });
      expect(await put(store, second)).to.deep.equal({ version: 2, created: true });
      expect(await put(store, bobs)).to.deep.equal({ version: 1, created: true });
      expect(await put(store, third)).to.deep.equal({ version: 3, created: true });

      const rows = await db.sql<{ version: number; hash: string; stored_at: number }>(
        "SELECT version, hash, stored_at FROM records WHERE subject = ? ORDER BY version",
        [ALICE],
      );
      expect(rows.map((r) => [r.version, r.hash])).to.deep.equal([
        [1, first.hash],
        [2, second.hash],
        [3, third.hash],
      ]);
      expect(Number(rows[2].stored_at)).to.be.within(Date.now() - 60_000, Date.now());

      expect(await store.valuesOf(ALICE, third.hash)).to.deep.equal(
        new Map([
          ["annualIncome", 52_000n],
          ["debtToIncome", 3550n],
        ]),
      );
      expect(await store.valuesOf(ALICE.toLowerCase(), second.hash.toUpperCase().replace("0X", "0x"))).to.deep.equal(
        new Map([["creditScore", 720n]]),
      );
      expect(await store.valuesOf(BOB, bobs.hash)).to.deep.equal(new Map([["creditScore", 610n]]));
      // Another subject's hash is not this subject's record.
      await expectStoreError(
        store.valuesOf(BOB, first.hash),
        "no-record",
        `subject ${BOB}: no credit record with hash`,
      );
    });

    it("is idempotent: the same record twice is stored once", async () => {
      const store = await openStore();
      const alice = submission(ALICE, TAX_OFFICE, { creditScore: "700" });
      await put(store, alice);
      await put(store, submission(ALICE, TAX_OFFICE, { creditScore: "710" }));
      expect(await put(store, alice)).to.deep.equal({ version: 1, created: false });
      expect((await store.stats()).records).to.equal(2);
    });

    it("numbers the versions of one subject one after another when two stores write at once", async () => {
      const [a, b] = [await openStore(), await openStore()];
      const records = [0, 1, 2, 3, 4, 5].map((i) =>
        submission(ALICE, TAX_OFFICE, { creditScore: String(600 + i) }, 1_700_000_000 + i),
      );
      const results = await Promise.all(records.map((r, i) => put(i % 2 === 0 ? a : b, r)));
      expect(results.map((r) => r.version).sort()).to.deep.equal([1, 2, 3, 4, 5, 6]);
      for (const r of records) expect((await a.valuesOf(ALICE, r.hash)).size).to.equal(1);
    });

    it("has nothing for an unknown subject or hash: a clear error for values", async () => {
      const store = await openStore();
      const unknown = keccak256("0x01");
      await expectStoreError(
        store.valuesOf(BOB, unknown),
        "no-record",
        `subject ${BOB}: no credit record with hash ${unknown} on file (none at all)`,
      );
      await put(store, submission(BOB, TAX_OFFICE, { creditScore: "610" }));
      await expectStoreError(
        store.valuesOf(BOB, unknown),
        "no-record",
        `subject ${BOB}: no credit record with hash ${unknown} on file (1 other version)`,
      );
      await expectStoreError(
        store.valuesOf(BOB, "0x12"),
        "invalid-argument",
        'record hash: expected 32 bytes as 0x-hex, got "0x12"',
      );
      await expectStoreError(
        store.valuesOf("0x1234", unknown),
        "invalid-argument",
        'subject: expected an address, got "0x1234"',
      );
    });

    it("refuses records whose hash, subject or provider do not match, and non-canonical bytes", async () => {
      const store = await openStore();
      const alice = submission(ALICE, TAX_OFFICE, { creditScore: "700" });
      await expectStoreError(
        store.putRecord(alice.bytes, keccak256("0x00"), ALICE, TAX_OFFICE),
        "invalid-argument",
        `record: expected bytes hashing to ${keccak256("0x00")}, got bytes hashing to ${alice.hash}`,
      );
      await expectStoreError(
        store.putRecord(alice.bytes, alice.hash, BOB, TAX_OFFICE),
        "invalid-argument",
        `record: stored for subject ${BOB}, but it is about ${ALICE}`,
      );
      await expectStoreError(
        store.putRecord(alice.bytes, alice.hash, ALICE, BANK),
        "invalid-argument",
        `record: stored as from provider ${BANK}, but it is from ${TAX_OFFICE}`,
      );
      const spaced = toUtf8Bytes(new TextDecoder().decode(alice.bytes) + " ");
      const error = await rejection(store.putRecord(spaced, keccak256(spaced), ALICE, TAX_OFFICE));
      expect(error).to.be.instanceOf(RecordError);
      expect(error.message).to.contain("record: expected the canonical encoding");
      expect((await store.stats()).records).to.equal(0);
    });

    it("is append-only in the database itself", async () => {
      const store = await openStore();
      await put(store, submission(ALICE, TAX_OFFICE, { creditScore: "700" }));
      await store.close();
      expect((await rejection(db.sql("UPDATE records SET provider = 'x'"))).message).to.contain(
        "records are append-only",
      );
      expect((await rejection(db.sql("DELETE FROM records"))).message).to.contain("records are append-only");
      expect(await db.sql("SELECT provider FROM records")).to.deep.equal([{ provider: TAX_OFFICE }]);
    });
  });

  describe("durability", () => {
    it("keeps records, messages, checks and stats across close and open", async () => {
      const store = await openStore();
      const alice = submission(ALICE, TAX_OFFICE, { creditScore: "700", bankruptcy: "0" });
      const form = message('{"stage":"form"}');
      await put(store, alice);
      await store.putMessage(form.hash, form.bytes);
      await store.putCheck(CHECK_1, {
        stage: "challenged",
        formHash: FORM_1,
        state: Uint8Array.of(1, 0, 1),
        messageHash: form.hash,
        updatedAt: 5,
      });
      await store.bindDeployment(DEPLOYMENT);
      await store.setLogCursor(1234);
      const before = await store.stats();
      await store.close();

      const reopened = await openStore();
      expect(await reopened.stats()).to.deep.equal(before);
      expect(await reopened.valuesOf(ALICE, alice.hash)).to.deep.equal(
        new Map([
          ["bankruptcy", 0n],
          ["creditScore", 700n],
        ]),
      );
      expect(await reopened.getMessage(form.hash)).to.deep.equal(form.bytes);
      expect(await reopened.getCheck(CHECK_1)).to.deep.equal({
        stage: "challenged",
        formHash: FORM_1,
        state: Uint8Array.of(1, 0, 1),
        messageHash: form.hash,
        updatedAt: 5,
      });
      expect(await reopened.logCursor()).to.equal(1234);
      expect(await reopened.deployment()).to.deep.equal(DEPLOYMENT);
      expect(await put(reopened, submission(ALICE, TAX_OFFICE, { creditScore: "710" }))).to.deep.equal({
        version: 2,
        created: true,
      });
    });

    it("refuses calls after close", async () => {
      const store = await openStore();
      await store.close();
      await store.close(); // twice is fine
      await expectStoreError(store.getMessage(CHECK_1), "closed", `${subject.name}: getMessage used after close()`);
      await expectStoreError(store.claimNext("a", 1), "closed", `${subject.name}: claimNext used after close()`);
    });
  });

  describe("tampering fails closed", () => {
    const alice = [700, 720, 740].map((score, i) =>
      submission(ALICE, TAX_OFFICE, { creditScore: String(score) }, 1_700_000_000 + i),
    );
    const bob = submission(BOB, TAX_OFFICE, { creditScore: "610" });

    async function storeWithTwoSubjects() {
      const store = await openStore();
      for (const s of [...alice, bob]) await put(store, s);
      await store.close();
    }

    async function sealedOf(who: string, version: number): Promise<Buffer> {
      const [row] = await db.sql<{ sealed: Buffer }>("SELECT sealed FROM records WHERE subject = ? AND version = ?", [
        who,
        version,
      ]);
      return row.sealed;
    }

    function setSealed(who: string, version: number, sealed: Buffer): Promise<unknown> {
      return db.sql("UPDATE records SET sealed = ? WHERE subject = ? AND version = ?", [sealed, who, version], true);
    }

    it("a flipped byte anywhere in a sealed record is reported as tampered", async () => {
      await storeWithTwoSubjects();
      const length = (await sealedOf(ALICE, 2)).length;
      for (const at of [0, 9, 21, length - 17, length - 1]) {
        const sealed = await sealedOf(ALICE, 2);
        sealed[at] ^= 0x80;
        await setSealed(ALICE, 2, sealed);
        const store = await openStore();
        await expectSealingError(
          store.valuesOf(ALICE, alice[1].hash),
          "tampered",
          `record ${ALICE} version 2: sealed blob:`,
        );
        expect((await store.valuesOf(BOB, bob.hash)).size).to.equal(1); // other subjects are unaffected
        await store.close();
        sealed[at] ^= 0x80; // restore, then try the next position
        await setSealed(ALICE, 2, sealed);
        expect((await (await openStore()).valuesOf(ALICE, alice[1].hash)).size).to.equal(1);
      }
    });

    it("a blob copied to another subject or version is reported as tampered", async () => {
      await storeWithTwoSubjects();
      await setSealed(BOB, 1, await sealedOf(ALICE, 1));
      let store = await openStore();
      await expectSealingError(
        store.valuesOf(BOB, bob.hash),
        "tampered",
        `record ${BOB} version 1: sealed blob: authentication failed`,
      );
      await store.close();

      await setSealed(ALICE, 2, await sealedOf(ALICE, 3));
      store = await openStore();
      await expectSealingError(
        store.valuesOf(ALICE, alice[1].hash),
        "tampered",
        `record ${ALICE} version 2: sealed blob: authentication failed`,
      );
    });

    it("a row moved to another subject, or with its hash or provider changed, is reported as tampered", async () => {
      await storeWithTwoSubjects();
      const moved = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
      await db.sql("UPDATE records SET subject = ? WHERE subject = ? AND version = 1", [moved, BOB], true);
      const store = await openStore();
      // it has no head under the subject it was moved to
      await expectSealingError(
        store.valuesOf(moved, bob.hash),
        "tampered",
        `record ${moved}: 1 version stored and no head naming the newest`,
      );
      await store.close();
      await db.sql("UPDATE records SET provider = ? WHERE subject = ? AND version = 1", [BANK, ALICE], true);
      await expectSealingError(
        (await openStore()).valuesOf(ALICE, alice[0].hash),
        "tampered",
        `record ${ALICE} version 1`,
      );
    });

    it("a removed version is reported as tampered, not skipped, even when another version is asked for", async () => {
      await storeWithTwoSubjects();
      await db.sql("DELETE FROM records WHERE subject = ? AND version = 2", [ALICE], true);
      const store = await openStore();
      await expectSealingError(
        store.valuesOf(ALICE, alice[2].hash),
        "tampered",
        `record ${ALICE}: expected versions 1 to 3, got 2 of them: a version was removed`,
      );
    });

    it("a removed newest version is reported as tampered, not as no record", async () => {
      await storeWithTwoSubjects();
      await db.sql("DELETE FROM records WHERE subject = ? AND version = 3", [ALICE], true);
      const store = await openStore();
      const removed = `record ${ALICE}: expected versions 1 to 3 (the newest stored), got 1 to 2: a version was removed`;
      await expectSealingError(store.valuesOf(ALICE, alice[2].hash), "tampered", removed);
      // every version of the subject: its history must be whole, whichever version the chain names
      await expectSealingError(store.valuesOf(ALICE, alice[1].hash), "tampered", removed);
      expect(await store.valuesOf(BOB, bob.hash)).to.deep.equal(new Map([["creditScore", 610n]]));
    });

    it("a removed, altered or moved head of a subject's versions is reported as tampered", async () => {
      await storeWithTwoSubjects();
      const [head] = await db.sql<{ sealed: Buffer }>("SELECT sealed FROM record_heads WHERE subject = ?", [ALICE]);
      await db.sql("DELETE FROM record_heads WHERE subject = ?", [ALICE], true);
      const store = await openStore();
      await expectSealingError(
        store.valuesOf(ALICE, alice[2].hash),
        "tampered",
        `record ${ALICE}: 3 versions stored and no head naming the newest: the head was removed`,
      );
      // Bob's head copied onto Alice's row: its seal names Bob
      const [bobs] = await db.sql<{ versions: number; hash: string; sealed: Buffer }>(
        "SELECT versions, hash, sealed FROM record_heads WHERE subject = ?",
        [BOB],
      );
      await db.sql("INSERT INTO record_heads (subject, versions, hash, sealed) VALUES (?, ?, ?, ?)", [
        ALICE,
        3,
        alice[2].hash,
        bobs.sealed,
      ]);
      await expectSealingError(store.valuesOf(ALICE, alice[2].hash), "tampered", `record ${ALICE} head`);
      // the right seal, a count lowered to hide the newest version
      await db.sql("UPDATE record_heads SET versions = 2, sealed = ? WHERE subject = ?", [head.sealed, ALICE]);
      await expectSealingError(store.valuesOf(ALICE, alice[1].hash), "tampered", `record ${ALICE} head`);
    });

    it("a store written before heads were kept gets them when opened, from the versions it holds", async () => {
      await storeWithTwoSubjects();
      // as schema version 3 left it: without the tables of versions 4 (heads) and 5 (reservations)
      await db.sql("DROP TABLE record_heads", [], true);
      await db.sql("DROP TABLE comparison_key_reservations", [], true);
      await db.setSchemaVersion(3);
      const store = await openStore();
      expect(await store.valuesOf(ALICE, alice[2].hash)).to.deep.equal(new Map([["creditScore", 740n]]));
      await store.close();
      await db.sql("DELETE FROM records WHERE subject = ? AND version = 3", [ALICE], true);
      await expectSealingError((await openStore()).valuesOf(ALICE, alice[1].hash), "tampered", "a version was removed");
    });

    it("a row sealed under another key is reported as wrong-key", async () => {
      await storeWithTwoSubjects();
      // another bureau's database, same subject and version
      const otherDb = await subject.database();
      const other = await openStore(generateSealingKey(), otherDb);
      await put(other, submission(BOB, TAX_OFFICE, { creditScore: "610" }));
      await other.close();
      const [{ sealed }] = await otherDb.sql<{ sealed: Buffer }>("SELECT sealed FROM records WHERE subject = ?", [BOB]);
      await setSealed(BOB, 1, sealed);
      await expectSealingError(
        (await openStore()).valuesOf(BOB, bob.hash),
        "wrong-key",
        `record ${BOB} version 1: sealed blob: sealed under key`,
      );
    });

    it("reports stored message bytes that no longer hash to their key as tampered", async () => {
      const store = await openStore();
      const form = message("form message");
      await store.putMessage(form.hash, form.bytes);
      await store.close();
      await db.sql("UPDATE messages SET bytes = ? WHERE hash = ?", [Buffer.from("forged message"), form.hash], true);
      await expectSealingError(
        (await openStore()).getMessage(form.hash),
        "tampered",
        `message ${form.hash}: the stored bytes hash to ${keccak256(toUtf8Bytes("forged message"))}: altered in the database`,
      );
    });

    it("reports a tampered check state, or a row moved to another check, stage or form, as tampered", async () => {
      const store = await openStore();
      await store.putCheck(CHECK_1, {
        stage: "challenged",
        formHash: FORM_1,
        state: Uint8Array.of(1, 0, 1),
        updatedAt: 10,
      });
      await store.close();
      const [saved] = await db.sql<{ sealed_state: Buffer }>("SELECT sealed_state FROM checks");
      const edits: [string, unknown[]][] = [
        ["UPDATE checks SET sealed_state = ?", [Buffer.concat([saved.sealed_state, Buffer.of(0)])]],
        ["UPDATE checks SET check_id = ?", [CHECK_2]],
        ["UPDATE checks SET stage = 'answered'", []],
        ["UPDATE checks SET updated_at = 11", []],
        ["UPDATE checks SET message_hash = ?", [CHECK_2]],
        ["UPDATE checks SET form_hash = ?", [FORM_2]],
      ];
      for (const [edit, params] of edits) {
        await db.sql(edit, params, true);
        const reopened = await openStore();
        const id = edit.includes("check_id") ? CHECK_2 : CHECK_1;
        await expectSealingError(reopened.getCheck(id), "tampered", `check ${id}: sealed blob: authentication failed`);
        await reopened.close();
        await db.sql("DELETE FROM checks", [], true);
        await db.sql(
          "INSERT INTO checks (check_id, stage, message_hash, updated_at, sealed_state, form_hash) " +
            "VALUES (?, 'challenged', NULL, 10, ?, ?)",
          [CHECK_1, saved.sealed_state, FORM_1],
          true,
        );
      }
      expect((await (await openStore()).getCheck(CHECK_1))?.state).to.deep.equal(Uint8Array.of(1, 0, 1));
    });
  });

  describe("messages", () => {
    it("stores and returns messages by their keccak256, idempotently", async () => {
      const store = await openStore();
      const form = message('{"stage":"form","body":{}}');
      expect(await store.getMessage(form.hash)).to.equal(undefined);
      await store.putMessage(form.hash, form.bytes);
      await store.putMessage(form.hash.toUpperCase().replace("0X", "0x"), form.bytes);
      expect(await store.getMessage(form.hash)).to.deep.equal(form.bytes);
      expect(await store.getMessage(form.hash.toUpperCase().replace("0X", "0x"))).to.deep.equal(form.bytes);
      expect((await store.stats()).messages).to.equal(1);
    });

    it("refuses a message whose hash does not match, and a malformed hash", async () => {
      const store = await openStore();
      const form = message("form");
      const other = message("other");
      await expectStoreError(
        store.putMessage(other.hash, form.bytes),
        "invalid-argument",
        `message: expected bytes hashing to ${other.hash}, got bytes hashing to ${form.hash}`,
      );
      await expectStoreError(
        store.getMessage("0x12"),
        "invalid-argument",
        'message hash: expected 32 bytes as 0x-hex, got "0x12"',
      );
      expect(await store.getMessage(other.hash)).to.equal(undefined);
    });

    it("lists messages stored before a time with the check their header names, and deletes them by hash", async () => {
      const store = await openStore();
      const context = { chainId: 31337n, contract: `0x${"ab".repeat(20)}`, checkId: CHECK_1, keyFingerprint: FORM_1 };
      const form = encodeMessage("form", context, { n: 1 });
      const junk = message("no header");
      await store.putMessage(messageHash(form), form);
      await store.putMessage(junk.hash, junk.bytes);
      expect(await store.oldMessages(0, 10)).to.deep.equal([]);
      const listed = await store.oldMessages(Date.now() + 1000, 10);
      expect(listed.map((m) => [m.hash, m.checkId]).sort()).to.deep.equal(
        [
          [messageHash(form), CHECK_1],
          [junk.hash, undefined],
        ].sort(),
      );
      expect(await store.oldMessages(Date.now() + 1000, 1)).to.have.length(1);
      await expectStoreError(
        store.oldMessages(-1, 10),
        "invalid-argument",
        "storedBefore: expected a non-negative safe integer, got -1",
      );
      expect(await store.deleteMessages([junk.hash, FORM_2])).to.equal(1);
      expect(await store.getMessage(junk.hash)).to.equal(undefined);
      expect(await store.getMessage(messageHash(form))).to.deep.equal(form);
      expect((await store.stats()).messages).to.equal(1);
      expect(await store.deleteMessages([])).to.equal(0);
    });
  });

  describe("check progress", () => {
    it("writes, replaces, counts by stage and deletes", async () => {
      const store = await openStore();
      const answer = message("answer");
      await store.putCheck(CHECK_1, {
        stage: "challenged",
        formHash: FORM_1,
        state: Uint8Array.of(1, 0),
        updatedAt: 10,
      });
      await store.putCheck(CHECK_2.toUpperCase().replace("0X", "0x"), {
        stage: "challenged",
        formHash: FORM_1,
        state: new Uint8Array(),
        updatedAt: 5,
      });
      expect(await store.getCheck(CHECK_1)).to.deep.equal({
        stage: "challenged",
        formHash: FORM_1,
        state: Uint8Array.of(1, 0),
        updatedAt: 10,
      });
      expect(await store.getCheck(CHECK_2)).to.deep.equal({
        stage: "challenged",
        formHash: FORM_1,
        state: new Uint8Array(),
        updatedAt: 5,
      });
      expect((await store.stats()).checksByStage).to.deep.equal({ challenged: 2 });

      await store.putCheck(CHECK_1, {
        stage: "answered",
        formHash: FORM_2,
        state: Uint8Array.of(9),
        messageHash: answer.hash,
        updatedAt: 20,
      });
      expect(await store.getCheck(CHECK_1)).to.deep.equal({
        stage: "answered",
        formHash: FORM_2,
        state: Uint8Array.of(9),
        messageHash: answer.hash,
        updatedAt: 20,
      });
      expect((await store.stats()).checksByStage).to.deep.equal({ answered: 1, challenged: 1 });

      expect(await store.deleteCheck(CHECK_1)).to.equal(true);
      expect(await store.deleteCheck(CHECK_1)).to.equal(false);
      expect(await store.getCheck(CHECK_1)).to.equal(undefined);
    });

    it("refuses a bad check id, stage, form hash, state or time", async () => {
      const store = await openStore();
      const state = Uint8Array.of(1);
      await expectStoreError(
        store.putCheck("0x11", { stage: "a", formHash: FORM_1, state, updatedAt: 1 }),
        "invalid-argument",
        'check id: expected 32 bytes as 0x-hex, got "0x11"',
      );
      await expectStoreError(
        store.putCheck(CHECK_1, { stage: "with space", formHash: FORM_1, state, updatedAt: 1 }),
        "invalid-argument",
        'check stage: expected 1 to 64 characters of [A-Za-z0-9._-], got "with space"',
      );
      await expectStoreError(
        store.putCheck(CHECK_1, { stage: "a", formHash: FORM_1, state: [1] as unknown as Uint8Array, updatedAt: 1 }),
        "invalid-argument",
        "state: expected bytes",
      );
      await expectStoreError(
        store.putCheck(CHECK_1, { stage: "a", formHash: FORM_1, state, updatedAt: 0 }),
        "invalid-argument",
        "updatedAt: expected a positive integer (Unix ms), got number 0",
      );
      await expectStoreError(
        store.putCheck(CHECK_1, { stage: "a", formHash: FORM_1, state, messageHash: "0x", updatedAt: 1 }),
        "invalid-argument",
        "check message hash: expected 32 bytes",
      );
      await expectStoreError(
        store.putCheck(CHECK_1, { stage: "a", state, updatedAt: 1 } as unknown as Parameters<
          BureauStore["putCheck"]
        >[1]),
        "invalid-argument",
        "check form hash: expected 32 bytes as 0x-hex, got nothing",
      );
      expect(await store.getCheck(CHECK_1)).to.equal(undefined);
    });
  });

  describe("deployment", () => {
    it("is bound on first use, accepted again, and another one is refused with both named", async () => {
      const store = await openStore();
      expect(await store.deployment()).to.equal(undefined);
      await store.bindDeployment(DEPLOYMENT);
      // the same deployment, in another spelling: accepted
      await store.bindDeployment({
        chainId: 31337n,
        contracts: {
          OwnershipJudgment: DEPLOYMENT.contracts.OwnershipJudgment.toLowerCase(),
          ConditionMatching: DEPLOYMENT.contracts.ConditionMatching,
        },
      });
      const redeployed = { ...DEPLOYMENT, contracts: { ...DEPLOYMENT.contracts, ConditionMatching: BANK } };
      await expectStoreError(
        store.bindDeployment(redeployed),
        "deployment",
        `the store serves chain 31337 (ConditionMatching ${DEPLOYMENT.contracts.ConditionMatching}, ` +
          `OwnershipJudgment ${DEPLOYMENT.contracts.OwnershipJudgment}); it was given chain 31337 ` +
          `(ConditionMatching ${BANK}, OwnershipJudgment ${DEPLOYMENT.contracts.OwnershipJudgment})`,
      );
      await expectStoreError(
        store.bindDeployment({ ...DEPLOYMENT, chainId: 1n }),
        "deployment",
        "it was given chain 1 (",
      );
      expect(await store.deployment()).to.deep.equal(DEPLOYMENT);
    });

    it("refuses a malformed deployment", async () => {
      const store = await openStore();
      await expectStoreError(
        store.bindDeployment({ chainId: 0n, contracts: DEPLOYMENT.contracts }),
        "invalid-argument",
        "deployment chain id: expected a positive bigint, got bigint 0",
      );
      await expectStoreError(
        store.bindDeployment({ chainId: 1n, contracts: { ConditionMatching: "0x12" } }),
        "invalid-argument",
        'deployment contract ConditionMatching: expected an address, got "0x12"',
      );
      expect(await store.deployment()).to.equal(undefined);
    });
  });

  describe("log cursor", () => {
    it("is undefined until saved, then survives close and open in meta", async () => {
      const store = await openStore();
      expect(await store.logCursor()).to.equal(undefined);
      await store.setLogCursor(41);
      await store.setLogCursor(42);
      await expectStoreError(store.setLogCursor(-1), "invalid-argument", "log cursor: expected a block number");
      await expectStoreError(store.setLogCursor(1.5), "invalid-argument", "log cursor: expected a block number");
      await store.close();
      expect(await db.sql("SELECT value FROM meta WHERE key = 'log_cursor'")).to.deep.equal([{ value: "42" }]);
      expect(await (await openStore()).logCursor()).to.equal(42);
    });
  });

  describe("transaction", () => {
    it("writes a message and a check's progress together", async () => {
      const store = await openStore();
      const challenge = message("challenge");
      const result = await store.transaction(async (tx) => {
        await tx.putMessage(challenge.hash, challenge.bytes);
        await tx.putCheck(CHECK_1, {
          stage: "challenged",
          formHash: FORM_1,
          state: Uint8Array.of(1),
          messageHash: challenge.hash,
          updatedAt: 1,
        });
        expect((await tx.getCheck(CHECK_1))?.messageHash).to.equal(challenge.hash); // sees its own writes
        return "done";
      });
      expect(result).to.equal("done");
      await store.close();
      const reopened = await openStore();
      expect(await reopened.getMessage(challenge.hash)).to.deep.equal(challenge.bytes);
      expect((await reopened.getCheck(CHECK_1))?.messageHash).to.equal(challenge.hash);
    });

    it("writes nothing when the callback throws, and rethrows", async () => {
      const store = await openStore();
      const challenge = message("challenge");
      const boom = new Error("evaluator failed");
      const error = await rejection(
        store.transaction(async (tx) => {
          await tx.putMessage(challenge.hash, challenge.bytes);
          await put(tx, submission(ALICE, TAX_OFFICE, { creditScore: "700" }));
          await tx.putCheck(CHECK_1, { stage: "challenged", formHash: FORM_1, state: Uint8Array.of(1), updatedAt: 1 });
          await sleep(5);
          throw boom;
        }),
      );
      expect(error).to.equal(boom);
      expect(await store.getMessage(challenge.hash)).to.equal(undefined);
      expect(await store.getCheck(CHECK_1)).to.equal(undefined);
      expect(await store.stats()).to.deep.equal({ subjects: 0, records: 0, messages: 0, checksByStage: {} });
      await store.close();
      expect(await (await openStore()).stats()).to.deep.equal({
        subjects: 0,
        records: 0,
        messages: 0,
        checksByStage: {},
      });
    });

    it("serves calls in order: those made during it wait until it commits", async () => {
      const store = await openStore();
      const challenge = message("challenge");
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const before = store.getMessage(challenge.hash); // made before the transaction: sees none of it
      const tx = store.transaction(async (t) => {
        await t.putMessage(challenge.hash, challenge.bytes);
        await gate;
        await t.putCheck(CHECK_1, {
          stage: "challenged",
          formHash: FORM_1,
          state: Uint8Array.of(1),
          messageHash: challenge.hash,
          updatedAt: 1,
        });
      });
      const after = store.getCheck(CHECK_1); // made after: served once it has committed, sees all of it
      let served = false;
      void after.then(() => (served = true));
      await sleep(10);
      expect(served).to.equal(false);
      expect(await before).to.equal(undefined);
      release();
      await tx;
      expect((await after)?.messageHash).to.equal(challenge.hash);
    });

    it("refuses the store itself inside the callback, and the handle after the end", async () => {
      const store = await openStore();
      let handle!: Parameters<Parameters<BureauStore["transaction"]>[0]>[0];
      await expectStoreError(
        store.transaction(async (tx) => {
          handle = tx;
          await store.getMessage(CHECK_1);
        }),
        "transaction",
        "getMessage called on the store inside transaction(): use the handle passed to the callback",
      );
      await expectStoreError(
        handle.getMessage(CHECK_1),
        "transaction",
        "transaction handle used after its transaction ended",
      );
      await expectStoreError(
        store.transaction(async () => store.transaction(async () => 1)),
        "transaction",
        "transaction called on the store inside transaction()",
      );
      await expectStoreError(
        store.transaction(async () => store.claimCheck(CHECK_1, "a", 1000)),
        "transaction",
        "claimCheck called on the store inside transaction()",
      );
      expect(await store.getMessage(CHECK_1)).to.equal(undefined); // still usable
    });
  });

  describe("at rest", () => {
    it("writes no plaintext in any row: record values and check states are sealed", async () => {
      const store = await openStore();
      await writeSecrets(store);
      await store.close();

      const cells: Buffer[] = [];
      for (const table of STORE_TABLES) {
        for (const row of await db.sql(`SELECT * FROM ${table}`)) {
          for (const value of Object.values(row)) {
            cells.push(Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
          }
        }
      }
      expectNoPlaintext(Buffer.concat(cells));
    });
  });

  describe("leases", () => {
    const LEASE = 400;

    async function twoEvaluators(): Promise<[BureauStore, BureauStore]> {
      return [await openStore(), await openStore()];
    }

    async function progress(store: BureauStore, checkId: string, updatedAt: number): Promise<void> {
      await store.putCheck(checkId, { stage: "challenged", formHash: FORM_1, state: Uint8Array.of(1), updatedAt });
    }

    it("claimCheck: of two owners racing for one check, exactly one wins, every time", async () => {
      const [a, b] = await twoEvaluators();
      for (let i = 1; i <= 20; i++) {
        const id = "0x" + i.toString(16).padStart(64, "0");
        const [wonA, wonB] = await Promise.all([a.claimCheck(id, "eval-a", LEASE), b.claimCheck(id, "eval-b", LEASE)]);
        expect(wonA !== wonB, `check ${i}: a ${wonA}, b ${wonB}`).to.equal(true);
        expect((await a.leaseOf(id))?.owner).to.equal(wonA ? "eval-a" : "eval-b");
      }
    });

    it("claimCheck: the holder claims again (extending it); another owner is refused while it lasts", async () => {
      const [a, b] = await twoEvaluators();
      const t0 = Date.now();
      expect(await a.claimCheck(CHECK_1, "eval-a", 60_000)).to.equal(true);
      const lease = (await a.leaseOf(CHECK_1))!;
      expect(lease.owner).to.equal("eval-a");
      expect(lease.expiresAt).to.be.within(t0 + 59_000, Date.now() + 61_000);
      expect(await b.claimCheck(CHECK_1, "eval-b", 60_000)).to.equal(false);
      expect(await a.claimCheck(CHECK_1, "eval-a", 120_000)).to.equal(true);
      expect((await a.leaseOf(CHECK_1))!.expiresAt).to.be.above(lease.expiresAt);
      expect(await b.leaseOf(CHECK_2)).to.equal(undefined);
    });

    it("takes over a check whose lease has ended; the old holder can no longer renew it", async () => {
      const [a, b] = await twoEvaluators();
      expect(await a.claimCheck(CHECK_1, "eval-a", LEASE)).to.equal(true);
      expect(await b.claimCheck(CHECK_1, "eval-b", LEASE)).to.equal(false);
      await sleep(LEASE + 100); // eval-a crashed: its lease ends
      expect(await b.claimCheck(CHECK_1, "eval-b", LEASE)).to.equal(true);
      expect(await a.renewLease(CHECK_1, "eval-a", LEASE)).to.equal(false);
      expect(await a.releaseLease(CHECK_1, "eval-a")).to.equal(false);
      expect((await a.leaseOf(CHECK_1))?.owner).to.equal("eval-b");
    });

    it("holdsLease: only for the holder while its lease lasts, and it guards a write in a transaction", async () => {
      const [a, b] = await twoEvaluators();
      expect(await a.holdsLease(CHECK_1, "eval-a")).to.equal(false); // never claimed
      expect(await a.claimCheck(CHECK_1, "eval-a", LEASE)).to.equal(true);
      expect(await b.holdsLease(CHECK_1, "eval-a")).to.equal(true);
      expect(await b.holdsLease(CHECK_1, "eval-b")).to.equal(false);
      const guardedWrite = (owner: string) =>
        a.transaction(async (tx) => {
          if (!(await tx.holdsLease(CHECK_1, owner))) return false;
          await tx.putCheck(CHECK_1, { stage: "challenged", formHash: FORM_1, state: Uint8Array.of(1), updatedAt: 1 });
          return true;
        });
      expect(await guardedWrite("eval-b")).to.equal(false);
      expect(await a.getCheck(CHECK_1)).to.equal(undefined);
      expect(await guardedWrite("eval-a")).to.equal(true);
      expect((await a.getCheck(CHECK_1))?.stage).to.equal("challenged");
      await sleep(LEASE + 100); // ended: held no more, by anyone
      expect(await a.holdsLease(CHECK_1, "eval-a")).to.equal(false);
      await expectStoreError(a.holdsLease(CHECK_1, "a b"), "invalid-argument", "lease owner: expected");
    });

    it("renewLease keeps the check past the first lease's end", async () => {
      const [a, b] = await twoEvaluators();
      expect(await a.claimCheck(CHECK_1, "eval-a", LEASE)).to.equal(true);
      await sleep(LEASE / 2);
      expect(await a.renewLease(CHECK_1, "eval-a", LEASE)).to.equal(true);
      await sleep(LEASE / 2 + 100); // past the first lease's end, within the renewed one
      expect(await b.claimCheck(CHECK_1, "eval-b", LEASE)).to.equal(false);
      expect(await b.renewLease(CHECK_1, "eval-b", LEASE)).to.equal(false); // renewing is not claiming
      expect((await b.leaseOf(CHECK_1))?.owner).to.equal("eval-a");
    });

    it("releaseLease frees the check at once, for its holder only", async () => {
      const [a, b] = await twoEvaluators();
      expect(await a.claimCheck(CHECK_1, "eval-a", 60_000)).to.equal(true);
      expect(await b.releaseLease(CHECK_1, "eval-b")).to.equal(false);
      expect(await a.releaseLease(CHECK_1, "eval-a")).to.equal(true);
      expect(await a.leaseOf(CHECK_1)).to.equal(undefined);
      expect(await b.claimCheck(CHECK_1, "eval-b", 60_000)).to.equal(true);
      expect(await a.releaseLease(CHECK_1, "eval-a")).to.equal(false);
    });

    it("claimNext takes the oldest claimable check: unleased, or with its lease ended", async () => {
      const [a, b] = await twoEvaluators();
      const ids = [1, 2, 3].map((i) => "0x" + String(i).repeat(64));
      await progress(a, ids[2], 30);
      await progress(a, ids[0], 10);
      await progress(a, ids[1], 20);
      expect(await a.claimCheck(ids[0], "eval-a", LEASE)).to.equal(true);
      expect(await b.claimNext("eval-b", 60_000)).to.equal(ids[1]);
      expect(await b.claimNext("eval-b", 60_000)).to.equal(ids[2]);
      expect(await b.claimNext("eval-b", 60_000)).to.equal(undefined); // ids[0] is eval-a's
      await sleep(LEASE + 100);
      expect(await b.claimNext("eval-b", 60_000)).to.equal(ids[0]);
      expect(await a.claimNext("eval-a", 60_000)).to.equal(undefined);
      await b.releaseLease(ids[2], "eval-b");
      expect(await a.claimNext("eval-a", 60_000)).to.equal(ids[2]);
    });

    it("claimNext: two owners draining the checks at once never get the same one", async () => {
      const [a, b] = await twoEvaluators();
      const ids = Array.from({ length: 12 }, (_, i) => "0x" + (i + 1).toString(16).padStart(64, "0"));
      for (const [i, id] of ids.entries()) await progress(a, id, 100 + i);
      const drain = async (store: BureauStore, owner: string) => {
        const got: string[] = [];
        for (let id = await store.claimNext(owner, 60_000); id; id = await store.claimNext(owner, 60_000)) got.push(id);
        return got;
      };
      const [gotA, gotB] = await Promise.all([drain(a, "eval-a"), drain(b, "eval-b")]);
      expect([...gotA, ...gotB].sort()).to.deep.equal(ids);
      for (const id of gotA) expect((await a.leaseOf(id))?.owner).to.equal("eval-a");
      for (const id of gotB) expect((await a.leaseOf(id))?.owner).to.equal("eval-b");
    });

    it("refuses a bad check id, owner or lease length", async () => {
      const store = await openStore();
      await expectStoreError(store.claimCheck("0x11", "a", 1), "invalid-argument", "check id: expected 32 bytes");
      await expectStoreError(
        store.claimCheck(CHECK_1, "with space", 1),
        "invalid-argument",
        'lease owner: expected 1 to 128 characters of [A-Za-z0-9._:@-], got "with space"',
      );
      await expectStoreError(store.claimNext("", 1), "invalid-argument", "lease owner: expected");
      for (const ms of [0, 1.5, MAX_LEASE_MS + 1]) {
        await expectStoreError(
          store.renewLease(CHECK_1, "a", ms),
          "invalid-argument",
          `lease: expected 1 to ${MAX_LEASE_MS} milliseconds, got number ${ms}`,
        );
      }
      await expectStoreError(store.releaseLease(CHECK_1, "a b"), "invalid-argument", "lease owner: expected");
      await expectStoreError(store.leaseOf("0x"), "invalid-argument", "check id: expected 32 bytes");
    });
  });

  describe("comparison key reservations", () => {
    const KEY_1 = "0x" + "a1".repeat(32);
    const KEY_2 = "0x" + "a2".repeat(32);
    /** A reservation of `fingerprint` to `bank` until `expiresAt`, its key bytes naming it. */
    const reservation = (fingerprint: string, expiresAt = 2000, bank = BANK) => ({
      fingerprint,
      bank,
      expiresAt,
      key: toUtf8Bytes(`private key of ${fingerprint}`),
    });

    async function twoProcesses(): Promise<[BureauStore, BureauStore]> {
      return [await openStore(), await openStore()];
    }

    it("takes a reservation once, for its bank only, in whichever store: then it is gone for both", async () => {
      const [a, b] = await twoProcesses();
      expect(await a.putReservation(reservation(KEY_1), 1000, 4)).to.equal(true);
      expect(await b.countReservations(BANK.toLowerCase(), 1000)).to.equal(1);
      expect(await b.takeReservation(KEY_1, ALICE, 1000)).to.equal(undefined); // another bank's
      const taken = await b.takeReservation(KEY_1.toUpperCase().replace("0X", "0x"), BANK.toLowerCase(), 1000);
      expect(taken).to.deep.equal(reservation(KEY_1).key);
      expect(await a.takeReservation(KEY_1, BANK, 1000)).to.equal(undefined);
      expect(await b.takeReservation(KEY_1, BANK, 1000)).to.equal(undefined);
      expect(await a.countReservations(BANK, 1000)).to.equal(0);
      expect(await a.takeReservation(KEY_2, BANK, 1000)).to.equal(undefined); // never made
    });

    it("drops a reservation for its bank only", async () => {
      const [a, b] = await twoProcesses();
      await a.putReservation(reservation(KEY_1), 1000, 4);
      expect(await b.dropReservation(KEY_1, ALICE)).to.equal(false);
      expect(await b.countReservations(BANK, 1000)).to.equal(1);
      expect(await b.dropReservation(KEY_1, BANK)).to.equal(true);
      expect(await a.takeReservation(KEY_1, BANK, 1000)).to.equal(undefined);
      expect(await b.dropReservation(KEY_1, BANK)).to.equal(false);
    });

    it("takes and counts only unexpired reservations, and deletes the expired ones", async () => {
      const store = await openStore();
      await store.putReservation(reservation(KEY_1, 2000), 1000, 4);
      await store.putReservation(reservation(KEY_2, 3000), 1000, 4);
      expect(await store.countReservations(BANK, 1999)).to.equal(2);
      expect(await store.countReservations(BANK, 2000)).to.equal(1); // expired at its expiry
      expect(await store.takeReservation(KEY_1, BANK, 2000)).to.equal(undefined);
      expect(await store.deleteExpiredReservations(2500)).to.equal(1);
      expect(await store.countReservations(BANK, 1)).to.equal(1); // the expired row is gone, not just skipped
      expect(await store.takeReservation(KEY_2, BANK, 2500)).to.deep.equal(reservation(KEY_2).key);
      expect(await store.deleteExpiredReservations(2500)).to.equal(0);
    });

    it("bounds a bank's unexpired reservations: two stores racing for its last place get one", async () => {
      const [a, b] = await twoProcesses();
      const keys = [1, 2, 3, 4, 5].map((i) => "0x" + String(i).repeat(64));
      expect(await a.putReservation(reservation(keys[0], 1500), 1000, 3)).to.equal(true);
      expect(await a.putReservation(reservation(keys[1]), 1000, 3)).to.equal(true);
      const raced = await Promise.all([
        a.putReservation(reservation(keys[2]), 1000, 3),
        b.putReservation(reservation(keys[3]), 1000, 3),
      ]);
      expect(raced.filter(Boolean), `a ${raced[0]}, b ${raced[1]}`).to.have.length(1);
      expect(await b.countReservations(BANK, 1000)).to.equal(3);
      expect(await b.putReservation(reservation(keys[4], 2000, ALICE), 1000, 3)).to.equal(true); // another bank's
      expect(await b.putReservation(reservation(keys[raced[0] ? 3 : 2]), 1500, 3)).to.equal(true); // one expired
    });

    it("of two stores taking one reservation at once, exactly one gets it, every time", async () => {
      const [a, b] = await twoProcesses();
      for (let i = 1; i <= 20; i++) {
        const fingerprint = "0x" + i.toString(16).padStart(64, "0");
        await a.putReservation(reservation(fingerprint), 1000, 20);
        const taken = await Promise.all([a, b].map((store) => store.takeReservation(fingerprint, BANK, 1000)));
        expect(
          taken.filter((key) => key !== undefined),
          `reservation ${i}`,
        ).to.have.length(1);
      }
      expect(await a.countReservations(BANK, 1000)).to.equal(0);
    });

    it("a key altered, or a row moved to another bank, expiry or key, is reported as tampered and kept", async () => {
      const store = await openStore();
      await store.putReservation(reservation(KEY_1, 2000), 1000, 4);
      await store.putReservation(reservation(KEY_2, 2000), 1000, 4);
      const [row] = await db.sql<{ sealed_key: Buffer }>(
        "SELECT sealed_key FROM comparison_key_reservations WHERE fingerprint = ?",
        [KEY_1],
      );
      expect(row.sealed_key.includes(Buffer.from(`private key of ${KEY_1}`))).to.equal(false);
      const [other] = await db.sql<{ sealed_key: Buffer }>(
        "SELECT sealed_key FROM comparison_key_reservations WHERE fingerprint = ?",
        [KEY_2],
      );
      const flipped = Buffer.from(row.sealed_key);
      flipped[flipped.length - 1] ^= 0x01;
      const alterations: [string, string, unknown[], string][] = [
        ["its key", "sealed_key = ?", [flipped], BANK],
        ["another reservation's key", "sealed_key = ?", [other.sealed_key], BANK],
        ["another bank", "bank = ?", [ALICE], ALICE],
        ["a later expiry", "expires_at = ?", [9000], BANK],
      ];
      for (const [what, change, values, bank] of alterations) {
        await db.sql(`UPDATE comparison_key_reservations SET ${change} WHERE fingerprint = ?`, [...values, KEY_1]);
        await expectSealingError(
          store.takeReservation(KEY_1, bank, 1000),
          "tampered",
          `comparison key reservation ${KEY_1}:`,
        );
        const kept = await db.sql("SELECT 1 FROM comparison_key_reservations WHERE fingerprint = ?", [KEY_1]);
        expect(kept, `${what}: the row is kept`).to.have.length(1);
        await db.sql(
          "UPDATE comparison_key_reservations SET sealed_key = ?, bank = ?, expires_at = ? WHERE fingerprint = ?",
          [row.sealed_key, BANK, 2000, KEY_1],
        );
      }
      expect(await store.takeReservation(KEY_1, BANK, 1000)).to.deep.equal(reservation(KEY_1).key); // restored
    });

    it("refuses a malformed fingerprint, bank, time, bound or key", async () => {
      const store = await openStore();
      const cases: [() => Promise<unknown>, string][] = [
        [
          () => store.putReservation({ ...reservation(KEY_1), fingerprint: "0x12" }, 1000, 4),
          'reservation fingerprint: expected 32 bytes as 0x-hex, got "0x12"',
        ],
        [
          () => store.putReservation({ ...reservation(KEY_1), bank: "a bank" }, 1000, 4),
          'reservation bank: expected an address, got "a bank"',
        ],
        [
          () => store.putReservation({ ...reservation(KEY_1), expiresAt: 0 }, 1000, 4),
          "reservation expiresAt: expected a positive integer (Unix ms), got number 0",
        ],
        [
          () => store.putReservation({ ...reservation(KEY_1), key: new Uint8Array(0) }, 1000, 4),
          `reservation ${KEY_1} key: expected its bytes, got 0 bytes`,
        ],
        [
          () => store.putReservation(reservation(KEY_1), 1.5, 4),
          "now: expected a positive integer (Unix ms), got number 1.5",
        ],
        [
          () => store.putReservation(reservation(KEY_1), 1000, 0),
          "reservations per bank: expected a whole number ≥ 1, got number 0",
        ],
        [() => store.takeReservation("0x", BANK, 1000), "reservation fingerprint: expected 32 bytes"],
        [() => store.takeReservation(KEY_1, BANK, -1), "now: expected a positive integer (Unix ms), got number -1"],
        [() => store.countReservations("0x12", 1000), 'reservation bank: expected an address, got "0x12"'],
        [() => store.dropReservation(KEY_1, ""), 'reservation bank: expected an address, got ""'],
        [
          () => store.deleteExpiredReservations(Number.NaN),
          "now: expected a positive integer (Unix ms), got number NaN",
        ],
      ];
      for (const [call, message] of cases) await expectStoreError(call(), "invalid-argument", message);
      expect(await store.countReservations(BANK, 1000)).to.equal(0); // nothing was written
    });
  });
}
