/**
 * Fast modular exponentiation for Node.js, through the OpenSSL that Node itself links.
 *
 * Node exposes no bignum API, but finite-field Diffie–Hellman computes exactly `base^exponent mod modulus`:
 * `createDiffieHellman(modulus)`, `setPrivateKey(exponent)`, `computeSecret(base)`. OpenSSL does this with
 * Montgomery multiplication in C and assembly, several times faster than JavaScript BigInt square-and-multiply
 * (and, measured on the project's machines, faster than GMP's `mpz_powm`; see bench/paillier). It is part of Node,
 * so nothing native has to be installed.
 *
 * The route has edges, each handled here:
 * - creating a DH object runs a primality test on the modulus (about 0.1 s for a 1536-bit prime, which must pass
 *   every round; a composite fails the first), so one object per modulus is shared by every exponentiator of that
 *   modulus in the process (a key's several uses of its primes pay the test once), and the exponent is swapped in
 *   with `setPrivateKey` (microseconds) only when it changes;
 * - OpenSSL refuses bases 0, 1 and modulus − 1 ("key too small/large"): these have closed forms;
 * - it refuses a result of 1: then b^(e−1) (which is b⁻¹ ≠ 1) is computed instead and multiplied by b;
 * - it refuses moduli outside its DH limits (even ones, over 10 000 bits), and below 512 bits Node returns zeros
 *   instead of an error: such moduli take the BigInt route ({@link modPowBigInt});
 * - the secret comes back zero-padded to the modulus length: parsing the bytes as a number removes the padding;
 * - bases at or above the modulus, and negative ones, are reduced first.
 *
 * OpenSSL runs the exponentiation with its constant-time fixed-window code (measured: the time does not depend on
 * the exponent's Hamming weight). The conversions around it are ordinary JavaScript and are not constant time.
 *
 * @module
 */

import { checkPrimeSync, constants, createDiffieHellman, type DiffieHellman } from "node:crypto";
import { bitLength, fromBytes, mod } from "./arith";
import { PaillierError, assertBigInt, describeBigInt } from "./errors";

/** How an exponentiation is computed: OpenSSL through Node's Diffie–Hellman, or JavaScript BigInt. */
export type ModPowRoute = "openssl" | "bigint";

/** Moduli from this size up take the OpenSSL route (Node silently returns zeros below 512 bits; we keep a margin). */
export const OPENSSL_MIN_MODULUS_BITS = 1024;
/** OpenSSL's `OPENSSL_DH_MAX_MODULUS_BITS`: larger moduli take the BigInt route. */
export const OPENSSL_MAX_MODULUS_BITS = 10_000;

/** Counters of exponentiations by route, for tests and diagnostics. */
export interface ModPowCounters {
  /** Exponentiations done by OpenSSL. */
  readonly openssl: number;
  /** Exponentiations done in BigInt because the modulus is outside OpenSSL's range. */
  readonly bigint: number;
  /** Exponentiations OpenSSL refused (a result of 1) and that were redone as b^(e−1)·b, or in BigInt. */
  readonly fallback: number;
  /** OpenSSL set-ups of a modulus (each runs a primality test of it), {@link isPrimeKeepingContext}'s included. */
  readonly setups: number;
}

const counters = { openssl: 0, bigint: 0, fallback: 0, setups: 0 };

/**
 * How many exponentiations took each route since the process started.
 *
 * @returns a snapshot of the counters
 */
export function modPowCounters(): ModPowCounters {
  return { ...counters };
}

function bigintToBuffer(x: bigint): Buffer {
  const hex = x.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex");
}

function checkArguments(base: unknown, exponent: unknown, modulus: unknown): void {
  assertBigInt(base, "modPow: base");
  assertBigInt(exponent, "modPow: exponent");
  assertBigInt(modulus, "modPow: modulus");
  if (modulus < 1n) throw new PaillierError("INVALID_ARGUMENT", `modPow: expected modulus >= 1, got ${modulus}`);
  if (exponent < 0n) {
    throw new PaillierError("INVALID_ARGUMENT", `modPow: expected exponent >= 0, got ${describeBigInt(exponent)}`);
  }
}

/**
 * base^exponent mod modulus in JavaScript BigInt, by fixed-window square-and-multiply.
 *
 * The fallback route, and the "JS BigInt" line of the benchmark. Not constant time.
 *
 * @param base - any integer (reduced modulo `modulus` first)
 * @param exponent - a non-negative integer
 * @param modulus - a positive integer
 * @returns the residue in [0, modulus)
 * @throws {PaillierError} `INVALID_ARGUMENT` when the exponent is negative or the modulus is not positive
 * @example
 * modPowBigInt(4n, 13n, 497n); // 445n
 */
