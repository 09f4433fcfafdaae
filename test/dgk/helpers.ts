/**
 * Shared fixtures and helpers for the DGK tests: the known-answer file written by the independent Python script
 * (test/dgk/fixtures/dgk-fixtures.py), its fixed keys, freshly generated keys, plaintext arbitraries, and assertions
 * for DgkError codes.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import {
  DgkError,
  DgkErrorCode,
  DgkKeyPair,
  DgkPrivateKey,
  DgkPrivateKeyJson,
  DgkPublicKeyJson,
  generateDgkKeyPair,
  importDgkPrivateKey,
} from "../../src/dgk";

/** Where the committed DGK fixtures live. */
export const FIXTURES = join(__dirname, "fixtures");

/** One encryption vector. */
export interface DgkKnownAnswer {
  readonly key: string;
  readonly name: string;
  /** The plaintext as given, decimal, possibly negative or ≥ u. */
  readonly m: string;
  /** The randomness r, hex. */
  readonly r: string;
  /** g^(m mod u) · h^r mod n, fixed-width hex. */
  readonly c: string;
  /** m mod u, decimal. */
  readonly plaintext: string;
  readonly isZero: boolean;
  readonly isKeyCiphertext: boolean;
}

/** An element of Z_n* that is not a ciphertext of the key. */
export interface DgkNonMember {
  readonly key: string;
  readonly name: string;
  readonly c: string;
  /** The raw zero test c^vp mod p == 1. */
  readonly isZero: boolean;
  readonly isKeyCiphertext: false;
}

/** The known-answer file. */
export interface DgkKnownAnswerFile {
  readonly keys: Record<string, DgkPrivateKeyJson>;
  readonly fingerprints: Record<string, string>;
  readonly vectors: readonly DgkKnownAnswer[];
  readonly nonMembers: readonly DgkNonMember[];
  readonly badKeys: { readonly primeN: DgkPublicKeyJson; readonly small1024: DgkPrivateKeyJson };
}

let katFile: DgkKnownAnswerFile | undefined;

/** The known-answer file (read once per process). */
export function kat(): DgkKnownAnswerFile {
  return (katFile ??= JSON.parse(readFileSync(join(FIXTURES, "dgk-kat.json"), "utf8")) as DgkKnownAnswerFile);
}

const katKeys = new Map<string, DgkPrivateKey>();

/** A fixed key of the known-answer file, imported once per process. Test keys: published, never to be used. */
export function katKey(name: "2048" | "3072" | "2048-t160-u8"): DgkPrivateKey {
  let key = katKeys.get(name);
  if (key === undefined) {
    key = importDgkPrivateKey(kat().keys[name]);
    katKeys.set(name, key);
  }
  return key;
}

/** A fresh key pair; the tests call this in `before`, once per size and file. */
export function freshKeyPair(bits: 2048 | 3072): Promise<DgkKeyPair> {
  return generateDgkKeyPair({ bits });
}

/** Plaintexts: edges around 0 and u, anything in Z_u, and large or negative integers (reduced modulo u). */
export function plaintext(u: bigint): fc.Arbitrary<bigint> {
  return fc.oneof(
    fc.constantFrom(0n, 1n, -1n, u - 1n, u, u + 1n, -u, 2n * u, 3n * u - 1n),
    fc.bigInt({ min: 0n, max: u - 1n }),
    fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }),
  );
}

/** x mod u in [0, u), written here rather than imported so that the tests do not restate the engine. */
export function modU(x: bigint, u: bigint): bigint {
  return ((x % u) + u) % u;
}

/** Asserts that `fn` throws a DgkError with the given code (and, optionally, a message matching `message`). */
export function expectDgkError(fn: () => unknown, code: DgkErrorCode, message?: RegExp): DgkError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a DgkError ${code}`).to.be.instanceOf(DgkError);
  const err = caught as DgkError;
  expect(err.code, err.message).to.equal(code);
  expect(err.message, "messages say what was expected").to.match(/expected/);
  if (message !== undefined) expect(err.message).to.match(message);
  return err;
}

/** Asserts that a promise rejects with a DgkError with the given code. */
export async function expectDgkRejection(promise: Promise<unknown>, code: DgkErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a DgkError ${code}`).to.be.instanceOf(DgkError);
  expect((caught as DgkError).code, (caught as Error).message).to.equal(code);
}
