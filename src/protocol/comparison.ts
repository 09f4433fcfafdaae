/**
 * Private comparison [a ≥ c] between the bureau's a and the bank's c, after Damgård, Geisler and Krøigaard (DGK,
 * 2007, with the 2009 correction), in the reversed orientation that keeps a cheating bank to one bit: the bureau
 * owns the comparison key, and the bank's threshold never leaves the bank, not even encrypted.
 *
 * 1. The bureau sends E(a_j), the bits of a (least significant first), under its own DGK key.
 * 2. The bank extends both operands by one bit (a' = 2a + 1 against c' = 2c, so they never tie), draws a secret
 *    share δ_bank ∈ {0, 1} and s = 1 − 2δ_bank, and for every bit position j computes homomorphically
 *        e_j = s + c'_j − a'_j + 3 · Σ_{k>j} (a'_k ⊕ c'_k)     (c'_j in the clear, a'_j encrypted).
 *    Some e_j is zero iff the operands first differ at j in the direction s names. Each e_j is multiplied by a
 *    fresh factor uniform in Z_u*, re-randomised with a fresh h^r, and the list shuffled. With it the bank sends
 *    E(δ_bank) under its own Paillier key, with a proof that it encrypts a bit.
 * 3. The bureau zero-tests: its share δ_bureau is 1 iff some value is zero. Then δ_bank ⊕ δ_bureau = [a ≥ c], and
 *    E([a ≥ c]) is E(δ_bank) or E(1 − δ_bank), computed under the bank's key without learning it.
 *
 * What each side sees: the bank, DGK ciphertexts under a key it does not hold; the bureau, values that are zero or
 * uniform in Z_u*, at a uniform position, whose zero/non-zero pattern is independent of [a ≥ c] because δ_bank is
 * uniform and secret.
 * @module
 */
import {
  addConstant as dgkAddConstant,
  negateAll as dgkNegateAll,
  encrypt as dgkEncrypt,
  zeroTest,
  multiplyByConstant as dgkMultiply,
  randomizer as dgkRandomizer,
  type DgkPrivateKey,
  type DgkPublicKey,
} from "../dgk";
import { addConstant, randomBelow, type Ciphertext } from "../paillier";

/**
 * Step 1, the bureau: DGK encryptions of the `bits` bits of its operand `a`, least significant first.
 * @throws Error when `a` does not fit in `bits` bits
 */
export function encryptOperand(
  key: DgkPrivateKey,
  a: bigint,
  bits: number,
  nextRandomizer: DgkRandomizers = () => dgkRandomizer(key),
): bigint[] {
  if (a < 0n || a >> BigInt(bits) !== 0n)
    throw new Error(`comparison: expected an operand in [0, 2^${bits}), got ${a}`);
  return Array.from({ length: bits }, (_, j) => dgkEncrypt(key, (a >> BigInt(j)) & 1n, nextRandomizer()));
}

/** Where DGK randomizers h^r come from: computed on demand, or taken from a precomputed pool. */
export type DgkRandomizers = () => bigint;

/**
 * Step 2, the bank: the blinded, re-randomised and shuffled DGK values of one comparison against its plaintext
 * threshold `c`, for its secret share `share` (δ_bank). The operand bits must already be validated as ciphertexts
 * of `key` (see `parseCiphertext` of the DGK engine).
 * @param operandBits E(a_j) from the bureau, least significant first
 * @returns bits + 1 values
 */
