/**
 * From the global options to what a command works with: the node (checked to answer before
 * anything else), the signer, and the deployed suite. Network, keys and addresses come from flags,
 * the environment or the deployment files, never from the code.
 *
 * Signer sources, highest first: `--private-key-file` or `--account` on the command line, then
 * `BLINDCREDIT_PRIVATE_KEY_FILE`, `BLINDCREDIT_PRIVATE_KEY` or `BLINDCREDIT_ACCOUNT`. Two sources
 * at the same level are refused rather than one silently winning. A private key is never taken as
 * a flag value: it would sit in the shell history and in `ps`.
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import {
  JsonRpcProvider,
  Network,
  Wallet,
  type BaseContract,
  type LogDescription,
  type Signer,
  type TransactionReceipt,
} from "ethers";
import { redactText, redactUrl } from "../redact";
import type { Suite } from "../suite";
import { CliError, networkError, usageError } from "./errors";
import { DEFAULT_SCHEMA, expectDeployedSchema, type CreditSchema } from "../protocol/schema";
import { loadSchemaFile } from "../protocol/schemaFile";
import { Output } from "./output";

/** The repository root: where `blindcredit deploy` runs hardhat and writes `deployments/`. */
export const PACKAGE_ROOT = packageRoot(__dirname);

/**
 * The folder of the nearest package.json above `from`: the project's root, from src/cli in the sources and from
 * dist/src/cli in the compiled command line a packed install runs.
 */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`expected a package.json above ${from}, found none`);
  }
}

/** The default deployments directory (hardhat-deploy's for the `localhost` network). */
export const DEFAULT_DEPLOYMENTS = path.join("deployments", "localhost");

/** The global options every command takes. */
export interface GlobalOptions {
  readonly rpcUrl: string;
  readonly deployments: string;
  readonly privateKeyFile?: string;
  readonly account?: number;
  readonly json: boolean;
  readonly quiet: boolean;
  /** The consortium's credit schema file, when given (`--schema`). */
  readonly schema?: string;
}

/** A command's globals and its printer. */
export interface Invocation {
  readonly globals: GlobalOptions;
  readonly out: Output;
  readonly command: Command;
}

/** The globals of `command` (options may be given before or after the subcommand). */
export function invocation(command: Command): Invocation {
  const globals = command.optsWithGlobals() as GlobalOptions;
  return { globals, out: new Output(Boolean(globals.json), Boolean(globals.quiet)), command };
}

/** A live connection: the node, its chain, the signer (when the command sends) and the suite. */
export interface Connection {
  readonly provider: JsonRpcProvider;
  readonly chainId: bigint;
  readonly signer?: Signer;
  /** The signer's address, when there is a signer. */
  readonly address?: string;
  readonly suite: Suite;
}

/** A connection with a signer. */
export type SigningConnection = Connection & { readonly signer: Signer; readonly address: string };

/** Where the signer comes from, decided before any network call. */
type SignerSource = { kind: "key"; key: string; origin: string } | { kind: "account"; index: number; origin: string };

/**
 * Connects for a command that sends transactions: a signer is required.
 * @throws CliError exit 2 without a signer or with a malformed key file; exit 3 when the node or the deployments fail
 */
export async function connectSigner(inv: Invocation): Promise<SigningConnection> {
  const source = signerSource(inv);
  if (!source) {
    throw usageError(
      "this command sends transactions: expected a signer: --private-key-file <file>, --account <index> " +
        "(an unlocked account of a dev node), or BLINDCREDIT_PRIVATE_KEY_FILE / BLINDCREDIT_PRIVATE_KEY / BLINDCREDIT_ACCOUNT",
    );
  }
  return (await connect(inv, source)) as SigningConnection;
}

/** Connects for a read-only command: the signer, if one is configured, only names "me". */
export async function connectReader(inv: Invocation): Promise<Connection> {
  return connect(inv, signerSource(inv));
}

/**
 * The address a read-only command is about: the one given, or the configured signer's.
 * @throws CliError exit 2 when neither is there
 */
export function subjectAddress(conn: Connection, given: string | undefined, what: string): string {
  const address = given ?? conn.address;
  if (!address) {
    throw usageError(`expected ${what}: give it as an argument, or configure a signer (--account, --private-key-file)`);
  }
  return address;
}

