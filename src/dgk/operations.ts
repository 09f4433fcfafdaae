/**
 * Homomorphic operations on DGK ciphertexts (Damgård, Geisler, Krøigaard 2007, §3): what the bank does to the
 * bureau's encrypted bits. Plaintexts live in Z_u, so every result is modulo u.
 *
 * | Operation                        | Result | Computation             |
 * | -------------------------------- | ------ | ----------------------- |
 * | {@link add}(a, b)                | x + y  | a·b mod n               |
 * | {@link addConstant}(a, k)        | x + k  | a·g^(k mod u) mod n     |
 * | {@link multiplyByConstant}(a, k) | k·x    | a^(k mod u) mod n       |
 * | {@link rerandomize}(a)           | x      | a·h^r mod n             |
 *
 * The deterministic operations keep their operands' randomness (and a multiplication by k ≡ 0 gives the public
 * value 1): **re-randomise anything before it leaves your hands.** Operands are checked for type and range
 * (1 ≤ c < n); the gcd with n is checked where ciphertexts enter ({@link parseCiphertext}, {@link validateCiphertext}).
 *
 * @module
 */

import { checkCiphertextRange } from "./ciphertext";
import { DgkKey, gPower, publicContext, publicKeyOf } from "./context";
import { checkRandomizer, reduce, randomizer as freshRandomizer } from "./engine";
import { DgkError, assertBigInt } from "./errors";
import { modInverse } from "../paillier/arith";

/**
 * E(x) · E(y) = E(x + y mod u).
 *
 * @param key - the key both ciphertexts are under (public or private)
 * @param a - E(x)
 * @param b - E(y)
 * @returns E(x + y) with the randomness of both
 * @throws {DgkError} `CIPHERTEXT_INVALID` when an operand is not in [1, n); `INVALID_ARGUMENT` for wrong types
 * @example
 * decrypt(sk, add(pk, encrypt(pk, 2n), encrypt(pk, 3n))); // 5n
 */
export function add(key: DgkKey, a: bigint, b: bigint): bigint {
  const { n } = publicKeyOf(key, "add: key");
  checkCiphertextRange(n, a, "add: a");
  checkCiphertextRange(n, b, "add: b");
  return (a * b) % n;
}

/**
 * E(x) · g^k = E(x + k mod u).
 *
 * @param key - the key (public or private)
 * @param c - E(x)
 * @param k - any integer, reduced modulo u (negative k subtracts)
 * @returns E(x + k) with the randomness of c
 * @throws {DgkError} `CIPHERTEXT_INVALID` when c is not in [1, n); `INVALID_ARGUMENT` for wrong types
 * @example
 * const diff = addConstant(pk, encryptedBit, -1n); // E(x_i − 1)
 */
export function addConstant(key: DgkKey, c: bigint, k: bigint): bigint {
  const ctx = publicContext(publicKeyOf(key, "addConstant: key"));
  checkCiphertextRange(ctx.n, c, "addConstant: c");
  assertBigInt(k, "addConstant: k");
  return (c * gPower(ctx, reduce(ctx.u, k))) % ctx.n;
}

/**
 * E(x)^k = E(k·x mod u). The exponent is k mod u, at most 32 bits: cheap.
 *
 * @param key - the key (public or private)
 * @param c - E(x)
 * @param k - any integer, reduced modulo u (−1 negates; k ≡ 0 gives 1 = E(0; 0), which must be re-randomised)
 * @returns E(k·x)
 * @throws {DgkError} `CIPHERTEXT_INVALID` when c is not in [1, n); `INVALID_ARGUMENT` for wrong types
 * @example
 * const blinded = rerandomize(pk, multiplyByConstant(pk, c, 1n + randomBelow(pk.u - 1n)));
 */
export function multiplyByConstant(key: DgkKey, c: bigint, k: bigint): bigint {
  const ctx = publicContext(publicKeyOf(key, "multiplyByConstant: key"));
  checkCiphertextRange(ctx.n, c, "multiplyByConstant: c");
  assertBigInt(k, "multiplyByConstant: k");
  return ctx.powN.pow(c, reduce(ctx.u, k));
}

/**
 * E(−x) for every E(x) in `ciphertexts`: E(x)^−1 mod n, by Montgomery's trick (one inverse and 3(m − 1)
 * multiplications instead of m exponentiations by u − 1).
 *
 * @param key - the key (public or private)
 * @param ciphertexts - ciphertexts in [1, n), units modulo n
 * @returns their negations, in order
 * @throws {DgkError} `CIPHERTEXT_INVALID` when one is out of range or shares a factor with n
 * @example
 * const negatedBits = negateAll(bureauKey, bits);
 */
export function negateAll(key: DgkKey, ciphertexts: readonly bigint[]): bigint[] {
  const { n } = publicContext(publicKeyOf(key, "negateAll: key"));
  const prefix: bigint[] = [];
  let product = 1n;
  ciphertexts.forEach((c, i) => {
    checkCiphertextRange(n, c, `negateAll: ciphertext ${i + 1}`);
    prefix.push((product = (product * c) % n));
  });
  if (ciphertexts.length === 0) return [];
  let inverse: bigint;
  try {
    inverse = modInverse(product, n);
  } catch {
    throw new DgkError(
      "CIPHERTEXT_INVALID",
      "negateAll: expected units modulo n, got a ciphertext sharing a factor with n",
    );
  }
  const result = new Array<bigint>(ciphertexts.length);
  for (let i = ciphertexts.length - 1; i >= 0; i--) {
    result[i] = ((i === 0 ? 1n : prefix[i - 1]) * inverse) % n;
    inverse = (inverse * ciphertexts[i]) % n;
  }
  return result;
}

/**
 * E(x; r) · h^r' = E(x; r + r'): a ciphertext of the same plaintext, unlinkable to the input.
 *
 * @param key - the public key; or the private key, for a CRT randomizer
 * @param c - E(x)
 * @param randomizer - optionally, a fresh value from {@link randomizer} (never reuse one); computed now otherwise
 * @returns a fresh encryption of x
 * @throws {DgkError} `CIPHERTEXT_INVALID` when c is not in [1, n); `INVALID_ARGUMENT` for wrong types or a
 *   randomizer not in [1, n)
 * @example
 * const out = rerandomize(pk, c, pool.pop());
 */
export function rerandomize(key: DgkKey, c: bigint, randomizer?: bigint): bigint {
  const publicKey = publicKeyOf(key, "rerandomize: key");
  const { n } = publicKey;
  checkCiphertextRange(n, c, "rerandomize: c");
  if (randomizer !== undefined) {
    checkRandomizer(n, randomizer, "rerandomize: randomizer");
    return (c * randomizer) % n;
  }
  return (c * freshRandomizer(key)) % n;
}
