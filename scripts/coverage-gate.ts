/**
 * The coverage gate: reads solidity-coverage's `coverage.json` (istanbul's per-file data, written
 * by `npm run coverage`) and fails unless every contract has 100 % of its lines and at least 95 % of
 * its branches covered. Run by CI after `npm run coverage`.
 *
 *   npm run coverage && npm run coverage:check [-- path/to/coverage.json]
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

function main(): void {
  const file = path.resolve(process.argv[2] ?? "coverage.json");
  if (!fs.existsSync(file)) {
    console.error(`coverage gate: expected ${file}, found none: run npm run coverage first`);
    process.exit(2);
  }
  const contracts = summarize(JSON.parse(fs.readFileSync(file, "utf8")));
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
