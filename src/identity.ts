/**
 * A credit subject's identity commitment (`OwnershipJudgment.commitIdentity`): keccak256(abi.encode(salt, identity)),
 * so that the chain holds a salted hash and never the identity. Browser-safe (ethers only): the CLI and the web
 * portal compute it with the same function.
 * @module
 */
import { AbiCoder, hexlify, isHexString, keccak256, randomBytes, toUtf8Bytes } from "ethers";

/**
 * A fresh 32-byte salt from the platform's CSPRNG (Node's crypto, or `crypto.getRandomValues` in a browser).
 * @returns the salt as 0x and 64 hex digits
 */
export function newIdentitySalt(): string {
  return hexlify(randomBytes(32));
}

/**
 * The commitment to `identity` under `salt`: keccak256(abi.encode(bytes32 salt, bytes identity)).
 * @param salt 0x and 64 hex digits
 * @param identity the identity string (UTF-8 encoded) or its bytes
 * @returns the commitment, 0x and 64 hex digits
 * @throws Error when the salt is not 32 bytes of hex or the identity is empty
 * @example identityCommitment(newIdentitySalt(), "ID 110101199003070000, Zhang San")
 */
export function identityCommitment(salt: string, identity: string | Uint8Array): string {
  if (!isHexString(salt, 32)) throw new Error(`expected a salt of 0x and 64 hex digits, got "${salt}"`);
  const bytes = typeof identity === "string" ? toUtf8Bytes(identity) : identity;
  if (bytes.length === 0 || (typeof identity === "string" && identity.trim() === "")) {
    throw new Error("expected a non-empty identity, got an empty one");
  }
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes"], [salt, bytes]));
}
