/**
 * Per-key precomputation for the DGK engine, cached against the key objects (WeakMaps, as the Paillier engine does):
 * the exponentiators (one per modulus and, for the fixed-exponent tests, one per exponent, so that OpenSSL's
 * exponent is set once), the CRT components of g and h, q⁻¹ mod p, and decryption's baby-step giant-step table.
 * Internal to the engine.
 *
 * @module
 */

import { ModularExponentiator, modPow } from "../paillier";
import { bitLength, isqrt, modInverse } from "../paillier/arith";
import type { CrtRandomizerContext } from "./crt";
import { DgkError, describeValue } from "./errors";
import { DgkPrivateKey, DgkPublicKey } from "./keys";

/** What an operation needs from a public key. */
export interface PublicContext {
  readonly publicKey: DgkPublicKey;
  readonly n: bigint;
  readonly g: bigint;
  readonly h: bigint;
  readonly u: bigint;
  /** Exponentiation modulo n. */
  readonly powN: ModularExponentiator;
  /** Fixed-base tables for g^m, built on first use; see {@link gPower}. */
  gTables?: readonly (readonly bigint[])[];
}

/** What an operation needs from a private key (the CRT components of h come from {@link CrtRandomizerContext}). */
export interface PrivateContext extends CrtRandomizerContext {
  readonly pub: PublicContext;
  /** g mod p (order u·v_p), g mod q (order u·v_q). */
  readonly gp: bigint;
  readonly gq: bigint;
  /** c ↦ c^(v_p − 1) mod p: the zero test and decryption. */
  readonly zeroP: ModularExponentiator;
  /** c ↦ c^(u·v_p − 1) mod p and c ↦ c^(u·v_q − 1) mod q: the membership test (c ↦ c^u mod p in the zero test). */
  readonly memberP: ModularExponentiator;
  readonly memberQ: ModularExponentiator;
  /** Decryption's table, built on first use. */
  dlog?: DiscreteLogTable;
}

/** Baby-step giant-step data for discrete logarithms to the base G = g^(v_p) mod p, of order u. */
export interface DiscreteLogTable {
  /** ⌈√u⌉. */
  readonly step: number;
  /** G^j mod p ↦ j for 0 ≤ j < step. */
  readonly baby: ReadonlyMap<bigint, number>;
  /** G^(−step) mod p. */
  readonly giant: bigint;
}

const publicContexts = new WeakMap<DgkPublicKey, PublicContext>();
const privateContexts = new WeakMap<DgkPrivateKey, PrivateContext>();

/**
 * The cached public precomputation of a key.
 *
 * @param publicKey - the key
 * @returns its context
 */
export function publicContext(publicKey: DgkPublicKey): PublicContext {
  let ctx = publicContexts.get(publicKey);
  if (ctx === undefined) {
    const { n, g, h, u } = publicKey;
    ctx = { publicKey, n, g, h, u, powN: new ModularExponentiator(n) };
    publicContexts.set(publicKey, ctx);
  }
  return ctx;
}

/**
 * The cached private precomputation of a key.
 *
 * @param privateKey - the key
 * @returns its context
 */
export function privateContext(privateKey: DgkPrivateKey): PrivateContext {
  let ctx = privateContexts.get(privateKey);
  if (ctx === undefined) {
    const pub = publicContext(privateKey.publicKey);
    const { p, q, vp, vq } = privateKey;
    ctx = {
      pub,
      p,
      q,
      vp,
      vq,
      qInvModP: modInverse(q, p),
      gp: pub.g % p,
      gq: pub.g % q,
      hp: pub.h % p,
      hq: pub.h % q,
      powP: new ModularExponentiator(p),
      powQ: new ModularExponentiator(q),
      zeroP: new ModularExponentiator(p),
      memberP: new ModularExponentiator(p),
      memberQ: new ModularExponentiator(q),
    };
    privateContexts.set(privateKey, ctx);
  }
  return ctx;
}

/**
 * The discrete-logarithm table of a private context, built on first use (√u multiplications modulo p).
 *
 * @param ctx - the private context
 * @returns the table
 */
