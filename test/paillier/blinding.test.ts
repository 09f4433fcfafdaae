/**
 * Tests of batch blinding: the worker threads give what the inline reference gives (zero stays zero, anything else
 * becomes a unit that is not the input), in order, with or without a pool, and refuse misuse.
 */

import { expect } from "chai";
import {
  BlindingWorkers,
  RandomnessPool,
  blindInline,
  decryptRaw,
  encrypt,
  isZero,
  type Ciphertext,
  type PaillierErrorCode,
} from "../../src/paillier";
import { expectPaillierError, fixtureKey } from "./helpers";
import { rejectionOf } from "../helpers/rejection";

describe("paillier/blinding", () => {
  const key = fixtureKey(2048);
  const pk = key.publicKey;
  const plaintexts = [0n, 1n, -1n, 0n, 42n, 7n, 0n];
  let workers: BlindingWorkers;

  before(() => {
    workers = new BlindingWorkers(2);
  });
  after(async () => {
    await workers.close();
  });

  async function expectRejected(promise: Promise<unknown>, code: PaillierErrorCode, message: RegExp) {
    const caught = await rejectionOf(promise);
    expectPaillierError(
      () => {
        if (caught) throw caught;
      },
      code,
      message,
    );
  }

  /** What blinding must keep and hide, checked value by value against the inputs. */
  function expectBlinded(inputs: readonly Ciphertext[], outputs: readonly Ciphertext[]): void {
    expect(outputs).to.have.length(inputs.length);
    outputs.forEach((out, i) => {
      const m = decryptRaw(key, inputs[i]);
      expect(isZero(key, out), `value ${i}`).to.equal(m === 0n);
      if (m !== 0n) expect(decryptRaw(key, out), `value ${i} is blinded`).to.not.equal(m);
      expect(out.value, `value ${i} is re-randomised`).to.not.equal(inputs[i].value);
    });
  }

  for (const [name, blind] of [
    ["inline", blindInline],
    ["worker threads", (v: readonly Ciphertext[], pool?: RandomnessPool) => workers.blind(v, pool)],
  ] as const) {
    it(`${name}: zero stays zero, non-zero values change, order is kept`, async () => {
      const inputs = plaintexts.map((m) => encrypt(pk, m));
      expectBlinded(inputs, await blind(inputs));
    });

    it(`${name}: with a pool, the re-randomisation takes its randomizers`, async () => {
      const pool = new RandomnessPool(pk, { capacity: 8, mode: "main" });
      try {
        await pool.fill();
        const inputs = plaintexts.map((m) => encrypt(pk, m));
        expectBlinded(inputs, await blind(inputs, pool));
        expect(pool.stats().taken).to.equal(inputs.length);
      } finally {
        await pool.close();
      }
    });
  }

  it("blinds the same value twice to different plaintexts (fresh factors)", async () => {
    const x = encrypt(pk, 5n);
    const [a, b] = await workers.blind([x, x]);
    expect(decryptRaw(key, a)).to.not.equal(decryptRaw(key, b));
  });

  it("returns nothing for nothing, and uses every thread for a batch", async () => {
    expect(await workers.blind([])).to.deep.equal([]);
    expect(workers.threads).to.equal(2);
  });

  it("refuses values under different keys, bad thread counts, and use after close", async () => {
    const other = fixtureKey(3072).publicKey;
    await expectRejected(workers.blind([encrypt(pk, 1n), encrypt(other, 1n)]), "KEY_MISMATCH", /one key/);
    expectPaillierError(() => new BlindingWorkers(0), "INVALID_ARGUMENT", /expected 1 to 256 threads, got 0/);
    const closed = new BlindingWorkers(1);
    await closed.close();
    await expectRejected(closed.blind([encrypt(pk, 1n)]), "INVALID_ARGUMENT", /after close/);
  });
});
