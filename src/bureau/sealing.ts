/**
 * Encryption at rest for the bureau's store: AES-256-GCM from `node:crypto`, one fresh random IV per blob, every
 * blob bound to where it is stored by GCM's additional data.
 *
 * A sealed blob, format version 1:
 *
 * | offset     | bytes | content                                                                  |
 * |------------|-------|--------------------------------------------------------------------------|
 * | 0          | 1     | format version, `0x01`                                                   |
 * | 1          | 8     | the sealing key's id ({@link sealingKeyId}), so a wrong key says so      |
 * | 9          | 12    | IV, fresh from the CSPRNG for every blob                                 |
 * | 21         | n     | AES-256-GCM ciphertext of the n-byte plaintext                           |
 * | 21 + n     | 16    | GCM tag                                                                  |
 *
 * GCM's additional data is the 9-byte header (version ‖ key id) followed by the caller's `aad`, so the header is
 * authenticated too, and a blob opens only where it was sealed: the store passes {@link aadOf}`(table, row
 * identity…)` and a blob copied to another row or subject fails as `tampered`.
 *
 * Random 96-bit IVs are safe for up to 2^32 blobs under one key (NIST SP 800-38D, 8.3); a bureau writes far fewer.
 * The key never enters the database: it lives in a file readable by the service's user only (see
 * {@link loadSealingKey}).
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { inspect } from "node:util";
import { CodedError } from "../errors";

/** The format version written in the first byte of every blob. */
export const SEALED_VERSION = 0x01;
/** Bytes of a sealing key (AES-256). */
export const SEALING_KEY_BYTES = 32;
/** Bytes of a key id. */
export const KEY_ID_BYTES = 8;
/** Bytes of the GCM IV. */
export const IV_BYTES = 12;
/** Bytes of the GCM tag. */
export const TAG_BYTES = 16;
/** Bytes before the ciphertext: version, key id, IV. */
export const SEALED_HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES;
/** The shortest blob: an empty plaintext. */
export const MIN_SEALED_BYTES = SEALED_HEADER_BYTES + TAG_BYTES;

/** Domain tag hashed with the key to make its public id. */
const KEY_ID_TAG = "blindcredit.sealing-key-id.v1";

/**
 * Why sealing or opening was refused.
 *
 * - `wrong-key`: the blob (or the database) was sealed under another key: the header names its key id.
 * - `tampered`: authentication failed: a byte of the blob changed, the blob belongs to another row (its `aad`
 *   differs), or its format version is unknown. Stored data failing any integrity check is reported so too.
 * - `malformed`: not a sealed blob at all (not bytes, shorter than {@link MIN_SEALED_BYTES}).
 * - `invalid-key`: key material or a key file is unusable (wrong length, not hex, loose file permissions).
 */
export type SealingErrorCode = "wrong-key" | "tampered" | "malformed" | "invalid-key";

/** Thrown when data cannot be sealed or opened; branch on `code`, the message is for people. */
export class SealingError extends CodedError<SealingErrorCode> {}

const MATERIAL = new WeakMap<SealingKey, KeyObject>();
const CONSTRUCT = Symbol("SealingKey");

/**
 * A 256-bit AES key for sealing. Opaque: the material cannot be read back except by {@link saveSealingKey}, and the
 * key prints and serialises as its public id only, so it does not leak into logs or JSON.
 */
export class SealingKey {
  /** The key's public id ({@link sealingKeyId}). */
  readonly id: string;

  /** @internal Use {@link sealingKeyFrom}, {@link sealingKeyFromHex}, {@link loadSealingKey} or {@link generateSealingKey}. */
  constructor(token: symbol, bytes: Uint8Array) {
    if (token !== CONSTRUCT) throw new TypeError("SealingKey: use sealingKeyFrom() or loadSealingKey()");
    const material = Buffer.from(bytes);
    this.id = "0x" + keyIdOf(material).toString("hex");
    MATERIAL.set(this, createSecretKey(material));
    material.fill(0);
  }

