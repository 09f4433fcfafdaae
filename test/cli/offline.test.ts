/**
 * The command line without a chain, as a user drives it: help, the schema, condition forms, key
 * generation, and every kind of bad input that must be caught before anything is sent. Commands
 * that would need a node are pointed at a closed port, so that an exit code other than 3 proves the
 * input was refused before any network call.
 */
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect } from "chai";
import type { Command } from "commander";
import type { Interface } from "ethers";
import { decodeRevert, formatRevert } from "../../src/cli/errors";
import { buildProgram } from "../../src/cli/main";
import { GrantState, ProposalState } from "../../src/contractEnums";
import { DEFAULT_SCHEMA } from "../../src/protocol/schema";
import { loadSchemaFile } from "../../src/protocol/schemaFile";
import { ConditionMatching__factory, ConsensusJudgment__factory } from "../../typechain-types";
import { importPrivateKey } from "../../src/paillier";
import { readFixture } from "../paillier/helpers";
import { cli, closedPort, expectExit, ok, ROOT, scratchDir } from "./helpers";

/** Nothing listens there: a command that reaches the network fails with exit 3 (set in `before`). */
let CLOSED: string[] = [];
let closedUrl = "";
const SOMEONE = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // hardhat account 0

/** Every command of the tree, as the words a user types. */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((c) => {
    const words = [...prefix, c.name()];
    return [words, ...commandPaths(c, words)];
  });
}

/** The long flags a command's own help must name. */
function optionFlags(program: Command, words: readonly string[]): string[] {
  let command = program;
  for (const word of words) command = command.commands.find((c) => c.name() === word)!;
  return command.options.map((o) => o.long!).filter((f) => f !== "--help");
}

/** Runs `work` over `items`, `limit` at a time (each item spawns a process). */
async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += limit)
    results.push(...(await Promise.all(items.slice(i, i + limit).map(work))));
  return results;
}

