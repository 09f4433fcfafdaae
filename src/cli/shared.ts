/**
 * Pieces several role commands share (command files import this, never each other): asking a subject for a grant,
 * expiry options resolved against chain time, level names, grant standing, files written once with owner-only
 * permissions, opening a proposal, the bureau URL option.
 * @module
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import type { Provider } from "ethers";
import { GrantState, NodeType } from "../contractEnums";
import { levelNames } from "../permissions";
import { parseAddress, parseDuration, parseIsoTime, parseMaxUses } from "./args";
import type { Suite } from "../suite";
import { action, connectSigner, eventsNamed, type Invocation } from "./context";
import { BureauRefused } from "../clients/httpBoard";
import { argParser, CliError, usageError } from "./errors";
import { ExitCode } from "./exitCodes";
import { isoTime } from "./output";

/** The expiry options a command that asks for or sets a grant takes. */
export interface ExpiryOptions {
  readonly expiresIn: number;
  readonly expiresAt?: number;
}

/** Adds `--expires-in <duration>` (default `fallback`) and `--expires-at <iso>`, which exclude each other. */
export function addExpiryOptions(command: Command, fallback: string): Command {
  return command
    .addOption(
      new Option("--expires-in <duration>", "valid for this long from now (chain time): 30d, 12h, 90m, 2w")
        .argParser(argParser(parseDuration))
        .default(parseDuration(fallback), fallback)
        .conflicts("expiresAt"),
    )
    .addOption(
      new Option("--expires-at <iso>", "valid until this ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z").argParser(
        argParser(parseIsoTime),
      ),
    );
}

/**
 * The expiry in Unix seconds. Durations count from the latest block's time, not the local clock:
 * the contract compares against block time, and a dev node's clock may have been moved.
 * @throws CliError exit 2 for an expiry not in the future or beyond uint64
 */
export async function resolveExpiry(provider: Provider, opts: ExpiryOptions): Promise<bigint> {
  const now = await chainTime(provider);
  const expiry = opts.expiresAt !== undefined ? BigInt(opts.expiresAt) : now + BigInt(opts.expiresIn);
  if (expiry <= now) {
    throw usageError(
      `--expires-at: expected a time after the chain's current time ${new Date(Number(now) * 1000).toISOString()}, ` +
        `got ${new Date(Number(expiry) * 1000).toISOString()}`,
    );
  }
  if (expiry >= 2n ** 64n) throw usageError("--expires-at: expected a time that fits in 64 bits of seconds");
  return expiry;
}

/** The latest block's time in Unix seconds: the clock every expiry and deadline is compared with. */
export async function chainTime(provider: Provider): Promise<bigint> {
  const block = await provider.getBlock("latest");
  if (!block) throw new Error("expected the node to return its latest block, got none");
  return BigInt(block.timestamp);
}

/** Levels as the CLI writes them: `blind-read`, `read,write`. */
export function levelText(levels: number | bigint): string {
  const names = levelNames(Number(levels)).map((n) => n.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase());
  return names.length === 0 ? "none" : names.join(",");
}

/** A grant's standing, as the CLI writes it. */
export type GrantStanding = "none" | "live" | "expired" | "exhausted" | "revoked";

/**
 * A grant's standing from `PermissionSetting.grantState`, the one place liveness is decided.
 * @example standingOf(await permissions.grantState(subject, grantee)) // "live"
 */
export function standingOf(state: bigint | number): GrantStanding {
  const standings: Record<number, GrantStanding> = {
    [GrantState.None]: "none",
    [GrantState.Active]: "live",
    [GrantState.Expired]: "expired",
    [GrantState.Exhausted]: "exhausted",
    [GrantState.Revoked]: "revoked",
  };
  const standing = standings[Number(state)];
  if (!standing) throw new Error(`expected a grant state from 0 to 4, got ${state}`);
  return standing;
}

/**
 * Writes a new file readable by its owner only (mode 0600), refusing to overwrite one: key files,
 * salts and check records are secrets, and losing an old one to a typo would be worse than an error.
 * @throws CliError exit 2 when the file exists or cannot be created
 */
export function writeSecretFile(file: string, contents: string, what: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(
      code === "EEXIST"
        ? `${what} ${file}: the file exists; refusing to overwrite it (move it away or choose another path)`
        : `${what} ${file}: cannot create it (${code})`,
    );
  }
  try {
    writeSync(fd, contents);
  } finally {
    closeSync(fd);
  }
}

/** Fails with exit 2 when `file` exists: checked before any transaction whose result it will hold. */
export function refuseExisting(file: string, what: string): void {
  if (existsSync(file)) throw usageError(`${what} ${file}: the file exists; refusing to overwrite it`);
}

/**
 * Adds `<parent> <name> <subject>`: the caller asks the subject for a grant of `level` (paper flow 3.4 step (1));
 * the subject approves with `subject approve`.
 * @param role the JSON member that names the caller ("bank", "provider")
 * @param uses what one use is, for the help ("checks", "records")
 */
