/**
 * Tests of the SQLite store on real files: records appended and fetched by hash, durability across close and open,
 * tampering through a second connection failing closed, a wrong key refused at open, the deployment it is bound
 * to, the evaluator's log cursor, the migration from schema version 1, hash-verified messages, check progress
 * keyed by form hash and atomic transactions, and no plaintext in the database files.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import { encodeRecord, newRecord, parseRecordFields, recordHash, RecordError } from "../../src/protocol/records";
import {
  aadOf,
  generateSealingKey,
  seal,
  SealingError,
  sealingKeyId,
  type SealingErrorCode,
  type SealingKey,
} from "../../src/bureau/sealing";
import { SCHEMA_VERSION, openSqliteStore } from "../../src/bureau/sqliteStore";
import { StoreError, type BureauStore, type StoreErrorCode } from "../../src/bureau/store";

const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const TAX_OFFICE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const BANK = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const CHECK_1 = "0x" + "11".repeat(32);
const CHECK_2 = "0x" + "22".repeat(32);
const FORM_1 = "0x" + "f1".repeat(32);
const FORM_2 = "0x" + "f2".repeat(32);
const DEPLOYMENT = {
  chainId: 31337n,
  contracts: {
    ConditionMatching: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    OwnershipJudgment: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  },
};

/** A record's bytes and hash, as a provider submits them. */
function submission(subject: string, provider: string, fields: Record<string, unknown>, issuedAt = 1_700_000_000) {
  const bytes = encodeRecord(newRecord({ subject, provider, fields: parseRecordFields(fields), issuedAt }));
  return { bytes, hash: recordHash(bytes), subject, provider };
}

function put(store: BureauStore, s: ReturnType<typeof submission>) {
  return store.putRecord(s.bytes, s.hash, s.subject, s.provider);
}

function message(text: string): { hash: string; bytes: Uint8Array } {
  const bytes = toUtf8Bytes(text);
  return { hash: keccak256(bytes), bytes };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection, got a result");
}

async function expectSealingError(promise: Promise<unknown>, code: SealingErrorCode, message: string): Promise<void> {
  const error = await rejection(promise);
  expect(error, error.message).to.be.instanceOf(SealingError);
  expect((error as SealingError).code).to.equal(code);
  expect(error.message).to.contain(message);
}

async function expectStoreError(promise: Promise<unknown>, code: StoreErrorCode, message: string): Promise<void> {
  const error = await rejection(promise);
  expect(error, error.message).to.be.instanceOf(StoreError);
  expect((error as StoreError).code).to.equal(code);
  expect(error.message).to.contain(message);
}

