/**
 * Negating many ciphertexts at once: Paillier negation is a modular inverse, as costly as an
 * exponentiation in JS BigInt, and Montgomery's trick replaces m inverses by one inverse and
 * 3(m − 1) multiplications.
 * @module
 */
import { modInverse, mod } from "../paillier/arith";
import { trustedCiphertext } from "../paillier/ciphertext";
import type { Ciphertext } from "../paillier";

/**
 * E(−m) for every E(m) in `ciphertexts` (all under one key).
 * @throws Error when the ciphertexts are under different keys
 */
export function negateAll(ciphertexts: readonly Ciphertext[]): Ciphertext[] {
  if (ciphertexts.length === 0) return [];
  const publicKey = ciphertexts[0].publicKey;
  const { n, nSquared } = publicKey;
  // prefix[i] = c_0 · … · c_i mod n²
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const c of ciphertexts) {
    if (c.publicKey !== publicKey && !c.publicKey.equals(publicKey))
      throw new Error("negateAll: expected ciphertexts under one key");
    acc = (acc * c.value) % nSquared;
    prefix.push(acc);
  }
  // The inverse of the whole product: modulo n by extended Euclid, lifted to n² by one Newton step.
  const x = modInverse(acc % n, n);
  let inverse = mod(x * (2n - ((acc * x) % nSquared)), nSquared);
  const result = new Array<Ciphertext>(ciphertexts.length);
  for (let i = ciphertexts.length - 1; i >= 0; i--) {
    const before = i === 0 ? 1n : prefix[i - 1];
    result[i] = trustedCiphertext(publicKey, (inverse * before) % nSquared);
    inverse = (inverse * ciphertexts[i].value) % nSquared;
  }
  return result;
}
