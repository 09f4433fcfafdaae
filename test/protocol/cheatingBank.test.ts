/**
 * A bank that deviates from the protocol, as an attacker would: it knows the factorisation of its own modulus and
 * controls every plaintext it sends. The first suite shows the attack that read every comparison of blindcredit/1
 * (the previous protocol, kept in bench/ as the latency baseline); the others show blindcredit/3 refusing each
 * deviation with a named reason and answering nothing, and what a cheating bank learns in paper mode.
 */
import { expect } from "chai";
import { generatePrimeSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureComparisonKey, testComparisonKeys } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { APPLICANT } from "../helpers/samples";
import { fixtureKey } from "../paillier/helpers";
import { previousAnswer, previousChallenge } from "../../bench/matching/previousProtocol";
import {
  Ciphertext,
  decryptRaw,
  encrypt,
  modPow,
  importPrivateKey,
  importPublicKey,
  randomUnit,
  rerandomize,
  type PaillierPrivateKey,
} from "../../src/paillier";
import { parseCiphertext as parseDgkCiphertext, toHex as dgkHex, type DgkPublicKey } from "../../src/dgk";
import {
  BitVerifierWorker,
  ProofError,
  encodeBitProof,
  encodeFactorProof,
  encodeModulusProof,
  proveBits,
  proveModulus,
  verifyModulus,
} from "../../src/proofs";
import { proveFactorsFor } from "../../src/proofs/factors";
import { isqrt } from "../../src/paillier/arith";
import { buildForm, challengeKey, proveShares, readAnswer, respondToChallenge } from "../../src/protocol/bank";
import { blindedComparison } from "../../src/protocol/comparison";
import { answerDecision, answerPaper, challenge, readForm } from "../../src/protocol/bureau";
import {
  comparisonsOf,
  parseForm,
  subjectOperand,
  thresholdConditionsOnly,
  type ThresholdCondition,
} from "../../src/protocol/form";
import {
  decodeMessage,
  encodeMessage,
  factorProofContext,
  keyProofContext,
  messageHash,
  readArray,
  shareProofContext,
  type CheckContext,
} from "../../src/protocol/messages";
import { CheckRefusal, RefusalReason } from "../../src/protocol/refusal";
import { comparisonDomain, fieldNamed } from "../../src/protocol/schema";

/** The bureau's ring-Pedersen parameters (public part), under which the bank proves its key has no small factor. */
const BUREAU_PARAMETERS = fixtureRingPedersen().parameters;

const bank = fixtureKey(2048);
const comparisonKey = fixtureComparisonKey();
/** Per-check comparison keys, as the bureau draws them (2048-bit keys: faster to make). */
const checkKeys = testComparisonKeys();
/** The key the bureau uses for a new check: a fresh one from its pool. */
async function bureauKeyForCheck() {
  return checkKeys.fresh();
}
const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  checkId: "0x" + "33".repeat(32),
  keyFingerprint: bank.publicKey.fingerprint,
};
const CONDITIONS: ThresholdCondition[] = [
  { field: "creditScore", op: "ge", values: [650] },
  { field: "debtToIncome", op: "le", values: ["35"] },
  { field: "bankruptcy", op: "eq", values: [0] },
];

/** The plaintext that is `mp` modulo p and `mq` modulo q (the bank's CRT split). */
function crtSplit(key: PaillierPrivateKey, mp: bigint, mq: bigint): bigint {
  const { p, q } = key;
  const pInverse = modInverse(p % q, q);
  const x = mp + p * (((((mq - mp) % q) + q) * pInverse) % q);
  return x % (p * q);
}

/** E(m) for any residue m of Z_n, outside the engine's signed range too: what a cheating bank can always make. */
function encryptResidue(m: bigint, r = randomUnit(bank.publicKey.n), publicKey = bank.publicKey): Ciphertext {
  const { n, nSquared } = publicKey;
  return Ciphertext.fromBigInt(publicKey, (((1n + (m % n) * n) % nSquared) * modPow(r, n, nSquared)) % nSquared);
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a, m, 1n, 0n];
  while (r1 !== 0n) {
    const k = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - k * r1, s1, s0 - k * s1];
  }
  return ((s0 % m) + m) % m;
}