describe("bureau/sqliteStore", () => {
  let dir: string;
  let path: string;
  let key: SealingKey;
  let stores: BureauStore[];

  async function openStore(sealingKey = key): Promise<BureauStore> {
    const store = await openSqliteStore({ path, sealingKey });
    stores.push(store);
    return store;
  }

  /** A second connection to the file, as an attacker with file access (or a careless admin) would have. */
  function tamper(fn: (db: Database.Database) => void): void {
    const db = new Database(path);
    try {
      db.exec("DROP TRIGGER IF EXISTS records_no_update; DROP TRIGGER IF EXISTS records_no_delete;");
      fn(db);
    } finally {
      db.close();
    }
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
        expect(tables.map((t) => (t as { name: string }).name)).to.deep.equal([
          "checks",
          "messages",
          "meta",
          "records",
        ]);
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

    it("refuses a database sealed under another key before reading any row", async () => {
      const store = await openStore();
      await put(store, submission(ALICE, TAX_OFFICE, { creditScore: "700" }));
      await store.close();
      // even with a damaged row, the refusal is about the key, at open
      tamper((db) => db.exec("UPDATE records SET sealed = zeroblob(10)"));
      const other = generateSealingKey();
      await expectSealingError(
        openSqliteStore({ path, sealingKey: other }),
        "wrong-key",
        `wrong sealing key: the database was sealed under key ${key.id}, the key given is ${other.id}`,
      );
    });

    it("refuses a schema from a newer release, a foreign database, and a file that is no database", async () => {
      await (await openStore()).close();
      tamper((db) => db.pragma(`user_version = ${SCHEMA_VERSION + 1}`));
      await expectStoreError(
        openSqliteStore({ path, sealingKey: key }),
        "schema",
        `expected schema version ${SCHEMA_VERSION} or older, got ${SCHEMA_VERSION + 1}: written by a newer release`,
      );

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

      expect(await store.stats()).to.include({ subjects: 2, records: 4 });

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

    it("has nothing for an unknown subject or hash: an empty history, and a clear error for values", async () => {
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
      const db = new Database(path);
      try {
        expect(() => db.exec("UPDATE records SET provider = 'x'")).to.throw("records are append-only");
        expect(() => db.exec("DELETE FROM records")).to.throw("records are append-only");
      } finally {
        db.close();
      }
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
      await expectStoreError(
        store.valuesOf(ALICE, keccak256("0x01")),
        "closed",
        "sqlite store: valuesOf used after close()",
      );
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

    it("a flipped byte anywhere in a sealed record is reported as tampered", async () => {
      await storeWithTwoSubjects();
      let length = 0;
      tamper((db) => {
        const row = db.prepare("SELECT length(sealed) AS n FROM records WHERE subject = ? AND version = 2").get(ALICE);
        length = (row as { n: number }).n;
      });
      for (const at of [0, 9, 21, length - 17, length - 1]) {
        tamper((db) => {
          const { sealed } = db.prepare("SELECT sealed FROM records WHERE subject = ? AND version = 2").get(ALICE) as {
            sealed: Buffer;
          };
          sealed[at] ^= 0x80;
          db.prepare("UPDATE records SET sealed = ? WHERE subject = ? AND version = 2").run(sealed, ALICE);
        });
        const store = await openStore();
        await expectSealingError(
          store.valuesOf(ALICE, alice[1].hash),
          "tampered",
          `record ${ALICE} version 2: sealed blob:`,
        );
        expect((await store.valuesOf(BOB, bob.hash)).size).to.equal(1); // other subjects are unaffected
        await store.close();
        tamper((db) => {
          const { sealed } = db.prepare("SELECT sealed FROM records WHERE subject = ? AND version = 2").get(ALICE) as {
            sealed: Buffer;
          };
          sealed[at] ^= 0x80; // restore, then try the next position
          db.prepare("UPDATE records SET sealed = ? WHERE subject = ? AND version = 2").run(sealed, ALICE);
        });
        expect((await (await openStore()).valuesOf(ALICE, alice[1].hash)).size).to.equal(1);
      }
    });

    it("a blob copied to another subject or version is reported as tampered", async () => {
      await storeWithTwoSubjects();
      tamper((db) =>
        db.exec(
          `UPDATE records SET sealed = (SELECT sealed FROM records WHERE subject = '${ALICE}' AND version = 1)
           WHERE subject = '${BOB}' AND version = 1`,
        ),
      );
      let store = await openStore();
      await expectSealingError(
        store.valuesOf(BOB, bob.hash),
        "tampered",
        `record ${BOB} version 1: sealed blob: authentication failed`,
      );
      await store.close();

      tamper((db) =>
        db.exec(
          `UPDATE records SET sealed = (SELECT sealed FROM records WHERE subject = '${ALICE}' AND version = 3)
           WHERE subject = '${ALICE}' AND version = 2`,
        ),
      );
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
      tamper((db) => db.prepare("UPDATE records SET subject = ? WHERE subject = ? AND version = 1").run(moved, BOB));
      const store = await openStore();
      await expectSealingError(store.valuesOf(moved, bob.hash), "tampered", `record ${moved} version 1`);
      await store.close();
      tamper((db) => db.prepare("UPDATE records SET provider = ? WHERE subject = ? AND version = 1").run(BANK, ALICE));
      await expectSealingError(
        (await openStore()).valuesOf(ALICE, alice[0].hash),
        "tampered",
        `record ${ALICE} version 1`,
      );
    });

    it("a removed version is reported as tampered, not skipped, even when another version is asked for", async () => {
      await storeWithTwoSubjects();
      tamper((db) => db.prepare("DELETE FROM records WHERE subject = ? AND version = 2").run(ALICE));
      const store = await openStore();
      await expectSealingError(
        store.valuesOf(ALICE, alice[2].hash),
        "tampered",
        `record ${ALICE}: expected versions 1 to 3, got 2 of them: a version was removed`,
      );
    });

    it("a removed newest version is no record: the caller asks for the hash the chain holds", async () => {
      await storeWithTwoSubjects();
      tamper((db) => db.prepare("DELETE FROM records WHERE subject = ? AND version = 3").run(ALICE));
      const store = await openStore();
      await expectStoreError(
        store.valuesOf(ALICE, alice[2].hash),
        "no-record",
        `no credit record with hash ${alice[2].hash}`,
      );
      expect(await store.valuesOf(ALICE, alice[1].hash)).to.deep.equal(new Map([["creditScore", 720n]]));
    });

    it("a row sealed under another key is reported as wrong-key", async () => {
      await storeWithTwoSubjects();
      // another bureau's database, same subject and version
      const otherPath = join(dir, "other.db");
      const other = await openSqliteStore({ path: otherPath, sealingKey: generateSealingKey() });
      await put(other, submission(BOB, TAX_OFFICE, { creditScore: "610" }));
      await other.close();
      tamper((db) => {
        db.prepare("ATTACH DATABASE ? AS other").run(otherPath);
        db.exec(
          `UPDATE records SET sealed = (SELECT sealed FROM other.records WHERE subject = '${BOB}') WHERE subject = '${BOB}'`,
        );
      });
      await expectSealingError(
        (await openStore()).valuesOf(BOB, bob.hash),
        "wrong-key",
        `record ${BOB} version 1: sealed blob: sealed under key`,
      );
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

    it("reports stored bytes that no longer hash to their key as tampered", async () => {
      const store = await openStore();
      const form = message("form message");
      await store.putMessage(form.hash, form.bytes);
      await store.close();
      tamper((db) =>
        db.prepare("UPDATE messages SET bytes = ? WHERE hash = ?").run(Buffer.from("forged message"), form.hash),
      );
      await expectSealingError(
        (await openStore()).getMessage(form.hash),
        "tampered",
        `message ${form.hash}: the stored bytes hash to ${keccak256(toUtf8Bytes("forged message"))}: altered in the database`,
      );
    });
  });

  describe("check progress", () => {
    it("writes, replaces, lists by stage and deletes", async () => {
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
      expect(await store.getCheck(CHECK_2)).to.deep.equal({
        stage: "challenged",
        formHash: FORM_1,
        state: new Uint8Array(),
        updatedAt: 5,
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
    });

    it("reports a tampered state, or a row moved to another check, stage or form, as tampered", async () => {
      const store = await openStore();
      await store.putCheck(CHECK_1, {
        stage: "challenged",
        formHash: FORM_1,
        state: Uint8Array.of(1, 0, 1),
        updatedAt: 10,
      });
      await store.close();
      const edits = [
        "UPDATE checks SET sealed_state = unhex(hex(sealed_state) || '00')",
        `UPDATE checks SET check_id = '${CHECK_2}'`,
        "UPDATE checks SET stage = 'answered'",
        "UPDATE checks SET updated_at = 11",
        `UPDATE checks SET message_hash = '${CHECK_2}'`,
        `UPDATE checks SET form_hash = '${FORM_2}'`,
        "UPDATE checks SET form_hash = NULL", // passed off as a row from schema version 1
      ];
      for (const edit of edits) {
        let saved!: unknown;
        tamper((db) => {
          saved = db.prepare("SELECT * FROM checks").get();
          db.exec(edit);
        });
        const reopened = await openStore();
        const id = edit.includes("check_id") ? CHECK_2 : CHECK_1;
        await expectSealingError(reopened.getCheck(id), "tampered", `check ${id}: sealed blob: authentication failed`);
        await reopened.close();
        tamper((db) => {
          db.exec("DELETE FROM checks");
          db.prepare(
            "INSERT INTO checks VALUES (@check_id, @stage, @message_hash, @updated_at, @sealed_state, @form_hash)",
          ).run(saved as Record<string, unknown>);
        });
      }
      expect((await (await openStore()).getCheck(CHECK_1))?.state).to.deep.equal(Uint8Array.of(1, 0, 1));
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
      const db = new Database(path, { readonly: true });
      try {
        expect(db.prepare("SELECT value FROM meta WHERE key = 'log_cursor'").get()).to.deep.equal({ value: "42" });
      } finally {
        db.close();
      }
      expect(await (await openStore()).logCursor()).to.equal(42);
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
        expect(db.pragma("user_version", { simple: true })).to.equal(2);
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
          await put(tx as BureauStore, submission(ALICE, TAX_OFFICE, { creditScore: "700" }));
          await tx.putCheck(CHECK_1, { stage: "challenged", formHash: FORM_1, state: Uint8Array.of(1), updatedAt: 1 });
          await new Promise((resolve) => setTimeout(resolve, 5));
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
      await new Promise((resolve) => setTimeout(resolve, 10));
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
      expect(await store.getMessage(CHECK_1)).to.equal(undefined); // still usable
    });
  });

  describe("at rest", () => {
    it("writes no plaintext: record values and check states are absent from the database files", async () => {
      const store = await openStore();
      // distinctive values: an income of 8765432 and a state holding an ASCII sentinel
      const alice = submission(ALICE, TAX_OFFICE, { annualIncome: "8765432", debtToIncome: "12.34" }, 1_234_567_891);
      const sentinel = "SECRET-SHARES-5b1d9e";
      await put(store, alice);
      await store.putCheck(CHECK_1, {
        stage: "challenged",
        formHash: FORM_1,
        state: toUtf8Bytes(sentinel),
        updatedAt: 1,
      });
      // a public message: stored in clear, which shows the search below does find clear text
      const visible = message("PUBLIC-MESSAGE-0c44e1");
      await store.putMessage(visible.hash, visible.bytes);

      const contents = () =>
        Buffer.concat(
          readdirSync(dir)
            .filter((f) => f.startsWith("bureau.db"))
            .map((f) => readFileSync(join(dir, f))),
        );
      const check = (raw: Buffer) => {
        expect(raw.includes("PUBLIC-MESSAGE-0c44e1")).to.equal(true);
        for (const secret of [
          "8765432",
          "12.34",
          "1234567891",
          sentinel,
          "annualIncome",
          "blindcredit.credit-record.v1",
        ]) {
          expect(raw.includes(secret), secret).to.equal(false);
        }
        expect(raw.includes(Buffer.from(alice.bytes))).to.equal(false);
      };
      check(contents()); // while open: the main file and the WAL
      await store.close();
      check(contents()); // after the checkpoint at close
    });
  });
});
