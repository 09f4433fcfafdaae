/**
 * A local Ethereum node as a child process on a free loopback port, for tests that go over
 * JSON-RPC like a user does: `hardhat node` or anvil (the binary package `@foundry-rs/anvil-linux-amd64`, an
 * optional dependency: the `@foundry-rs/anvil` wrapper lists packages for other platforms that this registry does
 * not serve, which leaves a lockfile `npm ci` refuses), and
 * `hardhat deploy --network localhost` against it as a separate process.
 *
 * Each node gets a scratch directory with a Hardhat config that extends the project's and moves
 * hardhat-deploy's `deployments/` there: `hardhat deploy --network localhost` then writes
 * `<scratch>/deployments/localhost/`, never the working tree's `deployments/localhost/` (which a
 * developer's own node may be using, and which two nodes on chain 31337 would otherwise share).
 * `hardhat node` runs with `--no-deploy` (hardhat-deploy 1.0.4 otherwise runs every deploy script
 * when the node starts) and `--no-reset` (it otherwise deletes `deployments/localhost/` first).
 *
 * Every node is started in its own process group (so that anything a node starts goes with it), and `stop()` kills the whole group; so does a hook on the test process's exit, for nodes a
 * failing test never stopped.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** The project root (where package.json and hardhat.config.ts are). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The node implementations a test can start. */
export type NodeKind = "hardhat" | "anvil";

/** A running node. */
export interface LocalNode {
  readonly kind: NodeKind;
  /** Its JSON-RPC endpoint, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** What it answers to `eth_chainId`. */
  readonly chainId: bigint;
  /** Where `hardhat deploy --network localhost` run by {@link runHardhat} writes this node's deployments. */
  readonly deploymentsDir: string;
  /** The scratch directory's Hardhat config (the project's, with `deployments/` moved). */
  readonly configFile: string;
  /** The last lines the node printed (stdout and stderr), for error messages. */
  outputTail(): string;
  /** Kills the node's process group and removes its scratch directory; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startNode}. */
export interface StartOptions {
  /** How long to wait for the node to answer `eth_chainId` (default 60 s). */
  readonly readyTimeoutMs?: number;
}

const BIN = path.join(PROJECT_ROOT, "node_modules", ".bin");
const HARDHAT_BIN = path.join(BIN, "hardhat");
const ANVIL_BIN = path.join(BIN, "anvil");

/** Whether anvil is installed (its package is for Linux x64 only; elsewhere the anvil journeys are skipped). */
export const HAS_ANVIL = existsSync(ANVIL_BIN);
const TAIL_CHARS = 4000;
const STOP_GRACE_MS = 5000;

/**
 * Process groups still running (with the scratch directory to remove, for a node), killed when the
 * test process exits whatever the reason.
 */
const live = new Map<number, string | undefined>();
let exitHookInstalled = false;

/**
 * Starts a node of `kind` on a free port of 127.0.0.1 and waits until it answers `eth_chainId`.
 * Retries on another port if the chosen one was taken in between.
 * @throws Error when the node exits or does not answer in time, with the end of its output
 */
export async function startNode(kind: NodeKind, options: StartOptions = {}): Promise<LocalNode> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(kind, await freePort(), options.readyTimeoutMs ?? 60_000);
    } catch (e) {
      if (attempt < 3 && /address already in use|EADDRINUSE/i.test((e as Error).message)) continue;
      throw e;
    }
  }
}

/**
 * Runs the project's `hardhat` CLI (the local binary, never an npx lookup) with `args` against `node`,
 * through the node's scratch config, with `BLINDCREDIT_RPC_URL` set to the node's URL so the
 * `localhost` network reaches it. Inherited `HARDHAT_*` and `BLINDCREDIT_*` variables are dropped so
 * the developer's environment cannot redirect it; `env` adds others.
 * @returns the command's output (stdout and stderr)
 * @throws Error when it exits with an error or runs longer than `timeoutMs`, with its output
 * @example await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile"]);
 */
