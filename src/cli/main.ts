/**
 * `blindcredit`: the command line of every BlindCredit role. Commands are grouped by role
 * (`member`, `voter`, `subject`, `provider`, `bank`, `bureau`) plus `deploy`, `portal` and `schema`; each
 * role's file in `commands/` registers its own. Handlers import their heavy modules (contract
 * types, the Paillier engine) lazily, so that `--help` and the offline commands start fast.
 * @module
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, Option } from "commander";
import { argParser, classify, CliError } from "./errors";
import { EXIT_CODE_HELP, ExitCode } from "./exitCodes";
import { Output, toJson } from "./output";
import { redactText, redactUrl } from "../redact";
import { DEFAULT_DEPLOYMENTS, PACKAGE_ROOT } from "./context";
import { parseInteger } from "./args";
import * as bank from "./commands/bank";
import * as bureau from "./commands/bureau";
import * as deploy from "./commands/deploy";
import * as member from "./commands/member";
import * as portal from "./commands/portal";
import * as provider from "./commands/provider";
import * as schema from "./commands/schema";
import * as subject from "./commands/subject";
import * as voter from "./commands/voter";

const EPILOGUE = `
Signer (for commands that send transactions), highest first:
  --private-key-file <file> or --account <index> on the command line, then the environment:
  BLINDCREDIT_PRIVATE_KEY_FILE, BLINDCREDIT_PRIVATE_KEY (0x + 64 hex digits) or BLINDCREDIT_ACCOUNT.

Output: human text on stdout, progress on stderr; --json prints exactly one JSON document on stdout
(bigints as decimal strings; on failure {"error": {"exitCode", "message", ...}}).

Exit codes:
${EXIT_CODE_HELP.map(([code, text]) => `  ${code}  ${text}`).join("\n")}`;

/**
 * The whole command tree.
 * @param known URLs the command line was given, whose credentials commander's own error messages must not show
 */
export function buildProgram(known: readonly string[] = []): Command {
  const program = new Command("blindcredit");
  // Before any subcommand is added, so that every subcommand inherits these settings.
  program
    .description("BlindCredit: privacy-preserving credit checks on Ethereum, one command group per role")
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(redactText(text, known)) })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    .addOption(
      new Option("--rpc-url <url>", "JSON-RPC endpoint of the node")
        .env("BLINDCREDIT_RPC_URL")
        .default("http://127.0.0.1:8545")
        .argParser(argParser(parseRpcUrl)),
    )
    .addOption(
      new Option("--deployments <dir>", "hardhat-deploy records of the suite (a network's directory)")
        .env("BLINDCREDIT_DEPLOYMENTS")
        .default(DEFAULT_DEPLOYMENTS),
    )
    .addOption(
      new Option("--private-key-file <file>", "sign with the key in this file (0x + 64 hex digits)").env(
        "BLINDCREDIT_PRIVATE_KEY_FILE",
      ),
    )
    .addOption(
      new Option("--account <index>", "sign with the node's unlocked account <index> (dev nodes)")
        .env("BLINDCREDIT_ACCOUNT")
        .argParser(argParser((v) => parseInteger(v, 0, 1_000_000))),
    )
    .addOption(
      new Option(
        "--schema <file>",
        "the consortium's credit schema file (default: the deployment's CreditSchema.json, else schemas/default.json)",
      ).env("BLINDCREDIT_SCHEMA"),
    )
    .addOption(new Option("--json", "print the result as one JSON document on stdout"))
    .addOption(new Option("--quiet", "no progress lines on stderr"))
    .addHelpText("after", EPILOGUE);

  member.register(program);
  voter.register(program);
  subject.register(program);
  provider.register(program);
  bank.register(program);
  bureau.register(program);
  deploy.register(program);
  portal.register(program);
  schema.register(program);
  return program;
}