async function connect(inv: Invocation, source: SignerSource | undefined): Promise<Connection> {
  const { rpcUrl } = inv.globals;
  // Read the key before touching the network, so that a bad key file is a usage error (exit 2).
  let wallet: Wallet | undefined;
  if (source?.kind === "key") {
    try {
      wallet = new Wallet(source.key);
    } catch {
      throw usageError(`${source.origin}: expected a valid secp256k1 private key, got a number out of its range`);
    }
  }
  const deployments = deploymentsDir(inv);
  const chainId = await probeNode(rpcUrl);
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, pollingInterval: 1000 });

  let signer: Signer | undefined = wallet?.connect(provider);
  if (source?.kind === "account") {
    const accounts = await provider.listAccounts();
    if (source.index >= accounts.length) {
      throw usageError(
        `${source.origin} ${source.index}: the node at ${redactUrl(rpcUrl)} has ${accounts.length} unlocked account(s)` +
          (accounts.length > 0 ? ` (0 to ${accounts.length - 1})` : ": use --private-key-file on a non-dev node"),
      );
    }
    signer = accounts[source.index];
  }

  const { loadDeployedSuite } = await import("../deployments");
  let suite: Suite;
  try {
    suite = await loadDeployedSuite(deployments, signer ?? provider);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw networkError((e as Error).message, e);
  }
  return { provider, chainId, signer, address: signer ? await signer.getAddress() : undefined, suite };
}

/**
 * The deployments directory: a relative path is taken from the working directory; the default
 * falls back to the package's own `deployments/localhost` (where `blindcredit deploy` writes) when
 * the working directory has none, so the CLI works from anywhere on a developer's machine.
 */
export function deploymentsDir(inv: Invocation): string {
  const { deployments } = inv.globals;
  const source = inv.command.getOptionValueSourceWithGlobals("deployments");
  const resolved = path.resolve(deployments);
  if (source === "default" && !existsSync(resolved)) return path.join(PACKAGE_ROOT, DEFAULT_DEPLOYMENTS);
  return resolved;
}

/**
 * Asks the node for its chain id, with a timeout, so that an unreachable node fails at once with
 * exit 3 instead of ethers retrying network detection forever.
 * @returns the chain id
 */
export async function probeNode(rpcUrl: string, timeoutMs = 10_000): Promise<bigint> {
  const hint = "start one (`npx hardhat node`) or point --rpc-url / BLINDCREDIT_RPC_URL at a running node";
  let response: Response;
  try {
    response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    throw networkError(
      `cannot reach a JSON-RPC node at ${redactUrl(rpcUrl)} (${redactText(why, [rpcUrl])}): ${hint}`,
      e,
    );
  }
  let body: { result?: unknown } | undefined;
  try {
    body = (await response.json()) as { result?: unknown };
  } catch {
    body = undefined;
  }
  if (!response.ok || typeof body?.result !== "string" || !/^0x[0-9a-fA-F]+$/.test(body.result)) {
    throw networkError(
      `${redactUrl(rpcUrl)} did not answer eth_chainId as a JSON-RPC node does (HTTP ${response.status}): ${hint}`,
    );
  }
  return BigInt(body.result);
}

/** The signer source the options and the environment name, refusing two at the same level. */
function signerSource(inv: Invocation): SignerSource | undefined {
  const { command, globals } = inv;
  const env = process.env;
  const fromCli: SignerSource[] = [];
  const fromEnv: SignerSource[] = [];
  const keyFileSource = command.getOptionValueSourceWithGlobals("privateKeyFile");
  const accountSource = command.getOptionValueSourceWithGlobals("account");
  if (globals.privateKeyFile !== undefined) {
    const origin = keyFileSource === "env" ? "BLINDCREDIT_PRIVATE_KEY_FILE" : "--private-key-file";
    (keyFileSource === "env" ? fromEnv : fromCli).push({
      kind: "key",
      key: readKeyFile(globals.privateKeyFile, origin),
      origin,
    });
  }
  if (globals.account !== undefined) {
    const origin = accountSource === "env" ? "BLINDCREDIT_ACCOUNT" : "--account";
    (accountSource === "env" ? fromEnv : fromCli).push({ kind: "account", index: globals.account, origin });
  }
  if (env.BLINDCREDIT_PRIVATE_KEY !== undefined && env.BLINDCREDIT_PRIVATE_KEY !== "") {
    fromEnv.push({
      kind: "key",
      key: checkPrivateKey(env.BLINDCREDIT_PRIVATE_KEY, "BLINDCREDIT_PRIVATE_KEY"),
      origin: "BLINDCREDIT_PRIVATE_KEY",
    });
  }
  for (const level of [fromCli, fromEnv]) {
    if (level.length > 1) {
      throw usageError(`expected one signer, got ${level.map((s) => s.origin).join(" and ")}: keep one`);
    }
    if (level.length === 1) return level[0];
  }
  return undefined;
}

