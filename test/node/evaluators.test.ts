/**
 * Several evaluators on one PostgreSQL store: two `blindcredit bureau start --database-url` processes (same sealing
 * key, same comparison key file, different ports) serve one `hardhat node`. A bank runs a check; the process holding
 * the check's lease is killed with SIGKILL once its challenge is on-chain, before the bank responds (or right after,
 * while it computes its answer). The other takes the check over when the lease ends, answers from the journal the
 * dead one left in the store, and the check is decided; every step of the check was posted exactly once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, type JsonRpcSigner } from "ethers";
import { runHardhat, startNode, type LocalNode } from "../helpers/node";
import { admitCheckParties, killProcess, startBureauProcess, type BureauProcess } from "../helpers/bureauProcess";
import { freePort } from "../helpers/node";
import { freshPostgresDatabase } from "../helpers/postgres";
import { fixtureKey } from "../paillier/helpers";
import { loadDeployedSuite } from "../../src/deployments";
import type { Suite } from "../../src/suite";
import { BankClient } from "../../src/clients/bankCheck";
import { submitCreditRecord } from "../../src/clients/provider";
import { HttpBoard } from "../../src/clients/httpBoard";
import { boardThrough } from "../helpers/board";
import { parseRecordFields } from "../../src/protocol/records";
import { generateSealingKey, loadSealingKey, saveSealingKey } from "../../src/bureau/sealing";
import { openStore } from "../../src/bureau/openStore";
import type { BureauStore } from "../../src/bureau/store";
import { CheckState } from "../../src/contractEnums";
import type { Condition } from "../../src/protocol/form";
import { APPLICANT_RECORD } from "../helpers/samples";

/** Several comparisons, so that the bureau's steps have work in them. */
const LOAN: Condition[] = [
  { field: "creditScore", op: "between", values: [650, 850] },
  { field: "annualIncome", op: "ge", values: [40_000] },
  { field: "debtToIncome", op: "le", values: ["35"] },
];

/** Short leases, so that a takeover comes within seconds, yet well above a step's time on a busy machine. */
const LEASE_MS = 6000;

