/**
 * Π^mod: a non-interactive zero-knowledge proof that a Paillier modulus n is a Paillier–Blum modulus, that is
 * n = p·q for two primes p ≡ q ≡ 3 (mod 4) with gcd(n, φ(n)) = 1.
 *
 * The protocol is the one of Canetti, Gennaro, Goldfeder, Makriyannis and Peled, "UC Non-Interactive, Proactive,
 * Threshold ECDSA with Identifiable Aborts" (CCS 2020; ePrint 2021/060), figure "Paillier-Blum Modulus ZK" (Π^mod),
 * made non-interactive by Fiat–Shamir:
 *
 * 1. The prover sends w ∈ Z_n* with Jacobi symbol (w/n) = −1 (uniform among such w).
 * 2. Challenges y_1..y_m ∈ Z_n come from SHA-256 over a domain tag, the caller's context, n, m and w (see
 *    {@link modulusChallenges}).
 * 3. For each i the prover sends z_i = y_i^(n⁻¹ mod φ(n)) mod n, and a_i, b_i ∈ {0, 1} with x_i the fourth root of
 *    y'_i = (−1)^a_i · w^b_i · y_i mod n. Because −1 is a non-square modulo both primes and w modulo exactly one,
 *    exactly one of the four candidates y'_i is a square modulo n; for Blum primes every square has exactly one
 *    square root that is itself a square, so x_i = y'_i^(((p+1)/4)²) (per prime, by the CRT) is a well-defined
 *    fourth root, a function of y'_i alone.
 * 4. The verifier checks: n odd and not a (probable) prime; (w/n) = −1; for each i, z_i^n ≡ y_i and
 *    x_i^4 ≡ (−1)^a_i · w^b_i · y_i (mod n).
 *
 * Soundness (CGGMP, Lemma on Π^mod): if n is not a Paillier–Blum modulus, a given y_i can be answered with
 * probability at most 1/2: when gcd(n, φ(n)) ≠ 1 (a square factor p², or a prime of n dividing another's p − 1) at
 * most half of Z_n* are n-th powers, so z_i fails; with three or more prime factors, or a prime ≢ 3 (mod 4), fewer
 * than one y in two has a fourth root among its four candidates, so x_i fails. A prime n passes both and is caught
 * by the primality test alone. With m = {@link MODULUS_PROOF_ITERATIONS} = 128 the soundness error is 2^−128 per
 * Fiat–Shamir query. Fiat–Shamir lets a cheating prover grind offline (a new w, or a new context, gives new
 * challenges), so m is the security level in bits: a cheater must try about 2^128 (w, context) pairs, matching the
 * 128-bit target of the project's keys (80 iterations would give 80 bits, short of that target).
 *
 * Checking (w/n) = −1 also makes w a unit, and that matters: with w ≡ 0 (mod p), x_i ≡ 0 (mod p) answers every
 * b_i = 1 modulo p, and a modulus with one prime ≡ 1 (mod 4) would pass (a test shows it).
 *
 * Zero knowledge (honest verifier, random oracle): w is uniform among Jacobi −1 units, z_i and x_i are functions of
 * the uniform y_i that a simulator choosing z_i, x_i first can reproduce (y_i = z_i^n, with the oracle programmed).
 * The prover never reveals a second square root of anything, which is what would factor n (a w with w² ≡ 1 would
 * do so: gcd(w − 1, n) is a factor, which is why w is drawn at random and not built by the CRT as ±1).
 *
 * Cost: the verifier computes m exponentiations modulo n with the n-bit exponent n (the fourth powers are two
 * multiplications each); the prover four half-size exponentiations per iteration. See README.md for measurements.
 *
 * @module
 */

import { checkPrimeSync } from "node:crypto";
import { bitLength, byteLength, fromBytes, modInverse, toFixedHex } from "../paillier/arith";
import { describeBigInt, describeValue } from "../paillier/errors";
import { ModularExponentiator, PaillierPrivateKey, PaillierPublicKey, isBlumKey, randomUnit } from "../paillier";
import { crt, jacobi } from "./arith";
import { ProofError, type ProofErrorCode } from "./errors";
import { checkContext, parseJsonInput, readArray, readFixedHex, readFlag, readObject } from "./format";
import { ascii, fixedBytes, framedHash, u32 } from "./transcript";

