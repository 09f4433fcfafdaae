/**
 * The protocol off-chain, bank against bureau with real 2048-bit keys (the bank's Paillier key, the bureau's DGK
 * comparison key): every operator at the exact boundary values t − 1, t, t + 1, in decision mode (one bit) and in
 * paper mode (equality).
 */
import { expect } from "chai";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { buildForm, readAnswer, respondToChallenge } from "../../src/protocol/bank";
import { answerDecision, answerPaper, challenge, readForm } from "../../src/protocol/bureau";
import {
  holds,
  parseForm,
  thresholdConditionsOnly,
  type Condition,
  type ThresholdCondition,
} from "../../src/protocol/form";
import { DgkRandomizerPool } from "../../src/dgk";
import { SharePool } from "../../src/proofs";
import { keccak256 } from "ethers";
import { randomBytes } from "node:crypto";
import { messageHash, type CheckContext } from "../../src/protocol/messages";
import type { CheckModeName } from "../../src/contractEnums";

/** The bureau's ring-Pedersen parameters (public part), under which the bank proves its key has no small factor. */
const BUREAU_PARAMETERS = fixtureRingPedersen().parameters;

const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  checkId: "0x" + "11".repeat(32),
  keyFingerprint: fixtureKey(2048).publicKey.fingerprint,
};

/** Runs a whole check between a bank and a bureau and returns what the bank decided. */
export async function runCheck(
  mode: CheckModeName,
  conditions: Condition[],
  values: Record<string, bigint>,
  context = CONTEXT,
) {
  const key = fixtureKey(2048);
  const form = buildForm(key, context, mode, conditions, BUREAU_PARAMETERS);
  const received = readForm(key.publicKey, context, form.bytes, form.hash, BUREAU_PARAMETERS);
  const subject = new Map(Object.entries(values));
  if (mode === "paper") {
    const answer = await answerPaper(context, received, subject);
    return readAnswer(key, context, form, answer.bytes, answer.hash);
  }
  const comparisonKey = fixtureComparisonKey();
  const ch = challenge(comparisonKey, context, received, subject);
  const response = respondToChallenge(key, context, form, ch.bytes, ch.hash, comparisonKey.publicKey);
  const answer = await answerDecision(key.publicKey, comparisonKey, context, ch.state, response.bytes, response.hash);
  return readAnswer(key, context, form, answer.bytes, answer.hash, response.shares);
}