export function discreteLogTable(ctx: PrivateContext): DiscreteLogTable {
  if (ctx.dlog === undefined) {
    const { p, vp } = ctx;
    const { u } = ctx.pub;
    const base = modPow(ctx.gp, vp, p); // G = g^(v_p) mod p, of order u
    const step = Number(isqrt(u - 1n)) + 1; // step² ≥ u
    const baby = new Map<bigint, number>();
    let x = 1n;
    for (let j = 0; j < step; j++) {
      baby.set(x, j);
      x = (x * base) % p;
    }
    // G^(−step) = G^(u − step), since G has order u and step ≤ u.
    ctx.dlog = { step, baby, giant: modPow(base, u - BigInt(step), p) };
  }
  return ctx.dlog;
}

/** Bits of the exponent per fixed-base table. */
const WINDOW_BITS = 8;

/**
 * g^m mod n for m in [0, u), from fixed-base tables: with m = Σ m_i·256^i, g^m = Π T_i[m_i] where
 * T_i[j] = g^(j·256^i), one multiplication per byte of u (one for a 16-bit u) instead of an exponentiation. The
 * tables (⌈bits(u)/8⌉·256 entries, 200 KB at 3072 bits with a 16-bit u) are built on first use, about 10 ms.
 *
 * The zero entries hold n + 1 (≡ 1) rather than 1, so that every multiplication has a full-size operand and the
 * time does not depend grossly on which bytes of m are zero (BigInt arithmetic is still not constant time).
 *
 * @param ctx - the public context
 * @param m - the exponent, in [0, u)
 * @returns g^m mod n
 */
export function gPower(ctx: PublicContext, m: bigint): bigint {
  const tables = ctx.gTables ?? (ctx.gTables = buildGTables(ctx));
  const mask = BigInt((1 << WINDOW_BITS) - 1);
  let result = tables[0][Number(m & mask)];
  for (let i = 1; i < tables.length; i++) {
    result *= tables[i][Number((m >> BigInt(i * WINDOW_BITS)) & mask)];
    if (i + 1 < tables.length) result %= ctx.n;
  }
  return result % ctx.n;
}

function buildGTables(ctx: PublicContext): bigint[][] {
  const { n, g, u } = ctx;
  const count = Math.ceil(bitLength(u - 1n) / WINDOW_BITS);
  const size = 1 << WINDOW_BITS;
  const tables: bigint[][] = [];
  let base = g; // g^(256^i)
  for (let i = 0; i < count; i++) {
    const table = [n + 1n, base];
    for (let j = 2; j < size; j++) table.push((table[j - 1] * base) % n);
    tables.push(table);
    base = (table[size - 1] * base) % n;
  }
  return tables;
}

/** A DGK public or private key. */
export type DgkKey = DgkPublicKey | DgkPrivateKey;

/**
 * The public key of a public or private key.
 *
 * @param key - the argument
 * @param what - its name in messages
 * @returns the public key
 * @throws {DgkError} `INVALID_ARGUMENT` when `key` is not a DGK key
 */
export function publicKeyOf(key: unknown, what: string): DgkPublicKey {
  if (key instanceof DgkPublicKey) return key;
  if (key instanceof DgkPrivateKey) return key.publicKey;
  throw new DgkError(
    "INVALID_ARGUMENT",
    `${what}: expected a DgkPublicKey or DgkPrivateKey, got ${describeValue(key)}`,
  );
}

/**
 * Throws unless `key` is a private key.
 *
 * @param key - the argument
 * @param what - its name in messages
 * @throws {DgkError} `INVALID_ARGUMENT` when `key` is not a DgkPrivateKey
 */
export function checkPrivateKey(key: unknown, what: string): asserts key is DgkPrivateKey {
  if (!(key instanceof DgkPrivateKey)) {
    throw new DgkError("INVALID_ARGUMENT", `${what}: expected a DgkPrivateKey, got ${describeValue(key)}`);
  }
}