/** An honest check up to the bank's response, and the pieces a cheating bank would tamper with. */
function honestUntilResponse(context = CONTEXT) {
  const form = buildForm(bank, context, "decision", CONDITIONS, BUREAU_PARAMETERS);
  const received = readForm(bank.publicKey, context, form.bytes, form.hash, BUREAU_PARAMETERS);
  const ch = challenge(comparisonKey, context, received, APPLICANT);
  const response = respondToChallenge(bank, context, form, ch.bytes, ch.hash, comparisonKey.publicKey);
  const body = decodeMessage(response.bytes, "response", context, response.hash) as {
    comparisons: string[][];
    shares: string[];
    shareProof: unknown;
  };
  return { form, ch, response, body };
}

/** Where the bureau verifies the share proof: on its own thread (the default), or on a worker thread. */
let verifier: BitVerifierWorker | undefined;

/** The bureau's answer to a response body the bank rewrote, or the refusal it throws. */
async function bureauAnswers(body: unknown, context = CONTEXT) {
  const { ch } = honestUntilResponse(context);
  const bytes = encodeMessage("response", context, body);
  return answerDecision(bank.publicKey, comparisonKey, context, ch.state, bytes, messageHash(bytes), { verifier });
}

async function expectRefusal(promise: Promise<unknown>, reason: RefusalReason, message?: RegExp): Promise<void> {
  let refusal: unknown;
  try {
    await promise;
  } catch (e) {
    refusal = e;
  }
  expect(refusal, "the bureau answered").to.be.instanceOf(CheckRefusal);
  expect((refusal as CheckRefusal).reason).to.equal(reason);
  if (message) expect((refusal as CheckRefusal).message).to.match(message);
}

/** Shares replaced by encryptions of `plaintexts`, with the best proof the bank can make for them. */
function withShares(body: ReturnType<typeof honestUntilResponse>["body"], plaintexts: bigint[], context = CONTEXT) {
  const shares = body.shares.map((s, i) =>
    i < plaintexts.length ? encryptResidue(plaintexts[i]) : Ciphertext.fromHex(bank.publicKey, s),
  );
  // The prover claims bit 1 for the forged values (any claim fails: no bit is what they encrypt).
  const claimed = shares.map((_, i) => (i < plaintexts.length ? 1 : 0) as 0 | 1);
  let proof: unknown;
  try {
    proof = encodeBitProof(
      proveBits(bank, shares, claimed, shareProofContext(context, comparisonKey.publicKey.fingerprint)),
    );
  } catch {
    proof = body.shareProof; // the prover refused to prove a false statement: keep the honest proof
  }
  return { ...body, shares: shares.map((c) => c.toHex()), shareProof: proof };
}

