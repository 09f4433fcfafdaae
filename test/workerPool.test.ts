/**
 * The one worker pool: a request is answered by its thread's handler, made with the pool's init; a handler's throw,
 * a request that cannot be sent, a stopped thread and a closed pool each reject the request with a WorkerPoolError
 * of the right code, and the pool goes on with the threads left; the worker side's cache keeps the latest keys.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import { CodedError } from "../src/errors";
import { MAX_WORKER_THREADS, splitEvenly, WorkerPool, WorkerPoolError } from "../src/workerPool";
import { keepRecent } from "../src/workerThread";
import type { TestReply, TestRequest } from "./helpers/testWorker";
import { rejectionOf } from "./helpers/rejection";

const ENTRY = require.resolve("./helpers/testWorker");

/** The rejection of `promise`, asserted to be a WorkerPoolError of `code` whose message matches. */
async function expectRejection(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const caught = await rejectionOf(promise);
  expect(caught, "a rejection").to.be.instanceOf(WorkerPoolError);
  expect(caught).to.be.instanceOf(CodedError);
  expect((caught as WorkerPoolError).code).to.equal(code);
  expect((caught as WorkerPoolError).message).to.match(message);
}

describe("workerPool", function () {
  this.timeout(60_000);
  let pool: WorkerPool<TestRequest, TestReply>;

  beforeEach(() => {
    pool = new WorkerPool(ENTRY, { threads: 2, init: { tag: "init", n: 7n } });
  });
  afterEach(() => pool.close());

  describe("WorkerPool.request", function () {
    it("answers each request on the thread asked for, with the handler made from the pool's init", async function () {
      const [a, b, again] = await Promise.all([
        pool.request(0, { echo: [1n, "x"] }),
        pool.request(1, { echo: 2 }),
        pool.request(0, { echo: null }),
      ]);
      expect(a.echo).to.deep.equal([1n, "x"]);
      expect(b.echo).to.equal(2);
      expect(a.init).to.deep.equal({ tag: "init", n: 7n });
      expect(a.threadId).to.not.equal(b.threadId);
      expect(again.threadId).to.equal(a.threadId);
    });

    it("rejects with `failed` and the thread's message when the handler throws, and the thread serves on", async function () {
      await expectRejection(pool.request(1, { fail: "no such key" }), "failed", /worker thread: no such key/);
      expect(pool.threads).to.equal(2);
      expect((await pool.request(1, { echo: "still" })).echo).to.equal("still");
    });

    it("rejects with `failed` a request that cannot be sent (a value that does not clone)", async function () {
      const unclonable = { echo: () => undefined } as unknown as TestRequest;
      await expectRejection(pool.request(0, unclonable), "failed", /not sent/);
      expect((await pool.request(0, { echo: 1 })).echo).to.equal(1);
    });

    it("rejects with `failed` a thread's requests when it stops, drops it, and goes on with the others", async function () {
      const out = pool.request(0, { exit: 3 });
      await expectRejection(out, "failed", /worker thread stopped: exited with code 3/);
      expect(pool.threads).to.equal(1);
      expect((await pool.request(0, { echo: "left" })).echo).to.equal("left");
      await expectRejection(pool.request(1, { echo: 1 }), "failed", /expected thread 0 to 0, got 1/);
    });

    it("rejects with `closed` the requests out at close() and the ones after; close() twice is harmless", async function () {
      const out = expectRejection(pool.request(0, { echo: 1 }), "closed", /closed while it was out/);
      await pool.close();
      await out;
      await expectRejection(pool.request(0, { echo: 1 }), "closed", /expected an open pool, got a closed one/);
      expect(pool.threads).to.equal(0);
      expect(pool.closed).to.equal(true);
      await pool.close();
    });
  });

  describe("constructor", function () {
    it(`refuses a thread count that is not an integer from 1 to ${MAX_WORKER_THREADS}`, function () {
      for (const threads of [0, -1, 1.5, MAX_WORKER_THREADS + 1, Number.NaN]) {
        expect(() => new WorkerPool(ENTRY, { threads }), String(threads)).to.throw(
          RangeError,
          /WorkerPool: threads: expected 1 to 256, got/,
        );
      }
    });

    it("leaves nothing running: a process with a pool it never closed exits once its requests are answered", function () {
      const root = join(__dirname, "..");
      const script = `
        const { WorkerPool } = require(${JSON.stringify(join(root, "src", "workerPool"))});
        const pool = new WorkerPool(${JSON.stringify(ENTRY)}, { threads: 2 });
        pool.request(1, { echo: "answered" }).then((reply) => console.log(reply.echo));
      `;
      const result = spawnSync(
        process.execPath,
        ["-r", require.resolve("ts-node/register/transpile-only"), "-e", script],
        { cwd: root, encoding: "utf8", timeout: 50_000 },
      );
      expect(result.error, result.error?.message).to.equal(undefined);
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout.trim()).to.equal("answered");
    });
  });

  describe("splitEvenly", function () {
    const cases: [number, number, number[]][] = [
      [0, 4, []],
      [3, 4, [1, 1, 1]],
      [10, 4, [3, 3, 2, 2]],
      [8, 2, [4, 4]],
      [5, 1, [5]],
    ];
    for (const [count, threads, sizes] of cases) {
      it(`splits ${count} over ${threads} threads as [${sizes.join(", ")}]`, function () {
        expect(splitEvenly(count, threads)).to.deep.equal(sizes);
      });
    }
  });

  describe("keepRecent", function () {
    it("makes a value once per name and keeps only the latest `limit` names", function () {
      const made: string[] = [];
      const cached = keepRecent(
        2,
        (key: { id: string }) => key.id,
        (key) => (made.push(key.id), `value of ${key.id}`),
      );
      expect(cached({ id: "a" })).to.equal("value of a");
      expect(cached({ id: "a" })).to.equal("value of a");
      cached({ id: "b" });
      cached({ id: "c" }); // drops a, the oldest
      cached({ id: "b" });
      cached({ id: "a" });
      expect(made).to.deep.equal(["a", "b", "c", "a"]);
    });
  });
});
