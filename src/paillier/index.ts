/**
 * BlindCredit's Paillier engine: keys with g = n + 1, validated ciphertexts, a signed encoding with an overflow
 * band, homomorphic operations, a randomness pool, and modular exponentiation through Node's
 * own OpenSSL. See README.md in this folder for the formats, ranges and the timing caveat.
 *
 * @example
 * import { generateKeyPair, encrypt, add, multiplyByConstant, decrypt } from "./paillier";
 * const { publicKey, privateKey } = await generateKeyPair();           // 3072 bits
 * const c = add(encrypt(publicKey, 600n), multiplyByConstant(encrypt(publicKey, 25n), 2n));
 * decrypt(privateKey, c);                                               // 650n
 *
 * @module
 */

export { PaillierError } from "./errors";
export type { PaillierErrorCode } from "./errors";

export {
  DEFAULT_MODULUS_BITS,
  MIN_MODULUS_BITS,
  SMALL_FACTOR_BOUND,
  SUPPORTED_MODULUS_BITS,
  PaillierPrivateKey,
  PaillierPublicKey,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  isBlumKey,
} from "./keys";
export type {
  KeyGenerationOptions,
  KeyGenerationProgress,
  KeyImportOptions,
  PaillierKeyPair,
  PaillierPrivateKeyJson,
  PaillierPublicKeyJson,
} from "./keys";

export { Ciphertext, ciphertextByteLength, validateCiphertext } from "./ciphertext";

export { decodeSigned, encodeSigned, plaintextRange } from "./encoding";
export type { PlaintextRange } from "./encoding";

export { decrypt, decryptRaw, encrypt, encryptWithRandomness, generateRandomizer, isZero } from "./engine";
export type { EncryptOptions, RandomizerSource } from "./engine";

export { add, addConstant, multiplyByConstant, negate, negateAll, rerandomize, subtract, sum } from "./operations";
export type { RerandomizeOptions } from "./operations";

export { RandomnessPool } from "./pool";

export { BlindingWorkers, blindInline } from "./blinding";
export type { Blind } from "./blinding";
export type { PoolMode, RandomnessPoolOptions, RandomnessPoolStats } from "./pool";

export { ModularExponentiator, modPow, modPowBigInt, modPowCounters } from "./modpow";
export type { ModPowCounters, ModPowRoute } from "./modpow";

export { randomBelow, randomBits, randomUnit } from "./random";
