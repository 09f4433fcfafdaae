/**
 * The example scorecard: a logistic-regression model fitted on synthetic applicants (scripts/model/synthetic.ts),
 * and the scorecard form it becomes (src/protocol/model.ts). `npm run model:fit` writes both:
 *
 * - `examples/scorecard/model.json`: the fitted model (format `blindcredit.scorecard-model.v1`), coefficients to six
 *   significant digits, approval at a repayment probability of 0.9, the clamps the ground truth caps at;
 * - `examples/scorecard/form.json`: the form file a bank gives `blindcredit bank check --form` (one scorecard).
 *
 * Deterministic: the same seeds give the same bytes (test/scripts/modelFit.test.ts checks the committed files), and
 * it prints how the model does on held-out applicants against the trivial baseline (everyone repays).
 * @module
 */
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import {
  convertModel,
  modelMargin,
  MODEL_FORMAT,
  parseModelFile,
  type ModelConversion,
} from "../../src/protocol/model";
import { DEFAULT_SCHEMA, fieldNamed } from "../../src/protocol/schema";
import {
  clampValue,
  parseScorecard,
  scorecardHolds,
  scorecardParameters,
  scorecardShape,
} from "../../src/protocol/scorecard";
import { fitLogistic, sigmoid } from "./logistic";
import { GROUND_TRUTH, syntheticApplicants, type SyntheticApplicant } from "./synthetic";

/** Where the example lives: data a bank reads, beside no code (the code that makes it is here, in scripts/model/). */
export const EXAMPLE_DIR = path.join(__dirname, "..", "..", "examples", "scorecard");

/** The seeds and sizes of the fit: changing one changes the committed files. */
export const FIT = {
  trainSeed: 22,
  heldOutSeed: 2201,
  train: 20_000,
  heldOut: 10_000,
  threshold: 0.9,
  /**
   * The weights' width. The scale is set by the largest coefficient per stored unit (a bankruptcy's), so the
   * smallest (income's, per currency unit) keeps only the bits left over: 20 bits would leave it a weight near 10
   * and a rounding bound of tenths of a unit of log-odds; 32 bits make the bound about 10^−4 for a comparison of
   * 12 more bits.
   */
  weightBits: 32,
} as const;

/** The fields, in the schema's order. */
const FIELDS = DEFAULT_SCHEMA.fields.map((f) => f.name);

/**
 * The clamps the bureau applies: the ground truth's caps, which a linear model cannot learn on its own, and a
 * debt-to-income ratio of at most 100 % (no synthetic applicant has more; the clamp narrows the sum's range B, and so
 * the comparison).
 */
const CLAMP: Record<string, readonly [string, string]> = {
  annualIncome: ["0", String(GROUND_TRUTH.caps.annualIncome)],
  debtToIncome: ["0", "100"],
  yearsOfHistory: ["0", String(GROUND_TRUTH.caps.yearsOfHistory)],
};

/** How the fitted model does on the held-out applicants. */
export interface FitReport {
  readonly heldOut: number;
  /** The share of held-out applicants that repaid: the trivial model's accuracy ("everyone repays"). */
  readonly baselineAccuracy: number;
  /** The model's accuracy predicting repayment at probability 0.5. */
  readonly accuracy: number;
  /** Mean log-loss of the model, and of the trivial model (the training base rate for everyone). */
  readonly logLoss: number;
  readonly baselineLogLoss: number;
  /** At the model's threshold: the share approved, and the default rate among them and among all. */
  readonly approvalRate: number;
  readonly defaultRateApproved: number;
  readonly defaultRateAll: number;
  /** Held-out applicants within the rounding error bound of the cut-off: the only ones whose decision may differ. */
  readonly withinBound: number;
  /** Held-out applicants the scorecard (`scorecardHolds`) decides otherwise than the float model: at most the above. */
  readonly disagreements: number;
}

/**
 * Fits the example model and converts it, in memory.
 * @returns the model file's and the form file's JSON text (as written), the conversion and the held-out report
 */
