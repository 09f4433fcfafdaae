/**
 * The bureau's registered DGK comparison key at rest: generated on the service's first start, sealed under the
 * sealing key (AES-256-GCM, bound to its purpose), in a file beside the database readable by the service's user only.
 * The public part goes on-chain (`registerComparisonKey`), which the contract wants before it opens decision-mode
 * checks; no check uses it: each has a fresh key of its own (`./comparisonKeys`).
 * @module
 */
import { exportDgkPrivateKey, generateDgkKeyPair, importDgkPrivateKey, type DgkPrivateKey } from "../dgk";
import { loadOrCreateSealed, type Log, type SealedSecret } from "./sealedFile";
import { aadOf, type SealingKey } from "./sealing";

/** How the key is sealed: bound to its purpose (a blob sealed for anything else does not open as a comparison key). */
const SEALED: SealedSecret<DgkPrivateKey> = {
  purpose: aadOf("blindcredit.comparison-key.v1"),
  making: "generating the bureau's DGK comparison key (first start)",
  create: async () => (await generateDgkKeyPair()).privateKey,
  write: (key) => JSON.stringify(exportDgkPrivateKey(key)),
  read: (json) => importDgkPrivateKey(json),
};

/** Where the comparison key of the database at `databasePath` lives. */
export function comparisonKeyPath(databasePath: string): string {
  return `${databasePath}.comparison-key`;
}

/**
 * Opens the bureau's comparison key from `path`, or generates one and seals it there when the file is missing.
 * @throws SealingError when the file was sealed under another sealing key or was tampered with; DgkError when what
 *   it holds is not a valid DGK private key
 */
export function loadOrCreateComparisonKey(path: string, sealingKey: SealingKey, log?: Log): Promise<DgkPrivateKey> {
  return loadOrCreateSealed(path, sealingKey, SEALED, log);
}