/**
 * Runs the command line.
 * @param argv as `process.argv` (node, script, arguments)
 * @returns the exit code
 */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  // Known before parsing, so that even a usage error is reported as JSON when --json was asked.
  const args = argv.slice(2);
  const end = args.indexOf("--");
  const flags = end === -1 ? args : args.slice(0, end);
  const out = new Output(flags.includes("--json"), flags.includes("--quiet"));
  const known = knownUrls(flags);
  const program = buildProgram(known);
  try {
    await program.parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (e) {
    const code = (e as { code?: string }).code;
    // commander has already printed help, the version, or its own usage message.
    if (code === "commander.helpDisplayed" || code === "commander.version") return ExitCode.Ok;
    if (typeof code === "string" && code.startsWith("commander.")) {
      const mistyped = code === "commander.missingMandatoryOptionValue" ? mistypedFlags(program, flags) : "";
      // commander printed its own line; a mistyped flag behind a missing one is named on the next.
      if (mistyped) process.stderr.write(`blindcredit: ${mistyped}\n`);
      const message =
        code === "commander.help"
          ? "expected a subcommand (see the list above)"
          : `${(e as Error).message.replace(/^error: /, "")}${mistyped ? `; ${mistyped}` : ""}`;
      out.failure(redactError(new CliError(ExitCode.Usage, message, { code }), known), true);
      return ExitCode.Usage;
    }
    const error = redactError(classify(e), known);
    out.failure(error);
    if (error.exitCode === ExitCode.Unexpected && process.env.BLINDCREDIT_DEBUG) {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
    }
    return error.exitCode;
  }
}

/** Runs the command line and exits the process once stdout and stderr are flushed. */
export function run(argv: readonly string[]): void {
  void main(argv).then((code) => {
    // Workers (a randomness pool) or open sockets must not keep a finished command alive.
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  });
}

/** The URLs the command line was given (flags and the environment): their secrets are redacted from every error. */
function knownUrls(flags: readonly string[]): string[] {
  const known = Object.entries(process.env)
    .filter(([name]) => name.startsWith("BLINDCREDIT_") && name.endsWith("_URL"))
    .map(([, value]) => value ?? "");
  flags.forEach((flag, i) => {
    const [name, inline] = flag.split(/=(.*)/s, 2);
    if (name.startsWith("--") && name.endsWith("-url")) known.push(inline ?? flags[i + 1] ?? "");
  });
  return known.filter((url) => url !== "");
}

/** The error with every credential of a URL (the RPC URL's key, a database password) replaced by `***`. */
function redactError(error: CliError, known: readonly string[]): CliError {
  const details = JSON.parse(redactText(toJson(error.details, 0), known)) as Record<string, unknown>;
  return new CliError(error.exitCode, redactText(error.message, known), details, { cause: error.cause });
}

/**
 * The flags in `args` that the command they were given to does not know, each with the known flag nearest to it, as
 * a clause to add to commander's "required option … not specified" (it names the missing flag, not the mistyped one).
 */
function mistypedFlags(program: Command, args: readonly string[]): string {
  let command = program;
  const known = new Set(["--help", "--version"]);
  for (const option of program.options) if (option.long) known.add(option.long);
  for (const arg of args) {
    const sub = arg.startsWith("-") ? undefined : command.commands.find((c) => c.name() === arg);
    if (!sub) continue;
    command = sub;
    for (const option of sub.options) if (option.long) known.add(option.long);
  }
  const unknown = args.filter((a) => a.startsWith("--") && !known.has(a.split("=")[0])).map((a) => a.split("=")[0]);
  if (unknown.length === 0) return "";
  const nearest = (flag: string) => {
    const [best] = [...known].sort((a, b) => editDistance(flag, a) - editDistance(flag, b));
    return best && editDistance(flag, best) <= 3 ? ` (did you mean ${best}?)` : "";
  };
  return `${command.name()} does not know ${unknown.map((f) => `${f}${nearest(f)}`).join(", ")}`;
}

/** Levenshtein distance: the fewest single-character edits from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

function parseRpcUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`expected an http(s) URL such as http://127.0.0.1:8545, got "${redactUrl(value)}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`expected an http(s) URL, got the scheme "${url.protocol}" in "${redactUrl(value)}"`);
  }
  return value;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
}