/** Reads a private key file: one 0x-prefixed 32-byte hex key, surrounding whitespace allowed. */
function readKeyFile(file: string, origin: string): string {
  return checkPrivateKey(readSecretFile(file, origin), `${origin} ${file}`);
}

/**
 * Reads a file that holds a private key, refusing it, as ssh does, when its group or others may read or write it:
 * the key may already be someone else's, and the user should know before it signs anything.
 * @param what how the file is named in errors, e.g. "--private-key-file"
 * @throws CliError exit 2 when the file cannot be read or its mode lets anyone but its owner in, with the fix
 */
export function readSecretFile(file: string, what: string): string {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(`${what} ${file}: cannot read it (${code === "ENOENT" ? "no such file" : code})`);
  }
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    const shown = (mode & 0o777).toString(8).padStart(4, "0");
    throw usageError(
      `${what} ${file}: expected a private key file readable by its owner only (mode 0600), got mode ${shown}: ` +
        `others on this machine may have read the key. Run \`chmod 600 ${file}\` (and move the funds if in doubt)`,
    );
  }
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(`${what} ${file}: cannot read it (${code === "ENOENT" ? "no such file" : code})`);
  }
}

/** Checks the shape of a private key without ever echoing it. */
function checkPrivateKey(text: string, where: string): string {
  const key = text.trim();
  const hex = key.startsWith("0x") ? key : `0x${key}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
    throw usageError(
      `${where}: expected a private key as 0x and 64 hex digits, got ${key.length} characters of something else`,
    );
  }
  if (/^0x0{64}$/.test(hex)) throw usageError(`${where}: expected a private key, got zero`);
  return hex;
}

/**
 * Wraps a command handler for commander: the handler gets the invocation, then the command's
 * arguments and its options object, in commander's order.
 */
export function action<A extends unknown[]>(
  handler: (inv: Invocation, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    await handler(invocation(command), ...(args.slice(0, -1) as A));
  };
}

/** The events named `name` that `contract` emitted in a mined transaction, decoded. */
export async function eventsNamed(
  contract: BaseContract,
  receipt: TransactionReceipt,
  name: string,
): Promise<LogDescription[]> {
  const address = (await contract.getAddress()).toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => contract.interface.parseLog(log))
    .filter((e): e is LogDescription => e?.name === name);
}

/** The schema file a deployment's records hold beside them (written by the deploy file with the contracts'). */
export const DEPLOYED_SCHEMA_FILE = "CreditSchema.json";

/**
 * The credit schema a command works with: the file `--schema` names, else the one the deployments directory holds
 * ({@link DEPLOYED_SCHEMA_FILE}), else the default schema; and where it came from.
 * @throws CliError exit 2 when the file cannot be read or is not a valid schema
 */
export function schemaOf(inv: Invocation): { readonly schema: CreditSchema; readonly source: string } {
  const beside = path.join(deploymentsDir(inv), DEPLOYED_SCHEMA_FILE);
  const file = inv.globals.schema ?? (existsSync(beside) ? beside : undefined);
  if (file === undefined) return { schema: DEFAULT_SCHEMA, source: "the default schema (schemas/default.json)" };
  try {
    return { schema: loadSchemaFile(file), source: file };
  } catch (e) {
    throw usageError((e as Error).message);
  }
}

/**
 * The command's credit schema ({@link schemaOf}), checked against the hash the deployment is fixed to.
 * @throws CliError exit 3 when the deployment is fixed to another schema: "expected schema X (hash …), got …"
 */
export async function deployedSchemaOf(inv: Invocation, conn: Connection): Promise<CreditSchema> {
  const { schema } = schemaOf(inv);
  try {
    expectDeployedSchema(schema, await conn.suite.matching.schemaHash());
  } catch (e) {
    throw networkError((e as Error).message, e);
  }
  return schema;
}
