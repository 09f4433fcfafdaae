/**
 * Zero-knowledge proofs about a bank's Paillier key and ciphertexts, non-interactive (Fiat–Shamir with SHA-256) and
 * bound to a caller-supplied context:
 *
 * - Π^mod ({@link proveModulus}, {@link verifyModulus}): the key's modulus is a Paillier–Blum modulus, n = p·q with
 *   p ≡ q ≡ 3 (mod 4) and gcd(n, φ(n)) = 1 (Canetti, Gennaro, Goldfeder, Makriyannis, Peled, CCS 2020).
 * - Π^fac ({@link proveFactors}, {@link verifyFactors}): the modulus has no small factor (both primes ≥ √n / 2^385),
 *   under the verifier's ring-Pedersen parameters, whose own proof Π^prm ({@link proveRingPedersen},
 *   {@link verifyRingPedersen}) shows the prover they hide its factors (same paper).
 * - Π^enc ({@link proveEncryptionRange}, {@link verifyEncryptionRange}): each of k ciphertexts under the prover's key
 *   encrypts an integer k with |k| < 2^ℓ (the verifier learns |k| ≤ 2^(ℓ+257)), under the verifier's ring-Pedersen
 *   parameters (same paper, §6.1).
 * - Bit proofs ({@link proveBits}, {@link verifyBits}): each of k ciphertexts encrypts 0 or 1 (a Cramer–Damgård–
 *   Schoenmakers OR of two n-th residuosity proofs), verified in one batch (Bellare–Garay–Rabin small exponents).
 *   For random bits, {@link precomputeShare} (or a {@link SharePool}) does the work ahead of time and
 *   {@link proveBitsPrecomputed} finishes the proof once the context is known.
 *
 * See README.md in this folder for the statements, the JSON formats, the hash inputs, the soundness figures and
 * what they rest on, and measured costs.
 *
 * @example
 * import { proveBits, verifyBits, encodeBitProof, decodeBitProof } from "./proofs";
 * const proof = proveBits(privateKey, shares, bits, context);                 // bank
 * const json = JSON.stringify(encodeBitProof(proof));
 * verifyBits(publicKey, shares, decodeBitProof(publicKey, JSON.parse(json)), context); // bureau; throws if invalid
 *
 * @module
 */

export { ProofError } from "./errors";
export type { ProofErrorCode } from "./errors";

export {
  MODULUS_PROOF_DOMAIN,
  MODULUS_PROOF_ITERATIONS,
  decodeModulusProof,
  encodeModulusProof,
  proveModulus,
  verifyModulus,
} from "./modulus";
export type { ModulusProof, ModulusProofItem, ModulusProofItemJson, ModulusProofJson } from "./modulus";

export {
  BATCH_EXPONENT_BITS,
  BIT_CHALLENGE_BITS,
  BIT_PROOF_DOMAIN,
  MAX_BIT_PROOF_ITEMS,
  PrecomputedShare,
  decodeBitProof,
  encodeBitProof,
  precomputeShare,
  proveBits,
  proveBitsPrecomputed,
  verifyBits,
  verifyBitsOneByOne,
} from "./bits";
export type { BitProof, BitProofItem, BitProofItemJson, BitProofJson } from "./bits";

export {
  RING_PEDERSEN_DEFAULT_BITS,
  RING_PEDERSEN_MAX_BITS,
  RING_PEDERSEN_MIN_BITS,
  RING_PEDERSEN_PROOF_DOMAIN,
  RING_PEDERSEN_PROOF_ITERATIONS,
  decodeRingPedersenParameters,
  decodeRingPedersenProof,
  encodeRingPedersenParameters,
  encodeRingPedersenProof,
  exportRingPedersen,
  generateRingPedersen,
  importRingPedersen,
  proveRingPedersen,
  ringPedersenFromPrimes,
  ringPedersenParameters,
  verifyRingPedersen,
} from "./ringPedersen";
export type {
  RingPedersenParameters,
  RingPedersenParametersJson,
  RingPedersenProof,
  RingPedersenProofItem,
  RingPedersenProofJson,
  RingPedersenSecret,
  RingPedersenSecretJson,
} from "./ringPedersen";

export {
  FACTOR_CHALLENGE_BITS,
  FACTOR_PROOF_DOMAIN,
  FACTOR_SLACK_BITS,
  decodeFactorProof,
  encodeFactorProof,
  proveFactors,
  verifyFactors,
} from "./factors";
export type { FactorProof, FactorProofData, FactorProofJson } from "./factors";

export {
  ENCRYPTION_RANGE_CHALLENGE_BITS,
  ENCRYPTION_RANGE_PROOF_DOMAIN,
  ENCRYPTION_RANGE_SLACK_BITS,
  MAX_ENCRYPTION_RANGE_ITEMS,
  decodeEncryptionRangeProof,
  encodeEncryptionRangeProof,
  encryptionRangeMaxBits,
  proveEncryptionRange,
  verifyEncryptionRange,
} from "./encryptionRange";
export type {
  EncryptionRangeProof,
  EncryptionRangeProofItem,
  EncryptionRangeProofItemJson,
  EncryptionRangeProofJson,
  EncryptionRangeStatement,
  EncryptionRangeWitness,
} from "./encryptionRange";

export { MAX_SHARE_POOL_CAPACITY, SharePool } from "./sharePool";
export { BitVerifierWorker } from "./verifierWorker";
export { MAX_SHARE_BATCH, ShareWorkers } from "./shareWorkers";
export type { SharePoolOptions } from "./sharePool";

export { MAX_CONTEXT_BYTES } from "./format";
