/**
 * The evaluator's leases, in one process: two evaluators (owners "a" and "b") share one store and are ticked by
 * hand. The one that claims a check takes its steps; the other leaves it alone while the lease holds, takes it over
 * when the lease ends (its holder "crashed": it is never ticked again), and resumes it from the journal; the old
 * holder can no longer journal anything for it, and posts nothing more.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithMembers, submitSubjectRecord } from "../helpers/suite";
import { fixtureComparisonKey, testComparisonKeys } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { LOAN } from "../helpers/samples";
import { BankClient } from "../../src/clients/bankCheck";
import { HttpBoard } from "../../src/clients/httpBoard";
import { CheckState } from "../../src/contractEnums";
import { Level } from "../../src/permissions";
import { Evaluator } from "../../src/bureau/evaluator";
import { StoreBoard, StoreJournal } from "../../src/bureau/journal";
import { LeaseLostError } from "../../src/bureau/leases";
import { generateSealingKey } from "../../src/bureau/sealing";
import { startBureauService, type BureauService } from "../../src/bureau/service";
import { BureauClient } from "../../src/bureau/steps";
import { connectSuite } from "../../src/suite";

/**
 * Well above the time a step takes on a busy machine: the evaluators here are ticked by hand (not renewed in the
 * background), and a step computed past the end of its lease is not journaled.
 */
const LEASE_MS = 10_000;

describe("Evaluator leases", function () {
  let dir: string;
  let service: BureauService | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "blindcredit-leases-"));
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function fixture() {
    const f = await deployWithMembers();
    const expiry = BigInt(await time.latest()) + 30n * 86_400n;
    await f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, expiry, 10);
    await f.permissions.connect(f.subject).setPermission(f.provider.address, Level.Write, expiry, 10);
    return f;
  }

  it("one evaluator takes a check's steps while it holds the lease; the other takes it over once the lease ends", async function () {
    const f = await loadFixture(fixture);
    const suite = connectSuite(f, f.bureau);
    service = await startBureauService({
      suite,
      databasePath: join(dir, "bureau.db"),
      sealingKey: generateSealingKey(),
      comparisonKey: fixtureComparisonKey(),
      ringPedersen: fixtureRingPedersen(),
      port: 0,
      threads: 1,
      watch: false,
    });
    const { store } = service;
    await submitSubjectRecord(f, service.url, { creditScore: "712", debtToIncome: "20" });
    // Each evaluator's key pool ready: a step that waited for a key's generation could outlast the short lease.
    const keys = { a: testComparisonKeys(), b: testComparisonKeys() };
    await Promise.all([keys.a.fill(), keys.b.fill()]);
    /** An evaluator of its own, sharing the service's store. */
    const evaluator = (owner: "a" | "b") => {
      const journal = new StoreJournal(store, async (id) => (await suite.matching.checkOf(id)).formHash, owner);
      const client = new BureauClient(
        suite.matching,
        new StoreBoard(store),
        service!.evaluator.client.valuesOf,
        keys[owner],
        fixtureRingPedersen(),
        { journal },
      );
      return new Evaluator(suite, client, f.bureau.address, { leases: { store, owner, leaseMs: LEASE_MS } });
    };
    const [a, b] = [evaluator("a"), evaluator("b")];

    const bank = new BankClient(
      f.matching.connect(f.bank),
      fixtureKey(2048),
      new HttpBoard(service.url, { signer: f.bank, bureau: f.bureau.address }),
    );
    await bank.registerKey();
    const check = await bank.openCheck({
      subject: f.subject.address,
      bureau: f.bureau.address,
      mode: "decision",
      conditions: LOAN,
    });
    const { checkId } = check;
    const state = async () => Number(await f.matching.state(checkId));

    await a.tick();
    expect(await state(), `a: ${a.metrics.lastError ?? "no error"}`).to.equal(CheckState.Challenged);
    expect((await store.leaseOf(checkId))?.owner).to.equal("a");
    await b.tick(); // held by a: left alone
    expect(b.metrics).to.include({ checksSeen: 1, steps: 0, takeovers: 0 });

    await bank.respond(check);
    // a "crashes": it is never ticked again. While its lease holds, b still leaves the check alone.
    await b.tick();
    expect(await state()).to.equal(CheckState.Responded);
    expect(b.metrics.steps).to.equal(0);

    const { expiresAt } = (await store.leaseOf(checkId))!;
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 50));
    await b.tick(); // takes the check over and answers from a's journaled challenge
    expect(await state()).to.equal(CheckState.Answered);
    expect(b.metrics).to.include({ steps: 1, takeovers: 1 });
    expect(await store.leaseOf(checkId)).to.equal(undefined); // b is done with it: released

    // a, woken up, cannot journal for a check it no longer holds, and posts nothing more for it.
    const progressBefore = await store.getCheck(checkId);
    await expect(
      a.client.journal.record(checkId, { stage: "answered", messageHash: `0x${"11".repeat(32)}` }, new Uint8Array(1)),
    ).to.be.rejectedWith(LeaseLostError);
    expect(await store.getCheck(checkId)).to.deep.equal(progressBefore);
    await a.tick();
    expect(a.metrics.steps).to.equal(1);
    const answered = await f.matching.queryFilter(f.matching.filters.CheckAnswered(checkId));
    const challenged = await f.matching.queryFilter(f.matching.filters.CheckChallenged(checkId));
    expect([challenged.length, answered.length]).to.deep.equal([1, 1]);

    expect((await bank.decide(check)).approved).to.equal(true);
  });
});
