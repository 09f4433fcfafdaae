/**
 * The coverage gate's merge of several coverage runs (CI runs the instrumented suites in two parts at once): a
 * line or branch arm is covered when any run covered it, and runs over different sources are refused.
 */
import { expect } from "chai";
import { mergeCoverage, summarize } from "../../scripts/coverage-gate";

const run = (lines: number[], arms: number[]) => ({
  "contracts/A.sol": { l: { "3": lines[0], "4": lines[1] }, b: { "1": arms }, s: {}, f: {} },
});

describe("coverage-gate: mergeCoverage", function () {
  it("adds the runs' hits up: covered when any run covered it", function () {
    const [a] = summarize(mergeCoverage([run([1, 0], [0, 2]), run([0, 3], [1, 0])]));
    expect(a.lines).to.deep.equal({ covered: 2, total: 2 });
    expect(a.branches).to.deep.equal({ covered: 2, total: 2 });
    const [alone] = summarize(mergeCoverage([run([1, 0], [0, 2])]));
    expect(alone.lines.covered).to.equal(1);
  });

  it("refuses runs over other lines or branches of a file", function () {
    const other = { "contracts/A.sol": { l: { "3": 1 }, b: { "1": [1, 1] } } };
    expect(() => mergeCoverage([run([1, 1], [1, 1]), other])).to.throw(
      /same instrumented lines and branches of contracts\/A\.sol/,
    );
  });
});
