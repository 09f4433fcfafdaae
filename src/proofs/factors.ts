/**
 * Π^fac: a non-interactive zero-knowledge proof that a Paillier modulus N₀ = p·q has no small factor: both p and
 * q are at least √N₀ / 2^(ℓ+ε+1), which is 2^638 for a 2048-bit N₀ and 2^1150 for a 3072-bit one.
 *
 * The protocol is the one of Canetti, Gennaro, Goldfeder, Makriyannis and Peled, "UC Non-Interactive, Proactive,
 * Threshold ECDSA with Identifiable Aborts" (CCS 2020; ePrint 2021/060), figure "No small factor proof" (Π^fac),
 * under the verifier's ring-Pedersen parameters (N̂, s, t) (see `./ringPedersen`), made non-interactive by
 * Fiat–Shamir. With ℓ = {@link FACTOR_CHALLENGE_BITS} = 128, ε = {@link FACTOR_SLACK_BITS} = 256 and
 * R = ⌊√N₀⌋, all arithmetic on commitments modulo N̂:
 *
 * 1. The prover draws α, β ∈ ±2^(ℓ+ε)·R; μ, ν ∈ ±2^ℓ·N̂; σ ∈ ±2^ℓ·N₀·N̂; r ∈ ±2^(ℓ+ε)·N₀·N̂;
 *    x, y ∈ ±2^(ℓ+ε)·N̂, and sends P = s^p·t^μ, Q = s^q·t^ν, A = s^α·t^x, B = s^β·t^y, T = Q^α·t^r and σ.
 * 2. The challenge e ∈ [0, 2^ℓ) is the first 16 bytes of SHA-256 framed over [tag, context, N₀, N̂, s, t, P, Q, A,
 *    B, T, sign(σ), |σ|] (tag {@link FACTOR_PROOF_DOMAIN}; N₀ as ⌈bits(N₀)/8⌉ bytes, the others as ⌈bits(N̂)/8⌉,
 *    the sign one byte, |σ| as the width of its bound).
 * 3. With σ̂ = σ − ν·p the prover sends z₁ = α + e·p, z₂ = β + e·q, w₁ = x + e·μ, w₂ = y + e·ν, v = r + e·σ̂.
 * 4. The verifier sets R' = s^N₀·t^σ and checks s^z₁·t^w₁ ≡ A·P^e, s^z₂·t^w₂ ≡ B·Q^e, Q^z₁·t^v ≡ T·R'^e
 *    (mod N̂), P…T units, and |z₁|, |z₂| ≤ 2^(ℓ+ε)·R (the other responses within their bounds too).
 *
 * **What it proves (soundness).** From two accepted answers to challenges e ≠ e' for the same commitments, under
 * the strong RSA assumption for N̂ and s ∈ ⟨t⟩ with log_t s unknown to the prover, e − e' divides z₁ − z₁', which
 * opens P to p̃ = (z₁ − z₁')/(e − e'); likewise Q to q̃, and the third equation gives N₀ = p̃·q̃. The range check
 * bounds |p̃|, |q̃| ≤ 2·2^(ℓ+ε)·R, so each of the two factors is at least N₀ / (2^(ℓ+ε+1)·R) ≥ √N₀ / 2^(ℓ+ε+1) =
 * √N₀ / 2^385. Π^mod shows N₀ has exactly two prime factors, so they are p̃ and q̃: **both primes ≥ 2^638 for
 * a 2048-bit key, ≥ 2^1150 at 3072 bits, ≥ 2^1662 at 4096**, far above the 2^128 the bit proofs need (their
 * soundness error is about 1/P for a smallest prime P; see README.md). The error is 2^−ℓ = 2^−128 per Fiat–Shamir
 * query (a cheater must hit one challenge among 2^128), matching the 128-bit target against offline grinding.
 *
 * **Zero knowledge** (statistical, honest verifier, random oracle): each response is a uniform mask 2^ε times
 * wider than the secret term it hides (e·p < 2^ℓ·p against α's 2^(ℓ+ε)·R, and so on), so it leaks at most about
 * 2^−ε·p/R ≈ 2^−255 of statistical distance for balanced primes, and at most 2^−ℓ for the most unbalanced key the
 * prover accepts (a prime up to 2^(ε−ℓ)·R; above that it refuses); the commitments hide p, q because s ∈ ⟨t⟩ (Π^prm, checked by the
 * prover) and t^μ is close to uniform in ⟨t⟩. The honest prover retries in the negligible case that |z| exceeds
 * the verifier's bound.
 *
 * Cost: the prover ten exponentiations modulo N̂ with exponents of 1.5 to 6.7 kbit (it does not know N̂'s
 * factors); the verifier about ten as well. See README.md for measurements and sizes.
 *
 * @module
 */

