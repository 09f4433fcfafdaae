/**
 * The protocol off-chain, bank against bureau with real 2048-bit keys: every operator at the exact
 * boundary values t − 1, t, t + 1, in decision mode (one bit) and in paper mode (equality).
 */
import { expect } from "chai";
import { fixtureKey } from "../paillier/helpers";
import { buildForm, readAnswer, respondToChallenge } from "../../src/protocol/bank";
import { answerDecision, answerPaper, challenge, readForm } from "../../src/protocol/bureau";
import { holds, parseForm, type CheckMode, type Condition } from "../../src/protocol/form";
import type { CheckContext } from "../../src/protocol/messages";

const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  checkId: "0x" + "11".repeat(32),
  keyFingerprint: fixtureKey(2048).publicKey.fingerprint,
};

/** Runs a whole check between a bank and a bureau and returns what the bank decided. */
export function runCheck(mode: CheckMode, conditions: Condition[], values: Record<string, bigint>, context = CONTEXT) {
  const key = fixtureKey(2048);
  const form = buildForm(key, context, mode, conditions);
  const received = readForm(key.publicKey, context, form.bytes, form.hash);
  const subject = new Map(Object.entries(values));
  if (mode === "paper") {
    const answer = answerPaper(context, received, subject);
    return readAnswer(key, context, form, answer.bytes, answer.hash);
  }
  const ch = challenge(context, received, subject);
  const response = respondToChallenge(key, context, form, ch.bytes, ch.hash);
  const answer = answerDecision(key.publicKey, context, ch.state, response.bytes, response.hash);
  return readAnswer(key, context, form, answer.bytes, answer.hash, response.shares);
}

describe("Blind condition matching protocol", function () {
  describe("decision mode: every operator at t − 1, t, t + 1", function () {
    const t = 7n;
    const cases: Condition[] = [
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
      it(`${condition.op} ${condition.values.join(", ")}`, function () {
        const [parsed] = parseForm([condition], "decision");
        for (const x of [t - 1n, t, t + 1n]) {
          const view = runCheck("decision", [condition], { defaultsFiveYears: x });
          expect(view.approved, `x = ${x}`).to.equal(holds(parsed, x));
        }
      });
    }
  });

  it("decision mode: the edges of a field's range", function () {
    const view = (op: Condition["op"], t: number, x: bigint) =>
      runCheck("decision", [{ field: "creditScore", op, values: [t] }], { creditScore: x }).approved;
    expect(view("ge", 300, 300n)).to.equal(true);
    expect(view("lt", 300, 300n)).to.equal(false);
    expect(view("gt", 850, 850n)).to.equal(false);
    expect(view("le", 850, 850n)).to.equal(true);
    expect(view("ge", 850, 849n)).to.equal(false);
  });

  it("decision mode: a conjunction holds only if every condition holds", function () {
    const conditions: Condition[] = [
      { field: "creditScore", op: "ge", values: [650] },
      { field: "debtToIncome", op: "le", values: ["35"] },
      { field: "bankruptcy", op: "eq", values: [0] },
    ];
    const good = { creditScore: 700n, debtToIncome: 3499n, bankruptcy: 0n };
    expect(runCheck("decision", conditions, good).approved).to.equal(true);
    expect(runCheck("decision", conditions, { ...good, creditScore: 649n }).approved).to.equal(false);
    expect(runCheck("decision", conditions, { ...good, debtToIncome: 3501n }).approved).to.equal(false);
    expect(runCheck("decision", conditions, { ...good, bankruptcy: 1n, creditScore: 10n + 300n }).approved).to.equal(
      false,
    );
  });

  it("paper mode: equality conditions, met and not met", function () {
    const conditions: Condition[] = [
      { field: "bankruptcy", op: "eq", values: [0] },
      { field: "defaultsFiveYears", op: "eq", values: [0] },
    ];
    const met = runCheck("paper", conditions, { bankruptcy: 0n, defaultsFiveYears: 0n });
    expect([met.approved, met.matches.filter(Boolean).length]).to.deep.equal([true, 2]);
    const oneMissed = runCheck("paper", conditions, { bankruptcy: 0n, defaultsFiveYears: 1n });
    expect([oneMissed.approved, oneMissed.matches.filter(Boolean).length]).to.deep.equal([false, 1]);
  });

  it("refuses a form of the wrong shape for paper mode, or with an unknown field", function () {
    expect(() => runCheck("paper", [{ field: "creditScore", op: "ge", values: [600] }], {})).to.throw(
      /paper mode supports only "eq" conditions, got "ge"/,
    );
    expect(() => runCheck("decision", [{ field: "shoeSize", op: "ge", values: [40] }], {})).to.throw(
      /unknown credit field "shoeSize"/,
    );
    expect(() => runCheck("decision", [], {})).to.throw(/expected at least one condition, got none/);
    expect(() => runCheck("decision", [{ field: "creditScore", op: "ge", values: [900] }], {})).to.throw(
      /creditScore: expected a value between 300 and 850, got 900/,
    );
  });

  it("refuses a form the bureau has no value for", function () {
    expect(() => runCheck("decision", [{ field: "creditScore", op: "ge", values: [600] }], {})).to.throw(
      /the bureau holds no value of "creditScore"/,
    );
  });
});
