/**
 * DGK encryption, randomizers, the zero test, the membership test and (for tests and debugging) decryption.
 *
 * E(m; r) = g^m · h^r mod n (Damgård, Geisler, Krøigaard 2007, §3), m ∈ Z_u, r uniform of `randomBits` = ⌈2.5·t⌉
 * bits (their 2009 correction). With the private key, encryption and randomizers go through the CRT: modulo p,
 * h^r = h_p^(r mod v_p) since h_p has order v_p, so each half is a 256-bit exponent on a half-size modulus instead
 * of a 640-bit one on n — the same value as the public computation, for the same r, several times faster.
 *
 * The zero test (DGK 2007, §3): for a ciphertext c = g^m h^r, c^(v_p) mod p = (g_p^(v_p))^m, and g_p^(v_p) has
 * order u, so c^(v_p) ≡ 1 (mod p) iff m ≡ 0 (mod u).
 *
 * Exponentiations that would give 1 (the zero test on a zero, the membership test on a member) are computed as
 * c^(e − 1) · c: OpenSSL refuses a result of 1, and the fallback would double the work and make the time depend on
 * the answer. c^(e − 1) ≡ 1 only for c ≡ 1, which the exponentiator answers without OpenSSL.
 *
 * {@link zeroTest}, which the bureau runs on values a cheating bank chose, does the same exponentiations (the same
 * moduli, the same exponents) whether the value encrypts 0 or not: no exponentiation has a base that is 1 because
 * the plaintext is 0, so none is skipped. Its work depends on the value only when c ≡ 1 (mod p), which without the
 * factors means c = 1 = E(0; 0), a value whose plaintext the sender knows anyway.
 *
 * @module
 */

import { randomBits as drawBits } from "../paillier";
import { validateCiphertext } from "./ciphertext";
import {
  DgkKey,
  PrivateContext,
  PublicContext,
  checkPrivateKey,
  discreteLogTable,
  gPower,
  privateContext,
  publicContext,
  publicKeyOf,
} from "./context";
import { crtRandomizer } from "./crt";
import { DgkError, assertBigInt, describeBigInt } from "./errors";
import { DgkPrivateKey } from "./keys";

/**
 * m reduced into Z_u.
 *
 * @param u - the plaintext modulus
 * @param m - any integer
 * @returns m mod u in [0, u)
 */
export function reduce(u: bigint, m: bigint): bigint {
  const r = m % u;
  return r < 0n ? r + u : r;
}

/** g^m · h^r mod n, h^r by the CRT. */
function crtEncrypt(ctx: PrivateContext, m: bigint, r: bigint): bigint {
  return (gPower(ctx.pub, m) * crtRandomizer(ctx, r)) % ctx.pub.n;
}

/** g^m · h^r mod n with the public key only. */
function publicEncrypt(ctx: PublicContext, m: bigint, r: bigint): bigint {
  return (gPower(ctx, m) * ctx.powN.pow(ctx.h, r)) % ctx.n;
}

/**
 * Checks a caller-supplied randomizer h^r: a bigint in [1, n). Internal.
 *
 * @param n - the modulus
 * @param value - the argument
 * @param what - its name in messages
 * @throws {DgkError} `INVALID_ARGUMENT` when it is not a bigint in [1, n)
 */
export function checkRandomizer(n: bigint, value: unknown, what: string): asserts value is bigint {
  assertBigInt(value, what);
  if (value < 1n || value >= n) {
    throw new DgkError(
      "INVALID_ARGUMENT",
      `${what}: expected a randomizer h^r with 1 <= h^r < n, got ${describeBigInt(value)}`,
    );
  }
}

/**
 * A fresh randomizer h^r mod n, r uniform of `randomBits` bits; by the CRT when the private key is given.
 *
 * Precompute these off-line (e.g. while waiting for the other party) and pass them to {@link encrypt} or
 * {@link rerandomize}: each then costs one multiplication modulo n. Use each randomizer once.
 *
 * @param key - the public key, or the private key for the faster CRT computation (same distribution)
 * @returns h^r mod n
 * @throws {DgkError} `INVALID_ARGUMENT` when `key` is not a DGK key
 * @example
 * const pool = Array.from({ length: 40 }, () => randomizer(bureauKey));
 */
export function randomizer(key: DgkKey): bigint {
  const publicKey = publicKeyOf(key, "randomizer: key");
  const r = drawBits(publicKey.randomBits);
  if (key instanceof DgkPrivateKey) return crtRandomizer(privateContext(key), r);
  const ctx = publicContext(publicKey);
  return ctx.powN.pow(ctx.h, r);
}

/**
 * Encrypts m ∈ Z_u: g^(m mod u) · h^r mod n with fresh r of `randomBits` bits, or g^(m mod u) · R with a
 * precomputed randomizer R = h^r.
 *
 * @param key - the public key; or the private key, which computes by the CRT (same ciphertext distribution)
 * @param m - any integer; reduced modulo u (so −1 encrypts u − 1)
 * @param randomizer - optionally, a fresh value from {@link randomizer} (never reuse one)
 * @returns the ciphertext, in [1, n)
 * @throws {DgkError} `INVALID_ARGUMENT` when `m` is not a bigint, the randomizer is not in [1, n), or `key` is not
 *   a key
 * @example
 * const bits = [...x.toString(2)].map((b) => encrypt(privateKey, BigInt(b)));
 */
