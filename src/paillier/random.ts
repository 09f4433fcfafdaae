/**
 * Uniform random integers from the platform's CSPRNG (`crypto.randomFillSync`, i.e. OpenSSL's DRBG seeded by the
 * operating system). Ranges are sampled by rejection, never by reducing modulo the bound, so there is no bias.
 *
 * @module
 */

import { randomFillSync } from "node:crypto";
import { bitLength, gcd } from "./arith";
import { PaillierError, assertBigInt, assertInteger, describeBigInt } from "./errors";

/**
 * A uniform integer of at most `bits` bits.
 *
 * @param bits - the number of random bits, 1 to 2^20
 * @returns a uniform value in [0, 2^bits)
 * @throws {PaillierError} `INVALID_ARGUMENT` when `bits` is not an integer in range
 * @example
 * const mask = randomBits(128); // 0 <= mask < 2^128
 */
export function randomBits(bits: number): bigint {
  assertInteger(bits, "randomBits: bits", 1, 1 << 20);
  const bytes = Buffer.alloc(Math.ceil(bits / 8));
  randomFillSync(bytes);
  const excess = bytes.length * 8 - bits;
  bytes[0] &= 0xff >>> excess;
  return BigInt(`0x${bytes.toString("hex")}`);
}

/**
 * A uniform integer below a bound (rejection sampling: at most two draws expected).
 *
 * @param bound - the exclusive upper bound, ≥ 1
 * @returns a uniform value in [0, bound)
 * @throws {PaillierError} `INVALID_ARGUMENT` when `bound` is not a bigint ≥ 1
 * @example
 * const die = randomBelow(6n) + 1n;
 */
export function randomBelow(bound: bigint): bigint {
  assertBigInt(bound, "randomBelow: bound");
  if (bound < 1n) throw new PaillierError("INVALID_ARGUMENT", `randomBelow: expected bound >= 1, got ${bound}`);
  if (bound === 1n) return 0n;
  const bits = bitLength(bound - 1n);
  for (;;) {
    const x = randomBits(bits);
    if (x < bound) return x;
  }
}

/**
 * A uniform element of Z_n*: an integer in [1, n) coprime to n (rejection sampling).
 *
 * This is how the engine draws encryption randomness r and how a protocol should draw a multiplicative blinding
 * factor. For an RSA-type modulus a draw is rejected with negligible probability.
 *
 * @param n - the modulus, ≥ 2
 * @returns a uniform unit modulo n
 * @throws {PaillierError} `INVALID_ARGUMENT` when `n` is not a bigint ≥ 2
 * @example
 * const rho = randomUnit(publicKey.n); // blinding factor for E(rho · (x − t))
 */
export function randomUnit(n: bigint): bigint {
  assertBigInt(n, "randomUnit: n");
  if (n < 2n) throw new PaillierError("INVALID_ARGUMENT", `randomUnit: expected n >= 2, got ${describeBigInt(n)}`);
  for (;;) {
    const r = randomBelow(n);
    if (r !== 0n && gcd(r, n) === 1n) return r;
  }
}
