/**
 * The bureau's per-check comparison keys: the pool hands each key out once, keeps reservations to their bank, for one
 * check, until they expire, and bounds the reservations a bank may hold; with the reservations in a store, several
 * pools (bureau processes) sharing it honour each other's reservations, and a restart keeps them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  ComparisonKeyPool,
  ComparisonKeyReservationsFull,
  ComparisonKeysBusy,
  type ComparisonKeyPoolOptions,
} from "../../src/bureau/comparisonKeys";
import { openStore } from "../../src/bureau/openStore";
import { generateSealingKey } from "../../src/bureau/sealing";
import type { BureauStore } from "../../src/bureau/store";
import { CheckRefusal, RefusalReason } from "../../src/protocol/refusal";
import { encrypt, zeroTest } from "../../src/dgk";
import { modPow, modPowCounters, randomBits } from "../../src/paillier";

const BANK = "0x00000000000000000000000000000000000000b1";
const OTHER_BANK = "0x00000000000000000000000000000000000000b2";

/** The refusal `claim` gives (as a rejection); fails when it gives a key. */
async function refusalOf(claim: Promise<unknown>): Promise<CheckRefusal> {
  try {
    await claim;
  } catch (e) {
    expect(e).to.be.instanceOf(CheckRefusal);
    expect((e as CheckRefusal).reason).to.equal(RefusalReason.InvalidMessage);
    expect((e as CheckRefusal).message).to.match(/expected a comparison key reserved to bank .* and unused, got/);
    return e as CheckRefusal;
  }
  throw new Error("expected a refusal, got a key");
}

