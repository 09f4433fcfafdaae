/**
 * Bit proofs: a non-interactive zero-knowledge proof that each of k Paillier ciphertexts c_1..c_k under a key n
 * encrypts 0 or 1, with a batched verifier.
 *
 * **Statement.** With g = n + 1, c encrypts 0 iff c is an n-th residue modulo n², and encrypts 1 iff c·(1+n)⁻¹ is.
 * For each item the prover shows "c'_0 = c is an n-th residue OR c'_1 = c·(1+n)⁻¹ is" by the OR-composition of
 * Cramer, Damgård and Schoenmakers ("Proofs of Partial Knowledge and Simplified Design of Witness Hiding
 * Protocols", CRYPTO 1994) applied to the Σ-protocol for n-th residuosity (Damgård and Jurik, PKC 2001, §4.2; for
 * s = 1): per branch b, commitment a_b = ρ^n mod n², challenge e_b, response z_b = ρ·r^e_b mod n, and the verifier
 * checks z_b^n ≡ a_b·c'_b^e_b (mod n²). The branch that is false is simulated: pick e_b and z_b, set
 * a_b = z_b^n·c'_b^(−e_b). The branch challenges are bound by e_0 + e_1 ≡ e (mod 2^128).
 *
 * The bank holds p and q, so the witness r (the n-th root) comes from the ciphertext itself: c ≡ r^n (mod n)
 * whatever the plaintext, so r ≡ c^d (mod P) for each prime P of n, with d = n⁻¹ mod (P − 1).
 *
 * **Prover arithmetic (CRT).** The prover never exponentiates modulo n or n². Modulo P², x^n depends only on x mod P
 * and is the element of order dividing P − 1 congruent to x^n mod P: with u = x^n mod P (u ↦ u^d is the inverse
 * bijection of Z_P*), x^n ≡ u^P (mod P²). So a commitment draws u_P uniform in Z_P* per prime, sets
 * a = ρ^n = CRT(u_p^p mod p², u_q^q mod q²), and never forms ρ: the response is z_P = ρ_P·r_P^e = (u_P·c^e)^d mod P,
 * joined by the CRT. The simulated branch needs no power of c' modulo n² at all (a = v^n·(1 + n)^(±e)). Per item:
 * four exponentiations modulo p² or q² with the half-size exponent P, four modulo p or q with the half-size d, four
 * modulo p or q with 128-bit e. Before proving, the prover checks that every c_i·(1 + n)^(−b_i) is an n-th residue
 * modulo p² and q² (y^P ≡ y) with one batched test per prime (random 128-bit weights) instead of k decryptions.
 *
 * **Offline/online split.** Everything but the real branch's response is independent of the context: the
 * ciphertext, both commitments, and the whole simulated branch (e_sim, z_sim, a_sim). When the bit is the prover's
 * own random coin (the bank's share δ), {@link precomputeShare} draws δ and computes all of that ahead of time,
 * together with the n-th roots ρ_P and r_P; {@link proveBitsPrecomputed} then hashes and answers with
 * z_P = ρ_P·r_P^e mod P, one 128-bit exponentiation per prime and item. The proof is the same: same transcript,
 * same distribution, same verifiers. This is the usual precomputation of Σ-protocol commitments; each share must be
 * used once (see {@link PrecomputedShare}).
 *
 * **Fiat–Shamir.** One SHA-256 over the length-framed parts [tag, context, n, u32(k), c_1, a_1,0, a_1,1, …, c_k,
 * a_k,0, a_k,1] (tag {@link BIT_PROOF_DOMAIN}; n as ⌈bits(n)/8⌉ bytes, the others as ⌈bits(n²)/8⌉ bytes) gives a
 * digest D; item i's challenge e_i is the first 16 bytes of SHA-256 framed over [tag + "/e", D, u32(i)], read
 * big-endian (128 bits). The proof carries the commitments a (not the compact form where the verifier recomputes
 * them from the equations), because the batched verifier needs them: it recomputes the hash over the a's it was
 * sent, derives e_i, and checks the equations. Per item the proof is (a_0, a_1, e_0, z_0, z_1), e_1 being
 * (e_i − e_0) mod 2^128.
 *
 * **Soundness.** Write Z_{n²}* = G × H with G = ⟨1 + n⟩ of order n and H the n-th residues (order φ(n)); this
 * holds exactly when gcd(n, φ(n)) = 1, which Π^mod proves. The plaintext of c is its G-component: c encrypts b
 * iff c'_b ∈ H. Project an accepted equation z^n = a·c'^e onto G: z^n ∈ H has none, so t_a + e·t_c' ≡ 0 (mod n)
 * where t_x is the G-component's discrete log. If c'_b ∉ H then t_c' ≢ 0 modulo some prime s of n, which fixes
 * e_b modulo s: when s > 2^128 at most one e_b ∈ [0, 2^128) works. If c encrypts neither 0 nor 1 both branches
 * are false (possibly at different primes, as for a CRT split m ≡ 0 mod p, m ≡ 1 mod q), so both e_0 and e_1 are
 * fixed by the a's, hence e = e_0 + e_1 mod 2^128 is: a random-oracle query succeeds with probability 2^−128.
 * Against a modulus whose smallest prime is P < 2^128 the error per query is about 1/P instead, and Fiat–Shamir
 * lets the prover grind queries offline; see README.md for what closes that and what remains.
 *
 * Every a and z must be a unit modulo n (checked with one gcd of their product). Without that check a prover
 * knowing the factors could answer a false branch modulo p with a ≡ 0 (mod p²), z ≡ 0 (mod p), which satisfies
 * the equation modulo p² for every e, and prove a CRT split (a test shows it).
 *
 * **Batch verification** (Bellare, Garay and Rabin, "Fast Batch Verification for Modular Exponentiation and Digital
 * Signatures", EUROCRYPT 1998, the small exponents test). The 2k equations are checked as one with independent
 * 64-bit λ_j drawn from the verifier's CSPRNG after the proof is fixed:
 *
 *     (Π z_j^λ_j mod n)^n  ≡  Π a_j^λ_j · Π_i c_i^(e_i,0·λ_i,0 + e_i,1·λ_i,1) · (1 − n·Σ_i e_i,1·λ_i,1)  (mod n²)
 *
 * using x^n mod n² = (x mod n)^n mod n² and (1 + n)^(−t) ≡ 1 − t·n (mod n²). The verifier pays one exponentiation
 * with the n-bit exponent n plus 4k exponentiations with 64-bit and k with 193-bit exponents.
 *
 * Small-order elements of Z_{n²}* do not help a cheater. Let δ_j = z_j^n / (a_j·c'_j^e_j) be the discrepancy of
 * equation j; the batch accepts iff Π δ_j^λ_j = 1. Split δ_j = (G-part)·(H-part). (i) G has order n, all of whose
 * prime factors are at least P, so if some G-part is not 1 (say its log is non-zero modulo the prime s of n) the
 * batch accepts with probability at most ⌈2^64/s⌉/2^64 ≤ 1/P + 2^−64 over λ_j whatever the other λ's (2^−64 when
 * P > 2^64). (ii) H may contain elements of small order (−1, and elements of order dividing p − 1 or q − 1), and a
 * prover knowing the factors can make an H-part of order 2, e.g. by sending n − z instead of z (n is odd, so
 * (n − z)^n = −z^n); the batch then accepts with probability 1/2 although that equation fails. But an
 * H-part is an n-th residue: it changes no G-component, so it changes no plaintext. If the G-parts all vanish the
 * projection argument above holds unchanged, and every ciphertext encrypts 0 or 1. So the batch verifier accepts
 * exactly "every equation holds up to an n-th-residue factor", which proves the same statement as exact equality;
 * {@link verifyBitsOneByOne} checks exact equality. (The consequence: under batching the z's are malleable by
 * small-order n-th residues. Identify a proof by its statement and context, never by its bytes.)
 *
 * **Zero knowledge** (honest verifier, random oracle): z_b is uniform in Z_n* in both branches and a_b is the
 * unique value satisfying the equation; e_sim is uniform and e_real = e − e_sim mod 2^128 is too.
 *
 * @module
 */

