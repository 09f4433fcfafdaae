/**
 * Tests of the signed encoding: range edges, the overflow band, refusals.
 */

import { expect } from "chai";
import fc from "fast-check";
import { PaillierPublicKey, decodeSigned, encodeSigned, plaintextRange } from "../../src/paillier";
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
});
