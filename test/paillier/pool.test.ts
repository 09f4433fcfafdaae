/**
 * Tests of the randomness pool: worker and main-thread modes, public and CRT filling, bounds, refill, misses,
 * freshness, closing, and option refusals.
 */

import { expect } from "chai";
import {
  Ciphertext,
  PaillierPublicKey,
  RandomnessPool,
  decrypt,
  decryptRaw,
  encrypt,
  rerandomize,
  ciphertextByteLength,
} from "../../src/paillier";
import { expectPaillierError, expectPaillierRejection, fixtureKey, referenceKeys, residue } from "./helpers";

/** Waits until a condition holds (the pool refills asynchronously). */
async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("paillier/pool", function () {
  this.timeout(60_000);
  const key = fixtureKey(2048);
  const pk = key.publicKey;
  const pools: RandomnessPool[] = [];
  const make = (
    k: ConstructorParameters<typeof RandomnessPool>[0],
    options?: ConstructorParameters<typeof RandomnessPool>[1],
  ) => {
    const pool = new RandomnessPool(k, options);
    pools.push(pool);
    return pool;
  };

  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  for (const mode of ["worker", "main"] as const) {
    for (const source of ["public", "private"] as const) {
      it(`fills in ${mode} mode from the ${source} key, serves valid randomizers and refills`, async () => {
        const pool = make(source === "public" ? pk : key, { capacity: 6, mode });
        await pool.fill();
        let stats = pool.stats();
        expect(stats.mode).to.equal(mode);
        expect(stats.size).to.equal(6);
        expect(stats.bytes).to.equal(6 * ciphertextByteLength(pk));
        expect(stats.maxBytes).to.equal(stats.bytes);
        expect(stats.misses).to.equal(0);
        const ref = referenceKeys(key).privateKey;
        for (let i = 0; i < 6; i++) {
          const m = BigInt(i) - 3n;
          const c = encrypt(pk, m, { pool });
          expect(decrypt(key, c)).to.equal(m);
          expect(ref.decrypt(c.value)).to.equal(residue(m, pk.n));
        }
        const r = rerandomize(encrypt(pk, 9n), { pool });
        expect(decrypt(key, r)).to.equal(9n);
        stats = pool.stats();
        expect(stats.taken).to.equal(7);
        expect(stats.size).to.be.at.most(6);
        await until(() => pool.stats().size === 6);
        expect(pool.stats().produced).to.be.at.least(12);
      });
    }
  }

  it("never holds more than its capacity and never hands a value out twice", async () => {
    const pool = make(key, { capacity: 8 });
    await pool.fill();
    const seen = new Set<bigint>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 8; i++) seen.add(pool.takeRandomizer());
      await pool.fill();
      expect(pool.stats().size).to.equal(8);
      expect(pool.stats().pending).to.equal(0);
    }
    expect(seen.size).to.equal(24);
  });

  it("computes on the spot when empty, counted as a miss, and does not refill below a zero low-water mark", async () => {
    const pool = make(pk, { capacity: 1, lowWaterMark: 0, mode: "main" });
    await pool.fill();
    const first = pool.takeRandomizer();
    const second = pool.takeRandomizer();
    expect(first).not.to.equal(second);
    expect(decryptRaw(key, Ciphertext.fromBigInt(pk, second))).to.equal(0n); // an n-th residue
    const stats = pool.stats();
    expect(stats.misses).to.equal(1);
    expect(stats.taken).to.equal(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pool.stats().size).to.equal(0);
    await pool.fill();
    expect(pool.stats().size).to.equal(1);
  });

  it("refuses use after close, and rejects a pending fill on close (POOL_CLOSED)", async () => {
    const pool = make(pk, { capacity: 50 });
    const pending = expectPaillierRejection(pool.fill(), "POOL_CLOSED");
    await pool.close();
    await pending;
    expectPaillierError(() => pool.takeRandomizer(), "POOL_CLOSED");
    expectPaillierError(() => encrypt(pk, 1n, { pool }), "POOL_CLOSED");
    await expectPaillierRejection(pool.fill(), "POOL_CLOSED");
    await pool.close();
  });

  it("refuses a pool for another key (KEY_MISMATCH)", async () => {
    const other = fixtureKey(3072);
    const pool = make(other.publicKey, { capacity: 1, mode: "main" });
    expectPaillierError(() => encrypt(pk, 1n, { pool }), "KEY_MISMATCH");
    await pool.close();
  });

  it("refuses bad options (INVALID_ARGUMENT)", () => {
    expectPaillierError(() => new RandomnessPool(pk, { capacity: 0 }), "INVALID_ARGUMENT", /capacity/);
    expectPaillierError(() => new RandomnessPool(pk, { capacity: 70_000 }), "INVALID_ARGUMENT");
    expectPaillierError(
      () => new RandomnessPool(pk, { capacity: 4, lowWaterMark: 5 }),
      "INVALID_ARGUMENT",
      /lowWaterMark/,
    );
    expectPaillierError(() => new RandomnessPool(pk, { mode: "thread" as "main" }), "INVALID_ARGUMENT", /mode/);
    expectPaillierError(
      () => new RandomnessPool({} as PaillierPublicKey),
      "INVALID_ARGUMENT",
      /expected a Paillier key/,
    );
  });
});