import { byteLength, fromBytes, gcd, mod, modInverse, toFixedHex } from "../paillier/arith";
import { describeBigInt, describeValue } from "../paillier/errors";
import { privateContext, publicContext } from "../paillier/engine";
import {
  Ciphertext,
  ModularExponentiator,
  PaillierPrivateKey,
  PaillierPublicKey,
  decryptRaw,
  encrypt,
  randomBelow,
  randomBits,
} from "../paillier";
import { trustedCiphertext } from "../paillier/ciphertext";
import { crt } from "./arith";
import { ProofError, type ProofErrorCode } from "./errors";
import { checkContext, parseJsonInput, readArray, readFixedHex, readObject } from "./format";
import { ascii, fixedBytes, framedHash, u32 } from "./transcript";

export { BIT_CHALLENGE_BITS } from "./sizes";
import { BIT_CHALLENGE_BITS } from "./sizes";
/** The bit length of the batch verifier's random exponents λ_j. */
export const BATCH_EXPONENT_BITS = 64;
/** The most items one bit proof may cover. */
export const MAX_BIT_PROOF_ITEMS = 1024;
/** The domain tag of the bit proof transcript hash. */
export const BIT_PROOF_DOMAIN = "BlindCredit/paillier-bits/v1";
const CHALLENGE_DOMAIN = `${BIT_PROOF_DOMAIN}/e`;
const CHALLENGE_MODULUS = 1n << BigInt(BIT_CHALLENGE_BITS);

/** One item of a bit proof: the two branches of the OR-proof for one ciphertext. */
export interface BitProofItem {
  /** The commitment of branch 0 (plaintext 0), in [1, n²), a unit. */
  readonly a0: bigint;
  /** The commitment of branch 1 (plaintext 1), in [1, n²), a unit. */
  readonly a1: bigint;
  /** The challenge of branch 0, in [0, 2^128); branch 1's is (e_i − e0) mod 2^128. */
  readonly e0: bigint;
  /** The response of branch 0, in [1, n), a unit. */
  readonly z0: bigint;
  /** The response of branch 1, in [1, n), a unit. */
  readonly z1: bigint;
}

/** A bit proof for k ciphertexts under one key. Immutable. */
export interface BitProof {
  /** The key the ciphertexts are under (it fixes the widths of the JSON form). */
  readonly publicKey: PaillierPublicKey;
  /** One item per ciphertext, in the order of the ciphertexts. */
  readonly items: readonly BitProofItem[];
}

/** The JSON form of one item: fixed-width lowercase hex. */
export interface BitProofItemJson {
  /** "0x" and 2·⌈bits(n²)/8⌉ hex digits (as a canonical ciphertext). */
  readonly a0: string;
  /** "0x" and 2·⌈bits(n²)/8⌉ hex digits. */
  readonly a1: string;
  /** "0x" and 32 hex digits. */
  readonly e0: string;
  /** "0x" and 2·⌈bits(n)/8⌉ hex digits. */
  readonly z0: string;
  /** "0x" and 2·⌈bits(n)/8⌉ hex digits. */
  readonly z1: string;
}

/** The JSON form of a bit proof (see README.md, "Formats"). */
export interface BitProofJson {
  /** One item per ciphertext, 1 to {@link MAX_BIT_PROOF_ITEMS}. */
  readonly items: readonly BitProofItemJson[];
}

/**
 * The Fiat–Shamir challenges e_1..e_k (128 bits each) for ciphertexts and commitments; see the module comment.
 *
 * @param n - the modulus
 * @param ciphertexts - the values c_i, in [1, n²)
 * @param commitments - the pairs (a_i,0, a_i,1), in [1, n²), one per ciphertext
 * @param context - the caller's context bytes
 * @returns e_1..e_k
 */
export function bitChallenges(
  n: bigint,
  ciphertexts: readonly bigint[],
  commitments: readonly { readonly a0: bigint; readonly a1: bigint }[],
  context: Uint8Array,
): bigint[] {
  const width = byteLength(n);
  const wide = byteLength(n * n);
  const parts: Uint8Array[] = [ascii(BIT_PROOF_DOMAIN), context, fixedBytes(n, width), u32(ciphertexts.length)];
  ciphertexts.forEach((c, i) => {
    parts.push(fixedBytes(c, wide), fixedBytes(commitments[i].a0, wide), fixedBytes(commitments[i].a1, wide));
  });
  const digest = framedHash(parts);
  const tag = ascii(CHALLENGE_DOMAIN);
  return ciphertexts.map((_, i) => fromBytes(framedHash([tag, digest, u32(i)]).subarray(0, BIT_CHALLENGE_BITS / 8)));
}

