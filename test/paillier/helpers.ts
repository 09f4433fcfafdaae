/**
 * Shared fixtures and helpers for the Paillier tests: the committed test keys, the known-answer vectors, the
 * independent reference (paillier-bigint, built from the same n, p, q with g = n + 1) and an assertion for
 * PaillierError codes.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import * as reference from "paillier-bigint";
import { PaillierError, PaillierErrorCode, PaillierPrivateKey, importPrivateKey } from "../../src/paillier";

const FIXTURES = join(__dirname, "..", "fixtures");

/** Reads a JSON fixture from test/fixtures. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as T;
}

const keyCache = new Map<number, PaillierPrivateKey>();

/** The committed test key of a given size (imported once per process). */
export function fixtureKey(bits: 2048 | 3072): PaillierPrivateKey {
  let key = keyCache.get(bits);
  if (key === undefined) {
    key = importPrivateKey(readFileSync(join(FIXTURES, `paillier-${bits}.json`), "utf8"));
    keyCache.set(bits, key);
  }
  return key;
}

/** One known-answer vector, as written by test/fixtures/paillier-fixtures.py. */
export interface KnownAnswer {
  readonly name: string;
  readonly bits: number;
  readonly p: string;
  readonly q: string;
  readonly n: string;
  readonly m: string;
  readonly r: string;
  readonly rn: string;
  readonly c: string;
}

/** The known-answer file. */
export interface KnownAnswerFile {
  readonly fingerprints: Record<string, string>;
  readonly vectors: readonly KnownAnswer[];
}

/** A paillier-bigint key pair for the same n, p, q (g = n + 1, λ = (p−1)(q−1), μ = λ⁻¹ mod n). */
export interface ReferenceKeys {
  readonly publicKey: reference.PublicKey;
  readonly privateKey: reference.PrivateKey;
}

const referenceCache = new Map<PaillierPrivateKey, ReferenceKeys>();

/** The reference implementation's keys for one of our private keys. */
export function referenceKeys(key: PaillierPrivateKey): ReferenceKeys {
  let keys = referenceCache.get(key);
  if (keys === undefined) {
    const { n } = key.publicKey;
    const lambda = (key.p - 1n) * (key.q - 1n);
    const mu = inverse(lambda, n);
    const publicKey = new reference.PublicKey(n, n + 1n);
    keys = { publicKey, privateKey: new reference.PrivateKey(lambda, mu, publicKey, key.p, key.q) };
    referenceCache.set(key, keys);
  }
  return keys;
}

/** Modular inverse by extended Euclid, written here so that the reference does not lean on the engine. */
function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

/** Asserts that `fn` throws a PaillierError with the given code (and, optionally, a message matching `message`). */
export function expectPaillierError(fn: () => unknown, code: PaillierErrorCode, message?: RegExp): PaillierError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a PaillierError ${code}`).to.be.instanceOf(PaillierError);
  const err = caught as PaillierError;
  expect(err.code, err.message).to.equal(code);
  if (message !== undefined) expect(err.message).to.match(message);
  return err;
}

/** Asserts that a promise rejects with a PaillierError with the given code. */
export async function expectPaillierRejection(promise: Promise<unknown>, code: PaillierErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a PaillierError ${code}`).to.be.instanceOf(PaillierError);
  expect((caught as PaillierError).code).to.equal(code);
}

/** The plaintext as paillier-bigint sees it: the residue modulo n. */
export function residue(m: bigint, n: bigint): bigint {
  return ((m % n) + n) % n;
}
