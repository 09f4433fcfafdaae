/**
 * The README's "Running node" journey, as a user runs it: a node started as its own process on
 * loopback, the suite deployed to it with `hardhat deploy --network localhost` as another process,
 * then driven over JSON-RPC with the library's clients and the addresses hardhat-deploy wrote to
 * disk. Once on `hardhat node`, once on anvil: two independent node implementations.
 *
 * No `loadFixture` here: the state lives in an external node, and the steps of one journey build on
 * each other in order, as they do for a user.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, type JsonRpcSigner } from "ethers";
import { HAS_ANVIL, PROJECT_ROOT, runHardhat, startNode, type LocalNode, type NodeKind } from "../helpers/node";
import { SUBJECT_COMMITMENT } from "../helpers/suite";
import { APPLICANT, LOAN } from "../helpers/samples";
import { fixtureComparisonKey, testComparisonKeys } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { loadDeployedSuite, SUITE_CONTRACTS } from "../../src/deployments";
import type { Suite } from "../../src/suite";
import { castVote, isMemberAs, requestAdmission } from "../../src/clients/consortium";
import { findPermissionRecord } from "../../src/clients/consent";
import { BankClient } from "../../src/clients/bankCheck";
import { BureauClient } from "../../src/bureau/steps";
import { MemoryBoard } from "../../src/protocol/board";
import { Level, termsOf } from "../../src/permissions";
import { AuditAction, CheckState, NodeType, ProposalState } from "../../src/contractEnums";

/** The working tree's own deployments of the localhost network, which the journeys must not touch. */
const TREE_LOCALHOST = path.join(PROJECT_ROOT, "deployments", "localhost");

const NODES: [NodeKind, string][] = [
  ["hardhat", "hardhat node"],
  ["anvil", "anvil"],
];

