/**
 * The bureau working on several checks at once: its transactions take their nonces in turn (`BureauClient.send`),
 * even from a key it holds itself (a `Wallet`, whose nonce is the node's pending count when it sends), and the
 * evaluator answers checks opened together in the same rounds.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { HDNodeWallet, Mnemonic, type Signer } from "ethers";
import { deployWithGrants, submitSubjectRecord } from "../helpers/suite";
import { fixtureComparisonKey, testComparisonKeys } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { APPLICANT_RECORD, LOAN } from "../helpers/samples";
import { BankClient } from "../../src/clients/bankCheck";
import { HttpBoard } from "../../src/clients/httpBoard";
import { MemoryBoard } from "../../src/protocol/board";
import { generateSealingKey } from "../../src/bureau/sealing";
import { startBureauService, type BureauService } from "../../src/bureau/service";
import { BureauClient } from "../../src/bureau/steps";
import { Evaluator } from "../../src/bureau/evaluator";
import { connectSuite } from "../../src/suite";

/** Hardhat's development accounts come from this mnemonic (its default). */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

describe("Bureau concurrency", function () {
  /** A fixture of this file's own (loadFixture's snapshots are per function). */
  function fixture() {
    return deployWithGrants();
  }

  /** The bureau's account as a key held outside the node, as `--private-key-file` gives it. */
  async function bureauWallet(address: string): Promise<Signer> {
    const mnemonic = Mnemonic.fromPhrase(HARDHAT_MNEMONIC);
    for (let i = 0; i < 20; i++) {
      const wallet = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`);
      if (wallet.address === address) return wallet.connect(hre.ethers.provider);
    }
    throw new Error(`no development account ${address}`);
  }

  /** The bureau's steps signed with a key held outside the node. */
  async function heldKeyClient() {
    const f = await loadFixture(fixture);
    const wallet = await bureauWallet(f.bureau.address);
    const client = new BureauClient(
      f.matching.connect(wallet),
      new MemoryBoard(),
      async () => new Map(),
      testComparisonKeys(),
      fixtureRingPedersen(),
    );
    return { f, wallet, client };
  }

  describe("BureauClient.send", function () {
    it("without it, transactions sent at the same moment from a held key collide on their nonce (control)", async function () {
      const f = await loadFixture(fixture);
      const wallet = await bureauWallet(f.bureau.address);
      const sends = Array.from({ length: 4 }, () => wallet.sendTransaction({ to: f.outsider.address, value: 1n }));
      const settled = await Promise.allSettled(sends);
      expect(settled.filter((s) => s.status === "rejected")).to.have.length.above(0);
    });

    it("sends them in turn: every one is mined, with consecutive nonces", async function () {
      const { f, wallet, client } = await heldKeyClient();
      const first = await hre.ethers.provider.getTransactionCount(f.bureau.address);
      const sent = await Promise.all(
        Array.from({ length: 4 }, () =>
          client.send(() => wallet.sendTransaction({ to: f.outsider.address, value: 1n })),
        ),
      );
      await Promise.all(sent.map((tx) => tx.wait()));
      expect(sent.map((tx) => tx.nonce)).to.deep.equal([0, 1, 2, 3].map((i) => first + i));
    });

    it("goes on after a transaction that fails to send", async function () {
      const { f, wallet, client } = await heldKeyClient();
      const failing = client.send(() => Promise.reject(new Error("refused by the node")));
      const next = client.send(() => wallet.sendTransaction({ to: f.outsider.address, value: 1n }));
      await expect(failing).to.be.rejectedWith("refused by the node");
      expect((await (await next).wait())!.status).to.equal(1);
    });
  });

  describe("the evaluator", function () {
    let dir: string;
    let service: BureauService | undefined;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "blindcredit-concurrency-"));
    });
    afterEach(async () => {
      await service?.stop();
      service = undefined;
      rmSync(dir, { recursive: true, force: true });
    });

    it("refuses a concurrency that is not a whole number ≥ 1", async function () {
      const f = await loadFixture(fixture);
      const suite = connectSuite(f, f.bureau);
      const client = new BureauClient(
        suite.matching,
        new MemoryBoard(),
        async () => new Map(),
        testComparisonKeys(),
        fixtureRingPedersen(),
      );
      for (const concurrency of [0, 1.5, -1]) {
        expect(() => new Evaluator(suite, client, f.bureau.address, { concurrency })).to.throw(
          RangeError,
          `evaluator concurrency: expected a whole number ≥ 1, got ${concurrency}`,
        );
      }
    });

    it("answers checks opened together, from a held key, without a failed step", async function () {
      const f = await loadFixture(fixture);
      const wallet = await bureauWallet(f.bureau.address);
      service = await startBureauService({
        suite: connectSuite(f, wallet),
        databasePath: join(dir, "bureau.db"),
        sealingKey: generateSealingKey(),
        port: 0,
        pollIntervalMs: 50,
        threads: 2,
        concurrency: 4,
        comparisonKey: fixtureComparisonKey(),
        ringPedersen: fixtureRingPedersen(),
      });
      await submitSubjectRecord(f, service.url, APPLICANT_RECORD);
      const bank = new BankClient(
        f.matching.connect(f.bank),
        fixtureKey(2048),
        new HttpBoard(service.url, { signer: f.bank, bureau: f.bureau.address }),
      );
      await bank.registerKey();
      const request = {
        subject: f.subject.address,
        bureau: f.bureau.address,
        mode: "decision" as const,
        conditions: LOAN,
      };
      // One bank's checks are opened one after the other (a check id depends on the bank's count of checks);
      // from then on they run at the same time.
      let opening: Promise<unknown> = Promise.resolve();
      const stage = (name: string, run: () => Promise<void>) => {
        if (name !== "open") return run();
        const opened = opening.then(run);
        opening = opened.catch(() => undefined);
        return opened;
      };
      const results = await Promise.all(
        Array.from({ length: 3 }, () => bank.runCheck(request, { stage, wait: { pollMs: 50, timeoutMs: 120_000 } })),
      );
      expect(results.map((r) => r.decision.approved)).to.deep.equal([true, true, true]);
      expect(service.evaluator.metrics.failures, service.evaluator.metrics.lastError).to.equal(0);
      expect(service.evaluator.metrics.steps).to.equal(6);
    });
  });
});