export function blindedComparison(
  key: DgkPublicKey,
  operandBits: readonly bigint[],
  c: bigint,
  share: 0 | 1,
  nextRandomizer: DgkRandomizers = () => dgkRandomizer(key),
): bigint[] {
  const bits = operandBits.length;
  if (c < 0n || c >> BigInt(bits) !== 0n)
    throw new Error(`comparison: expected a threshold in [0, 2^${bits}), got ${c}`);
  // |e_j| ≤ 3·(bits + 1) + 2 must stay below u, or a value could wrap to zero.
  if (key.u <= BigInt(3 * (bits + 1) + 2)) {
    throw new Error(`comparison: expected a DGK plaintext space above ${3 * (bits + 1) + 2}, got u = ${key.u}`);
  }
  const { n } = key;
  const s = share === 0 ? 1n : -1n;
  const negated = dgkNegateAll(key, operandBits);
  const values: bigint[] = [];
  let threeTimesDiffering = 1n; // E(3 · Σ_{k>j} (a'_k ⊕ c'_k)), a trivial E(0) to start
  // Extended positions from the top (a'_{j+1} = a_j, c'_{j+1} = c_j) down to 0 (a'_0 = 1, c'_0 = 0, public).
  for (let j = bits; j >= 0; j--) {
    const cj = j > 0 ? (c >> BigInt(j - 1)) & 1n : 0n;
    // E(s + c'_j − a'_j); a'_0 = 1 is public
    const local = j > 0 ? dgkAddConstant(key, negated[j - 1], s + cj) : dgkAddConstant(key, 1n, s + cj - 1n);
    values.push(blind(key, (local * threeTimesDiffering) % n, nextRandomizer));
    if (j > 0) {
      // a ⊕ c = a when c = 0, else 1 − a; cubed by two multiplications, cheaper than an exponentiation
      const xor = cj === 0n ? operandBits[j - 1] : dgkAddConstant(key, negated[j - 1], 1n);
      threeTimesDiffering = (((((threeTimesDiffering * xor) % n) * xor) % n) * xor) % n;
    }
  }
  shuffle(values);
  return values;
}

/** E(ρ·e) · h^r with ρ uniform in Z_u*: zero stays zero, anything else becomes uniform in Z_u*, and fresh. */
function blind(key: DgkPublicKey, e: bigint, nextRandomizer: DgkRandomizers): bigint {
  const rho = 1n + randomBelow(key.u - 1n);
  return (dgkMultiply(key, e, rho) * nextRandomizer()) % key.n;
}

/** Why the bureau refuses a bank's comparison values. */
export class ComparisonValueError extends Error {
  /**
   * @param index the value's index in its comparison
   * @param comparison the comparison's index in the response, when known
   */
  constructor(
    readonly index: number,
    message: string,
    readonly comparison?: number,
  ) {
    super(message);
    this.name = "ComparisonValueError";
  }
}

/**
 * Step 3, the bureau: its share δ_bureau of one comparison, 1 iff some value is zero.
 * @throws ComparisonValueError when a value is not a ciphertext of this check's key (outside the subgroup its
 *   g and h generate): the bank sent something other than what the protocol computes, or computed it from another
 *   check's ciphertexts
 */
export function bureauShare(key: DgkPrivateKey, values: readonly bigint[]): 0 | 1 {
  let share: 0 | 1 = 0;
  values.forEach((v, i) => {
    try {
      if (zeroTest(key, v)) share = 1;
    } catch {
      throw new ComparisonValueError(
        i,
        `value ${i + 1}: expected a ciphertext of this check's comparison key, got another element (computed from ` +
          "another check's ciphertexts, or forged)",
      );
    }
  });
  return share;
}

/**
 * Step 3, the bureau: its share of every comparison of a response, in order.
 * @throws ComparisonValueError (with `comparison` set) for the first value that is not a ciphertext of this check's
 *   key
 */
export function bureauShares(key: DgkPrivateKey, comparisons: readonly (readonly bigint[])[]): (0 | 1)[] {
  return comparisons.map((values, comparison) => {
    try {
      return bureauShare(key, values);
    } catch (e) {
      if (!(e instanceof ComparisonValueError)) throw e;
      throw new ComparisonValueError(e.index, e.message, comparison);
    }
  });
}

/**
 * Step 3, the bureau: E([a ≥ c]) and E(1 − [a ≥ c]) under the bank's key from its share δ_bureau and the bank's
 * E(δ_bank): [a ≥ c] = δ_bank when δ_bureau = 0, and 1 − δ_bank when δ_bureau = 1.
 * @param negatedBankShare E(−δ_bank), from `negateAll`
 */
export function comparisonBit(
  bureauShare: 0 | 1,
  bankShare: Ciphertext,
  negatedBankShare: Ciphertext,
): { readonly bit: Ciphertext; readonly negatedBit: Ciphertext } {
  return bureauShare === 0
    ? { bit: bankShare, negatedBit: negatedBankShare }
    : { bit: addConstant(negatedBankShare, 1n), negatedBit: addConstant(bankShare, -1n) };
}

/** Fisher–Yates with the platform CSPRNG. */
export function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Number(randomBelow(BigInt(i + 1)));
    [items[i], items[j]] = [items[j], items[i]];
  }
}
