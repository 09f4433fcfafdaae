/**
 * The decision-mode protocol before the reversal (blindcredit/1), kept as the baseline the current one must beat:
 * the bank sent its thresholds' bits encrypted under its own Paillier key, the bureau computed and blinded the DGK
 * values under that key (one exponentiation modulo n² with an n-bit exponent per value, over worker threads), and
 * the bank zero-tested them. Semi-honest only: a bank holding its own factorisation reads every comparison (see the
 * attack tests in test/protocol/cheatingBank.test.ts). Same engine, pools and threads as the current protocol, so the
 * two differ only in the protocol.
 * @module
 */
import {
  add,
  addConstant,
  blindInline,
  encrypt,
  isZero,
  multiplyByConstant,
  randomBelow,
  sum,
  Ciphertext,
  type Blind,
  type PaillierPrivateKey,
  type RandomizerSource,
} from "../../src/paillier";
import { negateAll } from "../../src/paillier";
import { shuffle } from "../../src/protocol/comparison";
import { combinationOf, comparisonsOf, subjectOperand, type ParsedThresholdCondition } from "../../src/protocol/form";
import { comparisonDomain, fieldNamed } from "../../src/protocol/schema";

/** Bank: the encrypted bits of every comparison's threshold, least significant first. */
export function previousForm(
  key: PaillierPrivateKey,
  conditions: readonly ParsedThresholdCondition[],
  pool?: RandomizerSource,
) {
  return conditions.flatMap((c) => {
    const { bits } = comparisonDomain(fieldNamed(c.field));
    return comparisonsOf(c).map((cmp) =>
      Array.from({ length: bits }, (_, j) => encrypt(key, (cmp.threshold >> BigInt(j)) & 1n, { pool })),
    );
  });
}

/** Bureau: the blinded, shuffled DGK values of every comparison, and its secret shares. */
export async function previousChallenge(
  conditions: readonly ParsedThresholdCondition[],
  bitCiphertexts: readonly Ciphertext[][],
  values: ReadonlyMap<string, bigint>,
  { pool, blind = blindInline }: { pool?: RandomizerSource; blind?: Blind } = {},
) {
  const publicKey = bitCiphertexts[0][0].publicKey;
  const negated = negateAll(bitCiphertexts.flat());
  const shares: (0 | 1)[] = [];
  const unblinded: Ciphertext[][] = [];
  let index = 0;
  let offset = 0;
  for (const condition of conditions) {
    const field = fieldNamed(condition.field);
    for (const direction of combinationOf(condition).directions) {
      const bits = bitCiphertexts[index++];
      const a = subjectOperand(field, direction, values.get(condition.field)!);
      const share = Number(randomBelow(2n)) as 0 | 1;
      const s = share === 0 ? 1n : -1n;
      const out: Ciphertext[] = [];
      let differing = Ciphertext.fromBigInt(publicKey, 1n); // E(0), public: every value is blinded later
      for (let j = bits.length - 1; j >= -1; j--) {
        const aj = j >= 0 ? (a >> BigInt(j)) & 1n : 1n;
        const threeDiffering = multiplyByConstant(differing, 3n);
        out.push(
          j >= 0 ? add(addConstant(negated[offset + j], s + aj), threeDiffering) : addConstant(threeDiffering, s + aj),
        );
        if (j >= 0) differing = add(differing, aj === 0n ? bits[j] : addConstant(negated[offset + j], 1n));
      }
      offset += bits.length;
      shares.push(share);
      unblinded.push(out);
    }
  }
  const blinded = await blind(unblinded.flat(), pool);
  let next = 0;
  const challenge = unblinded.map(({ length }) => {
    const slice = blinded.slice(next, (next += length));
    shuffle(slice);
    return slice;
  });
  return { shares, challenge };
}

/** Bank: its share of each comparison (1 iff a value decrypts to zero), encrypted. */
export function previousRespond(key: PaillierPrivateKey, challenge: readonly Ciphertext[][], pool?: RandomizerSource) {
  return challenge.map((values) => encrypt(key, values.some((v) => isZero(key, v)) ? 1n : 0n, { pool }));
}

/** Bureau: E(ρ · (k − Σ holds_i)), blinded. */
export async function previousAnswer(
  conditions: readonly ParsedThresholdCondition[],
  shares: readonly (0 | 1)[],
  bankShares: readonly Ciphertext[],
  { pool, blind = blindInline }: { pool?: RandomizerSource; blind?: Blind } = {},
): Promise<Ciphertext> {
  const negatedShares = negateAll(bankShares);
  let index = 0;
  const misses = conditions.map((condition) => {
    const { coefficients, offset } = combinationOf(condition);
    const terms = coefficients.map((coefficient) => {
      // [a ≥ c] = δ_B when δ_A = 1, else 1 − δ_B
      const i = index++;
      const bit = shares[i] === 1 ? bankShares[i] : addConstant(negatedShares[i], 1n);
      const negatedBit = shares[i] === 1 ? negatedShares[i] : addConstant(bankShares[i], -1n);
      return coefficient === 1 ? negatedBit : bit;
    });
    return addConstant(sum(terms), BigInt(1 - offset));
  });
  const [answer] = await blind([sum(misses)], pool);
  return answer;
}
