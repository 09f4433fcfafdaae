/**
 * The example scorecard (scripts/model/fit.ts, `npm run model:fit`): it reproduces the committed
 * examples/scorecard/model.json and form.json byte for byte, the fitted model predicts held-out synthetic applicants
 * better than the trivial model, and it recovers the ground truth it was fitted on.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { EXAMPLE_DIR, fitExampleModel } from "../../scripts/model/fit";
import { fitLogistic } from "../../scripts/model/logistic";
import { GROUND_TRUTH, seededRandom, syntheticApplicants } from "../../scripts/model/synthetic";

describe("The example scorecard model (npm run model:fit)", function () {
  this.timeout(120_000);
  let fitted: ReturnType<typeof fitExampleModel>;

  before(function () {
    fitted = fitExampleModel();
  });

  it("reproduces the committed model.json and form.json", function () {
    expect(fitted.modelText, "examples/scorecard/model.json: run npm run model:fit").to.equal(
      readFileSync(path.join(EXAMPLE_DIR, "model.json"), "utf8"),
    );
    expect(fitted.formText, "examples/scorecard/form.json: run npm run model:fit").to.equal(
      readFileSync(path.join(EXAMPLE_DIR, "form.json"), "utf8"),
    );
  });

  it("beats the trivial model on held-out applicants: accuracy and log-loss", function () {
    const { report } = fitted;
    expect(report.accuracy).to.be.above(report.baselineAccuracy + 0.01);
    expect(report.logLoss).to.be.below(report.baselineLogLoss * 0.9);
    // The bank's point: approving at the threshold lowers the default rate among those approved.
    expect(report.defaultRateApproved).to.be.below(report.defaultRateAll / 2);
  });

  it("recovers the ground truth's coefficients, each within 15 %", function () {
    const { coefficients } = JSON.parse(fitted.modelText) as { coefficients: Record<string, number> };
    for (const [name, truth] of Object.entries(GROUND_TRUTH.coefficients))
      expect(coefficients[name], name).to.be.closeTo(truth, Math.abs(truth) * 0.15);
  });

  it("leaves few held-out applicants within the rounding bound of the cut-off", function () {
    expect(fitted.report.withinBound).to.be.at.most(fitted.report.heldOut / 1000);
    expect(fitted.report.disagreements).to.be.at.most(fitted.report.withinBound);
  });
});

describe("scripts/model: the generator and the fit", function () {
  it("draws the same applicants for a seed, other ones for another", function () {
    const [a, b, c] = [syntheticApplicants(50, 7), syntheticApplicants(50, 7), syntheticApplicants(50, 8)];
    expect(a.map((x) => x.record)).to.deep.equal(b.map((x) => x.record));
    expect(a.map((x) => x.record)).not.to.deep.equal(c.map((x) => x.record));
  });

  it("keeps every value in its field's range, as a record the schema accepts", function () {
    for (const { record } of syntheticApplicants(2000, 1)) {
      expect(Number(record.creditScore)).to.be.within(300, 850);
      expect(Number(record.debtToIncome)).to.be.within(0, 150);
      expect(["0", "1"]).to.include(record.bankruptcy);
    }
  });

  it("fits a known logistic model from its own samples", function () {
    const random = seededRandom(5);
    const rows = Array.from({ length: 20_000 }, () => [random() * 10, random() * 4 - 2]);
    const labels = rows.map(([x, y]) => (random() < 1 / (1 + Math.exp(-(-2 + 0.5 * x - 1.5 * y))) ? 1 : 0) as 0 | 1);
    const fit = fitLogistic(rows, labels);
    expect(fit.intercept).to.be.closeTo(-2, 0.15);
    expect(fit.coefficients[0]).to.be.closeTo(0.5, 0.05);
    expect(fit.coefficients[1]).to.be.closeTo(-1.5, 0.1);
  });

  it("refuses a constant feature and ragged rows", function () {
    expect(() => fitLogistic([[1], [1]], [0, 1])).to.throw(/feature 0 is constant/);
    expect(() => fitLogistic([[1, 2], [1]], [0, 1])).to.throw(/expected every row to have 2 features/);
  });
});