describe("Blind condition matching protocol", function () {
  describe("decision mode: every operator at t − 1, t, t + 1", function () {
    const t = 7n;
    const cases: ThresholdCondition[] = [
      { field: "defaultsFiveYears", op: "eq", values: [t] },
      { field: "defaultsFiveYears", op: "ne", values: [t] },
      { field: "defaultsFiveYears", op: "ge", values: [t] },
      { field: "defaultsFiveYears", op: "gt", values: [t] },
      { field: "defaultsFiveYears", op: "le", values: [t] },
      { field: "defaultsFiveYears", op: "lt", values: [t] },
      { field: "defaultsFiveYears", op: "between", values: [t, t + 1n] },
      { field: "defaultsFiveYears", op: "in", values: [t, t + 5n] },
    ];
    for (const condition of cases) {
      it(`${condition.op} ${condition.values.join(", ")}`, async function () {
        const [parsed] = thresholdConditionsOnly(parseForm([condition], "decision"));
        for (const x of [t - 1n, t, t + 1n]) {
          const view = await runCheck("decision", [condition], { defaultsFiveYears: x });
          expect(view.approved, `x = ${x}`).to.equal(holds(parsed, x));
        }
      });
    }
  });

  it("decision mode with the bank's pools: precomputed shares and re-randomisers reach the same decisions", async function () {
    const key = fixtureKey(2048);
    const comparisonKey = fixtureComparisonKey();
    const shares = new SharePool(key, { capacity: 4 });
    await shares.fill();
    const randomizers = new DgkRandomizerPool(comparisonKey.publicKey, { capacity: 40 });
    await randomizers.fill();
    try {
      const condition: ThresholdCondition = { field: "defaultsFiveYears", op: "between", values: [3, 5] };
      const [parsed] = thresholdConditionsOnly(parseForm([condition], "decision"));
      for (const x of [2n, 3n, 5n, 6n]) {
        const form = buildForm(key, CONTEXT, "decision", [condition], BUREAU_PARAMETERS);
        const ch = challenge(
          comparisonKey,
          CONTEXT,
          readForm(key.publicKey, CONTEXT, form.bytes, form.hash, BUREAU_PARAMETERS),
          new Map([["defaultsFiveYears", x]]),
        );
        const response = respondToChallenge(key, CONTEXT, form, ch.bytes, ch.hash, comparisonKey.publicKey, {
          shares: () => shares.take(),
          dgkRandomizers: () => randomizers.take(),
        });
        const answer = await answerDecision(
          key.publicKey,
          comparisonKey,
          CONTEXT,
          ch.state,
          response.bytes,
          response.hash,
        );
        expect(readAnswer(key, CONTEXT, form, answer.bytes, answer.hash).approved, `x = ${x}`).to.equal(
          holds(parsed, x),
        );
      }
    } finally {
      await randomizers.close();
    }
  });

  it("decision mode: the edges of a field's range", async function () {
    const view = async (op: ThresholdCondition["op"], t: number, x: bigint) =>
      (await runCheck("decision", [{ field: "creditScore", op, values: [t] }], { creditScore: x })).approved;
    expect(await view("ge", 300, 300n)).to.equal(true);
    expect(await view("lt", 300, 300n)).to.equal(false);
    expect(await view("gt", 850, 850n)).to.equal(false);
    expect(await view("le", 850, 850n)).to.equal(true);
    expect(await view("ge", 850, 849n)).to.equal(false);
  });

  it("decision mode: a conjunction holds only if every condition holds", async function () {
    const conditions: Condition[] = [
      { field: "creditScore", op: "ge", values: [650] },
      { field: "debtToIncome", op: "le", values: ["35"] },
      { field: "bankruptcy", op: "eq", values: [0] },
    ];
    const good = { creditScore: 700n, debtToIncome: 3499n, bankruptcy: 0n };
    expect((await runCheck("decision", conditions, good)).approved).to.equal(true);
    expect((await runCheck("decision", conditions, { ...good, creditScore: 649n })).approved).to.equal(false);
    expect((await runCheck("decision", conditions, { ...good, debtToIncome: 3501n })).approved).to.equal(false);
    expect(
      (await runCheck("decision", conditions, { ...good, bankruptcy: 1n, creditScore: 10n + 300n })).approved,
    ).to.equal(false);
  });

  it("paper mode: equality conditions, met and not met", async function () {
    const conditions: Condition[] = [
      { field: "bankruptcy", op: "eq", values: [0] },
      { field: "defaultsFiveYears", op: "eq", values: [0] },
    ];
    const met = await runCheck("paper", conditions, { bankruptcy: 0n, defaultsFiveYears: 0n });
    expect([met.approved, met.matches.filter(Boolean).length]).to.deep.equal([true, 2]);
    const oneMissed = await runCheck("paper", conditions, { bankruptcy: 0n, defaultsFiveYears: 1n });
    expect([oneMissed.approved, oneMissed.matches.filter(Boolean).length]).to.deep.equal([false, 1]);
  });

  it("refuses a form of the wrong shape for paper mode, or with an unknown field", async function () {
    await expect(runCheck("paper", [{ field: "creditScore", op: "ge", values: [600] }], {})).to.be.rejectedWith(
      /paper mode supports only "eq" conditions, got "ge"/,
    );
    await expect(runCheck("decision", [{ field: "shoeSize", op: "ge", values: [40] }], {})).to.be.rejectedWith(
      /unknown credit field "shoeSize"/,
    );
    await expect(runCheck("decision", [], {})).to.be.rejectedWith(/expected at least one condition, got none/);
    await expect(runCheck("decision", [{ field: "creditScore", op: "ge", values: [900] }], {})).to.be.rejectedWith(
      /creditScore: expected a value between 300 and 850, got one outside that range/,
    );
  });

  it("declines, never refuses, a form naming a field the bureau has no value for (see sideChannels.test.ts)", async function () {
    // creditScore ≥ 300 holds for every value of the field: only the missing data can make it fail.
    const check = await runCheck("decision", [{ field: "creditScore", op: "ge", values: [300] }], {});
    expect(check.approved).to.equal(false);
  });
});

describe("messageHash", function () {
  it("is ethers' keccak256, for every length around the rate (136 bytes) and for views into larger buffers", function () {
    for (const length of [0, 1, 135, 136, 137, 271, 272, 273, 4096, 200_001]) {
      const bytes = new Uint8Array(randomBytes(length + 2));
      const view = bytes.subarray(1, length + 1);
      expect(messageHash(view)).to.equal(keccak256(view));
      expect(messageHash(Buffer.from(view))).to.equal(keccak256(view));
    }
  });
});
