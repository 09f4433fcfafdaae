/**
 * Running `bin/blindcredit` as a user does: a child process with its own working directory and
 * environment, its real stdout, stderr and exit code.
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";

/** The project root. */
export const ROOT = path.resolve(__dirname, "..", "..");
/** The command, as package.json's `bin` names it. */
export const BIN = path.join(ROOT, "bin", "blindcredit");

/** What a run of the command left behind. */
export interface CliRun {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as the one JSON document `--json` promises. */
  json<T = Record<string, unknown>>(): T;
}

/** Options of {@link cli}. */
export interface CliOptions {
  /** Extra environment variables (the caller's BLINDCREDIT_* and HARDHAT_* are never passed on). */
  readonly env?: Record<string, string>;
  /** The working directory (default: a fresh scratch directory). */
  readonly cwd?: string;
  /** Kill the command after this long (default 120 s). */
  readonly timeoutMs?: number;
}

/** A fresh scratch directory for a test's files. */
export function scratchDir(label = "cli"): string {
  return mkdtempSync(path.join(tmpdir(), `blindcredit-${label}-`));
}

/** Runs `blindcredit ...args` and collects everything it printed. */
export async function cli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawnCli(args, options);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  clearTimeout(timer);
  return {
    args,
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(
          `expected one JSON document on stdout of blindcredit ${args.join(" ")}, got:\n${stdout}\nstderr:\n${stderr}`,
        );
      }
    },
  };
}

/**
 * Spawns the command with the caller's environment minus BLINDCREDIT_* and HARDHAT_*, plus `options.env`. The
 * deployments are the working directory's `deployments/localhost` unless `options.env` names others: never the
 * checkout's, to which the command falls back by default, and where a user's own journey may have left a deployment.
 */
function spawnCli(args: readonly string[], options: CliOptions) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("BLINDCREDIT_") && !k.startsWith("HARDHAT_")),
  );
  const cwd = options.cwd ?? scratchDir();
  return spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...env, BLINDCREDIT_DEPLOYMENTS: path.join(cwd, "deployments", "localhost"), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Asserts the exit code, showing what the command printed when it differs. */
export function expectExit(run: CliRun, code: number): CliRun {
  expect(run.code, `blindcredit ${run.args.join(" ")}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`).to.equal(code);
  return run;
}

/** Runs the command and asserts that it succeeds. */
export async function ok(args: readonly string[], options?: CliOptions): Promise<CliRun> {
  return expectExit(await cli(args, options), 0);
}

/** A loopback port nothing listens on (free a moment ago): a node there is unreachable. */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** A command that keeps running (a service), with what it printed so far. */
export interface LongRun {
  /** Resolves with the JSON document the command printed on stdout once ready (`--json`). */
  ready<T = Record<string, unknown>>(timeoutMs?: number): Promise<T>;
  /** Sends `signal` and resolves with the exit code and stderr. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; stderr: string }>;
}

/** Starts `blindcredit ...args` and leaves it running. */
export function startCli(args: readonly string[], options: CliOptions = {}): LongRun {
  const child = spawnCli(args, options);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  let exitCode: number | null | undefined;
  void closed.then((c) => (exitCode = c));
  return {
    async ready<T>(timeoutMs = 60_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          return JSON.parse(stdout) as T;
        } catch {
          // not complete yet
        }
        if (exitCode !== undefined || Date.now() > deadline) {
          child.kill("SIGKILL");
          throw new Error(`blindcredit ${args.join(" ")} did not become ready (exit ${exitCode}):\n${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (exitCode === undefined) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await closed;
      clearTimeout(timer);
      return { code, stderr };
    },
  };
}
