/**
 * Cheating provers: the best a prover who knows the factorisation can do for a false statement, so that the tests
 * show the verifiers reject what an adversary would actually send (not merely random garbage).
 *
 * - {@link cheatModulus}: Π^mod for a modulus that is not a Paillier–Blum modulus. It takes every fourth root that
 *   exists (per prime power, in closed form), and the n-th roots through the largest exponent that is invertible.
 * - {@link cheatBits}: bit proofs for ciphertexts of any plaintext. Per branch and per prime it answers honestly
 *   where the branch is true modulo that prime, simulates with a guessed challenge where it is not, and computes
 *   every response after the challenge as an n-th root prime by prime. Optionally it uses non-units (a ≡ 0 mod p²)
 *   where a branch is false, which satisfies the equation modulo p² for every challenge.
 * - {@link forgeWithSmallPrime}: grinds Fiat–Shamir against a key with a 17-bit prime (the gap README.md describes).
 *
 * @module
 */

import {
  Ciphertext,
  PaillierPrivateKey,
  PaillierPublicKey,
  decryptRaw,
  modPow,
  randomBelow,
  randomBits,
} from "../../src/paillier";
import { createHash } from "node:crypto";
import { expect } from "chai";
import { byteLength, fromBytes, gcd, mod, modInverse } from "../../src/paillier/arith";
import { BIT_PROOF_DOMAIN, type BitProof, type BitProofItem } from "../../src/proofs";
import { jacobi } from "../../src/proofs/arith";
import { bitChallenges } from "../../src/proofs/bits";
import { modulusChallenges, type ModulusProofData, type ModulusProofItem } from "../../src/proofs/modulus";
import { ascii, fixedBytes, framedHash, u32 } from "../../src/proofs/transcript";
import { crtAll } from "./helpers";

const TWO_128 = 1n << 128n;

/** A prime power p^k dividing a modulus. */
export interface PrimePower {
  readonly p: bigint;
  readonly k: number;
}

/**
 * A fourth root of u modulo p^k, when u is a fourth power there, for p ≡ 3 (mod 4) or p ≡ 5 (mod 8): there the
 * 2-part of φ(p^k) is at most 4, so the fourth powers are the subgroup of odd order m, on which r = u^(4⁻¹ mod m) is
 * a fourth root. Any r with r^4 ≡ u proves u a fourth power, so one exponentiation decides and answers.
 */
export function fourthRoot(u: bigint, { p, k }: PrimePower): bigint | undefined {
  const modulus = p ** BigInt(k);
  const x = mod(u, modulus);
  if (x % p === 0n) return x === 0n ? 0n : undefined;
  let m = p ** BigInt(k - 1) * (p - 1n);
  while ((m & 1n) === 0n) m >>= 1n;
  const root = modPow(x, modInverse(4n, m), modulus);
  const square = (root * root) % modulus;
  return (square * square) % modulus === x ? root : undefined;
}

/** What {@link cheatModulus} achieved before anyone verifies. */
export interface ModulusCheat {
  /** The proof it sends. */
  readonly proof: ModulusProofData;
  /** Iterations where some (−1)^a·w^b·y had a fourth root. */
  readonly fourthRoots: number;
  /** Iterations where z^n ≡ y. */
  readonly nthRoots: number;
}

/**
 * The best Π^mod proof for a modulus with a known factorisation.
 *
 * @param n - the modulus
 * @param factors - its prime powers (primes ≡ 3 mod 4 or ≡ 5 mod 8)
 * @param context - the context bytes
 * @param chosenW - a w to use; by default a random unit with Jacobi symbol −1
 */
export function cheatModulus(
  n: bigint,
  factors: readonly PrimePower[],
  context: Uint8Array,
  chosenW?: bigint,
): ModulusCheat {
  let w = chosenW;
  while (w === undefined) {
    const candidate = randomBelow(n - 2n) + 2n;
    if (jacobi(candidate, n) === -1) w = candidate;
  }
  // The largest exponent modulo which n can be inverted: λ(n) with every common factor with n removed.
  const moduli = factors.map(({ p, k }) => p ** BigInt(k));
  let order = factors.map(({ p, k }) => p ** BigInt(k - 1) * (p - 1n)).reduce((a, b) => (a * b) / gcd(a, b), 1n);
  for (let g = gcd(n, order); g > 1n; g = gcd(n, order)) order /= g;
  const d = modInverse(n % order, order);

  let fourthRoots = 0;
  let nthRoots = 0;
  const items = modulusChallenges(n, w, context).map((y): ModulusProofItem => {
    const z = modPow(y, d, n);
    if (modPow(z, n, n) === y) nthRoots++;
    for (const [a, b] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ] as const) {
      let candidate = b === 1 ? (y * (w as bigint)) % n : y;
      if (a === 1) candidate = mod(-candidate, n);
      const roots = factors.map((f) => fourthRoot(candidate, f));
      if (roots.every((r) => r !== undefined)) {
        fourthRoots++;
        const x = crtAll(roots as bigint[], moduli);
        return { x: x === 0n ? 1n : x, a, b, z };
      }
    }
    return { x: 1n, a: 0, b: 0, z };
  });
  return { proof: { w, items }, fourthRoots, nthRoots };
}

