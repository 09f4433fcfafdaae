/**
 * The side channels a cheating bank could read besides the answer (issue 19 §3): the bureau's work on the bank's
 * values, which must not depend on which of them are zero, and a form naming a field the subject's record lacks,
 * which must be declined like any other unmet condition, never refused, with messages of the same shape and the same
 * work as when the field has data.
 */
import { expect } from "chai";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { encrypt as dgkEncrypt, zeroTest } from "../../src/dgk";
import { ModularExponentiator, modPowCounters, randomBelow } from "../../src/paillier";
import { bureauShare } from "../../src/protocol/comparison";

const comparisonKey = fixtureComparisonKey();

/**
 * The exponentiations `work` computes, as "modulus bits/exponent bits/route" sorted: a call answered without computing
 * (a base of 0, 1 or −1) is no work and is not listed; one OpenSSL redid (a result of 1) is listed as a fallback.
 */
function exponentiations(work: () => void): string[] {
  const done: string[] = [];
  const original = Object.getOwnPropertyDescriptor(ModularExponentiator.prototype, "pow")!;
  const routeTaken = (before: ReturnType<typeof modPowCounters>) => {
    const after = modPowCounters();
    if (after.fallback > before.fallback) return "fallback";
    if (after.openssl > before.openssl) return "openssl";
    if (after.bigint > before.bigint) return "bigint";
    return undefined;
  };
  Object.defineProperty(ModularExponentiator.prototype, "pow", {
    ...original,
    value(this: ModularExponentiator, base: bigint, exponent: bigint) {
      const before = modPowCounters();
      const result = (original.value as ModularExponentiator["pow"]).call(this, base, exponent);
      const route = routeTaken(before);
      if (route) done.push(`${this.modulus.toString(2).length}/${exponent.toString(2).length}/${route}`);
      return result;
    },
  });
  try {
    work();
  } finally {
    Object.defineProperty(ModularExponentiator.prototype, "pow", original);
  }
  return done.sort();
}

/** `count` DGK ciphertexts of the comparison key, those at `zeros` encrypting 0, the others a non-zero value. */
function values(count: number, zeros: (i: number) => boolean): bigint[] {
  const { u } = comparisonKey.publicKey;
  return Array.from({ length: count }, (_, i) =>
    dgkEncrypt(comparisonKey.publicKey, zeros(i) ? 0n : 1n + randomBelow(u - 1n)),
  );
}

describe("Side channels of a check", function () {
  describe("timing: the bureau's zero tests do the same work whatever the bank's values encrypt", function () {
    it("one zero test: the same exponentiations for a zero and for a non-zero value", function () {
      const [zero] = values(1, () => true);
      const [nonZero] = values(1, () => false);
      const work = exponentiations(() => expect(zeroTest(comparisonKey, zero)).to.equal(true));
      expect(work.length).to.be.greaterThan(0);
      expect(exponentiations(() => expect(zeroTest(comparisonKey, nonZero)).to.equal(false))).to.deep.equal(work);
    });

    it("a comparison's values: the same exponentiations with none, one (first, middle or last) or all of them zero", function () {
      const count = 11; // a 10-bit field's comparison
      const cases: [string, (i: number) => boolean, 0 | 1][] = [
        ["no zero", () => false, 0],
        ["the first zero", (i) => i === 0, 1],
        ["a middle one zero", (i) => i === 5, 1],
        ["the last zero", (i) => i === count - 1, 1],
        ["all zero", () => true, 1],
      ];
      const [, noZero] = cases[0];
      const none = values(count, noZero);
      const reference = exponentiations(() => bureauShare(comparisonKey, none));
      expect(reference.length).to.be.at.least(count);
      for (const [name, zeros, share] of cases) {
        const list = values(count, zeros);
        const work = exponentiations(() => expect(bureauShare(comparisonKey, list)).to.equal(share));
        expect(work, name).to.deep.equal(reference);
      }
    });
  });
});