import { byteLength, gcd, isqrt } from "../paillier/arith";
import { describeBigInt, describeValue } from "../paillier/errors";
import { ModularExponentiator, PaillierPrivateKey, PaillierPublicKey } from "../paillier";
import { powSigned, randomSigned } from "./arith";
import { ProofError } from "./errors";
import { checkContext, parseJsonInput, readFixedHex, readObject, readSignedFixedHex, toSignedFixedHex } from "./format";
import { toFixedHex } from "../paillier/arith";
import type { RingPedersenParameters } from "./ringPedersen";
import { ascii, fixedBytes, framedHash } from "./transcript";

/** ℓ: the challenge's size in bits, and the security level against a prover grinding Fiat–Shamir queries. */
export const FACTOR_CHALLENGE_BITS = 128;

/** ε: the slack of the masks over the secrets they hide, in bits (CGGMP's ε = 2ℓ). */
export const FACTOR_SLACK_BITS = 256;

/** The domain tag of the Π^fac transcript hash. */
export const FACTOR_PROOF_DOMAIN = "BlindCredit/no-small-factor/v1";

const L = BigInt(FACTOR_CHALLENGE_BITS);
const E = BigInt(FACTOR_SLACK_BITS);

/** The numbers of a Π^fac proof (what {@link verifyFactorsFor} checks for a bare modulus). */
export interface FactorProofData {
  /** P = s^p·t^μ mod N̂. */
  readonly P: bigint;
  /** Q = s^q·t^ν mod N̂. */
  readonly Q: bigint;
  /** A = s^α·t^x mod N̂. */
  readonly A: bigint;
  /** B = s^β·t^y mod N̂. */
  readonly B: bigint;
  /** T = Q^α·t^r mod N̂. */
  readonly T: bigint;
  /** σ, signed, |σ| ≤ 2^ℓ·N₀·N̂. */
  readonly sigma: bigint;
  /** z₁ = α + e·p, |z₁| ≤ 2^(ℓ+ε)·⌊√N₀⌋. */
  readonly z1: bigint;
  /** z₂ = β + e·q, |z₂| ≤ 2^(ℓ+ε)·⌊√N₀⌋. */
  readonly z2: bigint;
  /** w₁ = x + e·μ, |w₁| ≤ 2^(ℓ+ε+1)·N̂. */
  readonly w1: bigint;
  /** w₂ = y + e·ν, |w₂| ≤ 2^(ℓ+ε+1)·N̂. */
  readonly w2: bigint;
  /** v = r + e·(σ − ν·p), |v| ≤ 2^(ℓ+ε+1)·N₀·N̂. */
  readonly v: bigint;
}

/** A Π^fac proof: the key it is about, the parameters it was made under, and its numbers. Immutable. */
export interface FactorProof extends FactorProofData {
  readonly publicKey: PaillierPublicKey;
  readonly parameters: RingPedersenParameters;
}

/**
 * The JSON form of Π^fac: the parameters' fingerprint, P…T as "0x" and 2·⌈bits(N̂)/8⌉ lowercase hex digits, the
 * signed numbers as an optional "-", "0x" and the fixed width of their bound (see README.md, "Formats").
 */
export interface FactorProofJson {
  readonly parameters: string;
  readonly P: string;
  readonly Q: string;
  readonly A: string;
  readonly B: string;
  readonly T: string;
  readonly sigma: string;
  readonly z1: string;
  readonly z2: string;
  readonly w1: string;
  readonly w2: string;
  readonly v: string;
}

/** The bounds on the signed numbers for N₀ and N̂, and their widths in bytes. */
interface Bounds {
  readonly root: bigint;
  readonly z: bigint;
  readonly w: bigint;
  readonly sigma: bigint;
  readonly v: bigint;
  readonly widths: {
    readonly commitment: number;
    readonly z: number;
    readonly w: number;
    readonly sigma: number;
    readonly v: number;
  };
}

function boundsFor(n0: bigint, nHat: bigint): Bounds {
  const root = isqrt(n0);
  const z = root << (L + E);
  const w = nHat << (L + E + 1n);
  const sigma = (n0 * nHat) << L;
  const v = (n0 * nHat) << (L + E + 1n);
  return {
    root,
    z,
    w,
    sigma,
    v,
    widths: {
      commitment: byteLength(nHat),
      z: byteLength(z),
      w: byteLength(w),
      sigma: byteLength(sigma),
      v: byteLength(v),
    },
  };
}

