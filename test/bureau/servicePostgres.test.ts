/**
 * The bureau service on a PostgreSQL store (a throwaway server, `test/helpers/postgres.ts`): a provider's record
 * stored and a whole check answered from it, the store bound to its deployment, a comparison key reserved at one
 * bureau process honoured by another sharing the store, and the options a PostgreSQL URL needs (a comparison key
 * file; no `freshStore`).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithGrants, openLoanCheck, submitSubjectRecord } from "../helpers/suite";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { freshPostgresDatabase, pausePostgres, resumePostgres } from "../helpers/postgres";
import { fixtureKey } from "../paillier/helpers";
import { BankClient } from "../../src/clients/bankCheck";
import { CheckState } from "../../src/contractEnums";
import { BureauUnavailable } from "../../src/clients/provider";
import { HttpBoard, reserveComparisonKey } from "../../src/clients/httpBoard";
import { CREDIT_RECORD_CATEGORY } from "../../src/protocol/records";

const APPROVED = { creditScore: "712", debtToIncome: "20" };
const DECLINED = { creditScore: "500", debtToIncome: "60" };
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

  it("loses no record when PostgreSQL stops mid-submission: the hash reaches the chain only once the bureau holds it", async function () {
    this.timeout(120_000);
    const f = await loadFixture(fixture);
    service = await startBureauService({
      suite: connectSuite(f, f.bureau),
      databasePath: await freshPostgresDatabase(),
      comparisonKeyFile: join(dir, "bureau.comparison-key"),
      ringPedersen: fixtureRingPedersen(),
      sealingKey: generateSealingKey(),
      port: 0,
      threads: 1,
      watch: false,
      retry: { baseMs: 1, maxMs: 1 },
    });
    const first = await submitSubjectRecord(f, service.url, APPROVED);
    // The provider's next record, submitted while the store is down: refused, and nothing committed.
    await pausePostgres();
    try {
      const refused = await submitSubjectRecord(f, service.url, DECLINED).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).to.be.instanceOf(BureauUnavailable);
      expect(await f.ownership.dataHashOf(f.subject.address, CREDIT_RECORD_CATEGORY)).to.equal(first.hash);
    } finally {
      await resumePostgres();
    }
    // A check now is answered from the record the chain holds, the first one: no refusal for lack of data.
    const { bank, check } = await openLoanCheck(
      f,
      new HttpBoard(service.url, { signer: f.bank, bureau: f.bureau.address }),
    );
    const tickUntil = async (wanted: CheckState) => {
      // the store's connections come back after the restart: a round may fail first, and is retried
      for (let i = 0; i < 20 && Number(await f.matching.state(check.checkId)) !== wanted; i++) {
        await service!.evaluator.tick();
      }
      expect(Number(await f.matching.state(check.checkId))).to.equal(wanted);
    };
    await tickUntil(CheckState.Challenged);
    await bank.respond(check);
    await tickUntil(CheckState.Answered);
    expect((await bank.decide(check)).approved).to.equal(true);
    // Submitted again once the store is back, the second record is stored, then committed.
    const second = await submitSubjectRecord(f, service.url, DECLINED);
    expect(second.version).to.equal(2);
    expect(await f.ownership.dataHashOf(f.subject.address, CREDIT_RECORD_CATEGORY)).to.equal(second.hash);
  });

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
    const stored = await submitSubjectRecord(f, service.url, APPROVED);
    expect(stored.version).to.equal(1);

    const bank = new BankClient(
      f.matching.connect(f.bank),
      fixtureKey(2048),
      new HttpBoard(service.url, { signer: f.bank, bureau: f.bureau.address }),
    );
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

  it("answers a check at one bureau process under a comparison key the bank reserved at another sharing the store", async function () {
    const f = await loadFixture(fixture);
    const options = {
      suite: connectSuite(f, f.bureau),
      databasePath: await freshPostgresDatabase(),
      comparisonKey: fixtureComparisonKey(),
      comparisonKeyBits: 2048,
      ringPedersen: fixtureRingPedersen(),
      sealingKey: generateSealingKey(),
      port: 0,
      threads: 1,
      watch: false,
    };
    service = await startBureauService(options); // the bank reserves here; its evaluator never runs
    const answering = await startBureauService(options);
    try {
      await submitSubjectRecord(f, service.url, APPROVED);
      const bureau = f.bureau.address;
      const { publicKey } = await reserveComparisonKey(service.url, { signer: f.bank, bureau });
      expect(await answering.store.countReservations(f.bank.address, Date.now())).to.equal(1);
      const board = new HttpBoard(answering.url, { signer: f.bank, bureau });
      const { bank, check } = await openLoanCheck(f, board, publicKey);
      await answering.evaluator.tick();
      expect(Number(await f.matching.state(check.checkId)), answering.evaluator.metrics.lastError).to.equal(
        CheckState.Challenged,
      );
      await bank.respond(check); // the bank answers only a challenge under the key it reserved
      await answering.evaluator.tick();
      expect((await bank.decide(check)).approved).to.equal(true);
      expect(answering.evaluator.metrics.refused).to.equal(0);
      expect(await service.store.countReservations(f.bank.address, Date.now()), "claimed: gone").to.equal(0);
    } finally {
      await answering.stop();
    }
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
