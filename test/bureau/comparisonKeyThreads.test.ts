/**
 * The comparison-key threads: keys made there are sound and come with randomizers of their own, their shares are the
 * calling thread's (refusals included, for keys they made and keys they did not), the main thread runs no primality
 * test for their keys, a pool makes as many keys at once as there are threads, and everything still works once they
 * are closed.
 */
import { expect } from "chai";
import { encrypt, generateDgkKeyPair, zeroTest, type DgkPrivateKey } from "../../src/dgk";
import { ComparisonKeyPool, DEFAULT_OPERAND_RANDOMIZERS } from "../../src/bureau/comparisonKeys";
import { ComparisonKeyThreads } from "../../src/bureau/comparisonKeyThreads";
import { ComparisonValueError, bureauShares } from "../../src/protocol/comparison";
import { modPowSetUpKept } from "../../src/paillier/modpow";
import { rejectionOf } from "../helpers/rejection";

const KEYS = { bits: 2048 } as const;

/** Comparisons under `key`: values encrypting zero where `zeros` says, nonzero elsewhere. */
function comparisonsOf(key: DgkPrivateKey, zeros: readonly (readonly boolean[])[]): bigint[][] {
  return zeros.map((row) => row.map((zero) => encrypt(key.publicKey, zero ? 0n : 7n)));
}

async function refusalOf(promise: Promise<unknown>): Promise<ComparisonValueError> {
  const caught = await rejectionOf(promise);
  expect(caught).to.be.instanceOf(ComparisonValueError);
  return caught as ComparisonValueError;
}

describe("bureau/comparisonKeyThreads", function () {
  this.timeout(120_000);
  const thread = new ComparisonKeyThreads(2);
  after(() => thread.close());

  it("makes a key with its randomizers, and the main thread tests no prime for it", async function () {
    const { key, randomizers } = await thread.make(KEYS, 12);
    const primesSetUpHere = () => [key.p, key.q].map(modPowSetUpKept);
    expect(primesSetUpHere(), "p and q set up on this thread to take the key in").to.deep.equal([false, false]);
    expect(key.publicKey.bits).to.equal(2048);
    expect(randomizers).to.have.length(12);
    expect(new Set(randomizers).size).to.equal(12);
    const comparisons = comparisonsOf(key, [
      [true, false, false],
      [false, false],
      [false, true],
    ]);
    expect(await thread.shares(key, comparisons)).to.deep.equal([1, 0, 1]);
    expect(primesSetUpHere(), "p and q set up on this thread for its shares").to.deep.equal([false, false]);
    // each randomizer is h^r: an encryption of zero under the key
    expect(randomizers.every((r) => zeroTest(key, r))).to.equal(true);
  });

  it("gives the calling thread's shares and refusals, for its own keys and for keys made elsewhere", async function () {
    const own = (await thread.make(KEYS, 0)).key;
    const elsewhere = (await generateDgkKeyPair(KEYS)).privateKey;
    for (const key of [own, elsewhere]) {
      const zeros = [[false, false, true, false], [false], [true, true]];
      const comparisons = comparisonsOf(key, zeros);
      expect(await thread.shares(key, comparisons)).to.deep.equal(bureauShares(key, comparisons));
      // a value under another key in comparison 2: refused, where and why, as on this thread
      const forged = comparisons.map((row) => [...row]);
      forged[1][0] = encrypt((key === own ? elsewhere : own).publicKey, 0n);
      const there = await refusalOf(thread.shares(key, forged));
      const here = await refusalOf(Promise.resolve().then(() => bureauShares(key, forged)));
      expect([there.comparison, there.index, there.message]).to.deep.equal([here.comparison, here.index, here.message]);
      expect(there.comparison).to.equal(1);
      expect(there.message).to.match(/expected a ciphertext of this check's comparison key/);
    }
  });

  it("still answers a key it discarded (imported again), and everything once closed (on this thread)", async function () {
    const { key } = await thread.make(KEYS, 0);
    thread.discard(key);
    const comparisons = comparisonsOf(key, [[false, true]]);
    expect(await thread.shares(key, comparisons)).to.deep.equal([1]);
    const closed = new ComparisonKeyThreads();
    await closed.close();
    const made = await closed.make(KEYS, 3);
    expect(made.randomizers).to.have.length(3);
    expect(await closed.shares(made.key, comparisonsOf(made.key, [[false], [true]]))).to.deep.equal([0, 1]);
  });

  it("serves a pool: its keys' shares come from the thread", async function () {
    const pool = new ComparisonKeyPool({ keys: KEYS, capacity: 1, threads: thread });
    try {
      const key = await pool.fresh();
      const comparisons = comparisonsOf(key, [[true], [false, false]]);
      expect(await pool.shares(key, comparisons)).to.deep.equal([1, 0]);
      // a form wider than the stock: the rest made on the thread, each an encryption of zero under the key
      const next = await pool.operandRandomizers(key, DEFAULT_OPERAND_RANDOMIZERS + 5);
      const randomizers = Array.from({ length: DEFAULT_OPERAND_RANDOMIZERS + 5 }, () => next!());
      expect(new Set(randomizers).size).to.equal(DEFAULT_OPERAND_RANDOMIZERS + 5);
      expect(randomizers.every((r) => zeroTest(key, r))).to.equal(true);
    } finally {
      await pool.close();
    }
  });

  it("fills a pool with as many keys at once as there are threads, the first made taken first", async function () {
    const pool = new ComparisonKeyPool({ keys: KEYS, capacity: 3, threads: thread });
    try {
      const filling = pool.fill();
      expect(thread.making, "keys being made on each thread").to.deep.equal([1, 1]);
      const first = await pool.fresh(); // waits for the first key made, not for a batch
      expect(
        thread.making.reduce((a, b) => a + b),
        "keys still being made",
      ).to.be.at.least(1);
      await filling;
      expect(pool.size).to.equal(3);
      expect(thread.making).to.deep.equal([0, 0]);
      const comparisons = comparisonsOf(first, [[false, true]]);
      expect(await pool.shares(first, comparisons)).to.deep.equal([1]);
    } finally {
      await pool.close();
    }
  });

  it("makes one key at a time with one thread, or none left", async function () {
    const one = new ComparisonKeyThreads(1);
    const pool = new ComparisonKeyPool({ keys: KEYS, capacity: 2, threads: one });
    try {
      const filling = pool.fill();
      expect(one.making).to.deep.equal([1]);
      await filling;
      expect(pool.size).to.equal(2);
    } finally {
      await pool.close();
      await one.close();
    }
    expect(one.threads).to.equal(0);
    const inline = new ComparisonKeyPool({ keys: KEYS, capacity: 2, threads: one });
    try {
      await inline.fill();
      expect(inline.size).to.equal(2);
    } finally {
      await inline.close();
    }
  });

  it("refuses a thread count out of range, naming it", function () {
    for (const threads of [0, 1.5, 257])
      expect(() => new ComparisonKeyThreads(threads)).to.throw(RangeError, `expected 1 to 256, got ${threads}`);
  });
});
