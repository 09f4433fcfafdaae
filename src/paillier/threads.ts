/**
 * Starting this module's worker threads from either the compiled JavaScript or the TypeScript sources (tests,
 * scripts and benchmarks run the sources through ts-node, and a worker does not inherit the parent's loader).
 *
 * @module
 */

import { extname, join } from "node:path";
import { Worker } from "node:worker_threads";

/** Registers ts-node in the worker when the entry is TypeScript, then loads the entry. */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
if (workerData.tsNode) {
  require(workerData.tsNode).register({
    transpileOnly: true,
    skipProject: true,
    compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true },
  });
}
require(workerData.entry);
`;

/**
 * Starts the worker whose entry is `<name>.ts` or `<name>.js` next to this file, whichever this build runs.
 *
 * @param name - the entry's base name, for instance "pool-worker"
 * @param init - the worker's `workerData.init`
 */
export function startWorker(name: string, init: unknown): Worker {
  const entry = join(__dirname, `${name}${extname(__filename)}`);
  const tsNode = entry.endsWith(".ts") ? require.resolve("ts-node") : undefined;
  return new Worker(BOOTSTRAP, { eval: true, workerData: { entry, tsNode, init } });
}
