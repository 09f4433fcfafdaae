/** The bureau's DGK comparison keys the tests use: fixed, so that a run is reproducible and starts fast. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { importDgkPrivateKey, type DgkPrivateKey } from "../../src/dgk";

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
