/**
 * Ring-Pedersen parameters (N̂, s, t) and Π^prm, the proof that they are well formed: s lies in the group generated
 * by t, so that a commitment s^x·t^y hides x.
 *
 * The verifier of Π^fac (the bureau; see `./factors`) makes these once: N̂ = P̂·Q̂ a product of two safe primes
 * (P̂ = 2p' + 1, Q̂ = 2q' + 1, from OpenSSL through `node:crypto` `generatePrime(bits / 2, { safe: true })`),
 * t = τ² mod N̂ for a uniform unit τ (a random square, which generates the squares, of order p'·q', except with
 * probability about 2/p'), λ uniform in [0, φ(N̂)) and s = t^λ mod N̂. The prover of Π^fac (a bank) relies on
 * s ∈ ⟨t⟩ for zero knowledge, and checks it with Π^prm; the verifier relies on the strong RSA assumption for N̂
 * (the prover does not know P̂, Q̂ or λ) for soundness, which is its own business: it made N̂.
 *
 * Π^prm is the protocol of Canetti, Gennaro, Goldfeder, Makriyannis and Peled, "UC Non-Interactive, Proactive,
 * Threshold ECDSA with Identifiable Aborts" (CCS 2020; ePrint 2021/060), figure "Ring-Pedersen parameters ZK-proof"
 * (Π^prm), with m = {@link RING_PEDERSEN_PROOF_ITERATIONS} = 128 repetitions, made non-interactive by Fiat–Shamir:
 *
 * 1. For i = 1..m the prover draws a_i uniform in [0, φ(N̂)) and sends A_i = t^a_i mod N̂.
 * 2. The challenge bits e_1..e_m are the first m bits of SHA-256 framed over [tag, context, N̂, s, t, u32(m),
 *    A_1, …, A_m] (numbers as ⌈bits(N̂)/8⌉ big-endian bytes; tag {@link RING_PEDERSEN_PROOF_DOMAIN}).
 * 3. The prover sends z_i = a_i + e_i·λ mod φ(N̂); the verifier checks t^z_i ≡ A_i·s^e_i (mod N̂), with A_i a
 *    unit and z_i in [0, N̂).
 *
 * Soundness: if s ∉ ⟨t⟩, an A_i answers at most one of e_i = 0, 1 (two answers give t^(z − z') = s), so each
 * repetition halves a cheater's chance: 2^−128 per Fiat–Shamir query, and 128 bits against offline grinding, the
 * same reasoning as Π^mod's 128 iterations. Zero knowledge: z_i is uniform in [0, φ(N̂)) whatever λ.
 *
 * The prover computes t^a_i modulo P̂ and Q̂ and joins them by the CRT. Not constant time (JavaScript BigInt).
 *
 * @module
 */

import { checkPrimeSync, generatePrime } from "node:crypto";
import { bitLength, byteLength, gcd, modInverse, toFixedHex } from "../paillier/arith";
import { describeBigInt, describeValue } from "../paillier/errors";
import { ModularExponentiator, randomBelow, randomUnit } from "../paillier";
import { crt } from "./arith";
import { ProofError } from "./errors";
import { checkContext, parseJsonInput, readArray, readFixedHex, readObject } from "./format";
import { ascii, fixedBytes, framedHash, u32 } from "./transcript";

/** The repetitions m of Π^prm: soundness error 2^−m per Fiat–Shamir query. */
export const RING_PEDERSEN_PROOF_ITERATIONS = 128;

/** The domain tag of the Π^prm transcript hash (and of the parameters' fingerprint, with "/fingerprint"). */
export const RING_PEDERSEN_PROOF_DOMAIN = "BlindCredit/ring-pedersen/v1";

/** The size of N̂ made by default: 3072 bits, for 128-bit security (strong RSA), like the Paillier keys. */
export const RING_PEDERSEN_DEFAULT_BITS = 3072;

/** The smallest N̂ accepted, in bits. */
export const RING_PEDERSEN_MIN_BITS = 2048;