/**
 * The number of iterations m of Π^mod: the soundness error is 2^−m per Fiat–Shamir query, so m = 128 gives 128-bit
 * security against a prover grinding offline. A proof carries exactly this many iterations (decoding checks it).
 */
export const MODULUS_PROOF_ITERATIONS = 128;

/** The domain tag of the Π^mod transcript hash. */
export const MODULUS_PROOF_DOMAIN = "BlindCredit/paillier-blum-modulus/v1";
const CHALLENGE_DOMAIN = `${MODULUS_PROOF_DOMAIN}/y`;

/** One iteration of Π^mod. */
export interface ModulusProofItem {
  /** x_i, the fourth root of (−1)^a·w^b·y_i modulo n, in [1, n). */
  readonly x: bigint;
  /** a_i: whether y_i was negated. */
  readonly a: 0 | 1;
  /** b_i: whether y_i was multiplied by w. */
  readonly b: 0 | 1;
  /** z_i, the n-th root of y_i modulo n, in [1, n). */
  readonly z: bigint;
}

/** The numbers of a Π^mod proof, without the key (what {@link verifyModulusFor} checks for a bare modulus). */
export interface ModulusProofData {
  /** w, a unit modulo n with Jacobi symbol −1, in [1, n). */
  readonly w: bigint;
  /** The {@link MODULUS_PROOF_ITERATIONS} iterations. */
  readonly items: readonly ModulusProofItem[];
}

/** A Π^mod proof for a public key: that key's modulus is a Paillier–Blum modulus. Immutable. */
export interface ModulusProof extends ModulusProofData {
  /** The key whose modulus the proof is about (it fixes the widths of the JSON form). */
  readonly publicKey: PaillierPublicKey;
}

/** The JSON form of one iteration. */
export interface ModulusProofItemJson {
  /** x_i: "0x" and 2·⌈bits(n)/8⌉ lowercase hex digits. */
  readonly x: string;
  /** a_i: 0 or 1. */
  readonly a: 0 | 1;
  /** b_i: 0 or 1. */
  readonly b: 0 | 1;
  /** z_i: "0x" and 2·⌈bits(n)/8⌉ lowercase hex digits. */
  readonly z: string;
}

/** The JSON form of a Π^mod proof (see README.md, "Formats"). */
export interface ModulusProofJson {
  /** w: "0x" and 2·⌈bits(n)/8⌉ lowercase hex digits. */
  readonly w: string;
  /** Exactly {@link MODULUS_PROOF_ITERATIONS} iterations. */
  readonly items: readonly ModulusProofItemJson[];
}

/**
 * The Fiat–Shamir challenges y_1..y_m of Π^mod.
 *
 * seed = SHA-256 framed over [tag, context, n, u32(m), w] (numbers as ⌈bits(n)/8⌉ big-endian bytes; see
 * {@link framedHash}), tag = {@link MODULUS_PROOF_DOMAIN}. Then for i = 0..m−1 and attempts t = 0, 1, …: the
 * candidate is the first ⌈bits(n)/8⌉ bytes of SHA-256 framed over [tag + "/y", seed, u32(i), u32(t), u32(j)] for
 * j = 0, 1, … concatenated, with the bits above bits(n) cleared; the first candidate with 0 < y < n is y_i
 * (rejection sampling: uniform on [1, n), at most two attempts expected).
 *
 * @param n - the modulus
 * @param w - the prover's w, in [0, n)
 * @param context - the caller's context bytes
 * @param count - m, by default {@link MODULUS_PROOF_ITERATIONS}
 * @returns y_1..y_m
 */
export function modulusChallenges(
  n: bigint,
  w: bigint,
  context: Uint8Array,
  count: number = MODULUS_PROOF_ITERATIONS,
): bigint[] {
  const width = byteLength(n);
  const excess = width * 8 - bitLength(n);
  const seed = framedHash([
    ascii(MODULUS_PROOF_DOMAIN),
    context,
    fixedBytes(n, width),
    u32(count),
    fixedBytes(w, width),
  ]);
  const tag = ascii(CHALLENGE_DOMAIN);
  const ys: bigint[] = [];
  for (let i = 0; i < count; i++) {
    for (let attempt = 0; ; attempt++) {
      const blocks: Buffer[] = [];
      for (let j = 0; j * 32 < width; j++) blocks.push(framedHash([tag, seed, u32(i), u32(attempt), u32(j)]));
      const bytes = Buffer.concat(blocks).subarray(0, width);
      bytes[0] &= 0xff >>> excess;
      const y = fromBytes(bytes);
      if (y > 0n && y < n) {
        ys.push(y);
        break;
      }
    }
  }
  return ys;
}

