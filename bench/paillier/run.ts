/**
 * Benchmark of the Paillier engine against plain `paillier-bigint` used as its README shows, in one run on one
 * machine, at 2048 and 3072 bits; and of the bare modular exponentiation (modulus n², exponent n) against GMP's
 * `mpz_powm`, compiled at run time from a ten-line C helper when a C compiler and gmp.h are present.
 *
 * Run: `npm run bench:paillier`. Writes bench/paillier/results.json and bench/paillier/results.md.
 *
 * Every figure is a median over repeated runs; fast operations are timed in batches and divided. Ratios are
 * engine throughput ÷ baseline throughput (higher is better for the engine); for the exponentiation, time ÷ GMP
 * time (lower is better).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, arch, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import * as baseline from "paillier-bigint";
import {
  ModularExponentiator,
  RandomnessPool,
  add,
  decrypt,
  encrypt,
  generateKeyPair,
  modPowBigInt,
  modPowCounters,
  multiplyByConstant,
  randomBits,
  randomUnit,
} from "../../src/paillier";

/** One measured line. */
interface Measurement {
  /** Median milliseconds per operation. */
  readonly medianMs: number;
  /** Operations per second at the median. */
  readonly opsPerSec: number;
  /** How many timed samples. */
  readonly samples: number;
  /** Operations per sample (batching for fast operations). */
  readonly batch: number;
}

/** One operation, both implementations. */
interface Comparison {
  readonly operation: string;
  readonly baseline: Measurement;
  readonly engine: Measurement;
  /** engine ops/s ÷ baseline ops/s. */
  readonly ratio: number;
  readonly note?: string;
}

/** The bare exponentiation at one size. */
interface ModexpResult {
  readonly bits: number;
  readonly engine: Measurement;
  readonly jsBigInt: Measurement;
  readonly gmp?: Measurement;
  readonly gmpNote: string;
  /** engine time ÷ GMP time. */
  readonly engineOverGmp?: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summarise(perOpMs: readonly number[], batch: number): Measurement {
  const medianMs = median(perOpMs);
  return { medianMs, opsPerSec: 1000 / medianMs, samples: perOpMs.length, batch };
}

/** Times `fn` over `samples` batches of `batch` calls after `warmup` untimed calls. */
function measure(fn: (i: number) => void, samples: number, batch = 1, warmup = 2): Measurement {
  for (let i = 0; i < warmup; i++) fn(i);
  const perOp: number[] = [];
  let k = 0;
  for (let s = 0; s < samples; s++) {
    const start = performance.now();
    for (let b = 0; b < batch; b++) fn(k++);
    perOp.push((performance.now() - start) / batch);
  }
  return summarise(perOp, batch);
}

async function measureAsync(fn: () => Promise<void>, samples: number): Promise<Measurement> {
  const perOp: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = performance.now();
    await fn();
    perOp.push(performance.now() - start);
  }
  return summarise(perOp, 1);
}