const COMMITMENTS = ["P", "Q", "A", "B", "T"] as const;

/**
 * The Fiat–Shamir challenge e ∈ [0, 2^128) of Π^fac (see the module doc).
 *
 * @param n0 - the modulus the proof is about
 * @param parameters - the ring-Pedersen parameters
 * @param proof - the first message: P, Q, A, B, T and σ
 * @param context - the caller's context bytes
 * @returns e
 */
export function factorChallenge(
  n0: bigint,
  parameters: RingPedersenParameters,
  proof: Pick<FactorProofData, "P" | "Q" | "A" | "B" | "T" | "sigma">,
  context: Uint8Array,
): bigint {
  const { n, s, t } = parameters;
  const { widths } = boundsFor(n0, n);
  const width = widths.commitment;
  const digest = framedHash([
    ascii(FACTOR_PROOF_DOMAIN),
    context,
    fixedBytes(n0, byteLength(n0)),
    fixedBytes(n, width),
    fixedBytes(s, width),
    fixedBytes(t, width),
    ...COMMITMENTS.map((name) => fixedBytes(proof[name], width)),
    Uint8Array.of(proof.sigma < 0n ? 1 : 0),
    fixedBytes(proof.sigma < 0n ? -proof.sigma : proof.sigma, widths.sigma),
  ]);
  return BigInt(`0x${digest.subarray(0, FACTOR_CHALLENGE_BITS / 8).toString("hex")}`);
}

const exponentiators = new WeakMap<RingPedersenParameters, ModularExponentiator>();

/** The cached exponentiator modulo N̂ of a parameter set (shared with Π^enc). */
export function powerModNHat(parameters: RingPedersenParameters): ModularExponentiator {
  let pow = exponentiators.get(parameters);
  if (pow === undefined) {
    pow = new ModularExponentiator(parameters.n);
    exponentiators.set(parameters, pow);
  }
  return pow;
}

/**
 * One run of the Π^fac prover for a bare modulus and claimed factors, without checking the statement or the
 * ranges of the answers: {@link proveFactors} is the one to use; tests use this one to show that a false statement
 * (a small p) gives no accepted proof.
 *
 * @param n0 - the modulus
 * @param p - the claimed first factor
 * @param q - the claimed second factor
 * @param parameters - the verifier's ring-Pedersen parameters
 * @param context - the context bytes
 * @returns the proof's numbers
 */
export function proveFactorsFor(
  n0: bigint,
  p: bigint,
  q: bigint,
  parameters: RingPedersenParameters,
  context: Uint8Array,
): FactorProofData {
  const { n: nHat, s, t } = parameters;
  const pow = powerModNHat(parameters);
  const commit = (a: bigint, b: bigint) => (powSigned(pow, s, a) * powSigned(pow, t, b)) % nHat;
  const { root } = boundsFor(n0, nHat);
  const alpha = randomSigned(root << (L + E));
  const beta = randomSigned(root << (L + E));
  const mu = randomSigned(nHat << L);
  const nu = randomSigned(nHat << L);
  const sigma = randomSigned((n0 * nHat) << L);
  const r = randomSigned((n0 * nHat) << (L + E));
  const x = randomSigned(nHat << (L + E));
  const y = randomSigned(nHat << (L + E));
  const P = commit(p, mu);
  const Q = commit(q, nu);
  const A = commit(alpha, x);
  const B = commit(beta, y);
  const T = (powSigned(pow, Q, alpha) * powSigned(pow, t, r)) % nHat;
  const e = factorChallenge(n0, parameters, { P, Q, A, B, T, sigma }, context);
  return Object.freeze({
    P,
    Q,
    A,
    B,
    T,
    sigma,
    z1: alpha + e * p,
    z2: beta + e * q,
    w1: x + e * mu,
    w2: y + e * nu,
    v: r + e * (sigma - nu * p),
  });
}

/** How many runs the honest prover makes before giving up: a run fails with probability about 2^−254. */
const PROVER_ATTEMPTS = 8;