/** What the prover precomputes for one Blum prime. */
interface BlumPrime {
  /** The prime. */
  readonly p: bigint;
  /** E = ((p + 1)/4)² mod (p − 1): u^E is the fourth root of a square u that is itself a square. */
  readonly rootExponent: bigint;
  /** (−1)^E mod p. */
  readonly minusOneRoot: bigint;
  /** Exponentiation mod p with exponent E. */
  readonly root: ModularExponentiator;
  /** Exponentiation mod p with exponent n⁻¹ mod (p − 1). */
  readonly nthRoot: ModularExponentiator;
  /** n⁻¹ mod (p − 1). */
  readonly nthExponent: bigint;
}

interface BlumContext {
  readonly n: bigint;
  readonly p: BlumPrime;
  readonly q: BlumPrime;
  readonly qInvModP: bigint;
}

function blumPrime(p: bigint, n: bigint): BlumPrime {
  const quarter = (p + 1n) / 4n;
  const rootExponent = (quarter * quarter) % (p - 1n);
  return {
    p,
    rootExponent,
    minusOneRoot: (rootExponent & 1n) === 1n ? p - 1n : 1n,
    root: new ModularExponentiator(p),
    nthRoot: new ModularExponentiator(p),
    nthExponent: modInverse(n % (p - 1n), p - 1n),
  };
}

const blumContexts = new WeakMap<PaillierPrivateKey, BlumContext>();

function blumContext(privateKey: PaillierPrivateKey): BlumContext {
  let ctx = blumContexts.get(privateKey);
  if (ctx === undefined) {
    const { p, q } = privateKey;
    const n = privateKey.publicKey.n;
    ctx = { n, p: blumPrime(p, n), q: blumPrime(q, n), qInvModP: modInverse(q, p) };
    blumContexts.set(privateKey, ctx);
  }
  return ctx;
}

/** The principal fourth root t = u^E mod p, and the Legendre symbol of u read off t^4 = (u/p)·u. */
function quarticRoot(prime: BlumPrime, u: bigint): { root: bigint; legendre: -1 | 0 | 1 } {
  const { p } = prime;
  const residue = u % p;
  if (residue === 0n) return { root: 0n, legendre: 0 };
  const root = prime.root.pow(residue, prime.rootExponent);
  const square = (root * root) % p;
  const fourth = (square * square) % p;
  if (fourth === residue) return { root, legendre: 1 };
  if (fourth === p - residue) return { root, legendre: -1 };
  // Unreachable for a prime p ≡ 3 (mod 4), which the key checks guarantee.
  throw new ProofError("KEY_NOT_BLUM", "proveModulus: expected a prime p ≡ 3 (mod 4), got a factor that is not");
}

function proveWith(ctx: BlumContext, context: Uint8Array): ModulusProofData {
  const { n, p, q, qInvModP } = ctx;
  let w: bigint;
  let wp: { root: bigint; legendre: -1 | 0 | 1 };
  let wq: { root: bigint; legendre: -1 | 0 | 1 };
  do {
    w = randomUnit(n);
    wp = quarticRoot(p, w);
    wq = quarticRoot(q, w);
  } while (wp.legendre * wq.legendre !== -1);
  const items: ModulusProofItem[] = [];
  for (const y of modulusChallenges(n, w, context)) {
    const yp = quarticRoot(p, y);
    const yq = quarticRoot(q, y);
    // Make ly·lw^b equal at both primes (w is a non-square at exactly one), then fix the common sign with −1 (a
    // non-square at both). A y sharing a prime with n (probability ~2^−1535) leaves that prime unconstrained.
    const [lp, lq] = [yp.legendre, yq.legendre];
    const b: 0 | 1 = lp !== 0 && lq !== 0 && lp !== lq ? 1 : 0;
    const sign = lp !== 0 ? lp * (b === 1 ? wp.legendre : 1) : lq;
    const a: 0 | 1 = sign === 1 ? 0 : 1;
    const xp = (yp.root * (a === 1 ? p.minusOneRoot : 1n) * (b === 1 ? wp.root : 1n)) % p.p;
    const xq = (yq.root * (a === 1 ? q.minusOneRoot : 1n) * (b === 1 ? wq.root : 1n)) % q.p;
    const x = crt(xp, xq, p.p, q.p, qInvModP);
    const zp = p.nthRoot.pow(y % p.p, p.nthExponent);
    const zq = q.nthRoot.pow(y % q.p, q.nthExponent);
    const z = crt(zp, zq, p.p, q.p, qInvModP);
    items.push(Object.freeze({ x, a, b, z }));
  }
  return { w, items: Object.freeze(items) };
}