describe("A cheating bank", function () {
  describe("against blindcredit/1 (the previous protocol): the CRT-split attack reads every comparison", function () {
    it("recovers [x ≥ t] for every comparison from which blinded values are zero modulo p and modulo q", async function () {
      const conditions = thresholdConditionsOnly(parseForm(CONDITIONS, "decision"));
      const comparisons = conditions.flatMap((c) => comparisonsOf(c));
      // Each threshold bit encrypted as (the honest bit mod p, 0 mod q).
      const bits = comparisons.map((cmp) =>
        Array.from({ length: comparisonDomain(cmp.field).bits }, (_, j) =>
          encryptResidue(crtSplit(bank, (cmp.threshold >> BigInt(j)) & 1n, 0n)),
        ),
      );
      const { challenge: values } = await previousChallenge(conditions, bits, APPLICANT);
      let recovered = 0;
      comparisons.forEach((cmp, i) => {
        const plaintexts = values[i].map((v) => decryptRaw(bank, v));
        const zeroModP = plaintexts.some((m) => m % bank.p === 0n);
        const zeroModQ = plaintexts.some((m) => m % bank.q === 0n);
        // Modulo q the threshold is 0 and a' > c' always: a zero there means the bureau's share δ_A is 0.
        const shareA = zeroModQ ? 0 : 1;
        const geRead = shareA === 0 ? zeroModP : !zeroModP;
        const a = subjectOperand(cmp.field, cmp.direction, APPLICANT.get(cmp.field.name)!);
        if (geRead === a >= cmp.threshold) recovered++;
      });
      expect(recovered).to.equal(comparisons.length);
      // And the answer goes on as if nothing happened: the previous bureau had nothing to refuse with.
      const shares = values.map(() => encrypt(bank, 0n));
      expect(
        await previousAnswer(
          conditions,
          values.map(() => 0),
          shares,
        ),
      ).to.be.instanceOf(Ciphertext);
    });
  });

  for (const where of ["this thread", "a worker thread"] as const) {
    describe(`blindcredit/3: the bank's thresholds never leave it, and every deviation is refused (share proof verified on ${where})`, function () {
      before(function () {
        verifier = where === "a worker thread" ? new BitVerifierWorker() : undefined;
      });
      after(async function () {
        await verifier?.close();
        verifier = undefined;
      });

      it("an honest response is answered (the control)", async function () {
        const { body } = honestUntilResponse();
        const answer = await bureauAnswers(body);
        expect(answer.hash).to.match(/^0x[0-9a-f]{64}$/);
      });

      it("refuses a share encrypted as a CRT split (0 mod p, 1 mod q)", async function () {
        const { body } = honestUntilResponse();
        await expectRefusal(
          bureauAnswers(withShares(body, [crtSplit(bank, 0n, 1n)])),
          RefusalReason.InvalidProof,
          /share proof/,
        );
      });

      for (const [name, plaintext] of [
        ["2", 2n],
        ["−1", -1n],
      ] as const) {
        it(`refuses a share that is not a bit: ${name}`, async function () {
          const { body } = honestUntilResponse();
          const m = plaintext < 0n ? bank.publicKey.n + plaintext : plaintext;
          await expectRefusal(bureauAnswers(withShares(body, [m])), RefusalReason.InvalidProof, /share proof/);
        });
      }

      it("refuses a share proof copied from another check", async function () {
        const other = honestUntilResponse({ ...CONTEXT, checkId: "0x" + "44".repeat(32) });
        const { body } = honestUntilResponse();
        await expectRefusal(
          bureauAnswers({ ...body, shares: other.body.shares, shareProof: other.body.shareProof }),
          RefusalReason.InvalidProof,
        );
      });

      it("refuses a share proof made for another comparison key", async function () {
        const { body } = honestUntilResponse();
        const shares = body.shares.map((s) => Ciphertext.fromHex(bank.publicKey, s));
        const bits = decodeBits(shares);
        const foreign = shareProofContext(CONTEXT, "0x" + "ab".repeat(32));
        await expectRefusal(
          bureauAnswers({ ...body, shareProof: encodeBitProof(proveBits(bank, shares, bits, foreign)) }),
          RefusalReason.InvalidProof,
        );
      });

      it("refuses a proof of another statement: shares re-randomised after proving", async function () {
        const { body } = honestUntilResponse();
        const shares = body.shares.map((s) => rerandomize(Ciphertext.fromHex(bank.publicKey, s)).toHex());
        await expectRefusal(bureauAnswers({ ...body, shares }), RefusalReason.InvalidProof);
      });

      it("refuses comparison values that are not ciphertexts of the bureau's key", async function () {
        const { body } = honestUntilResponse();
        const { n } = comparisonKey.publicKey;
        const outsider = randomUnit(n); // in Z_n*, but outside the subgroup g and h generate
        const comparisons = body.comparisons.map((values, i) =>
          i === 0 ? [dgkHex(comparisonKey, outsider), ...values.slice(1)] : values,
        );
        await expectRefusal(bureauAnswers({ ...body, comparisons }), RefusalReason.InvalidMessage, /comparison key/);
        for (const bad of [0n, n, n + 1n]) {
          const malformed = body.comparisons.map((values, i) =>
            i === 0 ? ["0x" + bad.toString(16), ...values.slice(1)] : values,
          );
          await expectRefusal(bureauAnswers({ ...body, comparisons: malformed }), RefusalReason.InvalidMessage);
        }
      });

      it("refuses a response of the wrong shape", async function () {
        const { body } = honestUntilResponse();
        await expectRefusal(
          bureauAnswers({ ...body, comparisons: body.comparisons.slice(1) }),
          RefusalReason.InvalidMessage,
          /expected \d+ items/,
        );
        await expectRefusal(bureauAnswers({ ...body, shares: body.shares.slice(1) }), RefusalReason.InvalidMessage);
        await expectRefusal(bureauAnswers({ ...body, shareProof: null }), RefusalReason.InvalidProof);
      });
    });
  }

  describe("cross-check replay: a bank answers B's checks with values computed from A's old challenge", function () {
    const SCORE_A = 636n;
    const field = fieldNamed("creditScore");
    const { base, bits } = comparisonDomain(field);
    const contextOf = (n: number): CheckContext => ({ ...CONTEXT, checkId: "0x" + n.toString(16).padStart(64, "0") });

    /** One check on a subject, up to the bureau's challenge, with the key the bureau chose for it. */
    async function challengeOf(context: CheckContext, score: bigint, threshold: bigint) {
      const form = buildForm(
        bank,
        context,
        "decision",
        [{ field: field.name, op: "ge", values: [threshold] }],
        BUREAU_PARAMETERS,
      );
      const received = readForm(bank.publicKey, context, form.bytes, form.hash, BUREAU_PARAMETERS);
      const key = await bureauKeyForCheck();
      const ch = challenge(key, context, received, new Map([[field.name, score]]));
      return { form, ch, key };
    }

    /**
     * The bank's cheat: B's check answered with DGK values computed from A's kept operand bits against its guess
     * `t`, with honest, proven shares for B's check. Returns whether B's answer said "approved", or the refusal.
     */
    async function probe(kept: { operandBits: bigint[]; key: DgkPublicKey }, checkNumber: number, t: bigint) {
      const context = contextOf(checkNumber);
      const { form, ch, key } = await challengeOf(context, 850n, 300n); // B: any subject the bank registered
      const proven = proveShares(bank, context, form, key.publicKey);
      const values = blindedComparison(kept.key, kept.operandBits, t - base, proven.bits[0]);
      const bytes = encodeMessage("response", context, {
        comparisons: [values.map((v) => dgkHex(kept.key, v))],
        shares: proven.encrypted.map((c) => c.toHex()),
        shareProof: encodeBitProof(proven.proof),
      });
      const answer = await answerDecision(bank.publicKey, key, context, ch.state, bytes, messageHash(bytes));
      return readAnswer(bank, context, form, answer.bytes, answer.hash, proven.bits).approved;
    }

    it("cannot read A's credit score through checks charged to B: each is refused, answering nothing", async function () {
      // 1. One honest check on A: the bank keeps A's challenge, E(a_j) of A's score.
      const a = await challengeOf(contextOf(1), SCORE_A, 300n);
      const body = decodeMessage(a.ch.bytes, "challenge", contextOf(1), a.ch.hash) as { operands: string[][] };
      const kept = {
        key: a.key.publicKey,
        operandBits: body.operands[0].map((x) => parseDgkCiphertext(a.key.publicKey, x, "kept bit")),
      };
      // 2. Checks on B answered from A's ciphertexts: a binary search of A's score over [min, max].
      let [low, high] = [field.min, field.max + 1n]; // A's score in [low, high)
      const outcomes: string[] = [];
      for (let i = 0; i < bits && high - low > 1n; i++) {
        const middle = (low + high) / 2n;
        try {
          if (await probe(kept, 100 + i, middle)) low = middle;
          else high = middle;
          outcomes.push("answered");
        } catch (e) {
          expect(e, "a refusal").to.be.instanceOf(CheckRefusal);
          expect((e as CheckRefusal).reason).to.equal(RefusalReason.InvalidMessage);
          expect((e as CheckRefusal).message).to.match(/comparison key/);
          outcomes.push("refused");
        }
      }
      expect(outcomes, `A's score narrowed to [${low}, ${high})`).to.deep.equal(outcomes.map(() => "refused"));
      expect(high - low).to.be.greaterThan(1n);
    });

    it("the bank refuses a challenge under another key than the one it reserved; the bureau, a malformed key name", async function () {
      const context = contextOf(9);
      const reserved = (await bureauKeyForCheck()).publicKey;
      const form = buildForm(bank, context, "decision", CONDITIONS, BUREAU_PARAMETERS, undefined, reserved);
      const received = readForm(bank.publicKey, context, form.bytes, form.hash, BUREAU_PARAMETERS);
      expect(received.comparisonKey).to.equal(reserved.fingerprint);
      const other = challenge(await bureauKeyForCheck(), context, received, APPLICANT);
      expect(() => challengeKey(context, form, other.bytes, other.hash)).to.throw(
        `challenge: expected the comparison key reserved in the form, ${reserved.fingerprint}, got another`,
      );
      const paperForm = buildForm(bank, context, "paper", [CONDITIONS[2]], BUREAU_PARAMETERS);
      for (const [bytesOf, name] of [
        [form.bytes, "0x1234"],
        [paperForm.bytes, reserved.fingerprint],
      ] as const) {
        const body = decodeMessage(bytesOf, "form", context);
        const bytes = encodeMessage("form", context, { ...body, comparisonKey: name });
        expect(() => readForm(bank.publicKey, context, bytes, messageHash(bytes), BUREAU_PARAMETERS)).to.throw(
          CheckRefusal,
          /form comparisonKey: expected, in decision mode only, a reserved key's fingerprint/,
        );
      }
      expect(() => buildForm(bank, context, "paper", [CONDITIONS[2]], BUREAU_PARAMETERS, undefined, reserved)).to.throw(
        /reserved comparison key in decision mode only/,
      );
    });

    it("refuses every message of an old check replayed into a new one, and values re-wrapped for the new check", async function () {
      // The old check, run honestly to its answer: the bank keeps every message.
      const [oldContext, newContext] = [contextOf(7), contextOf(8)];
      const old = await challengeOf(oldContext, SCORE_A, 650n);
      const oldResponse = respondToChallenge(bank, oldContext, old.form, old.ch.bytes, old.ch.hash, old.key.publicKey);
      await answerDecision(bank.publicKey, old.key, oldContext, old.ch.state, oldResponse.bytes, oldResponse.hash);
      // The new check, with a key of its own.
      const fresh = await challengeOf(newContext, 850n, 650n);
      expect(fresh.key.publicKey.fingerprint).to.not.equal(old.key.publicKey.fingerprint);
      const answer = (bytes: Uint8Array) =>
        answerDecision(bank.publicKey, fresh.key, newContext, fresh.ch.state, bytes, messageHash(bytes));
      // The old form and the old response, as they are: bound to the old check.
      expect(() => readForm(bank.publicKey, newContext, old.form.bytes, old.form.hash, BUREAU_PARAMETERS)).to.throw(
        CheckRefusal,
        /another check/,
      );
      await expectRefusal(answer(oldResponse.bytes), RefusalReason.InvalidMessage, /another check/);
      // The old comparisons re-wrapped for the new check, with shares proven for it: values of the old key.
      const oldBody = decodeMessage(oldResponse.bytes, "response", oldContext) as { comparisons: string[][] };
      const proven = proveShares(bank, newContext, fresh.form, fresh.key.publicKey);
      const rewrapped = encodeMessage("response", newContext, {
        comparisons: oldBody.comparisons,
        shares: proven.encrypted.map((c) => c.toHex()),
        shareProof: encodeBitProof(proven.proof),
      });
      await expectRefusal(answer(rewrapped), RefusalReason.InvalidMessage, /comparison key/);
      // The control: the new check's own honest response is answered.
      const honest = respondToChallenge(
        bank,
        newContext,
        fresh.form,
        fresh.ch.bytes,
        fresh.ch.hash,
        fresh.key.publicKey,
      );
      expect((await answer(honest.bytes)).hash).to.match(/^0x[0-9a-f]{64}$/);
    });
  });

  describe("blindcredit/3: the bank's key proof", function () {
    it("refuses a form without the proof that the bank's modulus is a Paillier–Blum modulus", async function () {
      const form = buildForm(bank, CONTEXT, "decision", CONDITIONS, BUREAU_PARAMETERS);
      const body = decodeMessage(form.bytes, "form", CONTEXT, form.hash);
      const bytes = encodeMessage("form", CONTEXT, { ...body, keyProof: undefined });
      const fresh = importPublicKey({ kty: "Paillier", n: "0x" + bank.publicKey.n.toString(16) });
      expect(() => readForm(fresh, CONTEXT, bytes, messageHash(bytes), BUREAU_PARAMETERS)).to.throw(
        CheckRefusal,
        /key proof/,
      );
    });

    it("refuses a modulus with three prime factors, or a prime times a square, whatever proof comes with it", async function () {
      for (const n of [threePrimeModulus(), primeTimesSquare()]) {
        const key = importPublicKey({ kty: "Paillier", n: "0x" + n.toString(16) });
        const context = { ...CONTEXT, keyFingerprint: key.fingerprint };
        // The best it has: an honest key's proof, re-bound to its context.
        const honest = decodeMessage(
          buildForm(bank, context, "decision", CONDITIONS, BUREAU_PARAMETERS).bytes,
          "form",
          context,
        );
        const bytes = encodeMessage("form", context, honest);
        let refusal: unknown;
        try {
          readForm(key, context, bytes, messageHash(bytes), BUREAU_PARAMETERS);
        } catch (e) {
          refusal = e;
        }
        expect(refusal).to.be.instanceOf(CheckRefusal);
        expect((refusal as CheckRefusal).reason).to.equal(RefusalReason.InvalidProof);
      }
    });
  });

  describe("paper mode: a cheating bank learns two tests per condition, [x ≡ t_p (mod p)] and [x ≡ t_q (mod q)], labelled", function () {
    /** The bank's view of a paper-mode answer to `conditions` (values it chose per prime) for the subject's `values`. */
    async function paperView(
      key: PaillierPrivateKey,
      conditions: readonly { field: string; mp: bigint; mq: bigint }[],
      values: ReadonlyMap<string, bigint>,
    ): Promise<string[]> {
      const context = { ...CONTEXT, keyFingerprint: key.publicKey.fingerprint };
      // The form as the bureau reads it (readForm's checks, the key proof among them, are the rest of this file's).
      const received = {
        mode: "paper" as const,
        conditions: conditions.map(({ field, mp, mq }) => ({
          field,
          op: "eq" as const,
          arity: 1,
          value: encryptResidue(crtSplit(key, mp, mq), randomUnit(key.publicKey.n), key.publicKey),
        })),
      };
      const answer = await answerPaper(context, received, values);
      const results = readArray(decodeMessage(answer.bytes, "answer", context).results, "results", conditions.length);
      // Each result as the bank reads it: zero modulo p or not, zero modulo q or not; the order is the shuffle's.
      return results
        .map((r) => decryptRaw(key, Ciphertext.fromHex(key.publicKey, r as string)))
        .map((m) => `${m % key.p === 0n ? "0" : "*"}${m % key.q === 0n ? "0" : "*"}`)
        .sort();
    }

    it("the shuffle hides nothing from it: two conditions, each result labelled by its pattern modulo p and q", async function () {
      // Condition A tests t_A modulo both primes, condition B tests t_B modulo p only (modulo q a value no x equals):
      // a match of A reads "00", a match of B "0*", whatever the shuffle did.
      const [tA, tB, never] = [712n, 9n, 1n << 64n];
      const conditions = [
        { field: "creditScore", mp: tA, mq: tA },
        { field: "yearsOfHistory", mp: tB, mq: never },
      ];
      for (const [x, y] of [
        [tA, tB],
        [tA, 10n],
        [700n, tB],
        [700n, 10n],
      ]) {
        const view = await paperView(
          bank,
          conditions,
          new Map([
            ["creditScore", x],
            ["yearsOfHistory", y],
          ]),
        );
        const label = `creditScore ${x}, yearsOfHistory ${y}`;
        expect(view.includes("00"), label).to.equal(x === tA);
        expect(view.includes("0*"), label).to.equal(y === tB);
      }
    });

    it("measured over a whole field: one condition splits the values into exactly 3 classes (log2 3 bits), never more", async function () {
      // yearsOfHistory, 0 to 100: every value of the field, one answer each.
      const [t1, t2] = [9n, 20n];
      const classes = new Map<string, bigint[]>();
      for (let x = 0n; x <= 100n; x++) {
        const [view] = await paperView(
          bank,
          [{ field: "yearsOfHistory", mp: t1, mq: t2 }],
          new Map([["yearsOfHistory", x]]),
        );
        classes.set(view, [...(classes.get(view) ?? []), x]);
      }
      expect(classes.size).to.equal(3);
      expect(classes.get("0*")).to.deep.equal([t1]);
      expect(classes.get("*0")).to.deep.equal([t2]);
      expect(classes.get("**")!.length).to.equal(99);
    });

    it("with a prime factor P below a field's range, a test is a congruence: x ≡ t (mod P) for ⌈range/P⌉ values", async function () {
      // The published test key n = 65539·Q (test/proofs): Π^mod accepts it; that it must not is Π^fac's concern.
      const weak = importPrivateKey(readFileSync(join(__dirname, "..", "proofs", "small-prime-key-2048.json"), "utf8"));
      const P = 65539n;
      expect([weak.p, weak.q]).to.include(P);
      const small = weak.p === P ? "mp" : "mq";
      const t = 58_000n;
      const condition = { field: "annualIncome", mp: 1n << 64n, mq: 1n << 64n, [small]: t };
      const zero = weak.p === P ? "0*" : "*0";
      // annualIncome spans 0 to 10 000 000: the 152 values t + k·P, 0 ≤ k ≤ 151, are ≡ t (mod P), and one test
      // reads them all (⌈10 000 001 / P⌉ = 153 at most, for any t).
      for (const [x, congruent] of [
        [t, true],
        [t + P, true],
        [t + 151n * P, true],
        [t + 1n, false],
        [t + P - 1n, false],
      ] as const) {
        const [view] = await paperView(weak, [condition], new Map([["annualIncome", x]]));
        expect(view === zero, `x = ${x}`).to.equal(congruent);
      }
      expect(t + 151n * P).to.be.at.most(10_000_000n);
      expect(t + 152n * P).to.be.above(10_000_000n);
    });
  });

  describe("blindcredit/2: a key with a small prime factor (issue 19 §2) is refused at key verification", function () {
    // n = 65539·Q (test/proofs/small-prime-key-2048.json): it imports and its Π^mod verifies, and its holder forges
    // a bit proof for a CRT-split share in about 65 000 trials (test/proofs/bits.test.ts, "what remains"), reading
    // the answer modulo each prime. Before Π^fac the bureau accepted its forms and answered its checks.
    const weak = importPrivateKey(readFileSync(join(__dirname, "..", "proofs", "small-prime-key-2048.json"), "utf8"));
    const context = { ...CONTEXT, keyFingerprint: weak.publicKey.fingerprint };
    const shapes = CONDITIONS.map((c) => ({ field: c.field, op: c.op, arity: 1 }));

    /** The bureau's verdict on a form of the weak key carrying `factorProof` (and an honest Π^mod). */
    function readWeakForm(factorProof: unknown): unknown {
      const keyProof = encodeModulusProof(proveModulus(weak, keyProofContext(context)));
      const bytes = encodeMessage("form", context, { mode: "decision", conditions: shapes, keyProof, factorProof });
      const fresh = importPublicKey({ kty: "Paillier", n: "0x" + weak.publicKey.n.toString(16) });
      try {
        return readForm(fresh, context, bytes, messageHash(bytes), BUREAU_PARAMETERS);
      } catch (e) {
        return e;
      }
    }

    function expectKeyRefusal(verdict: unknown, message: RegExp): void {
      expect(verdict, "the bureau accepted the small-factor key").to.be.instanceOf(CheckRefusal);
      expect((verdict as CheckRefusal).reason).to.equal(RefusalReason.InvalidProof);
      expect((verdict as CheckRefusal).message).to.match(/form factor proof \(Π\^fac\)/);
      expect((verdict as CheckRefusal).message).to.match(message);
    }

    it("the key passes import and Π^mod, and the honest prover will not prove it has no small factor", function () {
      expect([weak.p, weak.q]).to.include(65539n);
      verifyModulus(weak.publicKey, proveModulus(weak, keyProofContext(context)), keyProofContext(context));
      expect(() => buildForm(weak, context, "decision", CONDITIONS, BUREAU_PARAMETERS)).to.throw(
        ProofError,
        /other prime is too small to prove large/,
      );
    });

    it("refuses its form without a factor proof, with the reason InvalidProof", function () {
      expectKeyRefusal(readWeakForm(undefined), /expected a member "parameters"|expected an object/);
    });

    it("refuses its best factor proofs: the prover run on its real factors, another key's proof, random numbers", function () {
      const bound = factorProofContext(context, BUREAU_PARAMETERS.fingerprint);
      const [small, large] = weak.p < weak.q ? [weak.p, weak.q] : [weak.q, weak.p];
      // The prover's run with p = 65539: z₂ = β + e·Q is ~2^2160, far beyond 2^(ℓ+ε)·√n ≈ 2^1408 (no JSON width fits).
      const run = proveFactorsFor(weak.publicKey.n, small, large, BUREAU_PARAMETERS, bound);
      expect(run.z2 > 0n ? run.z2 : -run.z2).to.be.greaterThan(1n << 2000n);
      const json = encodeFactorProof({ ...run, z2: 0n, publicKey: weak.publicKey, parameters: BUREAU_PARAMETERS });
      const z2 = run.z2 < 0n ? `-0x${(-run.z2).toString(16)}` : `0x${run.z2.toString(16)}`;
      expectKeyRefusal(readWeakForm({ ...json, z2 }), /factor proof z2: expected .* lowercase hex digits/);
      // Claimed balanced factors whose product is not n: every range holds, the third equation fails.
      const root = isqrt(weak.publicKey.n) | 1n;
      const liar = proveFactorsFor(weak.publicKey.n, root, root + 2n, BUREAU_PARAMETERS, bound);
      expectKeyRefusal(
        readWeakForm(encodeFactorProof({ ...liar, publicKey: weak.publicKey, parameters: BUREAU_PARAMETERS })),
        /Q\^z1·t\^v/,
      );
      // An honest key's proof, and one made for the weak key's context by an honest key.
      const honest = decodeMessage(
        buildForm(bank, CONTEXT, "decision", CONDITIONS, BUREAU_PARAMETERS).bytes,
        "form",
        CONTEXT,
      );
      expectKeyRefusal(readWeakForm(honest.factorProof), /mismatch/);
    });

    it("an honest key's form is accepted under the same parameters (the control), and not under others", function () {
      const form = buildForm(bank, CONTEXT, "decision", CONDITIONS, BUREAU_PARAMETERS);
      expect(readForm(bank.publicKey, CONTEXT, form.bytes, form.hash, BUREAU_PARAMETERS).conditions).to.have.length(3);
      const other = fixtureRingPedersen(3072).parameters;
      const fresh = importPublicKey({ kty: "Paillier", n: "0x" + bank.publicKey.n.toString(16) });
      expect(() => readForm(fresh, CONTEXT, form.bytes, form.hash, other)).to.throw(CheckRefusal, /parameters/);
    });
  });

  describe("paper mode: a cheating bank learns at most two equality tests per condition", function () {
    it("a CRT-split value (t1 mod p, t2 mod q) tests x = t1 and x = t2, and nothing else", async function () {
      const field = fieldNamed("creditScore");
      const [t1, t2] = [700n, 720n];
      const form = buildForm(
        bank,
        CONTEXT,
        "paper",
        [{ field: field.name, op: "eq", values: [t1] }],
        BUREAU_PARAMETERS,
      );
      const body = decodeMessage(form.bytes, "form", CONTEXT, form.hash) as { conditions: Record<string, unknown>[] };
      const split = encryptResidue(crtSplit(bank, t1, t2)).toHex();
      const forged = encodeMessage("form", CONTEXT, { ...body, conditions: [{ ...body.conditions[0], value: split }] });
      const received = readForm(bank.publicKey, CONTEXT, forged, messageHash(forged), BUREAU_PARAMETERS);
      for (const x of [t1, t2, 650n]) {
        const answer = await answerPaper(CONTEXT, received, new Map([[field.name, x]]));
        const [result] = readArray(decodeMessage(answer.bytes, "answer", CONTEXT).results, "results", 1);
        const m = decryptRaw(bank, Ciphertext.fromHex(bank.publicKey, result as string));
        expect([m % bank.p === 0n, m % bank.q === 0n], `x = ${x}`).to.deep.equal([x === t1, x === t2]);
      }
    });
  });
});

/** The bank's own shares, read back with its private key (a test shortcut: the bank keeps them anyway). */
function decodeBits(shares: Ciphertext[]): (0 | 1)[] {
  return shares.map((c) => Number(decryptRaw(bank, c)) as 0 | 1);
}

/** n of exactly `bits` bits from primes of the given sizes, the last one squared `square` times more. */
function modulusOf(sizes: number[], bits: number): { n: bigint; primes: bigint[] } {
  for (;;) {
    const primes = sizes.map((size) => generatePrimeSync(size, { bigint: true }));
    const n = primes.reduce((a, b) => a * b, 1n);
    if (n.toString(2).length === bits) return { n, primes };
  }
}

/** p·q·r of 2048 bits: passes every check a public key alone allows, but is no Paillier–Blum modulus. */
function threePrimeModulus(): bigint {
  return modulusOf([683, 683, 682], 2048).n;
}

/** p·r² of 2048 bits: not a square, no small factor, not prime, and still no Paillier–Blum modulus. */
function primeTimesSquare(): bigint {
  const { primes } = modulusOf([1024, 512], 1536);
  const n = primes[0] * primes[1] * primes[1];
  return n.toString(2).length === 2048 ? n : primeTimesSquare();
}