describe("bureau/comparisonKeys: ComparisonKeyPool", function () {
  let now = 1_000_000;
  const pool = new ComparisonKeyPool({
    keys: { bits: 2048 },
    capacity: 1,
    reservationMs: 60_000,
    reservationsPerBank: 2,
    now: () => now,
  });
  after(() => pool.close());

  /** Waits, without asking for a fill, until the pool holds `size` keys; false after `ms`. */
  async function reaches(pool: ComparisonKeyPool, size: number, ms: number): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      if (pool.size >= size) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  it("fills in the background and never hands a key out twice", async function () {
    await pool.fill();
    expect(pool.size).to.equal(1);
    const [a, b] = [await pool.fresh(), await pool.fresh()];
    expect(a.publicKey.fingerprint).to.not.equal(b.publicKey.fingerprint);
    expect(pool.misses).to.be.at.least(1); // the second found the stock empty
  });

  it("claims a reserved key once, for its bank only", async function () {
    const { publicKey, expiresAt } = await pool.reserve(BANK);
    expect(expiresAt).to.equal(now + 60_000);
    await refusalOf(pool.claim(OTHER_BANK, publicKey.fingerprint));
    const claimed = await pool.claim(BANK.toUpperCase().replace("0X", "0x"), publicKey.fingerprint);
    expect(claimed.publicKey.fingerprint).to.equal(publicKey.fingerprint);
    expect((await refusalOf(pool.claim(BANK, publicKey.fingerprint))).message).to.match(/used by another check/);
    await refusalOf(pool.claim(BANK, "0x" + "ab".repeat(32)));
    await refusalOf(pool.claim(BANK, "not a fingerprint"));
  });

  it("drops a reservation once it expires, and bounds the unused ones a bank holds", async function () {
    const first = await pool.reserve(BANK);
    await pool.reserve(BANK);
    await expect(pool.reserve(BANK)).to.be.rejectedWith(
      ComparisonKeyReservationsFull,
      /expected at most 2 unused comparison key reservations/,
    );
    now += 60_000;
    expect(await pool.reservationsOf(BANK)).to.equal(0);
    await refusalOf(pool.claim(BANK, first.publicKey.fingerprint));
    await pool.reserve(BANK); // room again
  });

  it("releases a reservation its bank never received: its bank's only, and no longer counted or claimable", async function () {
    now += 60_000; // the reservations of the tests before expire
    const first = await pool.reserve(BANK);
    await pool.reserve(BANK);
    await pool.release(OTHER_BANK, first.publicKey.fingerprint);
    await expect(pool.reserve(BANK)).to.be.rejectedWith(/expected at most 2 unused comparison key reservations/);
    await pool.release(BANK.toUpperCase().replace("0X", "0x"), first.publicKey.fingerprint);
    expect(await pool.reservationsOf(BANK)).to.equal(1);
    await refusalOf(pool.claim(BANK, first.publicKey.fingerprint));
    await pool.reserve(BANK); // room again
    now += 60_000;
  });

  it("makes keys one at a time for callers that find the stock empty, and turns reservations away past its capacity", async function () {
    const empty = new ComparisonKeyPool({ keys: { bits: 2048 }, capacity: 1, operandRandomizers: 0 });
    try {
      const waiting = [empty.fresh(), empty.fresh()];
      const busy = await empty.reserve(BANK).then(
        () => expect.fail("expected the reservation to be turned away"),
        (e: unknown) => e,
      );
      expect(busy).to.be.instanceOf(ComparisonKeysBusy);
      expect((busy as ComparisonKeysBusy).message).to.match(
        /no fresh comparison key is ready: expected fewer than 1 callers waiting for one, got 2/,
      );
      expect((busy as ComparisonKeysBusy).retryAfterSeconds).to.equal(6);
      const [a, b] = await Promise.all(waiting);
      expect(a.publicKey.fingerprint).to.not.equal(b.publicKey.fingerprint);
      expect(empty.misses).to.equal(2);
    } finally {
      await empty.close();
    }
  });

  it("replaces a taken key after the refill delay while keys are left, and at once when the pool runs empty", async function () {
    const soon = new ComparisonKeyPool({
      keys: { bits: 2048 },
      capacity: 2,
      operandRandomizers: 0,
      refillDelayMs: 400,
    });
    const late = new ComparisonKeyPool({
      keys: { bits: 2048 },
      capacity: 2,
      operandRandomizers: 0,
      refillDelayMs: 600_000,
    });
    try {
      await Promise.all([soon.fill(), late.fill()]);
      await soon.fresh();
      expect(await reaches(soon, 2, 200), "not replaced before the delay").to.equal(false);
      expect(await reaches(soon, 2, 20_000), "replaced once the delay ran out").to.equal(true);
      await late.fresh();
      await late.fresh(); // the last one: no delay
      expect(await reaches(late, 1, 20_000), "an empty pool refills at once").to.equal(true);
      expect(late.misses).to.equal(0);
    } finally {
      await Promise.all([soon.close(), late.close()]);
    }
    expect(() => new ComparisonKeyPool({ refillDelayMs: -1 })).to.throw(
      RangeError,
      /refillDelayMs: expected a whole number of ms ≥ 0, got -1/,
    );
  });

  it("hands keys out with their OpenSSL contexts set up: a check's zero tests test no prime again", async function () {
    const own = new ComparisonKeyPool({ keys: { bits: 2048 }, capacity: 1 });
    try {
      await own.fill();
      const key = await own.fresh();
      // the process sets up many other moduli meanwhile (other keys, other checks): more than its LRU keeps
      for (let i = 0; i < 80; i++) modPow(3n, 5n, (randomBits(128) | (1n << 1023n) | 1n) * 3n);
      const before = modPowCounters().setups;
      const values = [encrypt(key.publicKey, 0n), encrypt(key.publicKey, 5n)];
      expect(values.map((v) => zeroTest(key, v))).to.deep.equal([true, false]);
      // the public modulus n is composite: its set-up is one failed round; p and q are not set up again
      expect(modPowCounters().setups - before).to.be.at.most(1);
    } finally {
      await own.close();
    }
  });

  it("replaces a taken key as soon as its check is over (discarded), before the refill delay", async function () {
    const pool = new ComparisonKeyPool({
      keys: { bits: 2048 },
      capacity: 2,
      operandRandomizers: 0,
      refillDelayMs: 600_000,
    });
    try {
      await pool.fill();
      const key = await pool.fresh();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(pool.size, "not replaced while its check runs").to.equal(1);
      pool.discard(key);
      expect(await reaches(pool, 2, 20_000), "replaced once the check is over").to.equal(true);
    } finally {
      await pool.close();
    }
  });

  it("refuses a capacity out of range", function () {
    expect(() => new ComparisonKeyPool({ capacity: 0 })).to.throw(RangeError, /expected 1 to 64, got 0/);
  });
});

