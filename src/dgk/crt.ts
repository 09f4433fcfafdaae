/**
 * The CRT computation of a DGK randomizer h^r mod n, shared by the engine ({@link randomizer}, encryption with the
 * private key) and the randomizer worker threads, so that both compute exactly the same value for the same r.
 *
 * h mod p has order v_p and h mod q has order v_q, so h^r mod p = h_p^(r mod v_p) and h^r mod q = h_q^(r mod v_q):
 * two t-bit exponents on half-size moduli instead of a `randomBits`-bit exponent modulo n. A leaf module (it imports
 * only the exponentiator's type), so that a worker thread loads little. Internal to the engine.
 *
 * @module
 */

import type { ModularExponentiator } from "../paillier/modpow";

/** What the CRT recombination needs. */
export interface CrtContext {
  readonly p: bigint;
  readonly q: bigint;
  /** q⁻¹ mod p. */
  readonly qInvModP: bigint;
}

/** What the CRT computation of h^r needs: the factors, the orders of h modulo each, h modulo each. */
export interface CrtRandomizerContext extends CrtContext {
  readonly vp: bigint;
  readonly vq: bigint;
  /** h mod p, of order v_p. */
  readonly hp: bigint;
  /** h mod q, of order v_q. */
  readonly hq: bigint;
  /** Exponentiation modulo p. */
  readonly powP: ModularExponentiator;
  /** Exponentiation modulo q. */
  readonly powQ: ModularExponentiator;
}

/**
 * x mod p·q from its residues (Garner's form of the CRT).
 *
 * @param ctx - the factors and q⁻¹ mod p
 * @param xp - x mod p
 * @param xq - x mod q
 * @returns x in [0, p·q)
 */
export function crt(ctx: CrtContext, xp: bigint, xq: bigint): bigint {
  let d = ((xp - xq) * ctx.qInvModP) % ctx.p;
  if (d < 0n) d += ctx.p;
  return xq + ctx.q * d;
}

/**
 * h^r mod n by the CRT: h_p^(r mod v_p) and h_q^(r mod v_q), recombined.
 *
 * @param ctx - the CRT components of the key
 * @param r - the randomness, 0 ≤ r < 2^randomBits
 * @returns h^r mod n, the same value as the public computation
 */
export function crtRandomizer(ctx: CrtRandomizerContext, r: bigint): bigint {
  return crt(ctx, ctx.powP.pow(ctx.hp, r % ctx.vp), ctx.powQ.pow(ctx.hq, r % ctx.vq));
}