export function addPermissionRequest(
  parent: Command,
  spec: { name: string; level: number; levelName: string; role: string; subjectHelp: string; uses: string },
): void {
  addExpiryOptions(
    parent
      .command(spec.name)
      .description(`ask <subject> for ${spec.levelName} access (the subject approves with subject approve)`)
      .argument("<subject>", spec.subjectHelp, argParser(parseAddress))
      .option("--max-uses <n>", `${spec.uses} allowed, or "unlimited" (default 1)`, argParser(parseMaxUses), 1),
    "30d",
  ).action(
    action(async (inv, subject: string, opts: ExpiryOptions & { maxUses: number }) => {
      const conn = await connectSigner(inv);
      const expiry = await resolveExpiry(conn.provider, opts);
      await inv.out.send(
        "requestPermission",
        conn.suite.permissions.requestPermission(subject, spec.level, expiry, opts.maxUses),
      );
      const data = {
        [spec.role]: conn.address,
        subject,
        levels: spec.levelName,
        expiry: isoTime(expiry),
        maxUses: opts.maxUses,
      };
      inv.out.result(
        data,
        (d) =>
          `asked ${d.subject} for ${spec.levelName} until ${d.expiry}, ` +
          `${d.maxUses === 0 ? "unlimited" : d.maxUses} use(s); ` +
          `the subject approves with: blindcredit subject approve ${conn.address}`,
      );
    }),
  );
}

/**
 * Adds `<name> <subject>` to a requester's command group: where its last request to the subject stands (pending,
 * declined by the subject, granted, or never asked), with its grant's standing.
 */
export function addRequestStatus(parent: Command, spec: { name: string; role: string }): void {
  parent
    .command(spec.name)
    .description(`where your request to <subject> stands: pending, declined, granted, or not asked`)
    .argument("<subject>", "the subject you asked", argParser(parseAddress))
    .action(
      action(async (inv, subject: string) => {
        const conn = await connectSigner(inv);
        const { requestAnswer } = await import("../clients/consent");
        const { permissions } = conn.suite;
        const [{ answer }, state] = await Promise.all([
          requestAnswer(permissions, subject, conn.address),
          permissions.grantState(subject, conn.address),
        ]);
        const data = { [spec.role]: conn.address, subject, request: answer, grant: standingOf(state) };
        inv.out.result(data, (d) => {
          const said: Record<string, string> = {
            "not-asked": `you have not asked ${d.subject} for access`,
            pending: `your request to ${d.subject} is pending: the subject has not answered yet`,
            declined: `${d.subject} declined your request: ask again with different terms, or not at all`,
            granted: `${d.subject} answered your request with a grant`,
          };
          return `${said[d.request as string]}; your grant is ${d.grant}`;
        });
      }),
    );
}

/** The consensus contract's functions that open a proposal (`voter propose`, `member add-voter`). */
export type ProposeFunction = "proposeVoterAddition" | "proposeVoterRemoval" | "proposeRemoval" | "proposeAdmission";

/**
 * Opens a proposal with one of the consensus contract's `propose*` functions.
 * @returns the new proposal's id, from its `ProposalCreated` event
 */
export async function propose(
  inv: Invocation,
  suite: Suite,
  fn: ProposeFunction,
  account: string,
  nodeType?: NodeType,
): Promise<bigint> {
  const { consensus } = suite;
  const sent =
    fn === "proposeAdmission" ? consensus.proposeAdmission(account, nodeType ?? NodeType.None) : consensus[fn](account);
  const { receipt } = await inv.out.send(fn, sent);
  const [event] = await eventsNamed(consensus, receipt, "ProposalCreated");
  if (!event) throw new Error(`${fn}: expected a ProposalCreated event in ${receipt.hash}, found none`);
  return event.args.proposalId as bigint;
}

/**
 * The bureau's account address (`bank check`, `provider submit`, `subject record`, `portal`): requests to its API are
 * signed for that address, named by the user, never taken from the service at --bureau-url.
 */
export function bureauOption(description = "the credit bureau's address"): Option {
  return new Option("--bureau <address>", description)
    .env("BLINDCREDIT_BUREAU_ADDRESS")
    .argParser(argParser(parseAddress));
}

/** The bureau service's URL (`bank check`, `provider submit`). */
export function bureauUrlOption(): Option {
  return new Option("--bureau-url <url>", "the bureau service's HTTP API")
    .env("BLINDCREDIT_BUREAU_URL")
    .default("http://127.0.0.1:8600");
}

/**
 * A failure talking to the bureau's API as the CLI reports it: its refusal (4xx) is exit 4; anything else (no answer,
 * a 5xx, a timeout) is exit 3, with the hint a user needs: is the service running, and at which URL.
 */
export function bureauFailure(error: unknown, baseUrl: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof BureauRefused) return new CliError(ExitCode.Refused, error.message, { status: error.status });
  return new CliError(
    ExitCode.Network,
    `${(error as Error).message}: is the bureau service running at ${baseUrl} (blindcredit bureau start)? ` +
      "Set --bureau-url or BLINDCREDIT_BUREAU_URL",
    {},
    { cause: error },
  );
}

/** Why a grant cannot be used, in words: it is missing, expired, used up or revoked, or lacks a level. */
export function grantUnusable(standing: GrantStanding, level: string): string {
  switch (standing) {
    case "none":
      return "was never granted";
    case "expired":
      return "has expired";
    case "exhausted":
      return "is used up: every allowed use was consumed";
    case "revoked":
      return "was revoked by the subject";
    case "live":
      return `is live but does not include the ${level} level`;
  }
}