export function encrypt(key: DgkKey, m: bigint, randomizer?: bigint): bigint {
  const publicKey = publicKeyOf(key, "encrypt: key");
  assertBigInt(m, "encrypt: m");
  const ctx = publicContext(publicKey);
  const mu = reduce(ctx.u, m);
  if (randomizer !== undefined) {
    checkRandomizer(ctx.n, randomizer, "encrypt: randomizer");
    return (gPower(ctx, mu) * randomizer) % ctx.n;
  }
  const r = drawBits(publicKey.randomBits);
  if (key instanceof DgkPrivateKey) return crtEncrypt(privateContext(key), mu, r);
  return publicEncrypt(ctx, mu, r);
}

/**
 * Encrypts with caller-chosen randomness r: deterministic, for known-answer tests and for protocols that must open a
 * ciphertext later. Never reuse an r.
 *
 * @param key - the public key, or the private key (CRT; the same ciphertext)
 * @param m - any integer; reduced modulo u
 * @param r - the randomness, 0 ≤ r < 2^randomBits
 * @returns g^(m mod u) · h^r mod n
 * @throws {DgkError} `INVALID_ARGUMENT` when `m` or `r` is not a bigint, or r is out of range
 * @example
 * encryptWithRandomness(publicKey, 1n, 0n) === publicKey.g; // true
 */
export function encryptWithRandomness(key: DgkKey, m: bigint, r: bigint): bigint {
  const publicKey = publicKeyOf(key, "encryptWithRandomness: key");
  assertBigInt(m, "encryptWithRandomness: m");
  assertBigInt(r, "encryptWithRandomness: r");
  if (r < 0n || r >= 1n << BigInt(publicKey.randomBits)) {
    throw new DgkError(
      "INVALID_ARGUMENT",
      `encryptWithRandomness: expected 0 <= r < 2^${publicKey.randomBits}, got r = ${describeBigInt(r)}`,
    );
  }
  const ctx = publicContext(publicKey);
  const mu = reduce(ctx.u, m);
  if (key instanceof DgkPrivateKey) return crtEncrypt(privateContext(key), mu, r);
  return publicEncrypt(ctx, mu, r);
}

/** c^(v_p) mod p, as c^(v_p − 1) · c (see the module documentation). */
function zeroTestValue(ctx: PrivateContext, c: bigint): bigint {
  const cp = c % ctx.p;
  return (zeroTestPower(ctx, cp) * cp) % ctx.p;
}

/** c^(v_p − 1) mod p for c mod p = `cp`. */
function zeroTestPower(ctx: PrivateContext, cp: bigint): bigint {
  return ctx.zeroP.pow(cp, ctx.vp - 1n);
}

/**
 * Whether a ciphertext encrypts 0 (mod u): c^(v_p) ≡ 1 (mod p). One exponentiation modulo p with a t-bit exponent.
 *
 * The answer is meaningful for ciphertexts of this key. A party receiving ciphertexts from someone who might cheat
 * checks them with {@link isKeyCiphertext} first: an element outside the key's subgroup (say −c) tests as non-zero
 * whatever it "encrypts".
 *
 * @param privateKey - the key
 * @param c - a ciphertext under its public key
 * @returns true when the plaintext is 0 modulo u
 * @throws {DgkError} `CIPHERTEXT_INVALID` when c ∉ [1, n) or gcd(c, n) ≠ 1; `INVALID_ARGUMENT` for arguments of the
 *   wrong type
 * @example
 * const anyZero = blinded.some((c) => isZero(privateKey, c));
 */
export function isZero(privateKey: DgkPrivateKey, c: bigint): boolean {
  checkPrivateKey(privateKey, "isZero: privateKey");
  validateCiphertext(privateKey, c, "isZero: ciphertext");
  return zeroTestValue(privateContext(privateKey), c) === 1n;
}

/**
 * Whether a value is a ciphertext of this key: 1 ≤ c < n, gcd(c, n) = 1, c^(u·v_p) ≡ 1 (mod p) and
 * c^(u·v_q) ≡ 1 (mod q).
 *
 * The ciphertexts g^m h^r form the subgroup ⟨g, h⟩ of order u·v_p·v_q; the test accepts the slightly larger group
 * of order u²·v_p·v_q in which the plaintext seen modulo p and modulo q may differ. Making such an element from the
 * public key alone amounts to factoring n (an element ≡ 1 mod p but not mod q reveals p by a gcd), so for anyone
 * without the factors the test is exact. A random element of Z_n* passes with probability about u²·v_p·v_q/n
 * (2^−2500 at 3072 bits).
 *
 * @param privateKey - the key
 * @param c - any bigint
 * @returns true when c is in the key's ciphertext group, false otherwise (including out of range)
 * @throws {DgkError} `INVALID_ARGUMENT` when `c` is not a bigint or `privateKey` not a private key
 * @example
 * if (!received.every((c) => isKeyCiphertext(privateKey, c))) throw new Error("not our ciphertexts");
 */
