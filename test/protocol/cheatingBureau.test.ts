/**
 * A bureau that deviates from the protocol (issue 19 §4): the trust assumption the bank makes about the comparison
 * key, shown as an attack that works with the bank's code unchanged.
 *
 * The bureau makes its DGK key with p − 1 = 2·u·v_p·s·r, s a product of 16-bit primes (a smooth factor of 512 bits).
 * `importDgkPrivateKey` accepts it and a bank cannot tell it from an honest key: its public part is n, g, h, u and
 * randomBits, and nothing in it shows the order of Z_p*. The bureau multiplies its encryption of operand bit i by
 * W_i = (ω^(B^i) mod p, 1 mod q), ω of order s, outside ⟨g, h⟩. The bank's homomorphic steps carry the W_i along:
 * its value at position j has, modulo p, the extra factor ω^(ρ_j · (−B^(j−1) + 3·Σ_{k>j} σ_k·B^(k−1))), σ_k = +1 when
 * the threshold's bit c_(k−1) is 0 and −1 when it is 1, ρ_j its secret blinding factor. The bureau reads the
 * exponent by Pohlig–Hellman (s is smooth), its base-B digits give the signs σ_k, hence every bit of every threshold;
 * then it divides the W-part out and answers as an honest bureau would. The decision is right, nothing is refused,
 * and the bank cannot see that anything happened.
 *
 * With an honest key, the bank still does not check that the operands encrypt bits: the second suite measures what
 * operands that are not bits give the bureau's zero tests.
 */
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { expect } from "chai";
import { checkPrimeSync, generatePrimeSync } from "node:crypto";
import { APPLICANT } from "../helpers/samples";
import { fixtureKey } from "../paillier/helpers";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import {
  encrypt as dgkEncrypt,
  exportDgkPublicKey,
  importDgkPrivateKey,
  importDgkPublicKey,
  parseCiphertext,
  toHex as dgkHex,
  zeroTest,
  type DgkPrivateKey,
} from "../../src/dgk";
import { modPow, randomBelow } from "../../src/paillier";
import { buildForm, readAnswer, respondToChallenge } from "../../src/protocol/bank";
import { answerDecision, challenge, readForm, type SubjectValues } from "../../src/protocol/bureau";
import { comparisonsOf, holds, parseForm, thresholdConditionsOnly, type Condition } from "../../src/protocol/form";
import { decodeMessage, encodeMessage, messageHash, type CheckContext } from "../../src/protocol/messages";

/** The bureau's ring-Pedersen parameters (public part), under which the bank proves its key has no small factor. */
const BUREAU_PARAMETERS = fixtureRingPedersen().parameters;

const bank = fixtureKey(2048);
const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  checkId: "0x" + "66".repeat(32),
  keyFingerprint: bank.publicKey.fingerprint,
};
/** Four conditions, five thresholds (eq is two comparisons), fields of 1 to 24 bits. */
const CONDITIONS: Condition[] = [
  { field: "creditScore", op: "ge", values: [650] },
  { field: "debtToIncome", op: "le", values: ["35"] },
  { field: "annualIncome", op: "ge", values: [40_000] },
  { field: "bankruptcy", op: "eq", values: [0] },
];
/** The digit base: a digit ρ·ℓ with |ℓ| ≤ 3 and ρ < u < 2^16 stays below B/2, so digits never carry. */
const B = 1n << 19n;

/** The deviating bureau's comparison key and what it keeps to read the bank's values. */
interface SmoothKey {
  readonly key: DgkPrivateKey;
  /** The primes of s, and s. */
  readonly primes: readonly bigint[];
  readonly s: bigint;
  /** ω of order s modulo p, lifted to Z_n* as (ω mod p, 1 mod q). */
  readonly omega: bigint;
  /** Per prime l of s: the exponent (p − 1)/l and the discrete-logarithm table of ω^((p − 1)/l), of order l. */
  readonly logs: readonly { readonly l: bigint; readonly cofactor: bigint; readonly table: DiscreteLog }[];
}

