/**
 * Privacy of a blind scorecard as a tested property, each test with negative controls that the same statistical test
 * must catch (chi-square tests of independence at α = 0.001, as test/protocol/privacy.test.ts):
 *
 * (a) The bank's view of the masked score, d = S + 2^ℓ + R, is distributed alike for two subjects whose scores S
 *     differ by nearly 2^(ℓ−1) (one meets the cut-off exactly, the other is far below): by d mod 2^8 and by whether
 *     d's bits from ℓ up are all zero (where S would show through a narrow mask). An unmasked d (R = 0) and a mask
 *     only 4 bits wider than the sum (κ = ℓ + 4) are caught.
 * (b) The bureau's view of the scorecard's comparison (its share, where a zero is, the other values modulo 4) is
 *     distributed alike whether the scorecard holds or not; a bank that never flips its coin is caught.
 */
import { expect } from "chai";
import { bureauViewOf, fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { chiSquareIndependence, contingency } from "../helpers/stats";
import { fixtureKey } from "../paillier/helpers";
import { parseCiphertext as parseDgkCiphertext } from "../../src/dgk";
import { Ciphertext, decryptRaw, generateRandomizer, randomBelow, type RandomizerSource } from "../../src/paillier";
import { buildForm } from "../../src/protocol/bank";
import {
  challenge,
  maskedScore,
  readForm,
  scorecardMaskWidthForTests,
  type ReceivedScorecard,
} from "../../src/protocol/bureau";
import { blindedComparison } from "../../src/protocol/comparison";
import { isScorecard } from "../../src/protocol/form";
import { decodeMessage, readArray, type CheckContext } from "../../src/protocol/messages";
import { parseScorecard, type Scorecard, type ScorecardParameters } from "../../src/protocol/scorecard";

const ALPHA = 0.001;
const PARAMETERS = fixtureRingPedersen().parameters;
const bank = fixtureKey(2048);
const comparisonKey = fixtureComparisonKey();
const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  checkId: "0x" + "b2".repeat(32),
  keyFingerprint: bank.publicKey.fingerprint,
};

/**
 * The bureau's randomizers for the bank's key: one, reused. The ciphertexts' randomness plays no part in what the
 * bank decrypts, which is what these tests look at, and a fresh r^n per sample would cost most of their time.
 */
const oneRandomizer: RandomizerSource = (() => {
  const randomizer = generateRandomizer(bank.publicKey);
  return { publicKey: bank.publicKey, takeRandomizer: () => randomizer };
})();

/** The scorecard as the bureau reads it from the bank's form. */
function received(scorecard: Scorecard): ReceivedScorecard {
  const form = buildForm(bank, CONTEXT, "decision", [{ scorecard }], PARAMETERS);
  const [condition] = readForm(bank.publicKey, CONTEXT, form.bytes, form.hash, PARAMETERS).conditions;
  if (!isScorecard(condition)) throw new Error("expected the form's scorecard");
  return condition;
}

/** The smallest p-value over the features, against α divided among them (Bonferroni). */
function leastPValue<F extends string>(views: Record<F, string>[][], features: readonly F[]): number {
  return Math.min(
    ...features.map((feature) => chiSquareIndependence(contingency(views.map((v) => v.map((x) => x[feature])))).pValue),
  );
}

/** Runs `work` with the mask's width replaced (the test hook), or the protocol's when `maskBits` is undefined. */
function withMaskWidth<T>(maskBits: ((p: ScorecardParameters) => number) | undefined, work: () => T): T {
  scorecardMaskWidthForTests.maskBits = maskBits;
  try {
    return work();
  } finally {
    scorecardMaskWidthForTests.maskBits = undefined;
  }
}

