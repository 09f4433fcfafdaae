/**
 * Shared helpers for the proof tests: an assertion for ProofError codes, both bit-proof verifiers' verdicts and
 * altered proofs, prime and key construction (including keys that are not Blum, or have a small prime), and the
 * Chinese remainder theorem over several moduli.
 *
 * @module
 */

import { generatePrime } from "node:crypto";
import { expect } from "chai";
import { Ciphertext, PaillierPrivateKey, PaillierPublicKey, importPrivateKey } from "../../src/paillier";
import { modInverse } from "../../src/paillier/arith";
import {
  BitProof,
  BitProofItem,
  ProofError,
  type ProofErrorCode,
  verifyBits,
  verifyBitsOneByOne,
} from "../../src/proofs";

/** Context bytes from text. */
export function context(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Asserts that `fn` throws a ProofError with one of the given codes (and, optionally, a matching message). */
export function expectProofError(
  fn: () => unknown,
  code: ProofErrorCode | readonly ProofErrorCode[],
  message?: RegExp,
): ProofError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  const codes = typeof code === "string" ? [code] : code;
  expect(caught, `expected a ProofError ${codes.join(" or ")}`).to.be.instanceOf(ProofError);
  const err = caught as ProofError;
  expect(codes, err.message).to.include(err.code);
  if (message !== undefined) expect(err.message).to.match(message);
  return err;
}

/** A copy of a bit proof with one item changed. */
export function withItem(proof: BitProof, index: number, change: Partial<BitProofItem>): BitProof {
  return { ...proof, items: proof.items.map((item, i) => (i === index ? { ...item, ...change } : item)) };
}

/** Both verifiers' verdicts: true for accepted, false for BIT_PROOF_INVALID (anything else is rethrown). */
export function verdicts(
  publicKey: PaillierPublicKey,
  cs: readonly Ciphertext[],
  proof: BitProof,
  ctx: Uint8Array,
): [boolean, boolean] {
  const run = (verify: typeof verifyBits): boolean => {
    try {
      verify(publicKey, cs, proof, ctx);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === "BIT_PROOF_INVALID") return false;
      throw err;
    }
  };
  return [run(verifyBits), run(verifyBitsOneByOne)];
}

/** A prime of exactly `bits` bits, optionally ≡ rem (mod add), from OpenSSL. */
export function prime(bits: number, add?: bigint, rem?: bigint): Promise<bigint> {
  const options = add === undefined ? { bigint: true as const } : { bigint: true as const, add, rem };
  return new Promise((resolve, reject) => {
    generatePrime(bits, options, (err, p) => (err ? reject(err) : resolve(p)));
  });
}

/** A private key for given primes, through the ordinary import (so it passes every import check). */
export function keyFromPrimes(p: bigint, q: bigint): PaillierPrivateKey {
  const n = p * q;
  const hex = (x: bigint): string => `0x${x.toString(16)}`;
  return importPrivateKey({ kty: "Paillier", n: hex(n), p: hex(p), q: hex(q) });
}

/**
 * A valid 2048-bit private key whose primes are ≡ `remP` and ≡ `remQ` modulo `add` (e.g. 1 mod 4: not Blum),
 * retried until the product has exactly 2048 bits and passes import.
 */
export async function keyWithPrimes(add: bigint, remP: bigint, remQ: bigint): Promise<PaillierPrivateKey> {
  for (;;) {
    const [p, q] = await Promise.all([prime(1024, add, remP), prime(1024, add, remQ)]);
    try {
      return keyFromPrimes(p, q);
    } catch {
      // wrong size or primes too close: draw again
    }
  }
}

/** x with x ≡ residues[i] (mod moduli[i]) for pairwise coprime moduli, in [0, Π moduli). */
export function crtAll(residues: readonly bigint[], moduli: readonly bigint[]): bigint {
  const product = moduli.reduce((a, b) => a * b, 1n);
  let x = 0n;
  residues.forEach((r, i) => {
    const rest = product / moduli[i];
    x += (((r % moduli[i]) + moduli[i]) % moduli[i]) * rest * modInverse(rest % moduli[i], moduli[i]);
  });
  return x % product;
}

/** The bit length of a positive bigint. */
export function bitsOf(x: bigint): number {
  return x.toString(2).length;
}
