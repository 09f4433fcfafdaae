/**
 * `blindcredit bureau`: the credit bureau makes the key that seals its store at rest, and runs its
 * service (encrypted record store, provider ingestion, check evaluation, HTTP API) as the bureau's
 * signer until it is stopped with Ctrl-C or SIGTERM.
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import { NodeType } from "../../contractEnums";
import { redactText, redactUrl } from "../../redact";
import { parseInteger } from "../args";
import { action, connectSigner, deployedSchemaOf } from "../context";
import { argParser, CliError, usageError } from "../errors";
import { ExitCode } from "../exitCodes";

export function register(program: Command): void {
  const bureau = program.command("bureau").description("the credit bureau: its sealing key and its service");

  bureau
    .command("sealing-key")
    .description("generate the key that seals the bureau's store at rest (64 hex digits, mode 0600)")
    .requiredOption("--out <file>", "where to write it; an existing file is never overwritten")
    .action(
      action(async ({ out }, opts: { out: string }) => {
        const { generateSealingKey, saveSealingKey } = await import("../../bureau/sealing");
        if (existsSync(opts.out)) throw usageError(`--out ${opts.out}: the file exists; refusing to overwrite it`);
        const key = generateSealingKey();
        saveSealingKey(opts.out, key);
        out.result({ file: path.resolve(opts.out), keyId: key.id }, (d) => [
          `wrote a sealing key to ${d.file} (mode 0600; key id ${d.keyId})`,
          "keep it apart from the database and backed up: without it the records cannot be read",
        ]);
      }),
    );

  bureau
    .command("migrate")
    .description(
      "move a stopped bureau's store to another database (SQLite to PostgreSQL, or back): every table, row for row, " +
        "and its sealed comparison key file, so that it keeps its records, open checks and on-chain comparison key; " +
        "the target must be empty; counts and contents are verified",
    )
    .requiredOption("--from <store>", "the store to move: its SQLite file, or a postgres:// URL")
    .addOption(
      new Option(
        "--to <store>",
        "where to move it: a new SQLite file, or the postgres:// URL of an empty database (default: the environment " +
          "variable, which keeps the password out of ps)",
      )
        .env("BLINDCREDIT_DATABASE_URL")
        .makeOptionMandatory(),
    )
    .addOption(
      new Option("--sealing-key-file <file>", "the key both stores are sealed under (see bureau sealing-key)")
        .env("BLINDCREDIT_SEALING_KEY_FILE")
        .makeOptionMandatory(),
    )
    .option(
      "--from-comparison-key-file <file>",
      "the source's sealed comparison key (default: <from>.comparison-key; bureau.comparison-key for a URL)",
    )
    .option(
      "--to-comparison-key-file <file>",
      "where the target's goes, never over another key (default: <to>.comparison-key; bureau.comparison-key for a URL)",
    )
    .option(
      "--from-ring-pedersen-file <file>",
      "the source's sealed ring-Pedersen parameters (default: <from>.ring-pedersen; bureau.ring-pedersen for a URL)",
    )
    .option(
      "--to-ring-pedersen-file <file>",
      "where the target's go, never over others (default: <to>.ring-pedersen; bureau.ring-pedersen for a URL)",
    )
    .action(
      action(
        async (
          { out },
          opts: {
            from: string;
            to: string;
            sealingKeyFile: string;
            fromComparisonKeyFile?: string;
            toComparisonKeyFile?: string;
            fromRingPedersenFile?: string;
            toRingPedersenFile?: string;
          },
        ) => {
          const { loadSealingKey, SealingError } = await import("../../bureau/sealing");
          const { migrateStore, MigrationError } = await import("../../bureau/migrateStore");
          const { redact } = await import("../../bureau/postgresStore");
          let report;
          try {
            report = await migrateStore({
              from: opts.from,
              to: opts.to,
              sealingKey: loadSealingKey(opts.sealingKeyFile),
              fromComparisonKeyFile: opts.fromComparisonKeyFile,
              toComparisonKeyFile: opts.toComparisonKeyFile,
              fromRingPedersenFile: opts.fromRingPedersenFile,
              toRingPedersenFile: opts.toRingPedersenFile,
              log: (line) => out.progress(line),
            });
          } catch (e) {
            if (e instanceof SealingError || (e instanceof MigrationError && e.code !== "verify")) {
              throw usageError(e.message);
            }
            const code = (e as NodeJS.ErrnoException).code;
            if (!(e instanceof MigrationError) && code !== undefined && !code.startsWith("SQLITE")) {
              // a database server that cannot be reached, or refused the connection (node-postgres's error)
              throw new CliError(ExitCode.Network, `cannot use the database (${(e as Error).message})`);
            }
            throw e;
          }
          out.result({ from: String(redact(opts.from)), to: String(redact(opts.to)), ...report }, (d) => [
            `moved ${d.from} to ${d.to}, verified: ` +
              Object.entries(d.tables)
                .map(([table, rows]) => `${table} ${rows}`)
                .join(", "),
            `comparison key: ${d.comparisonKey.to}${d.comparisonKey.copied ? ` (copied from ${d.comparisonKey.from})` : ""}`,
            `ring-Pedersen parameters: ${d.ringPedersen.copied ? `${d.ringPedersen.to} (copied from ${d.ringPedersen.from})` : `none copied (${d.ringPedersen.from} holds none, or ${d.ringPedersen.to} has them)`}`,
            "start the bureau on the new store with the same sealing key and these files",
          ]);
        },
      ),
    );

  bureau
    .command("start")
    .description(
      "start the bureau service and run until stopped (Ctrl-C, SIGTERM); with --json, prints " +
        "{ bureau, url, db } once it listens",
    )
    .option(
      "--port <port>",
      "HTTP port (0: any free port)",
      argParser((v) => parseInteger(v, 0, 65_535)),
      8600,
    )
    .option("--host <host>", "HTTP interface to listen on", "127.0.0.1")
    .option(
      "--db <file>",
      "the record store (SQLite; created when missing, then bound to this deployment: chain id and contracts)",
      "bureau.db",
    )
    .addOption(
      new Option(
        "--database-url <url>",
        "a PostgreSQL store instead of --db (postgres://user:password@host:port/database; an empty database or a " +
          "bureau's); keep the password out of the command line with the environment variable",
      )
        .env("BLINDCREDIT_DATABASE_URL")
        .conflicts(["db", "freshStore"]),
    )
    .option(
      "--comparison-key-file <file>",
      "the sealed comparison key (default: <db>.comparison-key; bureau.comparison-key with --database-url, " +
        "the same file for every process sharing the database)",
    )
    .option(
      "--ring-pedersen-file <file>",
      "the sealed ring-Pedersen parameters under which banks prove their keys have no small factor (default: " +
        "<db>.ring-pedersen; bureau.ring-pedersen with --database-url); made on the first start (two 1536-bit " +
        "safe primes: seconds to minutes)",
    )
    .option(
      "--fresh-store",
      "move the store (and its comparison key) aside to <db>.<timestamp>.bak and start a fresh one; " +
        "needed after a new deployment, nothing is deleted",
      false,
    )
    .option(
      "--confirmations <n>",
      "blocks a check's request must be deep before the bureau acts on it (0 on QBFT; e.g. 12 with probabilistic finality)",
      argParser((v) => parseInteger(v, 0, 10_000)),
      0,
    )
    .addOption(
      new Option("--sealing-key-file <file>", "the key that seals the store at rest (see bureau sealing-key)")
        .env("BLINDCREDIT_SEALING_KEY_FILE")
        .makeOptionMandatory(),
    )
    .option(
      "--threads <n>",
      "blinding threads (default: one per core)",
      argParser((v) => parseInteger(v, 1, 256)),
    )
    .option(
      "--poll <ms>",
      "how often to look for checks, in milliseconds",
      argParser((v) => parseInteger(v, 50, 60_000)),
      1000,
    )
    .option(
      "--concurrency <n>",
      "how many checks the evaluator works on at once (one's transaction is mined while another's computes)",
      argParser((v) => parseInteger(v, 1, 64)),
      4,
    )
    .option(
      "--comparison-keys <n>",
      "fresh per-check comparison keys kept ready (default 4; each takes a few tenths of a second of CPU to make)",
      argParser((v) => parseInteger(v, 1, 64)),
    )
    .option(
      "--reservations-per-bank <n>",
      "unused comparison-key reservations one bank may hold (default 4): how many checks ahead it can precompute " +
        "(each costs this bureau a key's making)",
      argParser((v) => parseInteger(v, 1, 1000)),
    )
    .option(
      "--evaluator-lease <ms>",
      "how long this process's lease on a check lasts unless renewed (every third of it), in milliseconds: with " +
        "several bureau processes on one --database-url, a check whose process crashed is taken over after it",
      argParser((v) => parseInteger(v, 300, 3_600_000)),
      30_000,
    )
    .option(
      "--log-json",
      "write the structured logs (pino JSON lines: checkId, party, step) to stderr instead of progress lines",
      false,
    )
    .action(
      action(
        async (
          inv,
          opts: {
            port: number;
            host: string;
            db: string;
            databaseUrl?: string;
            comparisonKeyFile?: string;
            ringPedersenFile?: string;
            freshStore: boolean;
            confirmations: number;
            sealingKeyFile: string;
            threads?: number;
            poll: number;
            evaluatorLease: number;
            concurrency: number;
            comparisonKeys?: number;
            reservationsPerBank?: number;
            logJson: boolean;
          },
        ) => {
          const { out } = inv;
          const { loadSealingKey, SealingError } = await import("../../bureau/sealing");
          let sealingKey;
          try {
            sealingKey = loadSealingKey(opts.sealingKeyFile);
          } catch (e) {
            if (e instanceof SealingError) throw usageError(e.message);
            throw e;
          }
          const { isPostgresUrl } = await import("../../bureau/postgresStore");
          if (opts.databaseUrl !== undefined && !isPostgresUrl(opts.databaseUrl)) {
            throw usageError(
              `--database-url: expected a postgres:// or postgresql:// URL, got ${redactUrl(opts.databaseUrl)}`,
            );
          }
          const store = opts.databaseUrl === undefined ? `--db ${opts.db}` : "--database-url";
          const conn = await connectSigner(inv);
          if (!(await conn.suite.classification.isActiveAs(conn.address, NodeType.CreditBureau))) {
            throw new CliError(
              ExitCode.Refused,
              `refused: ${conn.address} is not an active credit bureau of this consortium: it cannot serve checks`,
            );
          }
          const schema = await deployedSchemaOf(inv, conn);
          const { startBureauService } = await import("../../bureau/service");
          const { pino } = await import("pino");
          // No log line shows a credential of the node's or the database's URL (an RPC error echoes the URL).
          const known = [inv.globals.rpcUrl, opts.databaseUrl];
          const redacted = { hooks: { streamWrite: (line: string) => redactText(line, known) } };
          const { StoreError } = await import("../../bureau/store");
          let service;
          try {
            service = await startBureauService({
              suite: conn.suite,
              databasePath: opts.databaseUrl ?? opts.db,
              comparisonKeyFile:
                opts.comparisonKeyFile ?? (opts.databaseUrl === undefined ? undefined : "bureau.comparison-key"),
              ringPedersenFile:
                opts.ringPedersenFile ?? (opts.databaseUrl === undefined ? undefined : "bureau.ring-pedersen"),
              freshStore: opts.freshStore,
              confirmations: opts.confirmations,
              sealingKey,
              host: opts.host,
              port: opts.port,
              threads: opts.threads,
              pollIntervalMs: opts.poll,
              leaseMs: opts.evaluatorLease,
              concurrency: opts.concurrency,
              comparisonKeyPool: { capacity: opts.comparisonKeys, reservationsPerBank: opts.reservationsPerBank },
              logger: opts.logJson
                ? pino(redacted, pino.destination(2))
                : // progress lines for people: each log line's message, as the evaluator writes it
                  pino(
                    { ...redacted, base: undefined },
                    { write: (line: string) => out.progress(String(JSON.parse(line).msg)) },
                  ),
              schema,
            });
          } catch (e) {
            if (e instanceof SealingError) throw usageError(`${store}: ${e.message}`);
            if (e instanceof StoreError && e.code === "deployment") throw new CliError(ExitCode.Network, e.message);
            const code = (e as NodeJS.ErrnoException).code;
            if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
              throw new CliError(ExitCode.Network, `cannot listen on ${opts.host}:${opts.port} (${code})`);
            }
            if (opts.databaseUrl !== undefined && !(e instanceof StoreError) && code !== undefined) {
              // the server cannot be reached, or refused the connection or the database (node-postgres's error)
              throw new CliError(ExitCode.Network, `--database-url: cannot use the database (${(e as Error).message})`);
            }
            throw e;
          }
          out.result(
            {
              bureau: service.bureau,
              url: service.url,
              db: opts.databaseUrl === undefined ? path.resolve(opts.db) : redactUrl(opts.databaseUrl),
              comparisonKey: service.comparisonKey,
            },
            (d) =>
              `bureau ${d.bureau} serving on ${d.url} (store ${d.db}, comparison key ${d.comparisonKey}); stop with Ctrl-C`,
          );
          const signal = await new Promise<NodeJS.Signals>((resolve) => {
            process.once("SIGINT", () => resolve("SIGINT"));
            process.once("SIGTERM", () => resolve("SIGTERM"));
          });
          out.progress(`${signal}: stopping after the current step…`);
          await service.stop();
          out.progress("bureau stopped");
        },
      ),
    );
}
