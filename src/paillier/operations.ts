/**
 * Homomorphic operations on ciphertexts under one key.
 *
 * | operation                  | plaintext result | computation                        |
 * |----------------------------|------------------|------------------------------------|
 * | {@link add}(a, b)          | x + y            | a·b mod n²                         |
 * | {@link subtract}(a, b)     | x − y            | a·b⁻¹ mod n²                       |
 * | {@link negate}(a)          | −x               | a⁻¹ mod n²                         |
 * | {@link negateAll}(list)    | −x_i for each    | one inverse for the list (Montgomery) |
 * | {@link addConstant}(a, k)  | x + k            | a·(1 + k·n) mod n²                 |
 * | {@link multiplyByConstant} | k·x              | a^k mod n² (OpenSSL)               |
 * | {@link rerandomize}(a)     | x                | a·r^n mod n² (fresh r)             |
 * | {@link sum}(list)          | Σ x_i            | Π a_i mod n²                       |
 *
 * Plaintexts live modulo n: results are reduced, and only {@link decrypt} notices a result that left the signed
 * range (the overflow band). Constants are accepted in (−n, n), so that protocols can use full-size masks and
 * blinding factors; a constant outside is an error, not a silent reduction.
 *
 * Results of add, subtract, negate and the constant operations are deterministic functions of their inputs (the
 * randomness is inherited, and a multiplication by 0 gives the public value 1): {@link rerandomize} anything
 * before it leaves your hands.
 *
 * @module
 */

import { mod, modInverse } from "./arith";
import { Ciphertext, trustedCiphertext } from "./ciphertext";
import { RandomizerSource, checkCiphertext, publicContext, takeRandomizer } from "./engine";
import { PaillierError, assertBigInt, describeBigInt, describeValue } from "./errors";
import { PaillierPrivateKey, PaillierPublicKey } from "./keys";

function keyOf(c: unknown, what: string): PaillierPublicKey {
  if (!(c instanceof Ciphertext)) {
    throw new PaillierError("INVALID_ARGUMENT", `${what}: expected a Ciphertext, got ${describeValue(c)}`);
  }
  return c.publicKey;
}

function checkConstant(publicKey: PaillierPublicKey, k: unknown, what: string): asserts k is bigint {
  assertBigInt(k, what);
  if (k >= publicKey.n || k <= -publicKey.n) {
    throw new PaillierError("PLAINTEXT_RANGE", `${what}: expected −n < k < n, got k = ${describeBigInt(k)}`);
  }
}

/** c⁻¹ mod n²: an inverse modulo n by extended Euclid, lifted to n² by one Newton step (Hensel). */
function inverse(c: Ciphertext): bigint {
  const { n, nSquared } = c.publicKey;
  const x = modInverse(c.value % n, n);
  return mod(x * (2n - ((c.value * x) % nSquared)), nSquared);
}

/**
 * Homomorphic addition: E(x) ⊕ E(y) = E(x + y).
 *
 * @param a - E(x)
 * @param b - E(y), under the same key
 * @returns E(x + y)
 * @throws {PaillierError} `KEY_MISMATCH` when the keys differ; `INVALID_ARGUMENT` when an operand is not a Ciphertext
 * @example
 * const total = add(encrypt(publicKey, 40n), encrypt(publicKey, 2n)); // E(42)
 */
export function add(a: Ciphertext, b: Ciphertext): Ciphertext {
  const publicKey = keyOf(a, "add: a");
  checkCiphertext(publicKey, b, "add: b");
  return trustedCiphertext(publicKey, (a.value * b.value) % publicKey.nSquared);
}

/**
 * Homomorphic sum of one or more ciphertexts.
 *
 * @param ciphertexts - E(x_1), …, E(x_k), all under the same key, k ≥ 1
 * @returns E(x_1 + … + x_k)
 * @throws {PaillierError} `INVALID_ARGUMENT` for an empty list; `KEY_MISMATCH` when the keys differ
 */
export function sum(ciphertexts: readonly Ciphertext[]): Ciphertext {
  if (!Array.isArray(ciphertexts as unknown) || ciphertexts.length === 0) {
    throw new PaillierError(
      "INVALID_ARGUMENT",
      `sum: expected a non-empty array of ciphertexts, got ${describeValue(ciphertexts)}`,
    );
  }
  const publicKey = keyOf(ciphertexts[0], "sum: ciphertexts[0]");
  let acc = ciphertexts[0].value;
  for (let i = 1; i < ciphertexts.length; i++) {
    checkCiphertext(publicKey, ciphertexts[i], `sum: ciphertexts[${i}]`);
    acc = (acc * ciphertexts[i].value) % publicKey.nSquared;
  }
  return trustedCiphertext(publicKey, acc);
}

/**
 * Homomorphic negation: E(x) → E(−x).
 *
 * @param a - E(x)
 * @returns E(−x)
 * @throws {PaillierError} `INVALID_ARGUMENT` when `a` is not a Ciphertext
 */
export function negate(a: Ciphertext): Ciphertext {
  const publicKey = keyOf(a, "negate: a");
  return trustedCiphertext(publicKey, inverse(a));
}

/**
 * Homomorphic negation of many ciphertexts at once: E(x_i) → E(−x_i). A negation is a modular inverse, as costly
 * as an exponentiation in JS BigInt; Montgomery's trick replaces m inverses by one inverse and 3(m − 1)
 * multiplications.
 *
 * @param ciphertexts - E(x_1) … E(x_m), all under one key (none: an empty result)
 * @returns E(−x_1) … E(−x_m), in order
 * @throws {PaillierError} `KEY_MISMATCH` when the keys differ; `INVALID_ARGUMENT` when an element is not a Ciphertext
 * @example
 * const [minusX, minusY] = negateAll([encrypt(pk, x), encrypt(pk, y)]);
 */