export function fitExampleModel(): {
  modelText: string;
  formText: string;
  conversion: ModelConversion;
  report: FitReport;
} {
  const train = syntheticApplicants(FIT.train, FIT.trainSeed);
  // The features as the bureau will see them: clamped, in the fields' natural units.
  const { fields, ranges } = scorecardParameters(
    scorecardShape({ fields: FIELDS, clamp: CLAMP, weightBits: FIT.weightBits }),
  );
  const features = (a: SyntheticApplicant) =>
    fields.map((field, i) => Number(clampValue(a.values.get(field.name)!, ranges[i])) / 10 ** field.decimals);
  const fit = fitLogistic(
    train.map(features),
    train.map((a) => (a.repaid ? 1 : 0)),
  );
  const significant = (v: number) => Number(v.toPrecision(6));
  const modelFile = {
    format: MODEL_FORMAT,
    description:
      `Logistic regression of repayment, fitted by scripts/model/fit.ts (npm run model:fit) on ${FIT.train} synthetic ` +
      `applicants (seed ${FIT.trainSeed}); approve at a repayment probability of at least ${FIT.threshold}`,
    intercept: significant(fit.intercept),
    coefficients: Object.fromEntries(FIELDS.map((name, j) => [name, significant(fit.coefficients[j])])),
    threshold: FIT.threshold,
    units: Object.fromEntries(FIELDS.map((name) => [name, fieldNamed(name).unit])),
    clamp: CLAMP,
  };
  const { model, clamp } = parseModelFile(modelFile, "the fitted model");
  const conversion = convertModel(model, { clamp, weightBits: FIT.weightBits });
  const form = { mode: "decision", conditions: [{ scorecard: conversion.scorecard }] };

  const heldOut = syntheticApplicants(FIT.heldOut, FIT.heldOutSeed);
  const margins = heldOut.map((a) => modelMargin({ ...model, threshold: 0.5 }, a.values, { clamp }));
  const probabilities = margins.map(sigmoid);
  const baseRate = train.filter((a) => a.repaid).length / train.length;
  const share = (flags: boolean[]) => flags.filter(Boolean).length / Math.max(1, flags.length);
  const logLoss = (p: (i: number) => number) =>
    -heldOut.reduce((s, a, i) => s + Math.log(a.repaid ? p(i) : 1 - p(i)), 0) / heldOut.length;
  const decisions = heldOut.map((a) => modelMargin(model, a.values, { clamp }));
  const scorecard = parseScorecard(conversion.scorecard);
  const approved = heldOut.filter((_, i) => decisions[i] >= 0);
  const report: FitReport = {
    heldOut: heldOut.length,
    baselineAccuracy: share(heldOut.map((a) => a.repaid)),
    accuracy: share(heldOut.map((a, i) => probabilities[i] >= 0.5 === a.repaid)),
    logLoss: logLoss((i) => probabilities[i]),
    baselineLogLoss: logLoss(() => baseRate),
    approvalRate: approved.length / heldOut.length,
    defaultRateApproved: share(approved.map((a) => !a.repaid)),
    defaultRateAll: share(heldOut.map((a) => !a.repaid)),
    withinBound: decisions.filter((m) => Math.abs(m) <= conversion.errorBound).length,
    disagreements: heldOut.filter((a, i) => scorecardHolds(scorecard, a.values) !== decisions[i] >= 0).length,
  };
  const text = (json: unknown) => `${JSON.stringify(json, null, 2)}\n`;
  return { modelText: text(modelFile), formText: text(form), conversion, report };
}

function main(): void {
  const { modelText, formText, conversion, report } = fitExampleModel();
  mkdirSync(EXAMPLE_DIR, { recursive: true });
  writeFileSync(path.join(EXAMPLE_DIR, "model.json"), modelText);
  writeFileSync(path.join(EXAMPLE_DIR, "form.json"), formText);
  const percent = (v: number) => `${(100 * v).toFixed(1)} %`;
  console.log(
    [
      `wrote ${path.relative(process.cwd(), EXAMPLE_DIR)}/model.json and form.json`,
      `held-out applicants: ${report.heldOut}`,
      `  accuracy ${percent(report.accuracy)} against ${percent(report.baselineAccuracy)} for "everyone repays"`,
      `  log-loss ${report.logLoss.toFixed(4)} against ${report.baselineLogLoss.toFixed(4)} for the base rate`,
      `  at the threshold ${FIT.threshold}: ${percent(report.approvalRate)} approved, defaults ` +
        `${percent(report.defaultRateApproved)} among them, ${percent(report.defaultRateAll)} among all`,
      `scorecard: weights < 2^${conversion.scorecard.weightBits}, scale 2^${conversion.scaleBits}, rounding error ` +
        `at most ${conversion.errorBound.toExponential(2)} in log-odds: ${report.withinBound} held-out applicant(s) ` +
        `within it of the cut-off (only their decisions may differ from the float model's); ${report.disagreements} ` +
        "decided otherwise by the scorecard",
    ].join("\n"),
  );
}

if (require.main === module) main();
