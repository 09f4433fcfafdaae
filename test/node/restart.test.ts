/**
 * The bureau service is restart-safe: `blindcredit bureau start` runs as its own process against a `hardhat node`,
 * is killed with SIGKILL in the middle of checks, and restarted on the same database. Every check still reaches
 * the right decision (its sealed comparison key and journal survived), and a check whose deadline passed while
 * the bureau was down is let expire and forgotten. Its log cursor is kept in the store. After a fresh deployment
 * on the same chain, the same database is refused (it serves the old contracts) until `--fresh-store`.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, type JsonRpcSigner } from "ethers";
import { freePort, runHardhat, startNode, type LocalNode } from "../helpers/node";
import { admitCheckParties, killProcess, startBureauProcess, type BureauProcess } from "../helpers/bureauProcess";
import { fixtureKey } from "../paillier/helpers";
import { loadDeployedSuite } from "../../src/deployments";
import type { Suite } from "../../src/suite";
import { BankClient, waitForState, type BankStage } from "../../src/clients/bankCheck";
import { submitCreditRecord } from "../../src/clients/provider";
import { HttpBoard } from "../../src/clients/httpBoard";
import { parseRecordFields } from "../../src/protocol/records";
import { generateSealingKey, loadSealingKey, saveSealingKey } from "../../src/bureau/sealing";
import { openSqliteStore } from "../../src/bureau/sqliteStore";
import { CheckState } from "../../src/contractEnums";
import type { Condition } from "../../src/protocol/form";
import { APPLICANT_RECORD } from "../helpers/samples";

/** Several comparisons, so that the bureau's steps have work in them. */
const LOAN: Condition[] = [
  { field: "creditScore", op: "between", values: [650, 850] },
  { field: "annualIncome", op: "ge", values: [40_000] },
  { field: "debtToIncome", op: "le", values: ["35"] },
];