/**
 * Proves that the key's modulus is a Paillier–Blum modulus (Π^mod), bound to a context.
 *
 * The key must be a Blum key (p ≡ q ≡ 3 mod 4): every key from {@link generateKeyPair} is. About 0.7 s at 3072 bits
 * (see README.md): four half-size exponentiations modulo p or q per iteration, nothing modulo n.
 *
 * @param privateKey - the key whose modulus to prove
 * @param context - bytes naming where the proof is used (e.g. consortium, chain id, registry contract, key
 *   fingerprint); the verifier must pass the same bytes
 * @returns the proof
 * @throws {ProofError} `KEY_NOT_BLUM` when p or q is not ≡ 3 (mod 4); `INVALID_ARGUMENT` when an argument has the
 *   wrong type
 * @example
 * const proof = proveModulus(privateKey, context);
 * publish(JSON.stringify(encodeModulusProof(proof)));
 */
export function proveModulus(privateKey: PaillierPrivateKey, context: Uint8Array): ModulusProof {
  if (!(privateKey instanceof PaillierPrivateKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `proveModulus: expected a PaillierPrivateKey, got ${describeValue(privateKey)}`,
    );
  }
  checkContext(context, "proveModulus: context");
  if (!isBlumKey(privateKey)) {
    throw new ProofError(
      "KEY_NOT_BLUM",
      "proveModulus: expected a key with p ≡ q ≡ 3 (mod 4) (Π^mod proves n is a Paillier–Blum modulus, which " +
        "needs both primes ≡ 3 mod 4), got a key whose primes are not both ≡ 3 (mod 4). Make a new key with " +
        "generateKeyPair() of this project (its primes are ≡ 3 mod 4), or generate the primes elsewhere with the " +
        "constraint p ≡ 3 (mod 4) (OpenSSL: BN_generate_prime_ex with add = 4, rem = 3; Node: " +
        "crypto.generatePrime(bits / 2, { add: 4n, rem: 3n, bigint: true })) and import it with importPrivateKey",
    );
  }
  const data = proveWith(blumContext(privateKey), context);
  return Object.freeze({ publicKey: privateKey.publicKey, ...data });
}

function invalid(message: string): never {
  throw new ProofError("MODULUS_PROOF_INVALID", `Π^mod: ${message}`);
}

function checkProofData(n: bigint, proof: unknown, code: ProofErrorCode): ModulusProofData {
  const fail = (message: string): never => {
    throw new ProofError(code, code === "MODULUS_PROOF_INVALID" ? `Π^mod: ${message}` : message);
  };
  if (typeof proof !== "object" || proof === null) fail(`expected a proof object, got ${describeValue(proof)}`);
  const { w, items } = proof as Partial<ModulusProofData>;
  if (typeof w !== "bigint" || w <= 0n || w >= n) fail(`expected w in [1, n), got ${describeValue(w)}`);
  if (!Array.isArray(items) || items.length !== MODULUS_PROOF_ITERATIONS) {
    fail(`expected ${MODULUS_PROOF_ITERATIONS} iterations, got ${describeValue(items)}`);
  }
  (items as readonly unknown[]).forEach((item, i) => {
    if (typeof item !== "object" || item === null)
      fail(`iteration ${i}: expected an object, got ${describeValue(item)}`);
    const { x, a, b, z } = item as Partial<ModulusProofItem>;
    if (typeof x !== "bigint" || x <= 0n || x >= n)
      fail(`iteration ${i}: expected x in [1, n), got ${describeValue(x)}`);
    if (typeof z !== "bigint" || z <= 0n || z >= n)
      fail(`iteration ${i}: expected z in [1, n), got ${describeValue(z)}`);
    if (a !== 0 && a !== 1) fail(`iteration ${i}: expected a = 0 or 1, got ${describeValue(a)}`);
    if (b !== 0 && b !== 1) fail(`iteration ${i}: expected b = 0 or 1, got ${describeValue(b)}`);
  });
  return proof as ModulusProofData;
}

