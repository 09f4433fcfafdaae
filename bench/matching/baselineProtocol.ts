/**
 * The same blind credit check, step for step, written on plain `paillier-bigint` as a developer would write it from
 * its README: `encrypt`, `addition`, `plaintextAddition`, `multiply` and `decrypt` on one thread, no pools, no
 * worker threads. It shares the form logic (which comparisons a condition needs, the operands, the combination) with
 * the project, so the two differ only in the Paillier engine and how its work is scheduled. The latency benchmark
 * runs both and checks that they reach the same decision.
 * @module
 */
import * as paillier from "paillier-bigint";
import { randomBytes } from "node:crypto";
import { combinationOf, comparisonsOf, subjectOperand, type ParsedThresholdCondition } from "../../src/protocol/form";
import { comparisonDomain, fieldNamed } from "../../src/protocol/schema";

type PublicKey = paillier.PublicKey;
type PrivateKey = paillier.PrivateKey;

/** A uniform unit of Z_n, by rejection (n is odd and huge: the first draw almost always fits). */
function randomUnit(n: bigint): bigint {
  const bytes = Math.ceil(n.toString(2).length / 8);
  for (;;) {
    const r = BigInt("0x" + randomBytes(bytes).toString("hex")) % n;
    if (r > 0n && gcd(r, n) === 1n) return r;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32BE() % (i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** E(ρ·x) with a fresh ρ, re-randomised by adding a fresh encryption of zero. */
function blind(pk: PublicKey, c: bigint): bigint {
  return pk.addition(pk.multiply(c, randomUnit(pk.n)), pk.encrypt(0n));
}

/** Bank: the encrypted bits of every comparison's threshold (decision) or the encrypted values (paper). */
export function baselineForm(
  pk: PublicKey,
  mode: "decision" | "paper",
  conditions: readonly ParsedThresholdCondition[],
) {
  if (mode === "paper") return { values: conditions.map((c) => pk.encrypt(c.values[0])), bits: [] };
  const bits = conditions.flatMap((c) => {
    const { bits: width } = comparisonDomain(fieldNamed(c.field));
    return comparisonsOf(c).map((cmp) =>
      Array.from({ length: width }, (_, j) => pk.encrypt((cmp.threshold >> BigInt(j)) & 1n)),
    );
  });
  return { values: [], bits };
}

/** Bureau, decision mode: the blinded DGK values per comparison, and its secret shares. */
export function baselineChallenge(
  pk: PublicKey,
  conditions: readonly ParsedThresholdCondition[],
  bitCiphertexts: readonly bigint[][],
  values: ReadonlyMap<string, bigint>,
) {
  const shares: number[] = [];
  const challenge: bigint[][] = [];
  let index = 0;
  for (const condition of conditions) {
    const field = fieldNamed(condition.field);
    const x = values.get(condition.field)!;
    for (const direction of combinationOf(condition).directions) {
      const bits = bitCiphertexts[index++];
      const a = subjectOperand(field, direction, x);
      const share = randomBytes(1)[0] & 1;
      const s = share === 0 ? 1n : pk.n - 1n;
      const out: bigint[] = [];
      let differing = 1n; // E(0)
      for (let j = bits.length - 1; j >= -1; j--) {
        const aj = j >= 0 ? (a >> BigInt(j)) & 1n : 1n;
        const negated = j >= 0 ? pk.multiply(bits[j], -1n) : 1n; // E(−c_j)
        const local = pk.plaintextAddition(negated, (s + aj) % pk.n);
        out.push(blind(pk, pk.addition(local, pk.multiply(differing, 3n))));
        if (j >= 0) differing = pk.addition(differing, aj === 0n ? bits[j] : pk.plaintextAddition(negated, 1n));
      }
      shuffle(out);
      shares.push(share);
      challenge.push(out);
    }
  }
  return { shares, challenge };
}

/** Bank, decision mode: its share of each comparison (1 iff a value decrypts to zero), encrypted. */
export function baselineRespond(sk: PrivateKey, challenge: readonly bigint[][]): bigint[] {
  return challenge.map((values) => sk.publicKey.encrypt(values.some((v) => sk.decrypt(v) === 0n) ? 1n : 0n));
}

/** Bureau, decision mode: E(ρ · (k − Σ holds_i)). */
export function baselineAnswer(
  pk: PublicKey,
  conditions: readonly ParsedThresholdCondition[],
  shares: readonly number[],
  bankShares: readonly bigint[],
): bigint {
  let missing = 1n;
  let index = 0;
  for (const condition of conditions) {
    const { coefficients, offset } = combinationOf(condition);
    let miss = pk.plaintextAddition(1n, (BigInt(1 - offset) + pk.n) % pk.n); // E(1 − offset)
    for (const coefficient of coefficients) {
      const theirs = bankShares[index];
      const negatedTheirs = pk.multiply(theirs, -1n);
      // [a ≥ c] = δ_B when δ_A = 1, else 1 − δ_B; the miss subtracts coefficient · [a ≥ c]
      const ge = shares[index] === 1 ? theirs : pk.plaintextAddition(negatedTheirs, 1n);
      const negatedGe = shares[index] === 1 ? negatedTheirs : pk.plaintextAddition(theirs, pk.n - 1n);
      miss = pk.addition(miss, coefficient === 1 ? negatedGe : ge);
      index++;
    }
    missing = pk.addition(missing, miss);
  }
  return blind(pk, missing);
}

/** Bureau, paper mode: E(r_i · (x_i − t_i)), shuffled. */
export function baselinePaper(
  pk: PublicKey,
  conditions: readonly ParsedThresholdCondition[],
  encrypted: readonly bigint[],
  values: ReadonlyMap<string, bigint>,
): bigint[] {
  const results = conditions.map((c, i) =>
    blind(pk, pk.plaintextAddition(pk.multiply(encrypted[i], -1n), values.get(c.field)!)),
  );
  shuffle(results);
  return results;
}

/** Bank: the decision from the answer (decision mode) or the results (paper mode). */
export function baselineDecide(sk: PrivateKey, answer: bigint | readonly bigint[]): boolean {
  return typeof answer === "bigint" ? sk.decrypt(answer) === 0n : answer.every((r) => sk.decrypt(r) === 0n);
}
