/**
 * Tests of the signed encoding (range edges, the overflow band) and of the fixed-point conversion.
 */

import { expect } from "chai";
import fc from "fast-check";
import {
  FIXED_POINT_DECIMALS,
  PaillierPublicKey,
  decodeSigned,
  encodeSigned,
  fromFixedPoint,
  plaintextRange,
  toFixedPoint,
} from "../../src/paillier";
import { expectPaillierError, fixtureKey } from "./helpers";

describe("paillier/encoding", () => {
  for (const bits of [2048, 3072] as const) {
    describe(`signed integers (${bits}-bit key)`, () => {
      const pk = fixtureKey(bits).publicKey;
      const { n } = pk;
      const range = plaintextRange(pk);
      const { min, max } = range;

      it(`has the documented range: R = ${bits / 2 - 1}, M = 2^R − 1`, () => {
        expect(range.bits).to.equal(bits / 2 - 1);
        expect(max).to.equal((1n << BigInt(bits / 2 - 1)) - 1n);
        expect(min).to.equal(-max);
        // the guarantee: products of two in-range values stay below n/2
        expect(max * max < n / 2n).to.equal(true);
      });

      it("encodes and decodes the explicit edge values", () => {
        const edges: [bigint, bigint][] = [
          [0n, 0n],
          [1n, 1n],
          [-1n, n - 1n],
          [max, max],
          [min, n - max],
          [max - 1n, max - 1n],
          [min + 1n, n - max + 1n],
        ];
        for (const [value, encoded] of edges) {
          expect(encodeSigned(pk, value)).to.equal(encoded);
          expect(decodeSigned(pk, encoded)).to.equal(value);
        }
      });

      it("refuses to encode one past either edge (PLAINTEXT_RANGE)", () => {
        expectPaillierError(() => encodeSigned(pk, max + 1n), "PLAINTEXT_RANGE");
        expectPaillierError(() => encodeSigned(pk, min - 1n), "PLAINTEXT_RANGE");
        expectPaillierError(() => encodeSigned(pk, n), "PLAINTEXT_RANGE");
      });

      it("refuses to decode the overflow band, at both of its edges and in the middle (PLAINTEXT_OVERFLOW)", () => {
        for (const x of [max + 1n, n - max - 1n, n / 2n, (n + 1n) / 2n]) {
          expectPaillierError(() => decodeSigned(pk, x), "PLAINTEXT_OVERFLOW", /overflow band/);
        }
      });

      it("refuses to decode a residue outside [0, n)", () => {
        expectPaillierError(() => decodeSigned(pk, n), "INVALID_ARGUMENT");
        expectPaillierError(() => decodeSigned(pk, -1n), "INVALID_ARGUMENT");
      });

      it("round-trips every value in range (fast-check with edges)", () => {
        const value = fc.oneof(fc.constantFrom(min, max, 0n, 1n, -1n), fc.bigInt({ min, max }));
        fc.assert(
          fc.property(value, (v) => decodeSigned(pk, encodeSigned(pk, v)) === v),
          { numRuns: 500 },
        );
      });

      it("refuses every residue in the band (fast-check)", () => {
        fc.assert(
          fc.property(fc.bigInt({ min: max + 1n, max: n - max - 1n }), (x) => {
            try {
              decodeSigned(pk, x);
              return false;
            } catch (err) {
              return (err as { code?: string }).code === "PLAINTEXT_OVERFLOW";
            }
          }),
          { numRuns: 200 },
        );
      });
    });
  }

  it("refuses non-keys and non-bigints", () => {
    const pk = fixtureKey(2048).publicKey;
    expectPaillierError(() => plaintextRange({} as PaillierPublicKey), "INVALID_ARGUMENT");
    expectPaillierError(() => encodeSigned(pk, 5 as unknown as bigint), "INVALID_ARGUMENT");
    expectPaillierError(() => decodeSigned(pk, "5" as unknown as bigint), "INVALID_ARGUMENT");
  });

  describe("fixed point", () => {
    it(`scales by 10^${FIXED_POINT_DECIMALS} exactly`, () => {
      expect(FIXED_POINT_DECIMALS).to.equal(6);
      const cases: [string | number, bigint][] = [
        ["0.35", 350_000n],
        [0.35, 350_000n],
        ["-12.5", -12_500_000n],
        ["3", 3_000_000n],
        ["0.000001", 1n],
        [1e-6, 1n],
        ["-0", 0n],
        ["40000", 40_000_000_000n],
        ["1.500000000", 1_500_000n],
        [1e21, 10n ** 27n],
        [123456.789, 123_456_789_000n],
      ];
      for (const [input, scaled] of cases) expect(toFixedPoint(input)).to.equal(scaled);
      expect(toFixedPoint("0.35", 2)).to.equal(35n);
      expect(toFixedPoint("2", 0)).to.equal(2n);
    });

    it("converts back without trailing zeros", () => {
      expect(fromFixedPoint(350_000n)).to.equal("0.35");
      expect(fromFixedPoint(-12_500_000n)).to.equal("-12.5");
      expect(fromFixedPoint(3_000_000n)).to.equal("3");
      expect(fromFixedPoint(1n)).to.equal("0.000001");
      expect(fromFixedPoint(-1n)).to.equal("-0.000001");
      expect(fromFixedPoint(0n)).to.equal("0");
      expect(fromFixedPoint(35n * 10n ** 10n, 12)).to.equal("0.35");
    });

    it("round-trips (fast-check)", () => {
      fc.assert(
        fc.property(fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }), fc.integer({ min: 0, max: 30 }), (x, d) => {
          return toFixedPoint(fromFixedPoint(x, d), d) === x;
        }),
        { numRuns: 300 },
      );
    });

    it("refuses more decimals than the scale instead of rounding (PLAINTEXT_RANGE)", () => {
      expectPaillierError(() => toFixedPoint("0.0000001"), "PLAINTEXT_RANGE", /at most 6 decimal places, got 7/);
      expectPaillierError(() => toFixedPoint(0.1 + 0.2), "PLAINTEXT_RANGE", /never rounded/);
      expectPaillierError(() => toFixedPoint(1e-7), "PLAINTEXT_RANGE");
      expectPaillierError(() => toFixedPoint("0.355", 2), "PLAINTEXT_RANGE");
    });

    it("refuses what is not a decimal", () => {
      for (const input of ["", "abc", "1.", ".5", "1e5", "+1", "1,5", " 1", "0x10", NaN, Infinity, null, 5n]) {
        expectPaillierError(() => toFixedPoint(input as string), "INVALID_ARGUMENT");
      }
      expectPaillierError(() => toFixedPoint("1", 31), "INVALID_ARGUMENT");
      expectPaillierError(() => fromFixedPoint(1 as unknown as bigint), "INVALID_ARGUMENT");
    });
  });
});
