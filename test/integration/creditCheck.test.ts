/**
 * Paper flow 3.5, a whole blind credit check on the in-process network: the bank encrypts its form
 * under its own key and opens the check; the bureau evaluates it homomorphically and answers; the
 * bank decrypts one bit (decision mode) or the shuffled equality results (paper mode) and commits
 * to its decision. And every way a check must be refused.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithMembers } from "../helpers/suite";
import { fixtureComparisonKey, testComparisonKeys } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { BankClient, type BankCheck } from "../../src/clients/bankCheck";
import { BureauClient } from "../../src/bureau/steps";
import type { ComparisonKeyPool } from "../../src/bureau/comparisonKeys";
import { StoreBoard, StoreJournal } from "../../src/bureau/journal";
import { generateSealingKey } from "../../src/bureau/sealing";
import { openSqliteStore } from "../../src/bureau/sqliteStore";
import type { DgkPublicKey } from "../../src/dgk";
import { CheckRefusal, RefusalReason } from "../../src/protocol/refusal";
import { MemoryBoard } from "../../src/protocol/board";
import {
  holds,
  parseForm,
  thresholdConditionsOnly,
  type Condition,
  type ThresholdCondition,
} from "../../src/protocol/form";
import { encodeMessage } from "../../src/protocol/messages";
import { DEFAULT_SCHEMA, describeSchema } from "../../src/protocol/schema";
import { loadSchemaFile } from "../../src/protocol/schemaFile";
import { Level } from "../../src/permissions";
import { AuditAction, CheckState, type CheckModeName } from "../../src/contractEnums";
import { APPLICANT_VALUES as APPLICANT, FULL_LOAN as LOAN_CONDITIONS } from "../helpers/samples";

describe("Flow 3.5: a blind credit check", function () {
  async function fixture() {
    const f = await deployWithMembers();
    const expiry = BigInt(await time.latest()) + 30n * 86_400n;
    await f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, expiry, 100);
    const board = new MemoryBoard();
    const subjects = new Map<string, Record<string, bigint>>([[f.subject.address, APPLICANT]]);
    const bank = new BankClient(f.matching.connect(f.bank), fixtureKey(2048), board);
    const bureau = new BureauClient(
      f.matching.connect(f.bureau),
      board,
      async (s) => new Map(Object.entries(subjects.get(s) ?? {})),
      testComparisonKeys(),
      fixtureRingPedersen(),
    );
    board.publishParameters(f.bureau.address, await bureau.parametersDocument());
    await bank.registerKey();
    await bureau.registerComparisonKey(fixtureComparisonKey().publicKey);
    return { ...f, board, subjects, bankClient: bank, bureauClient: bureau, expiry };
  }
  type Fixture = Awaited<ReturnType<typeof fixture>>;

  /** Runs a check to its decision with the applicant's values set to `values`. */
  async function runCheck(f: Fixture, mode: CheckModeName, conditions: Condition[], values = APPLICANT) {
    f.subjects.set(f.subject.address, values);
    const check = await f.bankClient.openCheck({
      subject: f.subject.address,
      bureau: f.bureau.address,
      mode,
      conditions,
    });
    if (mode === "decision") {
      expect((await f.bureauClient.advance(check.checkId)).after).to.equal(CheckState.Challenged);
      await f.bankClient.respond(check);
    }
    expect((await f.bureauClient.advance(check.checkId)).after).to.equal(CheckState.Answered);
    const decision = await f.bankClient.decide(check);
    return { check, decision };
  }

  it("refuses a bank on another credit schema than the deployment's before it sends anything", async function () {
    const f = await loadFixture(fixture);
    const wide = loadSchemaFile("test/fixtures/schema-40.json");
    const bank = new BankClient(f.matching.connect(f.bank), fixtureKey(2048), f.board, { schema: wide });
    const opened = bank.openCheck({
      subject: f.subject.address,
      bureau: f.bureau.address,
      mode: "decision",
      conditions: [{ field: "field40", op: "eq", values: [1] }],
    });
    await expect(opened).to.be.rejectedWith(
      `the deployment: expected schema ${describeSchema(wide)}, got schema hash ${DEFAULT_SCHEMA.hash}`,
    );
    const id = await f.matching.nextCheckId(f.bank.address);
    expect(Number(await f.matching.state(id))).to.equal(CheckState.None);
  });

  describe("the check's own comparison key", function () {
    it("is kept (sealed in the journal entry) while the check is open, and erased once it is answered", async function () {
      const f = await loadFixture(fixture);
      f.subjects.set(f.subject.address, APPLICANT); // the fixture's map outlives the snapshots: reset it
      const check = await f.bankClient.openCheck({
        subject: f.subject.address,
        bureau: f.bureau.address,
        mode: "decision",
        conditions: LOAN_CONDITIONS,
      });
      await f.bureauClient.advance(check.checkId);
      const entry = await f.bureauClient.journal.entry(check.checkId);
      expect(entry?.state?.comparisonKey.p, "the private key kept for the answer").to.match(/^0x[0-9a-f]+$/);
      expect(f.bureauClient.holdsCheckKey(check.checkId)).to.equal(true);
      await f.bankClient.respond(check);
      expect((await f.bureauClient.advance(check.checkId)).after).to.equal(CheckState.Answered);
      expect(await f.bureauClient.journal.entry(check.checkId), "the journal entry").to.equal(undefined);
      expect(f.bureauClient.holdsCheckKey(check.checkId), "the key in memory").to.equal(false);
      expect((await f.bankClient.decide(check)).approved).to.equal(true);
    });

    it("survives a restart mid-check: a new bureau process answers with the key sealed in the store, then erases it", async function () {
      const f = await loadFixture(fixture);
      const store = await openSqliteStore({ path: ":memory:", sealingKey: generateSealingKey() });
      const board = new StoreBoard(store);
      const bureauOn = () =>
        new BureauClient(
          f.matching.connect(f.bureau),
          board,
          async () => new Map(Object.entries(APPLICANT)),
          testComparisonKeys(),
          fixtureRingPedersen(),
          {
            journal: new StoreJournal(store, async (id) => (await f.matching.checkOf(id)).formHash),
          },
        );
      const bank = new BankClient(f.matching.connect(f.bank), fixtureKey(2048), board, {
        bureauParameters: () => bureauOn().parametersDocument(),
      });
      const check = await bank.openCheck({
        subject: f.subject.address,
        bureau: f.bureau.address,
        mode: "decision",
        conditions: LOAN_CONDITIONS,
      });
      expect((await bureauOn().advance(check.checkId)).after).to.equal(CheckState.Challenged);
      const sealed = await store.getCheck(check.checkId);
      const kept = JSON.parse(new TextDecoder().decode(sealed!.state)) as { comparisonKey: { p: string } };
      expect(kept.comparisonKey.p, "the private key, sealed in the store").to.match(/^0x[0-9a-f]+$/);
      await bank.respond(check);
      const restarted = bureauOn(); // nothing in memory: the key comes from the store
      expect((await restarted.advance(check.checkId)).after).to.equal(CheckState.Answered);
      expect(await store.getCheck(check.checkId), "erased from the store").to.equal(undefined);
      expect(restarted.holdsCheckKey(check.checkId)).to.equal(false);
      expect((await bank.decide(check)).approved).to.equal(true);
      await store.close();
    });

    it("answers under a key the bank reserved, and refuses a key reserved to another bank, or used before", async function () {
      const f = await loadFixture(fixture);
      f.subjects.set(f.subject.address, APPLICANT);
      const pool = f.bureauClient.comparisonKeys as ComparisonKeyPool;
      const open = (comparisonKey: DgkPublicKey) =>
        f.bankClient.openCheck({
          subject: f.subject.address,
          bureau: f.bureau.address,
          mode: "decision",
          conditions: LOAN_CONDITIONS,
          comparisonKey,
        });
      const { publicKey } = await pool.reserve(f.bank.address);
      const first = await open(publicKey);
      await f.bureauClient.advance(first.checkId);
      await f.bankClient.respond(first); // the bank's check: the challenge is under the key it reserved
      await f.bureauClient.advance(first.checkId);
      expect((await f.bankClient.decide(first)).approved).to.equal(true);
      for (const key of [publicKey, (await pool.reserve(f.bureau.address)).publicKey]) {
        const again = await open(key);
        let refusal: unknown;
        await f.bureauClient.advance(again.checkId).catch((e: unknown) => (refusal = e));
        expect(refusal).to.be.instanceOf(CheckRefusal);
        expect((refusal as CheckRefusal).reason).to.equal(RefusalReason.InvalidMessage);
        expect((refusal as CheckRefusal).message).to.match(/expected a comparison key reserved to bank/);
        expect(Number(await f.matching.state(again.checkId))).to.equal(CheckState.Requested); // nothing answered
      }
    });
  });

  it("approves an applicant who meets every condition, and records the decision as a commitment", async function () {
    const f = await loadFixture(fixture);
    const { check, decision } = await runCheck(f, "decision", LOAN_CONDITIONS);
    expect(decision.approved).to.equal(true);
    expect(await f.matching.state(check.checkId)).to.equal(CheckState.Decided);
    expect(await f.matching.verifyDecision(check.checkId, true, decision.salt)).to.equal(true);
    expect(await f.matching.verifyDecision(check.checkId, false, decision.salt)).to.equal(false);

    // The subject sees the whole check in its history.
    const [trail] = await f.history.auditTrail(f.subject.address, 0, 100);
    const checkEntries = trail.filter((e) => e.ref === check.checkId).map((e) => [Number(e.action), e.actor]);
    expect(checkEntries).to.deep.equal([
      [AuditAction.CheckRequested, f.bank.address],
      [AuditAction.CheckAnswered, f.bureau.address],
      [AuditAction.CheckDecided, f.bank.address],
    ]);
  });

  it("declines an applicant who misses one condition", async function () {
    const f = await loadFixture(fixture);
    const { decision } = await runCheck(f, "decision", LOAN_CONDITIONS, { ...APPLICANT, debtToIncome: 3501n });
    expect(decision.approved).to.equal(false);
  });

  describe("each operator at t − 1, t, t + 1, on-chain", function () {
    const t = 20n;
    const operators: ThresholdCondition[] = [
      { field: "yearsOfHistory", op: "eq", values: [t] },
      { field: "yearsOfHistory", op: "ne", values: [t] },
      { field: "yearsOfHistory", op: "ge", values: [t] },
      { field: "yearsOfHistory", op: "gt", values: [t] },
      { field: "yearsOfHistory", op: "le", values: [t] },
      { field: "yearsOfHistory", op: "lt", values: [t] },
      { field: "yearsOfHistory", op: "between", values: [t, t + 2n] },
      { field: "yearsOfHistory", op: "in", values: [t - 5n, t] },
    ];
    for (const condition of operators) {
      it(`decision mode: ${condition.op} ${condition.values.join(", ")}`, async function () {
        const f = await loadFixture(fixture);
        const [parsed] = thresholdConditionsOnly(parseForm([condition], "decision"));
        for (const x of [t - 1n, t, t + 1n]) {
          const { decision } = await runCheck(f, "decision", [condition], { ...APPLICANT, yearsOfHistory: x });
          expect(decision.approved, `yearsOfHistory = ${x}`).to.equal(holds(parsed, x));
        }
      });
    }

    it("decision mode: a scorecard with a condition, at S = 0 and S = −1 (the bank's client, the bureau's steps)", async function () {
      const f = await loadFixture(fixture);
      const conditions: Condition[] = [
        { scorecard: { weights: { yearsOfHistory: 3, creditScore: 1 }, cutoff: 3 * 20 + 712, weightBits: 4 } },
        { field: "bankruptcy", op: "eq", values: [0] },
      ];
      for (const [years, approved] of [
        [t, true],
        [t - 1n, false],
      ] as const) {
        const { decision } = await runCheck(f, "decision", conditions, { ...APPLICANT, yearsOfHistory: years });
        expect(decision.approved, `yearsOfHistory = ${years}`).to.equal(approved);
      }
    });

    it("decision mode: a scorecard check resumed by a restarted bank client, which reads the bureau's parameters again", async function () {
      const f = await loadFixture(fixture);
      const request = {
        subject: f.subject.address,
        bureau: f.bureau.address,
        mode: "decision" as const,
        conditions: [{ scorecard: { weights: { yearsOfHistory: 3 }, cutoff: 3 * 9, weightBits: 4 } }],
      };
      const { checkId } = await f.bankClient.openCheck(request);
      const restarted = new BankClient(f.matching.connect(f.bank), fixtureKey(2048), f.board);
      const { decision } = await restarted.resumeCheck(
        { checkId, request },
        { waitForBureau: async (check) => void (await f.bureauClient.advance(check.checkId)) },
      );
      expect(decision.approved, "the applicant's 9 years, 3·9 ≥ 27").to.equal(true);
    });

    it("paper mode: eq at t − 1, t, t + 1", async function () {
      const f = await loadFixture(fixture);
      const conditions: Condition[] = [
        { field: "yearsOfHistory", op: "eq", values: [t] },
        { field: "bankruptcy", op: "eq", values: [0] },
      ];
      for (const x of [t - 1n, t, t + 1n]) {
        const { decision } = await runCheck(f, "paper", conditions, { ...APPLICANT, yearsOfHistory: x });
        expect(decision.approved, `yearsOfHistory = ${x}`).to.equal(x === t);
        expect(decision.view.matches.filter(Boolean).length).to.equal(x === t ? 2 : 1);
      }
    });
  });

  describe("refusals", function () {
    async function openOnly(f: Fixture, conditions = LOAN_CONDITIONS): Promise<BankCheck> {
      return f.bankClient.openCheck({
        subject: f.subject.address,
        bureau: f.bureau.address,
        mode: "decision",
        conditions,
      });
    }

    it("refuses a check without a grant", async function () {
      const f = await loadFixture(fixture);
      await f.permissions.connect(f.subject).revoke(f.bank.address);
      await expect(openOnly(f))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNoGrant")
        .withArgs(f.subject.address, f.bank.address);
    });

    it("refuses a check on an expired grant, and on a used-up one", async function () {
      const f = await loadFixture(fixture);
      await time.increaseTo(f.expiry + 1n);
      await expect(openOnly(f)).to.be.revertedWithCustomError(f.permissions, "PermissionGrantExpired");

      const g = await loadFixture(fixture);
      const expiry = BigInt(await time.latest()) + 86_400n;
      await g.permissions.connect(g.subject).setPermission(g.bank.address, Level.BlindRead, expiry, 1);
      await openOnly(g);
      await expect(openOnly(g))
        .to.be.revertedWithCustomError(g.permissions, "PermissionGrantExhausted")
        .withArgs(g.subject.address, g.bank.address, 1);
    });

    it("refuses a tampered answer: the bank records nothing", async function () {
      const f = await loadFixture(fixture);
      const check = await openOnly(f);
      await f.bureauClient.advance(check.checkId);
      await f.bankClient.respond(check);
      await f.bureauClient.advance(check.checkId);
      const { answerHash } = await f.matching.checkOf(check.checkId);
      const genuine = await f.board.fetch(answerHash);
      const forged = encodeMessage("answer", check.context, { answer: "0x" + "00".repeat(511) + "01" });
      f.board.tamper(answerHash, forged);
      await expect(f.bankClient.decide(check)).to.be.rejectedWith(/does not match the on-chain commitment/);
      expect(await f.matching.state(check.checkId)).to.equal(CheckState.Answered);
      f.board.tamper(answerHash, genuine);
      expect((await f.bankClient.decide(check)).approved).to.equal(true);
    });

    it("refuses a form replayed from another check: the bureau commits nothing", async function () {
      const f = await loadFixture(fixture);
      const first = await openOnly(f);
      // A second check whose on-chain commitment is the first check's form.
      const checkId = await f.matching.nextCheckId(f.bank.address);
      await f.matching
        .connect(f.bank)
        .openCheck(
          checkId,
          f.subject.address,
          f.bureau.address,
          first.context.keyFingerprint,
          0,
          first.form.hash,
          3600,
        );
      await expect(f.bureauClient.advance(checkId)).to.be.rejectedWith(
        /bound to checkId .* it belongs to another check/,
      );
      expect(await f.matching.state(checkId)).to.equal(CheckState.Requested);
    });

    it("refuses a malformed ciphertext in the form, naming where it is", async function () {
      const f = await loadFixture(fixture);
      const key = fixtureKey(2048).publicKey;
      for (const [bad, message] of [
        ["0x00", /form condition 1 value: .*0 < c/],
        [ethers.toBeHex(key.n), /form condition 1 value: .*gcd\(c, n\) = 1/],
        ["0xzz", /form condition 1 value: .*hex/],
      ] as const) {
        // A well-bound form whose only ciphertext is bad, committed on-chain like any other.
        const checkId = await f.matching.nextCheckId(f.bank.address);
        const context = {
          chainId: 31337n,
          contract: await f.matching.getAddress(),
          checkId,
          keyFingerprint: key.fingerprint,
        };
        const form = encodeMessage("form", context, {
          mode: "paper",
          conditions: [{ field: "bankruptcy", op: "eq", arity: 1, value: bad }],
        });
        const formHash = await f.board.publish(form);
        await f.matching
          .connect(f.bank)
          .openCheck(checkId, f.subject.address, f.bureau.address, key.fingerprint, 1, formHash, 3600);
        await expect(f.bureauClient.advance(checkId)).to.be.rejectedWith(message);
        expect(await f.matching.state(checkId)).to.equal(CheckState.Requested);
      }
    });

    it("refuses every step past the deadline", async function () {
      const f = await loadFixture(fixture);
      const check = await openOnly(f);
      await f.bureauClient.advance(check.checkId);
      const { deadline } = await f.matching.checkOf(check.checkId);
      await time.increaseTo(deadline + 1n);
      expect(await f.matching.state(check.checkId)).to.equal(CheckState.Expired);
      await expect(f.bankClient.respond(check)).to.be.rejectedWith(/expected state Challenged, got Expired/);
      await expect(f.matching.connect(f.bank).postResponse(check.checkId, ethers.id("late")))
        .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
        .withArgs(check.checkId, CheckState.Expired, CheckState.Challenged);
    });
  });

  it("runs a whole decision-mode check with a 3072-bit key", async function () {
    const f = await loadFixture(fixture);
    const bank = new BankClient(f.matching.connect(f.bank), fixtureKey(3072), f.board);
    await bank.registerKey();
    const check = await bank.openCheck({
      subject: f.subject.address,
      bureau: f.bureau.address,
      mode: "decision",
      conditions: [{ field: "creditScore", op: "ge", values: [713] }],
    });
    await f.bureauClient.advance(check.checkId);
    await bank.respond(check);
    await f.bureauClient.advance(check.checkId);
    expect((await bank.decide(check)).approved).to.equal(false);
  });
});