/** What the prover precomputes for one prime P of n (P = p or q). */
export interface ProverPrime {
  /** The prime P. */
  readonly prime: bigint;
  /** P². */
  readonly square: bigint;
  /** d = n⁻¹ mod (P − 1) (= the other prime's inverse mod P − 1): x ↦ x^d is the n-th root modulo P. */
  readonly root: bigint;
  /** (1 + n)⁻¹ mod P², i.e. (1 − n) mod P²: c'_1 = c·(1 + n)⁻¹. */
  readonly gInverse: bigint;
  /** Exponentiation mod P with exponent d. */
  readonly rootPower: ModularExponentiator;
  /** Exponentiation mod P with 128-bit exponents: c^e. */
  readonly shortPower: ModularExponentiator;
  /** Exponentiation mod P² with exponent P: u ↦ u^P (see {@link commitment}). */
  readonly liftPower: ModularExponentiator;
  /** Exponentiation mod P² with the statement check's random exponents. */
  readonly weightPower: ModularExponentiator;
}

/** What the prover precomputes per private key (cached in a WeakMap, like the engine's own contexts). */
export interface ProverContext {
  readonly n: bigint;
  readonly nSquared: bigint;
  readonly p: ProverPrime;
  readonly q: ProverPrime;
  /** q⁻¹ mod p: joins residues modulo p and q. */
  readonly qInvModP: bigint;
  /** (q²)⁻¹ mod p²: joins residues modulo p² and q². */
  readonly qSquaredInvModPSquared: bigint;
}

const proverContexts = new WeakMap<PaillierPrivateKey, ProverContext>();

function proverPrime(prime: bigint, other: bigint, n: bigint): ProverPrime {
  const square = prime * prime;
  return {
    prime,
    square,
    // Invertible: gcd(other, prime − 1) = 1 because the key passed gcd(n, φ(n)) = 1; n ≡ other (mod prime − 1).
    root: modInverse(other % (prime - 1n), prime - 1n),
    gInverse: mod(1n - n, square),
    rootPower: new ModularExponentiator(prime),
    shortPower: new ModularExponentiator(prime),
    liftPower: new ModularExponentiator(square),
    weightPower: new ModularExponentiator(square),
  };
}

export function proverContext(privateKey: PaillierPrivateKey): ProverContext {
  let ctx = proverContexts.get(privateKey);
  if (ctx === undefined) {
    const priv = privateContext(privateKey);
    const { p, q } = priv;
    const { n, nSquared } = priv.pub;
    ctx = {
      n,
      nSquared,
      p: proverPrime(p, q, n),
      q: proverPrime(q, p, n),
      qInvModP: priv.qInvModP,
      qSquaredInvModPSquared: priv.qSquaredInvModPSquared,
    };
    proverContexts.set(privateKey, ctx);
  }
  return ctx;
}

/** A fresh commitment: u = (u_p, u_q) uniform in Z_p* × Z_q*, and a = ρ^n mod n² for the unit ρ that u stands for. */
export interface Commitment {
  readonly up: bigint;
  readonly uq: bigint;
  readonly a: bigint;
}

/**
 * A uniform unit ρ modulo n, represented by u_P = ρ^n mod P (a bijection of Z_P*, as gcd(n, P − 1) = 1), with
 * a = ρ^n mod n² by the CRT. Modulo P², ρ^n depends only on ρ mod P and is the element of order dividing P − 1
 * congruent to ρ^n mod P, which is u_P^P mod P² (the Teichmüller lift of u_P): one half-size exponentiation per
 * prime, and ρ itself is never needed (see {@link response}). u_p and u_q are drawn uniformly unless given (a
 * known-answer test fixes them). Shared with Π^enc (`./encryptionRange`), whose A and z₂ are this commitment and
 * response.
 */
export function commitment(
  ctx: ProverContext,
  up = randomBelow(ctx.p.prime - 1n) + 1n,
  uq = randomBelow(ctx.q.prime - 1n) + 1n,
): Commitment {
  const { p, q } = ctx;
  const a = crt(
    p.liftPower.pow(up, p.prime),
    q.liftPower.pow(uq, q.prime),
    p.square,
    q.square,
    ctx.qSquaredInvModPSquared,
  );
  return { up, uq, a };
}

/**
 * z = ρ·r^e mod n for the ρ of a commitment and r the n-th root of c modulo n. Per prime, ρ_P = u_P^d and
 * r_P = c^d (d = n⁻¹ mod (P − 1)), so z_P = (u_P·c^e)^d: one short and one half-size exponentiation modulo P.
 */
export function response(ctx: ProverContext, { up, uq }: Commitment, c: bigint, e: bigint): bigint {
  const { p, q } = ctx;
  const zp = p.rootPower.pow((up * p.shortPower.pow(c % p.prime, e)) % p.prime, p.root);
  const zq = q.rootPower.pow((uq * q.shortPower.pow(c % q.prime, e)) % q.prime, q.root);
  return crt(zp, zq, p.prime, q.prime, ctx.qInvModP);
}

/** A unit modulo n by its residues modulo p and q. */
interface Residues {
  readonly p: bigint;
  readonly q: bigint;
}

/** The n-th root modulo n of the unit with residues (x_p, x_q): x_P^d mod P per prime (d = n⁻¹ mod (P − 1)). */
function nthRoot(ctx: ProverContext, xp: bigint, xq: bigint): Residues {
  return { p: ctx.p.rootPower.pow(xp, ctx.p.root), q: ctx.q.rootPower.pow(xq, ctx.q.root) };
}

/**
 * z = ρ·r^e mod n from the roots themselves: z_P = ρ_P·r_P^e mod P, one exponentiation with the 128-bit e per
 * prime. The same value as {@link response}, for a prover that computed ρ and r ahead of time.
 */