/** Baby-step giant-step to one base of prime order l modulo p: base^j ↦ j for j < m, and base^(−m). */
interface DiscreteLog {
  readonly m: bigint;
  readonly baby: ReadonlyMap<bigint, bigint>;
  readonly giant: bigint;
}

function discreteLog(p: bigint, base: bigint, l: bigint): DiscreteLog {
  let m = 1n;
  while (m * m < l) m++;
  const baby = new Map<bigint, bigint>();
  for (let j = 0n, x = 1n; j < m; j++, x = (x * base) % p) baby.set(x, j);
  return { m, baby, giant: modPow(base, l - m, p) };
}

/** log_base(target) for the table's base. */
function logOf({ m, baby, giant }: DiscreteLog, p: bigint, target: bigint): bigint {
  for (let i = 0n, y = target; i <= m; i++, y = (y * giant) % p) {
    const j = baby.get(y);
    if (j !== undefined) return i * m + j;
  }
  throw new Error("no discrete logarithm: the value has no W-part of ω");
}

function crt(p: bigint, q: bigint, xp: bigint, xq: bigint): bigint {
  // x ≡ xp (mod p), x ≡ xq (mod q)
  const qInverse = modPow(q, p - 2n, p);
  return (xq + q * ((((xp - xq) % p) + p) * qInverse)) % (p * q);
}

