/**
 * A real browser for the portal's tests and bench: headless Chromium driven by playwright-core, with an EIP-1193
 * wallet injected into the page that forwards to a node's unlocked account (no extension). The wallet announces
 * itself by EIP-6963 (or only sets `window.ethereum`), can start on another chain and switch when asked, and can
 * refuse chosen methods as a person clicking "Reject" would (EIP-1193 error 4001).
 *
 * The Chromium is the one the npm package `@sparticuz/chromium` ships (unpacked to the temporary directory on first
 * use, a few seconds), launched with that package's flags but one: nothing to install beyond `npm install`.
 * `CHROMIUM_PATH` names another (Debian's `/usr/bin/chromium`, say), launched with the flags below.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { PROJECT_ROOT } from "./node";

/** The environment variable naming a Chromium to launch instead of the npm package's. */
export const CHROMIUM_PATH_VARIABLE = "CHROMIUM_PATH";

/** Flags for a system Chromium, headless, in a container without a GPU, a sandbox or a network beyond loopback. */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches headless Chromium: the npm package's, or the one `CHROMIUM_PATH` names.
 * @throws Error naming the path when `CHROMIUM_PATH` names no file
 */
export async function launchChromium(): Promise<Browser> {
  const given = process.env[CHROMIUM_PATH_VARIABLE];
  if (given) {
    if (!existsSync(given)) {
      throw new Error(
        `${CHROMIUM_PATH_VARIABLE}: expected the path of a Chromium executable, got ${given}, where there is no file ` +
          `(unset it to use the Chromium of the npm package @sparticuz/chromium)`,
      );
    }
    return chromium.launch({ executablePath: given, headless: true, args: CHROMIUM_FLAGS });
  }
  const { default: packaged } = await import("@sparticuz/chromium");
  const executablePath = await packaged.executablePath();
  try {
    return await chromium.launch({
      executablePath,
      headless: true,
      // its flags, but for --single-process: in one process, Chromium dies once a browser context is closed, and
      // the tests open and close one per scenario (it is for Lambda's sandbox, which this is not)
      args: packaged.args.filter((flag) => flag !== "--single-process"),
      // the fonts the package unpacked beside the browser (its fonts.conf names that folder): a bare machine has none
      env: { ...process.env, FONTCONFIG_PATH: process.env.FONTCONFIG_PATH ?? path.join(tmpdir(), "fonts") },
    });
  } catch (e) {
    throw new Error(
      `the Chromium of @sparticuz/chromium, unpacked at ${executablePath}, did not launch: ${(e as Error).message}\n` +
        `(a run stopped while unpacking it leaves a partial file: remove ${executablePath} and run again)`,
      { cause: e },
    );
  }
}

/**
 * Builds the portal (`vite build portal`) into `portal/dist`, as `npm run build` does.
 * @throws Error with vite's output when the build fails
 */
export function buildPortal(): void {
  const vite = path.join(PROJECT_ROOT, "node_modules", "vite", "bin", "vite.js");
  const result = spawnSync(process.execPath, [vite, "build", "portal", "--logLevel", "warn"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: "true" },
  });
  if (result.status !== 0) throw new Error(`vite build portal failed:\n${result.stdout}\n${result.stderr}`);
}

/** The injected wallet's settings. */
export interface WalletOptions {
  /** The node's JSON-RPC URL; requests the wallet does not answer itself go there. */
  readonly nodeUrl: string;
  /** The node's unlocked account the wallet holds. */
  readonly account: string;
  /** The node's chain id. */
  readonly chainId: bigint;
  /** The chain the wallet says it is on at first (default: the node's); a switch to the node's chain succeeds. */
  readonly startChainId?: bigint;
  /** Methods answered with error 4001, as when the person rejects them. */
  readonly refuse?: readonly string[];
  /** Announce by EIP-6963 (default) or only set `window.ethereum` (older wallets). */
  readonly eip6963?: boolean;
}

/** The wallet's state, as the test sees it. */
export interface TestWallet {
  /** Every method the page asked for, in order. */
  readonly calls: string[];
  /** The chain the wallet is on now. */
  chainId(): bigint;
}

/** EIP-1193 errors the wallet answers with. */
const REJECTED = { code: 4001, message: "User rejected the request." };
const UNKNOWN_CHAIN = { code: 4902, message: "Unrecognized chain ID." };

/**
 * Injects the wallet into every page of `page`'s context before its scripts run.
 * @example const wallet = await injectWallet(page, { nodeUrl: node.url, account, chainId: node.chainId });
 */
export async function injectWallet(page: Page, options: WalletOptions): Promise<TestWallet> {
  let chainId = options.startChainId ?? options.chainId;
  const calls: string[] = [];
  const hex = (n: bigint) => `0x${n.toString(16)}`;
  await page.exposeFunction("__testWalletRequest", async (method: string, params: unknown[]) => {
    calls.push(method);
    if (options.refuse?.includes(method)) return { error: REJECTED };
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return { result: [options.account.toLowerCase()] };
      case "eth_chainId":
        return { result: hex(chainId) };
      case "wallet_switchEthereumChain": {
        const wanted = BigInt((params[0] as { chainId: string }).chainId);
        if (wanted !== options.chainId) return { error: UNKNOWN_CHAIN };
        chainId = wanted;
        return { result: null, emit: [["chainChanged", hex(chainId)]] };
      }
    }
    const response = await fetch(options.nodeUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as {
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
    return body.error ? { error: body.error } : { result: body.result };
  });
  await page.addInitScript(
    ({ eip6963 }) => {
      type Listener = (...args: unknown[]) => void;
      // The page's window, typed by hand: this file compiles without the DOM library.
      const w = globalThis as unknown as {
        __testWalletRequest: (m: string, p: unknown[]) => Promise<Answer>;
        ethereum?: unknown;
        addEventListener(type: string, listener: () => void): void;
        dispatchEvent(event: unknown): boolean;
        CustomEvent: new (type: string, init: { detail: unknown }) => unknown;
      };
      const listeners = new Map<string, Listener[]>();
      const call = (method: string, params: unknown[]) => w.__testWalletRequest(method, params);
      type Answer = {
        result?: unknown;
        error?: { code: number; message: string; data?: unknown };
        emit?: [string, unknown][];
      };
      const provider = {
        isTestWallet: true,
        async request({ method, params }: { method: string; params?: unknown[] }) {
          const answer = await call(method, params ?? []);
          for (const [event, arg] of answer.emit ?? []) {
            setTimeout(() => (listeners.get(event) ?? []).forEach((f) => f(arg)), 0);
          }
          if (answer.error) {
            throw Object.assign(new Error(answer.error.message), { code: answer.error.code, data: answer.error.data });
          }
          return answer.result;
        },
        on(event: string, listener: Listener) {
          listeners.set(event, [...(listeners.get(event) ?? []), listener]);
          return provider;
        },
        removeListener(event: string, listener: Listener) {
          listeners.set(
            event,
            (listeners.get(event) ?? []).filter((f) => f !== listener),
          );
          return provider;
        },
      };
      if (!eip6963) {
        w.ethereum = provider;
        return;
      }
      const detail = Object.freeze({
        info: { uuid: "0b5f7d4e-test-wallet", name: "Test Wallet", icon: "", rdns: "org.blindcredit.testwallet" },
        provider,
      });
      const announce = () => w.dispatchEvent(new w.CustomEvent("eip6963:announceProvider", { detail }));
      w.addEventListener("eip6963:requestProvider", announce);
      announce();
    },
    { eip6963: options.eip6963 ?? true },
  );
  return { calls, chainId: () => chainId };
}
