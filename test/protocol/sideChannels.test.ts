/**
 * The side channels a cheating bank could read besides the answer (issue 19 §3): the bureau's work on the bank's
 * values, which must not depend on which of them are zero, and a form naming a field the subject's record lacks,
 * which must be declined like any other unmet condition, never refused, with messages of the same shape and the same
 * work as when the field has data.
 */
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { expect } from "chai";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { APPLICANT } from "../helpers/samples";
import { fixtureKey } from "../paillier/helpers";
import { encrypt as dgkEncrypt, zeroTest } from "../../src/dgk";
import { modInverse } from "../../src/paillier/arith";
import {
  Ciphertext,
  ModularExponentiator,
  decrypt,
  encrypt,
  generateRandomizer,
  modPowCounters,
  multiplyByConstant,
  randomBelow,
  sum,
  type RandomizerSource,
} from "../../src/paillier";
import { buildForm, readAnswer, respondToChallenge } from "../../src/protocol/bank";
import {
  answerDecision,
  answerPaper,
  challenge,
  maskedScore,
  readForm,
  type SubjectValues,
} from "../../src/protocol/bureau";
import { bureauShare } from "../../src/protocol/comparison";
import { isScorecard, type Condition } from "../../src/protocol/form";
import { clampValue, parseScorecard, type Scorecard } from "../../src/protocol/scorecard";
import type { CheckContext } from "../../src/protocol/messages";
import type { CheckModeName } from "../../src/contractEnums";

/** The bureau's ring-Pedersen parameters (public part), under which the bank proves its key has no small factor. */
const BUREAU_PARAMETERS = fixtureRingPedersen().parameters;

const bank = fixtureKey(2048);
const comparisonKey = fixtureComparisonKey();
const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  checkId: "0x" + "55".repeat(32),
  keyFingerprint: bank.publicKey.fingerprint,
};

/**
 * The exponentiations `work` computes, sorted, as "modulus bits/route", with "/exponent bits" when `exponents` is set
 * (for work whose exponents are fixed, such as the zero test's; random exponents, the encryptions' and the proof
 * verification's, vary in length from run to run). A call answered without computing (a base of 0, 1 or −1) is no
 * work and is not listed; one OpenSSL redid (a result of 1) is listed as a fallback. Nothing else runs on this
 * thread meanwhile.
 */
async function exponentiations(work: () => unknown, { exponents = false } = {}): Promise<string[]> {
  const done: string[] = [];
  const original = Object.getOwnPropertyDescriptor(ModularExponentiator.prototype, "pow")!;
  const routeTaken = (before: ReturnType<typeof modPowCounters>) => {
    const after = modPowCounters();
    if (after.fallback > before.fallback) return "fallback";
    if (after.openssl > before.openssl) return "openssl";
    if (after.bigint > before.bigint) return "bigint";
    return undefined;
  };
  Object.defineProperty(ModularExponentiator.prototype, "pow", {
    ...original,
    value(this: ModularExponentiator, base: bigint, exponent: bigint) {
      const before = modPowCounters();
      const result = (original.value as ModularExponentiator["pow"]).call(this, base, exponent);
      const route = routeTaken(before);
      const size = exponents ? `/${exponent.toString(2).length}` : "";
      if (route) done.push(`${this.modulus.toString(2).length}/${route}${size}`);
      return result;
    },
  });
  try {
    await work();
  } finally {
    Object.defineProperty(ModularExponentiator.prototype, "pow", original);
  }
  return done.sort();
}

/** `count` DGK ciphertexts of the comparison key, those at `zeros` encrypting 0, the others a non-zero value. */
function values(count: number, zeros: (i: number) => boolean): bigint[] {
  const { u } = comparisonKey.publicKey;
  return Array.from({ length: count }, (_, i) =>
    dgkEncrypt(comparisonKey.publicKey, zeros(i) ? 0n : 1n + randomBelow(u - 1n)),
  );
}

/** The zero test's exponents are fixed by the key (v_p − 1, u, u·v_q − 1): compare their lengths too. */
const EXACT = { exponents: true };

