/**
 * The proofs' sizes, apart from the proofs' code so that what depends on them alone (the message limits, read in the
 * browser too, and the scorecard's widths) imports no Node module.
 * @module
 */
/** The bit length of the Fiat–Shamir challenges e_i and of the branch challenges e_i,0, e_i,1. */
export const BIT_CHALLENGE_BITS = 128;

/** ε: the slack of Π^enc's masks α, γ over the secrets they hide, in bits (an accepted proof shows |k| < 2^(ℓ + ε)). */
export const ENCRYPTION_RANGE_SLACK_BITS = 256;
