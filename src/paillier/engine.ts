/**
 * Encryption and decryption: the typed API over {@link ./scheme}.
 *
 * - {@link encrypt} with a public key: r^n mod n² by one OpenSSL exponentiation, unless a randomness pool supplies
 *   a precomputed one (then an encryption is one multiplication modulo n²).
 * - {@link encrypt} with a private key: the randomizer by the CRT, about four times cheaper.
 * - {@link decrypt}: Paillier's CRT decryption, then the signed decoding with its overflow band.
 *
 * Per-key precomputation (n², h_p, h_q, inverses, the exponentiators) is cached against the key objects.
 *
 * @module
 */

import { gcd } from "./arith";
import { Ciphertext, trustedCiphertext } from "./ciphertext";
import { decodeSigned, encodeSigned } from "./encoding";
import { PaillierError, assertBigInt, describeValue } from "./errors";
import { PaillierPrivateKey, PaillierPublicKey } from "./keys";
import {
  PrivateContext,
  PublicContext,
  createPrivateContext,
  createPublicContext,
  crtRandomizer,
  decryptResidue,
  encryptResidue,
  isZeroResidue,
  publicRandomizer,
} from "./scheme";

/**
 * A supplier of precomputed randomizers r^n mod n², such as a {@link RandomnessPool}.
 *
 * Each value returned must be fresh (never handed out twice) and distributed as r^n mod n² for r uniform in Z_n*.
 */
export interface RandomizerSource {
  /** The key the randomizers are for. */
  readonly publicKey: PaillierPublicKey;
  /** @returns a fresh randomizer, removed from the source */
  takeRandomizer(): bigint;
}

/** Options for {@link encrypt}. */
export interface EncryptOptions {
  /** Take the randomizer from this source (e.g. a filled {@link RandomnessPool}) instead of computing it now. */
  readonly pool?: RandomizerSource;
}

const publicContexts = new WeakMap<PaillierPublicKey, PublicContext>();
const privateContexts = new WeakMap<PaillierPrivateKey, PrivateContext>();

/**
 * The cached public precomputation of a key. Internal.
 *
 * @param publicKey - the key
 * @returns its context
 */
export function publicContext(publicKey: PaillierPublicKey): PublicContext {
  let ctx = publicContexts.get(publicKey);
  if (ctx === undefined) {
    ctx = createPublicContext(publicKey.n);
    publicContexts.set(publicKey, ctx);
  }
  return ctx;
}

/**
 * The cached private precomputation of a key. Internal.
 *
 * @param privateKey - the key
 * @returns its context
 */
export function privateContext(privateKey: PaillierPrivateKey): PrivateContext {
  let ctx = privateContexts.get(privateKey);
  if (ctx === undefined) {
    ctx = createPrivateContext(publicContext(privateKey.publicKey), privateKey.p, privateKey.q);
    privateContexts.set(privateKey, ctx);
  }
  return ctx;
}

function publicKeyOf(key: unknown, what: string): PaillierPublicKey {
  if (key instanceof PaillierPublicKey) return key;
  if (key instanceof PaillierPrivateKey) return key.publicKey;
  throw new PaillierError("INVALID_ARGUMENT", `${what}: expected a Paillier key, got ${describeValue(key)}`);
}

function checkPrivateKey(key: unknown, what: string): asserts key is PaillierPrivateKey {
  if (!(key instanceof PaillierPrivateKey)) {
    throw new PaillierError("INVALID_ARGUMENT", `${what}: expected a PaillierPrivateKey, got ${describeValue(key)}`);
  }
}

/**
 * Checks that a ciphertext is one, under the given key. Internal.
 *
 * @param publicKey - the key expected
 * @param c - the argument
 * @param what - its name in messages
 * @throws {PaillierError} `INVALID_ARGUMENT` when `c` is not a Ciphertext; `KEY_MISMATCH` when it is under another key
 */
export function checkCiphertext(publicKey: PaillierPublicKey, c: unknown, what: string): asserts c is Ciphertext {
  if (!(c instanceof Ciphertext)) {
    throw new PaillierError("INVALID_ARGUMENT", `${what}: expected a Ciphertext, got ${describeValue(c)}`);
  }
  if (!c.publicKey.equals(publicKey)) {
    throw new PaillierError(
      "KEY_MISMATCH",
      `${what}: expected a ciphertext under key ${publicKey.fingerprint}, got one under ${c.publicKey.fingerprint}`,
    );
  }
}

/**
 * A fresh randomizer r^n mod n², by the CRT when the private key is given. This is what a pool precomputes.
 *
 * @param key - a public key, or a private key for the faster CRT computation
 * @returns a value distributed as r^n mod n² for r uniform in Z_n*
 * @throws {PaillierError} `INVALID_ARGUMENT` when `key` is not a key
 */
export function generateRandomizer(key: PaillierPublicKey | PaillierPrivateKey): bigint {
  if (key instanceof PaillierPrivateKey) return crtRandomizer(privateContext(key));
  return publicRandomizer(publicContext(publicKeyOf(key, "generateRandomizer")));
}

/**
 * A randomizer for `publicKey` from the options, else computed now. Internal.
 *
 * @param key - the key encrypting (private: CRT)
 * @param pool - an optional source
 * @returns a randomizer
 * @throws {PaillierError} `INVALID_ARGUMENT` for a malformed source; `KEY_MISMATCH` for a source of another key
 */