/** A prime 1 + m·r of exactly 1024 bits with its two top bits set, r ≥ 1 coprime to `avoid`. */
function primeAbove(m: bigint, avoid: bigint): bigint {
  const low = (3n << 1022n) / m + 1n;
  const high = (1n << 1024n) / m;
  for (;;) {
    const r = low + randomBelow(high - low);
    if (gcd(r, avoid) !== 1n) continue;
    const p = m * r + 1n;
    if (checkPrimeSync(p)) return p;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** An element of exact order `order` (a product of distinct primes `factors`) modulo the prime p. */
function elementOfOrder(p: bigint, order: bigint, factors: readonly bigint[]): bigint {
  for (;;) {
    const x = modPow(2n + randomBelow(p - 3n), (p - 1n) / order, p);
    if (factors.every((f) => modPow(x, order / f, p) !== 1n)) return x;
  }
}

/** A 2048-bit DGK key whose p − 1 has a 512-bit smooth factor s: as the bureau could make it, imported as any key. */
function smoothKey(): SmoothKey {
  const u = generatePrimeSync(16, { bigint: true });
  const [vp, vq] = [generatePrimeSync(256, { bigint: true }), generatePrimeSync(256, { bigint: true })];
  const primes: bigint[] = [];
  while (primes.length < 32) {
    const l = generatePrimeSync(16, { bigint: true });
    if (l !== u && !primes.includes(l)) primes.push(l);
  }
  const s = primes.reduce((a, b) => a * b, 1n);
  const p = primeAbove(2n * u * vp * s, s * u * vp);
  const q = primeAbove(2n * u * vq, u * vq);
  const json = {
    kty: "DGK",
    n: hex(p * q),
    g: hex(crt(p, q, elementOfOrder(p, u * vp, [u, vp]), elementOfOrder(q, u * vq, [u, vq]))),
    h: hex(crt(p, q, elementOfOrder(p, vp, [vp]), elementOfOrder(q, vq, [vq]))),
    u: hex(u),
    randomBits: 640,
    p: hex(p),
    q: hex(q),
    vp: hex(vp),
    vq: hex(vq),
  };
  const key = importDgkPrivateKey(json); // every check of an honest key passes
  const omegaP = elementOfOrder(p, s, primes);
  const logs = primes.map((l) => {
    const cofactor = (p - 1n) / l;
    return { l, cofactor, table: discreteLog(p, modPow(omegaP, cofactor, p), l) };
  });
  return { key, primes, s, omega: crt(p, q, omegaP, 1n), logs };
}

function hex(x: bigint): string {
  return "0x" + x.toString(16);
}

/** The exponent D of ω in the value's W-part, as a signed integer |D| < s/2, by Pohlig–Hellman over s's primes. */
function omegaExponent(bureau: SmoothKey, value: bigint): bigint {
  const { p } = bureau.key;
  let residue = 0n;
  let modulus = 1n;
  for (const { l, cofactor, table } of bureau.logs) {
    // Raised to (p − 1)/l, the ⟨g, h⟩ part (order dividing u·v_p) vanishes: what is left is ω's, of order l.
    const d = logOf(table, p, modPow(value, cofactor, p));
    // CRT: D ≡ residue (mod modulus) and D ≡ d (mod l)
    const t = ((((d - residue) % l) + l) * modPow(modulus % l, l - 2n, l)) % l;
    residue += modulus * t;
    modulus *= l;
  }
  return residue > modulus / 2n ? residue - modulus : residue;
}

/** The balanced base-B digits of D, least significant first: each in (−B/2, B/2]. */
function digits(d: bigint, count: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    let digit = ((d % B) + B) % B;
    if (digit > B / 2n) digit -= B;
    out.push(digit);
    d = (d - digit) / B;
  }
  expect(d, "the exponent's digits fit").to.equal(0n);
  return out;
}

/**
 * The threshold c read from one comparison's values: at index i, every value whose position is at most i has the
 * digit 3·σ·ρ (σ = +1 for c_i = 0), and one value has −ρ; so c_i = 0 iff some value has a positive digit there.
 */
function threshold(exponents: readonly bigint[], bits: number): bigint {
  const table = exponents.map((d) => digits(d, bits));
  let c = 0n;
  for (let i = 0; i < bits; i++) if (!table.some((row) => row[i] > 0n)) c |= 1n << BigInt(i);
  return c;
}

describe("A cheating bureau (the bank's trust assumption about the comparison key)", function () {
  let bureau: SmoothKey;
  before(function () {
    bureau = smoothKey();
  });

  for (const [name, values] of [
    ["an applicant who meets the form", APPLICANT],
    ["an applicant who does not", new Map([...APPLICANT, ["creditScore", 640n]])],
  ] as [string, SubjectValues][]) {
    it(`reads every threshold of a four-condition form in one check, the decision right, nothing refused: ${name}`, async function () {
      const { key } = bureau;
      // The bank sees a key that imports as any other: nothing in its public part tells the smooth factor.
      const seenByBank = importDgkPublicKey(exportDgkPublicKey(key));
      const form = buildForm(bank, CONTEXT, "decision", CONDITIONS, BUREAU_PARAMETERS);
      const received = readForm(bank.publicKey, CONTEXT, form.bytes, form.hash, BUREAU_PARAMETERS);
      const honest = challenge(key, CONTEXT, received, values);
      const body = decodeMessage(honest.bytes, "challenge", CONTEXT, honest.hash) as { operands: string[][] };
      const n = key.publicKey.n;
      const operands = body.operands.map((bits) =>
        bits.map((bit, i) =>
          dgkHex(key, (parseCiphertext(key, bit, "bit") * modPow(bureau.omega, B ** BigInt(i), n)) % n),
        ),
      );
      const tampered = encodeMessage("challenge", CONTEXT, { ...body, operands });
      // The bank's code, unchanged, answers it.
      const response = respondToChallenge(bank, CONTEXT, form, tampered, messageHash(tampered), seenByBank);
      const responseBody = decodeMessage(response.bytes, "response", CONTEXT, response.hash) as {
        comparisons: string[][];
      };
      const comparisons = thresholdConditionsOnly(parseForm(CONDITIONS, "decision")).flatMap((c) => comparisonsOf(c));
      const read: bigint[] = [];
      const stripped = responseBody.comparisons.map((list) => {
        const parsed = list.map((v) => parseCiphertext(key, v, "value"));
        const exponents = parsed.map((v) => omegaExponent(bureau, v));
        read.push(threshold(exponents, list.length - 1));
        // Divided out, each value is what an honest bank would have sent: the bureau answers as usual.
        return parsed.map((v, j) =>
          dgkHex(key, (v * modPow(bureau.omega, bureau.s - (exponents[j] % bureau.s), n)) % n),
        );
      });
      expect(read, "every threshold, read exactly").to.deep.equal(comparisons.map((c) => c.threshold));
      expect(read.length).to.equal(5);
      const honestResponse = encodeMessage("response", CONTEXT, { ...responseBody, comparisons: stripped });
      const answer = await answerDecision(
        bank.publicKey,
        key,
        CONTEXT,
        honest.state,
        honestResponse,
        messageHash(honestResponse),
      );
      const view = readAnswer(bank, CONTEXT, form, answer.bytes, answer.hash, response.shares);
      const parsed = thresholdConditionsOnly(parseForm(CONDITIONS, "decision"));
      expect(view.approved, "the decision is right").to.equal(parsed.every((c) => holds(c, values.get(c.field)!)));
    });
  }
});

describe("A cheating bureau with an honest comparison key: operands that are not bits", function () {
  const key = fixtureComparisonKey();
  const { u } = key.publicKey;
  const BITS = 10; // creditScore's comparison domain

  /**
   * The bank's values e_j = s + c'_j − A'_j + 3·Σ_{k>j} X_k (X_k = A'_k when c'_k = 0, else 1 − A'_k) for extended
   * operands A'_0 = 1, A'_k = operands[k − 1], as plain integers modulo u: what the bureau's zero tests see.
   */
  function values(operands: readonly bigint[], c: bigint, s: bigint): bigint[] {
    const a = [1n, ...operands];
    const cBit = (j: number) => (j === 0 ? 0n : (c >> BigInt(j - 1)) & 1n);
    const out: bigint[] = [];
    let sum = 0n;
    for (let j = BITS; j >= 0; j--) {
      out.push((((s + cBit(j) - a[j] + 3n * sum) % u) + u) % u);
      sum += cBit(j) === 0n ? a[j] : 1n - a[j];
    }
    return out;
  }

  /**
   * Operands H, …, H, 0: the top value is s + c_top, zero iff s = −1 and the threshold's top bit is 1; H is chosen,
   * offline, so that no other value is ever zero, whatever the threshold and the bank's coin.
   */
  function operandsReadingTheTopBit(): bigint[] {
    for (let h = 2n; ; h++) {
      const operands = [...Array.from({ length: BITS - 1 }, () => h), 0n];
      let ok = true;
      for (let c = 0n; ok && c < 1n << BigInt(BITS); c++) {
        for (const s of [1n, -1n]) {
          const zeros = values(operands, c, s)
            .slice(1)
            .filter((e) => e === 0n).length;
          if (zeros > 0) ok = false;
        }
      }
      if (ok) return operands;
    }
  }

  it("learns a threshold's top bit when the bank's coin shows it (half the checks), never wrongly; the bank's code answers", async function () {
    const operands = operandsReadingTheTopBit();
    const CHECKS = 20;
    const seen = new Map<number, number>();
    for (const score of [820, 650]) {
      // creditScore ≥ 820 is c = 520 (top bit 1); ≥ 650 is c = 350 (top bit 0).
      const conditions: Condition[] = [{ field: "creditScore", op: "ge", values: [score] }];
      let zeros = 0;
      for (let i = 0; i < CHECKS; i++) {
        const context = { ...CONTEXT, checkId: "0x" + i.toString(16).padStart(64, "7") };
        const form = buildForm(bank, context, "decision", conditions, BUREAU_PARAMETERS);
        const bytes = encodeMessage("challenge", context, {
          comparisonKey: exportDgkPublicKey(key), // blindcredit/3: the challenge carries its key
          operands: [operands.map((a) => dgkHex(key, dgkEncrypt(key, a)))],
        });
        const response = respondToChallenge(bank, context, form, bytes, messageHash(bytes), key.publicKey);
        const body = decodeMessage(response.bytes, "response", context, response.hash) as { comparisons: string[][] };
        // Every value is a ciphertext of the honest key: the zero tests pass and count.
        const found = body.comparisons[0].filter((v) => zeroTest(key, parseCiphertext(key, v, "value"))).length;
        expect(found).to.be.at.most(1);
        zeros += found;
      }
      seen.set(score, zeros);
    }
    expect(seen.get(650), "top bit 0: never a zero").to.equal(0);
    // Top bit 1: a zero whenever the bank's coin is s = −1, about half the checks (0 or 20 has probability 2^−19).
    expect(seen.get(820)).to.be.within(1, CHECKS - 1);
  });
});