describe("Side channels of a check", function () {
  describe("timing: the bureau's zero tests do the same work whatever the bank's values encrypt", function () {
    it("one zero test: the same exponentiations for a zero and for a non-zero value", async function () {
      const [zero] = values(1, () => true);
      const [nonZero] = values(1, () => false);
      const work = await exponentiations(() => expect(zeroTest(comparisonKey, zero)).to.equal(true), EXACT);
      expect(work.length).to.be.greaterThan(0);
      expect(
        await exponentiations(() => expect(zeroTest(comparisonKey, nonZero)).to.equal(false), EXACT),
      ).to.deep.equal(work);
    });

    it("a comparison's values: the same exponentiations with none, one (first, middle or last) or all of them zero", async function () {
      const count = 11; // a 10-bit field's comparison
      const cases: [string, (i: number) => boolean, 0 | 1][] = [
        ["no zero", () => false, 0],
        ["the first zero", (i) => i === 0, 1],
        ["a middle one zero", (i) => i === 5, 1],
        ["the last zero", (i) => i === count - 1, 1],
        ["all zero", () => true, 1],
      ];
      const [, noZero] = cases[0];
      const none = values(count, noZero);
      const reference = await exponentiations(() => bureauShare(comparisonKey, none), EXACT);
      expect(reference.length).to.be.at.least(count);
      for (const [name, zeros, share] of cases) {
        const list = values(count, zeros);
        const work = await exponentiations(() => expect(bureauShare(comparisonKey, list)).to.equal(share), EXACT);
        expect(work, name).to.deep.equal(reference);
      }
    });
  });

  describe("timing: the bureau's masked score does the same work whatever the subject's values", function () {
    const SCORECARD: Scorecard = {
      weights: { annualIncome: 3, defaultsFiveYears: -400, debtToIncome: -2, bankruptcy: 1000 },
      cutoff: 0,
      clamp: { annualIncome: ["0", "500000"] },
      weightBits: 12,
    };
    const parsed = parseScorecard(SCORECARD);
    const form = buildForm(bank, CONTEXT, "decision", [{ scorecard: SCORECARD }], BUREAU_PARAMETERS);
    const [received] = readForm(bank.publicKey, CONTEXT, form.bytes, form.hash, BUREAU_PARAMETERS).conditions;
    if (!isScorecard(received)) throw new Error("expected the form's scorecard");
    /** One randomizer for E(R), so that the score can be compared with the direct product's. */
    const randomizer = generateRandomizer(bank.publicKey);
    const pool: RandomizerSource = { publicKey: bank.publicKey, takeRandomizer: () => randomizer };
    const record = (annualIncome: bigint, defaultsFiveYears: bigint, debtToIncome: bigint, bankruptcy: bigint) =>
      new Map([
        ["annualIncome", annualIncome],
        ["defaultsFiveYears", defaultsFiveYears],
        ["debtToIncome", debtToIncome],
        ["bankruptcy", bankruptcy],
      ]);
    const records: [string, SubjectValues][] = [
      ["every value 0", record(0n, 0n, 0n, 0n)],
      ["small values", record(1n, 1n, 5n, 1n)],
      ["values at their bounds (annualIncome past its clamp)", record(10_000_000n, 100n, 100_000n, 1n)],
    ];

    it("the same exponentiations, exponents of the same lengths, for values at 0, small and at their bounds", async function () {
      const [, reference] = records[0];
      const work = await exponentiations(() => maskedScore(received, reference, undefined, pool), EXACT);
      // One per field, one taking the shift off; E(R)'s randomizer comes from the pool.
      expect(work.length).to.equal(parsed.shape.fields.length + 1);
      for (const [name, values] of records.slice(1)) {
        expect(await exponentiations(() => maskedScore(received, values, undefined, pool), EXACT), name).to.deep.equal(
          work,
        );
      }
    });

    it("the same exponentiations, none redone, when the bank sends a weight ciphertext of order 2", async function () {
      // c ≡ −1 (mod p²), c ≡ 1 (mod q²): E(0) with a randomizer of order 2, which Π^enc does not exclude. Raised as it
      // came, c^(x + s) = 1 for x + s even: OpenSSL refuses that result and the exponentiator redoes it.
      const { p, q } = bank;
      const [pSquared, qSquared] = [p * p, q * q];
      const orderTwo = 1n + qSquared * (((-2n * modInverse(qSquared, pSquared)) % pSquared) + pSquared);
      const crafted = { ...received, weights: [...received.weights] };
      crafted.weights[3] = Ciphertext.fromBigInt(bank.publicKey, orderTwo % bank.publicKey.nSquared);
      const even = await exponentiations(() => maskedScore(crafted, record(0n, 0n, 0n, 0n), undefined, pool), EXACT);
      const odd = await exponentiations(() => maskedScore(crafted, record(0n, 0n, 0n, 1n), undefined, pool), EXACT);
      expect(odd).to.deep.equal(even);
      expect(even.filter((step) => step.includes("fallback"))).to.deep.equal([]);
    });

    it("the score is the direct product Π E(w_i)^{x_i} · E(w_0) · E(R), decrypting to Σ w_i·x_i + w_0 + R", function () {
      for (const [name, values] of records) {
        const { score, mask, parameters } = maskedScore(received, values, undefined, pool);
        const clamped = parameters.fields.map((field, i) => clampValue(values.get(field.name)!, parameters.ranges[i]));
        const direct = sum([
          ...received.weights.map((weight, i) => multiplyByConstant(weight, clamped[i])),
          received.offset,
          encrypt(bank.publicKey, mask, { pool }),
        ]);
        expect(score.value, name).to.equal(direct.value);
        const weighted = parsed.weights.reduce((total, w, i) => total + w * clamped[i], 0n);
        expect(decrypt(bank, score), name).to.equal(weighted + parsed.offset + mask);
      }
    });
  });

  describe("NoData: a field the subject's record lacks does not meet its condition, whatever the operator", function () {
    const WITHOUT_DEBT: SubjectValues = new Map([...APPLICANT].filter(([field]) => field !== "debtToIncome"));
    const DEBT_TEMPLATE: Condition[] = [
      { field: "creditScore", op: "ge", values: [650] },
      { field: "debtToIncome", op: "le", values: ["35"] },
    ];

    /** An honest check run to the bank's reading of the answer, its messages and the bureau's work at each step. */
    async function check(mode: CheckModeName, conditions: readonly Condition[], values: SubjectValues) {
      const form = buildForm(bank, CONTEXT, mode, conditions, BUREAU_PARAMETERS);
      const received = readForm(bank.publicKey, CONTEXT, form.bytes, form.hash, BUREAU_PARAMETERS);
      if (mode === "paper") {
        let answer!: Awaited<ReturnType<typeof answerPaper>>;
        const answerWork = await exponentiations(async () => (answer = await answerPaper(CONTEXT, received, values)));
        const view = readAnswer(bank, CONTEXT, form, answer.bytes, answer.hash);
        return { view, sizes: [answer.bytes.length], work: [answerWork] };
      }
      let ch!: ReturnType<typeof challenge>;
      const challengeWork = await exponentiations(() => (ch = challenge(comparisonKey, CONTEXT, received, values)));
      const response = respondToChallenge(bank, CONTEXT, form, ch.bytes, ch.hash, comparisonKey.publicKey);
      let answer!: Awaited<ReturnType<typeof answerDecision>>;
      const answerWork = await exponentiations(
        async () =>
          (answer = await answerDecision(
            bank.publicKey,
            comparisonKey,
            CONTEXT,
            ch.state,
            response.bytes,
            response.hash,
            { parameters: BUREAU_PARAMETERS },
          )),
      );
      const view = readAnswer(bank, CONTEXT, form, answer.bytes, answer.hash, response.shares);
      return { view, sizes: [ch.bytes.length, answer.bytes.length], work: [challengeWork, answerWork] };
    }

    const decisionForms: [string, Condition[]][] = [
      ["le", DEBT_TEMPLATE],
      ["ge at the field's least value (met by every value)", [{ field: "debtToIncome", op: "ge", values: ["0"] }]],
      [
        "le at the field's greatest value (met by every value)",
        [{ field: "debtToIncome", op: "le", values: ["1000"] }],
      ],
      ["ne", [{ field: "debtToIncome", op: "ne", values: ["35"] }]],
      ["between the field's bounds", [{ field: "debtToIncome", op: "between", values: ["0", "1000"] }]],
      ["in", [{ field: "debtToIncome", op: "in", values: ["28.5", "0"] }]],
      [
        "a scorecard on it (the clamp's bound stands in for the value)",
        [
          {
            scorecard: {
              weights: { creditScore: 3, debtToIncome: -2 },
              cutoff: -10_000,
              clamp: { debtToIncome: ["0", "60"] },
              weightBits: 12,
            },
          },
        ],
      ],
    ];
    for (const [name, conditions] of decisionForms) {
      it(`decision mode, ${name}: approved with the data, declined without it, never refused; messages of the same size and the same work`, async function () {
        const withData = await check("decision", conditions, APPLICANT);
        expect(withData.view.approved, "the control: the applicant with data meets the form").to.equal(true);
        const without = await check("decision", conditions, WITHOUT_DEBT);
        expect(without.view.approved).to.equal(false);
        expect(without.sizes).to.deep.equal(withData.sizes);
        expect(without.work).to.deep.equal(withData.work);
      });
    }

    it("paper mode: an equality on a field without data is not met, in a result of the same size and the same work", async function () {
      const conditions: Condition[] = [
        { field: "creditScore", op: "eq", values: [712] },
        { field: "debtToIncome", op: "eq", values: ["28.5"] },
      ];
      const withData = await check("paper", conditions, APPLICANT);
      expect(withData.view.matches).to.deep.equal([true, true]);
      const without = await check("paper", conditions, WITHOUT_DEBT);
      expect([...without.view.matches].sort()).to.deep.equal([false, true]);
      expect(without.view.approved).to.equal(false);
      expect(without.sizes).to.deep.equal(withData.sizes);
      expect(without.work).to.deep.equal(withData.work);
    });
  });
});