export function modPowBigInt(base: bigint, exponent: bigint, modulus: bigint): bigint {
  checkArguments(base, exponent, modulus);
  if (modulus === 1n) return 0n;
  const b = mod(base, modulus);
  const bits = bitLength(exponent);
  if (bits <= 32) {
    let result = 1n;
    for (let i = bits - 1; i >= 0; i--) {
      result = (result * result) % modulus;
      if ((exponent >> BigInt(i)) & 1n) result = (result * b) % modulus;
    }
    return result;
  }
  const w = bits > 768 ? 5 : 4;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 1 << w; i++) table.push((table[i - 1] * b) % modulus);
  const windows = Math.ceil(bits / w);
  const mask = BigInt((1 << w) - 1);
  let result = 1n;
  for (let i = windows - 1; i >= 0; i--) {
    for (let s = 0; s < w; s++) result = (result * result) % modulus;
    const digit = Number((exponent >> BigInt(i * w)) & mask);
    if (digit !== 0) result = (result * table[digit]) % modulus;
  }
  return result;
}

/**
 * Exponentiation modulo one fixed modulus, through OpenSSL when the modulus allows it.
 *
 * Hold one per modulus (the engine holds one per key and per use): construction is cheap, the first `pow` for a
 * modulus in the process pays OpenSSL's set-up (a primality test of the modulus), later calls, from this
 * exponentiator or any other of the same modulus, reuse it; an exponentiator made while the process holds a set-up
 * for its modulus takes it at once and keeps it. Calls with the same exponent as the previous call on
 * that modulus skip even `setPrivateKey`.
 *
 * @example
 * const exp = new ModularExponentiator(nSquared);
 * const rn = exp.pow(r, n); // r^n mod n²
 */
export class ModularExponentiator {
  /** The modulus. */
  readonly modulus: bigint;
  /** The route this modulus takes. */
  readonly route: ModPowRoute;
  #shared: SharedDiffieHellman | undefined;

  /**
   * @param modulus - a positive integer; odd moduli of 1024 to 10 000 bits take the OpenSSL route
   * @throws {PaillierError} `INVALID_ARGUMENT` when `modulus` is not a positive bigint
   */
  constructor(modulus: bigint) {
    checkArguments(0n, 0n, modulus);
    this.modulus = modulus;
    const bits = bitLength(modulus);
    const fits = (modulus & 1n) === 1n && bits >= OPENSSL_MIN_MODULUS_BITS && bits <= OPENSSL_MAX_MODULUS_BITS;
    this.route = fits ? "openssl" : "bigint";
    // A context set up already (by a prime search, or another exponentiator) is taken now and kept: later, the
    // process's small LRU may have dropped it, and setting it up again runs the primality test again.
    this.#shared = fits ? sharedObjects.get(modulus) : undefined;
  }

  /**
   * base^exponent mod modulus.
   *
   * @param base - any integer (reduced modulo the modulus first)
   * @param exponent - a non-negative integer
   * @returns the residue in [0, modulus)
   * @throws {PaillierError} `INVALID_ARGUMENT` when an argument is not a bigint or the exponent is negative
   */
  pow(base: bigint, exponent: bigint): bigint {
    checkArguments(base, exponent, this.modulus);
    const m = this.modulus;
    if (m === 1n) return 0n;
    const b = mod(base, m);
    if (exponent === 0n) return 1n;
    if (b === 0n || b === 1n) return b;
    if (b === m - 1n) return (exponent & 1n) === 1n ? b : 1n;
    if (this.route === "bigint") {
      counters.bigint++;
      return modPowBigInt(b, exponent, m);
    }
    const direct = this.#openssl(b, exponent);
    if (direct !== undefined) {
      counters.openssl++;
      return direct;
    }
    // OpenSSL refuses a result of 1. Then b^e = b^(e−1) · b, and b^(e−1) = b^e · b⁻¹ = b⁻¹ ≠ 1 since b ≠ 1.
    counters.fallback++;
    const shifted = exponent > 1n ? this.#openssl(b, exponent - 1n) : undefined;
    if (shifted !== undefined) return (shifted * b) % m;
    return modPowBigInt(b, exponent, m);
  }