export async function runHardhat(
  node: LocalNode,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 180_000,
): Promise<string> {
  const child = spawn(process.execPath, [HARDHAT_BIN, "--config", node.configFile, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...childEnv(), BLINDCREDIT_RPC_URL: node.url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pid = child.pid!;
  live.set(pid, undefined);
  installExitHook();
  let output = "";
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const timer = setTimeout(() => killGroup(pid, "SIGKILL"), timeoutMs);
  try {
    const { code, signal } = await exited(child);
    if (code !== 0) {
      const how = signal
        ? `was killed by ${signal}${signal === "SIGKILL" ? ` after ${timeoutMs} ms` : ""}`
        : `exited with ${code}`;
      throw new Error(`\`hardhat ${args.join(" ")}\` ${how}; its output ended with:\n${tail(output)}`);
    }
    return output;
  } finally {
    clearTimeout(timer);
    killGroup(pid, "SIGKILL");
    live.delete(pid);
  }
}

async function startOnce(kind: NodeKind, port: number, readyTimeoutMs: number): Promise<LocalNode> {
  const scratch = mkdtempSync(path.join(tmpdir(), `blindcredit-${kind}-`));
  const deploymentsRoot = path.join(scratch, "deployments");
  const configFile = path.join(scratch, "hardhat.config.ts");
  writeFileSync(configFile, scratchConfig(deploymentsRoot));

  const url = `http://127.0.0.1:${port}`;
  // hardhat is a Node script; anvil is a native binary.
  const [bin, args] =
    kind === "hardhat"
      ? [
          process.execPath,
          [
            HARDHAT_BIN,
            "--config",
            configFile,
            "node",
            "--hostname",
            "127.0.0.1",
            "--port",
            String(port),
            "--no-deploy",
            "--no-reset",
          ],
        ]
      : [ANVIL_BIN, ["--host", "127.0.0.1", "--port", String(port)]];
  const child = spawn(bin, args, {
    cwd: PROJECT_ROOT,
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pid = child.pid!;
  live.set(pid, scratch);
  installExitHook();

  let output = "";
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-TAIL_CHARS));
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exit = exited(child);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      killGroup(pid, "SIGTERM");
      const timer = setTimeout(() => killGroup(pid, "SIGKILL"), STOP_GRACE_MS);
      await exit;
      clearTimeout(timer);
      // The wrapper is gone; make sure nothing it started outlives it.
      killGroup(pid, "SIGKILL");
      live.delete(pid);
      rmSync(scratch, { recursive: true, force: true });
    })());

  try {
    const chainId = await waitUntilReady(url, readyTimeoutMs, exit, () => output);
    return {
      kind,
      url,
      chainId,
      deploymentsDir: path.join(deploymentsRoot, "localhost"),
      configFile,
      outputTail: () => tail(output),
      stop,
    };
  } catch (e) {
    await stop();
    throw new Error(`${kind} node on ${url}: ${(e as Error).message}`);
  }
}

/** Polls `eth_chainId` until the node answers, exits, or the time is up. */
async function waitUntilReady(
  url: string,
  timeoutMs: number,
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  output: () => string,
): Promise<bigint> {
  let exitedWith: string | undefined;
  void exit.then(({ code, signal }) => (exitedWith = signal ? `signal ${signal}` : `code ${code}`));
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer yet";
  while (exitedWith === undefined) {
    if (Date.now() > deadline) {
      throw new Error(
        `no answer to eth_chainId within ${timeoutMs} ms (last: ${lastError}); its output ended with:\n${tail(output())}`,
      );
    }
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(2000),
      });
      const body = (await response.json()) as { result?: string };
      if (typeof body.result === "string") return BigInt(body.result);
      lastError = JSON.stringify(body);
    } catch (e) {
      lastError = (e as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`exited with ${exitedWith} before answering; its output ended with:\n${tail(output())}`);
}

/** The project's config with hardhat-deploy's `deployments/` moved to `deploymentsRoot`. */
function scratchConfig(deploymentsRoot: string): string {
  const base = path.join(PROJECT_ROOT, "hardhat.config.ts").slice(0, -".ts".length);
  return [
    "// Written by test/helpers/node.ts: the project's config, with deployments kept out of the working tree.",
    `import base from ${JSON.stringify(base)};`,
    "export default {",
    "  ...base,",
    `  paths: { ...base.paths, root: ${JSON.stringify(PROJECT_ROOT)}, deployments: ${JSON.stringify(deploymentsRoot)} },`,
    "};",
    "",
  ].join("\n");
}

/** A port of 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`expected a TCP address from the probe server, got ${String(address)}`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** The test process's environment without the variables that would redirect hardhat or the deploy files. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("HARDHAT_") && !k.startsWith("BLINDCREDIT_")),
  );
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Signals every process of the group led by `pid`; a group already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

function tail(text: string): string {
  return text.slice(-TAIL_CHARS).trimEnd() || "(nothing)";
}

/**
 * Kills what is still running when the test process ends: on a normal exit, and on SIGINT or SIGTERM
 * (the children are in their own process groups, so a Ctrl-C does not reach them).
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const [pid, scratch] of live) {
      killGroup(pid, "SIGKILL");
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    }
    live.clear();
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const onSignal = () => {
      killAll();
      process.off(signal, onSignal);
      // Re-raise for the default behaviour (or other listeners'), now that the children are gone.
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