/** c·(1+n)^(−b) mod n². */
function shifted(publicKey: PaillierPublicKey, c: bigint, b: bigint): bigint {
  const { n, nSquared } = publicKey;
  return (c * (1n + mod(-b, n) * n)) % nSquared;
}

/** A commitment modulo π²: u^n, times c'^(−guess) where the branch is false modulo π (0 for the non-unit trick). */
function commitmentPart(n: bigint, pi: bigint, cb: bigint, holds: boolean, guess: bigint, nonUnit: boolean): bigint {
  const pi2 = pi * pi;
  if (!holds && nonUnit) return 0n;
  const un = modPow(randomBelow(pi - 1n) + 1n, n, pi2);
  return holds ? un : (un * modPow(modInverse(cb % pi2, pi2), guess, pi2)) % pi2;
}

/** The best response modulo π once e is known: the n-th root of a·c'^e modulo π (right iff the G-parts agree). */
function responsePart(n: bigint, pi: bigint, a: bigint, cb: bigint, e: bigint): bigint {
  const t = ((a % pi) * modPow(cb % pi, e, pi)) % pi;
  return t === 0n ? 0n : modPow(t, modInverse(n % (pi - 1n), pi - 1n), pi);
}

/**
 * The best bit proof for ciphertexts of any plaintexts (see the module comment).
 *
 * @param key - the private key (the cheater knows p and q)
 * @param ciphertexts - the ciphertexts, of any plaintexts
 * @param context - the context bytes
 * @param options - `nonUnit`: where a branch is false modulo one prime and true modulo the other, answer the
 *   false prime with a ≡ 0 (mod π²), z ≡ 0 (mod π) instead of simulating
 */
export function cheatBits(
  key: PaillierPrivateKey,
  ciphertexts: readonly Ciphertext[],
  context: Uint8Array,
  options: { nonUnit?: boolean } = {},
): BitProof {
  const { publicKey } = key;
  const { n } = publicKey;
  const primes = [key.p, key.q];
  const squares = primes.map((pi) => pi * pi);
  const nonUnit = options.nonUnit === true;
  const plans = ciphertexts.map((c) => {
    const m = decryptRaw(key, c);
    return [0n, 1n].map((b) => {
      const cb = shifted(publicKey, c.value, b);
      const guess = randomBits(128);
      const holds = primes.map((pi) => mod(m - b, pi) === 0n);
      const zeroed = nonUnit && holds.includes(true);
      const a = crtAll(
        primes.map((pi, j) => commitmentPart(n, pi, cb, holds[j], guess, zeroed)),
        squares,
      );
      return { cb, guess, simulated: !zeroed && holds.includes(false), a };
    });
  });
  const challenges = bitChallenges(
    n,
    ciphertexts.map((c) => c.value),
    plans.map(([b0, b1]) => ({ a0: b0.a, a1: b1.a })),
    context,
  );
  const items = plans.map(([b0, b1], i): BitProofItem => {
    // A branch simulated somewhere must get its guessed challenge; the other takes what is left.
    const e0 = b0.simulated ? b0.guess : mod(challenges[i] - b1.guess, TWO_128);
    const e1 = mod(challenges[i] - e0, TWO_128);
    const z = (branch: typeof b0, e: bigint): bigint =>
      crtAll(
        primes.map((pi) => responsePart(n, pi, branch.a, branch.cb, e)),
        primes,
      );
    return { a0: b0.a, a1: b1.a, e0, z0: z(b0, e0), z1: z(b1, e1) };
  });
  return { publicKey, items };
}

/**
 * Whether every equation z^n ≡ a·(c·(1+n)^−b)^e (mod n²) of a bit proof holds, computed here independently of the
 * verifiers and without their range and unit checks.
 */