function rootResponse(ctx: ProverContext, rho: Residues, r: Residues, e: bigint): bigint {
  const { p, q } = ctx;
  const zp = (rho.p * p.shortPower.pow(r.p, e)) % p.prime;
  const zq = (rho.q * q.shortPower.pow(r.q, e)) % q.prime;
  return crt(zp, zq, p.prime, q.prime, ctx.qInvModP);
}

/**
 * One item before its challenge is known: everything but the real branch's response. The offline half of the
 * prover; {@link finish} is the online half.
 */
interface PendingItem {
  /** The ciphertext c. */
  readonly c: bigint;
  /** Its plaintext: the real branch. */
  readonly bit: 0 | 1;
  /** The real branch's commitment a = ρ^n mod n². */
  readonly aReal: bigint;
  /** The simulated branch's challenge, uniform in [0, 2^128). */
  readonly eSim: bigint;
  /** The simulated branch's commitment. */
  readonly aSim: bigint;
  /** The simulated branch's response. */
  readonly zSim: bigint;
  /** The real branch's response z = ρ·r^e mod n to its challenge e. */
  readonly respond: (e: bigint) => bigint;
}

/**
 * The false branch s = 1 − bit of c, simulated: with z = v·r^e, a = z^n·c'_s^(−e) = v^n·(1+n)^((s−bit)·e), since
 * c'_s = (1+n)^(bit−s)·r^n. Same distribution as picking z uniformly and solving for a, and no exponentiation
 * modulo n² beyond v^n.
 */
function simulate(ctx: ProverContext, c: bigint, bit: 0 | 1): Pick<PendingItem, "eSim" | "aSim" | "zSim"> {
  const { n, nSquared } = ctx;
  const sim = commitment(ctx);
  const eSim = randomBits(BIT_CHALLENGE_BITS);
  const shift = bit === 0 ? eSim : n - eSim;
  return { eSim, aSim: (sim.a * (1n + shift * n)) % nSquared, zSim: response(ctx, sim, c, eSim) };
}

/** The online half of the prover: the Fiat–Shamir challenges, the real branches' responses, the proof. */
function finish(publicKey: PaillierPublicKey, pending: readonly PendingItem[], context: Uint8Array): BitProof {
  const commitments = pending.map((s) => (s.bit === 0 ? { a0: s.aReal, a1: s.aSim } : { a0: s.aSim, a1: s.aReal }));
  const challenges = bitChallenges(
    publicKey.n,
    pending.map((s) => s.c),
    commitments,
    context,
  );
  const items = pending.map((s, i): BitProofItem => {
    const eReal = mod(challenges[i] - s.eSim, CHALLENGE_MODULUS);
    const zReal = s.respond(eReal);
    const { a0, a1 } = commitments[i];
    return Object.freeze(
      s.bit === 0 ? { a0, a1, e0: eReal, z0: zReal, z1: s.zSim } : { a0, a1, e0: s.eSim, z0: s.zSim, z1: zReal },
    );
  });
  return Object.freeze({ publicKey, items: Object.freeze(items) });
}

/**
 * Whether c'_i = c_i·(1 + n)^(−b_i) is an n-th residue modulo P² for every i, that is c_i encrypts b_i modulo P.
 * Modulo P² the n-th residues are the units y of order dividing P − 1, those with y^P ≡ y. For P > 2^128 one such
 * test covers all items: y = Π c'_i^λ_i with λ_0 = 1 and λ_i (i ≥ 1) 128-bit values from the CSPRNG. The other
 * units of Z_{P²}* differ from those by a factor of order P, so if some c'_j is not a residue, y is one only if
 * Σ λ_i·t_i ≡ 0 (mod P) for the logs t_i of those factors: for a fixed choice of the other λ's, one λ_j of 2^128
 * at most (j ≥ 1), or never (when only t_0 ≠ 0). Error ≤ 2^−128. A smaller prime is tested item by item (cheap).
 */
function holdsAt(
  prime: ProverPrime,
  cs: readonly Ciphertext[],
  bits: readonly (0 | 1)[],
  weights: readonly bigint[],
): boolean {
  const { square } = prime;
  const residue = (i: number): bigint => {
    const c = cs[i].value % square;
    return bits[i] === 0 ? c : (c * prime.gInverse) % square;
  };
  if (prime.prime <= CHALLENGE_MODULUS) {
    return cs.every((_, i) => {
      const y = residue(i);
      return prime.liftPower.pow(y, prime.prime) === y;
    });
  }
  let y = residue(0);
  for (let i = 1; i < cs.length; i++) y = (y * prime.weightPower.pow(residue(i), weights[i])) % square;
  return prime.liftPower.pow(y, prime.prime) === y;
}

/** Refuses a false statement (STATEMENT_FALSE naming the first ciphertext that does not encrypt its bit). */
function checkStatements(
  privateKey: PaillierPrivateKey,
  ctx: ProverContext,
  cs: readonly Ciphertext[],
  bits: readonly (0 | 1)[],
): void {
  const weights = cs.map((_, i) => (i === 0 ? 1n : randomBits(BIT_CHALLENGE_BITS)));
  if (holdsAt(ctx.p, cs, bits, weights) && holdsAt(ctx.q, cs, bits, weights)) return;
  cs.forEach((c, i) => {
    if (decryptRaw(privateKey, c) !== BigInt(bits[i])) {
      throw new ProofError(
        "STATEMENT_FALSE",
        `proveBits: ciphertexts[${i}]: expected an encryption of ${bits[i]} (bits[${i}]), got an encryption of ` +
          "another value",
      );
    }
  });
  // Unreachable: the batched test fails only when some ciphertext does not encrypt its bit.
  throw new ProofError(
    "STATEMENT_FALSE",
    "proveBits: expected every ciphertext to encrypt its bit, got one that does not",
  );
}

