/** The bureau's ring-Pedersen parameters the tests use: fixed, so that a run is reproducible and starts fast. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { importRingPedersen, type RingPedersenSecret } from "../../src/proofs";

const loaded = new Map<number, RingPedersenSecret>();

/** The fixture parameters with N̂ of `bits` bits (test/fixtures/ring-pedersen-<bits>.json, from OpenSSL safe primes). */
export function fixtureRingPedersen(bits: 2048 | 3072 = 2048): RingPedersenSecret {
  let secret = loaded.get(bits);
  if (secret === undefined) {
    secret = importRingPedersen(
      readFileSync(path.join(__dirname, "..", "fixtures", `ring-pedersen-${bits}.json`), "utf8"),
    );
    loaded.set(bits, secret);
  }
  return secret;
}
