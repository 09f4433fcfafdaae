/**
 * Moving a bureau from SQLite to PostgreSQL (`migrateStore`, `blindcredit bureau migrate`): a bureau with a record
 * and a check still open (challenged, the bank not yet answered) is stopped and moved; started on PostgreSQL with
 * the moved comparison key file it keeps its on-chain comparison key, finishes the open check from the moved journal
 * and answers the next check from the moved record, under a comparison key reserved before the move. A non-empty target is refused with nothing written; the store
 * moves back to SQLite as well; a missing source or key file, and a key file in the way, are refused.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Client } from "pg";
import { BankClient } from "../../src/clients/bankCheck";
import { HttpBoard, reserveComparisonKey } from "../../src/clients/httpBoard";
import { CheckState } from "../../src/contractEnums";
import { migrateStore, MigrationError } from "../../src/bureau/migrateStore";
import { ringPedersenPath, saveRingPedersen } from "../../src/bureau/ringPedersen";
import { openStore } from "../../src/bureau/openStore";
import { generateSealingKey } from "../../src/bureau/sealing";
import { startBureauService, type BureauService } from "../../src/bureau/service";
import { boardThrough } from "../helpers/board";
import { connectSuite } from "../../src/suite";
import { freshPostgresDatabase } from "../helpers/postgres";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { deployWithGrants, submitSubjectRecord } from "../helpers/suite";
import { fixtureKey } from "../paillier/helpers";

/** Rows per table of a PostgreSQL database, as counted there. */
async function countRows(url: string, tables: readonly string[]): Promise<Record<string, number>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const t of tables) counts[t] = Number((await client.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    return counts;
  } finally {
    await client.end();
  }
}