/** The largest N̂ accepted, in bits. */
export const RING_PEDERSEN_MAX_BITS = 4096;

/** Public ring-Pedersen parameters: what a prover of Π^fac commits under. Immutable. */
export interface RingPedersenParameters {
  /** N̂, a product of two safe primes (not checkable by anyone but its maker: see the module doc). */
  readonly n: bigint;
  /** s = t^λ mod N̂. */
  readonly s: bigint;
  /** t, a square modulo N̂. */
  readonly t: bigint;
  /** "0x" and 64 hex digits: SHA-256 framed over [tag + "/fingerprint", N̂, s, t]; names the parameters. */
  readonly fingerprint: string;
}

/** The maker's secrets: the safe primes and λ. */
export interface RingPedersenSecret {
  readonly parameters: RingPedersenParameters;
  /** The safe prime P̂. */
  readonly p: bigint;
  /** The safe prime Q̂. */
  readonly q: bigint;
  /** λ, with s = t^λ mod N̂, in [0, φ(N̂)). */
  readonly lambda: bigint;
}

/** The JSON form of the public parameters: numbers as "0x" and 2·⌈bits(N̂)/8⌉ lowercase hex digits. */
export interface RingPedersenParametersJson {
  readonly n: string;
  readonly s: string;
  readonly t: string;
}

/** The JSON form of the secret parameters (for sealing at rest and for test fixtures), lowercase "0x" hex. */
export interface RingPedersenSecretJson extends RingPedersenParametersJson {
  readonly kty: "RingPedersen";
  readonly p: string;
  readonly q: string;
  readonly lambda: string;
}

/** Π^prm: one commitment and answer per repetition. */
export interface RingPedersenProofItem {
  /** A_i = t^a_i mod N̂, a unit. */
  readonly a: bigint;
  /** z_i = a_i + e_i·λ mod φ(N̂), in [0, N̂). */
  readonly z: bigint;
}

/** A Π^prm proof for given parameters. Immutable. */
export interface RingPedersenProof {
  readonly parameters: RingPedersenParameters;
  /** Exactly {@link RING_PEDERSEN_PROOF_ITERATIONS} items. */
  readonly items: readonly RingPedersenProofItem[];
}

/** The JSON form of Π^prm: `{"items": [{"a": "0x…", "z": "0x…"}, …128]}`, fixed-width hex of N̂. */
export interface RingPedersenProofJson {
  readonly items: readonly { readonly a: string; readonly z: string }[];
}

function fingerprintOf(n: bigint, s: bigint, t: bigint): string {
  const width = byteLength(n);
  const digest = framedHash([
    ascii(`${RING_PEDERSEN_PROOF_DOMAIN}/fingerprint`),
    fixedBytes(n, width),
    fixedBytes(s, width),
    fixedBytes(t, width),
  ]);
  return `0x${digest.toString("hex")}`;
}

function format(message: string): never {
  throw new ProofError("PROOF_FORMAT", `ring-Pedersen parameters: ${message}`);
}

/**
 * Checks public parameters and returns them, fingerprinted: N̂ odd, of {@link RING_PEDERSEN_MIN_BITS} to
 * {@link RING_PEDERSEN_MAX_BITS} bits; s and t units in [2, N̂ − 2].
 *
 * @param n - N̂
 * @param s - s
 * @param t - t
 * @returns the parameters
 * @throws {ProofError} `PROOF_FORMAT` saying which check failed
 */
