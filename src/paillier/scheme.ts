/**
 * The Paillier scheme on bare bigints, with g = n + 1, and the per-key precomputation that makes it fast.
 *
 * No validation happens here: callers ({@link ./engine}, the pool worker) pass values that were checked already.
 * The formulas:
 *
 * - Encryption: c = (1 + m·n) · r^n mod n², since (1 + n)^m ≡ 1 + m·n (mod n²).
 * - Randomizer with only n: r uniform in Z_n*, r^n mod n² (one exponentiation modulo n²).
 * - Randomizer with p and q (CRT): r^n mod p² depends only on r mod p, and equals y_p^p mod p² with
 *   y_p = r^q mod p; as r runs over Z_n*, (y_p, y_q) runs uniformly over Z_p* × Z_q* (gcd(q, p − 1) = 1 because
 *   gcd(n, φ(n)) = 1). So drawing y_p, y_q uniformly and combining y_p^p mod p² and y_q^q mod q² by the CRT gives
 *   exactly the distribution of r^n mod n², for two exponentiations with half-size exponent and modulus: about
 *   four times less work.
 * - Decryption (Paillier 1999, section 7): m_p = L_p(c^(p−1) mod p²) · h_p mod p with L_p(x) = (x − 1)/p and
 *   h_p = L_p(g^(p−1) mod p²)^(−1) mod p; likewise for q; then m = CRT(m_p, m_q). The secret exponents (p − 2 and
 *   q − 2, see {@link decryptResidue}) run through OpenSSL's constant-time exponentiation (see {@link ./modpow}).
 *
 * @module
 */

import { mod, modInverse } from "./arith";
import { ModularExponentiator } from "./modpow";
import { randomBelow, randomUnit } from "./random";

/** Precomputed values for operations that need only the public key. */
export interface PublicContext {
  /** The modulus. */
  readonly n: bigint;
  /** n². */
  readonly nSquared: bigint;
  /** Exponentiation modulo n² with the fixed exponent n (randomizers). */
  readonly randomizerPower: ModularExponentiator;
  /** Exponentiation modulo n² with varying exponents (multiplication by constants). */
  readonly scalarPower: ModularExponentiator;
}

/** Precomputed values for operations that need the factors. */
export interface PrivateContext {
  /** The public part. */
  readonly pub: PublicContext;
  /** First prime. */
  readonly p: bigint;
  /** Second prime. */
  readonly q: bigint;
  /** p². */
  readonly pSquared: bigint;
  /** q². */
  readonly qSquared: bigint;
  /** h_p = L_p(g^(p−1) mod p²)^(−1) mod p. */
  readonly hp: bigint;
  /** h_q = L_q(g^(q−1) mod q²)^(−1) mod q. */
  readonly hq: bigint;
  /** q^(−1) mod p, to combine plaintext halves. */
  readonly qInvModP: bigint;
  /** (q²)^(−1) mod p², to combine randomizer halves. */
  readonly qSquaredInvModPSquared: bigint;
  /** Exponentiation modulo p². */
  readonly powP: ModularExponentiator;
  /** Exponentiation modulo q². */
  readonly powQ: ModularExponentiator;
}

/**
 * Precomputes what public-key operations need.
 *
 * @param n - a checked modulus
 * @returns the context
 */
export function createPublicContext(n: bigint): PublicContext {
  const nSquared = n * n;
  return {
    n,
    nSquared,
    randomizerPower: new ModularExponentiator(nSquared),
    scalarPower: new ModularExponentiator(nSquared),
  };
}

/**
 * Precomputes what private-key operations need.
 *
 * @param pub - the public context of n = p·q
 * @param p - first prime
 * @param q - second prime
 * @returns the context
 */
export function createPrivateContext(pub: PublicContext, p: bigint, q: bigint): PrivateContext {
  const pSquared = p * p;
  const qSquared = q * q;
  const powP = new ModularExponentiator(pSquared);
  const powQ = new ModularExponentiator(qSquared);
  const g = pub.n + 1n;
  const hp = modInverse((powP.pow(g, p - 1n) - 1n) / p, p);
  const hq = modInverse((powQ.pow(g, q - 1n) - 1n) / q, q);
  return {
    pub,
    p,
    q,
    pSquared,
    qSquared,
    hp,
    hq,
    qInvModP: modInverse(q, p),
    qSquaredInvModPSquared: modInverse(qSquared, pSquared),
    powP,
    powQ,
  };
}

