/**
 * The README's "Running node" journey, run as written: the shell block after the
 * `<!-- readme-journey … -->` marker, unchanged, by `bash` with `set -euo pipefail`, against a fresh
 * `hardhat node` (started as the README's terminal 1 does: `--no-deploy`, plus `--no-reset`) on a
 * free port, so that the README cannot drift from the code; then, in the same shell, docs/bureau.md's block that
 * moves the journey's bureau to a throwaway PostgreSQL (`blindcredit bureau migrate`) and has the moved bureau
 * answer the bank's next check.
 *
 * The block reads the node's URL (`BLINDCREDIT_RPC_URL`) and the bureau's port (`BUREAU_PORT`) from
 * the environment with the README's defaults (and docs/bureau.md's, PostgreSQL's port `PG_PORT`); the test sets
 * them. It runs in the node's scratch directory, made to look like the project's root to the block's commands:
 * `npx hardhat` and `npx blindcredit` resolve there (a `package.json` with the command as its `bin`, `node_modules`
 * and `tsconfig.json` linked), and the scratch Hardhat config moves `deployments/` there, so the files the journey
 * writes (in `journey/`, and `deployments/localhost/`) never land in the working tree.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { blockRunBy } from "../helpers/docBlocks";
import { freePort, killGroup, PROJECT_ROOT, startNode, type LocalNode } from "../helpers/node";

/** The comment that precedes the block the test runs. */
const MARKER = "<!-- readme-journey";

/**
 * The body of the first ```sh fenced block after the marker.
 * @throws Error when the README has no marker or no such block after it
 */
function journeyBlock(readme: string): string {
  const at = readme.indexOf(MARKER);
  if (at < 0) throw new Error(`expected a "${MARKER} …" comment in README.md, found none`);
  const match = /```sh\n([\s\S]*?)\n```/.exec(readme.slice(at));
  if (match === null) throw new Error(`expected a \`\`\`sh block after "${MARKER}" in README.md, found none`);
  return match[1];
}

/** What a run of the block printed, and how it ended. */
interface ScriptRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/**
 * Runs `script` with bash in `cwd`, in its own process group, which is killed afterwards (the block
 * starts the bureau in the background; if it fails before its `kill`, nothing may outlive the test).
 */