describe("Bureau service: killed mid-check and restarted, it loses nothing", function () {
  let node: LocalNode;
  let provider: JsonRpcProvider;
  let suite: Suite;
  let signers: JsonRpcSigner[];
  let dir: string;
  let keyFile: string;
  let bank: BankClient;
  let service: BureauProcess | undefined;
  /** The service comes back on the same port, as an operator's would: the bank's board URL stays valid. */
  let port: number;

  before(async function () {
    node = await startNode("hardhat");
    await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile"]);
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
    signers = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => provider.getSigner(i)));
    suite = await loadDeployedSuite(node.deploymentsDir, signers[0]);
    const { subject, bankSigner, providerSigner } = await admitCheckParties(suite, provider, signers);

    dir = mkdtempSync(path.join(tmpdir(), "blindcredit-restart-"));
    keyFile = path.join(dir, "sealing.key");
    saveSealingKey(keyFile, generateSealingKey());

    port = await freePort();
    service = await startService();
    await submitCreditRecord(
      suite.ownership.connect(providerSigner),
      service.url,
      await signers[4].getAddress(),
      await subject.getAddress(),
      parseRecordFields(APPLICANT_RECORD),
    );
    bank = new BankClient(
      suite.matching.connect(bankSigner),
      fixtureKey(2048),
      new HttpBoard(service.url, { signer: bankSigner, bureau: await signers[4].getAddress() }),
    );
    await bank.registerKey();
  });

  after(async function () {
    if (service) killProcess(service.child);
    provider?.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `blindcredit bureau start` as the bureau's operator runs it, on the test's port; resolves once it listens. */
  function startService(extra: string[] = []): Promise<BureauProcess> {
    return startBureauProcess(node, dir, keyFile, ["--port", String(port), "--poll", "100", ...extra]);
  }

  async function restart(): Promise<void> {
    service = await startService();
  }

  /** How the bank waits for the service here. */
  const WAIT = { pollMs: 100, timeoutMs: 60_000 };

  /** The bank's whole check of the subject, with `after` run once the given stage is done. */
  async function checkWith(after: BankStage, then: (checkId: string) => Promise<void>) {
    let checkId = "";
    return bank.runCheck(
      {
        subject: await signers[5].getAddress(),
        bureau: await signers[4].getAddress(),
        mode: "decision",
        conditions: LOAN,
      },
      {
        wait: WAIT,
        opened: (check) => (checkId = check.checkId),
        stage: async (stage, run) => {
          await run();
          if (stage === after) await then(checkId);
        },
      },
    );
  }

  it("killed after its challenge: restarted, it answers with the comparison key it sealed", async function () {
    const { decision } = await checkWith("challenge", async () => {
      await killProcess(service!.child);
      await restart();
    });
    expect(decision.approved).to.equal(true);
  });

  it("killed in the middle of computing its challenge: restarted, the check completes", async function () {
    const { decision } = await checkWith("open", async (checkId) => {
      await new Promise((r) => setTimeout(r, 300)); // the service picks the check up and starts encrypting
      await killProcess(service!.child);
      expect(Number(await suite.matching.state(checkId))).to.be.oneOf([CheckState.Requested, CheckState.Challenged]);
      await restart();
    });
    expect(decision.approved).to.equal(true);
  });

  it("down past a check's deadline: restarted, it lets the check expire and forgets its journal", async function () {
    const check = await bank.openCheck({
      subject: await signers[5].getAddress(),
      bureau: await signers[4].getAddress(),
      mode: "decision",
      conditions: LOAN,
      durationSeconds: 300,
    });
    await waitForState(suite.matching, check.checkId, CheckState.Challenged, WAIT);
    await killProcess(service!.child);
    await provider.send("evm_increaseTime", [301]);
    await provider.send("evm_mine", []);
    expect(Number(await suite.matching.state(check.checkId))).to.equal(CheckState.Expired);
    await restart();
    // The restarted service forgets the expired check's journal entry on its first rounds.
    const deadline = Date.now() + 30_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 300));
      const health = (await (await fetch(`${service!.url}/health`)).json()) as { activeChecks: number };
      if (health.activeChecks === 0) break;
      if (Date.now() > deadline) throw new Error("the expired check is still active");
    }
    await killProcess(service!.child);
    service = undefined;
    const s = await openSqliteStore({ path: path.join(dir, "bureau.db"), sealingKey: loadSealingKey(keyFile) });
    try {
      expect(await s.getCheck(check.checkId)).to.equal(undefined);
      // The log cursor was kept: a restart resumes past the checks it is done with, not from block 0.
      const [requested] = await suite.matching.queryFilter(suite.matching.filters.CheckRequested(check.checkId));
      expect(await s.logCursor()).to.be.greaterThan(requested.blockNumber);
    } finally {
      await s.close();
    }
  });

  it("after a fresh deployment on the same chain: refuses the old store (exit 3), starts with --fresh-store", async function () {
    await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile", "--reset"]);
    const fresh = await loadDeployedSuite(node.deploymentsDir, signers[0]);
    const [oldMatching, newMatching] = [await suite.matching.getAddress(), await fresh.matching.getAddress()];
    expect(newMatching).to.not.equal(oldMatching);

    const refusal = await startService().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refusal?.message).to.match(/bureau exited with 3/);
    expect(refusal?.message).to.include("belongs to another deployment");
    expect(refusal?.message).to.include(`ConditionMatching ${oldMatching}`);
    expect(refusal?.message).to.include(`ConditionMatching ${newMatching}`);
    expect(refusal?.message).to.include("--fresh-store");

    service = await startService(["--fresh-store"]);
    const backups = readdirSync(dir).filter((name) => name.startsWith("bureau.db.") && name.endsWith(".bak"));
    expect(backups).to.have.length(1);
    expect(readdirSync(dir)).to.include(`${backups[0]}.comparison-key`); // moved with its database
    await killProcess(service.child);
    service = undefined;
    const s = await openSqliteStore({ path: path.join(dir, "bureau.db"), sealingKey: loadSealingKey(keyFile) });
    try {
      expect((await s.deployment())?.contracts.ConditionMatching).to.equal(newMatching);
    } finally {
      await s.close();
    }
  });
});
