/**
 * Number theory the proofs need beyond the Paillier engine's own (`../paillier/arith`): the Jacobi symbol, the
 * Chinese remainder combination for two primes, and the signed integers of the ring-Pedersen proofs (uniform in
 * ±bound, exponentiation with a negative exponent).
 *
 * None of this is constant time (JavaScript BigInt never is); see src/paillier/README.md, "Timing".
 *
 * @module
 */

import { mod, modInverse } from "../paillier/arith";
import { randomBelow, type ModularExponentiator } from "../paillier";
import { ProofError } from "./errors";

/**
 * The Jacobi symbol (a/n) by the binary algorithm (Cohen, "A Course in Computational Algebraic Number Theory",
 * Algorithm 1.4.10), with quadratic reciprocity and the supplementary law for 2.
 *
 * @param a - any integer (reduced modulo n first)
 * @param n - an odd positive modulus
 * @returns 1 or −1, and 0 when gcd(a, n) ≠ 1
 * @throws {ProofError} `INVALID_ARGUMENT` when n is not odd and positive
 * @example
 * jacobi(2n, 7n); // 1 (3² ≡ 2 mod 7)
 * jacobi(3n, 7n); // -1
 */
export function jacobi(a: bigint, n: bigint): -1 | 0 | 1 {
  if (n <= 0n || (n & 1n) === 0n) {
    throw new ProofError("INVALID_ARGUMENT", `jacobi: expected an odd positive modulus, got ${n}`);
  }
  let x = mod(a, n);
  let m = n;
  let sign: -1 | 1 = 1;
  while (x !== 0n) {
    // Strip factors of two: (2/m) = −1 exactly when m ≡ 3 or 5 (mod 8).
    let twos = 0;
    while ((x & 0xffffffffn) === 0n) {
      x >>= 32n;
      twos += 32;
    }
    while ((x & 1n) === 0n) {
      x >>= 1n;
      twos++;
    }
    const m8 = Number(m & 7n);
    if ((twos & 1) === 1 && (m8 === 3 || m8 === 5)) sign = sign === 1 ? -1 : 1;
    // Reciprocity: (x/m)(m/x) = −1 exactly when both are ≡ 3 (mod 4).
    if ((x & 3n) === 3n && (m & 3n) === 3n) sign = sign === 1 ? -1 : 1;
    [x, m] = [m % x, x];
  }
  return m === 1n ? sign : 0;
}

/**
 * The Chinese remainder combination for two coprime moduli (Garner's formula).
 *
 * @param xp - the residue modulo p
 * @param xq - the residue modulo q
 * @param p - the first modulus
 * @param q - the second modulus
 * @param qInvModP - q⁻¹ mod p
 * @returns the x in [0, p·q) with x ≡ xp (mod p) and x ≡ xq (mod q)
 */
export function crt(xp: bigint, xq: bigint, p: bigint, q: bigint, qInvModP: bigint): bigint {
  const xqr = mod(xq, q);
  return xqr + q * mod((xp - xqr) * qInvModP, p);
}

/**
 * A uniform integer in [−bound, bound], from the platform's CSPRNG.
 *
 * @param bound - a non-negative bound
 * @returns the value
 */
export function randomSigned(bound: bigint): bigint {
  return randomBelow(2n * bound + 1n) - bound;
}

/**
 * base^exponent modulo the exponentiator's modulus for any integer exponent: a negative one exponentiates the
 * inverse of base.
 *
 * @param pow - the exponentiator of the modulus
 * @param base - a unit modulo it
 * @param exponent - any integer
 * @returns the residue in [0, modulus)
 * @throws {PaillierError} `INVALID_ARGUMENT` when the exponent is negative and base is not a unit
 */
export function powSigned(pow: ModularExponentiator, base: bigint, exponent: bigint): bigint {
  return exponent < 0n ? pow.pow(modInverse(base, pow.modulus), -exponent) : pow.pow(base, exponent);
}
