/**
 * Privacy as a tested property: what the bank decrypts carries nothing beyond the decision it may
 * learn. Each test has a negative control (a construction that leaks) that the same statistical
 * test must catch, so the tests can fail.
 *
 * (a) Paper mode: over many non-matching checks, the values the bank decrypts are independent of
 *     the difference x − t; the paper's unblinded E(x − t) is caught.
 * (b) Decision mode: the bank's whole view is distributed alike whether the applicant failed the
 *     first condition, the last, or all; a variant that returns shuffled per-condition results is caught.
 * (c) Decision mode, the bureau's view of the comparisons: its shares, where a zero is and what the other
 *     values decrypt to are distributed alike whether the subject meets the bank's threshold or not; a bank
 *     that does not flip its coin (s always 1) is caught.
 *
 * Chi-square tests of independence at significance 0.001 (a false alarm once in a thousand runs).
 */
import { expect } from "chai";
import { bureauViewOf, fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { chiSquareIndependence, contingency } from "../helpers/stats";
import { DEFAULT_SCHEMA } from "../../src/protocol/schema";
import {
  addConstant,
  decryptRaw,
  multiplyByConstant,
  negate,
  randomBelow,
  randomUnit,
  rerandomize,
  RandomnessPool,
} from "../../src/paillier";
import { buildForm, respondToChallenge, readAnswer } from "../../src/protocol/bank";
import { answerDecision, answerPaper, challenge, encryptedMisses, readForm } from "../../src/protocol/bureau";
import { parseCiphertext as parseDgkCiphertext } from "../../src/dgk";
import { blindedComparison, bureauShare, shuffle } from "../../src/protocol/comparison";
import { PROTOCOL, decodeMessage, readArray, readCiphertext, type CheckContext } from "../../src/protocol/messages";
import {
  comparisonsOf,
  isScorecard,
  parseForm,
  thresholdConditionsOnly,
  type Condition,
} from "../../src/protocol/form";

/** The bureau's ring-Pedersen parameters (public part), under which the bank proves its key has no small factor. */
const BUREAU_PARAMETERS = fixtureRingPedersen().parameters;

const ALPHA = 0.001;
const key = fixtureKey(2048);
const comparisonKey = fixtureComparisonKey();
const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  checkId: "0x" + "22".repeat(32),
  keyFingerprint: key.publicKey.fingerprint,
};

