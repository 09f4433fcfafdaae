/**
 * Tests of the CSPRNG sampling helpers: ranges, rough uniformity, refusals.
 */

import { expect } from "chai";
import { gcd } from "../../src/paillier/arith";
import { randomBelow, randomBits, randomUnit } from "../../src/paillier";
import { expectPaillierError, fixtureKey } from "./helpers";

describe("paillier/random", () => {
  it("randomBelow stays below bounds around powers of two", () => {
    for (const bound of [1n, 2n, 3n, 255n, 256n, 257n, (1n << 64n) - 1n, 1n << 64n, (1n << 64n) + 1n]) {
      for (let i = 0; i < 200; i++) {
        const x = randomBelow(bound);
        expect(x >= 0n && x < bound, `${x} < ${bound}`).to.equal(true);
      }
    }
    expect(randomBelow(1n)).to.equal(0n);
  });

  it("randomBelow is roughly uniform (chi-square over a die, loose bound)", () => {
    const counts = new Array<number>(6).fill(0);
    const draws = 12_000;
    for (let i = 0; i < draws; i++) counts[Number(randomBelow(6n))]++;
    const expected = draws / 6;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 5 degrees of freedom: P(chi2 > 25) < 0.0002
    expect(chi2).to.be.lessThan(25);
  });

  it("randomBelow reaches the top of a large range (no truncated bits)", () => {
    const bound = 1n << 1000n;
    let top = 0;
    for (let i = 0; i < 64; i++) if (randomBelow(bound) >= bound / 2n) top++;
    expect(top).to.be.greaterThan(10).and.lessThan(54);
  });

  it("randomBits stays in [0, 2^bits) and uses every bit", () => {
    for (const bits of [1, 7, 8, 9, 64, 1535]) {
      let seenTop = false;
      for (let i = 0; i < 64; i++) {
        const x = randomBits(bits);
        expect(x < 1n << BigInt(bits)).to.equal(true);
        if (x >> BigInt(bits - 1) === 1n) seenTop = true;
      }
      expect(seenTop, `top bit of ${bits}`).to.equal(true);
    }
  });

  it("randomUnit returns units modulo n", () => {
    const { n } = fixtureKey(2048).publicKey;
    for (let i = 0; i < 20; i++) {
      const r = randomUnit(n);
      expect(r > 0n && r < n && gcd(r, n) === 1n).to.equal(true);
    }
    // modulo 15, units are 1, 2, 4, 7, 8, 11, 13, 14: all of them show up, nothing else
    const seen = new Set<bigint>();
    for (let i = 0; i < 400; i++) seen.add(randomUnit(15n));
    expect([...seen].sort((a, b) => Number(a - b))).to.deep.equal([1n, 2n, 4n, 7n, 8n, 11n, 13n, 14n]);
  });

  it("refuses bad bounds", () => {
    expectPaillierError(() => randomBelow(0n), "INVALID_ARGUMENT", /expected bound >= 1, got 0/);
    expectPaillierError(() => randomBelow(-5n), "INVALID_ARGUMENT");
    expectPaillierError(() => randomBelow(5 as unknown as bigint), "INVALID_ARGUMENT");
    expectPaillierError(() => randomBits(0), "INVALID_ARGUMENT");
    expectPaillierError(() => randomBits(1.5), "INVALID_ARGUMENT");
    expectPaillierError(() => randomUnit(1n), "INVALID_ARGUMENT", /expected n >= 2/);
  });
});