/**
 * A fresh randomizer r^n mod n² using only the public key (one full-size exponentiation).
 *
 * @param ctx - public context
 * @returns r^n mod n² for r uniform in Z_n*
 */
export function publicRandomizer(ctx: PublicContext): bigint {
  return ctx.randomizerPower.pow(randomUnit(ctx.n), ctx.n);
}

/**
 * The randomizer for given CRT components: CRT(y_p^p mod p², y_q^q mod q²), which equals r^n mod n² for any r with
 * r^q ≡ y_p (mod p) and r^p ≡ y_q (mod q).
 *
 * @param ctx - private context
 * @param yp - an element of Z_p*
 * @param yq - an element of Z_q*
 * @returns the randomizer modulo n²
 */
export function crtRandomizerFrom(ctx: PrivateContext, yp: bigint, yq: bigint): bigint {
  const xp = ctx.powP.pow(yp, ctx.p);
  const xq = ctx.powQ.pow(yq, ctx.q);
  return xq + ctx.qSquared * mod((xp - xq) * ctx.qSquaredInvModPSquared, ctx.pSquared);
}

/**
 * A fresh randomizer r^n mod n² using the factors (two half-size exponentiations).
 *
 * @param ctx - private context
 * @returns a value distributed exactly as r^n mod n² for r uniform in Z_n*
 */
export function crtRandomizer(ctx: PrivateContext): bigint {
  return crtRandomizerFrom(ctx, randomBelow(ctx.p - 1n) + 1n, randomBelow(ctx.q - 1n) + 1n);
}

/**
 * Encrypts a residue with a given randomizer.
 *
 * @param ctx - public context
 * @param m - the plaintext residue in [0, n)
 * @param rn - a randomizer r^n mod n²
 * @returns (1 + m·n) · rn mod n²
 */
export function encryptResidue(ctx: PublicContext, m: bigint, rn: bigint): bigint {
  return ((1n + m * ctx.n) * rn) % ctx.nSquared;
}

/**
 * Decrypts by the CRT.
 *
 * @param ctx - private context
 * @param c - a valid ciphertext (0 < c < n², gcd(c, n) = 1)
 * @returns the plaintext residue in [0, n)
 */
export function decryptResidue(ctx: PrivateContext, c: bigint): bigint {
  const { p, q, pSquared, qSquared } = ctx;
  // c^(p−1) is computed as c^(p−2) · c: for an encryption of 0 (the common case of a zero test) c^(p−1) ≡ 1, a
  // result OpenSSL's DH refuses; c^(p−2) ≡ 1 only when c ≡ 1 (mod p²), which the exponentiator answers directly.
  const cp = c % pSquared;
  const cq = c % qSquared;
  const xp = (ctx.powP.pow(cp, p - 2n) * cp) % pSquared;
  const xq = (ctx.powQ.pow(cq, q - 2n) * cq) % qSquared;
  const mp = (((xp - 1n) / p) * ctx.hp) % p;
  const mq = (((xq - 1n) / q) * ctx.hq) % q;
  return mq + q * mod((mp - mq) * ctx.qInvModP, p);
}

/**
 * Whether c encrypts a multiple of p, by one exponentiation modulo p² instead of decryption's two (half the cost):
 * c^(p−1) ≡ 1 (mod p²) iff m ≡ 0 (mod p). For a plaintext in [0, n) that is m = 0 or a multiple of p, and to make a
 * non-zero multiple of p one must know p, that is, have factored n.
 *
 * @param ctx - private context
 * @param c - a valid ciphertext
 * @returns true when m ≡ 0 (mod p)
 */
export function isZeroResidue(ctx: PrivateContext, c: bigint): boolean {
  const cp = c % ctx.pSquared;
  // As in decryptResidue: c^(p−2) · c, because OpenSSL refuses a result of 1.
  return (ctx.powP.pow(cp, ctx.p - 2n) * cp) % ctx.pSquared === 1n;
}