/**
 * Proves that the key's modulus has no small factor (Π^fac) under the verifier's ring-Pedersen parameters, bound
 * to a context. About ten exponentiations modulo N̂; make it once per key and parameters.
 *
 * @param privateKey - the key whose modulus to prove
 * @param parameters - the verifier's parameters, whose Π^prm the caller has verified ({@link verifyRingPedersen}):
 *   under parameters with s ∉ ⟨t⟩ the commitments P and Q could reveal the factors
 * @param context - bytes naming where the proof is used (deployment, key fingerprint); the verifier repeats them
 * @returns the proof
 * @throws {ProofError} `STATEMENT_FALSE` when a prime is above 2^(ε−ℓ)·√N₀ = 2^128·√N₀ (the other is then too small
 *   to prove without the answers leaking it);
 *   `INVALID_ARGUMENT` when an argument has the wrong type
 * @example
 * verifyRingPedersen(bureauParameters, bureauProof, bureauContext); // once per bureau parameters
 * const proof = proveFactors(privateKey, bureauParameters, keyContext);
 */
export function proveFactors(
  privateKey: PaillierPrivateKey,
  parameters: RingPedersenParameters,
  context: Uint8Array,
): FactorProof {
  if (!(privateKey instanceof PaillierPrivateKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `proveFactors: expected a PaillierPrivateKey, got ${describeValue(privateKey)}`,
    );
  }
  checkParameters(parameters, "proveFactors");
  checkContext(context, "proveFactors: context");
  const { p, q, publicKey } = privateKey;
  const { root, z } = boundsFor(publicKey.n, parameters.n);
  // Zero knowledge needs e·p < 2^ℓ·p to be 2^ℓ times narrower than α's range 2^(ℓ+ε)·R (and likewise for q), so
  // both primes ≤ 2^(ε−ℓ)·R: above that, z₁ = α + e·p is measurably not uniform and tells the verifier about p.
  if (p > root << (E - L) || q > root << (E - L)) {
    throw new ProofError(
      "STATEMENT_FALSE",
      `proveFactors: expected both primes below 2^${FACTOR_SLACK_BITS - FACTOR_CHALLENGE_BITS}·√n (balanced), ` +
        `got a prime of ${Math.max(p.toString(2).length, q.toString(2).length)} bits in a ${publicKey.bits}-bit ` +
        "modulus: its other prime is too small to prove large without revealing it",
    );
  }
  for (let attempt = 0; attempt < PROVER_ATTEMPTS; attempt++) {
    const data = proveFactorsFor(publicKey.n, p, q, parameters, context);
    const abs = (x: bigint) => (x < 0n ? -x : x);
    if (abs(data.z1) <= z && abs(data.z2) <= z) return Object.freeze({ publicKey, parameters, ...data });
  }
  throw new ProofError("STATEMENT_FALSE", `proveFactors: no answer within the bounds in ${PROVER_ATTEMPTS} runs`);
}

/** Throws `INVALID_ARGUMENT` unless `parameters` looks like ring-Pedersen parameters (shared with Π^enc). */
export function checkParameters(parameters: unknown, what: string): asserts parameters is RingPedersenParameters {
  const candidate = parameters as Partial<RingPedersenParameters> | null;
  if (typeof candidate?.n !== "bigint" || typeof candidate.fingerprint !== "string") {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `${what}: expected ring-Pedersen parameters (ringPedersenParameters or decodeRingPedersenParameters), got ` +
        describeValue(parameters),
    );
  }
}

/**
 * Throws through `fail` unless a proof claims to be about `publicKey` under `parameters` (shared with Π^enc).
 *
 * @param proof - the proof, whose `publicKey` and `parameters` are read
 * @param publicKey - the key the verifier expects
 * @param parameters - the parameters the verifier expects (its own)
 * @param fail - throws the proof's `*_PROOF_INVALID` error with the message
 */
export function checkProofBinding(
  proof: unknown,
  publicKey: PaillierPublicKey,
  parameters: RingPedersenParameters,
  fail: (message: string) => never,
): void {
  const claimed = (proof as { publicKey?: unknown } | null)?.publicKey;
  if (!(claimed instanceof PaillierPublicKey) || !claimed.equals(publicKey)) {
    fail(
      `expected a proof for key ${publicKey.fingerprint}, got one for ` +
        (claimed instanceof PaillierPublicKey ? `key ${claimed.fingerprint}` : describeValue(claimed)),
    );
  }
  const against = (proof as { parameters?: { fingerprint?: unknown } }).parameters?.fingerprint;
  if (against !== parameters.fingerprint) {
    fail(`expected a proof under parameters ${parameters.fingerprint}, got one under ${describeValue(against)}`);
  }
}

function invalid(message: string): never {
  throw new ProofError("FACTOR_PROOF_INVALID", `Π^fac: ${message}`);
}

