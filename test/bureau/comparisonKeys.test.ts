/**
 * The bureau's per-check comparison keys: the pool hands each key out once, keeps reservations to their bank, for one
 * check, until they expire, and bounds the reservations a bank may hold.
 */
import { expect } from "chai";
import { ComparisonKeyPool, ComparisonKeysBusy } from "../../src/bureau/comparisonKeys";
import { CheckRefusal, RefusalReason } from "../../src/protocol/refusal";
import { encrypt, zeroTest } from "../../src/dgk";
import { modPow, modPowCounters, randomBits } from "../../src/paillier";

const BANK = "0x00000000000000000000000000000000000000b1";
const OTHER_BANK = "0x00000000000000000000000000000000000000b2";

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

  function refusalOf(run: () => unknown): CheckRefusal {
    try {
      run();
    } catch (e) {
      expect(e).to.be.instanceOf(CheckRefusal);
      expect((e as CheckRefusal).reason).to.equal(RefusalReason.InvalidMessage);
      return e as CheckRefusal;
    }
    throw new Error("expected a refusal, got a key");
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
    refusalOf(() => pool.claim(OTHER_BANK, publicKey.fingerprint));
    const claimed = pool.claim(BANK.toUpperCase().replace("0X", "0x"), publicKey.fingerprint);
    expect(claimed.publicKey.fingerprint).to.equal(publicKey.fingerprint);
    expect(refusalOf(() => pool.claim(BANK, publicKey.fingerprint)).message).to.match(/used by another check/);
    refusalOf(() => pool.claim(BANK, "0x" + "ab".repeat(32)));
  });

  it("drops a reservation once it expires, and bounds the unused ones a bank holds", async function () {
    const first = await pool.reserve(BANK);
    await pool.reserve(BANK);
    await expect(pool.reserve(BANK)).to.be.rejectedWith(/expected at most 2 unused comparison key reservations/);
    now += 60_000;
    expect(pool.reservations).to.equal(0);
    refusalOf(() => pool.claim(BANK, first.publicKey.fingerprint));
    await pool.reserve(BANK); // room again
  });

  it("releases a reservation its bank never received: its bank's only, and no longer counted or claimable", async function () {
    now += 60_000; // the reservations of the tests before expire
    const first = await pool.reserve(BANK);
    await pool.reserve(BANK);
    pool.release(OTHER_BANK, first.publicKey.fingerprint);
    await expect(pool.reserve(BANK)).to.be.rejectedWith(/expected at most 2 unused comparison key reservations/);
    pool.release(BANK.toUpperCase().replace("0X", "0x"), first.publicKey.fingerprint);
    expect(pool.reservations).to.equal(1);
    refusalOf(() => pool.claim(BANK, first.publicKey.fingerprint));
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
