/**
 * From a fitted model to a scorecard (src/protocol/model.ts): known conversions worked by hand, every refusal with
 * its numbers, and a property test against the float model: the integer scorecard decides as the model does for
 * every applicant farther than the documented bound from the cut-off, and the bound holds for every applicant.
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  convertModel,
  modelMargin,
  MODEL_FORMAT,
  parseModelFile,
  scorecardFromModel,
  type ModelScorecard,
  type ScorecardModel,
} from "../../src/protocol/model";
import { DEFAULT_SCHEMA, fieldNamed, parseFieldValue } from "../../src/protocol/schema";
import { MAX_WEIGHT_BITS, parseScorecard, scorecardHolds } from "../../src/protocol/scorecard";
import { APPLICANT } from "../helpers/samples";

/** Σ w_i·clamp(x_i) − T, the integer scorecard's margin, computed here apart from the code under test. */
function integerMargin(scorecard: ModelScorecard, values: ReadonlyMap<string, bigint>): bigint {
  let sum = 0n;
  for (const [name, weight] of Object.entries(scorecard.weights)) {
    const field = fieldNamed(name);
    const [low, high] = scorecard.clamp?.[name]?.map((v) => parseFieldValue(field, v)) ?? [field.min, field.max];
    const x = values.get(name)!;
    sum += BigInt(weight) * (x < low ? low : x > high ? high : x);
  }
  return sum - BigInt(scorecard.cutoff);
}

