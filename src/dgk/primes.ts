/**
 * The prime search of DGK key generation: primes p ≡ 1 (mod step) of exactly `bits` bits and at least
 * √2·2^(bits − 1), so that any two of them multiply to exactly 2·bits bits and a key takes exactly two primes.
 *
 * Incremental search (Brandt and Damgård, "On generation of probable primes by incremental search", CRYPTO '92, the
 * method OpenSSL's own `generatePrime` uses): a uniform start x₀ ≡ 1 (mod step) in the range, the candidates
 * x₀ + i·step, the ones with a prime factor below 2^16 struck out by a sieve, and the survivors tested by the
 * primality test OpenSSL runs when it sets up exponentiation modulo a number ({@link isPrimeKeepingContext}). The
 * key's exponentiations modulo p and q would run that test once anyway, so the test that finds a prime is the only
 * one it gets.
 *
 * What it replaces: `generatePrime(bits, { add: step, rem: 1 })` sets only the top bit, so about 39 % of pairs
 * multiply to one bit short and more primes had to be drawn (about four or five per key, measured), each then
 * tested a second time when first used.
 *
 * @module
 */

import { setImmediate as nextTurn } from "node:timers/promises";
import { isqrt, smallPrimes } from "../paillier/arith";
import { isPrimeKeepingContext } from "../paillier/modpow";
import { randomBelow } from "../paillier";
import { DgkError, assertInteger, describeValue } from "./errors";
import { DGK_SMALL_FACTOR_BOUND } from "./sizes";

/** Candidates per start: a prime turns up about every 530 at 1536 bits, so a window misses one in 2000 times. */
const WINDOW = 4096;
/** The most windows tried before giving up (one is almost always enough). */
const MAX_WINDOWS = 64;
/** Work between two yields to the event loop, in ms (the final test of a prime is one call of about 70 ms). */
const SLICE_MS = 8;

/**
 * Which of the candidates start + i·step, 0 ≤ i < count, have no prime factor in `primes` (primes dividing `step`
 * are skipped: with start ≡ 1 (mod step) no candidate has them).
 *
 * @param start - the first candidate, above every prime in `primes` (a candidate equal to one would be struck out)
 * @param step - the distance between candidates
 * @param count - how many candidates
 * @param primes - the small primes to strike out by
 * @returns `survives[i]` is 1 when start + i·step has no factor in `primes`
 */
export function sieve(start: bigint, step: bigint, count: number, primes: readonly number[]): Uint8Array {
  const survives = new Uint8Array(count).fill(1);
  for (const s of primes) {
    const b = Number(step % BigInt(s));
    if (b === 0) continue;
    const a = Number(start % BigInt(s));
    // start + i·step ≡ 0 (mod s) ⇔ i ≡ −a·b⁻¹ (mod s); s < 2^16 keeps every product below 2^32
    const first = ((s - a) * inverseModSmall(b, s)) % s;
    for (let i = first; i < count; i += s) survives[i] = 0;
  }
  return survives;
}

/** b⁻¹ mod s for a prime s not dividing b, by the extended Euclidean algorithm on numbers. */
function inverseModSmall(b: number, s: number): number {
  let [r0, r1, t0, t1] = [s, b, 0, 1];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return ((t0 % s) + s) % s;
}

/**
 * A prime p ≡ 1 (mod step) with √2·2^(bits − 1) ≤ p < 2^bits, OpenSSL's exponentiation context for it kept.
 * Yields the event loop between slices of work, so that a service making keys keeps answering meanwhile.
 *
 * @param bits - the prime's bit length, 64 to 8192 (1024 and up take the OpenSSL route)
 * @param step - an even number with room for the search below 2^bits (2·u·v for a DGK prime)
 * @param isPrime - the primality test (tests replace it)
 * @returns the prime
 * @throws {DgkError} `INVALID_ARGUMENT` for bits out of range or a step that is odd, not positive, or too large;
 *   `KEY_INVALID` when no prime was found in {@link MAX_WINDOWS} windows (not expected to happen)
 */
export async function primeCongruentToOne(
  bits: number,
  step: bigint,
  isPrime: (candidate: bigint) => boolean = isPrimeKeepingContext,
): Promise<bigint> {
  assertInteger(bits, "primeCongruentToOne: bits", 64, 8192);
  const low = isqrt(1n << BigInt(2 * bits - 1)) + 1n; // ⌈√2·2^(bits−1)⌉: √(2^(2·bits − 1)) is irrational
  const high = 1n << BigInt(bits);
  if (typeof step !== "bigint" || step < 2n || (step & 1n) === 1n || step * BigInt(WINDOW) >= (high - low) / 2n) {
    throw new DgkError(
      "INVALID_ARGUMENT",
      `primeCongruentToOne: expected an even step ≥ 2 below (2^${bits} − √2·2^${bits - 1}) / ${2 * WINDOW}, ` +
        `got ${describeValue(step)}`,
    );
  }
  const span = step * BigInt(WINDOW);
  // starts x₀ = step·r + 1 with low ≤ x₀ and x₀ + span ≤ high
  const firstR = (low - 1n + step - 1n) / step;
  const lastR = (high - 1n - span) / step;
  const primes = smallPrimes(DGK_SMALL_FACTOR_BOUND);
  let slice = performance.now();
  for (let window = 0; window < MAX_WINDOWS; window++) {
    const start = step * (firstR + randomBelow(lastR - firstR + 1n)) + 1n;
    const survives = sieve(start, step, WINDOW, primes);
    for (let i = 0; i < WINDOW; i++) {
      if (survives[i] === 0) continue;
      const candidate = start + BigInt(i) * step;
      if (isPrime(candidate)) return candidate;
      if (performance.now() - slice > SLICE_MS) {
        await nextTurn();
        slice = performance.now();
      }
    }
  }
  throw new DgkError(
    "KEY_INVALID",
    `generated DGK key: expected a ${bits}-bit prime ≡ 1 (mod step) within ${MAX_WINDOWS} windows of ${WINDOW}, ` +
      "found none",
  );
}
