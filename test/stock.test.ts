/**
 * The "keep N ready" stock: fills to capacity a batch at a time (never beyond), shares one filling between
 * concurrent calls, hands each value out once, and rejects a filling on a closed stock with the owner's error.
 */
import { expect } from "chai";
import { Stock } from "../src/stock";

/** A maker of numbered values, `batch` at a time (at most what is wanted), each batch after an event-loop turn. */
function counter(batch: number) {
  let next = 0;
  const calls: number[] = [];
  return {
    calls,
    async make(wanted: number): Promise<number[]> {
      calls.push(wanted);
      await new Promise<void>((resolve) => setImmediate(resolve));
      return Array.from({ length: Math.min(batch, wanted) }, () => next++);
    },
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (err: unknown) => err,
  );
}

describe("stock: Stock", function () {
  it("next: waiters are served in the order they asked, as the one filling makes values, before the stock refills", async function () {
    let running = 0;
    let most = 0;
    let made = 0;
    const stock = new Stock({
      capacity: 2,
      async make() {
        most = Math.max(most, ++running);
        await new Promise<void>((resolve) => setImmediate(resolve));
        running--;
        return [made++];
      },
    });
    const served = await Promise.all([stock.next(), stock.next(), stock.next()]);
    expect(served).to.deep.equal([0, 1, 2]); // first asked, first made
    expect(most).to.equal(1); // one value made at a time, however many wait
    expect(stock.waiting).to.equal(0);
    await stock.fill();
    expect(stock.size).to.equal(2);
    expect(await stock.next()).to.be.a("number"); // held: no wait
  });

  it("next: a closed stock rejects its waiters, and a failing maker rejects them with its error", async function () {
    const stuck = new Stock({ capacity: 1, make: () => new Promise<number[]>(() => undefined) });
    const waiting = stuck.next();
    expect(stuck.waiting).to.equal(1);
    void stuck.close();
    expect(String(await rejectionOf(waiting))).to.match(/expected an open stock, got a closed one/);
    const failing = new Stock<number>({
      capacity: 1,
      make: async () => {
        throw new Error("no entropy");
      },
    });
    expect(String(await rejectionOf(failing.next()))).to.match(/no entropy/);
    expect(failing.waiting).to.equal(0);
  });

  it("fills to capacity a batch at a time, asking only for what is missing, and one filling serves concurrent calls", async function () {
    const maker = counter(2);
    const stock = new Stock({ capacity: 5, make: maker.make });
    const filling = stock.fill();
    expect(stock.fill()).to.equal(filling);
    await filling;
    expect(stock.size).to.equal(5);
    expect(maker.calls).to.deep.equal([5, 3, 1]);
    await stock.fill(); // already full: nothing made
    expect(maker.calls).to.have.length(3);
  });

  it("never holds more than capacity when a batch brings more than wanted", async function () {
    const stock = new Stock({ capacity: 3, make: async () => [1, 2, 3, 4, 5] });
    await stock.fill();
    expect(stock.size).to.equal(3);
  });

  it("hands each value out once, then nothing; a filling replaces what is taken while it runs", async function () {
    const stock = new Stock({ capacity: 3, make: counter(1).make });
    const filling = stock.fill();
    while (stock.size === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const during = stock.take();
    await filling;
    expect(stock.size).to.equal(3);
    const taken = [during, stock.take(), stock.take(), stock.take()];
    expect(new Set(taken).size).to.equal(4);
    expect(taken).to.not.include(undefined);
    expect(stock.take()).to.equal(undefined);
  });

  it("passes on what make throws, and fills again on the next call", async function () {
    let fail = true;
    const stock = new Stock({
      capacity: 2,
      make: async () => {
        if (fail) throw new Error("no entropy today");
        return [1];
      },
    });
    expect(await rejectionOf(stock.fill())).to.have.property("message", "no entropy today");
    fail = false;
    await stock.fill();
    expect(stock.size).to.equal(2);
  });

  it("on close: drops the values, rejects the running filling (during) and later ones (before) with the owner's error", async function () {
    const stock = new Stock({
      capacity: 4,
      make: counter(1).make,
      closedError: (during) => new RangeError(during ? "closed while filling" : "closed"),
    });
    await stock.fill();
    const filling = (stock.take(), stock.fill());
    await stock.close();
    expect(stock.closed).to.equal(true);
    expect(stock.size).to.equal(0);
    expect(await rejectionOf(filling))
      .to.be.instanceOf(RangeError)
      .with.property("message", "closed while filling");
    expect(await rejectionOf(stock.fill()))
      .to.be.instanceOf(RangeError)
      .with.property("message", "closed");
  });

  it("without an owner's error, rejects a filling on a closed stock with one saying so", async function () {
    const stock = new Stock({ capacity: 1, make: counter(1).make });
    await stock.close();
    expect(await rejectionOf(stock.fill())).to.have.property(
      "message",
      "Stock.fill: expected an open stock, got a closed one",
    );
  });
});