  /** OpenSSL's answer, or undefined when it refuses or answers out of range. */
  #openssl(b: bigint, exponent: bigint): bigint | undefined {
    try {
      const shared = this.#shared ?? (this.#shared = sharedDiffieHellman(this.modulus));
      const { dh } = shared;
      if (shared.exponent !== exponent) {
        shared.exponent = undefined;
        dh.setPrivateKey(bigintToBuffer(exponent));
        shared.exponent = exponent;
      }
      const result = fromBytes(dh.computeSecret(bigintToBuffer(b)));
      // A zero or an out-of-range value means the call misbehaved, or the base shares every prime of the modulus
      // (then 0 is right, and BigInt will say so).
      return result !== 0n && result < this.modulus ? result : undefined;
    } catch {
      return undefined;
    }
  }
}

/** One OpenSSL DH object per modulus, and the exponent it holds now. */
interface SharedDiffieHellman {
  readonly dh: DiffieHellman;
  exponent: bigint | undefined;
}

/** How many moduli keep their DH object for exponentiators created later (those created earlier hold theirs). */
const SHARED_LIMIT = 64;
const sharedObjects = new Map<bigint, SharedDiffieHellman>();

/** The process's DH object for `modulus`, created (primality test included) on first use; a small LRU. */
function sharedDiffieHellman(modulus: bigint): SharedDiffieHellman {
  const shared = sharedObjects.get(modulus) ?? { dh: setUp(modulus), exponent: undefined };
  keepShared(modulus, shared);
  return shared;
}

/** OpenSSL's exponentiation context for `modulus` (its creation tests the modulus for primality). */
function setUp(modulus: bigint): DiffieHellman {
  counters.setups++;
  return createDiffieHellman(bigintToBuffer(modulus));
}

/**
 * Whether this thread keeps OpenSSL's exponentiation set-up for `modulus` (tests and diagnostics: a key's prime
 * factors set up on a thread that should never run their primality tests show here, whatever else runs).
 */
export function modPowSetUpKept(modulus: bigint): boolean {
  return sharedObjects.has(modulus);
}

/** Puts `shared` last in the LRU, dropping the oldest entry when full. */
function keepShared(modulus: bigint, shared: SharedDiffieHellman): void {
  if (!sharedObjects.delete(modulus) && sharedObjects.size >= SHARED_LIMIT) {
    sharedObjects.delete(sharedObjects.keys().next().value as bigint);
  }
  sharedObjects.set(modulus, shared);
}

/**
 * Whether `candidate` is a probable prime, by the test OpenSSL runs when it sets up exponentiation modulo a number
 * (`DH_check`: trial division, then Miller–Rabin with OpenSSL's round count for 128-bit security; a composite
 * usually fails the first round). A prime's set-up is kept for exponentiations modulo it, which then skip the test:
 * a prime search that tests its candidates here pays for each prime's test once, not twice. Outside the OpenSSL
 * route's range the test is `checkPrimeSync`.
 *
 * @param candidate - an integer above 2
 * @returns true for a probable prime
 * @throws {PaillierError} `INVALID_ARGUMENT` when `candidate` is not a bigint above 2
 */
export function isPrimeKeepingContext(candidate: bigint): boolean {
  assertBigInt(candidate, "isPrimeKeepingContext: candidate");
  if (candidate <= 2n) {
    throw new PaillierError("INVALID_ARGUMENT", `isPrimeKeepingContext: expected a candidate > 2, got ${candidate}`);
  }
  if ((candidate & 1n) === 0n) return false;
  if (new ModularExponentiator(candidate).route !== "openssl") return checkPrimeSync(candidate);
  const dh = setUp(candidate);
  if ((dh.verifyError & constants.DH_CHECK_P_NOT_PRIME) !== 0) return false;
  keepShared(candidate, { dh, exponent: undefined });
  return true;
}

const CACHE_LIMIT = 32;
const cache = new Map<bigint, ModularExponentiator>();

/**
 * base^exponent mod modulus, the fastest correct way available (OpenSSL for odd moduli of 1024 to 10 000 bits,
 * BigInt otherwise).
 *
 * Keeps a small LRU cache of {@link ModularExponentiator}s by modulus; code with a fixed modulus should hold its
 * own exponentiator instead.
 *
 * @param base - any integer (reduced modulo `modulus` first)
 * @param exponent - a non-negative integer
 * @param modulus - a positive integer
 * @returns the residue in [0, modulus)
 * @throws {PaillierError} `INVALID_ARGUMENT` when the exponent is negative or the modulus is not positive
 * @example
 * const rn = modPow(r, publicKey.n, publicKey.nSquared);
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  checkArguments(base, exponent, modulus);
  let exp = cache.get(modulus);
  if (exp === undefined) {
    exp = new ModularExponentiator(modulus);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as bigint);
  } else {
    cache.delete(modulus);
  }
  cache.set(modulus, exp);
  return exp.pow(base, exponent);
}
