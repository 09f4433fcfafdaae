/**
 * The shell blocks of the README and the docs/ pages, and a way to run one as written: every ```sh block is
 * preceded by an HTML comment naming what runs it (`<!-- runs-in: test/node/docs.test.ts -->`, the README
 * journey's `<!-- readme-journey: test/node/readme.test.ts … -->`, or `.ci/run`), so that no command a reader
 * copies goes untried.
 * @module
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { killGroup, PROJECT_ROOT } from "./node";

/** One ```sh block of a page. */
export interface ShellBlock {
  /** The page, relative to the project root (`README.md`, `docs/deploy.md`). */
  readonly page: string;
  /** The block's first line number in the page (1-based), for messages. */
  readonly line: number;
  /** The block's body, without the fences. */
  readonly body: string;
  /** What the comment before the block names as running it (`test/node/docs.test.ts`, `.ci/run`), if any. */
  readonly runsIn: string | undefined;
}

/** The pages whose shell blocks must run: the README and every Markdown page under docs/. */
export function documentedPages(): string[] {
  const docs = readdirSync(path.join(PROJECT_ROOT, "docs"), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".md"))
    .map((file) => path.join("docs", file))
    .sort();
  return ["README.md", ...docs];
}

/** Every ```sh block of `page` (a path relative to the project root), with the marker before it. */
export function shellBlocks(page: string): ShellBlock[] {
  const lines = readFileSync(path.join(PROJECT_ROOT, page), "utf8").split("\n");
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(\S*)/.exec(lines[i]);
    if (fence === null) continue;
    const end = lines.findIndex((l, j) => j > i && l.trimStart().startsWith("```"));
    if (end < 0) throw new Error(`${page}:${i + 1}: a code block that is never closed`);
    if (fence[2] === "sh" || fence[2] === "bash") {
      let before = i - 1;
      while (before >= 0 && lines[before].trim() === "") before--;
      const marker = before >= 0 ? /^\s*<!--.*?(\.ci\/run|test\/\S+?\.ts)\b.*-->\s*$/.exec(lines[before]) : null;
      const indent = fence[1].length;
      const body = lines
        .slice(i + 1, end)
        .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
        .join("\n");
      blocks.push({ page, line: i + 1, body, runsIn: marker?.[1] });
    }
    i = end;
  }
  return blocks;
}

/**
 * The block of `page` whose marker names `runner`, when there is exactly one.
 * @throws Error when there is none or more than one
 */
export function blockRunBy(page: string, runner: string): ShellBlock {
  const found = shellBlocks(page).filter((b) => b.runsIn === runner);
  if (found.length !== 1)
    throw new Error(`expected one sh block in ${page} marked as run by ${runner}, found ${found.length}`);
  return found[0];
}

/**
 * Makes `dir` look like the project's root to a block's commands: `npx hardhat` and `npx blindcredit` resolve
 * there (a `package.json` with the command as its `bin`, `node_modules` and `tsconfig.json` linked). The
 * directory's own Hardhat config (a node's scratch config) keeps what hardhat-deploy writes out of the tree.
 */
export function makeProjectLike(dir: string): void {
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "blindcredit-docs-block", private: true, bin: { blindcredit: "bin/blindcredit" } }),
  );
  mkdirSync(path.join(dir, "bin"));
  symlinkSync(path.join(PROJECT_ROOT, "bin", "blindcredit"), path.join(dir, "bin", "blindcredit"));
  for (const file of ["node_modules", "tsconfig.json"])
    symlinkSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
}

/** The test process's environment without the variables that would redirect blindcredit or hardhat. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("BLINDCREDIT_") && !k.startsWith("HARDHAT_")),
  );
}

/** What a run of a script printed, and how it ended. */
export interface ScriptRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/** A script started in the background: its output so far, its end, and a way to stop it. */
export interface RunningScript {
  output(): string;
  readonly ended: Promise<ScriptRun>;
  /** Kills the script's whole process group. */
  kill(): void;
}

/**
 * Starts `script` with `bash -euo pipefail` in `cwd`, in a process group of its own (killed by {@link
 * RunningScript.kill}, and after `timeoutMs` at the latest).
 */
export function startBash(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): RunningScript {
  const child = spawn("bash", ["-euo", "pipefail", "-c", script], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const kill = () => killGroup(child.pid!, "SIGKILL");
  const timer = setTimeout(kill, timeoutMs);
  const ended = new Promise<ScriptRun>((resolve) =>
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      kill();
      resolve({ code, signal, output });
    }),
  );
  return { output: () => output, ended, kill };
}