describe("Two evaluators on one PostgreSQL store: one killed mid-check, the other finishes it", function () {
  let node: LocalNode;
  let provider: JsonRpcProvider;
  let suite: Suite;
  let signers: JsonRpcSigner[];
  let dir: string;
  let store: BureauStore;
  let bank: BankClient;
  let evaluators: BureauProcess[] = [];
  /** The bank reaches the bureau through one process's API; both serve the one board in the store. */
  let boardUrl: string;
  /** Starts one more bureau process on the database. */
  let start: () => Promise<BureauProcess>;

  before(async function () {
    node = await startNode("hardhat");
    await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile"]);
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
    signers = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => provider.getSigner(i)));
    suite = await loadDeployedSuite(node.deploymentsDir, signers[0]);
    const { subject, bankSigner, providerSigner } = await admitCheckParties(suite, provider, signers);

    dir = mkdtempSync(path.join(tmpdir(), "blindcredit-evaluators-"));
    const keyFile = path.join(dir, "sealing.key");
    saveSealingKey(keyFile, generateSealingKey());
    const url = await freshPostgresDatabase();
    start = async () =>
      startBureauProcess(node, dir, keyFile, [
        "--database-url",
        url,
        "--comparison-key-file",
        path.join(dir, "bureau.comparison-key"),
        "--port",
        String(await freePort()),
        "--poll",
        "100",
        "--evaluator-lease",
        String(LEASE_MS),
      ]);
    // The first creates the comparison key file; the second loads it.
    evaluators = [await start()];
    evaluators.push(await start());
    store = await openStore(url, loadSealingKey(keyFile));

    boardUrl = evaluators[0].url;
    await submitCreditRecord(
      suite.ownership.connect(providerSigner),
      boardUrl,
      await signers[4].getAddress(),
      await subject.getAddress(),
      parseRecordFields(APPLICANT_RECORD),
    );
    const party = { signer: bankSigner, bureau: await signers[4].getAddress() };
    const board = boardThrough(() => new HttpBoard(boardUrl, party));
    bank = new BankClient(suite.matching.connect(bankSigner), fixtureKey(2048), board);
    await bank.registerKey();
  });

  after(async function () {
    for (const e of evaluators) await killProcess(e.child);
    await store?.close();
    provider?.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** How many times each step was posted for the check: its events on-chain. */
  async function postedSteps(checkId: string) {
    const { matching } = suite;
    const count = async (filter: Parameters<typeof matching.queryFilter>[0]) =>
      (await matching.queryFilter(filter)).length;
    return {
      challenged: await count(matching.filters.CheckChallenged(checkId)),
      responded: await count(matching.filters.CheckResponded(checkId)),
      answered: await count(matching.filters.CheckAnswered(checkId)),
      decided: await count(matching.filters.CheckDecided(checkId)),
      refused: await count(matching.filters.CheckRefused(checkId)),
    };
  }

  /**
   * The bank's whole check, with the process holding its lease killed before the bank responds (the holder's
   * challenge is on-chain, its shares journaled) or right after (the holder is computing its answer); the bank then
   * goes on through the other process's API, and a process is started in the dead one's place for the next test.
   */
  async function checkKillingHolder(when: "before-response" | "after-response") {
    let checkId = "";
    let survivor: BureauProcess | undefined;
    const killHolder = async () => {
      const lease = await store.leaseOf(checkId);
      expect(lease, "the check's lease").to.not.equal(undefined);
      const pid = Number(lease!.owner.split(":")[1]);
      const holder = evaluators.find((e) => e.child.pid === pid);
      expect(holder, `the lease owner ${lease!.owner} is one of the two processes`).to.not.equal(undefined);
      await killProcess(holder!.child);
      survivor = evaluators.find((e) => e !== holder)!;
      boardUrl = survivor.url;
      evaluators = [survivor];
    };
    const { decision } = await bank.runCheck(
      {
        subject: await signers[5].getAddress(),
        bureau: await signers[4].getAddress(),
        mode: "decision",
        conditions: LOAN,
      },
      {
        wait: { pollMs: 100, timeoutMs: 120_000 },
        opened: (check) => (checkId = check.checkId),
        stage: async (stage, run) => {
          if (stage === "respond" && when === "before-response") {
            // The challenge is on-chain and the bank has not responded: the holder must answer next.
            expect(Number(await suite.matching.state(checkId))).to.equal(CheckState.Challenged);
            await killHolder();
            // The journal the dead process left (its challenge shares) is in the store, for the other.
            expect((await store.getCheck(checkId))?.stage).to.equal("challenged");
          }
          await run();
          if (stage === "respond" && when === "after-response") {
            await killHolder();
            // Killed before its answer reached the chain: the other must answer.
            expect(Number(await suite.matching.state(checkId))).to.equal(CheckState.Responded);
          }
        },
      },
    );
    evaluators.push(await start());
    return { checkId, decision, survivor: survivor! };
  }

  /** The check was decided, every step posted once; the survivor took it over, then released it. */
  async function expectFinishedOnce(checkId: string, survivor: BureauProcess) {
    expect(Number(await suite.matching.state(checkId))).to.equal(CheckState.Decided);
    expect(await postedSteps(checkId)).to.deep.equal({
      challenged: 1,
      responded: 1,
      answered: 1,
      decided: 1,
      refused: 0,
    });
    expect(survivor.output()).to.include(`check ${checkId.slice(0, 10)}…: taken over`);
    // Done with it, the survivor released its lease and forgot its journal.
    const deadline = Date.now() + 10_000;
    while ((await store.leaseOf(checkId)) !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await store.leaseOf(checkId)).to.equal(undefined);
    expect(await store.getCheck(checkId)).to.equal(undefined);
  }

  it("killed after its challenge, before the response: the other takes the check over and answers it once", async function () {
    const { checkId, decision, survivor } = await checkKillingHolder("before-response");
    expect(decision.approved).to.equal(true);
    await expectFinishedOnce(checkId, survivor);
  });

  it("killed while it computes its answer: the other takes the check over and answers it once", async function () {
    const { checkId, decision, survivor } = await checkKillingHolder("after-response");
    expect(decision.approved).to.equal(true);
    await expectFinishedOnce(checkId, survivor);
  });
});