describe("Blind scorecard privacy", function () {
  this.timeout(600_000);

  describe("(a) the bank's view d does not depend on the subject's score", function () {
    // 15·yearsOfHistory clamped to [0, 68] ≥ 1020: B = 1020, ℓ = 11 (2B = 2040 < 2048). Years 68: S = 0, the cut-off
    // exactly; years 0: S = −1020, the farthest a subject can be from it (|ΔS| = B, nearly 2^(ℓ−1)).
    const CARD: Scorecard = {
      weights: { yearsOfHistory: 15 },
      cutoff: 1020,
      clamp: { yearsOfHistory: [0, 68] },
      weightBits: 4,
    };
    const { comparisonBits } = parseScorecard(CARD).parameters;
    const SUBJECTS = [68n, 0n].map((years) => new Map([["yearsOfHistory", years]]));
    const RUNS = 1000;
    const FEATURES = ["low", "high"] as const;

    function sample(): number {
      const scorecard = received(CARD);
      const views = SUBJECTS.map((values) =>
        Array.from({ length: RUNS }, () => {
          const { score } = maskedScore(scorecard, values, undefined, oneRandomizer);
          const d = decryptRaw(bank, score);
          return { low: String(d % 256n), high: String(d >> BigInt(comparisonBits) === 0n ? 0 : 1) };
        }),
      );
      return leastPValue(views, FEATURES);
    }

    it("the parameters the controls are sized for: ℓ = 11", function () {
      expect(comparisonBits).to.equal(11);
    });

    it("passes with the protocol's mask, κ = ℓ + 344", function () {
      expect(withMaskWidth(undefined, sample), "d depends on S").to.be.above(ALPHA / FEATURES.length);
    });

    it("fails for an unmasked d, R = 0 (negative control)", function () {
      expect(withMaskWidth(() => 0, sample)).to.be.below(ALPHA / FEATURES.length);
    });

    it("fails for a mask only 4 bits wider than the sum, κ = ℓ + 4 (negative control)", function () {
      expect(withMaskWidth((p) => p.comparisonBits + 4, sample)).to.be.below(ALPHA / FEATURES.length);
    });
  });

  describe("(b) the bureau's view of the scorecard's comparison does not depend on whether it holds", function () {
    // yearsOfHistory ≥ 50: years 50 holds with S = 0, years 49 fails with S = −1, the closest pair.
    const CARD: Scorecard = { weights: { yearsOfHistory: 1 }, cutoff: 50, weightBits: 2 };
    const SUBJECTS = [50n, 49n].map((years) => new Map([["yearsOfHistory", years]]));
    const RUNS = 80;
    const FEATURES = ["share", "zeroAt", "residues"] as const;

    /** What the bureau sees of one check's scorecard comparison, the bank answering as the protocol says. */
    function observe(scorecard: ReceivedScorecard, values: Map<string, bigint>, coin: () => 0 | 1) {
      const ch = challenge(
        comparisonKey,
        CONTEXT,
        { mode: "decision", conditions: [scorecard] },
        values,
        undefined,
        oneRandomizer,
      );
      const body = decodeMessage(ch.bytes, "challenge", CONTEXT);
      const [operand] = readArray(body.operands, "operands", 1);
      const bits = readArray(operand, "operand").map((b) => parseDgkCiphertext(comparisonKey.publicKey, b, "bit"));
      // The bank's operand, as it computes it: (2^ℓ − 1) − (d mod 2^ℓ).
      const d = decryptRaw(bank, Ciphertext.fromHex(bank.publicKey, readArray(body.scores, "scores", 1)[0] as string));
      const low = (1n << BigInt(bits.length)) - 1n;
      return bureauViewOf(comparisonKey, blindedComparison(comparisonKey.publicKey, bits, low - (d & low), coin()));
    }

    function sample(coin: () => 0 | 1): number {
      const scorecard = received(CARD);
      return leastPValue(
        SUBJECTS.map((values) => Array.from({ length: RUNS }, () => observe(scorecard, values, coin))),
        FEATURES,
      );
    }

    it("passes for the bank's uniform secret coin", function () {
      expect(
        sample(() => Number(randomBelow(2n)) as 0 | 1),
        "the bureau's view depends on the outcome",
      ).to.be.above(ALPHA / FEATURES.length);
    });

    it("fails for a bank that never flips its coin (negative control)", function () {
      expect(sample(() => 0)).to.be.below(ALPHA / FEATURES.length);
    });
  });
});