describe("scorecardFromModel", function () {
  describe("known conversions", function () {
    it("scales one coefficient to the largest power of two under 2^weightBits, the cut-off rounded up", function () {
      // c = 0.012 per point: 0.012·2^26 = 805,306.37 < 2^20 − 1 and 0.012·2^27 = 1,610,612.7 is not.
      const conversion = convertModel({ intercept: -6, coefficients: { creditScore: 0.012 } });
      expect(conversion.scaleBits).to.equal(26);
      expect(conversion.scorecard).to.deep.equal({
        weights: { creditScore: 805_306 },
        cutoff: 402_653_184,
        weightBits: 20,
      });
      // 6 / 0.012 = 500 points is the float cut-off; the integer one is ⌈402,653,184 / 805,306⌉ = 500 too.
      expect(conversion.errorBound).to.be.closeTo(Math.abs(805_306 / 2 ** 26 - 0.012) * 850, 1e-15);
      expect(conversion.cutoffLogOdds).to.equal(0);
    });

    it("divides a coefficient by the field's decimals, keeps negative weights and takes logit(threshold)", function () {
      // debtToIncome: −0.04 per percent is −0.0004 per stored hundredth; creditScore's 0.012 sets the scale.
      const conversion = convertModel({
        intercept: -3,
        coefficients: { creditScore: 0.012, debtToIncome: -0.04 },
        threshold: 0.8,
      });
      expect(conversion.scaleBits).to.equal(26);
      expect(conversion.scorecard.weights).to.deep.equal({ creditScore: 805_306, debtToIncome: -26_844 });
      expect(conversion.cutoffLogOdds).to.be.closeTo(Math.log(4), 1e-15);
      expect(conversion.scorecard.cutoff).to.equal(Math.ceil((Math.log(4) + 3) * 2 ** 26));
    });

    it("writes the clamps in the field's units and bounds the error by the clamped range", function () {
      const clamped = convertModel(
        { intercept: -1, coefficients: { annualIncome: 0.00002, creditScore: 0.01 } },
        { clamp: { annualIncome: [0, 250_000] } },
      );
      const open = convertModel({ intercept: -1, coefficients: { annualIncome: 0.00002, creditScore: 0.01 } });
      expect(clamped.scorecard.clamp).to.deep.equal({ annualIncome: ["0", "250000"] });
      expect(open.scorecard.clamp).to.equal(undefined);
      expect(clamped.errorBound).to.be.below(open.errorBound);
    });

    it("leaves out a field whose coefficient is exactly zero", function () {
      const conversion = convertModel({ intercept: -6, coefficients: { creditScore: 0.012, bankruptcy: 0 } });
      expect(Object.keys(conversion.scorecard.weights)).to.deep.equal(["creditScore"]);
      expect(conversion.unusedFields).to.deep.equal(["bankruptcy"]);
    });

    it("uses the whole width: some weight needs exactly weightBits bits", function () {
      for (const weightBits of [12, 20, 32, MAX_WEIGHT_BITS]) {
        const { scorecard } = convertModel(
          { intercept: 0.1, coefficients: { creditScore: 0.0137, debtToIncome: -0.051, bankruptcy: -1.7 } },
          { weightBits },
        );
        const widest = Math.max(
          ...Object.values(scorecard.weights).map((w) => BigInt(w).toString(2).replace("-", "").length),
        );
        expect(widest, `weightBits ${weightBits}`).to.equal(weightBits);
      }
    });

    it("writes a cut-off beyond 2^53 as a decimal string", function () {
      const { scorecard } = convertModel(
        { intercept: -400, coefficients: { creditScore: 0.5, annualIncome: 0.00004 } },
        { weightBits: 52 },
      );
      expect(scorecard.cutoff).to.be.a("string");
      expect(scorecard.weights.creditScore).to.equal(2 ** 51);
      expect(BigInt(scorecard.cutoff) > BigInt(Number.MAX_SAFE_INTEGER)).to.equal(true);
    });

    it("scorecardFromModel returns the conversion's scorecard", function () {
      const model: ScorecardModel = { intercept: -6, coefficients: { creditScore: 0.012 } };
      expect(scorecardFromModel(model)).to.deep.equal(convertModel(model).scorecard);
    });
  });

  describe("refusals, with the numbers", function () {
    const cases: [string, ScorecardModel, Parameters<typeof convertModel>[1], RegExp][] = [
      [
        "an unknown field",
        { intercept: 0, coefficients: { salary: 1 } },
        {},
        /model: coefficient "salary": unknown credit field "salary" in schema blindcredit-default v1/,
      ],
      [
        "a coefficient that rounds to zero while another fills the width",
        { intercept: 0, coefficients: { creditScore: 1, bankruptcy: 1e-9 } },
        {},
        /the coefficient of bankruptcy \(1e-9 per flag\) rounds to zero at the scale 2\^19 that keeps creditScore's weight \(1 per points\) below 2\^20: per stored unit their ratio is 1\.00e\+9, which needs weightBits ≥ 30/,
      ],
      [
        "a coefficient no width can keep",
        { intercept: 0, coefficients: { creditScore: 1, bankruptcy: 1e-20 } },
        {},
        /more than weightBits 64 can hold: leave bankruptcy out of the model/,
      ],
      [
        "a cut-off above every sum",
        { intercept: -1e9, coefficients: { creditScore: 0.01 } },
        {},
        /the cut-off logit\(0\.5\) − intercept = 1000000000 scales to T = \d+ at 2\^\d+, beyond what the scorecard's sums can reach \(\|T\| ≤ B = \d+ = Σ \(2\^20 − 1\)·max\|x_i\|\): the model would decline every applicant/,
      ],
      [
        "a cut-off below every sum",
        { intercept: 1e9, coefficients: { creditScore: 0.01 } },
        {},
        /the model would approve every applicant/,
      ],
      [
        "a threshold of 1",
        { intercept: 0, coefficients: { creditScore: 1 }, threshold: 1 },
        {},
        /strictly between 0 and 1, got 1/,
      ],
      [
        "a threshold of 0",
        { intercept: 0, coefficients: { creditScore: 1 }, threshold: 0 },
        {},
        /strictly between 0 and 1, got 0/,
      ],
      [
        "weightBits 0",
        { intercept: 0, coefficients: { creditScore: 1 } },
        { weightBits: 0 },
        /weightBits from 1 to 64, got 0/,
      ],
      [
        "weightBits 65",
        { intercept: 0, coefficients: { creditScore: 1 } },
        { weightBits: 65 },
        /weightBits from 1 to 64, got 65/,
      ],
      [
        "no coefficient",
        { intercept: 0, coefficients: {} },
        {},
        /expected coefficients for at least one field, got none/,
      ],
      ["only zero coefficients", { intercept: 0, coefficients: { creditScore: 0 } }, {}, /every coefficient is zero/],
      [
        "a NaN coefficient",
        { intercept: 0, coefficients: { creditScore: NaN } },
        {},
        /coefficient of creditScore as a finite number, got NaN/,
      ],
      [
        "an infinite intercept",
        { intercept: Infinity, coefficients: { creditScore: 1 } },
        {},
        /intercept as a finite number, got Infinity/,
      ],
      [
        "a unit other than the schema's",
        { intercept: 0, coefficients: { debtToIncome: -4 }, units: { debtToIncome: "fraction" } },
        {},
        /coefficient of debtToIncome per "fraction", expected per the schema's unit "percent"/,
      ],
      [
        "a unit for a field without a coefficient",
        { intercept: 0, coefficients: { creditScore: 1 }, units: { debtToIncome: "percent" } },
        {},
        /a unit for debtToIncome, a field the model has no coefficient for/,
      ],
      [
        "a clamp out of the field's range",
        { intercept: 0, coefficients: { creditScore: 1 } },
        { clamp: { creditScore: [300, 900] } },
        /model clamp of creditScore: expected hi a value between 300 and 850, got "900"/,
      ],
      [
        "a clamp with low above high",
        { intercept: 0, coefficients: { creditScore: 1 } },
        { clamp: { creditScore: [700, 600] } },
        /model clamp of creditScore: expected lo ≤ hi, got 700 > 600/,
      ],
      [
        "a clamp on a field without a coefficient",
        { intercept: 0, coefficients: { creditScore: 1 } },
        { clamp: { annualIncome: [0, 1000] } },
        /model clamp: expected a clamp on a field with a weight, got one on "annualIncome"/,
      ],
    ];
    for (const [what, model, options, message] of cases) {
      it(`refuses ${what}`, function () {
        expect(() => convertModel(model, options)).to.throw(message);
      });
    }
  });

  describe("against the float model (property)", function () {
    const fieldNames = DEFAULT_SCHEMA.fields.map((f) => f.name);
    /** A coefficient per natural unit: a sign, a mantissa and a magnitude spread over eight decades. */
    const coefficient = fc
      .tuple(fc.double({ min: 1, max: 10, noNaN: true }), fc.integer({ min: -7, max: 0 }), fc.boolean())
      .map(([m, e, negative]) => (negative ? -1 : 1) * m * 10 ** e);
    const model = fc
      .record({
        fields: fc.subarray(fieldNames, { minLength: 1 }),
        betas: fc.array(coefficient, { minLength: 6, maxLength: 6 }),
        intercept: fc.double({ min: -20, max: 20, noNaN: true }),
        threshold: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        weightBits: fc.integer({ min: 12, max: 40 }),
      })
      .map(({ fields, betas, intercept, threshold, weightBits }) => ({
        model: { intercept, threshold, coefficients: Object.fromEntries(fields.map((f, i) => [f, betas[i]])) },
        weightBits,
      }));
    const applicant = fc
      .tuple(...DEFAULT_SCHEMA.fields.map((f) => fc.bigInt({ min: f.min, max: f.max })))
      .map((values) => new Map(fieldNames.map((name, i) => [name, values[i]])));

    it("agrees beyond the bound, and the bound holds for every applicant", function () {
      let decided = 0;
      fc.assert(
        fc.property(
          model,
          fc.array(applicant, { minLength: 20, maxLength: 20 }),
          ({ model, weightBits }, applicants) => {
            let conversion;
            try {
              conversion = convertModel(model, { weightBits });
            } catch (e) {
              // A random model may be unrepresentable (refusals are tested above); it must say so with its numbers.
              expect((e as Error).message).to.match(/rounds to zero|beyond what the scorecard's sums can reach/);
              return;
            }
            const { scorecard, scaleBits, errorBound } = conversion;
            // The form's own parser takes it, and its plaintext reference decides as the sum computed here.
            const parsed = parseScorecard(scorecard);
            // Floating-point noise of the float model itself: far below any bound worth the name.
            const noise =
              1e-12 *
              Object.entries(model.coefficients).reduce(
                (sum, [name, beta]) => sum + Math.abs(beta) * Number(fieldNamed(name).max),
                Math.abs(model.intercept) + 1,
              );
            for (const values of applicants) {
              const float = modelMargin(model, values);
              const integer = integerMargin(scorecard, values);
              expect(scorecardHolds(parsed, values)).to.equal(integer >= 0n);
              // The scorecard's own log-odds margin, g(x), before the cut-off's rounding up: within the bound of f(x).
              const exact =
                Number(integer + BigInt(scorecard.cutoff)) / 2 ** scaleBits +
                model.intercept -
                conversion.cutoffLogOdds;
              expect(Math.abs(exact - float)).to.be.at.most(errorBound + noise);
              if (Math.abs(float) > errorBound + noise) {
                decided += 1;
                expect(integer >= 0n, `float margin ${float}, bound ${errorBound}`).to.equal(float >= 0);
              }
            }
          },
        ),
        { numRuns: 300, seed: 22 },
      );
      expect(decided, "applicants far enough from the cut-off to be compared").to.be.above(3000);
    });

    it("decides the edge cases alike: the float cut-off hit exactly, and one stored unit either side", function () {
      // creditScore 0.015625 = 2^−6 per point is exact in binary: the scorecard is the model with no rounding.
      const exactModel = { intercept: -10, coefficients: { creditScore: 0.015625 } };
      const conversion = convertModel(exactModel);
      expect(conversion.errorBound).to.equal(0);
      for (const [score, approve] of [
        [639n, false],
        [640n, true],
        [641n, true],
      ] as const) {
        const values = new Map([...APPLICANT, ["creditScore", score]]);
        expect(integerMargin(conversion.scorecard, values) >= 0n, `score ${score}`).to.equal(approve);
        expect(modelMargin(exactModel, values) >= 0, `score ${score}`).to.equal(approve);
      }
    });
  });
});

describe("parseModelFile", function () {
  const good = {
    format: MODEL_FORMAT,
    intercept: -6,
    coefficients: { creditScore: 0.012 },
    threshold: 0.9,
    units: { creditScore: "points" },
    clamp: { creditScore: ["500", "800"] },
  };

  it("reads the model and its clamp", function () {
    const { model, clamp } = parseModelFile(good);
    expect(model).to.deep.equal({
      intercept: -6,
      coefficients: { creditScore: 0.012 },
      threshold: 0.9,
      units: { creditScore: "points" },
    });
    expect(clamp).to.deep.equal({ creditScore: ["500", "800"] });
  });

  const refusals: [string, unknown, RegExp][] = [
    [
      "another format",
      { ...good, format: "v0" },
      /model\.json: expected "format": "blindcredit\.scorecard-model\.v1", got "v0"/,
    ],
    ["an unknown member", { ...good, weights: {} }, /unexpected member "weights": expected only format, description/],
    ["coefficients as an array", { ...good, coefficients: [1] }, /"coefficients": expected an object, got an array/],
    [
      "a clamp of one value",
      { ...good, clamp: { creditScore: ["500"] } },
      /clamp of creditScore as \[low, high\], got \["500"\]/,
    ],
    ["a unit that is not text", { ...good, units: { creditScore: 1 } }, /unit of creditScore as text, got 1/],
    ["an array", [], /model\.json: expected an object, got an array/],
  ];
  for (const [what, json, message] of refusals) {
    it(`refuses ${what}`, function () {
      expect(() => parseModelFile(json, "model.json")).to.throw(message);
    });
  }
});
