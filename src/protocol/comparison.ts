/**
 * Private comparison [a ≥ c] between the bureau's a and the bank's c, after Damgård, Geisler and
 * Krøigaard (DGK, 2007), run on Paillier under the bank's key. Neither party learns the result:
 * it ends XOR-shared between them, and the bureau turns the shares into an encrypted bit.
 *
 * 1. The bank encrypts the bits of c (least significant first).
 * 2. The bureau extends both operands by one bit (2a + 1 against 2c, so they never tie), draws a
 *    secret share δ_A ∈ {0, 1} and s = 1 − 2δ_A, and for every bit position j computes
 *        e_j = s + a_j − c_j + 3 · Σ_{k>j} (a_k ⊕ c_k).
 *    Some e_j is zero iff the operands first differ at j in the direction s names. Each e_j is
 *    multiplied by a fresh secret factor uniform in Z_n*, re-randomised (the costly part, done in
 *    a batch over worker threads), and the list shuffled.
 * 3. The bank decrypts: its share δ_B is 1 iff some value is zero. Then δ_A ⊕ δ_B = [a < c]. The
 *    bank's view (δ_B, and values uniform in Z_n* but for at most one zero at a uniform place)
 *    is independent of the result, because δ_A is uniform and secret.
 * 4. The bank sends E(δ_B); the bureau computes E([a ≥ c]) = E(1 − (δ_A ⊕ δ_B)).
 * @module
 */
import {
  Ciphertext,
  add,
  addConstant,
  encrypt,
  isZero,
  multiplyByConstant,
  randomBelow,
  type PaillierPrivateKey,
  type PaillierPublicKey,
  type RandomizerSource,
} from "../paillier";

/**
 * Step 1, the bank: encryptions of the `bits` bits of `threshold`, least significant first. With
 * the private key at hand (the bank's case) encryption goes four times faster by the CRT.
 * @throws Error when the threshold does not fit in `bits` bits
 */
export function encryptBits(
  key: PaillierPublicKey | PaillierPrivateKey,
  threshold: bigint,
  bits: number,
  pool?: RandomizerSource,
): Ciphertext[] {
  if (threshold < 0n || threshold >> BigInt(bits) !== 0n) {
    throw new Error(`comparison: expected a threshold in [0, 2^${bits}), got ${threshold}`);
  }
  return Array.from({ length: bits }, (_, j) => encrypt(key, (threshold >> BigInt(j)) & 1n, { pool }));
}

/** The bureau's side of one comparison after step 2, before blinding. */
export interface ComparisonValues {
  /** δ_A: the bureau's share of [a < c]. Secret. */
  readonly share: 0 | 1;
  /** E(e_j), one per bit position plus the extension bit, most significant first: to be blinded and shuffled. */
  readonly values: Ciphertext[];
}

/**
 * Step 2, the bureau: the DGK values for `a` against the bank's encrypted bits, not yet blinded. They must never
 * leave the bureau as they are: the caller multiplies each by a fresh secret unit, re-randomises (see
 * `BlindingWorkers`) and shuffles them.
 * @param bitCiphertexts the bank's encrypted bits of c, least significant first
 * @param negatedBits their negations (see {@link negateAll}), computed together for speed
 * @param a the bureau's operand, in [0, 2^bits)
 */
export function comparisonValues(
  bitCiphertexts: readonly Ciphertext[],
  negatedBits: readonly Ciphertext[],
  a: bigint,
): ComparisonValues {
  const bits = bitCiphertexts.length;
  if (a < 0n || a >> BigInt(bits) !== 0n)
    throw new Error(`comparison: expected an operand in [0, 2^${bits}), got ${a}`);
  const publicKey = bitCiphertexts[0].publicKey;
  const share = Number(randomBelow(2n)) as 0 | 1;
  const s = share === 0 ? 1n : -1n;

  // Positions from the most significant down to the extension bit (a: 1, c: 0), which is public.
  const values: Ciphertext[] = [];
  let differing = trivialZero(publicKey); // E(Σ_{k>j} a_k ⊕ c_k), accumulated
  for (let j = bits - 1; j >= -1; j--) {
    const aj = j >= 0 ? (a >> BigInt(j)) & 1n : 1n;
    // E(s + a_j − c_j)
    const local = j >= 0 ? addConstant(negatedBits[j], s + aj) : addConstant(trivialZero(publicKey), s + aj);
    values.push(add(local, multiplyByConstant(differing, 3n)));
    if (j >= 0) {
      // a_j ⊕ c_j = c_j when a_j = 0, else 1 − c_j
      const xor = aj === 0n ? bitCiphertexts[j] : addConstant(negatedBits[j], 1n);
      differing = add(differing, xor);
    }
  }
  return { share, values };
}

/** Step 3, the bank: its share δ_B, 1 iff some blinded value decrypts to zero. */
export function bankShare(privateKey: PaillierPrivateKey, values: readonly Ciphertext[]): 0 | 1 {
  return values.some((v) => isZero(privateKey, v)) ? 1 : 0;
}

/**
 * Step 4, the bureau: E([a ≥ c]) from its share δ_A and the bank's E(δ_B), and its negation,
 * whichever the caller needs: [a ≥ c] = δ_B when δ_A = 1, and 1 − δ_B when δ_A = 0.
 * @param negatedShare E(−δ_B), from {@link negateAll}
 */
export function comparisonBit(
  share: 0 | 1,
  bankShareCiphertext: Ciphertext,
  negatedShare: Ciphertext,
): { readonly bit: Ciphertext; readonly negatedBit: Ciphertext } {
  return share === 1
    ? { bit: bankShareCiphertext, negatedBit: negatedShare }
    : { bit: addConstant(negatedShare, 1n), negatedBit: addConstant(bankShareCiphertext, -1n) };
}

/** E(0) with randomness 1: a public constant, only ever combined into values that are re-randomised. */
function trivialZero(publicKey: PaillierPublicKey): Ciphertext {
  return Ciphertext.fromBigInt(publicKey, 1n);
}

/** Fisher–Yates with the platform CSPRNG. */
export function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Number(randomBelow(BigInt(i + 1)));
    [items[i], items[j]] = [items[j], items[i]];
  }
}