  toString(): string {
    return `SealingKey(${this.id})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A sealing key from its 32 raw bytes (copied).
 * @throws {SealingError} `invalid-key` unless `bytes` is 32 bytes
 */
export function sealingKeyFrom(bytes: Uint8Array): SealingKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SEALING_KEY_BYTES) {
    throw new SealingError(
      "invalid-key",
      `sealing key: expected ${SEALING_KEY_BYTES} bytes, got ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes}`,
    );
  }
  return new SealingKey(CONSTRUCT, bytes);
}

/**
 * A sealing key from 64 hex digits, optionally 0x-prefixed. The message of a refusal never repeats the input.
 * @throws {SealingError} `invalid-key` on any other length or a non-hex character
 */
export function sealingKeyFromHex(hex: string, where = "sealing key"): SealingKey {
  if (typeof hex !== "string") throw new SealingError("invalid-key", `${where}: expected hex, got ${typeof hex}`);
  const digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (digits.length !== 2 * SEALING_KEY_BYTES) {
    throw new SealingError(
      "invalid-key",
      `${where}: expected ${2 * SEALING_KEY_BYTES} hex digits (optionally 0x-prefixed), got ${digits.length} characters`,
    );
  }
  const bad = digits.search(/[^0-9a-fA-F]/);
  if (bad >= 0) {
    throw new SealingError(
      "invalid-key",
      `${where}: expected hex digits only, got a non-hex character at position ${bad}`,
    );
  }
  return new SealingKey(CONSTRUCT, Buffer.from(digits, "hex"));
}

/** A new random sealing key from the platform CSPRNG. */
export function generateSealingKey(): SealingKey {
  return new SealingKey(CONSTRUCT, randomBytes(SEALING_KEY_BYTES));
}

/**
 * The key's public id: `0x` and the first 8 bytes of SHA-256(`"blindcredit.sealing-key-id.v1"` ‖ key), in hex.
 * Written in every blob and in the store's metadata so that a wrong key is reported as such; it reveals nothing
 * usable about the key.
 */
export function sealingKeyId(key: SealingKey): string {
  material(key);
  return key.id;
}

/**
 * Loads a key file: 64 hex digits, optionally 0x-prefixed, optionally followed by one newline.
 *
 * On POSIX systems the file must not be readable, writable or executable by group or others (mode `0600` or
 * stricter), as OpenSSH does for private keys: the key is worth the whole database. Container secret mounts
 * that cannot be made private (Docker and Kubernetes default to 0444/0644) may pass `allowLoosePermissions`.
 * @throws {SealingError} `invalid-key` when the file is missing, not a regular file, too permissive, or does not
 * hold exactly one key in hex (the message never repeats the file's contents)
 */
export function loadSealingKey(path: string, options: { allowLoosePermissions?: boolean } = {}): SealingKey {
  let stat;
  try {
    stat = statSync(path);
  } catch (e) {
    throw new SealingError("invalid-key", `sealing key file ${path}: cannot read it (${(e as Error).message})`, {
      cause: e,
    });
  }
  if (!stat.isFile()) throw new SealingError("invalid-key", `sealing key file ${path}: expected a regular file`);
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0 && !options.allowLoosePermissions) {
    throw new SealingError(
      "invalid-key",
      `sealing key file ${path}: expected permissions 0600 or stricter, got ${(stat.mode & 0o777).toString(8).padStart(4, "0")}` +
        ` (others could read the key; run chmod 600 ${path})`,
    );
  }
  // a key file is 67 bytes at most; refuse to read anything large into memory
  if (stat.size > 256) {
    throw new SealingError("invalid-key", `sealing key file ${path}: expected one key in hex, got ${stat.size} bytes`);
  }
  const text = readFileSync(path, "utf8").replace(/\r?\n$/, "");
  return sealingKeyFromHex(text, `sealing key file ${path}`);
}

/**
 * Writes `key` to a new file readable by its owner only (mode 0600), as 64 hex digits and a newline.
 * @throws Error when the file exists already (it is never overwritten: that would lose the old key)
 */
export function saveSealingKey(path: string, key: SealingKey): void {
  const bytes = material(key).export();
  try {
    writeFileSync(path, bytes.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  } finally {
    bytes.fill(0);
  }
}

/**
 * The additional data binding a blob to its place: each part's UTF-8 bytes, prefixed by their length (4 bytes, big
 * endian), so that no two different lists of parts give the same bytes.
 * @example aadOf("records", subject, version, hash)
 */
export function aadOf(...parts: readonly (string | number | bigint)[]): Uint8Array {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(String(part), "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    chunks.push(length, bytes);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Seals `plaintext` under `key`, bound to `aad`, with a fresh random IV (see the module notes for the layout).
 * @param aad - where the blob belongs (see {@link aadOf}); the same bytes must be given to {@link open}
 * @throws TypeError when `plaintext` or `aad` is not bytes; {@link SealingError} `invalid-key` for a foreign key
 */
export function seal(key: SealingKey, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  return sealWithIv(key, plaintext, aad, randomBytes(IV_BYTES));
}

/**
 * {@link seal} with a caller-chosen IV.
 * @internal For known-answer tests only: reusing an IV under one key breaks GCM completely.
 */
export function sealWithIv(key: SealingKey, plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array): Uint8Array {
  checkBytes(plaintext, "plaintext");
  checkBytes(aad, "aad");
  if (!(iv instanceof Uint8Array) || iv.length !== IV_BYTES) throw new TypeError(`iv: expected ${IV_BYTES} bytes`);
  const header = headerOf(key);
  const cipher = createCipheriv("aes-256-gcm", material(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([header, aad]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([header, iv, body, cipher.getAuthTag()]));
}

/**
 * Opens a blob sealed by {@link seal}: fails closed, returns nothing unauthenticated.
 * @param aad - the same bytes it was sealed with
 * @throws {SealingError} `malformed` when `sealed` is not bytes or too short; `wrong-key` when its header names
 * another key; `tampered` when its version is unknown or authentication fails
 */
export function open(key: SealingKey, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (!(sealed instanceof Uint8Array)) {
    throw new SealingError("malformed", `sealed blob: expected bytes, got ${sealed === null ? "null" : typeof sealed}`);
  }
  checkBytes(aad, "aad");
  if (sealed.length < MIN_SEALED_BYTES) {
    throw new SealingError(
      "malformed",
      `sealed blob: expected at least ${MIN_SEALED_BYTES} bytes (version, key id, IV, tag), got ${sealed.length}`,
    );
  }
  const blob = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
  if (blob[0] !== SEALED_VERSION) {
    throw new SealingError(
      "tampered",
      `sealed blob: expected format version ${hexByte(SEALED_VERSION)}, got ${hexByte(blob[0])}: altered, or sealed by a newer release`,
    );
  }
  const keyId = "0x" + blob.subarray(1, 1 + KEY_ID_BYTES).toString("hex");
  if (keyId !== sealingKeyId(key)) {
    throw new SealingError(
      "wrong-key",
      `sealed blob: sealed under key ${keyId}, this key is ${key.id}: wrong sealing key (or the blob's header was altered)`,
    );
  }
  const iv = blob.subarray(1 + KEY_ID_BYTES, SEALED_HEADER_BYTES);
  const body = blob.subarray(SEALED_HEADER_BYTES, blob.length - TAG_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", material(key), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.concat([blob.subarray(0, 1 + KEY_ID_BYTES), aad]));
  decipher.setAuthTag(tag);
  try {
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch (e) {
    throw new SealingError(
      "tampered",
      "sealed blob: authentication failed: its bytes were altered, or it was moved from the row it was sealed for",
      { cause: e },
    );
  }
}

function material(key: SealingKey): KeyObject {
  const m = key instanceof SealingKey ? MATERIAL.get(key) : undefined;
  if (!m) throw new SealingError("invalid-key", `sealing key: expected a SealingKey, got ${typeof key}`);
  return m;
}

function headerOf(key: SealingKey): Buffer {
  return Buffer.concat([Buffer.of(SEALED_VERSION), Buffer.from(sealingKeyId(key).slice(2), "hex")]);
}

function keyIdOf(material: Buffer): Buffer {
  return createHash("sha256").update(KEY_ID_TAG, "utf8").update(material).digest().subarray(0, KEY_ID_BYTES);
}

/** A caller's mistake, not a property of stored data: a TypeError. */
function checkBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${what}: expected bytes, got ${value === null ? "null" : typeof value}`);
  }
}

function hexByte(b: number): string {
  return "0x" + b.toString(16).padStart(2, "0");
}