function checkCiphertexts(publicKey: PaillierPublicKey, ciphertexts: unknown, what: string): readonly Ciphertext[] {
  if (!Array.isArray(ciphertexts) || ciphertexts.length === 0 || ciphertexts.length > MAX_BIT_PROOF_ITEMS) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `${what}: expected an array of 1 to ${MAX_BIT_PROOF_ITEMS} ciphertexts, got ${describeValue(ciphertexts)}`,
    );
  }
  ciphertexts.forEach((c: unknown, i) => {
    if (!(c instanceof Ciphertext)) {
      throw new ProofError("INVALID_ARGUMENT", `${what}[${i}]: expected a Ciphertext, got ${describeValue(c)}`);
    }
    if (!c.publicKey.equals(publicKey)) {
      throw new ProofError(
        "KEY_MISMATCH",
        `${what}[${i}]: expected a ciphertext under key ${publicKey.fingerprint}, got one under ${c.publicKey.fingerprint}`,
      );
    }
  });
  return ciphertexts as readonly Ciphertext[];
}

/**
 * Proves that each ciphertext encrypts the given bit, without revealing the bits: a bit proof bound to a context.
 *
 * The prover works modulo p, q, p² and q² only (see the module comment): per item, four exponentiations modulo p² or
 * q² and four modulo p or q with half-size exponents, about 27 ms at 3072 bits; the check that each ciphertext
 * encrypts its bit is one batched test per prime for all k items. See README.md for measurements.
 *
 * @param privateKey - the key the ciphertexts are under
 * @param ciphertexts - 1 to {@link MAX_BIT_PROOF_ITEMS} ciphertexts under `privateKey.publicKey`
 * @param bits - the plaintext of each ciphertext, 0 or 1
 * @param context - bytes naming where the proof is used (e.g. chain id, contract, check id, key fingerprint); the
 *   verifier must pass the same bytes
 * @returns the proof, one item per ciphertext
 * @throws {ProofError} `STATEMENT_FALSE` when a ciphertext does not encrypt its bit; `KEY_MISMATCH` when a
 *   ciphertext is under another key; `INVALID_ARGUMENT` for arguments of the wrong type or lists of different
 *   lengths
 * @example
 * const shares = bits.map((b) => encrypt(privateKey, BigInt(b)));
 * const proof = proveBits(privateKey, shares, bits, context);
 */
export function proveBits(
  privateKey: PaillierPrivateKey,
  ciphertexts: readonly Ciphertext[],
  bits: readonly (0 | 1)[],
  context: Uint8Array,
): BitProof {
  if (!(privateKey instanceof PaillierPrivateKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `proveBits: expected a PaillierPrivateKey, got ${describeValue(privateKey)}`,
    );
  }
  const publicKey = privateKey.publicKey;
  const cs = checkCiphertexts(publicKey, ciphertexts, "proveBits: ciphertexts");
  if (!Array.isArray(bits) || bits.length !== cs.length) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `proveBits: bits: expected an array of ${cs.length} bits (one per ciphertext), got ${describeValue(bits)}`,
    );
  }
  bits.forEach((bit: unknown, i) => {
    if (bit !== 0 && bit !== 1) {
      throw new ProofError("INVALID_ARGUMENT", `proveBits: bits[${i}]: expected 0 or 1, got ${describeValue(bit)}`);
    }
  });
  checkContext(context, "proveBits: context");
  const ctx = proverContext(privateKey);
  checkStatements(privateKey, ctx, cs, bits);
  const pending = cs.map(({ value: c }, i): PendingItem => {
    const real = commitment(ctx);
    return { c, bit: bits[i], aReal: real.a, ...simulate(ctx, c, bits[i]), respond: (e) => response(ctx, real, c, e) };
  });
  return finish(publicKey, pending, context);
}

let issueShare: (share: Ciphertext, bit: 0 | 1, pending: PendingItem) => PrecomputedShare;
let spendShare: (share: PrecomputedShare) => PendingItem;

/**
 * A uniform bit δ, its encryption E(δ), and everything of a bit proof for it that does not depend on the context:
 * the real branch's commitment and n-th roots, the simulated branch entire. Made by {@link precomputeShare},
 * consumed by {@link proveBitsPrecomputed}.
 *
 * **Single use, never revealed.** Only {@link share} is public. {@link bit} is the bank's secret δ, and the rest
 * (ρ, r, the simulated branch) stays in a private field: none of it shows in `JSON.stringify`, `util.inspect` or
 * the object's own properties. A share proves once and is then spent (its secrets dropped); a second use throws.
 * Reuse would give δ away: two proofs from one share repeat the simulated branch's (e, z) and change only the real
 * one's, and two answers ρ·r^e, ρ·r^e' of the real branch give r (e − e' is prime to n), hence δ from c/r^n.
 */
export class PrecomputedShare {
  /** E(δ) under the key it was made with: the ciphertext to send and to prove. */
  readonly share: Ciphertext;
  readonly #bit: 0 | 1;
  #pending: PendingItem | undefined;

  static {
    issueShare = (share, bit, pending) => new PrecomputedShare(share, bit, pending);
    spendShare = (s) => {
      const pending = s.#pending;
      if (pending === undefined) throw new Error("unreachable: a spent share passed the checks");
      s.#pending = undefined;
      return pending;
    };
  }

  private constructor(share: Ciphertext, bit: 0 | 1, pending: PendingItem) {
    this.share = share;
    this.#bit = bit;
    this.#pending = pending;
    Object.freeze(this);
  }

  /** δ, the plaintext of {@link share}: uniform, from the CSPRNG. Secret: keep it, never send it. */
  get bit(): 0 | 1 {
    return this.#bit;
  }

  /** Whether the share was already used in a proof (then it cannot be used again). */
  get used(): boolean {
    return this.#pending === undefined;
  }
}

/**
 * The offline half of a bit proof for a fresh uniform bit δ: draws δ from the CSPRNG, encrypts it
 * (`encrypt(privateKey, δ)`, by the CRT) and computes the real branch's commitment and n-th roots ρ and r and the
 * whole simulated branch, none of which depends on the context. About 1.4 times encrypting and proving one item
 * with {@link proveBits} (it also computes the two roots), about 45 ms at 3072 bits; see README.md.
 *
 * Use it where the bit is a random coin the prover chooses anyway (the bank's share δ), ahead of time or from a
 * {@link SharePool}; then prove with {@link proveBitsPrecomputed}. Each share is single-use (see
 * {@link PrecomputedShare}).
 *
 * @param privateKey - the key to encrypt under
 * @returns a fresh share: `bit` (secret) and `share` (E(bit))
 * @throws {ProofError} `INVALID_ARGUMENT` when `privateKey` is not a private key
 * @example
 * const shares = comparisons.map(() => precomputeShare(privateKey)); // offline
 * const proof = proveBitsPrecomputed(privateKey, shares, context); // online: well under 1 ms per share
 * send(shares.map((s) => s.share.toHex()), encodeBitProof(proof)); // keep shares.map((s) => s.bit)
 */