/**
 * Verifies Π^fac for a bare modulus: the checks of {@link verifyFactors} without the key and parameter bookkeeping.
 *
 * @param n0 - the modulus
 * @param parameters - the verifier's ring-Pedersen parameters
 * @param proof - the proof's numbers
 * @param context - the prover's context bytes
 * @throws {ProofError} `FACTOR_PROOF_INVALID` naming the failed check
 */
export function verifyFactorsFor(
  n0: bigint,
  parameters: RingPedersenParameters,
  proof: FactorProofData,
  context: Uint8Array,
): void {
  checkContext(context, "verifyFactorsFor: context");
  checkParameters(parameters, "verifyFactorsFor");
  if (typeof n0 !== "bigint" || n0 < 3n || (n0 & 1n) === 0n)
    invalid(`expected an odd modulus n > 1, got ${describeValue(n0)}`);
  const { n: nHat, s, t } = parameters;
  const bounds = boundsFor(n0, nHat);
  let product = 1n;
  for (const name of COMMITMENTS) {
    const value = proof[name];
    if (typeof value !== "bigint" || value < 1n || value >= nHat) {
      invalid(`expected ${name} in [1, N̂), got ${describeValue(value)}`);
    }
    product = (product * value) % nHat;
  }
  if (gcd(product, nHat) !== 1n) invalid("expected P, Q, A, B and T to be units modulo N̂, got one that is not");
  const ranges = [
    ["z1", bounds.z, "2^(ℓ+ε)·√N₀"],
    ["z2", bounds.z, "2^(ℓ+ε)·√N₀"],
    ["w1", bounds.w, "2^(ℓ+ε+1)·N̂"],
    ["w2", bounds.w, "2^(ℓ+ε+1)·N̂"],
    ["sigma", bounds.sigma, "2^ℓ·N₀·N̂"],
    ["v", bounds.v, "2^(ℓ+ε+1)·N₀·N̂"],
  ] as const;
  for (const [name, bound, text] of ranges) {
    const value = proof[name];
    if (typeof value !== "bigint" || value > bound || value < -bound) {
      invalid(
        `expected |${name}| ≤ ${text}, got ${typeof value === "bigint" ? `a value of ${bitsOf(value)} bits` : describeValue(value)}` +
          (name === "z1" || name === "z2" ? " (a factor too large, so the other too small)" : ""),
      );
    }
  }
  const { P, Q, A, B, T, sigma, z1, z2, w1, w2, v } = proof;
  const e = factorChallenge(n0, parameters, proof, context);
  const pow = powerModNHat(parameters);
  const commit = (a: bigint, b: bigint) => (powSigned(pow, s, a) * powSigned(pow, t, b)) % nHat;
  if (commit(z1, w1) !== (A * pow.pow(P, e)) % nHat) invalid("expected s^z1·t^w1 ≡ A·P^e (mod N̂), got a mismatch");
  if (commit(z2, w2) !== (B * pow.pow(Q, e)) % nHat) invalid("expected s^z2·t^w2 ≡ B·Q^e (mod N̂), got a mismatch");
  const R = commit(n0, sigma);
  if ((powSigned(pow, Q, z1) * powSigned(pow, t, v)) % nHat !== (T * pow.pow(R, e)) % nHat) {
    invalid("expected Q^z1·t^v ≡ T·(s^N₀·t^σ)^e (mod N̂), got a mismatch");
  }
}

function bitsOf(x: bigint): number {
  return (x < 0n ? -x : x).toString(2).length;
}

/**
 * Verifies Π^fac: the key's modulus has no prime factor below √N₀ / 2^385 (2^1150 for a 3072-bit key), given that
 * Π^mod shows it has exactly two, up to 2^−128 per Fiat–Shamir query and the strong RSA assumption for the
 * verifier's own N̂. Verify once per key, parameters and context, and keep the answer.
 *
 * @param publicKey - the key the proof is about
 * @param parameters - the verifier's own ring-Pedersen parameters
 * @param proof - the proof, from {@link proveFactors} or {@link decodeFactorProof}
 * @param context - the same context bytes as the prover's
 * @throws {ProofError} `FACTOR_PROOF_INVALID` naming the failed check (another key or other parameters, a range, a
 *   non-unit, an equation); `INVALID_ARGUMENT` when the key, parameters or context has the wrong type
 * @example
 * verifyFactors(bankKey, ownParameters, decodeFactorProof(bankKey, ownParameters, form.factorProof), keyContext);
 */