for (const [kind, title] of NODES) {
  describe(`Running node: the whole journey over JSON-RPC on ${title}`, function () {
    let node: LocalNode;
    let provider: JsonRpcProvider;
    let suite: Suite;
    let deployer: JsonRpcSigner, voters: JsonRpcSigner[], bureau: JsonRpcSigner;
    let subject: JsonRpcSigner, bank: JsonRpcSigner;
    let checkId: string;
    const treeHadLocalhost = existsSync(TREE_LOCALHOST);

    before(async function () {
      if (kind === "anvil" && !HAS_ANVIL) this.skip(); // @foundry-rs/anvil-linux-amd64 is for Linux x64 only
      node = await startNode(kind);
      provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
      // The node's unlocked accounts, by the roles of namedAccounts in hardhat.config.ts.
      const s = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => provider.getSigner(i)));
      [deployer, voters, bureau, subject, bank] = [s[0], [s[1], s[2], s[3]], s[4], s[5], s[6]];
    });

    after(async function () {
      provider?.destroy();
      await node?.stop();
    });

    it("deploys with `hardhat deploy --network localhost` and writes the deployment files", async function () {
      // A quorum of three out of three, so that every genesis voter has to vote: also shows the
      // deploy files read the consortium parameters from the environment.
      const output = await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile"], {
        BLINDCREDIT_QUORUM: "3/3",
        BLINDCREDIT_VOTING_PERIOD: "3600",
      });
      expect(output).to.match(/deploying "ConditionMatching"/);

      for (const name of SUITE_CONTRACTS) {
        expect(existsSync(path.join(node.deploymentsDir, `${name}.json`)), `${name}.json`).to.equal(true);
      }
      expect(readFileSync(path.join(node.deploymentsDir, ".chainId"), "utf8").trim()).to.equal(String(node.chainId));
      expect(existsSync(TREE_LOCALHOST), "deployments/localhost in the working tree").to.equal(treeHadLocalhost);

      suite = await loadDeployedSuite(node.deploymentsDir, deployer);
      expect(await suite.consensus.voterCount()).to.equal(3n);
    });

    it("admits a bank by a vote of the three genesis voters", async function () {
      // The subject registers; the bank applies for itself (only the newcomer or a voter may ask).
      await (await suite.classification.connect(subject).registerSubject()).wait();
      const request = await requestAdmission(
        suite.classification.connect(bank),
        await bank.getAddress(),
        NodeType.CreditAccessUser,
      );
      if (request.status !== "vote-opened") throw new Error(`expected a vote to open, got ${request.status}`);

      const standings = [];
      for (const voter of voters)
        standings.push(await castVote(suite.consensus.connect(voter), request.proposalId, true));
      expect(standings.map((p) => [p.state, p.approvals, p.quorum])).to.deep.equal([
        [ProposalState.Active, 1, 3],
        [ProposalState.Active, 2, 3],
        [ProposalState.Executed, 3, 3],
      ]);
      expect(await isMemberAs(suite.classification, await bank.getAddress(), NodeType.CreditAccessUser)).to.equal(true);
    });

    it("lets the subject commit its identity and grant the bank single-use blind-read", async function () {
      await (await suite.ownership.connect(subject).commitIdentity(SUBJECT_COMMITMENT)).wait();
      const expiry = BigInt((await provider.getBlock("latest"))!.timestamp) + 30n * 86_400n;
      await (
        await suite.permissions.connect(bank).requestPermission(await subject.getAddress(), Level.BlindRead, expiry, 1)
      ).wait();

      const { permissions } = await findPermissionRecord(suite.history, await subject.getAddress(), subject);
      expect(await permissions.getAddress()).to.equal(await suite.permissions.getAddress());
      const asked = await permissions.requestOf(await subject.getAddress(), await bank.getAddress());
      await (await permissions.approveRequest(await bank.getAddress(), termsOf(asked))).wait();
      expect(
        await permissions.hasPermission(await subject.getAddress(), await bank.getAddress(), Level.BlindRead),
      ).to.equal(true);
    });

    it("runs a decision-mode credit check with a 2048-bit key and approves the qualifying applicant", async function () {
      const board = new MemoryBoard();
      const bankClient = new BankClient(suite.matching.connect(bank), fixtureKey(2048), board);
      const subjectAddress = await subject.getAddress();
      const bureauClient = new BureauClient(
        suite.matching.connect(bureau),
        board,
        async (s) => {
          if (s !== subjectAddress) throw new Error(`the bureau holds no data on ${s}`);
          return APPLICANT;
        },
        testComparisonKeys(),
        fixtureRingPedersen(),
      );
      board.publishParameters(await bureau.getAddress(), await bureauClient.parametersDocument());
      await bankClient.registerKey();
      await bureauClient.registerComparisonKey(fixtureComparisonKey().publicKey);

      const check = await bankClient.openCheck({
        subject: subjectAddress,
        bureau: await bureau.getAddress(),
        mode: "decision",
        conditions: LOAN,
      });
      checkId = check.checkId;
      expect(check.context.chainId).to.equal(node.chainId);
      expect((await bureauClient.advance(checkId)).after).to.equal(CheckState.Challenged);
      await bankClient.respond(check);
      expect((await bureauClient.advance(checkId)).after).to.equal(CheckState.Answered);
      const decision = await bankClient.decide(check);

      expect(decision.approved).to.equal(true);
      expect(await suite.matching.state(checkId)).to.equal(CheckState.Decided);
      expect(await suite.matching.verifyDecision(checkId, true, decision.salt)).to.equal(true);
    });

    it("shows the subject every step in its history record", async function () {
      const [b, r] = [await bank.getAddress(), await bureau.getAddress()];
      const [trail] = await suite.history.auditTrail(await subject.getAddress(), 0, 100);
      const entries = trail.map((e) => [Number(e.action), e.actor]);
      expect(entries.slice(-3)).to.deep.equal([
        [AuditAction.CheckRequested, b],
        [AuditAction.CheckAnswered, r],
        [AuditAction.CheckDecided, b],
      ]);
      expect(trail.slice(-3).every((e) => e.ref === checkId)).to.equal(true);
      expect(entries.map(([action]) => action)).to.include.members([
        AuditAction.IdentityCommitted,
        AuditAction.PermissionRequested,
        AuditAction.PermissionGranted,
      ]);
    });
  });
}
