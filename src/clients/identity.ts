/**
 * A credit subject's identity commitment (`OwnershipJudgment.commitIdentity`): keccak256(abi.encode(salt, identity))
 * with a 32-byte random salt, so that the chain holds nothing from which the identity can be guessed; the salt, kept
 * by the subject, opens it.
 * @module
 */
import { AbiCoder, hexlify, keccak256, randomBytes, toUtf8Bytes } from "ethers";

/** A commitment to an identity, with the salt that opens it. */
export interface IdentityCommitment {
  /** 0x and 64 hex digits: keep it, it proves the commitment is the subject's. */
  readonly salt: string;
  /** keccak256(abi.encode(bytes32 salt, bytes identity)), what goes on-chain. */
  readonly commitment: string;
}

/**
 * Commits to `identity` (its UTF-8 bytes) under a salt.
 * @param identity the subject's identity string, e.g. a national id and name; not empty
 * @param salt 0x and 64 hex digits; default 32 fresh random bytes (give one only to re-compute a commitment)
 * @throws Error for an empty identity or a malformed salt
 * @example
 * const { salt, commitment } = identityCommitment("ID 123-45-6789, Alice Example");
 * await (await ownership.commitIdentity(commitment)).wait(); // and keep `salt`
 */
export function identityCommitment(identity: string, salt: string = hexlify(randomBytes(32))): IdentityCommitment {
  if (typeof identity !== "string" || identity.trim() === "") {
    throw new Error(`identity: expected a non-empty string, got ${JSON.stringify(identity)}`);
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(salt)) throw new Error(`identity salt: expected 0x and 64 hex digits, got ${salt}`);
  const commitment = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes"], [salt, toUtf8Bytes(identity)]));
  return { salt, commitment };
}