export function ringPedersenParameters(n: bigint, s: bigint, t: bigint): RingPedersenParameters {
  for (const [name, value] of [
    ["N̂", n],
    ["s", s],
    ["t", t],
  ] as const) {
    if (typeof value !== "bigint") format(`expected ${name} as a bigint, got ${describeValue(value)}`);
  }
  const bits = bitLength(n);
  if ((n & 1n) === 0n || bits < RING_PEDERSEN_MIN_BITS || bits > RING_PEDERSEN_MAX_BITS) {
    format(
      `expected an odd N̂ of ${RING_PEDERSEN_MIN_BITS} to ${RING_PEDERSEN_MAX_BITS} bits, got ` +
        `${(n & 1n) === 0n ? "an even" : "an odd"} N̂ of ${bits} bits`,
    );
  }
  for (const [name, value] of [
    ["s", s],
    ["t", t],
  ] as const) {
    if (value < 2n || value > n - 2n) format(`expected ${name} in [2, N̂ − 2], got ${describeBigInt(value)}`);
    if (gcd(value, n) !== 1n) format(`expected ${name} to be a unit modulo N̂, got one sharing a factor with N̂`);
  }
  return Object.freeze({ n, s, t, fingerprint: fingerprintOf(n, s, t) });
}

function safePrime(bits: number): Promise<bigint> {
  return new Promise((resolve, reject) =>
    generatePrime(bits, { safe: true, bigint: true }, (err, prime) => (err ? reject(err) : resolve(prime))),
  );
}

/**
 * Builds parameters from two safe primes: t a random square, λ uniform in [0, φ(N̂)), s = t^λ.
 *
 * @param p - a safe prime
 * @param q - another safe prime, of the same size
 * @returns the secret parameters
 * @throws {ProofError} `INVALID_ARGUMENT` when p or q is not a safe prime, or they are equal; `PROOF_FORMAT` when the
 *   product's size is out of range
 */
export function ringPedersenFromPrimes(p: bigint, q: bigint): RingPedersenSecret {
  checkSafePrimes(p, q);
  const n = p * q;
  const phi = (p - 1n) * (q - 1n);
  let t: bigint;
  do {
    const tau = randomUnit(n);
    t = (tau * tau) % n;
  } while (t === 1n || t === n - 1n);
  const lambda = randomBelow(phi);
  let s = new ModularExponentiator(n).pow(t, lambda);
  // s = 1 only for λ ≡ 0 modulo t's order: draw again (probability about 2^−1500).
  while (s < 2n || s > n - 2n) s = new ModularExponentiator(n).pow(t, randomBelow(phi));
  return secretOf(p, q, t, s, lambda);
}

function secretOf(p: bigint, q: bigint, t: bigint, s: bigint, lambda: bigint): RingPedersenSecret {
  const parameters = ringPedersenParameters(p * q, s, t);
  return Object.freeze({ parameters, p, q, lambda });
}

function checkSafePrimes(p: bigint, q: bigint): void {
  for (const [name, prime] of [
    ["P̂", p],
    ["Q̂", q],
  ] as const) {
    const isSafe =
      typeof prime === "bigint" && prime > 5n && checkPrimeSync(prime) && checkPrimeSync((prime - 1n) / 2n);
    if (!isSafe) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `ring-Pedersen parameters: expected ${name} a safe prime, got one that is not`,
      );
    }
  }
  if (p === q) throw new ProofError("INVALID_ARGUMENT", "ring-Pedersen parameters: expected P̂ ≠ Q̂, got equal primes");
}

/**
 * Makes fresh ring-Pedersen parameters: two safe primes of bits/2 bits from OpenSSL (asynchronous: the event loop
 * keeps running), then {@link ringPedersenFromPrimes}. Slow and variable: safe primes of 1536 bits take seconds to
 * minutes each (see README.md, "Costs"); make them once and keep them (the bureau seals them beside its database).
 *
 * @param bits - the size of N̂, even, {@link RING_PEDERSEN_MIN_BITS} to {@link RING_PEDERSEN_MAX_BITS}; default 3072
 * @returns the secret parameters
 * @throws {ProofError} `INVALID_ARGUMENT` for a size out of range
 * @example
 * const secret = await generateRingPedersen(); // once, at the bureau's first start
 */