export function isKeyCiphertext(privateKey: DgkPrivateKey, c: bigint): boolean {
  checkPrivateKey(privateKey, "isKeyCiphertext: privateKey");
  assertBigInt(c, "isKeyCiphertext: c");
  const ctx = privateContext(privateKey);
  const { p, q, vp, vq } = ctx;
  const { n, u } = ctx.pub;
  if (c < 1n || c >= n) return false;
  const cp = c % p;
  const cq = c % q;
  if (cp === 0n || cq === 0n) return false;
  const inP = (ctx.memberP.pow(cp, u * vp - 1n) * cp) % p === 1n;
  const inQ = (ctx.memberQ.pow(cq, u * vq - 1n) * cq) % q === 1n;
  return inP && inQ;
}

/**
 * The key owner's check of a value it receives from someone who might cheat, and its zero test, in one: whether the
 * value is a ciphertext of this key ({@link isKeyCiphertext}) and, if so, whether it encrypts 0 ({@link isZero}).
 * Shares c^(v_p − 1) mod p between the two: four short exponentiations modulo p and q in all, the same ones whether
 * c encrypts 0 or not (see the module documentation), so that the time does not tell a sender which value was zero.
 *
 * @param privateKey - the key
 * @param c - the value received, 1 ≤ c < n
 * @returns true when c encrypts 0 (mod u), false when it encrypts anything else
 * @throws {DgkError} `CIPHERTEXT_INVALID` when c is not a ciphertext of this key (outside [1, n), sharing a factor
 *   with n, or outside the key's subgroup)
 * @example
 * const bureauShare = values.map((v) => zeroTest(privateKey, v)).some(Boolean) ? 1 : 0;
 */
export function zeroTest(privateKey: DgkPrivateKey, c: bigint): boolean {
  checkPrivateKey(privateKey, "zeroTest: privateKey");
  assertBigInt(c, "zeroTest: c");
  const ctx = privateContext(privateKey);
  const { p, q, vq } = ctx;
  const { n, u } = ctx.pub;
  const cp = c >= 1n && c < n ? c % p : 0n;
  const cq = c >= 1n && c < n ? c % q : 0n;
  let member = cp !== 0n && cq !== 0n;
  let zero = false;
  if (member) {
    const a = zeroTestPower(ctx, cp); // c^(v_p − 1) mod p
    zero = (a * cp) % p === 1n; // c^(v_p) ≡ 1 (mod p) iff the plaintext is 0
    // In the subgroup modulo p iff (c^(v_p))^u = a^u · c^u ≡ 1. Not as (c^(v_p))^u: that base is 1 for a zero,
    // which the exponentiator answers without computing, so a zero would cost one exponentiation less.
    const inP = (ctx.memberP.pow(a, u) * ctx.memberP.pow(cp, u)) % p === 1n;
    const inQ = (ctx.memberQ.pow(cq, u * vq - 1n) * cq) % q === 1n;
    member = inP && inQ;
  }
  if (!member) {
    throw new DgkError(
      "CIPHERTEXT_INVALID",
      "zeroTest: expected a ciphertext of this key, got a value outside its subgroup (not what the protocol computes)",
    );
  }
  return zero;
}

/**
 * Decrypts to m mod u: c^(v_p) mod p = G^m with G = g^(v_p) mod p of order u, m found by baby-step giant-step
 * (⌈√u⌉ multiplications modulo p at most; the table of ⌈√u⌉ entries is built on first use).
 *
 * For tests and debugging: the protocol needs only {@link isZero}. Not constant time in m.
 *
 * @param privateKey - the key
 * @param c - a ciphertext under its public key
 * @returns the plaintext in [0, u)
 * @throws {DgkError} `CIPHERTEXT_INVALID` when c ∉ [1, n), gcd(c, n) ≠ 1, or c^(v_p) mod p is not a power of G
 *   (c is not a ciphertext of this key)
 * @example
 * decrypt(privateKey, encrypt(publicKey, -1n)); // u − 1
 */
export function decrypt(privateKey: DgkPrivateKey, c: bigint): bigint {
  checkPrivateKey(privateKey, "decrypt: privateKey");
  validateCiphertext(privateKey, c, "decrypt: ciphertext");
  const ctx = privateContext(privateKey);
  const { step, baby, giant } = discreteLogTable(ctx);
  let y = zeroTestValue(ctx, c);
  for (let i = 0; i < step; i++) {
    const j = baby.get(y);
    if (j !== undefined) {
      const m = BigInt(i) * BigInt(step) + BigInt(j);
      if (m < ctx.pub.u) return m;
    }
    y = (y * giant) % ctx.p;
  }
  throw new DgkError(
    "CIPHERTEXT_INVALID",
    "decrypt: expected a ciphertext of this key (c^vp mod p a power of g^vp), got an element outside the key's subgroup",
  );
}