export function equationsHold(
  publicKey: PaillierPublicKey,
  ciphertexts: readonly Ciphertext[],
  proof: BitProof,
  context: Uint8Array,
): boolean {
  const { n, nSquared } = publicKey;
  const cs = ciphertexts.map((c) => c.value);
  const challenges = bitChallenges(n, cs, proof.items, context);
  return proof.items.every(({ a0, a1, e0, z0, z1 }, i) => {
    const e1 = mod(challenges[i] - e0, TWO_128);
    return [
      [a0, e0, z0, 0n],
      [a1, e1, z1, 1n],
    ].every(
      ([a, e, z, b]) => modPow(z, n, nSquared) === (a * modPow(shifted(publicKey, cs[i], b), e, nSquared)) % nSquared,
    );
  });
}

/**
 * Forges a bit proof for a ciphertext of m ≡ 1 (mod P), m ≡ 0 (mod Q) — not a bit — under a key n = P·Q whose
 * prime P is small, by grinding Fiat–Shamir: branch 1 is false modulo the large Q, so e_1 must be its guess
 * exactly; branch 0 is false only modulo P, so e_0 = e − e_1 must match its guess modulo P only, which a fresh hash
 * does with probability 1/P. Each trial moves branch 0's guess by one, which changes a_0 only modulo P² (a
 * multiplication of 34-bit numbers, and one addition to recombine), and rehashes from a saved midstate: a few
 * microseconds of arithmetic and one SHA-256 over about a kilobyte.
 *
 * @returns the proof and the number of hash trials it took
 */
export function forgeWithSmallPrime(
  key: PaillierPrivateKey,
  ciphertext: Ciphertext,
  context: Uint8Array,
): { proof: BitProof; trials: number } {
  const { publicKey } = key;
  const { n, nSquared } = publicKey;
  const [small, large] = key.p < key.q ? [key.p, key.q] : [key.q, key.p];
  const [small2, large2] = [small * small, large * large];
  const c0 = ciphertext.value;
  const c1 = shifted(publicKey, c0, 1n);
  let guess0 = randomBits(128);
  const guess1 = randomBits(128);
  // Branch 0: true modulo Q, simulated modulo P. Branch 1: true modulo P, simulated modulo Q.
  const [toSmall, toLarge] = [crtAll([1n, 0n], [small2, large2]), crtAll([0n, 1n], [small2, large2])];
  const a0Large = (commitmentPart(n, large, c0, true, 0n, false) * toLarge) % nSquared;
  let a0Small = commitmentPart(n, small, c0, false, guess0, false);
  const stepSmall = modInverse(c0 % small2, small2);
  const a1 = crtAll(
    [commitmentPart(n, small, c1, true, 0n, false), commitmentPart(n, large, c1, false, guess1, false)],
    [small2, large2],
  );
  // The transcript of src/proofs/bits.ts (README.md, "Fiat–Shamir inputs") up to c_1 does not change: hash it once.
  const wide = byteLength(nSquared);
  const prefix = createHash("sha256");
  for (const part of [ascii(BIT_PROOF_DOMAIN), context, fixedBytes(n, byteLength(n)), u32(1), fixedBytes(c0, wide)]) {
    prefix.update(u32(part.length)).update(part);
  }
  const a1Bytes = fixedBytes(a1, wide);
  const tag = ascii(`${BIT_PROOF_DOMAIN}/e`);
  for (let trials = 1; ; trials++) {
    const a0 = (a0Large + a0Small * toSmall) % nSquared;
    const digest = prefix
      .copy()
      .update(u32(wide))
      .update(fixedBytes(a0, wide))
      .update(u32(wide))
      .update(a1Bytes)
      .digest();
    const e = fromBytes(framedHash([tag, digest, u32(0)]).subarray(0, 16));
    const e0 = mod(e - guess1, TWO_128);
    if (mod(e0 - guess0, small) === 0n) {
      expect(bitChallenges(n, [c0], [{ a0, a1 }], context)).to.deep.equal([e]);
      const z = (a: bigint, c: bigint, ei: bigint): bigint =>
        crtAll([responsePart(n, small, a, c, ei), responsePart(n, large, a, c, ei)], [small, large]);
      return { proof: { publicKey, items: [{ a0, a1, e0, z0: z(a0, c0, e0), z1: z(a1, c1, guess1) }] }, trials };
    }
    guess0 += 1n;
    a0Small = (a0Small * stepSmall) % small2;
  }
}
