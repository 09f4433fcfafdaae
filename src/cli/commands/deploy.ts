/**
 * `blindcredit deploy`: deploys the suite with hardhat-deploy (`hardhat deploy --network <name>`)
 * as a child process in the package root, so that the CLI itself never loads Hardhat. Hardhat's
 * output streams to stderr as progress; the result (the network, chain id and every contract's
 * address, from hardhat-deploy's `--export`) is this command's output.
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { action, PACKAGE_ROOT, probeNode } from "../context";
import { CliError, usageError } from "../errors";
import type { ExitCode } from "../exitCodes";

export function register(program: Command): void {
  program
    .command("deploy")
    .description(
      "deploy the suite to a network of hardhat.config.ts (localhost: the node at --rpc-url; consortium: " +
        "BLINDCREDIT_RPC_URL and BLINDCREDIT_PRIVATE_KEYS); records go to deployments/<network>",
    )
    .option("--network <name>", "the Hardhat network", "localhost")
    .option("--tags <tags>", "only the deploy files with these tags, comma-separated")
    .option("--config <file>", "another Hardhat config (e.g. one that moves deployments/)")
    .option("--reset", "forget earlier deployment records of this network and deploy afresh")
    .action(
      action(
        async (
          { out, globals, command },
          opts: { network: string; tags?: string; config?: string; reset?: boolean },
        ) => {
          if (!/^[A-Za-z0-9_-]+$/.test(opts.network))
            throw usageError(`--network: expected a network name, got "${opts.network}"`);
          // The localhost and consortium networks read the node's URL from BLINDCREDIT_RPC_URL.
          const env: NodeJS.ProcessEnv = { ...process.env };
          if (
            command.getOptionValueSourceWithGlobals("rpcUrl") !== "default" ||
            env.BLINDCREDIT_RPC_URL === undefined
          ) {
            env.BLINDCREDIT_RPC_URL = globals.rpcUrl;
          }
          if (opts.network !== "hardhat") await probeNode(env.BLINDCREDIT_RPC_URL ?? globals.rpcUrl);

          const scratch = mkdtempSync(path.join(tmpdir(), "blindcredit-deploy-"));
          const exportFile = path.join(scratch, "deployment.json");
          const args = [
            ...(opts.config ? ["--config", path.resolve(opts.config)] : []),
            "deploy",
            "--network",
            opts.network,
            "--export",
            exportFile,
            ...(opts.tags ? ["--tags", opts.tags] : []),
            ...(opts.reset ? ["--reset"] : []),
          ];
          out.progress(`hardhat ${args.join(" ")}`);
          try {
            const code = await runHardhat(args, env, (chunk) => {
              if (!out.quiet) out.stderr.write(chunk);
            });
            if (code !== 0) {
              // Hardhat's own status is passed on: its output above says what went wrong.
              throw new CliError(
                code as ExitCode,
                `hardhat deploy --network ${opts.network} exited with ${code} (its output is above)`,
              );
            }
            const exported = JSON.parse(readFileSync(exportFile, "utf8")) as {
              chainId: string | number;
              contracts: Record<string, { address: string }>;
            };
            const contracts = Object.fromEntries(
              Object.entries(exported.contracts).map(([name, c]) => [name, c.address]),
            );
            const data = {
              network: opts.network,
              chainId: String(exported.chainId),
              deployments: opts.config ? null : path.join(PACKAGE_ROOT, "deployments", opts.network),
              contracts,
            };
            out.result(data, (d) => [
              `deployed to ${d.network} (chain ${d.chainId})${d.deployments ? `; records in ${d.deployments}` : ""}`,
              ...Object.entries(d.contracts).map(([name, address]) => `  ${name.padEnd(20)} ${address}`),
            ]);
          } finally {
            rmSync(scratch, { recursive: true, force: true });
          }
        },
      ),
    );
}

/** Runs the package's own hardhat binary (never an npx lookup); resolves with its exit code. */
function runHardhat(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onOutput: (chunk: Buffer) => void,
): Promise<number> {
  const bin = path.join(PACKAGE_ROOT, "node_modules", ".bin", "hardhat");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: PACKAGE_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
