/** The bureau's DGK comparison keys the tests use: fixed, so that a run is reproducible and starts fast. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { importDgkPrivateKey, type DgkPrivateKey } from "../../src/dgk";
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
