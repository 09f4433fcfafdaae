/**
 * Tests of packing several values per plaintext: round trips, slot-wise homomorphic addition, overflow refusals.
 */

import { expect } from "chai";
import fc from "fast-check";
import {
  PaillierPublicKey,
  add,
  decrypt,
  encrypt,
  multiplyByConstant,
  pack,
  packingCapacity,
  unpack,
} from "../../src/paillier";
import { expectPaillierError, fixtureKey } from "./helpers";

describe("paillier/packing", () => {
  const key = fixtureKey(3072);
  const pk = key.publicKey;

  it("has the documented capacity: floor(R / slotBits)", () => {
    expect(packingCapacity(pk, 64)).to.equal(23);
    expect(packingCapacity(pk, 1)).to.equal(1535);
    expect(packingCapacity(fixtureKey(2048).publicKey, 64)).to.equal(15);
  });

  it("round-trips arrays up to the capacity (fast-check, size max)", () => {
    const slotBits = 32;
    const capacity = packingCapacity(pk, slotBits);
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), { minLength: 1, maxLength: capacity, size: "max" }),
        (values) => {
          const packed = pack(pk, values, { slotBits });
          return unpack(pk, packed, values.length, { slotBits }).every((v, i) => v === values[i]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("adds slot by slot through encryption, within the headroom", () => {
    const layout = { slotBits: 16, valueBits: 12 };
    const xs = [4095n, 0n, 17n, 1n];
    const ys = [4095n, 4095n, 3n, 0n];
    const c = add(encrypt(pk, pack(pk, xs, layout)), encrypt(key, pack(pk, ys, layout)));
    expect(unpack(pk, decrypt(key, c), 4, { slotBits: 16, valueBits: 13 })).to.deep.equal([8190n, 4095n, 20n, 1n]);
    const tripled = multiplyByConstant(c, 3n);
    expect(unpack(pk, decrypt(key, tripled), 4, { slotBits: 16 })).to.deep.equal([24570n, 12285n, 60n, 3n]);
  });

  it("adds 2^(slotBits − valueBits) full vectors without a carry (fast-check, size max)", () => {
    const layout = { slotBits: 10, valueBits: 6 }; // headroom for 16 vectors
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.bigInt({ min: 0n, max: 63n }), { minLength: 5, maxLength: 5 }), {
          minLength: 1,
          maxLength: 16,
          size: "max",
        }),
        (vectors) => {
          const total = vectors.map((v) => pack(pk, v, layout)).reduce((a, b) => a + b, 0n);
          const expected = [0, 1, 2, 3, 4].map((i) => vectors.reduce((s, v) => s + v[i], 0n));
          return unpack(pk, total, 5, { slotBits: 10 }).every((v, i) => v === expected[i]);
        },
      ),
      { numRuns: 100 },
    );
  });

  describe("refusals (PACKING_OVERFLOW)", () => {
    it("refuses a value at or above 2^valueBits, and negative values", () => {
      expectPaillierError(
        () => pack(pk, [1n, 256n], { slotBits: 8 }),
        "PACKING_OVERFLOW",
        /values\[1\] in \[0, 2\^8\)/,
      );
      expectPaillierError(() => pack(pk, [16n], { slotBits: 8, valueBits: 4 }), "PACKING_OVERFLOW");
      expectPaillierError(() => pack(pk, [-1n], { slotBits: 8 }), "PACKING_OVERFLOW");
    });

    it("refuses more values than slots", () => {
      const values = new Array<bigint>(24).fill(1n);
      expectPaillierError(() => pack(pk, values, { slotBits: 64 }), "PACKING_OVERFLOW", /at most 23 slots/);
    });

    it("detects a carry out of the top slot after an addition", () => {
      const layout = { slotBits: 8 };
      const c = add(encrypt(pk, pack(pk, [0n, 200n], layout)), encrypt(pk, pack(pk, [0n, 100n], layout)));
      expectPaillierError(
        () => unpack(pk, decrypt(key, c), 2, layout),
        "PACKING_OVERFLOW",
        /carry out of the top slot/,
      );
    });

    it("detects a slot above its declared bound", () => {
      const packed = pack(pk, [200n, 3n], { slotBits: 8 });
      expectPaillierError(() => unpack(pk, packed, 2, { slotBits: 8, valueBits: 7 }), "PACKING_OVERFLOW", /slot 0/);
    });

    it("refuses a negative total (a slot went below zero)", () => {
      const c = add(encrypt(pk, pack(pk, [1n], { slotBits: 8 })), encrypt(pk, -2n));
      expectPaillierError(() => unpack(pk, decrypt(key, c), 1, { slotBits: 8 }), "PACKING_OVERFLOW", /negative total/);
    });
  });

  it("refuses bad layouts and arguments (INVALID_ARGUMENT)", () => {
    expectPaillierError(() => pack(pk, [1n], { slotBits: 0 }), "INVALID_ARGUMENT");
    expectPaillierError(() => pack(pk, [1n], { slotBits: 8, valueBits: 9 }), "INVALID_ARGUMENT");
    expectPaillierError(() => pack(pk, [1n], { slotBits: 1.5 }), "INVALID_ARGUMENT");
    expectPaillierError(() => pack(pk, [], { slotBits: 8 }), "INVALID_ARGUMENT");
    expectPaillierError(() => pack(pk, [1 as unknown as bigint], { slotBits: 8 }), "INVALID_ARGUMENT");
    expectPaillierError(() => pack({} as PaillierPublicKey, [1n], { slotBits: 8 }), "INVALID_ARGUMENT");
    expectPaillierError(() => unpack(pk, 1n, 0, { slotBits: 8 }), "INVALID_ARGUMENT");
    expectPaillierError(() => unpack(pk, 1n, 1000, { slotBits: 8 }), "INVALID_ARGUMENT");
  });
});