async function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ScriptRun> {
  const child = spawn("bash", ["-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => killGroup(child.pid!, "SIGKILL"), timeoutMs);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  clearTimeout(timer);
  killGroup(child.pid!, "SIGKILL");
  return { ...ended, output };
}

describe("README: the Running node journey, run as written", function () {
  this.timeout(1_800_000);

  const treeLocalhost = path.join(PROJECT_ROOT, "deployments", "localhost");
  const treeHadLocalhost = existsSync(treeLocalhost);
  let node: LocalNode;
  let run: ScriptRun;

  before(async function () {
    const block = journeyBlock(readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8"));
    const postgres = blockRunBy("docs/bureau.md", "test/node/readme.test.ts").body;
    node = await startNode("hardhat");

    // The node's scratch directory holds its Hardhat config (deployments moved there); make the
    // block's `npx hardhat` and `npx blindcredit` resolve there as they do in the project's root.
    const cwd = path.dirname(node.configFile);
    writeFileSync(
      path.join(cwd, "package.json"),
      JSON.stringify({ name: "blindcredit-readme-journey", private: true, bin: { blindcredit: "bin/blindcredit" } }),
    );
    mkdirSync(path.join(cwd, "bin"));
    symlinkSync(path.join(PROJECT_ROOT, "bin", "blindcredit"), path.join(cwd, "bin", "blindcredit"));
    for (const file of ["node_modules", "tsconfig.json", "examples"]) // examples/: the scorecard model the block uses
      symlinkSync(path.join(PROJECT_ROOT, file), path.join(cwd, file));

    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("BLINDCREDIT_") && !k.startsWith("HARDHAT_")),
    );
    // Harness only: when a block fails before its own `kill`, the bureau's process group goes too, and the
    // PostgreSQL server it started (SIGQUIT to its postmaster: an immediate shutdown).
    const cleanup =
      `trap '[ $? -eq 0 ] || { for job in $(jobs -p); do kill -KILL -- -"$job" 2>/dev/null || true; done; ` +
      `[ -z "\${pgdir:-}" ] || kill -QUIT "$(head -n 1 "$pgdir/data/postmaster.pid" 2>/dev/null)" 2>/dev/null || true; }' EXIT`;
    run = await runBash(
      `set -euo pipefail\n${cleanup}\n${block}\n${postgres}\n`,
      cwd,
      {
        ...env,
        BLINDCREDIT_RPC_URL: node.url,
        BUREAU_PORT: String(await freePort()),
        PG_PORT: String(await freePort()),
      },
      1_700_000,
    );
  });

  after(async function () {
    await node?.stop();
  });

  it("exits 0", function () {
    expect(run.code, `bash exited with ${run.code ?? run.signal}; its output:\n${run.output}`).to.equal(0);
  });

  it("stops the bureau with its last command", async function () {
    const log = path.join(path.dirname(node.configFile), "journey", "bureau.log");
    for (let waited = 0; waited < 20_000 && !readFileSync(log, "utf8").includes("bureau stopped"); waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(readFileSync(log, "utf8"), "bureau.log").to.include("bureau stopped");
  });

  it("approves the applicant on the loan form, declines it on the strict one, approves it on the scorecard, and again on PostgreSQL", function () {
    const decisions = [...run.output.matchAll(/^(APPROVED|DECLINED): check (0x[0-9a-f]{64})/gm)];
    expect(
      decisions.map((m) => m[1]),
      run.output,
    ).to.deep.equal(["APPROVED", "DECLINED", "APPROVED", "APPROVED"]);
    expect(new Set(decisions.map((m) => m[2])).size).to.equal(4);
  });

  it("made the scorecard form from the example model, mode 0600, and printed no weight", function () {
    const form = path.join(path.dirname(node.configFile), "journey", "scorecard.json");
    expect(statSync(form).mode & 0o777).to.equal(0o600);
    const { conditions } = JSON.parse(readFileSync(form, "utf8")) as {
      conditions: { scorecard: { weights: Record<string, number>; cutoff: number | string } }[];
    };
    expect(run.output).to.include("weights and cut-off: secret");
    const { weights, cutoff } = conditions[0].scorecard;
    // As a number of its own (a short weight may well occur inside a hash or a longer number).
    for (const secret of [...Object.values(weights), cutoff])
      expect(run.output).not.to.match(new RegExp(`(?<![\\w.-])${String(secret).replace("-", "\\-")}(?![\\w.])`));
  });

  it("moved the bureau's store to PostgreSQL, verified, with its comparison key and ring-Pedersen parameters", function () {
    // The URL as printed: its credentials redacted.
    expect(run.output).to.match(/^moved bureau\.db to postgres:\/\/\S*\*\*\*@127\.0\.0\.1:\d+\/postgres, verified: /m);
    expect(run.output).to.match(/^comparison key: bureau\.comparison-key \(copied from bureau\.db\.comparison-key\)$/m);
    expect(run.output).to.match(
      /^ring-Pedersen parameters: bureau\.ring-pedersen \(copied from bureau\.db\.ring-pedersen\)$/m,
    );
  });

  it("deployed into the scratch directory, not the working tree's deployments/localhost", function () {
    expect(existsSync(path.join(node.deploymentsDir, "ConditionMatching.json"))).to.equal(true);
    expect(existsSync(treeLocalhost)).to.equal(treeHadLocalhost);
  });

  it("writes its files in a folder of its own, journey/", function () {
    const cwd = path.dirname(node.configFile);
    for (const file of [
      "bureau.key",
      "bureau.db",
      "identity.txt",
      "loan.json",
      "strict.json",
      "scorecard.json",
      "bank.key.json",
    ]) {
      expect(existsSync(path.join(cwd, "journey", file)), `journey/${file}`).to.equal(true);
      expect(existsSync(path.join(cwd, file)), file).to.equal(false);
    }
  });
});

describe("README and docs/bureau.md: the wait for the bureau, in an interactive shell (no set -e)", function () {
  const blocks = {
    "README.md": journeyBlock(readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8")),
    "docs/bureau.md": blockRunBy("docs/bureau.md", "test/node/readme.test.ts").body,
  };
  for (const [page, block] of Object.entries(blocks)) {
    it(`${page}: stops waiting when the bureau died, and says so`, function () {
      const loop = /^until grep -q "serving on" bureau\.log;[\s\S]*?^done$/m.exec(block);
      if (loop === null)
        throw new Error(`expected ${page} to wait with \`until grep -q "serving on" bureau.log; … done\``);
      const dir = mkdtempSync(path.join(tmpdir(), "blindcredit-readme-wait-"));
      try {
        writeFileSync(path.join(dir, "bureau.log"), "error: cannot listen on 127.0.0.1:8600 (EADDRINUSE)\n");
        // a bureau that has exited already, as one whose port was taken does
        const script = `true & BUREAU_PID=$!; wait "$BUREAU_PID"\n${loop[0]}\necho "after the loop"\n`;
        const run = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8", timeout: 20_000 });
        expect(run.error, "the loop still waits after 20 s").to.equal(undefined);
        expect(run.stdout).to.include("after the loop");
        expect(run.stdout).to.include("EADDRINUSE");
        expect(run.stderr).to.include("the bureau stopped");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
