/**
 * Tests of the bureau's metrics as a scrape reads them: the evaluator's step histogram (prom-client's own exposition,
 * observed as each step is counted), and the counters read from the evaluator's counts on each scrape.
 */
import { expect } from "chai";
import { BureauMetrics, EvaluatorMetrics } from "../../src/bureau/metrics";

describe("bureau/metrics", () => {
  let metrics: BureauMetrics;
  let counts: EvaluatorMetrics;

  beforeEach(() => {
    metrics = new BureauMetrics();
    counts = new EvaluatorMetrics();
    metrics.observeEvaluator({ metrics: counts, activeChecks: 0 });
  });

  it("serves each step in blindcredit_step_seconds, by state reached and k, with the same totals as the counts", async () => {
    counts.stepTaken("Challenged", 2, 0.3);
    counts.stepTaken("Challenged", 2, 1.5);
    counts.stepTaken("Answered", undefined, 0.04);
    expect(counts.steps).to.equal(3);
    expect(counts.stepSeconds).to.be.closeTo(1.84, 1e-9);

    const text = await metrics.registry.metrics();
    expect(text).to.match(/^# TYPE blindcredit_step_seconds histogram$/m);
    expect(text).to.match(/^blindcredit_step_seconds_bucket\{le="0.25",step="Challenged",k="2"\} 0$/m);
    expect(text).to.match(/^blindcredit_step_seconds_bucket\{le="0.5",step="Challenged",k="2"\} 1$/m);
    expect(text).to.match(/^blindcredit_step_seconds_bucket\{le="2",step="Challenged",k="2"\} 2$/m);
    expect(text).to.match(/^blindcredit_step_seconds_bucket\{le="\+Inf",step="Challenged",k="2"\} 2$/m);
    expect(text).to.match(/^blindcredit_step_seconds_count\{step="Challenged",k="2"\} 2$/m);
    expect(text).to.match(/^blindcredit_step_seconds_sum\{step="Challenged",k="2"\} 1.8$/m);
    expect(text).to.match(/^blindcredit_step_seconds_bucket\{le="0.05",step="Answered",k="unknown"\} 1$/m);
    expect(text).to.match(/^blindcredit_steps 3$/m);
  });

  it("reads the refusals by reason and the takeovers from the counts on each scrape, without adding them up twice", async () => {
    counts.refusedFor("NoData");
    counts.refusedFor("NoData");
    counts.refusedFor("GrantRevoked");
    counts.takeovers = 1;
    const first = await metrics.registry.metrics();
    expect(first).to.match(/^blindcredit_check_refusals_total\{reason="NoData"\} 2$/m);
    expect(first).to.match(/^blindcredit_check_refusals_total\{reason="GrantRevoked"\} 1$/m);
    expect(first).to.match(/^blindcredit_lease_takeovers_total 1$/m);

    counts.refusedFor("NoData");
    counts.takeovers = 3;
    const second = await metrics.registry.metrics();
    expect(second).to.match(/^blindcredit_check_refusals_total\{reason="NoData"\} 3$/m);
    expect(second).to.match(/^blindcredit_check_refusals_total\{reason="GrantRevoked"\} 1$/m);
    expect(second).to.match(/^blindcredit_lease_takeovers_total 3$/m);
  });

  it("refuses a second evaluator on one registry", () => {
    expect(() => metrics.observeEvaluator({ metrics: new EvaluatorMetrics(), activeChecks: 0 })).to.throw(
      /blindcredit_step_seconds/,
    );
  });
});