export function precomputeShare(privateKey: PaillierPrivateKey): PrecomputedShare {
  if (!(privateKey instanceof PaillierPrivateKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `precomputeShare: expected a PaillierPrivateKey, got ${describeValue(privateKey)}`,
    );
  }
  return shareFromParts(privateKey, precomputeShareParts(privateKey));
}

/**
 * A precomputed share as plain values, so that it can be computed on a worker thread (`ShareWorkers`) and rebuilt
 * on the thread that proves with it. It carries the share's secrets (δ, ρ, r): it crosses threads of one process
 * only, never a process boundary, and is rebuilt at once. Internal to the proofs.
 */
export interface ShareParts extends Omit<PendingItem, "respond"> {
  /** ρ and r by their residues modulo p and q: what the real branch's response is computed from. */
  readonly rho: Residues;
  readonly r: Residues;
}

/** The work of {@link precomputeShare}, as plain values. Internal to the proofs. */
export function precomputeShareParts(privateKey: PaillierPrivateKey): ShareParts {
  const ctx = proverContext(privateKey);
  const bit = randomBits(1) === 1n ? 1 : 0;
  const c = encrypt(privateKey, BigInt(bit)).value;
  // c = (1 + δ·n)·r^n ≡ r^n (mod P) for each prime P, so r_P = c^d mod P; ρ_P = u_P^d likewise.
  const r = nthRoot(ctx, c % ctx.p.prime, c % ctx.q.prime);
  const real = commitment(ctx);
  const rho = nthRoot(ctx, real.up, real.uq);
  return { c, bit, aReal: real.a, ...simulate(ctx, c, bit), rho, r };
}

/** The share that `parts` (from {@link precomputeShareParts} with this key) describe. Internal to the proofs. */
export function shareFromParts(privateKey: PaillierPrivateKey, parts: ShareParts): PrecomputedShare {
  const ctx = proverContext(privateKey);
  const { c, bit, aReal, eSim, aSim, zSim, rho, r } = parts;
  return issueShare(trustedCiphertext(privateKey.publicKey, c), bit, {
    c,
    bit,
    aReal,
    eSim,
    aSim,
    zSim,
    respond: (e) => rootResponse(ctx, rho, r, e),
  });
}

/**
 * Proves that each precomputed share encrypts its bit: the online half of {@link proveBits}, for shares from
 * {@link precomputeShare}. The result is a proof for `shares.map((s) => s.share)`, with the same transcript, the
 * same distribution and the same JSON as one from {@link proveBits}, accepted by {@link verifyBits} and
 * {@link verifyBitsOneByOne} unchanged. Costs one SHA-256 pass and two 128-bit exponentiations modulo p or q per
 * share (about 0.3 ms per share at 3072 bits; see README.md).
 *
 * Every share is spent by this call, even if the proof is then discarded: make the proof only when it will be sent.
 *
 * @param privateKey - the key the shares were made with
 * @param shares - 1 to {@link MAX_BIT_PROOF_ITEMS} unused shares from {@link precomputeShare}, each at most once
 * @param context - bytes naming where the proof is used; the verifier must pass the same bytes
 * @returns the proof, one item per share, in order
 * @throws {ProofError} `INVALID_ARGUMENT` when a share is not from {@link precomputeShare}, was already used, or is
 *   listed twice, or for arguments of the wrong type (nothing is spent then); `KEY_MISMATCH` when a share is under
 *   another key
 * @example
 * const proof = proveBitsPrecomputed(privateKey, shares, context);
 * verifyBits(publicKey, shares.map((s) => s.share), proof, context);
 */
export function proveBitsPrecomputed(
  privateKey: PaillierPrivateKey,
  shares: readonly PrecomputedShare[],
  context: Uint8Array,
): BitProof {
  const fn = "proveBitsPrecomputed";
  if (!(privateKey instanceof PaillierPrivateKey)) {
    throw new ProofError("INVALID_ARGUMENT", `${fn}: expected a PaillierPrivateKey, got ${describeValue(privateKey)}`);
  }
  const publicKey = privateKey.publicKey;
  if (!Array.isArray(shares) || shares.length === 0 || shares.length > MAX_BIT_PROOF_ITEMS) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `${fn}: shares: expected an array of 1 to ${MAX_BIT_PROOF_ITEMS} precomputed shares, got ${describeValue(shares)}`,
    );
  }
  const seen = new Map<PrecomputedShare, number>();
  shares.forEach((s: unknown, i) => {
    if (!(s instanceof PrecomputedShare)) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `${fn}: shares[${i}]: expected a PrecomputedShare (from precomputeShare), got ${describeValue(s)}`,
      );
    }
    if (!s.share.publicKey.equals(publicKey)) {
      throw new ProofError(
        "KEY_MISMATCH",
        `${fn}: shares[${i}]: expected a share under key ${publicKey.fingerprint}, got one under ` +
          s.share.publicKey.fingerprint,
      );
    }
    if (s.used) {
      throw new ProofError("INVALID_ARGUMENT", `${fn}: shares[${i}]: expected an unused share, got one already used`);
    }
    const first = seen.get(s);
    if (first !== undefined) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `${fn}: shares[${i}]: expected each share once, got the share of shares[${first}] again`,
      );
    }
    seen.set(s, i);
  });
  checkContext(context, `${fn}: context`);
  return finish(publicKey, shares.map(spendShare), context);
}

