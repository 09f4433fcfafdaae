/**
 * Tests of the parallel DGK randomizers: {@link DgkRandomizerWorkers} (worker threads) and {@link DgkRandomizerPool}
 * (a stock for one key). Values are checked to lie in ⟨h⟩ (v^(v_p·v_q) ≡ 1 mod n, and of order exactly v_p mod p and
 * v_q mod q), to be distinct, to come in the requested number, and to re-randomise without changing plaintexts, with
 * public and private keys; the threads must not keep a process alive; every refusal is a DgkError.
 */

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import {
  DGK_INLINE_RANDOMIZERS,
  DGK_MAX_RANDOMIZERS,
  DgkKey,
  DgkPrivateKey,
  DgkRandomizerPool,
  DgkRandomizerWorkers,
  decrypt,
  encrypt,
  rerandomize,
} from "../../src/dgk";
import { modPow } from "../../src/paillier";
import { expectDgkError, expectDgkRejection, katKey } from "./helpers";

/** Asserts that every value is an element of ⟨h⟩ of order exactly v_p·v_q, as h^r is for r ≢ 0 mod v_p, v_q. */
function expectInH(sk: DgkPrivateKey, values: readonly bigint[]): void {
  const { n } = sk.publicKey;
  for (const v of values) {
    expect(typeof v).to.equal("bigint");
    expect(v >= 1n && v < n, "1 <= v < n").to.equal(true);
    expect(modPow(v, sk.vp * sk.vq, n), "v^(vp·vq) ≡ 1 (mod n)").to.equal(1n);
    expect(modPow(v, sk.vp, sk.p), "v^vp ≡ 1 (mod p)").to.equal(1n);
    expect(modPow(v, sk.vq, sk.q), "v^vq ≡ 1 (mod q)").to.equal(1n);
    // Order exactly v_p mod p and v_q mod q (1 only for r ≡ 0, probability 2^−256).
    expect(v % sk.p !== 1n && v % sk.q !== 1n, "v ≢ 1 mod p, q").to.equal(true);
  }
}

function expectDistinct(values: readonly bigint[]): void {
  expect(new Set(values).size, "distinct").to.equal(values.length);
}