describe("blindcredit without a chain", function () {
  this.timeout(120_000);

  before(async function () {
    closedUrl = `http://127.0.0.1:${await closedPort()}`;
    CLOSED = ["--rpc-url", closedUrl];
  });

  describe("--help", function () {
    it("documents the global options, the environment and the exit codes", async function () {
      const run = await ok(["--help"]);
      for (const flag of ["--rpc-url", "--deployments", "--private-key-file", "--account", "--json", "--quiet"]) {
        expect(run.stdout).to.include(flag);
      }
      for (const text of ["BLINDCREDIT_RPC_URL", "BLINDCREDIT_PRIVATE_KEY", "Exit codes:", "  4  refused on-chain"]) {
        expect(run.stdout).to.include(text);
      }
    });

    it("exits 0 for every command and names its options and the global ones", async function () {
      const program = buildProgram();
      const paths = commandPaths(program).filter((words) => words.at(-1) !== "help");
      expect(paths.map((p) => p.join(" "))).to.include.members([
        "member apply",
        "voter vote",
        "subject history",
        "provider submit",
        "bank check",
        "bureau start",
        "deploy",
        "schema",
      ]);
      const runs = await inBatches(paths, 4, (words) => cli([...words, "--help"]));
      runs.forEach((run, i) => {
        expectExit(run, 0);
        expect(run.stdout).to.include(`Usage: blindcredit ${paths[i].join(" ")}`);
        for (const flag of optionFlags(program, paths[i])) expect(run.stdout, paths[i].join(" ")).to.include(flag);
        if (paths[i].length > 1 || ["deploy", "schema"].includes(paths[i][0]))
          expect(run.stdout).to.include("--rpc-url");
      });
    });
  });

  describe("usage errors (exit 2)", function () {
    it("refuses an unknown command, an unknown flag and a missing subcommand", async function () {
      expect(expectExit(await cli(["lend"]), 2).stderr).to.match(/unknown command 'lend'/);
      expect(expectExit(await cli(["schema", "--colour"]), 2).stderr).to.match(/unknown option '--colour'/);
      expectExit(await cli(["voter"]), 2);
    });

    it("refuses a bureau concurrency outside 1 to 64, saying what it expected", async function () {
      for (const given of ["0", "65", "two"]) {
        const run = expectExit(await cli([...CLOSED, "bureau", "start", "--concurrency", given]), 2);
        expect(run.stderr, given).to.match(/--concurrency/);
        expect(run.stderr, given).to.include(given);
      }
    });

    it("refuses a comparison-key pool or a reservation limit out of range, saying what it expected", async function () {
      for (const [flag, given] of [
        ["--comparison-keys", "0"],
        ["--comparison-keys", "65"],
        ["--reservations-per-bank", "0"],
        ["--reservations-per-bank", "1001"],
        ["--reservations-per-bank", "many"],
      ]) {
        const run = expectExit(await cli([...CLOSED, "bureau", "start", flag, given]), 2);
        expect(run.stderr, given).to.include(flag);
        expect(run.stderr, given).to.include(given);
      }
    });

    it("refuses a malformed address or id before connecting", async function () {
      const bad = expectExit(await cli([...CLOSED, "member", "status", "0x1234"]), 2);
      expect(bad.stderr).to.match(/expected an Ethereum address .* got "0x1234"/);
      expectExit(await cli([...CLOSED, "voter", "vote", "zero", "--yes"]), 2);
      expectExit(await cli([...CLOSED, "bank", "decision", "0x12"]), 2);
    });

    it("asks for exactly one of --yes and --no", async function () {
      const run = expectExit(await cli([...CLOSED, "--account", "1", "voter", "vote", "1"]), 2);
      expect(run.stderr).to.include("expected exactly one of --yes and --no");
      expectExit(await cli([...CLOSED, "--account", "1", "voter", "vote", "1", "--yes", "--no"]), 2);
    });

    it("reads the identity from a file or a prompt, never from a flag, and says which was wrong", async function () {
      const dir = scratchDir();
      const empty = path.join(dir, "empty.txt");
      writeFileSync(empty, "\n");
      const register = (args: string[]) => cli([...CLOSED, "--account", "5", "subject", "register", ...args]);
      // An identity on the command line would show in `ps` and the shell's history: the flag is gone.
      const flag = expectExit(await register(["--identity", "ID 1234, Jane Doe"]), 2);
      expect(flag.stderr).to.include("unknown option '--identity'");
      const blank = expectExit(await register(["--identity-file", empty]), 2);
      expect(blank.stderr).to.include(`--identity-file ${empty}: expected a non-empty identity string`);
      const missing = expectExit(await register(["--identity-file", path.join(dir, "none.txt")]), 2);
      expect(missing.stderr).to.include("cannot read it (ENOENT)");
      // The tests' stdin is not a terminal: no prompt, a usage error instead.
      const neither = expectExit(await register([]), 2);
      expect(neither.stderr).to.include("expected --identity-file <file> (or a terminal to prompt on)");
    });

    it("asks for a signer for a command that sends, and refuses two", async function () {
      const none = expectExit(await cli([...CLOSED, "voter", "vote", "1", "--yes"]), 2);
      expect(none.stderr).to.match(/expected a signer: --private-key-file/);
      const dir = scratchDir();
      const keyFile = path.join(dir, "key.hex");
      writeFileSync(keyFile, `${DEV_KEY}\n`, { mode: 0o600 });
      const two = expectExit(
        await cli([...CLOSED, "--account", "1", "--private-key-file", keyFile, "voter", "vote", "1", "--yes"]),
        2,
      );
      expect(two.stderr).to.include("expected one signer, got --private-key-file and --account");
    });

    it("refuses a malformed private key file without echoing it", async function () {
      const dir = scratchDir();
      const keyFile = path.join(dir, "key.hex");
      writeFileSync(keyFile, "0xnot-a-key-but-a-secret\n", { mode: 0o600 });
      const run = expectExit(await cli([...CLOSED, "--private-key-file", keyFile, "voter", "vote", "1", "--yes"]), 2);
      expect(run.stderr).to.include(`--private-key-file ${keyFile}: expected a private key as 0x and 64 hex digits`);
      expect(run.stderr).not.to.include("secret");
      const missing = expectExit(
        await cli([...CLOSED, "--private-key-file", path.join(dir, "nope"), "voter", "vote", "1", "--yes"]),
        2,
      );
      expect(missing.stderr).to.include("no such file");
    });

    it("refuses a private key file that its group or others may read, as ssh does, with the fix", async function () {
      const dir = scratchDir();
      const keyFile = path.join(dir, "key.hex");
      writeFileSync(keyFile, `${DEV_KEY}\n`);
      for (const mode of [0o644, 0o640, 0o604, 0o660]) {
        chmodSync(keyFile, mode);
        const run = expectExit(await cli([...CLOSED, "--private-key-file", keyFile, "voter", "vote", "1", "--yes"]), 2);
        expect(run.stderr).to.include(
          `--private-key-file ${keyFile}: expected a private key file readable by its owner`,
        );
        expect(run.stderr).to.include(`got mode 0${mode.toString(8)}`);
        expect(run.stderr).to.include(`chmod 600 ${keyFile}`);
        expect(run.stderr).not.to.include(DEV_KEY.slice(2, 12));
      }
      // From the environment too, and for the bank's Paillier key file.
      const env = expectExit(
        await cli([...CLOSED, "voter", "vote", "1", "--yes"], { env: { BLINDCREDIT_PRIVATE_KEY_FILE: keyFile } }),
        2,
      );
      expect(env.stderr).to.include(`BLINDCREDIT_PRIVATE_KEY_FILE ${keyFile}: expected a private key file readable`);
      const paillier = path.join(dir, "bank.key.json");
      writeFileSync(paillier, "{}", { mode: 0o644 }); // refused before it is read
      chmodSync(paillier, 0o644);
      const bank = expectExit(await cli([...CLOSED, "--account", "2", "bank", "register-key", "--key", paillier]), 2);
      expect(bank.stderr).to.include(`chmod 600 ${paillier}`);
      // Once only its owner may read it, the key is taken: the command goes on to the (closed) node, exit 3.
      chmodSync(keyFile, 0o600);
      expectExit(await cli([...CLOSED, "--private-key-file", keyFile, "voter", "vote", "1", "--yes"]), 3);
    });

    it("reports a usage error as one JSON document with --json", async function () {
      const run = expectExit(await cli(["--json", "member", "status", "nope"]), 2);
      expect(run.json<{ error: { exitCode: number; code: string } }>().error).to.include({
        exitCode: 2,
        code: "commander.invalidArgument",
      });
    });

    it("refuses a signed request to a bureau the user does not name (--bureau), whatever --bureau-url says", async function () {
      for (const command of [
        ["provider", "submit", SOMEONE, "--field", "creditScore=700"],
        ["subject", "record"],
      ]) {
        const run = expectExit(await cli([...CLOSED, "--account", "8", ...command, "--bureau-url", closedUrl]), 2);
        expect(run.stderr).to.include("required option '--bureau <address>' not specified");
      }
      const notAddress = expectExit(
        await cli([...CLOSED, "--account", "5", "subject", "record", "--bureau", "nope"]),
        2,
      );
      expect(notAddress.stderr).to.include(
        `expected an Ethereum address (0x and 40 hex digits, valid checksum if mixed case), got "nope"`,
      );
    });

    it("refuses bad provider fields before any transaction", async function () {
      const args = [...CLOSED, "--account", "8", "provider", "submit", SOMEONE, "--bureau", SOMEONE];
      const unknown = expectExit(await cli([...args, "--field", "salary=5"]), 2);
      expect(unknown.stderr).to.match(/unknown credit field "salary"/);
      const range = expectExit(await cli([...args, "--field", "creditScore=900"]), 2);
      expect(range.stderr).to.match(/creditScore: expected a value between 300 and 850, got one outside that range/);
      expectExit(await cli([...args]), 2);
      expectExit(await cli([...args, "--field", "creditScore"]), 2);
    });
  });

  describe("network errors (exit 3)", function () {
    it("says the node cannot be reached", async function () {
      const run = expectExit(await cli([...CLOSED, "member", "status", SOMEONE]), 3);
      expect(run.stderr).to.include(`cannot reach a JSON-RPC node at ${closedUrl} (ECONNREFUSED)`);
      const json = expectExit(await cli([...CLOSED, "--json", "voter", "list"]), 3).json<{
        error: { exitCode: number };
      }>();
      expect(json.error.exitCode).to.equal(3);
    });

    it("never prints the RPC URL's credentials: the key in its path, its password, its query", async function () {
      const port = new URL(closedUrl).port;
      const key = "9aa3d95b3bc440fa88ea12eaa4456161";
      const urls = [
        `http://127.0.0.1:${port}/v3/${key}`,
        `http://user:${key}@127.0.0.1:${port}/`,
        `http://127.0.0.1:${port}/rpc?apikey=${key}`,
      ];
      for (const url of urls) {
        for (const run of [
          expectExit(await cli(["--rpc-url", url, "member", "status", SOMEONE]), 3),
          expectExit(await cli(["--json", "--rpc-url", url, "voter", "list"]), 3),
          expectExit(await cli(["member", "status", SOMEONE], { env: { BLINDCREDIT_RPC_URL: url } }), 3),
          expectExit(await cli(["--rpc-url", url.replace("http", "ftp"), "member", "status", SOMEONE]), 2),
        ]) {
          expect(run.stderr + run.stdout).not.to.include(key);
          expect(run.stderr).to.include("***");
        }
      }
    });

    it("redacts the key when the node answers with an error that echoes it", async function () {
      const key = "9aa3d95b3bc440fa88ea12eaa4456161";
      const server = createServer((_req, res) => {
        res.writeHead(401, { "content-type": "text/plain" });
        res.end(`invalid project id ${key}`);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/${key}`;
        const run = expectExit(await cli(["--rpc-url", url, "member", "status", SOMEONE]), 3);
        expect(run.stderr).to.include("/v3/***");
        expect(run.stderr).not.to.include(key);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it("takes the node from BLINDCREDIT_RPC_URL", async function () {
      const run = expectExit(await cli(["member", "status", SOMEONE], { env: { BLINDCREDIT_RPC_URL: closedUrl } }), 3);
      expect(run.stderr).to.include(closedUrl);
    });
  });

  describe("contract errors, as printed", function () {
    const decode = (factory: { createInterface(): Interface }, name: string, args: unknown[]) => {
      const iface = factory.createInterface();
      const revert = decodeRevert(iface.encodeErrorResult(name, args), [iface]);
      if (!revert) throw new Error(`${name} did not decode`);
      return formatRevert(revert);
    };

    it("names the parameters and the enum values: what was expected and what was found", function () {
      expect(
        decode(ConsensusJudgment__factory, "ConsensusUnexpectedProposalState", [
          2,
          ProposalState.Executed,
          ProposalState.Active,
        ]),
      ).to.equal("ConsensusUnexpectedProposalState(proposalId: 2, current: Executed, expected: Active)");
    });

    it("names an enum declared in another contract's interface (the grant state)", function () {
      const checkId = "0x" + "11".repeat(32);
      const grantId = "0x" + "22".repeat(32);
      expect(
        decode(ConditionMatching__factory, "MatchingGrantWithdrawn", [checkId, grantId, GrantState.Revoked]),
      ).to.equal(`MatchingGrantWithdrawn(checkId: ${checkId}, grantId: ${grantId}, current: Revoked)`);
    });
  });

  describe("schema", function () {
    const WIDE_FILE = path.resolve("test/fixtures/schema-40.json");
    it("prints every field with its range, and the operators", async function () {
      const human = await ok(["schema"]);
      expect(human.stdout).to.match(/debtToIncome\s+0\.00 to 1000\.00\s+2/);
      const { fields, operators } = (await ok(["schema", "--json"])).json<{
        fields: { name: string; min: string; max: string; decimals: number }[];
        operators: string[];
      }>();
      expect(fields.find((f) => f.name === "creditScore")).to.deep.include({ min: "300", max: "850", decimals: 0 });
      expect(operators).to.deep.equal(["eq", "ne", "ge", "gt", "le", "lt", "between", "in"]);
    });

    it("prints the active schema's id, version and hash: the default, or the file --schema names", async function () {
      expect((await ok(["schema"])).stdout).to.include(
        `schema blindcredit-default v1, hash ${DEFAULT_SCHEMA.hash}, 6 fields, from the default schema`,
      );
      const wide = (await ok(["schema", "--json", "--schema", WIDE_FILE])).json<{
        id: string;
        version: number;
        hash: string;
        fields: { name: string }[];
      }>();
      expect(wide).to.deep.include({
        id: "test-forty",
        version: 3,
        hash: loadSchemaFile(WIDE_FILE).hash,
      });
      expect(wide.fields).to.have.length(40);
    });

    it("refuses a schema file that is not one, before anything else (exit 2)", async function () {
      const file = path.join(scratchDir("schemas"), "not-json.json");
      writeFileSync(file, "fields: none");
      const run = expectExit(await cli(["schema", "--schema", file]), 2);
      expect(run.stderr).to.include(`schema file ${file}: expected JSON`);
    });

    it("checks a form against the schema --schema names", async function () {
      const file = path.join(scratchDir("wide-forms"), "wide.json");
      writeFileSync(file, JSON.stringify({ conditions: [{ field: "field40", op: "eq", value: "1" }] }));
      const wide = ["--schema", WIDE_FILE];
      expect((await ok(["bank", "form", "--file", file, ...wide])).stdout).to.include("field40 = 1");
      expect(expectExit(await cli(["bank", "form", "--file", file]), 2).stderr).to.match(
        /unknown credit field "field40" in schema blindcredit-default v1/,
      );
    });
  });

  describe("bank form", function () {
    const dir = scratchDir("forms");
    const write = (name: string, form: unknown) => {
      const file = path.join(dir, name);
      writeFileSync(file, typeof form === "string" ? form : JSON.stringify(form));
      return file;
    };

    it("validates a form and prints its conditions", async function () {
      const file = write("loan.json", {
        mode: "decision",
        conditions: [
          { field: "creditScore", op: "ge", value: "650" },
          { field: "debtToIncome", op: "between", values: ["0", "35.5"] },
        ],
      });
      expect((await ok(["bank", "form", "--file", file])).stdout).to.include("debtToIncome between 0.00 and 35.50");
      const json = (await ok(["bank", "form", "--file", file, "--json"])).json<{
        mode: string;
        conditions: { field: string; op: string; values: string[] }[];
        comparisons: number;
      }>();
      expect(json.mode).to.equal("decision");
      expect(json.conditions.map((c) => [c.field, c.op, c.values])).to.deep.equal([
        ["creditScore", "ge", ["650"]],
        ["debtToIncome", "between", ["0.00", "35.50"]],
      ]);
      expect(json.comparisons).to.equal(3);
    });

    const refusals: [string, unknown, RegExp][] = [
      [
        "an unknown field",
        { conditions: [{ field: "salary", op: "ge", value: "1" }] },
        /condition 1: unknown credit field "salary"/,
      ],
      [
        "a value out of range",
        { conditions: [{ field: "creditScore", op: "ge", value: "900" }] },
        /creditScore: expected a value between 300 and 850, got one outside that range/,
      ],
      ["an empty form", { conditions: [] }, /expected at least one condition, got none/],
      [
        "an unknown operator",
        { conditions: [{ field: "creditScore", op: "≥", value: "1" }] },
        /expected an operator among/,
      ],
      ["a misspelt member", { condition: [] }, /unexpected member "condition"/],
      ["a file that is not JSON", "{ conditions: ", /expected JSON/],
      [
        "paper mode with a threshold",
        { mode: "paper", conditions: [{ field: "creditScore", op: "ge", value: "650" }] },
        /paper mode supports only "eq"/,
      ],
    ];
    for (const [what, form, message] of refusals) {
      it(`refuses ${what} (exit 2)`, async function () {
        const file = write(`${what.replace(/\W+/g, "-")}.json`, form);
        const run = expectExit(await cli(["bank", "form", "--file", file]), 2);
        expect(run.stderr).to.include(`form ${file}: `);
        expect(run.stderr).to.match(message);
      });
    }

    it("refuses a missing file", async function () {
      expect(expectExit(await cli(["bank", "form", "--file", path.join(dir, "none.json")]), 2).stderr).to.include(
        "no such file",
      );
    });
  });

  describe("scorecards: bank model and bank form", function () {
    const dir = scratchDir("scorecards");
    const EXAMPLE_MODEL = path.join(ROOT, "examples", "scorecard", "model.json");
    const EXAMPLE_FORM = path.join(ROOT, "examples", "scorecard", "form.json");
    const example = JSON.parse(readFileSync(EXAMPLE_FORM, "utf8")) as {
      conditions: { scorecard: { weights: Record<string, number>; cutoff: number | string; weightBits: number } }[];
    };
    /** The example's weights and cut-off as numbers of their own in `text` (not inside a longer number). */
    const secretsIn = (text: string) => {
      const { weights, cutoff } = example.conditions[0].scorecard;
      return [...Object.values(weights), cutoff].filter((v) =>
        new RegExp(`(?<![\\w.-])${String(v).replace("-", "\\-")}(?![\\w.])`).test(text),
      );
    };
    const write = (name: string, content: unknown) => {
      const file = path.join(dir, name);
      writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
      return file;
    };

    it("bank model writes the example's form from its model, mode 0600, and prints its shape, never its weights", async function () {
      const out = path.join(dir, "form.json");
      const run = await ok(["bank", "model", "--model", EXAMPLE_MODEL, "--out", out, "--weight-bits", "32"]);
      expect(JSON.parse(readFileSync(out, "utf8"))).to.deep.equal(example);
      expect(statSync(out).mode & 0o777).to.equal(0o600);
      expect(run.stdout).to.include("weights and cut-off: secret");
      expect(run.stdout).to.include("annualIncome (clamped to 0..250000)");
      expect(run.stdout).to.match(/rounding error at most \d\.\d\de-\d+ in log-odds/);
      expect(secretsIn(run.stdout + run.stderr)).to.deep.equal([]);

      const json = (
        await ok([
          "bank",
          "model",
          "--model",
          EXAMPLE_MODEL,
          "--out",
          path.join(dir, "f2.json"),
          "--json",
          "--weight-bits",
          "32",
        ])
      ).json<{
        fields: string[];
        weightBits: number;
        errorBound: number;
      }>();
      expect(json.fields).to.have.members(Object.keys(example.conditions[0].scorecard.weights));
      expect(json.errorBound).to.be.a("number").and.above(0);
      expect(JSON.stringify(json)).not.to.include('"weights"');
    });

    it("bank model keeps the weights below 2^20 by default, and refuses a width that loses a coefficient", async function () {
      const out = path.join(dir, "narrow.json");
      await ok(["bank", "model", "--model", EXAMPLE_MODEL, "--out", out]);
      const { weights, weightBits } = (JSON.parse(readFileSync(out, "utf8")) as typeof example).conditions[0].scorecard;
      expect(weightBits).to.equal(20);
      expect(Math.max(...Object.values(weights).map(Math.abs))).to.be.below(2 ** 20);
      const narrow = path.join(dir, "narrower.json");
      const run = expectExit(
        await cli(["bank", "model", "--model", EXAMPLE_MODEL, "--out", narrow, "--weight-bits", "12"]),
        2,
      );
      expect(run.stderr).to.match(
        /the coefficient of annualIncome \(0\.0000203063 per currency units\) rounds to zero .* needs weightBits ≥ 16/,
      );
      expect(existsSync(narrow)).to.equal(false);
    });

    const modelRefusals: [string, unknown, string[], RegExp][] = [
      [
        "a coefficient that rounds to zero",
        { format: "blindcredit.scorecard-model.v1", intercept: 0, coefficients: { creditScore: 1, bankruptcy: 1e-9 } },
        [],
        /--model \S+: model: the coefficient of bankruptcy \(1e-9 per flag\) rounds to zero at the scale 2\^19/,
      ],
      [
        "an unknown field",
        { format: "blindcredit.scorecard-model.v1", intercept: 0, coefficients: { salary: 1 } },
        [],
        /--model \S+: model: coefficient "salary": unknown credit field "salary"/,
      ],
      ["a file that is not JSON", "{ intercept: ", [], /--model \S+: expected JSON/],
      [
        "a model without its format",
        { intercept: 0, coefficients: { creditScore: 1 } },
        [],
        /expected "format": "blindcredit\.scorecard-model\.v1", got none/,
      ],
      [
        "--weight-bits 0",
        { format: "blindcredit.scorecard-model.v1", intercept: 0, coefficients: { creditScore: 1 } },
        ["--weight-bits", "0"],
        /expected an integer from 1 to 64, got "0"/,
      ],
    ];
    for (const [what, model, extra, message] of modelRefusals) {
      it(`bank model refuses ${what} (exit 2), writing nothing`, async function () {
        const file = write(`${what.replace(/\W+/g, "-")}.model.json`, model);
        const out = path.join(dir, `${what.replace(/\W+/g, "-")}.form.json`);
        const run = expectExit(await cli(["bank", "model", "--model", file, "--out", out, ...extra]), 2);
        expect(run.stderr).to.match(message);
        expect(existsSync(out)).to.equal(false);
      });
    }

    it("bank model refuses a missing model and an existing --out", async function () {
      const missing = expectExit(
        await cli(["bank", "model", "--model", path.join(dir, "none.json"), "--out", path.join(dir, "x.json")]),
        2,
      );
      expect(missing.stderr).to.include("cannot read it (no such file)");
      const existing = write("existing.json", "{}");
      const run = expectExit(await cli(["bank", "model", "--model", EXAMPLE_MODEL, "--out", existing]), 2);
      expect(run.stderr).to.include("refusing to overwrite");
      expect(readFileSync(existing, "utf8")).to.equal("{}");
    });

    it("bank form shows a scorecard as its fields and clamps, its weights and cut-off secret", async function () {
      const file = write("mixed.json", {
        conditions: [{ field: "yearsOfHistory", op: "ge", value: "2" }, ...example.conditions],
      });
      const run = await ok(["bank", "form", "--file", file]);
      expect(run.stdout).to.include("a valid decision-mode form with 2 condition(s)");
      expect(run.stdout).to.include("1. yearsOfHistory ≥ 2");
      expect(run.stdout).to.match(
        /2\. scorecard over creditScore, annualIncome \(clamped to 0\.\.250000\), .*; weights and cut-off: secret/,
      );
      expect(secretsIn(run.stdout + run.stderr)).to.deep.equal([]);
      const json = (await ok(["bank", "form", "--file", file, "--json"])).json<{
        conditions: ({ field: string } | { scorecard: { fields: string[]; clamp: Record<string, string[]> } })[];
        comparisons: number;
      }>();
      const scorecard = json.conditions[1] as { scorecard: { fields: string[]; clamp: Record<string, string[]> } };
      expect(scorecard.scorecard.fields).to.deep.equal(Object.keys(example.conditions[0].scorecard.weights));
      expect(scorecard.scorecard.clamp.annualIncome).to.deep.equal(["0", "250000"]);
      expect(json.comparisons).to.equal(2); // one for the threshold, one for the scorecard
      expect(secretsIn(run.stdout)).to.deep.equal([]);
    });

    const formRefusals: [string, unknown, RegExp][] = [
      [
        "a member beside the scorecard",
        { conditions: [{ scorecard: { weights: { creditScore: 1 }, cutoff: 1 }, field: "creditScore" }] },
        /condition 1: unexpected member "field" beside "scorecard"/,
      ],
      [
        "a misspelt scorecard member",
        { conditions: [{ scorecard: { weights: { creditScore: 1 }, cutof: 1 } }] },
        /condition 1: scorecard: unexpected member "cutof": expected weights, cutoff, clamp, weightBits/,
      ],
      [
        "a scorecard that is not an object",
        { conditions: [{ scorecard: [1] }] },
        /condition 1: expected "scorecard" to be an object .*, got an array/,
      ],
      ["a scorecard in paper mode", { mode: "paper", conditions: example.conditions }, /paper/],
    ];
    for (const [what, form, message] of formRefusals) {
      it(`bank form refuses ${what} (exit 2)`, async function () {
        const file = write(`${what.replace(/\W+/g, "-")}.json`, form);
        const run = expectExit(await cli(["bank", "form", "--file", file]), 2);
        expect(run.stderr).to.include(`form ${file}: `);
        expect(run.stderr).to.match(message);
      });
    }
  });

  describe("bank keygen", function () {
    it("writes a 2048-bit key with mode 0600, with progress, and never overwrites it", async function () {
      const dir = scratchDir("keys");
      const file = path.join(dir, "bank.key.json");
      const run = await ok(["bank", "keygen", "--out", file, "--bits", "2048", "--json"]);
      const result = run.json<{ file: string; bits: number; fingerprint: string }>();
      expect(result.bits).to.equal(2048);
      expect(run.stderr).to.match(/prime 2\/2 found/);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      const key = importPrivateKey(readFileSync(file, "utf8"));
      expect(key.publicKey.fingerprint).to.equal(result.fingerprint);

      const again = expectExit(await cli(["bank", "keygen", "--out", file, "--bits", "2048"]), 2);
      expect(again.stderr).to.include("refusing to overwrite");
      expect(importPrivateKey(readFileSync(file, "utf8")).publicKey.fingerprint).to.equal(result.fingerprint);
    });

    it("refuses --bits 1024", async function () {
      const dir = scratchDir("keys");
      const run = expectExit(await cli(["bank", "keygen", "--out", path.join(dir, "k.json"), "--bits", "1024"]), 2);
      expect(run.stderr).to.include("keys under 2048 bits are refused");
    });
  });

  describe("bank register-key with a bad key file (exit 2, before connecting)", function () {
    const dir = scratchDir("badkeys");
    const small = readFixture<Record<string, unknown>>("paillier-bad-keys.json").small1024;
    const fixture2048 = JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "paillier-2048.json"), "utf8"));
    const cases: [string, string | undefined, RegExp][] = [
      ["a missing file", undefined, /cannot read it \(no such file\)/],
      ["malformed JSON", '{"kty": "Paillier", ', /expected JSON, got text that does not parse/],
      ["a wrong kty", JSON.stringify({ ...fixture2048, kty: "RSA" }), /expected "kty": "Paillier", got string "RSA"/],
      ["a 1024-bit key", JSON.stringify(small), /expected a modulus of at least 2048 bits, got 1024 bits/],
      [
        "a public key only",
        JSON.stringify({ kty: "Paillier", n: fixture2048.n }),
        /expected members "p" and "q", got a public key/,
      ],
    ];
    for (const [what, contents, message] of cases) {
      it(`refuses ${what}`, async function () {
        const file = path.join(dir, `${what.replace(/\W+/g, "-")}.json`);
        if (contents !== undefined) writeFileSync(file, contents, { mode: 0o600 });
        const run = expectExit(await cli([...CLOSED, "--account", "6", "bank", "register-key", "--key", file]), 2);
        expect(run.stderr).to.include(`key file ${file}: `);
        expect(run.stderr).to.match(message);
      });
    }

    it("refuses an unreadable file", async function () {
      if (process.getuid?.() === 0) this.skip(); // root reads anything
      const file = path.join(dir, "unreadable.json");
      writeFileSync(file, JSON.stringify(fixture2048));
      chmodSync(file, 0o000);
      const run = expectExit(await cli([...CLOSED, "--account", "6", "bank", "register-key", "--key", file]), 2);
      expect(run.stderr).to.include("EACCES");
    });
  });
});
