/**
 * The coverage gate: reads solidity-coverage's `coverage.json` (istanbul's per-file data, written
 * by `npm run coverage`) and fails unless every contract has 100 % of its lines and at least 95 % of
 * its branches covered. Run by CI after `npm run coverage`. Given several files (coverage runs over parts of the
 * suite, on the same sources), it adds their hits up first: a line is covered when any run covered it.
 *
 *   npm run coverage && npm run coverage:check [-- path/to/coverage.json …]
 * @module
 */
import fs from "node:fs";
import path from "node:path";

/** The floors, in percent, each contract must reach. */
export const FLOORS = { lines: 100, branches: 95 } as const;

/** The part of istanbul's file coverage the gate reads. */
interface FileCoverage {
  readonly l: Record<string, number>; // line → hits
  readonly b: Record<string, number[]>; // branch → hits per arm
}

/** One contract's figures. */
export interface ContractCoverage {
  readonly file: string;
  readonly lines: { readonly covered: number; readonly total: number };
  readonly branches: { readonly covered: number; readonly total: number };
}

/** Percent covered; 100 when there is nothing to cover. */
export function percent({ covered, total }: { covered: number; total: number }): number {
  return total === 0 ? 100 : (covered / total) * 100;
}

/**
 * Per-contract line and branch figures from istanbul's coverage data.
 * @throws Error when the data is not an object of file coverages
 */
export function summarize(data: unknown): ContractCoverage[] {
  if (typeof data !== "object" || data === null) throw new Error("expected istanbul coverage data, got none");
  return Object.entries(data as Record<string, FileCoverage>).map(([file, cov]) => {
    if (typeof cov?.l !== "object" || typeof cov?.b !== "object") {
      throw new Error(`expected line and branch data for ${file}, got ${JSON.stringify(Object.keys(cov ?? {}))}`);
    }
    const lineHits = Object.values(cov.l);
    const arms = Object.values(cov.b).flat();
    return {
      file,
      lines: { covered: lineHits.filter((h) => h > 0).length, total: lineHits.length },
      branches: { covered: arms.filter((h) => h > 0).length, total: arms.length },
    };
  });
}

/**
 * The coverage data of several runs over the same instrumented sources, hits added up line by line and arm by arm.
 * @throws Error when the runs instrumented different files, lines or branches
 */
export function mergeCoverage(runs: readonly unknown[]): Record<string, FileCoverage> {
  const merged: Record<string, FileCoverage> = {};
  for (const [i, run] of runs.entries()) {
    summarize(run); // the same shape checks
    for (const [file, cov] of Object.entries(run as Record<string, FileCoverage>)) {
      const seen = merged[file];
      if (seen === undefined) {
        merged[file] = {
          ...cov,
          l: { ...cov.l },
          b: Object.fromEntries(Object.entries(cov.b).map(([k, v]) => [k, [...v]])),
        };
        continue;
      }
      const same =
        Object.keys(seen.l).join() === Object.keys(cov.l).join() &&
        Object.entries(seen.b).every(([k, arms]) => cov.b[k]?.length === arms.length) &&
        Object.keys(seen.b).length === Object.keys(cov.b).length;
      if (!same)
        throw new Error(
          `expected the same instrumented lines and branches of ${file} in every run, run ${i + 1} differs`,
        );
      for (const [line, hits] of Object.entries(cov.l)) seen.l[line] += hits;
      for (const [branch, arms] of Object.entries(cov.b)) arms.forEach((hits, arm) => (seen.b[branch][arm] += hits));
    }
  }
  return merged;
}

function main(): void {
  const files = (process.argv.length > 2 ? process.argv.slice(2) : ["coverage.json"]).map((f) => path.resolve(f));
  for (const file of files) {
    if (!fs.existsSync(file)) {
      console.error(`coverage gate: expected ${file}, found none: run npm run coverage first`);
      process.exit(2);
    }
  }
  const file = files.join(", ");
  const contracts = summarize(mergeCoverage(files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as unknown)));
  if (contracts.length === 0) {
    console.error(`coverage gate: expected coverage data for the contracts in ${file}, found none`);
    process.exit(2);
  }
  const failures: string[] = [];
  for (const c of contracts.sort((a, b) => a.file.localeCompare(b.file))) {
    const name = path.relative(process.cwd(), path.resolve(c.file));
    const lines = percent(c.lines);
    const branches = percent(c.branches);
    const ok = lines >= FLOORS.lines && branches >= FLOORS.branches;
    console.log(
      `${ok ? "ok  " : "FAIL"} ${name}: lines ${lines.toFixed(1)} % (${c.lines.covered}/${c.lines.total}), ` +
        `branches ${branches.toFixed(1)} % (${c.branches.covered}/${c.branches.total})`,
    );
    if (!ok) failures.push(name);
  }
  if (failures.length > 0) {
    console.error(
      `coverage gate: expected ${FLOORS.lines} % of lines and ${FLOORS.branches} % of branches in every contract; ` +
        `below in ${failures.join(", ")}`,
    );
    process.exit(1);
  }
  console.log(
    `coverage gate: every contract at ${FLOORS.lines} % of lines and ${FLOORS.branches} % of branches or more`,
  );
}

if (require.main === module) main();