export function verifyFactors(
  publicKey: PaillierPublicKey,
  parameters: RingPedersenParameters,
  proof: FactorProof,
  context: Uint8Array,
): void {
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `verifyFactors: expected a PaillierPublicKey, got ${describeValue(publicKey)}`,
    );
  }
  checkParameters(parameters, "verifyFactors");
  checkProofBinding(proof, publicKey, parameters, invalid);
  verifyFactorsFor(publicKey.n, parameters, proof, context);
}

/**
 * The JSON form of Π^fac.
 *
 * @param proof - the proof
 * @returns a JSON-able object; `JSON.stringify` it to send it
 * @throws {ProofError} `INVALID_ARGUMENT` when a number does not fit its width (not a proof from
 *   {@link proveFactors})
 */
export function encodeFactorProof(proof: FactorProof): FactorProofJson {
  const { widths } = boundsFor(proof.publicKey.n, proof.parameters.n);
  try {
    return {
      parameters: proof.parameters.fingerprint,
      P: toFixedHex(proof.P, widths.commitment),
      Q: toFixedHex(proof.Q, widths.commitment),
      A: toFixedHex(proof.A, widths.commitment),
      B: toFixedHex(proof.B, widths.commitment),
      T: toFixedHex(proof.T, widths.commitment),
      sigma: toSignedFixedHex(proof.sigma, widths.sigma),
      z1: toSignedFixedHex(proof.z1, widths.z),
      z2: toSignedFixedHex(proof.z2, widths.z),
      w1: toSignedFixedHex(proof.w1, widths.w),
      w2: toSignedFixedHex(proof.w2, widths.w),
      v: toSignedFixedHex(proof.v, widths.v),
    };
  } catch (err) {
    throw new ProofError("INVALID_ARGUMENT", `encodeFactorProof: expected a proof whose numbers fit their widths`, {
      cause: err,
    });
  }
}

/**
 * Reads Π^fac from its JSON, strictly: exactly the documented members, the parameters' fingerprint equal to the
 * given parameters', fixed widths (N̂'s for P…T; each signed number the width of its bound), P…T in [1, N̂).
 * Reading does not verify: call {@link verifyFactors}.
 *
 * @param publicKey - the key the proof is about
 * @param parameters - the ring-Pedersen parameters it must be under (the verifier's own)
 * @param json - the parsed JSON value, or the JSON text
 * @returns the proof
 * @throws {ProofError} `PROOF_FORMAT` saying what was expected and what came; `INVALID_ARGUMENT` for a non-key
 */
export function decodeFactorProof(
  publicKey: PaillierPublicKey,
  parameters: RingPedersenParameters,
  json: unknown,
): FactorProof {
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `decodeFactorProof: expected a PaillierPublicKey, got ${describeValue(publicKey)}`,
    );
  }
  checkParameters(parameters, "decodeFactorProof");
  const { widths } = boundsFor(publicKey.n, parameters.n);
  const record = readObject(
    parseJsonInput(json, "factor proof", 64 * 1024),
    ["parameters", ...COMMITMENTS, "sigma", "z1", "z2", "w1", "w2", "v"],
    "factor proof",
  );
  if (record.parameters !== parameters.fingerprint) {
    throw new ProofError(
      "PROOF_FORMAT",
      `factor proof: expected one under the parameters ${parameters.fingerprint}, got one under ` +
        describeValue(record.parameters),
    );
  }
  const commitment = (name: (typeof COMMITMENTS)[number]) => {
    const value = readFixedHex(record[name], `factor proof ${name}`, widths.commitment);
    if (value < 1n || value >= parameters.n) {
      throw new ProofError(
        "PROOF_FORMAT",
        `factor proof ${name}: expected a value in [1, N̂), got ${describeBigInt(value)}`,
      );
    }
    return value;
  };
  return Object.freeze({
    publicKey,
    parameters,
    P: commitment("P"),
    Q: commitment("Q"),
    A: commitment("A"),
    B: commitment("B"),
    T: commitment("T"),
    sigma: readSignedFixedHex(record.sigma, "factor proof sigma", widths.sigma),
    z1: readSignedFixedHex(record.z1, "factor proof z1", widths.z),
    z2: readSignedFixedHex(record.z2, "factor proof z2", widths.z),
    w1: readSignedFixedHex(record.w1, "factor proof w1", widths.w),
    w2: readSignedFixedHex(record.w2, "factor proof w2", widths.w),
    v: readSignedFixedHex(record.v, "factor proof v", widths.v),
  });
}