export async function generateRingPedersen(bits: number = RING_PEDERSEN_DEFAULT_BITS): Promise<RingPedersenSecret> {
  if (!Number.isInteger(bits) || bits % 2 !== 0 || bits < RING_PEDERSEN_MIN_BITS || bits > RING_PEDERSEN_MAX_BITS) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `generateRingPedersen: expected an even size of ${RING_PEDERSEN_MIN_BITS} to ${RING_PEDERSEN_MAX_BITS} bits, got ` +
        describeValue(bits),
    );
  }
  for (;;) {
    const [p, q] = await Promise.all([safePrime(bits / 2), safePrime(bits / 2)]);
    if (p !== q && bitLength(p * q) === bits) return ringPedersenFromPrimes(p, q);
  }
}

/**
 * The secret parameters as JSON, for sealing at rest.
 *
 * @param secret - the parameters
 * @returns the JSON-able object (it holds the secrets: seal it)
 */
export function exportRingPedersen(secret: RingPedersenSecret): RingPedersenSecretJson {
  const { parameters, p, q, lambda } = secret;
  const width = byteLength(parameters.n);
  return {
    kty: "RingPedersen",
    ...encodeRingPedersenParameters(parameters),
    p: toFixedHex(p, width),
    q: toFixedHex(q, width),
    lambda: toFixedHex(lambda, width),
  };
}

/**
 * Reads secret parameters from their JSON, checking everything: P̂ and Q̂ safe primes, N̂ = P̂·Q̂, s = t^λ.
 *
 * @param json - the parsed JSON value, or the JSON text
 * @returns the secret parameters
 * @throws {ProofError} `PROOF_FORMAT` or `INVALID_ARGUMENT` saying which check failed
 */
export function importRingPedersen(json: unknown): RingPedersenSecret {
  const record = readObject(
    parseJsonInput(json, "ring-Pedersen secret", 64 * 1024),
    ["kty", "n", "s", "t", "p", "q", "lambda"],
    "ring-Pedersen secret",
  );
  if (record.kty !== "RingPedersen") format(`expected kty "RingPedersen", got ${describeValue(record.kty)}`);
  const { n, s, t } = decodeRingPedersenParameters({ n: record.n, s: record.s, t: record.t });
  const width = byteLength(n);
  const p = readFixedHex(record.p, "ring-Pedersen secret p", width);
  const q = readFixedHex(record.q, "ring-Pedersen secret q", width);
  const lambda = readFixedHex(record.lambda, "ring-Pedersen secret lambda", width);
  checkSafePrimes(p, q);
  if (p * q !== n) format("expected N̂ = P̂·Q̂, got primes whose product differs");
  if (new ModularExponentiator(n).pow(t, lambda) !== s) format("expected s = t^λ mod N̂, got an s that is not");
  return secretOf(p, q, t, s, lambda);
}

/**
 * The public parameters as JSON.
 *
 * @param parameters - the parameters
 * @returns `{ n, s, t }` as fixed-width lowercase hex
 */
export function encodeRingPedersenParameters(parameters: RingPedersenParameters): RingPedersenParametersJson {
  const width = byteLength(parameters.n);
  return {
    n: toFixedHex(parameters.n, width),
    s: toFixedHex(parameters.s, width),
    t: toFixedHex(parameters.t, width),
  };
}

/**
 * Reads public parameters from their JSON, strictly, and checks them ({@link ringPedersenParameters}). Reading does
 * not show s ∈ ⟨t⟩: verify their Π^prm ({@link verifyRingPedersen}) before committing under them.
 *
 * @param json - the parsed JSON value, or the JSON text
 * @returns the parameters
 * @throws {ProofError} `PROOF_FORMAT` saying what was expected and what came
 */
export function decodeRingPedersenParameters(json: unknown): RingPedersenParameters {
  const record = readObject(
    parseJsonInput(json, "ring-Pedersen parameters", 8 * 1024),
    ["n", "s", "t"],
    "ring-Pedersen parameters",
  );
  if (typeof record.n !== "string" || !/^0x[0-9a-f]+$/.test(record.n) || record.n.length > 2 + 1024) {
    format(`expected n as "0x" and lowercase hex digits, got ${describeValue(record.n)}`);
  }
  const width = (record.n.length - 2) / 2;
  const n = readFixedHex(record.n, "ring-Pedersen parameters n", width);
  if (byteLength(n) !== width) format("expected n without leading zero bytes, got some");
  const s = readFixedHex(record.s, "ring-Pedersen parameters s", width);
  const t = readFixedHex(record.t, "ring-Pedersen parameters t", width);
  return ringPedersenParameters(n, s, t);
}