function verifyWith(n: bigint, nth: ModularExponentiator, proof: unknown, context: Uint8Array): void {
  if (n < 3n || (n & 1n) === 0n) invalid(`expected an odd modulus n > 1, got ${(n & 1n) === 0n ? "an even n" : n}`);
  // Miller–Rabin never calls a prime composite, so one round rejects every prime n.
  if (checkPrimeSync(n, { checks: 1 })) invalid("expected a composite n, got a probable prime n");
  const { w, items } = checkProofData(n, proof, "MODULUS_PROOF_INVALID");
  const symbol = jacobi(w, n);
  if (symbol !== -1) {
    invalid(
      `expected w with Jacobi symbol (w/n) = −1, got ${symbol}${symbol === 0 ? " (w shares a factor with n)" : ""}`,
    );
  }
  const ys = modulusChallenges(n, w, context);
  // The fourth roots first: two multiplications each, so a bad proof usually fails before any exponentiation.
  items.forEach(({ x, a, b }, i) => {
    const x2 = (x * x) % n;
    let expected = ys[i];
    if (b === 1) expected = (expected * w) % n;
    if (a === 1) expected = n - expected;
    if ((x2 * x2) % n !== expected) {
      invalid(`iteration ${i} of ${items.length}: expected x^4 ≡ (−1)^a·w^b·y (mod n), got a mismatch`);
    }
  });
  items.forEach(({ z }, i) => {
    if (nth.pow(z, n) !== ys[i]) invalid(`iteration ${i} of ${items.length}: expected z^n ≡ y (mod n), got a mismatch`);
  });
}

const verifierPowers = new WeakMap<PaillierPublicKey, ModularExponentiator>();

/**
 * Verifies a Π^mod proof: the key's modulus is a Paillier–Blum modulus (n = p·q, p ≡ q ≡ 3 mod 4,
 * gcd(n, φ(n)) = 1), up to a soundness error of 2^−128.
 *
 * Together with the key import checks (exact size, no prime factor below 2^16) this is what makes the bit proofs
 * sound; see README.md for what it does not show (that both primes are large). About 1.2 s at 3072 bits: verify once
 * per key and context (e.g. when a bank registers its key), not per check.
 *
 * @param publicKey - the key whose modulus the proof is about
 * @param proof - the proof, from {@link proveModulus} or {@link decodeModulusProof}
 * @param context - the same context bytes as the prover's
 * @throws {ProofError} `MODULUS_PROOF_INVALID` naming the failed check (a proof for another key, n even or prime,
 *   (w/n) ≠ −1, a value out of range, a fourth root or an n-th root that does not match);
 *   `INVALID_ARGUMENT` when the key or context has the wrong type
 * @example
 * verifyModulus(bankKey, decodeModulusProof(bankKey, registration.modulusProof), registrationContext);
 */
export function verifyModulus(publicKey: PaillierPublicKey, proof: ModulusProof, context: Uint8Array): void {
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `verifyModulus: expected a PaillierPublicKey, got ${describeValue(publicKey)}`,
    );
  }
  checkContext(context, "verifyModulus: context");
  const claimed = (proof as Partial<ModulusProof> | null)?.publicKey;
  if (!(claimed instanceof PaillierPublicKey) || !claimed.equals(publicKey)) {
    invalid(
      `expected a proof for key ${publicKey.fingerprint}, got one for ` +
        (claimed instanceof PaillierPublicKey ? `key ${claimed.fingerprint}` : describeValue(claimed)),
    );
  }
  let nth = verifierPowers.get(publicKey);
  if (nth === undefined) {
    nth = new ModularExponentiator(publicKey.n);
    verifierPowers.set(publicKey, nth);
  }
  verifyWith(publicKey.n, nth, proof, context);
}