export function takeRandomizer(
  key: PaillierPublicKey | PaillierPrivateKey,
  pool: RandomizerSource | undefined,
): bigint {
  const publicKey = publicKeyOf(key, "key");
  if (pool === undefined) return generateRandomizer(key);
  if (typeof pool !== "object" || pool === null || typeof pool.takeRandomizer !== "function") {
    throw new PaillierError("INVALID_ARGUMENT", `options.pool: expected a RandomnessPool, got ${describeValue(pool)}`);
  }
  if (!(pool.publicKey instanceof PaillierPublicKey) || !pool.publicKey.equals(publicKey)) {
    throw new PaillierError(
      "KEY_MISMATCH",
      `options.pool: expected a pool for key ${publicKey.fingerprint}, got one for another key`,
    );
  }
  return pool.takeRandomizer();
}

/**
 * Encrypts a signed integer.
 *
 * @param key - the public key; or the private key, which makes the randomizer four times cheaper (CRT)
 * @param plaintext - an integer in the signed range of the key (see {@link plaintextRange})
 * @param options - optionally, a pool of precomputed randomizers
 * @returns a fresh ciphertext
 * @throws {PaillierError} `PLAINTEXT_RANGE` when the plaintext is out of range; `KEY_MISMATCH` when the pool is for
 *   another key; `INVALID_ARGUMENT` for arguments of the wrong type
 * @example
 * const c = encrypt(publicKey, 650n);
 * const fast = encrypt(publicKey, 650n, { pool }); // online: one multiplication
 */
export function encrypt(
  key: PaillierPublicKey | PaillierPrivateKey,
  plaintext: bigint,
  options?: EncryptOptions,
): Ciphertext {
  const publicKey = publicKeyOf(key, "encrypt: key");
  const m = encodeSigned(publicKey, plaintext);
  const rn = takeRandomizer(key, options?.pool);
  return trustedCiphertext(publicKey, encryptResidue(publicContext(publicKey), m, rn));
}

/**
 * Encrypts with caller-chosen randomness r: deterministic, for known-answer tests and for protocols that must open
 * a ciphertext later. Never reuse an r: two ciphertexts with the same r reveal the difference of their plaintexts.
 *
 * @param publicKey - the key
 * @param plaintext - an integer in the signed range of the key
 * @param r - the randomness, in Z_n* (0 < r < n, gcd(r, n) = 1)
 * @returns (1 + m·n) · r^n mod n²
 * @throws {PaillierError} `PLAINTEXT_RANGE` for an out-of-range plaintext; `INVALID_ARGUMENT` when r is not in Z_n*
 */
export function encryptWithRandomness(publicKey: PaillierPublicKey, plaintext: bigint, r: bigint): Ciphertext {
  const pk = publicKeyOf(publicKey, "encryptWithRandomness: publicKey");
  const m = encodeSigned(pk, plaintext);
  assertBigInt(r, "encryptWithRandomness: r");
  if (r <= 0n || r >= pk.n || gcd(r, pk.n) !== 1n) {
    throw new PaillierError("INVALID_ARGUMENT", "encryptWithRandomness: expected r in Z_n* (0 < r < n, gcd(r, n) = 1)");
  }
  const ctx = publicContext(pk);
  return trustedCiphertext(pk, encryptResidue(ctx, m, ctx.randomizerPower.pow(r, pk.n)));
}

/**
 * Decrypts to the plaintext residue in [0, n), without the signed decoding. For protocols that work modulo n
 * (masked values); most callers want {@link decrypt}.
 *
 * @param privateKey - the key
 * @param ciphertext - a ciphertext under its public key
 * @returns the residue
 * @throws {PaillierError} `KEY_MISMATCH` when the ciphertext is under another key
 */
export function decryptRaw(privateKey: PaillierPrivateKey, ciphertext: Ciphertext): bigint {
  checkPrivateKey(privateKey, "decrypt: privateKey");
  checkCiphertext(privateKey.publicKey, ciphertext, "decrypt: ciphertext");
  return decryptResidue(privateContext(privateKey), ciphertext.value);
}

/**
 * Decrypts to a signed integer, refusing results in the overflow band.
 *
 * @param privateKey - the key
 * @param ciphertext - a ciphertext under its public key
 * @returns the plaintext, in the signed range
 * @throws {PaillierError} `PLAINTEXT_OVERFLOW` when the result left the signed range (an operation overflowed);
 *   `KEY_MISMATCH` when the ciphertext is under another key
 * @example
 * decrypt(privateKey, add(encrypt(publicKey, 2n), encrypt(publicKey, 3n))); // 5n
 */
export function decrypt(privateKey: PaillierPrivateKey, ciphertext: Ciphertext): bigint {
  return decodeSigned(privateKey.publicKey, decryptRaw(privateKey, ciphertext));
}

/**
 * Whether a ciphertext decrypts to zero: the decision step of equality tests and one-bit conjunctions, where
 * non-zero results are blinded by a random factor and must not be decoded. It tests the plaintext modulo p only,
 * at half the cost of a decryption: a non-zero plaintext that passes would be a multiple of p, which only someone
 * who has factored n can make.
 *
 * @param privateKey - the key
 * @param ciphertext - a ciphertext under its public key
 * @returns true when the plaintext is 0
 * @throws {PaillierError} `KEY_MISMATCH` when the ciphertext is under another key
 */
export function isZero(privateKey: PaillierPrivateKey, ciphertext: Ciphertext): boolean {
  checkPrivateKey(privateKey, "isZero: privateKey");
  checkCiphertext(privateKey.publicKey, ciphertext, "isZero: ciphertext");
  return isZeroResidue(privateContext(privateKey), ciphertext.value);
}