/**
 * The Fiat–Shamir challenge bits of Π^prm (see the module doc).
 *
 * @param parameters - the parameters
 * @param commitments - A_1..A_m
 * @param context - the caller's context bytes
 * @returns e_1..e_m, each 0 or 1
 * @throws {ProofError} `INVALID_ARGUMENT` for more than 256 commitments (one digest's bits)
 */
export function ringPedersenChallenges(
  parameters: RingPedersenParameters,
  commitments: readonly bigint[],
  context: Uint8Array,
): (0 | 1)[] {
  if (commitments.length > 256) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `ringPedersenChallenges: expected at most 256 commitments, got ${commitments.length}`,
    );
  }
  const { n, s, t } = parameters;
  const width = byteLength(n);
  const digest = framedHash([
    ascii(RING_PEDERSEN_PROOF_DOMAIN),
    context,
    fixedBytes(n, width),
    fixedBytes(s, width),
    fixedBytes(t, width),
    u32(commitments.length),
    ...commitments.map((a) => fixedBytes(a, width)),
  ]);
  return commitments.map((_, i) => ((digest[i >> 3] >> (7 - (i & 7))) & 1) as 0 | 1);
}

/**
 * Proves that s ∈ ⟨t⟩ (Π^prm), bound to a context. About 128 exponentiations modulo P̂ and Q̂ each.
 *
 * @param secret - the parameters with their secrets
 * @param context - bytes naming where the proof is used (e.g. the deployment and the bureau's address)
 * @returns the proof
 * @throws {ProofError} `INVALID_ARGUMENT` when the context is not bytes
 * @example
 * const proof = proveRingPedersen(secret, context);
 * publish(JSON.stringify(encodeRingPedersenProof(proof)));
 */
export function proveRingPedersen(secret: RingPedersenSecret, context: Uint8Array): RingPedersenProof {
  checkContext(context, "proveRingPedersen: context");
  const { parameters, p, q, lambda } = secret;
  const phi = (p - 1n) * (q - 1n);
  const [powP, powQ] = [new ModularExponentiator(p), new ModularExponentiator(q)];
  const qInvModP = modInverse(q, p);
  const exponents = Array.from({ length: RING_PEDERSEN_PROOF_ITERATIONS }, () => randomBelow(phi));
  const commitments = exponents.map((a) =>
    crt(powP.pow(parameters.t, a % (p - 1n)), powQ.pow(parameters.t, a % (q - 1n)), p, q, qInvModP),
  );
  const challenges = ringPedersenChallenges(parameters, commitments, context);
  const items = commitments.map((a, i) =>
    Object.freeze({ a, z: (exponents[i] + BigInt(challenges[i]) * lambda) % phi }),
  );
  return Object.freeze({ parameters, items: Object.freeze(items) });
}

function invalid(message: string): never {
  throw new ProofError("RING_PEDERSEN_PROOF_INVALID", `Π^prm: ${message}`);
}

/**
 * Verifies Π^prm: s ∈ ⟨t⟩ modulo N̂, up to a soundness error of 2^−128. About 128 exponentiations modulo N̂: verify
 * once per parameters and context, and keep the answer.
 *
 * @param parameters - the parameters the proof is about
 * @param proof - the proof, from {@link proveRingPedersen} or {@link decodeRingPedersenProof}
 * @param context - the prover's context bytes
 * @throws {ProofError} `RING_PEDERSEN_PROOF_INVALID` naming the failed check (other parameters, a count, a range,
 *   a non-unit commitment, an equation); `INVALID_ARGUMENT` when the context is not bytes
 */