function compare(operation: string, base: Measurement, engine: Measurement, note?: string): Comparison {
  const result: Comparison = { operation, baseline: base, engine, ratio: engine.opsPerSec / base.opsPerSec, note };
  log(
    `  ${operation.padEnd(44)} baseline ${fmtMs(base.medianMs)}  engine ${fmtMs(engine.medianMs)}  ×${fmtRatio(result.ratio)}`,
  );
  return result;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fmtMs(ms: number): string {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} µs`;
}

function fmtOps(ops: number): string {
  if (ops >= 1000) return ops.toFixed(0);
  if (ops >= 10) return ops.toFixed(1);
  return ops.toFixed(2);
}

function fmtRatio(r: number): string {
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

const SAMPLES = {
  2048: { keygen: 7, cold: 30, decrypt: 30, pool: 400, fast: 25 },
  3072: { keygen: 7, cold: 25, decrypt: 25, pool: 400, fast: 25 },
} as const;

async function benchSize(bits: 2048 | 3072): Promise<{ comparisons: Comparison[]; poolFillPerSec: number }> {
  const n = SAMPLES[bits];
  log(`\n${bits} bits`);
  const comparisons: Comparison[] = [];

  let baseKeys: baseline.KeyPair | undefined;
  const baseKeygen = await measureAsync(async () => {
    baseKeys = await baseline.generateRandomKeys(bits);
  }, n.keygen);
  let ourKeys: Awaited<ReturnType<typeof generateKeyPair>> | undefined;
  const ourKeygen = await measureAsync(async () => {
    ourKeys = await generateKeyPair({ bits });
  }, n.keygen);
  if (baseKeys === undefined || ourKeys === undefined) throw new Error("key generation produced nothing");
  const { publicKey: bpk, privateKey: bsk } = baseKeys;
  const { publicKey: pk, privateKey: sk } = ourKeys;
  comparisons.push(compare("key generation", baseKeygen, ourKeygen));

  const plaintexts = Array.from({ length: 64 }, () => randomBits(64));
  const pick = (i: number): bigint => plaintexts[i % plaintexts.length];

  const baseEnc = measure((i) => void bpk.encrypt(pick(i)), n.cold);
  const ourEnc = measure((i) => void encrypt(pk, pick(i)), n.cold);
  comparisons.push(
    compare("encryption, cold (public key only)", baseEnc, ourEnc, "one OpenSSL r^n mod n² per encryption"),
  );
  const ourCrtEnc = measure((i) => void encrypt(sk, pick(i)), n.cold);
  comparisons.push(
    compare(
      "encryption, cold (with the private key, CRT)",
      baseEnc,
      ourCrtEnc,
      "r^n by the CRT: two half-size exponentiations",
    ),
  );

  const pool = new RandomnessPool(pk, { capacity: n.pool, lowWaterMark: 0 });
  const fillStart = performance.now();
  await pool.fill();
  const poolFillPerSec = n.pool / ((performance.now() - fillStart) / 1000);
  const batch = 10;
  const ourOnline = measure((i) => void encrypt(pk, pick(i), { pool }), n.pool / batch - 1, batch, 0);
  await pool.close();
  comparisons.push(
    compare("encryption, online (precomputed pool)", baseEnc, ourOnline, "one multiplication modulo n² per encryption"),
  );

  const baseCts = plaintexts.slice(0, 8).map((m) => bpk.encrypt(m));
  const ourCts = plaintexts.slice(0, 8).map((m) => encrypt(sk, m));
  const baseDec = measure((i) => void bsk.decrypt(baseCts[i % baseCts.length]), n.decrypt);
  const ourDec = measure((i) => void decrypt(sk, ourCts[i % ourCts.length]), n.decrypt);
  comparisons.push(compare("decryption", baseDec, ourDec, "CRT with precomputed h_p, h_q"));

  const baseAdd = measure((i) => void bpk.addition(baseCts[i % 8], baseCts[(i + 1) % 8]), n.fast, 200);
  const ourAdd = measure((i) => void add(ourCts[i % 8], ourCts[(i + 1) % 8]), n.fast, 200);
  comparisons.push(compare("addition", baseAdd, ourAdd, "one multiplication modulo n² in both"));

  const constants = Array.from({ length: 64 }, () => randomBits(64) | (1n << 63n));
  const baseMul = measure((i) => void bpk.multiply(baseCts[i % 8], constants[i % 64]), n.fast, 10);
  const ourMul = measure((i) => void multiplyByConstant(ourCts[i % 8], constants[i % 64]), n.fast, 10);
  comparisons.push(compare("multiplication by a 64-bit constant", baseMul, ourMul));

  return { comparisons, poolFillPerSec };
}

const GMP_HELPER = `#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
/* usage: powm <modulus hex> <exponent hex> <base hex> <reps>; prints the first result, then ms per rep */
int main(int argc, char **argv) {
  if (argc != 5) return 2;
  mpz_t m, e, b, r, first;
  mpz_inits(m, e, b, r, first, NULL);
  mpz_set_str(m, argv[1], 16); mpz_set_str(e, argv[2], 16); mpz_set_str(b, argv[3], 16);
  int reps = atoi(argv[4]);
  mpz_powm(first, b, e, m); /* warm-up, and the value to cross-check */
  gmp_printf("%Zx\\n", first);
  for (int i = 0; i < reps; i++) {
    struct timespec t0, t1;
    mpz_add_ui(b, b, 1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mpz_powm(r, b, e, m);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.6f\\n", (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
  }
  return 0;
}
`;

/** Compiles the GMP helper; returns its path, or the reason it could not be built. */
function buildGmpHelper(dir: string): { path?: string; note: string } {
  const source = join(dir, "powm.c");
  const binary = join(dir, "powm");
  writeFileSync(source, GMP_HELPER);
  const errors: string[] = [];
  for (const compiler of ["cc", "gcc", "clang"]) {
    try {
      execFileSync(compiler, ["-O2", "-o", binary, source, "-lgmp"], { stdio: "pipe" });
      const version = execFileSync(compiler, ["--version"], { encoding: "utf8" }).split("\n")[0];
      return { path: binary, note: `GMP mpz_powm, helper compiled with ${compiler} -O2 (${version})` };
    } catch (err) {
      const detail = (err as { stderr?: Buffer }).stderr?.toString().split("\n")[0] ?? String(err);
      errors.push(`${compiler}: ${detail || (err as Error).message}`);
    }
  }
  return { note: `skipped: no C compiler with gmp.h and -lgmp found (${errors.join("; ")})` };
}

async function benchModexp(bits: 2048 | 3072, gmpHelper: string | undefined, gmpNote: string): Promise<ModexpResult> {
  const { publicKey } = await generateKeyPair({ bits });
  const { n, nSquared } = publicKey;
  const base = randomUnit(n);
  const exp = new ModularExponentiator(nSquared);
  const engine = measure((i) => void exp.pow(base + BigInt(i), n), 30);
  const jsBigInt = measure((i) => void modPowBigInt(base + BigInt(i), n, nSquared), bits === 3072 ? 5 : 8, 1, 1);
  let gmp: Measurement | undefined;
  let note = gmpNote;
  if (gmpHelper !== undefined) {
    const out = execFileSync(gmpHelper, [nSquared.toString(16), n.toString(16), base.toString(16), "30"], {
      encoding: "utf8",
    })
      .trim()
      .split("\n");
    const crossCheck = BigInt(`0x${out[0]}`) === exp.pow(base, n);
    if (!crossCheck) note += "; WARNING: GMP and the engine disagree on base^n mod n²";
    gmp = summarise(out.slice(1).map(Number), 1);
  }
  const result: ModexpResult = {
    bits,
    engine,
    jsBigInt,
    gmp,
    gmpNote: note,
    engineOverGmp: gmp !== undefined ? engine.medianMs / gmp.medianMs : undefined,
  };
  log(
    `  modexp ${bits}: engine ${fmtMs(engine.medianMs)}  JS BigInt ${fmtMs(jsBigInt.medianMs)}  GMP ${
      gmp ? fmtMs(gmp.medianMs) : "skipped"
    }`,
  );
  return result;
}

interface Target {
  readonly target: string;
  readonly required: string;
  readonly achieved: string;
  /** null when it could not be measured (no GMP on this machine). */
  readonly met: boolean | null;
}

function markdown(
  meta: Record<string, string>,
  sizes: Record<string, { comparisons: Comparison[]; poolFillPerSec: number }>,
  modexp: ModexpResult[],
  targets: Target[],
): string {
  const lines: string[] = [];
  lines.push("# Paillier engine benchmark");
  lines.push("");
  lines.push(
    "Generated by `npm run bench:paillier` (bench/paillier/run.ts). Medians over repeated runs in one process;",
  );
  lines.push(
    "ratio = this engine's throughput ÷ plain `paillier-bigint`'s (used as its README shows: `generateRandomKeys(bits)`,",
  );
  lines.push("`publicKey.encrypt`, `privateKey.decrypt`, `publicKey.addition`, `publicKey.multiply`).");
  lines.push("");
  lines.push("| Machine | |");
  lines.push("|---|---|");
  for (const [k, v] of Object.entries(meta)) lines.push(`| ${k} | ${v} |`);
  for (const [bits, { comparisons, poolFillPerSec }] of Object.entries(sizes)) {
    lines.push("");
    lines.push(`## ${bits}-bit modulus`);
    lines.push("");
    lines.push("| Operation | paillier-bigint median | ops/s | this engine median | ops/s | ratio |");
    lines.push("|---|---:|---:|---:|---:|---:|");
    for (const c of comparisons) {
      lines.push(
        `| ${c.operation} | ${fmtMs(c.baseline.medianMs)} | ${fmtOps(c.baseline.opsPerSec)} | ${fmtMs(c.engine.medianMs)} | ${fmtOps(
          c.engine.opsPerSec,
        )} | ×${fmtRatio(c.ratio)} |`,
      );
    }
    lines.push("");
    lines.push(
      `Pool filling (worker thread, public key only, off the critical path): ${poolFillPerSec.toFixed(0)} randomizers/s.`,
    );
  }
  lines.push("");
  lines.push("## Bare modular exponentiation: base^n mod n²");
  lines.push("");
  lines.push(
    "| n | this engine (OpenSSL via node:crypto DH) | JS BigInt (fixed-window square-and-multiply) | GMP mpz_powm | engine ÷ GMP |",
  );
  lines.push("|---|---:|---:|---:|---:|");
  for (const m of modexp) {
    lines.push(
      `| ${m.bits} bits | ${fmtMs(m.engine.medianMs)} | ${fmtMs(m.jsBigInt.medianMs)} | ${m.gmp ? fmtMs(m.gmp.medianMs) : "skipped"} | ${
        m.engineOverGmp !== undefined ? `${m.engineOverGmp.toFixed(2)}×` : "n/a"
      } |`,
    );
  }
  lines.push("");
  lines.push(
    `Native reference: ${modexp[0]?.gmpNote ?? "n/a"}. The engine column includes the bigint ↔ bytes conversions.`,
  );
  lines.push("");
  lines.push("## Targets (3072 bits)");
  lines.push("");
  lines.push("| Target | Required | Achieved | Met |");
  lines.push("|---|---|---|---|");
  for (const t of targets)
    lines.push(
      `| ${t.target} | ${t.required} | ${t.achieved} | ${t.met === null ? "not measured" : t.met ? "yes" : "**no**"} |`,
    );
  lines.push("");
  return lines.join("\n");
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpu = cpus();
  const countersBefore = modPowCounters();
  const meta: Record<string, string> = {
    CPU: `${cpu[0]?.model ?? "unknown"} × ${cpu.length}`,
    Memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    OS: `${platform()} ${release()} ${arch()}`,
    Node: process.version,
    V8: process.versions.v8,
    OpenSSL: process.versions.openssl,
    "paillier-bigint": "3.4.3",
    Date: new Date().toISOString(),
  };
  log(`Paillier benchmark on ${meta.CPU}, Node ${meta.Node}, OpenSSL ${meta.OpenSSL}`);

  const sizes: Record<string, { comparisons: Comparison[]; poolFillPerSec: number }> = {};
  for (const bits of [2048, 3072] as const) sizes[bits] = await benchSize(bits);

  log("\nbare exponentiation (modulus n², exponent n)");
  const dir = mkdtempSync(join(tmpdir(), "paillier-bench-"));
  const modexp: ModexpResult[] = [];
  try {
    const helper = buildGmpHelper(dir);
    log(`  ${helper.note}`);
    for (const bits of [2048, 3072] as const) modexp.push(await benchModexp(bits, helper.path, helper.note));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const at3072 = (op: string): Comparison => {
    const found = sizes[3072].comparisons.find((c) => c.operation.startsWith(op));
    if (found === undefined) throw new Error(`no measurement for ${op}`);
    return found;
  };
  const cold = at3072("encryption, cold (public key only)");
  const coldCrt = at3072("encryption, cold (with the private key");
  const dec = at3072("decryption");
  const online = at3072("encryption, online");
  const mx = modexp.find((m) => m.bits === 3072);
  const targets: Target[] = [
    {
      target: "cold encryption, public key only",
      required: "≥ 5×",
      achieved: `×${fmtRatio(cold.ratio)}`,
      met: cold.ratio >= 5,
    },
    {
      target: "cold encryption, with the private key (CRT)",
      required: "≥ 5×",
      achieved: `×${fmtRatio(coldCrt.ratio)}`,
      met: coldCrt.ratio >= 5,
    },
    { target: "decryption", required: "≥ 8×", achieved: `×${fmtRatio(dec.ratio)}`, met: dec.ratio >= 8 },
    {
      target: "online encryption with the pool",
      required: "≥ 100×",
      achieved: `×${fmtRatio(online.ratio)}`,
      met: online.ratio >= 100,
    },
    {
      target: "bare exponentiation vs native GMP",
      required: "≤ 1.3× GMP's time",
      achieved: mx?.engineOverGmp !== undefined ? `${mx.engineOverGmp.toFixed(2)}× GMP's time` : "GMP skipped",
      met: mx?.engineOverGmp !== undefined ? mx.engineOverGmp <= 1.3 : null,
    },
  ];
  const counters = modPowCounters();
  const results = {
    machine: meta,
    durationSeconds: Math.round((performance.now() - started) / 1000),
    sizes,
    modexp,
    targets,
    modPowRoutes: {
      openssl: counters.openssl - countersBefore.openssl,
      bigint: counters.bigint - countersBefore.bigint,
      fallback: counters.fallback - countersBefore.fallback,
    },
  };
  writeFileSync(join(__dirname, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(__dirname, "results.md"), markdown(meta, sizes, modexp, targets));
  log("\ntargets at 3072 bits:");
  for (const t of targets)
    log(
      `  ${t.met === null ? "n/a    " : t.met ? "met    " : "MISSED "} ${t.target}: ${t.achieved} (required ${t.required})`,
    );
  log(`\nwrote bench/paillier/results.json and results.md in ${results.durationSeconds} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
