/** The bureau's DGK comparison keys the tests use: fixed, so that a run is reproducible and starts fast. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { decrypt as dgkDecrypt, importDgkPrivateKey, type DgkPrivateKey } from "../../src/dgk";
import { bureauShare } from "../../src/protocol/comparison";
import { ComparisonKeyPool } from "../../src/bureau/comparisonKeys";

const loaded = new Map<number, DgkPrivateKey>();

/** The fixture comparison key of `bits` bits (test/fixtures/dgk-<bits>.json). */
export function fixtureComparisonKey(bits: 2048 | 3072 = 2048): DgkPrivateKey {
  let key = loaded.get(bits);
  if (key === undefined) {
    key = importDgkPrivateKey(readFileSync(path.join(__dirname, "..", "fixtures", `dgk-${bits}.json`), "utf8"));
    loaded.set(bits, key);
  }
  return key;
}

/**
 * A pool of fresh per-check comparison keys for tests: 2048-bit keys, which generate several times faster than the
 * 3072-bit default, one kept ready and filling from now on (as the service's), so that a first check seldom waits
 * for one. `await pool.fill()` where a test's step must not (a lease shorter than a key's generation).
 */
export function testComparisonKeys(): ComparisonKeyPool {
  const pool = new ComparisonKeyPool({ keys: { bits: 2048 }, capacity: 1 });
  void pool.fill().catch(() => undefined);
  return pool;
}

/**
 * What the bureau sees of one comparison's values (the privacy tests' features): its share, where the zero is, and
 * the other values modulo 4, sorted (the order values come in does not count).
 */
export function bureauViewOf(key: DgkPrivateKey, values: readonly bigint[]) {
  const plaintexts = values.map((v) => dgkDecrypt(key, v));
  return {
    share: String(bureauShare(key, values)),
    zeroAt: String(plaintexts.indexOf(0n)),
    residues: plaintexts
      .filter((m) => m !== 0n)
      .map((m) => String(m % 4n))
      .sort()
      .join(","),
  };
}
