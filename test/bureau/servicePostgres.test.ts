/**
 * The bureau service on a PostgreSQL store (a throwaway server, `test/helpers/postgres.ts`): a provider's record
 * stored and a whole check answered from it, the store bound to its deployment, and the options a PostgreSQL URL
 * needs (a comparison key file; no `freshStore`).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithGrants } from "../helpers/suite";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { freshPostgresDatabase } from "../helpers/postgres";
import { fixtureKey } from "../paillier/helpers";
import { BankClient } from "../../src/clients/bankCheck";
import { CheckState } from "../../src/contractEnums";
import { submitCreditRecord } from "../../src/clients/provider";
import { HttpBoard } from "../../src/clients/httpBoard";
import { parseRecordFields } from "../../src/protocol/records";
import { generateSealingKey } from "../../src/bureau/sealing";
import { startBureauService, type BureauService } from "../../src/bureau/service";
import { connectSuite } from "../../src/suite";

describe("Bureau service on PostgreSQL", function () {
  let dir: string;
  let service: BureauService | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "blindcredit-bureau-"));
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fixture of this file's own: loadFixture's snapshots are per function, and another file's would be reverted. */
  function fixture() {
    return deployWithGrants();
  }

  it("stores a provider's record and answers a check from it, with the comparison key in its own file", async function () {
    const f = await loadFixture(fixture);
    const url = await freshPostgresDatabase();
    const sealingKey = generateSealingKey();
    const keyFile = join(dir, "bureau.comparison-key");
    service = await startBureauService({
      suite: connectSuite(f, f.bureau),
      databasePath: url,
      comparisonKeyFile: keyFile,
      ringPedersen: fixtureRingPedersen(),
      sealingKey,
      port: 0,
      pollIntervalMs: 50,
      threads: 1,
    });
    const stored = await submitCreditRecord(
      f.ownership.connect(f.provider),
      service.url,
      f.subject.address,
      parseRecordFields({ creditScore: "712", debtToIncome: "20" }),
    );
    expect(stored.version).to.equal(1);

    const bank = new BankClient(f.matching.connect(f.bank), fixtureKey(2048), new HttpBoard(service.url, f.bank));
    await bank.registerKey();
    const opened = await bank.openCheck({
      subject: f.subject.address,
      bureau: f.bureau.address,
      mode: "decision",
      conditions: [{ field: "creditScore", op: "ge", values: [650] }],
    });
    const until = async (state: CheckState) => {
      const deadline = Date.now() + 120_000;
      while (Number(await f.matching.state(opened.checkId)) !== state) {
        if (Date.now() > deadline) throw new Error(`check did not reach ${CheckState[state]}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(CheckState.Challenged);
    await bank.respond(opened);
    await until(CheckState.Answered);
    expect((await bank.decide(opened)).approved).to.equal(true);
    expect((await service.store.deployment())?.chainId).to.equal(31337n);
    expect(await service.store.logCursor()).to.be.a("number");
    await service.stop();

    // started again on the same database and key file: the same comparison key, the records still there
    service = await startBureauService({
      suite: connectSuite(f, f.bureau),
      databasePath: url,
      comparisonKeyFile: keyFile,
      ringPedersen: fixtureRingPedersen(),
      sealingKey,
      port: 0,
      watch: false,
      threads: 1,
    });
    expect((await service.store.stats()).records).to.equal(1);
  });

  it("refuses a PostgreSQL URL without a comparison key file, and with freshStore", async function () {
    const f = await loadFixture(fixture);
    const url = await freshPostgresDatabase();
    const options = { suite: connectSuite(f, f.bureau), databasePath: url, sealingKey: generateSealingKey(), port: 0 };
    await expect(startBureauService(options)).to.be.rejectedWith(/a PostgreSQL store needs comparisonKeyFile/);
    await expect(
      startBureauService({ ...options, comparisonKey: fixtureComparisonKey(), freshStore: true }),
    ).to.be.rejectedWith(/create a new database/);
  });
});