function checkProofItems(
  publicKey: PaillierPublicKey,
  proof: unknown,
  code: ProofErrorCode,
  expectedCount: number | undefined,
): readonly BitProofItem[] {
  const prefix = code === "BIT_PROOF_INVALID" ? "bit proof: " : "";
  const fail = (message: string): never => {
    throw new ProofError(code, `${prefix}${message}`);
  };
  if (typeof proof !== "object" || proof === null) fail(`expected a proof object, got ${describeValue(proof)}`);
  const { publicKey: claimed, items } = proof as Partial<BitProof>;
  if (!(claimed instanceof PaillierPublicKey) || !claimed.equals(publicKey)) {
    fail(
      `expected a proof for key ${publicKey.fingerprint}, got one for ` +
        (claimed instanceof PaillierPublicKey ? `key ${claimed.fingerprint}` : describeValue(claimed)),
    );
  }
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BIT_PROOF_ITEMS) {
    fail(`expected 1 to ${MAX_BIT_PROOF_ITEMS} items, got ${describeValue(items)}`);
  }
  const list = items as readonly unknown[];
  if (expectedCount !== undefined && list.length !== expectedCount) {
    fail(`expected ${expectedCount} items (one per ciphertext), got ${list.length}`);
  }
  const { n, nSquared } = publicKey;
  const ranges: [keyof BitProofItem, bigint, bigint, string][] = [
    ["a0", 1n, nSquared, "[1, n²)"],
    ["a1", 1n, nSquared, "[1, n²)"],
    ["e0", 0n, CHALLENGE_MODULUS, `[0, 2^${BIT_CHALLENGE_BITS})`],
    ["z0", 1n, n, "[1, n)"],
    ["z1", 1n, n, "[1, n)"],
  ];
  list.forEach((item, i) => {
    if (typeof item !== "object" || item === null) fail(`item ${i}: expected an object, got ${describeValue(item)}`);
    for (const [member, low, high, range] of ranges) {
      const value = (item as Record<string, unknown>)[member];
      if (typeof value !== "bigint" || value < low || value >= high) {
        fail(`item ${i}: expected ${member} in ${range}, got ${describeValue(value)}`);
      }
    }
  });
  return list as readonly BitProofItem[];
}

/** The checks both verifiers share: arguments, shape, ranges, units, and the Fiat–Shamir challenges. */
function prepare(
  fn: string,
  publicKey: PaillierPublicKey,
  ciphertexts: readonly Ciphertext[],
  proof: BitProof,
  context: Uint8Array,
): { cs: bigint[]; items: readonly BitProofItem[]; challenges: bigint[] } {
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new ProofError("INVALID_ARGUMENT", `${fn}: expected a PaillierPublicKey, got ${describeValue(publicKey)}`);
  }
  const list = checkCiphertexts(publicKey, ciphertexts, `${fn}: ciphertexts`);
  checkContext(context, `${fn}: context`);
  const items = checkProofItems(publicKey, proof, "BIT_PROOF_INVALID", list.length);
  const { n } = publicKey;
  let product = 1n;
  for (const { a0, a1, z0, z1 } of items) product = (((((product * a0) % n) * a1) % n) * ((z0 * z1) % n)) % n;
  if (gcd(product, n) !== 1n) {
    throw new ProofError(
      "BIT_PROOF_INVALID",
      "bit proof: expected every a and z to be a unit (coprime to n), got one sharing a factor with n",
    );
  }
  const cs = list.map((c) => c.value);
  return { cs, items, challenges: bitChallenges(n, cs, items, context) };
}

const verifierPowers = new WeakMap<PaillierPublicKey, ModularExponentiator>();

function powerModN(publicKey: PaillierPublicKey): ModularExponentiator {
  let pow = verifierPowers.get(publicKey);
  if (pow === undefined) {
    pow = new ModularExponentiator(publicKey.n);
    verifierPowers.set(publicKey, pow);
  }
  return pow;
}

/**
 * Verifies a bit proof with the batched check: every ciphertext encrypts 0 or 1.
 *
 * One exponentiation with the n-bit exponent n modulo n², plus 4k with 64-bit and k with 193-bit exponents,
 * instead of 2k full ones (see README.md for measurements). A proof that fails here also fails
 * {@link verifyBitsOneByOne}, which names the failing item; the converse holds except for discrepancies by
 * small-order n-th residues, which do not change any plaintext (see the module comment).
 *
 * The soundness of this check assumes the key's modulus was shown well formed: verify the bank's {@link
 * verifyModulus} proof once, when its key is registered.
 *
 * @param publicKey - the key the ciphertexts are under
 * @param ciphertexts - the ciphertexts, in the order the proof was made for
 * @param proof - the proof, from {@link proveBits} or {@link decodeBitProof}
 * @param context - the same context bytes as the prover's
 * @throws {ProofError} `BIT_PROOF_INVALID` naming the failed check (a proof for another key or another number of
 *   ciphertexts, a value out of range or not a unit, the batched equation); `KEY_MISMATCH` when a ciphertext is
 *   under another key; `INVALID_ARGUMENT` for arguments of the wrong type
 * @example
 * verifyBits(bankKey, shares, decodeBitProof(bankKey, body.bitProof), context);
 */
export function verifyBits(
  publicKey: PaillierPublicKey,
  ciphertexts: readonly Ciphertext[],
  proof: BitProof,
  context: Uint8Array,
): void {
  const { cs, items, challenges } = prepare("verifyBits", publicKey, ciphertexts, proof, context);
  const { n, nSquared } = publicKey;
  const pub = publicContext(publicKey);
  const powN = powerModN(publicKey);
  let zs = 1n;
  let rhs = 1n;
  let shift = 0n;
  items.forEach(({ a0, a1, e0, z0, z1 }, i) => {
    const e1 = mod(challenges[i] - e0, CHALLENGE_MODULUS);
    const l0 = randomBits(BATCH_EXPONENT_BITS);
    const l1 = randomBits(BATCH_EXPONENT_BITS);
    zs = (((zs * powN.pow(z0, l0)) % n) * powN.pow(z1, l1)) % n;
    rhs = (rhs * pub.scalarPower.pow(a0, l0)) % nSquared;
    rhs = (rhs * pub.scalarPower.pow(a1, l1)) % nSquared;
    rhs = (rhs * pub.scalarPower.pow(cs[i], e0 * l0 + e1 * l1)) % nSquared;
    shift += e1 * l1;
  });
  rhs = (rhs * (1n + mod(-shift, n) * n)) % nSquared;
  if (pub.randomizerPower.pow(zs, n) !== rhs) {
    throw new ProofError(
      "BIT_PROOF_INVALID",
      `bit proof: expected z^n ≡ a·(c·(1+n)^−b)^e (mod n²) for every item and branch, got a batched check ` +
        `(${BATCH_EXPONENT_BITS}-bit random exponents) that fails; verifyBitsOneByOne names the item`,
    );
  }
}

