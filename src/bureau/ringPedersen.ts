/**
 * The bureau's ring-Pedersen parameters at rest: made on the service's first start (two 1536-bit safe primes from
 * OpenSSL: seconds to minutes), sealed under the sealing key beside the database like the comparison key. Banks
 * prove under them that their keys have no small factor (Π^fac); the API publishes the public part with its Π^prm
 * (`GET /v1/parameters`). The primes and λ never leave this file and the process.
 * @module
 */
import { exportRingPedersen, generateRingPedersen, importRingPedersen, type RingPedersenSecret } from "../proofs";
import { loadOrCreateSealed, saveSealed, type Log, type SealedSecret } from "./sealedFile";
import { aadOf, type SealingKey } from "./sealing";

/** How the parameters are sealed: bound to their purpose, as JSON with the secrets. */
const SEALED: SealedSecret<RingPedersenSecret> = {
  purpose: aadOf("blindcredit.ring-pedersen.v1"),
  making: "making the bureau's ring-Pedersen parameters (first start: two safe primes, up to minutes)",
  create: () => generateRingPedersen(),
  write: (secret) => JSON.stringify(exportRingPedersen(secret)),
  read: (json) => importRingPedersen(json),
};

/** Where the ring-Pedersen parameters of the database at `databasePath` live. */
export function ringPedersenPath(databasePath: string): string {
  return `${databasePath}.ring-pedersen`;
}

/**
 * Opens the bureau's ring-Pedersen parameters from `path`, or makes them (3072-bit N̂) and seals them there.
 * @throws SealingError when the file was sealed under another sealing key or was tampered with; ProofError when
 *   what it holds are not valid parameters
 */
export function loadOrCreateRingPedersen(path: string, sealingKey: SealingKey, log?: Log): Promise<RingPedersenSecret> {
  return loadOrCreateSealed(path, sealingKey, SEALED, log);
}

/**
 * Seals given parameters at `path`, a new file, for a bureau to open (parameters made elsewhere, or test fixtures).
 * @throws Error `EEXIST` when the file exists
 */
export function saveRingPedersen(path: string, sealingKey: SealingKey, secret: RingPedersenSecret): void {
  saveSealed(path, sealingKey, SEALED, secret);
}
