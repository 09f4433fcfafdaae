/**
 * Tests of the bureau's journal on its store: entries are keyed by check id and form hash, so a check re-mined
 * with the same id after a reorganisation (with another form) does not meet the old check's entry; an entry kept
 * from schema version 1 (no form hash) is taken as the current form's.
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import { StoreBoard, StoreJournal, type JournalEntry } from "../../src/bureau/journal";
import { generateSealingKey } from "../../src/bureau/sealing";
import { openSqliteStore } from "../../src/bureau/sqliteStore";
import type { BureauStore } from "../../src/bureau/store";
import { exportDgkPrivateKey } from "../../src/dgk";
import { fixtureComparisonKey } from "../helpers/comparisonKey";

const CHECK = "0x" + "11".repeat(32);
const FORM_A = "0x" + "a1".repeat(32);
const FORM_B = "0x" + "b2".repeat(32);

describe("bureau/journal", () => {
  let store: BureauStore;
  /** The check's form hash on-chain, as the test sets it. */
  let onChain: string;
  let journal: StoreJournal;

  const challenge = toUtf8Bytes('{"stage":"challenge"}');
  const entry: JournalEntry = {
    stage: "challenged",
    messageHash: keccak256(challenge),
    state: {
      shapes: [{ field: "creditScore", op: "ge", arity: 1 }],
      comparisonKey: exportDgkPrivateKey(fixtureComparisonKey()),
    },
  } as JournalEntry;

  beforeEach(async () => {
    store = await openSqliteStore({ path: ":memory:", sealingKey: generateSealingKey() });
    onChain = FORM_A;
    journal = new StoreJournal(store, async () => onChain);
  });
  afterEach(async () => {
    await store.close();
  });

  describe("StoreJournal", () => {
    it("records the entry with the check's form hash, and the message on the board", async () => {
      await journal.record(CHECK, entry, challenge);
      expect((await store.getCheck(CHECK))?.formHash).to.equal(FORM_A);
      expect(await new StoreBoard(store).fetch(entry.messageHash)).to.deep.equal(challenge);
      expect(await journal.entry(CHECK)).to.deep.equal(entry);
    });

    it("ignores and forgets an entry whose form hash differs from the check's current one (a reorganisation)", async () => {
      await journal.record(CHECK, entry, challenge);
      onChain = FORM_B; // the check was re-mined under the same id, with another form
      expect(await journal.entry(CHECK)).to.equal(undefined);
      expect(await store.getCheck(CHECK)).to.equal(undefined); // forgotten, not just hidden
      onChain = FORM_A;
      expect(await journal.entry(CHECK)).to.equal(undefined);
    });

    it("compares form hashes in any case", async () => {
      await journal.record(CHECK, entry, challenge);
      onChain = FORM_A.toUpperCase().replace("0X", "0x");
      expect(await journal.entry(CHECK)).to.deep.equal(entry);
    });

    it("has no entry for an unknown check, and forgets on request", async () => {
      expect(await journal.entry(CHECK)).to.equal(undefined);
      await journal.record(CHECK, entry, challenge);
      await journal.forget(CHECK);
      expect(await journal.entry(CHECK)).to.equal(undefined);
    });
  });
});