/**
 * Verifies a bit proof equation by equation: the reference for {@link verifyBits}, and the way to learn which item
 * fails. Costs 2k exponentiations with the n-bit exponent n modulo n².
 *
 * @param publicKey - the key the ciphertexts are under
 * @param ciphertexts - the ciphertexts, in the order the proof was made for
 * @param proof - the proof
 * @param context - the same context bytes as the prover's
 * @throws {ProofError} `BIT_PROOF_INVALID` naming the failed check, e.g. `item 3, branch 1: …`; otherwise as
 *   {@link verifyBits}
 * @example
 * verifyBitsOneByOne(bankKey, shares, proof, context);
 */
export function verifyBitsOneByOne(
  publicKey: PaillierPublicKey,
  ciphertexts: readonly Ciphertext[],
  proof: BitProof,
  context: Uint8Array,
): void {
  const { cs, items, challenges } = prepare("verifyBitsOneByOne", publicKey, ciphertexts, proof, context);
  const { n, nSquared } = publicKey;
  const pub = publicContext(publicKey);
  items.forEach(({ a0, a1, e0, z0, z1 }, i) => {
    const e1 = mod(challenges[i] - e0, CHALLENGE_MODULUS);
    const branches: [bigint, bigint, bigint][] = [
      [a0, e0, z0],
      [a1, e1, z1],
    ];
    branches.forEach(([a, e, z], branch) => {
      // c'_1^e = c^e·(1+n)^(−e) = c^e·(1 − e·n) mod n².
      let ce = pub.scalarPower.pow(cs[i], e);
      if (branch === 1) ce = (ce * (1n + mod(-e, n) * n)) % nSquared;
      if (pub.randomizerPower.pow(z, n) !== (a * ce) % nSquared) {
        throw new ProofError(
          "BIT_PROOF_INVALID",
          `bit proof: item ${i}, branch ${branch}: expected z^n ≡ a·(c·(1+n)^−${branch})^e (mod n²), got a mismatch`,
        );
      }
    });
  });
}

/**
 * The JSON form of a bit proof: `{"items": [{"a0": "0x…", "a1": "0x…", "e0": "0x…", "z0": "0x…", "z1": "0x…"}, …]}`
 * with fixed-width lowercase hex (a: 2·⌈bits(n²)/8⌉ digits, e0: 32, z: 2·⌈bits(n)/8⌉).
 *
 * @param proof - the proof
 * @returns a JSON-able object; `JSON.stringify` it to send it
 * @throws {ProofError} `INVALID_ARGUMENT` when `proof` is not a well-formed proof
 * @example
 * const body = { shares: shares.map((c) => c.toHex()), bitProof: encodeBitProof(proof) };
 */
export function encodeBitProof(proof: BitProof): BitProofJson {
  const publicKey = (proof as Partial<BitProof> | null)?.publicKey;
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new ProofError("INVALID_ARGUMENT", `encodeBitProof: expected a BitProof, got ${describeValue(proof)}`);
  }
  const items = checkProofItems(publicKey, proof, "INVALID_ARGUMENT", undefined);
  const width = byteLength(publicKey.n);
  const wide = byteLength(publicKey.nSquared);
  return {
    items: items.map(({ a0, a1, e0, z0, z1 }) => ({
      a0: toFixedHex(a0, wide),
      a1: toFixedHex(a1, wide),
      e0: toFixedHex(e0, BIT_CHALLENGE_BITS / 8),
      z0: toFixedHex(z0, width),
      z1: toFixedHex(z1, width),
    })),
  };
}

/**
 * Reads a bit proof from its JSON form, strictly: exactly the member items, 1 to {@link MAX_BIT_PROOF_ITEMS} items
 * of exactly a0, a1, e0, z0, z1, each "0x" and exactly the documented number of lowercase hex digits, a in
 * [1, n²), z in [1, n). Reading does not verify: call {@link verifyBits}, which also checks the count against the
 * ciphertexts.
 *
 * @param publicKey - the key the ciphertexts are under
 * @param json - the parsed JSON value, or the JSON text
 * @returns the proof
 * @throws {ProofError} `PROOF_FORMAT` saying what was expected and what came; `INVALID_ARGUMENT` for a non-key
 * @example
 * const proof = decodeBitProof(bankKey, body.bitProof);
 */
export function decodeBitProof(publicKey: PaillierPublicKey, json: unknown): BitProof {
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `decodeBitProof: expected a PaillierPublicKey, got ${describeValue(publicKey)}`,
    );
  }
  const { n, nSquared } = publicKey;
  const width = byteLength(n);
  const wide = byteLength(nSquared);
  const maxLength = MAX_BIT_PROOF_ITEMS * (4 * wide + 4 * width + 200) + 1024;
  const record = readObject(parseJsonInput(json, "bit proof", maxLength), ["items"], "bit proof");
  const rows = readArray(record.items, "bit proof items", 1, MAX_BIT_PROOF_ITEMS);
  const items = rows.map((row, i) => {
    const what = `bit proof items[${i}]`;
    const item = readObject(row, ["a0", "a1", "e0", "z0", "z1"], what);
    const read = (member: string, bytes: number, low: bigint, high: bigint, range: string): bigint => {
      const value = readFixedHex(item[member], `${what}.${member}`, bytes);
      if (value < low || value >= high) {
        throw new ProofError(
          "PROOF_FORMAT",
          `${what}.${member}: expected a value in ${range}, got ${describeBigInt(value)}`,
        );
      }
      return value;
    };
    return Object.freeze({
      a0: read("a0", wide, 1n, nSquared, "[1, n²)"),
      a1: read("a1", wide, 1n, nSquared, "[1, n²)"),
      e0: read("e0", BIT_CHALLENGE_BITS / 8, 0n, CHALLENGE_MODULUS, `[0, 2^${BIT_CHALLENGE_BITS})`),
      z0: read("z0", width, 1n, n, "[1, n)"),
      z1: read("z1", width, 1n, n, "[1, n)"),
    });
  });
  return Object.freeze({ publicKey, items: Object.freeze(items) });
}
