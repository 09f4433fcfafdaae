/**
 * Benchmark of the proofs about keys made once (issue 19 §2): the bureau's ring-Pedersen parameters (safe-prime
 * generation through OpenSSL), their proof Π^prm, and a bank's no-small-factor proof Π^fac, at 3072 bits (N̂ and the
 * bank's modulus), with Π^mod beside them for scale, and Π^enc (encryption in range, the blind scorecard's proof)
 * for 1 statement (the bank's E(D), 346 bits) and 7 (a 6-field scorecard's weights, 20 bits, and E(w₀), 60 bits).
 * Sizes are the JSON bytes as they travel.
 *
 * Run: `npm run bench:key-proofs` (medians of 5 runs, 2 safe-prime parameter sets); `-- --runs 1 --safe-primes 0`
 * for a smoke run. Writes bench/proofs/results.json and results.md only with `--write` (run it on a quiet machine).
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { encrypt } from "../../src/paillier";
import {
  decodeEncryptionRangeProof,
  decodeFactorProof,
  decodeModulusProof,
  decodeRingPedersenProof,
  encodeEncryptionRangeProof,
  encodeFactorProof,
  encodeModulusProof,
  encodeRingPedersenProof,
  generateRingPedersen,
  proveEncryptionRange,
  proveFactors,
  proveModulus,
  proveRingPedersen,
  verifyEncryptionRange,
  verifyFactors,
  verifyModulus,
  verifyRingPedersen,
} from "../../src/proofs";
import { fixtureKey } from "../../test/paillier/helpers";
import { fixtureRingPedersen } from "../../test/helpers/ringPedersen";

/** A flag's number, e.g. `--runs 3`. */
function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median milliseconds of `runs` calls, and the last result. */
async function timed<T>(runs: number, fn: () => T | Promise<T>): Promise<{ ms: number; all: number[]; result: T }> {
  const all: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    result = await fn();
    all.push(performance.now() - start);
  }
  return { ms: median(all), all, result: result as T };
}

async function main(): Promise<void> {
  const runs = flag("runs", 5);
  const safePrimeSets = flag("safe-primes", 2);
  const context = new TextEncoder().encode("bench: chain 31337, bureau, key");
  const key = fixtureKey(3072);
  const secret = fixtureRingPedersen(3072);
  const { parameters } = secret;

  const generation = safePrimeSets > 0 ? await timed(safePrimeSets, () => generateRingPedersen(3072)) : undefined;
  const prmProve = await timed(runs, () => proveRingPedersen(secret, context));
  const prmJson = JSON.stringify(encodeRingPedersenProof(prmProve.result));
  const prmVerify = await timed(runs, () =>
    verifyRingPedersen(parameters, decodeRingPedersenProof(parameters, prmJson), context),
  );
  const facProve = await timed(runs, () => proveFactors(key, parameters, context));
  const facJson = JSON.stringify(encodeFactorProof(facProve.result));
  const facVerify = await timed(runs, () =>
    verifyFactors(key.publicKey, parameters, decodeFactorProof(key.publicKey, parameters, facJson), context),
  );
  const modProve = await timed(runs, () => proveModulus(key, context));
  const modJson = JSON.stringify(encodeModulusProof(modProve.result));
  const modVerify = await timed(runs, () =>
    verifyModulus(key.publicKey, decodeModulusProof(key.publicKey, modJson), context),
  );
  const encryptionRange = async (list: readonly { plaintext: bigint; rangeBits: number }[]) => {
    const witnesses = list.map(({ plaintext, rangeBits }) => ({
      ciphertext: encrypt(key, plaintext),
      rangeBits,
      plaintext,
    }));
    const statements = witnesses.map(({ ciphertext, rangeBits }) => ({ ciphertext, rangeBits }));
    const prove = await timed(runs, () => proveEncryptionRange(key, parameters, witnesses, context));
    const json = JSON.stringify(encodeEncryptionRangeProof(prove.result));
    const verify = await timed(runs, () =>
      verifyEncryptionRange(
        key.publicKey,
        parameters,
        statements,
        decodeEncryptionRangeProof(key.publicKey, parameters, json, statements.length),
        context,
      ),
    );
    return { prove, verify, json };
  };
  const encOne = await encryptionRange([{ plaintext: (1n << 345n) + 12345n, rangeBits: 346 }]);
  const weights = [1200n, 3n, -25n, -90000n, 77n, -1n].map((plaintext) => ({ plaintext, rangeBits: 20 }));
  const encSeven = await encryptionRange([...weights, { plaintext: (1n << 59n) - 700000n, rangeBits: 60 }]);

  const rows = [
    ["ring-Pedersen parameters (2 × 1536-bit safe primes)", generation?.ms, undefined, undefined, generation?.all],
    ["Π^prm (bureau, once)", prmProve.ms, prmVerify.ms, prmJson.length],
    ["Π^fac (bank, once per key and bureau)", facProve.ms, facVerify.ms, facJson.length],
    ["Π^mod (for scale)", modProve.ms, modVerify.ms, modJson.length],
    ["Π^enc, 1 statement (bank's E(D), 346 bits)", encOne.prove.ms, encOne.verify.ms, encOne.json.length],
    ["Π^enc, 7 statements (6 weights + E(w₀))", encSeven.prove.ms, encSeven.verify.ms, encSeven.json.length],
  ] as const;
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: loadavg() };
  const results = { bits: 3072, runs, safePrimeSets, machine, rows };
  const fmt = (ms: number | undefined) =>
    ms === undefined ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
  const table = [
    "| Operation (3072 bits) | prove / make | verify | JSON size |",
    "| --- | ---: | ---: | ---: |",
    ...rows.map(
      ([name, prove, verify, size]) =>
        `| ${name} | ${fmt(prove)} | ${fmt(verify)} | ${size === undefined ? "—" : `${(size / 1000).toFixed(1)} kB`} |`,
    ),
  ].join("\n");
  console.log(table);
  if (generation) console.log(`safe-prime parameter sets, each: ${generation.all.map((ms) => fmt(ms)).join(", ")}`);
  console.log(
    `medians of ${runs}; load average ${machine.loadavg.map((x) => x.toFixed(1)).join(" ")} on ${machine.cpus} cores`,
  );
  if (process.argv.includes("--write")) {
    writeFileSync(join(__dirname, "results.json"), JSON.stringify(results, null, 2) + "\n");
    writeFileSync(join(__dirname, "results.md"), `# Proofs about keys, 3072 bits\n\n${table}\n`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