describe("migrateStore: a bureau moved from SQLite to PostgreSQL", function () {
  // a scratch folder and at most one running service per test, both gone after it
  const scratch: { dir: string; service?: BureauService } = { dir: "" };
  const sealingKey = generateSealingKey();
  beforeEach(() => Object.assign(scratch, { dir: mkdtempSync(join(tmpdir(), "blindcredit-migrate-")) }));
  afterEach(async () => {
    await scratch.service?.stop();
    rmSync(scratch.dir, { recursive: true, force: true });
    scratch.service = undefined;
  });
  // loadFixture keys its snapshots by function: one of this file's own
  const grants = () => deployWithGrants();

  it("keeps its comparison key, finishes the open check and answers the next one; back to SQLite too", async function () {
    const f = await loadFixture(grants);
    const sqlite = join(scratch.dir, "bureau.db");
    const start = async (databasePath: string, comparisonKeyFile?: string, ringPedersenFile?: string) =>
      startBureauService({
        suite: connectSuite(f, f.bureau),
        databasePath,
        comparisonKeyFile,
        ringPedersenFile,
        sealingKey,
        port: 0,
        pollIntervalMs: 50,
        threads: 1,
      });
    // Its ring-Pedersen parameters sealed beside it, as a first start would make them (fixtures: no safe primes).
    saveRingPedersen(ringPedersenPath(sqlite), sealingKey, fixtureRingPedersen());
    scratch.service = await start(sqlite);
    const comparisonKey = scratch.service.comparisonKey;
    const parametersBefore = scratch.service.ringPedersen;
    await submitSubjectRecord(f, scratch.service.url, { creditScore: "712", debtToIncome: "20" });
    // the bank talks to whichever service runs now
    const board = boardThrough(() => new HttpBoard(scratch.service!.url, { signer: f.bank, bureau: f.bureau.address }));
    const bank = new BankClient(f.matching.connect(f.bank), fixtureKey(2048), board);
    await bank.registerKey();
    const form = {
      subject: f.subject.address,
      bureau: f.bureau.address,
      mode: "decision" as const,
      conditions: [{ field: "creditScore", op: "ge" as const, values: [650] }],
    };
    const until = async (checkId: string, state: CheckState) => {
      const deadline = Date.now() + 180_000;
      while (Number(await f.matching.state(checkId)) !== state) {
        if (Date.now() > deadline) throw new Error(`check did not reach ${CheckState[state]}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const open = await bank.openCheck(form);
    await until(open.checkId, CheckState.Challenged);
    // a key reserved now is honoured by the moved bureau: the reservation is a row of the store, moved with it
    const { publicKey: reserved } = await reserveComparisonKey(scratch.service.url, {
      signer: f.bank,
      bureau: f.bureau.address,
    });
    await scratch.service.stop();
    scratch.service = undefined;

    const url = await freshPostgresDatabase();
    const keyFile = join(scratch.dir, "bureau.comparison-key");
    const parametersFile = join(scratch.dir, "bureau.ring-pedersen");
    const lines: string[] = [];
    const report = await migrateStore({
      from: sqlite,
      to: url,
      sealingKey,
      toComparisonKeyFile: keyFile,
      toRingPedersenFile: parametersFile,
      log: (l) => lines.push(l),
    });
    expect(report.tables.records).to.equal(1);
    expect(report.tables.checks).to.be.at.least(1);
    expect(report.tables.messages).to.be.at.least(1);
    expect(report.tables.comparison_key_reservations).to.equal(1);
    expect(report.comparisonKey).to.deep.equal({ from: `${sqlite}.comparison-key`, to: keyFile, copied: true });
    expect(readFileSync(keyFile)).to.deep.equal(readFileSync(`${sqlite}.comparison-key`));
    expect(report.ringPedersen).to.deep.equal({ from: ringPedersenPath(sqlite), to: parametersFile, copied: true });
    expect(readFileSync(parametersFile)).to.deep.equal(readFileSync(ringPedersenPath(sqlite)));
    const counted = await countRows(
      url,
      Object.keys(report.tables).filter((t) => t !== "meta"),
    );
    for (const [table, rows] of Object.entries(counted)) expect(rows, table).to.equal(report.tables[table]);
    expect(lines.join("\n")).to.include("copied records: 1 rows");

    // a second copy into the same database is refused, and it is left as it was
    const again = await migrateStore({ from: sqlite, to: url, sealingKey, toComparisonKeyFile: keyFile }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(again).to.be.instanceOf(MigrationError);
    expect((again as MigrationError).code).to.equal("target-not-empty");
    expect((again as Error).message).to.match(
      /is not empty \(.*records: 1 rows.*\): refusing to copy into it; nothing was written/,
    );
    expect(await countRows(url, Object.keys(counted))).to.deep.equal(counted);

    scratch.service = await start(url, keyFile, parametersFile);
    expect(scratch.service.ringPedersen, "the ring-Pedersen parameters are kept").to.equal(parametersBefore);
    expect(scratch.service.comparisonKey, "the comparison key registered on-chain is kept").to.equal(comparisonKey);
    await bank.respond(open);
    await until(open.checkId, CheckState.Answered);
    expect((await bank.decide(open)).approved, "the open check, finished on PostgreSQL").to.equal(true);

    const next = await bank.openCheck({ ...form, comparisonKey: reserved });
    await until(next.checkId, CheckState.Challenged);
    await bank.respond(next);
    await until(next.checkId, CheckState.Answered);
    expect((await bank.decide(next)).approved, "the next check, under the moved reservation").to.equal(true);
    await scratch.service.stop();
    scratch.service = undefined;

    // and back: PostgreSQL to a new SQLite file, with the key file beside it
    const back = join(scratch.dir, "back.db");
    const returned = await migrateStore({
      from: url,
      to: back,
      sealingKey,
      fromComparisonKeyFile: keyFile,
      fromRingPedersenFile: parametersFile,
    });
    expect(returned.tables.records).to.equal(1);
    expect(returned.tables.checks).to.equal((await countRows(url, ["checks"])).checks);
    expect(readFileSync(`${back}.comparison-key`)).to.deep.equal(readFileSync(keyFile));
    expect(readFileSync(ringPedersenPath(back))).to.deep.equal(readFileSync(parametersFile));
    const store = await openStore(back, sealingKey);
    try {
      expect((await store.stats()).records).to.equal(1);
      expect((await store.deployment())?.chainId).to.equal(31337n);
    } finally {
      await store.close();
    }
  });

  it("refuses a missing source, a missing comparison key file and a key file in the way, writing nothing", async function () {
    const url = await freshPostgresDatabase();
    const toComparisonKeyFile = join(scratch.dir, "bureau.comparison-key");
    const nowhere = join(scratch.dir, "none.db");
    writeFileSync(`${nowhere}.comparison-key`, "x");
    await expect(migrateStore({ from: nowhere, to: url, sealingKey, toComparisonKeyFile })).to.be.rejectedWith(
      MigrationError,
      /expected a bureau's SQLite file, found no file/,
    );
    const sqlite = join(scratch.dir, "bureau.db");
    await (await openStore(sqlite, sealingKey)).close();
    await expect(migrateStore({ from: sqlite, to: url, sealingKey, toComparisonKeyFile })).to.be.rejectedWith(
      MigrationError,
      /expected its sealed file at .*bureau\.db\.comparison-key, found none/,
    );
    writeFileSync(`${sqlite}.comparison-key`, "a key");
    const inTheWay = join(scratch.dir, "other.comparison-key");
    writeFileSync(inTheWay, "another key");
    await expect(migrateStore({ from: sqlite, to: url, sealingKey, toComparisonKeyFile: inTheWay })).to.be.rejectedWith(
      MigrationError,
      /exists and holds another key: refusing to overwrite it/,
    );
    expect(readFileSync(inTheWay, "utf8")).to.equal("another key");
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
      );
      expect(Number(rows[0].n), "no table made in the target").to.equal(0);
    } finally {
      await client.end();
    }
    expect(existsSync(join(scratch.dir, "none.db"))).to.equal(false);
  });
});
