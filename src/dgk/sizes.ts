/**
 * The DGK key sizes, apart from the engine's code so that what depends on them alone (the message limits, read in
 * the browser too) imports no Node module.
 * @module
 */
/** The modulus sizes accepted, in bits. */
export const DGK_SUPPORTED_MODULUS_BITS: readonly number[] = Object.freeze([2048, 3072, 4096]);
/** Import refuses a modulus with a prime factor below this bound; key generation's sieve strikes out by the same primes. */
export const DGK_SMALL_FACTOR_BOUND = 1 << 16;
