/**
 * A secret of the bureau kept at rest in a file of its own beside the database, made on the service's first start:
 * sealed under the sealing key (AES-256-GCM, bound to its purpose), readable by the service's user only, never
 * overwritten. The comparison key (`./comparisonKey`) and the ring-Pedersen parameters (`./ringPedersen`) are such
 * secrets.
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { open, seal, type SealingKey } from "./sealing";

/** Where progress is told (a line at a time); default nowhere. */
export type Log = (line: string) => void;

/** How a secret is made, written and read back. */
export interface SealedSecret<T> {
  /** What the sealed blob is bound to (`aadOf(...)`): a blob sealed for anything else does not open as this. */
  readonly purpose: Uint8Array;
  /** What the log says while a fresh one is made (the first start). */
  readonly making: string;
  /** Makes a fresh secret (the first start). */
  create(): Promise<T>;
  /** Its JSON text. */
  write(secret: T): string;
  /** The secret from its JSON text, checked. */
  read(json: string): T;
}

/**
 * Opens the secret sealed at `path`, or makes one (telling `log` so) and seals it there when the file is missing.
 * @throws SealingError when the file was sealed under another sealing key or purpose, or was tampered with; what
 *   `kind.read` throws for contents that are not a valid secret
 */
export async function loadOrCreateSealed<T>(
  path: string,
  sealingKey: SealingKey,
  kind: SealedSecret<T>,
  log: Log = () => undefined,
): Promise<T> {
  if (existsSync(path)) return kind.read(new TextDecoder().decode(open(sealingKey, readFileSync(path), kind.purpose)));
  log(kind.making);
  const secret = await kind.create();
  saveSealed(path, sealingKey, kind, secret);
  return secret;
}

/**
 * Seals a secret into a new file at `path` (never over an existing one: checks under way would be lost with it).
 * @throws Error `EEXIST` when the file exists
 */
export function saveSealed<T>(path: string, sealingKey: SealingKey, kind: SealedSecret<T>, secret: T): void {
  const plaintext = new TextEncoder().encode(kind.write(secret));
  writeFileSync(path, seal(sealingKey, plaintext, kind.purpose), { mode: 0o600, flag: "wx" });
  plaintext.fill(0);
}