export function negateAll(ciphertexts: readonly Ciphertext[]): Ciphertext[] {
  if (ciphertexts.length === 0) return [];
  const publicKey = keyOf(ciphertexts[0], "negateAll: ciphertext 1");
  const { n, nSquared } = publicKey;
  // prefix[i] = c_0 · … · c_i mod n²
  const prefix: bigint[] = [];
  let acc = 1n;
  ciphertexts.forEach((c, i) => {
    checkCiphertext(publicKey, c, `negateAll: ciphertext ${i + 1}`);
    acc = (acc * c.value) % nSquared;
    prefix.push(acc);
  });
  // The inverse of the whole product: modulo n by extended Euclid, lifted to n² by one Newton step.
  const x = modInverse(acc % n, n);
  let inverseOfAll = mod(x * (2n - ((acc * x) % nSquared)), nSquared);
  const result = new Array<Ciphertext>(ciphertexts.length);
  for (let i = ciphertexts.length - 1; i >= 0; i--) {
    const before = i === 0 ? 1n : prefix[i - 1];
    result[i] = trustedCiphertext(publicKey, (inverseOfAll * before) % nSquared);
    inverseOfAll = (inverseOfAll * ciphertexts[i].value) % nSquared;
  }
  return result;
}

/**
 * Homomorphic subtraction: E(x) ⊖ E(y) = E(x − y).
 *
 * @param a - E(x)
 * @param b - E(y), under the same key
 * @returns E(x − y)
 * @throws {PaillierError} `KEY_MISMATCH` when the keys differ; `INVALID_ARGUMENT` when an operand is not a Ciphertext
 */
export function subtract(a: Ciphertext, b: Ciphertext): Ciphertext {
  const publicKey = keyOf(a, "subtract: a");
  checkCiphertext(publicKey, b, "subtract: b");
  return trustedCiphertext(publicKey, (a.value * inverse(b)) % publicKey.nSquared);
}

/**
 * Adds a plaintext constant: E(x) → E(x + k).
 *
 * @param a - E(x)
 * @param k - the constant, −n < k < n
 * @returns E(x + k)
 * @throws {PaillierError} `PLAINTEXT_RANGE` when |k| ≥ n; `INVALID_ARGUMENT` for arguments of the wrong type
 */
export function addConstant(a: Ciphertext, k: bigint): Ciphertext {
  const publicKey = keyOf(a, "addConstant: a");
  checkConstant(publicKey, k, "addConstant: k");
  const { n, nSquared } = publicKey;
  return trustedCiphertext(publicKey, (a.value * (1n + mod(k, n) * n)) % nSquared);
}

/**
 * Multiplies by a plaintext constant: E(x) → E(k·x).
 *
 * A negative k costs a modular inverse more. A product of two values from the signed range is always caught by
 * the overflow band if it leaves the range; blinding by a full-size random k is meant to wrap (decide it with
 * {@link isZero}).
 *
 * @param a - E(x)
 * @param k - the constant, −n < k < n
 * @returns E(k·x)
 * @throws {PaillierError} `PLAINTEXT_RANGE` when |k| ≥ n; `INVALID_ARGUMENT` for arguments of the wrong type
 * @example
 * const blinded = rerandomize(multiplyByConstant(diff, randomUnit(publicKey.n)), { pool });
 */
export function multiplyByConstant(a: Ciphertext, k: bigint): Ciphertext {
  const publicKey = keyOf(a, "multiplyByConstant: a");
  checkConstant(publicKey, k, "multiplyByConstant: k");
  const power = publicContext(publicKey).scalarPower;
  const value = k >= 0n ? power.pow(a.value, k) : power.pow(inverse(a), -k);
  return trustedCiphertext(publicKey, value);
}

/** Options for {@link rerandomize}. */
export interface RerandomizeOptions {
  /** Take the randomizer from this source instead of computing it now. */
  readonly pool?: RandomizerSource;
  /** The private key, if at hand: the randomizer is then computed by the CRT, four times cheaper. */
  readonly privateKey?: PaillierPrivateKey;
}

/**
 * Re-randomises: the same plaintext under fresh randomness, unlinkable to the input.
 *
 * @param a - E(x)
 * @param options - a pool or the private key, to make it cheaper
 * @returns a fresh E(x)
 * @throws {PaillierError} `KEY_MISMATCH` when the pool or private key is for another key
 */
export function rerandomize(a: Ciphertext, options?: RerandomizeOptions): Ciphertext {
  const publicKey = keyOf(a, "rerandomize: a");
  const privateKey = options?.privateKey;
  if (privateKey !== undefined) {
    if (!(privateKey instanceof PaillierPrivateKey)) {
      throw new PaillierError(
        "INVALID_ARGUMENT",
        `rerandomize: expected options.privateKey to be a PaillierPrivateKey, got ${describeValue(privateKey)}`,
      );
    }
    if (!privateKey.publicKey.equals(publicKey)) {
      throw new PaillierError(
        "KEY_MISMATCH",
        `rerandomize: expected the private key of ${publicKey.fingerprint}, got that of ${privateKey.publicKey.fingerprint}`,
      );
    }
  }
  const rn = takeRandomizer(privateKey ?? publicKey, options?.pool);
  return trustedCiphertext(publicKey, (a.value * rn) % publicKey.nSquared);
}