export function verifyRingPedersen(
  parameters: RingPedersenParameters,
  proof: RingPedersenProof,
  context: Uint8Array,
): void {
  checkContext(context, "verifyRingPedersen: context");
  const claimed = (proof as Partial<RingPedersenProof> | null)?.parameters;
  if (claimed?.fingerprint !== parameters.fingerprint) {
    invalid(
      `expected a proof for parameters ${parameters.fingerprint}, got one for ${describeValue(claimed?.fingerprint)}`,
    );
  }
  const { n, s, t } = parameters;
  const items = proof.items;
  if (!Array.isArray(items) || items.length !== RING_PEDERSEN_PROOF_ITERATIONS) {
    invalid(`expected ${RING_PEDERSEN_PROOF_ITERATIONS} items, got ${describeValue(items)}`);
  }
  let product = 1n;
  items.forEach(({ a, z }, i) => {
    if (typeof a !== "bigint" || a < 1n || a >= n) invalid(`item ${i}: expected A in [1, N̂), got ${describeValue(a)}`);
    if (typeof z !== "bigint" || z < 0n || z >= n) invalid(`item ${i}: expected z in [0, N̂), got ${describeValue(z)}`);
    product = (product * a) % n;
  });
  if (gcd(product, n) !== 1n) invalid("expected every A to be a unit modulo N̂, got one sharing a factor with N̂");
  const challenges = ringPedersenChallenges(
    parameters,
    items.map(({ a }) => a),
    context,
  );
  const pow = new ModularExponentiator(n);
  items.forEach(({ a, z }, i) => {
    const expected = challenges[i] === 1 ? (a * s) % n : a;
    if (pow.pow(t, z) !== expected) {
      invalid(`item ${i} of ${items.length}: expected t^z ≡ A·s^e (mod N̂), got a mismatch`);
    }
  });
}

/**
 * The JSON form of Π^prm.
 *
 * @param proof - the proof
 * @returns `{ items: [{ a, z }, …] }`, fixed-width lowercase hex of N̂
 */
export function encodeRingPedersenProof(proof: RingPedersenProof): RingPedersenProofJson {
  const width = byteLength(proof.parameters.n);
  return { items: proof.items.map(({ a, z }) => ({ a: toFixedHex(a, width), z: toFixedHex(z, width) })) };
}

/**
 * Reads Π^prm from its JSON, strictly: exactly the member items, exactly 128 items of exactly a and z, fixed-width
 * hex of N̂, A in [1, N̂), z in [0, N̂). Reading does not verify: call {@link verifyRingPedersen}.
 *
 * @param parameters - the parameters the proof is about
 * @param json - the parsed JSON value, or the JSON text
 * @returns the proof
 * @throws {ProofError} `PROOF_FORMAT` saying what was expected and what came
 */
export function decodeRingPedersenProof(parameters: RingPedersenParameters, json: unknown): RingPedersenProof {
  const { n } = parameters;
  const width = byteLength(n);
  const maxLength = RING_PEDERSEN_PROOF_ITERATIONS * (4 * width + 40) + 1024;
  const record = readObject(parseJsonInput(json, "ring-Pedersen proof", maxLength), ["items"], "ring-Pedersen proof");
  const rows = readArray(
    record.items,
    "ring-Pedersen proof items",
    RING_PEDERSEN_PROOF_ITERATIONS,
    RING_PEDERSEN_PROOF_ITERATIONS,
  );
  const items = rows.map((row, i) => {
    const what = `ring-Pedersen proof items[${i}]`;
    const item = readObject(row, ["a", "z"], what);
    const a = readFixedHex(item.a, `${what}.a`, width);
    const z = readFixedHex(item.z, `${what}.z`, width);
    if (a < 1n || a >= n)
      throw new ProofError("PROOF_FORMAT", `${what}.a: expected a value in [1, N̂), got ${describeBigInt(a)}`);
    if (z >= n) throw new ProofError("PROOF_FORMAT", `${what}.z: expected a value in [0, N̂), got ${describeBigInt(z)}`);
    return Object.freeze({ a, z });
  });
  return Object.freeze({ parameters, items: Object.freeze(items) });
}