describe("bureau/comparisonKeys: ComparisonKeyPool with its reservations in a shared store", function () {
  let dir: string;
  let now = 1_000_000;
  const sealingKey = generateSealingKey();
  const stores: BureauStore[] = [];
  const pools: ComparisonKeyPool[] = [];

  /** A pool keeping its reservations in `store`, as a bureau process does; closed after the suite. */
  function processOn(store: BureauStore, options: ComparisonKeyPoolOptions = {}): ComparisonKeyPool {
    const pool = new ComparisonKeyPool({
      keys: { bits: 2048 },
      capacity: 1,
      operandRandomizers: 4,
      reservationMs: 60_000,
      reservationsPerBank: 2,
      now: () => now,
      reservations: store,
      ...options,
    });
    pools.push(pool);
    return pool;
  }

  /** Two bureau processes: each its own pool and its own connection to one store. */
  let a: ComparisonKeyPool;
  let b: ComparisonKeyPool;
  let storeA: BureauStore;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "blindcredit-reservations-"));
    for (let i = 0; i < 2; i++) stores.push(await openStore(join(dir, "bureau.db"), sealingKey));
    storeA = stores[0];
    [a, b] = stores.map((store) => processOn(store));
  });
  afterEach(() => (now += 60_000)); // every reservation of a test has expired for the next
  after(async () => {
    for (const pool of pools) await pool.close();
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("claims at one process a key reserved at the other, once: the reserving process's claim is then refused", async function () {
    const { publicKey } = await a.reserve(BANK);
    const claimed = await b.claim(BANK, publicKey.fingerprint);
    expect(claimed.publicKey.fingerprint).to.equal(publicKey.fingerprint);
    // the private key the reservation's public key belongs to, opened from the store
    expect([0n, 7n].map((m) => zeroTest(claimed, encrypt(publicKey, m)))).to.deep.equal([true, false]);
    expect(await b.operandRandomizers(claimed, 4), "none precomputed in this process").to.equal(undefined);
    expect((await refusalOf(a.claim(BANK, publicKey.fingerprint))).message).to.match(/used by another check/);
    await refusalOf(b.claim(BANK, publicKey.fingerprint));
  });

  it("claims at the reserving process its own key, with the randomizers it precomputed; the other is refused", async function () {
    const { publicKey } = await a.reserve(BANK);
    const claimed = await a.claim(BANK, publicKey.fingerprint);
    expect(await a.operandRandomizers(claimed, 4)).to.be.a("function");
    await refusalOf(b.claim(BANK, publicKey.fingerprint));
  });

  it("refuses, in either process, a key reserved to another bank, an expired one and an unknown one", async function () {
    const { publicKey } = await a.reserve(BANK);
    await refusalOf(b.claim(OTHER_BANK, publicKey.fingerprint));
    await refusalOf(a.claim(OTHER_BANK, publicKey.fingerprint));
    await refusalOf(b.claim(BANK, "0x" + "ab".repeat(32)));
    now += 60_000;
    await refusalOf(b.claim(BANK, publicKey.fingerprint));
    await refusalOf(a.claim(BANK, publicKey.fingerprint));
  });

  it("bounds a bank's reservations made at both processes; a release at one frees room at the other", async function () {
    const first = await a.reserve(BANK);
    await b.reserve(BANK);
    for (const pool of [a, b]) {
      await expect(pool.reserve(BANK)).to.be.rejectedWith(
        ComparisonKeyReservationsFull,
        /expected at most 2 unused comparison key reservations, got 2 already/,
      );
      expect(await pool.reservationsOf(BANK)).to.equal(2);
    }
    await b.reserve(OTHER_BANK); // another bank's bound
    await b.release(OTHER_BANK, first.publicKey.fingerprint); // not that bank's: nothing
    expect(await a.reservationsOf(BANK)).to.equal(2);
    await b.release(BANK, first.publicKey.fingerprint);
    expect(await a.reservationsOf(BANK)).to.equal(1);
    await refusalOf(a.claim(BANK, first.publicKey.fingerprint));
    await a.reserve(BANK); // room again
  });

  it("turns away one of two reservations for a bank's last place made at once at two processes", async function () {
    const [one, two] = [
      processOn(stores[0], { reservationsPerBank: 1 }),
      processOn(stores[1], { reservationsPerBank: 1 }),
    ];
    await Promise.all([one.fill(), two.fill()]);
    const results = await Promise.allSettled([one.reserve(BANK), two.reserve(BANK)]);
    expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
    const [turnedAway] = results.filter((r) => r.status === "rejected");
    expect((turnedAway as PromiseRejectedResult).reason).to.be.instanceOf(ComparisonKeyReservationsFull);
    expect(await one.reservationsOf(BANK)).to.equal(1);
  });

  it("keeps reservations across a restart: a new pool on the same store claims them", async function () {
    const stopped = processOn(storeA);
    const { publicKey } = await stopped.reserve(BANK);
    await stopped.close();
    const restarted = processOn(storeA);
    expect(await restarted.reservationsOf(BANK)).to.equal(1);
    const claimed = await restarted.claim(BANK, publicKey.fingerprint);
    expect(claimed.publicKey.fingerprint).to.equal(publicKey.fingerprint);
  });

  it("deletes the expired reservations at the next reservation", async function () {
    await a.reserve(BANK);
    now += 60_000;
    expect(await storeA.countReservations(BANK, 1), "expired, still stored").to.equal(1);
    await b.reserve(OTHER_BANK);
    expect(await storeA.countReservations(BANK, 1), "counted at a time before any expiry").to.equal(0);
  });
});
