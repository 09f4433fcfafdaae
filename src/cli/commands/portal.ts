/**
 * `blindcredit portal`: serves the credit subject's web portal on loopback, with the contract addresses of the
 * deployment files; with `--bureau-url`, signed consents are relayed by that bureau so the subject pays no gas.
 * Runs until stopped with Ctrl-C or SIGTERM.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { parseInteger } from "../args";
import { action, deploymentsDir, schemaOf } from "../context";
import { argParser, CliError, usageError } from "../errors";
import { ExitCode } from "../exitCodes";
import { parseJson } from "../../json";
import { bureauOption } from "../shared";

export function register(program: Command): void {
  program
    .command("portal")
    .description(
      "serve the credit subject's web portal (subjects connect their own wallet); with --json, prints " +
        "{ url, chainId } once it listens",
    )
    .option(
      "--port <port>",
      "HTTP port (0: any free port)",
      argParser((v) => parseInteger(v, 0, 65_535)),
      8700,
    )
    .option("--host <host>", "HTTP interface to listen on", "127.0.0.1")
    .option("--bureau-url <url>", "a bureau service that relays signed consents (POST /v1/consents)")
    .addOption(
      bureauOption(
        "the bureau's address, with --bureau-url: the page offers the subject a read of its own record there",
      ),
    )
    .option("--labels <file>", 'names for consortium members: a JSON object { "0xaddress": "name" }')
    .option("--chain-name <name>", "the chain's name, shown to subjects and offered to their wallet")
    .action(
      action(
        async (
          inv,
          opts: {
            port: number;
            host: string;
            bureauUrl?: string;
            bureau?: string;
            labels?: string;
            chainName?: string;
          },
        ) => {
          const { out, globals } = inv;
          const { portalConfig, startPortalServer } = await import("../../portal/server");
          const labels = opts.labels ? readLabels(opts.labels) : undefined;
          let config;
          try {
            config = portalConfig({
              deploymentsDir: deploymentsDir(inv),
              rpcUrl: globals.rpcUrl,
              bureauUrl: opts.bureauUrl,
              bureau: opts.bureau,
              chainName: opts.chainName,
              labels,
              schema: schemaOf(inv).schema,
            });
          } catch (e) {
            throw new CliError(ExitCode.Network, (e as Error).message);
          }
          let server;
          try {
            server = await startPortalServer({ config, bureauUrl: opts.bureauUrl, host: opts.host, port: opts.port });
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
              throw new CliError(ExitCode.Network, `cannot listen on ${opts.host}:${opts.port} (${code})`);
            }
            throw usageError((e as Error).message);
          }
          out.result(
            { url: server.url, chainId: config.chainId, relay: opts.bureauUrl ?? null, contracts: config.contracts },
            (d) =>
              `portal for chain ${d.chainId} on ${d.url}` +
              (d.relay ? ` (consents relayed by ${d.relay})` : " (no relay: approvals by transaction only)") +
              "; stop with Ctrl-C",
          );
          const signal = await new Promise<NodeJS.Signals>((resolve) => {
            process.once("SIGINT", () => resolve("SIGINT"));
            process.once("SIGTERM", () => resolve("SIGTERM"));
          });
          out.progress(`${signal}: stopping`);
          await server.close();
        },
      ),
    );
}

function readLabels(file: string): Record<string, string> {
  if (!existsSync(file)) throw usageError(`--labels ${file}: no such file`);
  let parsed: unknown;
  try {
    parsed = parseJson(readFileSync(file, "utf8"), `--labels ${file}`);
  } catch (e) {
    throw usageError((e as Error).message);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw usageError(`--labels ${file}: expected an object { "0xaddress": "name" }`);
  }
  return parsed as Record<string, string>;
}
