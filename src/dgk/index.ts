/**
 * BlindCredit's DGK engine (Damgård, Geisler, Krøigaard 2007, with the 2009 randomness correction; parameters after
 * Veugen 2012): the bureau's key for the bitwise comparison protocol. Plaintexts are in Z_u for a small public prime
 * u; ciphertexts are plain bigints in Z_n*. The bureau encrypts bits; the bank adds, adds constants, multiplies by
 * constants and re-randomises; the bureau runs the zero test. See README.md in this folder.
 *
 * @example
 * import { generateDgkKeyPair, encrypt, addConstant, multiplyByConstant, rerandomize, isZero } from "./dgk";
 * const { publicKey, privateKey } = await generateDgkKeyPair();       // 3072 bits, t = 256, 16-bit u
 * const c = encrypt(privateKey, 1n);                                  // the bureau's bit
 * const d = rerandomize(publicKey, multiplyByConstant(publicKey, addConstant(publicKey, c, -1n), 7n));
 * isZero(privateKey, d);                                              // true: 7·(1 − 1) = 0
 *
 * @module
 */

export { DgkError } from "./errors";
export type { DgkErrorCode } from "./errors";

export {
  DGK_DEFAULT_MODULUS_BITS,
  DGK_DEFAULT_T,
  DGK_DEFAULT_U_BITS,
  DGK_MAX_RANDOM_BITS,
  DGK_MAX_T,
  DGK_MAX_U_BITS,
  DGK_MIN_MODULUS_BITS,
  DGK_MIN_RANDOM_BITS,
  DGK_MIN_T,
  DGK_MIN_U_BITS,
  DGK_SMALL_FACTOR_BOUND,
  DGK_SUPPORTED_MODULUS_BITS,
  DgkPrivateKey,
  DgkPublicKey,
  exportDgkPrivateKey,
  exportDgkPublicKey,
  generateDgkKeyPair,
  importDgkPrivateKey,
  importDgkPublicKey,
  randomBitsFor,
} from "./keys";
export type {
  DgkKeyGenerationOptions,
  DgkKeyImportOptions,
  DgkKeyPair,
  DgkPrivateKeyJson,
  DgkPublicKeyJson,
} from "./keys";

export type { DgkKey } from "./context";

export { ciphertextByteLength, parseCiphertext, toHex, validateCiphertext } from "./ciphertext";

export { decrypt, encrypt, encryptWithRandomness, isKeyCiphertext, isZero, randomizer, zeroTest } from "./engine";

export { add, addConstant, multiplyByConstant, negateAll, rerandomize } from "./operations";

export { DGK_INLINE_RANDOMIZERS, DGK_MAX_RANDOMIZERS, DgkRandomizerWorkers } from "./randomizerWorkers";

export { DgkRandomizerPool } from "./randomizerPool";
export type { DgkRandomizerPoolOptions } from "./randomizerPool";