describe("dgk/randomizerWorkers", () => {
  let sk: DgkPrivateKey;
  let workers: DgkRandomizerWorkers;

  before(() => {
    sk = katKey("2048");
    workers = new DgkRandomizerWorkers(2);
  });

  after(async () => {
    await workers.close();
  });

  describe("DgkRandomizerWorkers", () => {
    describe("randomizers", () => {
      for (const [route, keyOf] of [
        ["the public key", (k: DgkPrivateKey): DgkKey => k.publicKey],
        ["the private key (CRT)", (k: DgkPrivateKey): DgkKey => k],
      ] as const) {
        it(`returns the requested number of distinct values in ⟨h⟩, inline and on threads, with ${route}`, async () => {
          const all: bigint[] = [];
          for (const count of [0, 1, DGK_INLINE_RANDOMIZERS - 1, DGK_INLINE_RANDOMIZERS, 9, 33]) {
            const values = await workers.randomizers(keyOf(sk), count);
            expect(values, `count ${count}`).to.have.length(count);
            all.push(...values);
          }
          expectInH(sk, all);
          expectDistinct(all);
        });
      }

      it("re-randomises without changing plaintexts: Dec(c · R) = Dec(c), and c · R ≠ c", async () => {
        const pk = sk.publicKey;
        const fromPublic = await workers.randomizers(pk, 12);
        const fromPrivate = await workers.randomizers(sk, 12);
        [...fromPublic, ...fromPrivate].forEach((r, i) => {
          const m = (BigInt(i) * 7919n) % pk.u;
          const c = encrypt(pk, m);
          const d = rerandomize(pk, c, r);
          expect(d).to.not.equal(c);
          expect(decrypt(sk, d), `m = ${m}`).to.equal(m);
        });
      });

      it("serves concurrent calls and several keys (2048 and 3072 bits) without mixing them", async () => {
        const large = katKey("3072");
        const [a, b, c, d] = await Promise.all([
          workers.randomizers(sk.publicKey, 20),
          workers.randomizers(large, 20),
          workers.randomizers(sk, 11),
          workers.randomizers(large.publicKey, 9),
        ]);
        expectInH(sk, [...a, ...c]);
        expectInH(large, [...b, ...d]);
        expectDistinct([...a, ...b, ...c, ...d]);
      });

      it("runs the number of threads asked for", async () => {
        expect(workers.threads).to.equal(2);
        const one = new DgkRandomizerWorkers(1);
        expect(one.threads).to.equal(1);
        expectInH(sk, await one.randomizers(sk, 10));
        await one.close();
      });

      it("refuses a value that is not a DGK key, and a count that is not an integer in [0, 65 536]", async () => {
        for (const key of [undefined, null, {}, sk.publicKey.n, JSON.parse(JSON.stringify(sk.publicKey))]) {
          await expectDgkRejection(workers.randomizers(key as DgkKey, 10), "INVALID_ARGUMENT");
        }
        for (const count of [-1, 1.5, DGK_MAX_RANDOMIZERS + 1, Number.NaN, "8", 8n, undefined]) {
          await expectDgkRejection(workers.randomizers(sk, count as number), "INVALID_ARGUMENT");
        }
      });
    });

    describe("constructor", () => {
      it("refuses a thread count that is not an integer in [1, 256]", () => {
        for (const threads of [0, -1, 1.5, 257, Number.NaN, "2", 2n, null]) {
          expectDgkError(() => new DgkRandomizerWorkers(threads as number), "INVALID_ARGUMENT", /threads/);
        }
      });
    });

    describe("close", () => {
      it("rejects pending and later requests with CLOSED, stops every thread, and can be called twice", async () => {
        const own = new DgkRandomizerWorkers(2);
        const pending = expectDgkRejection(own.randomizers(sk.publicKey, 40), "CLOSED");
        await own.close();
        await pending;
        expect(own.threads).to.equal(0);
        await expectDgkRejection(own.randomizers(sk, 40), "CLOSED");
        await expectDgkRejection(own.randomizers(sk, 1), "CLOSED"); // inline sizes too
        await own.close();
      });

      it("leaves nothing running: a process that used the threads exits, with or without close()", function () {
        this.timeout(300_000);
        const root = join(__dirname, "..", "..");
        const script = (close: boolean): string => `
          const { readFileSync } = require("node:fs");
          const dgk = require(${JSON.stringify(join(root, "src", "dgk"))});
          const json = JSON.parse(readFileSync(${JSON.stringify(join(root, "test", "fixtures", "dgk-2048.json"))}, "utf8"));
          for (const k of ["p", "q", "vp", "vq"]) delete json[k];
          const key = dgk.importDgkPublicKey(json);
          (async () => {
            const workers = new dgk.DgkRandomizerWorkers(2);
            const pool = new dgk.DgkRandomizerPool(key, { capacity: 16, workers });
            await pool.fill();
            const values = await workers.randomizers(key, 20);
            pool.take();
            ${close ? "await pool.close(); await workers.close();" : ""}
            console.log("done " + values.length);
          })().catch((err) => { console.error(err); process.exit(2); });
        `;
        for (const close of [true, false]) {
          const result = spawnSync(
            process.execPath,
            ["-r", require.resolve("ts-node/register/transpile-only"), "-e", script(close)],
            { cwd: root, encoding: "utf8", timeout: 120_000 },
          );
          expect(result.error, `close: ${close}: ${result.error?.message}`).to.equal(undefined);
          expect(result.status, `close: ${close}: ${result.stderr}`).to.equal(0);
          expect(result.stdout.trim()).to.equal("done 20");
        }
      });
    });
  });

  describe("DgkRandomizerPool", () => {
    describe("fill and take", () => {
      it("fills through the threads, hands out each value once, then computes on the spot when empty", async () => {
        const pool = new DgkRandomizerPool(sk.publicKey, { capacity: 24, workers });
        expect(pool.size).to.equal(0);
        await pool.fill();
        expect(pool.size).to.equal(24);
        await pool.fill(); // already full
        const taken = Array.from({ length: 24 }, () => pool.take());
        expect(pool.size).to.equal(0);
        expect(pool.misses).to.equal(0);
        const take = pool.take; // usable detached, as a `() => bigint`
        taken.push(take(), take());
        expect(pool.misses).to.equal(2);
        await pool.fill();
        taken.push(...Array.from({ length: 24 }, () => pool.take()));
        expectInH(sk, taken);
        expectDistinct(taken);
        await pool.close();
      });

      it("fills on the calling thread without workers, by the CRT with the private key", async () => {
        const pool = new DgkRandomizerPool(sk, { capacity: 10 });
        const first = pool.fill();
        expect(pool.fill()).to.equal(first); // one filling at a time
        await first;
        expect(pool.size).to.equal(10);
        const taken = Array.from({ length: 12 }, () => pool.take());
        expect(pool.misses).to.equal(2);
        expectInH(sk, taken);
        expectDistinct(taken);
        for (const r of taken.slice(0, 4)) expect(decrypt(sk, rerandomize(sk, encrypt(sk, 42n), r))).to.equal(42n);
        await pool.close();
      });

      it("keeps filling to capacity when values are taken during a filling, and never exceeds it", async () => {
        for (const options of [{ capacity: 20, workers }, { capacity: 9 }]) {
          const pool = new DgkRandomizerPool(sk.publicKey, options);
          const filling = pool.fill();
          const during = [pool.take(), pool.take(), pool.take()];
          await new Promise((resolve) => setImmediate(resolve));
          during.push(pool.take());
          await filling;
          expect(pool.size).to.equal(options.capacity);
          const rest = Array.from({ length: options.capacity }, () => pool.take());
          expectInH(sk, [...during, ...rest]);
          expectDistinct([...during, ...rest]);
          await pool.close();
        }
      });
    });

    describe("close", () => {
      it("drops the values, rejects a pending fill with CLOSED, refuses later use, and leaves the workers open", async () => {
        for (const options of [{ capacity: 30, workers }, { capacity: 30 }]) {
          const pool = new DgkRandomizerPool(sk, options);
          const filling = pool.fill();
          await pool.close();
          await expectDgkRejection(filling, "CLOSED");
          expect(pool.size).to.equal(0);
          expectDgkError(() => pool.take(), "CLOSED");
          await expectDgkRejection(pool.fill(), "CLOSED");
          await pool.close();
        }
        expect(await workers.randomizers(sk, 8)).to.have.length(8);
      });

      it("rejects fill through closed workers with CLOSED, and still computes take on the spot", async () => {
        const closed = new DgkRandomizerWorkers(1);
        await closed.close();
        const pool = new DgkRandomizerPool(sk.publicKey, { capacity: 10, workers: closed });
        await expectDgkRejection(pool.fill(), "CLOSED");
        expectInH(sk, [pool.take()]);
        expect(pool.misses).to.equal(1);
        await pool.close();
      });
    });

    describe("constructor", () => {
      it("refuses a value that is not a DGK key, bad options, a capacity outside [1, 65 536] and foreign workers", () => {
        for (const key of [undefined, {}, sk.publicKey.n]) {
          expectDgkError(() => new DgkRandomizerPool(key as DgkKey, { capacity: 4 }), "INVALID_ARGUMENT", /key/);
        }
        for (const options of [undefined, null, 4]) {
          expectDgkError(
            () => new DgkRandomizerPool(sk, options as unknown as { capacity: number }),
            "INVALID_ARGUMENT",
            /options/,
          );
        }
        for (const capacity of [0, -1, 1.5, DGK_MAX_RANDOMIZERS + 1, "4", 4n, undefined]) {
          expectDgkError(
            () => new DgkRandomizerPool(sk, { capacity: capacity as number }),
            "INVALID_ARGUMENT",
            /capacity/,
          );
        }
        for (const foreign of [{}, null, () => []]) {
          expectDgkError(
            () => new DgkRandomizerPool(sk, { capacity: 4, workers: foreign as unknown as DgkRandomizerWorkers }),
            "INVALID_ARGUMENT",
            /workers/,
          );
        }
      });
    });
  });
});