describe("Privacy", function () {
  let pool: RandomnessPool;
  before(async function () {
    // The bureau's randomizers, filled by a worker on the other core.
    pool = new RandomnessPool(key.publicKey, { capacity: 256 });
  });
  after(async function () {
    await pool.close();
  });

  it("the chi-square test itself: known p-values", function () {
    const approx = (x: number, y: number) => Math.abs(x - y) < 1e-3;
    // A 2×2 table with statistic 3.841 at one degree of freedom has p = 0.05.
    expect(
      chiSquareIndependence([
        [60, 40],
        [40, 60],
      ]).pValue,
    ).to.satisfy((p: number) => approx(p, 0.0047));
    expect(
      chiSquareIndependence([
        [50, 50],
        [50, 50],
      ]).pValue,
    ).to.equal(1);
    expect(
      chiSquareIndependence([
        [100, 0],
        [0, 100],
      ]).pValue,
    ).to.be.below(1e-40);
  });

  describe("(a) paper mode: non-matching results are independent of x − t", function () {
    const CONDITION: Condition[] = [{ field: "annualIncome", op: "eq", values: [50_000] }];
    const SMALL = [1n, 2n, 3n, 4n];
    const LARGE = [1_000n, 2_500n, 4_000n, 5_000n];
    const RUNS = 96;

    /** What the bank decrypts from one non-matching check, as a category: the residue modulo 8. */
    async function observe(
      difference: bigint,
      answer: (formBytes: Uint8Array, hash: string, x: bigint) => Promise<Uint8Array>,
    ): Promise<string> {
      const form = buildForm(key, CONTEXT, "paper", CONDITION, BUREAU_PARAMETERS);
      const bytes = await answer(form.bytes, form.hash, 50_000n + difference);
      const body = decodeMessage(bytes, "answer", CONTEXT);
      const [result] = readArray(body.results, "results", 1).map((r) => readCiphertext(key.publicKey, r, "result"));
      return String(decryptRaw(key, result) % 8n);
    }

    const blinded = async (formBytes: Uint8Array, hash: string, x: bigint) =>
      (
        await answerPaper(
          CONTEXT,
          readForm(key.publicKey, CONTEXT, formBytes, hash, BUREAU_PARAMETERS),
          new Map([["annualIncome", x]]),
          {
            pool,
          },
        )
      ).bytes;

    /** The paper's own construction, E(M_i) × E(M)^−1 with no blinding: the negative control. */
    const unblinded = async (formBytes: Uint8Array, hash: string, x: bigint) => {
      const form = readForm(key.publicKey, CONTEXT, formBytes, hash, BUREAU_PARAMETERS);
      const [condition] = form.conditions;
      if (isScorecard(condition)) throw new Error("expected the form's equality condition");
      const difference = rerandomize(addConstant(negate(condition.value!), x), { pool });
      return new TextEncoder().encode(
        JSON.stringify({
          protocol: PROTOCOL,
          stage: "answer",
          schema: { id: DEFAULT_SCHEMA.id, version: DEFAULT_SCHEMA.version, hash: DEFAULT_SCHEMA.hash },
          context: contextJson(),
          body: { results: [difference.toHex()] },
        }),
      );
    };

    async function sample(answer: typeof blinded): Promise<string[][]> {
      const samples: string[][] = [];
      for (const differences of [SMALL, LARGE]) {
        const row: string[] = [];
        for (let i = 0; i < RUNS; i++) row.push(await observe(differences[i % differences.length], answer));
        samples.push(row);
      }
      return samples;
    }

    it("passes for the blinded results E(r · (x − t))", async function () {
      const { pValue } = chiSquareIndependence(contingency(await sample(blinded)));
      expect(pValue, "decrypted values depend on x − t").to.be.above(ALPHA);
    });

    it("fails for the paper's unblinded E(x − t) (negative control)", async function () {
      const { pValue } = chiSquareIndependence(contingency(await sample(unblinded)));
      expect(pValue).to.be.below(ALPHA);
    });
  });

  describe("(b) decision mode: the bank's view does not depend on which conditions failed", function () {
    // The applicant has no bankruptcy (0). Three one-comparison conditions per form; the scenarios
    // move which of them fail.
    const holdsA: Condition = { field: "bankruptcy", op: "le", values: [0] };
    const holdsB: Condition = { field: "bankruptcy", op: "lt", values: [1] };
    const failsA: Condition = { field: "bankruptcy", op: "ge", values: [1] };
    const failsB: Condition = { field: "bankruptcy", op: "gt", values: [0] };
    const failsC: Condition = { field: "bankruptcy", op: "lt", values: [0] };
    const SCENARIOS: Record<string, Condition[]> = {
      "fails the first": [failsA, holdsA, holdsB],
      "fails the last": [holdsA, holdsB, failsB],
      "fails all": [failsA, failsB, failsC],
    };
    const RUNS = 50;
    const VALUES = new Map([["bankruptcy", 0n]]);
    const FEATURES = ["shares", "zeros", "residues"] as const;

    /**
     * The bank's whole view of one check, feature by feature: its share of every comparison, how
     * many of the results it decrypts are zero, and their residues modulo 4 (sorted: the order
     * results come in does not count).
     */
    async function observe(
      conditions: Condition[],
      perCondition: boolean,
    ): Promise<Record<(typeof FEATURES)[number], string>> {
      const form = buildForm(key, CONTEXT, "decision", conditions, BUREAU_PARAMETERS);
      const received = readForm(key.publicKey, CONTEXT, form.bytes, form.hash, BUREAU_PARAMETERS);
      const ch = challenge(comparisonKey, CONTEXT, received, VALUES);
      const response = respondToChallenge(key, CONTEXT, form, ch.bytes, ch.hash, comparisonKey.publicKey);
      let results;
      if (perCondition) {
        // The negative control: each condition's blinded miss, shuffled, like the paper's A[n].
        const body = decodeMessage(response.bytes, "response", CONTEXT);
        const shares = readArray(body.shares, "shares").map((s) => readCiphertext(key.publicKey, s, "share"));
        const bureauShares = readArray(body.comparisons, "comparisons").map((values) =>
          bureauShare(
            comparisonKey,
            readArray(values, "values").map((v) => parseDgkCiphertext(comparisonKey.publicKey, v, "value")),
          ),
        );
        results = encryptedMisses(ch.state, bureauShares, shares).map((m) =>
          rerandomize(multiplyByConstant(m, randomUnit(key.publicKey.n)), { pool }),
        );
        shuffle(results);
      } else {
        const answer = await answerDecision(
          key.publicKey,
          comparisonKey,
          CONTEXT,
          ch.state,
          response.bytes,
          response.hash,
          {
            pool,
          },
        );
        expect(readAnswer(key, CONTEXT, form, answer.bytes, answer.hash, response.shares).approved).to.equal(false);
        results = [readCiphertext(key.publicKey, decodeMessage(answer.bytes, "answer", CONTEXT).answer, "answer")];
      }
      const plaintexts = results.map((r) => decryptRaw(key, r));
      return {
        shares: response.shares.join(""),
        zeros: String(plaintexts.filter((m) => m === 0n).length),
        residues: plaintexts
          .filter((m) => m !== 0n)
          .map((m) => String(m % 4n))
          .sort()
          .join(","),
      };
    }

    /** The smallest p-value over the features, against α divided among them (Bonferroni). */
    async function leastPValue(perCondition: boolean): Promise<number> {
      const views: Record<(typeof FEATURES)[number], string>[][] = [];
      for (const conditions of Object.values(SCENARIOS)) {
        const row = [];
        for (let i = 0; i < RUNS; i++) row.push(await observe(conditions, perCondition));
        views.push(row);
      }
      return Math.min(
        ...FEATURES.map(
          (feature) => chiSquareIndependence(contingency(views.map((v) => v.map((x) => x[feature])))).pValue,
        ),
      );
    }

    it("passes for the one-bit answer E(ρ · (k − Σ holds_i))", async function () {
      expect(await leastPValue(false), "the bank's view depends on which conditions failed").to.be.above(
        ALPHA / FEATURES.length,
      );
    });

    it("fails for shuffled per-condition results (negative control)", async function () {
      expect(await leastPValue(true)).to.be.below(ALPHA / FEATURES.length);
    });
  });

  describe("(c) decision mode: the bureau's view does not depend on the bank's threshold", function () {
    // The subject has no bankruptcy (0): "≥ 0" holds, "≥ 1" fails. One comparison per check.
    const SCENARIOS: Condition[][] = [
      [{ field: "bankruptcy", op: "ge", values: [0] }],
      [{ field: "bankruptcy", op: "ge", values: [1] }],
    ];
    const RUNS = 80;
    const VALUES = new Map([["bankruptcy", 0n]]);
    const FEATURES = ["share", "zeroAt", "residues"] as const;

    /** What the bureau sees of one comparison: its share, where the zero is, the other values modulo 4. */
    function observe(conditions: Condition[], coin: () => 0 | 1): Record<(typeof FEATURES)[number], string> {
      const form = buildForm(key, CONTEXT, "decision", conditions, BUREAU_PARAMETERS);
      const ch = challenge(
        comparisonKey,
        CONTEXT,
        readForm(key.publicKey, CONTEXT, form.bytes, form.hash, BUREAU_PARAMETERS),
        VALUES,
      );
      const [operand] = readArray(decodeMessage(ch.bytes, "challenge", CONTEXT).operands, "operands", 1);
      const bits = readArray(operand, "operand").map((b) => parseDgkCiphertext(comparisonKey.publicKey, b, "bit"));
      const [comparison] = comparisonsOf(thresholdConditionsOnly(parseForm(conditions, "decision"))[0]);
      return bureauViewOf(
        comparisonKey,
        blindedComparison(comparisonKey.publicKey, bits, comparison.threshold, coin()),
      );
    }

    function leastPValue(coin: () => 0 | 1): number {
      const views = SCENARIOS.map((conditions) => Array.from({ length: RUNS }, () => observe(conditions, coin)));
      return Math.min(
        ...FEATURES.map(
          (feature) => chiSquareIndependence(contingency(views.map((v) => v.map((x) => x[feature])))).pValue,
        ),
      );
    }

    it("passes for the bank's uniform secret coin", function () {
      const coin = () => Number(randomBelow(2n)) as 0 | 1;
      expect(leastPValue(coin), "the bureau's view depends on the threshold").to.be.above(ALPHA / FEATURES.length);
    });

    it("fails for a bank that never flips its coin (negative control)", function () {
      expect(leastPValue(() => 0)).to.be.below(ALPHA / FEATURES.length);
    });
  });
});

function contextJson() {
  return {
    chainId: CONTEXT.chainId.toString(),
    contract: CONTEXT.contract.toLowerCase(),
    checkId: CONTEXT.checkId,
    keyFingerprint: CONTEXT.keyFingerprint,
  };
}