/**
 * Verifies a Π^mod proof for a bare modulus, one that need not pass key import (an even or prime n, say). For tests
 * and for tools that check a modulus before importing it; {@link verifyModulus} is the one to use for keys.
 *
 * @param n - the modulus
 * @param proof - the proof's numbers
 * @param context - the prover's context bytes
 * @throws {ProofError} `MODULUS_PROOF_INVALID` naming the failed check
 */
export function verifyModulusFor(n: bigint, proof: ModulusProofData, context: Uint8Array): void {
  if (typeof n !== "bigint") throw new ProofError("INVALID_ARGUMENT", `n: expected a bigint, got ${describeValue(n)}`);
  checkContext(context, "verifyModulusFor: context");
  verifyWith(n, new ModularExponentiator(n < 1n ? 1n : n), proof, context);
}

/**
 * The JSON form of a Π^mod proof: `{"w": "0x…", "items": [{"x": "0x…", "a": 0, "b": 1, "z": "0x…"}, …]}`, numbers
 * as fixed-width lowercase hex (2·⌈bits(n)/8⌉ digits).
 *
 * @param proof - the proof
 * @returns a JSON-able object; `JSON.stringify` it to send it
 * @throws {ProofError} `INVALID_ARGUMENT` when `proof` is not a well-formed proof
 * @example
 * const text = JSON.stringify(encodeModulusProof(proveModulus(privateKey, context)));
 */
export function encodeModulusProof(proof: ModulusProof): ModulusProofJson {
  const publicKey = (proof as Partial<ModulusProof> | null)?.publicKey;
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `encodeModulusProof: expected a ModulusProof, got ${describeValue(proof)}`,
    );
  }
  const { w, items } = checkProofData(publicKey.n, proof, "INVALID_ARGUMENT");
  const width = byteLength(publicKey.n);
  return {
    w: toFixedHex(w, width),
    items: items.map(({ x, a, b, z }) => ({ x: toFixedHex(x, width), a, b, z: toFixedHex(z, width) })),
  };
}

/**
 * Reads a Π^mod proof from its JSON form, strictly: exactly the members w and items, exactly
 * {@link MODULUS_PROOF_ITERATIONS} (128) items of exactly x, a, b, z; numbers as "0x" and exactly 2·⌈bits(n)/8⌉
 * lowercase hex digits, in [1, n); a and b the numbers 0 or 1. Reading does not verify: call {@link verifyModulus}.
 *
 * @param publicKey - the key the proof is about
 * @param json - the parsed JSON value, or the JSON text
 * @returns the proof
 * @throws {ProofError} `PROOF_FORMAT` saying what was expected and what came; `INVALID_ARGUMENT` for a non-key
 * @example
 * const proof = decodeModulusProof(bankKey, JSON.parse(body));
 */
export function decodeModulusProof(publicKey: PaillierPublicKey, json: unknown): ModulusProof {
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `decodeModulusProof: expected a PaillierPublicKey, got ${describeValue(publicKey)}`,
    );
  }
  const { n } = publicKey;
  const width = byteLength(n);
  const maxLength = (MODULUS_PROOF_ITERATIONS + 1) * (2 * (2 * width + 2) + 64) + 1024;
  const record = readObject(parseJsonInput(json, "modulus proof", maxLength), ["w", "items"], "modulus proof");
  const inRange = (value: bigint, what: string): bigint => {
    if (value <= 0n || value >= n) {
      throw new ProofError("PROOF_FORMAT", `${what}: expected a value in [1, n), got ${describeBigInt(value)}`);
    }
    return value;
  };
  const w = inRange(readFixedHex(record.w, "modulus proof w", width), "modulus proof w");
  const rows = readArray(record.items, "modulus proof items", MODULUS_PROOF_ITERATIONS, MODULUS_PROOF_ITERATIONS);
  const items = rows.map((row, i) => {
    const what = `modulus proof items[${i}]`;
    const item = readObject(row, ["x", "a", "b", "z"], what);
    return Object.freeze({
      x: inRange(readFixedHex(item.x, `${what}.x`, width), `${what}.x`),
      a: readFlag(item.a, `${what}.a`),
      b: readFlag(item.b, `${what}.b`),
      z: inRange(readFixedHex(item.z, `${what}.z`, width), `${what}.z`),
    });
  });
  return Object.freeze({ publicKey, w, items: Object.freeze(items) });
}
