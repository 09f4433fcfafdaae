/**
 * Blind scorecards (issue 22): the bank's secret linear model Σ w_i·x_i ≥ T evaluated on the subject's values, one
 * bit out. Parsing and the public parameters; correctness against the plaintext reference `scorecardHolds` (edge
 * cases and a property); what a cheating bank tries (weights or a quotient out of range, a shifted quotient, replays
 * from another check) and is refused or gains nothing from. The privacy tests are in scorecardPrivacy.test.ts.
 * 2048-bit keys, as the other protocol tests.
 */
import { expect } from "chai";
import fc from "fast-check";
import { fixtureComparisonKey, testComparisonKeys } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { APPLICANT } from "../helpers/samples";
import { fixtureKey } from "../paillier/helpers";
import { Ciphertext, decrypt, encrypt } from "../../src/paillier";
import {
  ENCRYPTION_RANGE_SLACK_BITS,
  ProofError,
  encodeEncryptionRangeProof,
  proveEncryptionRange,
  type EncryptionRangeWitness,
} from "../../src/proofs";
import type { DgkPrivateKey } from "../../src/dgk";
import {
  buildForm,
  comparisonCount,
  comparisonValueCount,
  readAnswer,
  respondToChallenge,
} from "../../src/protocol/bank";
import { answerDecision, challenge, readForm, type SubjectValues } from "../../src/protocol/bureau";
import { holds, isScorecard, parseForm, type Condition } from "../../src/protocol/form";
import {
  decodeMessage,
  encodeMessage,
  messageHash,
  scorecardQuotientContext,
  scorecardWeightsContext,
  type CheckContext,
} from "../../src/protocol/messages";
import {
  LARGEST_SCORECARD_FORM_BYTES,
  MAX_MESSAGE_BYTES,
  scorecardMessageBytes,
} from "../../src/protocol/messageLimits";
import { CheckRefusal, RefusalReason } from "../../src/protocol/refusal";
import { parseSchema } from "../../src/protocol/schema";
import {
  parseScorecard,
  scorecardHolds,
  scorecardParameters,
  scorecardShape,
  type Scorecard,
} from "../../src/protocol/scorecard";

const PARAMETERS = fixtureRingPedersen().parameters;
const bank = fixtureKey(2048);
const comparisonKey = fixtureComparisonKey();

function contextFor(checkId: string, contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3"): CheckContext {
  return { chainId: 31337n, contract, checkId, keyFingerprint: bank.publicKey.fingerprint };
}
const CONTEXT = contextFor("0x" + "a2".repeat(32));

/** The design's example (docs/protocol.md): four fields, one clamp, β = 20. */
const EXAMPLE: Scorecard = {
  weights: { creditScore: 1200, annualIncome: 3, debtToIncome: -25, defaultsFiveYears: -90000 },
  cutoff: 700000,
  clamp: { annualIncome: [0, 500000] },
  weightBits: 20,
};

/** Three fields of the sample applicant: 3·712 − 2·min(2850, hi) − 500·0. */
function applicantCard(cutoff: bigint | number, clampHigh = "60"): Scorecard {
  return {
    weights: { creditScore: 3, debtToIncome: -2, defaultsFiveYears: -500 },
    cutoff,
    clamp: { debtToIncome: [0, clampHigh] },
    weightBits: 12,
  };
}
/** The sample applicant's score on {@link applicantCard}, unclamped (debtToIncome 28.5 is 2850). */
const APPLICANT_SCORE = 3n * 712n - 2n * 2850n;

/** An honest check up to the bank's response. */
function untilResponse(
  conditions: readonly Condition[],
  values: SubjectValues,
  context = CONTEXT,
  key: DgkPrivateKey = comparisonKey,
) {
  const form = buildForm(bank, context, "decision", conditions, PARAMETERS);
  const received = readForm(bank.publicKey, context, form.bytes, form.hash, PARAMETERS);
  const ch = challenge(key, context, received, values);
  const response = respondToChallenge(bank, context, form, ch.bytes, ch.hash, key.publicKey);
  return { form, received, ch, response, context, key };
}
type Run = ReturnType<typeof untilResponse>;

/** The bureau's answer to the run's response (or to `bytes`, a response the bank rewrote), read by the bank. */
async function decision(run: Run, bytes = run.response.bytes): Promise<boolean> {
  const { context, key, ch, form } = run;
  const answer = await answerDecision(bank.publicKey, key, context, ch.state, bytes, messageHash(bytes), {
    parameters: PARAMETERS,
  });
  return readAnswer(bank, context, form, answer.bytes, answer.hash).approved;
}

async function decide(conditions: readonly Condition[], values: SubjectValues, context = CONTEXT) {
  return decision(untilResponse(conditions, values, context));
}

async function expectRefusal(work: () => unknown, reason: RefusalReason, message?: RegExp): Promise<void> {
  let refusal: unknown;
  try {
    await work();
  } catch (e) {
    refusal = e;
  }
  expect(refusal, "the bureau went on").to.be.instanceOf(CheckRefusal);
  expect(RefusalReason[(refusal as CheckRefusal).reason]).to.equal(RefusalReason[reason]);
  if (message) expect((refusal as CheckRefusal).message).to.match(message);
}

/** A message's body as a cheating bank reads and rewrites it: any JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

/** A message's body, to read what a cheating bank would take from it. */
function bodyOf(bytes: Uint8Array, stage: "form" | "challenge" | "response", context: CheckContext) {
  return decodeMessage(bytes, stage, context) as Body;
}

/** A message's body rewritten by `change`, re-encoded for `context`. */
function rewritten(
  stage: "form" | "response",
  bytes: Uint8Array,
  context: CheckContext,
  change: (body: Body) => void,
): Uint8Array {
  const body = bodyOf(bytes, stage, context);
  change(body);
  return encodeMessage(stage, context, body);
}

/** E(plaintext) for each, with an honest Π^enc that each is below 2^rangeBits, bound to `context`. */
function proven(plaintexts: readonly bigint[], rangeBits: number, context: Uint8Array) {
  const statements: EncryptionRangeWitness[] = plaintexts.map((plaintext) => ({
    plaintext,
    rangeBits,
    ciphertext: encrypt(bank, plaintext),
  }));
  return {
    ciphertexts: statements.map(({ ciphertext }) => ciphertext.toHex()),
    proof: encodeEncryptionRangeProof(proveEncryptionRange(bank, PARAMETERS, statements, context)),
  };
}

describe("Blind scorecard", function () {
  describe("parsing and the public parameters", function () {
    it("derives B, ℓ, κ and the proofs' ranges from the shape alone", function () {
      const parsed = parseScorecard(EXAMPLE);
      expect(parsed.shape).to.deep.equal({
        fields: ["creditScore", "annualIncome", "debtToIncome", "defaultsFiveYears"],
        clamp: { annualIncome: ["0", "500000"] },
        weightBits: 20,
      });
      const p = parsed.parameters;
      expect(p.maxima).to.deep.equal([850n, 500000n, 100000n, 100n]); // debtToIncome up to 1000.00, in hundredths
      expect(p.bound).to.equal((2n ** 20n - 1n) * 600950n);
      expect(p.bound).to.equal(630141146250n);
      expect(p.comparisonBits).to.equal(41); // 2B < 2^41
      expect(p.maskBits).to.equal(41 + 256 + 80 + 8);
      expect(p.quotientBits).to.equal(385 - 41 + 2);
      expect(p.offsetBits).to.equal(42);
      expect(p.exponentShift).to.equal(3n << 19n); // 2^19 > 500000, the largest clamped value
      expect(parsed.weights).to.deep.equal([1200n, 3n, -25n, -90000n]);
      expect(parsed.offset).to.equal(2n ** 41n - 700000n);
      // The bureau computes the same from the shape it reads.
      expect(scorecardParameters(scorecardShape(JSON.parse(JSON.stringify(parsed.shape))))).to.deep.equal(p);
    });

    const refusals: [string, unknown, RegExp | string][] = [
      [
        "an unknown member",
        { ...EXAMPLE, bias: 3 },
        /expected only the members weights, cutoff, clamp, weightBits, got "bias"/,
      ],
      ["no weights", { ...EXAMPLE, weights: {}, clamp: undefined }, /expected weights on 1 to 64 fields, got 0/],
      ["an unknown field", { ...EXAMPLE, weights: { income: 3 }, clamp: undefined }, /unknown credit field "income"/],
      [
        "a weight that is not an integer",
        { ...EXAMPLE, weights: { creditScore: 1.5 }, clamp: undefined },
        /weight of creditScore: expected an integer .* got "1.5"/,
      ],
      [
        "a weight of 2^β",
        { ...EXAMPLE, weights: { creditScore: 2 ** 20 }, clamp: undefined },
        "scorecard weight of creditScore: expected |w| < 2^20 = 1048576 (weightBits), got 1048576",
      ],
      [
        "a weight of −2^β",
        { weights: { creditScore: "-16" }, cutoff: 0, weightBits: 4 },
        "scorecard weight of creditScore: expected |w| < 2^4 = 16 (weightBits), got -16",
      ],
      [
        "a cut-off above B",
        { weights: { bankruptcy: 1 }, cutoff: 16, weightBits: 4 },
        /cutoff: expected \|T\| ≤ B = 15 \(.*\), got 16/,
      ],
      [
        "a cut-off below −B",
        { weights: { bankruptcy: 1 }, cutoff: -16, weightBits: 4 },
        /expected \|T\| ≤ B = 15 .*got -16/,
      ],
      [
        "a cut-off that is not an integer",
        { weights: { bankruptcy: 1 }, cutoff: "0.5" },
        /cutoff: expected an integer/,
      ],
      [
        "a clamp outside the field's range",
        { ...EXAMPLE, clamp: { creditScore: [200, 900] } },
        'scorecard clamp of creditScore: expected lo a value between 300 and 850, got "200"',
      ],
      [
        "a clamp with lo > hi",
        { ...EXAMPLE, clamp: { debtToIncome: ["40", "35.5"] } },
        "scorecard clamp of debtToIncome: expected lo ≤ hi, got 40.00 > 35.50",
      ],
      [
        "a clamp that is not a pair",
        { ...EXAMPLE, clamp: { creditScore: [300] } },
        /clamp of creditScore: expected \[lo, hi\], got \[300\]/,
      ],
      [
        "a clamp on a field without a weight",
        { ...EXAMPLE, clamp: { bankruptcy: [0, 1] } },
        /clamp on a field with a weight, got one on "bankruptcy"/,
      ],
      ["weightBits 0", { ...EXAMPLE, weightBits: 0 }, /weightBits: expected an integer from 1 to 64, got 0/],
      ["weightBits 65", { ...EXAMPLE, weightBits: 65 }, /weightBits: expected an integer from 1 to 64, got 65/],
    ];
    for (const [name, scorecard, message] of refusals) {
      it(`refuses ${name}, saying what came`, function () {
        expect(() => parseScorecard(scorecard as Scorecard)).to.throw(message as string);
      });
    }

    it("refuses a sum too wide for the comparison, with the numbers", function () {
      const wide = parseSchema({
        format: "blindcredit.credit-schema.v1",
        id: "wide-values",
        version: 1,
        fields: [{ name: "big", min: "1" + "0".repeat(40), max: "1" + "0".repeat(38) + "10", decimals: 0 }],
      });
      expect(() => parseScorecard({ weights: { big: 1 }, cutoff: 0, weightBits: 64 }, wide)).to.throw(
        /its sum can reach B = \d+ .* which needs a comparison of 198 bits: expected at most 160/,
      );
      expect(
        parseScorecard({ weights: { big: 1 }, cutoff: 0, weightBits: 20 }, wide).parameters.comparisonBits,
      ).to.equal(154);
    });

    it("shifts every clamped value, negative ones included, to an exponent of one bit length", function () {
      const signed = parseSchema({
        format: "blindcredit.credit-schema.v1",
        id: "signed-values",
        version: 1,
        fields: [
          { name: "balance", min: "-70000", max: "4000", decimals: 0 },
          { name: "flag", min: "0", max: "1", decimals: 0 },
        ],
      });
      const { parameters } = parseScorecard({ weights: { balance: 2, flag: -5 }, cutoff: 0 }, signed);
      expect(parameters.exponentShift).to.equal(3n << 17n); // 2^17 > 70000
      const lengths = parameters.ranges.flatMap(([lo, hi]) =>
        [lo, lo + 1n, 0n, hi - 1n, hi].map((x) => (x + parameters.exponentShift).toString(2).length),
      );
      expect(new Set(lengths)).to.deep.equal(new Set([19]));
    });

    it("refuses a shape with a field twice (the bureau's side: a form's shape can repeat one)", function () {
      expect(() => scorecardShape({ fields: ["creditScore", "creditScore"], clamp: {}, weightBits: 8 })).to.throw(
        'scorecard: expected distinct fields, got "creditScore" twice',
      );
    });

    it("in a form: one condition, decision mode only", function () {
      const form: Condition[] = [{ scorecard: EXAMPLE }, { field: "creditScore", op: "ge", values: [650] }];
      const parsed = parseForm(form, "decision");
      expect(parsed.map((c) => isScorecard(c))).to.deep.equal([true, false]);
      expect(() => parseForm(form, "paper")).to.throw(
        "condition 1: paper mode does not support scorecards (they give one bit): use decision mode",
      );
      expect(() => parseForm([{ scorecard: { ...EXAMPLE, cutoff: 1e15 } }], "decision")).to.throw(
        /^condition 1 \(scorecard\) cutoff: expected \|T\| ≤ B = 630141146250/,
      );
    });

    it("the plaintext reference: clamps applied, a field without data not met", function () {
      const parsed = parseScorecard(applicantCard(APPLICANT_SCORE));
      expect(scorecardHolds(parsed, APPLICANT)).to.equal(true);
      expect(scorecardHolds(parseScorecard(applicantCard(APPLICANT_SCORE + 1n)), APPLICANT)).to.equal(false);
      // Clamped at 20.00: 3·712 − 2·2000.
      expect(scorecardHolds(parseScorecard(applicantCard(3n * 712n - 4000n, "20")), APPLICANT)).to.equal(true);
      expect(scorecardHolds(parseScorecard(applicantCard(3n * 712n - 3999n, "20")), APPLICANT)).to.equal(false);
      const withoutDebt = new Map([...APPLICANT].filter(([field]) => field !== "debtToIncome"));
      expect(scorecardHolds(parseScorecard(applicantCard(-10_000)), withoutDebt)).to.equal(false);
    });

    it("the bureau refuses a form whose scorecard shape it cannot accept (InvalidMessage), naming why", async function () {
      const form = buildForm(bank, CONTEXT, "decision", [{ scorecard: EXAMPLE }], PARAMETERS);
      const cases: [(sc: Body) => void, RegExp][] = [
        [(sc) => (sc.fields[1] = "creditScore"), /expected distinct fields, got "creditScore" twice/],
        [
          (sc) => (sc.clamp = { annualIncome: ["0", "20000000"] }),
          /clamp of annualIncome: expected hi a value between/,
        ],
        [(sc) => (sc.weightBits = 70), /weightBits: expected an integer from 1 to 64, got 70/],
        [(sc) => sc.weights.pop(), /scorecard weights: expected 4 items, got 3/],
        [(sc) => (sc.extra = 1), /expected only the members fields, clamp, weightBits, got "extra"/],
        [(sc) => (sc.offset = "0xzz"), /scorecard offset/],
      ];
      for (const [change, message] of cases) {
        const bytes = rewritten("form", form.bytes, CONTEXT, (body) => change(body.conditions[0].scorecard));
        await expectRefusal(
          () => readForm(bank.publicKey, CONTEXT, bytes, messageHash(bytes), PARAMETERS),
          RefusalReason.InvalidMessage,
          message,
        );
      }
      const paper = rewritten("form", form.bytes, CONTEXT, (body) => (body.mode = "paper"));
      await expectRefusal(
        () => readForm(bank.publicKey, CONTEXT, paper, messageHash(paper), PARAMETERS),
        RefusalReason.InvalidMessage,
        /paper mode does not support scorecards/,
      );
    });

    it("counts a scorecard's comparison: one, of ℓ bits (ℓ + 1 values)", function () {
      const form = buildForm(
        bank,
        CONTEXT,
        "decision",
        [{ scorecard: applicantCard(0) }, { field: "bankruptcy", op: "eq", values: [0] }],
        PARAMETERS,
      );
      const { comparisonBits } = parseScorecard(applicantCard(0)).parameters;
      expect(comparisonCount(form)).to.equal(1 + 2);
      expect(comparisonValueCount(form)).to.equal(comparisonBits + 1 + 2 * (2 + 1));
    });
  });

  describe("correctness against scorecardHolds", function () {
    it("S exactly 0 holds; T + 1 does not; T − 1 does", async function () {
      for (const [cutoff, expected] of [
        [APPLICANT_SCORE, true],
        [APPLICANT_SCORE + 1n, false],
        [APPLICANT_SCORE - 1n, true],
      ] as const) {
        const card = applicantCard(cutoff);
        expect(scorecardHolds(parseScorecard(card), APPLICANT), "the reference").to.equal(expected);
        expect(await decide([{ scorecard: card }], APPLICANT), `T = ${cutoff}`).to.equal(expected);
      }
    });

    it("negative weights and an active clamp: the clamped value counts", async function () {
      // debtToIncome 28.50 clamped to 20.00: 3·712 − 2·2000 = −1864 (unclamped it would be −3564).
      const clamped = 3n * 712n - 2n * 2000n;
      expect(await decide([{ scorecard: applicantCard(clamped, "20") }], APPLICANT)).to.equal(true);
      expect(await decide([{ scorecard: applicantCard(clamped + 1n, "20") }], APPLICANT)).to.equal(false);
      // A floor: the value 28.50 raised to lo = 30.00 gives 3·712 − 6000.
      const floored: Scorecard = {
        ...applicantCard(0),
        clamp: { debtToIncome: ["30", "40"] },
        cutoff: 3n * 712n - 6000n,
      };
      expect(await decide([{ scorecard: floored }], APPLICANT)).to.equal(true);
      expect(await decide([{ scorecard: { ...floored, cutoff: 3n * 712n - 5999n } }], APPLICANT)).to.equal(false);
    });

    it("a field without data: declined, never refused, with messages of the same size", async function () {
      const card: Condition[] = [{ scorecard: applicantCard(-10_000) }];
      const withData = untilResponse(card, APPLICANT);
      expect(await decision(withData)).to.equal(true);
      const withoutDebt = new Map([...APPLICANT].filter(([field]) => field !== "debtToIncome"));
      const without = untilResponse(card, withoutDebt);
      expect(await decision(without)).to.equal(false);
      expect(without.ch.bytes.length).to.equal(withData.ch.bytes.length);
      // Up to the signs of the quotient proof's z₁ and z₃ ("-" or nothing), drawn at random whatever the data.
      expect(Math.abs(without.response.bytes.length - withData.response.bytes.length)).to.be.at.most(2);
    });

    it("a scorecard and three conditions: one bit, the conjunction", async function () {
      const conditions = (cutoff: bigint, score = 650): Condition[] => [
        { scorecard: applicantCard(cutoff) },
        { field: "creditScore", op: "ge", values: [score] },
        { field: "bankruptcy", op: "eq", values: [0] },
        { field: "annualIncome", op: "between", values: [40_000, 90_000] },
      ];
      const expected = (form: Condition[]) =>
        parseForm(form, "decision").every((c) =>
          isScorecard(c) ? scorecardHolds(c.scorecard, APPLICANT) : holds(c, APPLICANT.get(c.field)!),
        );
      for (const form of [conditions(APPLICANT_SCORE), conditions(APPLICANT_SCORE + 1n), conditions(0n, 800)]) {
        expect(await decide(form, APPLICANT)).to.equal(expected(form));
      }
      expect(expected(conditions(APPLICANT_SCORE))).to.equal(true); // the control: all hold
    });

    it("a property: random weights, values and cut-offs (near the sum and anywhere) agree with the reference", async function () {
      this.timeout(600_000);
      const BITS = 10;
      const top = 2 ** BITS - 1;
      const fields = ["creditScore", "debtToIncome", "yearsOfHistory"] as const;
      const clamp = { debtToIncome: ["0", "50"] as [string, string] };
      const { bound } = parseScorecard({
        weights: { creditScore: 1, debtToIncome: 1, yearsOfHistory: 1 },
        cutoff: 0,
        clamp,
        weightBits: BITS,
      }).parameters;
      const weight = fc.integer({ min: -top, max: top });
      const inputs = fc.record({
        weights: fc.tuple(weight, weight, weight),
        values: fc.tuple(
          fc.integer({ min: 300, max: 850 }),
          fc.integer({ min: 0, max: 100_000 }),
          fc.integer({ min: 0, max: 100 }),
        ),
        cutoff: fc.oneof(
          fc.integer({ min: -1, max: 1 }).map((shift) => ({ shift })),
          fc.bigInt({ min: -bound, max: bound }).map((cutoff) => ({ cutoff })),
        ),
      });
      type Inputs = typeof inputs extends fc.Arbitrary<infer T> ? T : never;
      const edges: [Inputs][] = [
        [{ weights: [top, top, top], values: [850, 100_000, 100], cutoff: { shift: 0 } }], // T = B, S = 0
        [{ weights: [-top, -top, -top], values: [850, 5000, 100], cutoff: { shift: 0 } }], // T = −B, S = 0
        [{ weights: [-top, top, -top], values: [300, 0, 0], cutoff: { shift: 1 } }],
        [{ weights: [0, 0, 0], values: [300, 0, 0], cutoff: { shift: 0 } }], // the zero model, T = 0
        [{ weights: [1, 0, 0], values: [300, 0, 0], cutoff: { cutoff: -bound } }],
      ];
      await fc.assert(
        fc.asyncProperty(inputs, async ({ weights, values, cutoff }) => {
          const x = values.map(BigInt);
          const clampedDebt = x[1] > 5000n ? 5000n : x[1];
          const sum = BigInt(weights[0]) * x[0] + BigInt(weights[1]) * clampedDebt + BigInt(weights[2]) * x[2];
          let T = "shift" in cutoff ? sum + BigInt(cutoff.shift) : cutoff.cutoff;
          T = T > bound ? bound : T < -bound ? -bound : T;
          const card: Scorecard = {
            weights: Object.fromEntries(fields.map((f, i) => [f, weights[i]])),
            cutoff: T,
            clamp,
            weightBits: BITS,
          };
          const subject = new Map(fields.map((f, i) => [f as string, x[i]]));
          expect(await decide([{ scorecard: card }], subject)).to.equal(scorecardHolds(parseScorecard(card), subject));
        }),
        { numRuns: 12, examples: edges },
      );
    });
  });

  describe("a cheating bank", function () {
    const CARD: Condition[] = [{ scorecard: applicantCard(APPLICANT_SCORE) }];
    const { weightBits, quotientBits } = parseScorecard(applicantCard(0)).parameters;
    const weightsContext = scorecardWeightsContext(CONTEXT, PARAMETERS.fingerprint);

    /** The honest form with its scorecard's first weight (or the offset) and proof replaced. */
    function formWith(change: (scorecard: Body) => void, context = CONTEXT, conditions = CARD) {
      const form = buildForm(bank, context, "decision", conditions, PARAMETERS);
      const bytes = rewritten("form", form.bytes, context, (body) => change(body.conditions[0].scorecard));
      return () => readForm(bank.publicKey, context, bytes, messageHash(bytes), PARAMETERS);
    }

    it("the honest prover will not prove a weight of 2^β, and the bank's form refuses it first", function () {
      expect(() =>
        proveEncryptionRange(
          bank,
          PARAMETERS,
          [{ plaintext: 2n ** 12n, rangeBits: weightBits, ciphertext: encrypt(bank, 2n ** 12n) }],
          weightsContext,
        ),
      ).to.throw(ProofError, /STATEMENT_FALSE|expected a plaintext k with \|k\| < 2\^12/);
      expect(() =>
        parseForm(
          [{ scorecard: { ...applicantCard(0), weights: { creditScore: 4096, debtToIncome: 1 } } }],
          "decision",
        ),
      ).to.throw(/expected \|w\| < 2\^12 = 4096 \(weightBits\), got 4096/);
    });

    it("refuses a weight of 2^(β+ε+1) with the best proof the bank can make (InvalidProof)", async function () {
      const huge = 2n ** BigInt(weightBits + ENCRYPTION_RANGE_SLACK_BITS + 1);
      // E(huge) in place of E(w_1), the honest proof kept: it is about another ciphertext.
      await expectRefusal(
        formWith((sc) => (sc.weights[0] = encrypt(bank, huge).toHex())),
        RefusalReason.InvalidProof,
        /scorecard range proof \(Π\^enc\)/,
      );
      // Its best proof: a valid one for the range its weight is in (one for β has a z₁ too wide even to encode).
      await expectRefusal(
        formWith((sc) => {
          const { offsetBits } = parseScorecard(applicantCard(0)).parameters;
          const statements = [
            ...[huge, -2n, -500n].map((plaintext, i) => ({
              plaintext,
              rangeBits: i === 0 ? weightBits + ENCRYPTION_RANGE_SLACK_BITS + 2 : weightBits,
              ciphertext: encrypt(bank, plaintext),
            })),
            { plaintext: 1n, rangeBits: offsetBits, ciphertext: encrypt(bank, 1n) },
          ];
          sc.weights = statements.slice(0, 3).map((s) => s.ciphertext.toHex());
          sc.offset = statements[3].ciphertext.toHex();
          sc.proof = encodeEncryptionRangeProof(proveEncryptionRange(bank, PARAMETERS, statements, weightsContext));
        }),
        RefusalReason.InvalidProof,
        /rangeBits|range/,
      );
    });

    it("refuses weights whose proof was made for another deployment, other parameters, another key, or no proof", async function () {
      const elsewhere = contextFor(CONTEXT.checkId, "0x" + "77".repeat(20));
      const other = buildForm(bank, elsewhere, "decision", CARD, PARAMETERS);
      const otherScorecard = bodyOf(other.bytes, "form", elsewhere).conditions[0].scorecard;
      await expectRefusal(
        formWith((sc) =>
          Object.assign(sc, {
            weights: otherScorecard.weights,
            offset: otherScorecard.offset,
            proof: otherScorecard.proof,
          }),
        ),
        RefusalReason.InvalidProof,
      );
      const otherParameters = fixtureRingPedersen(3072).parameters;
      const underOthers = buildForm(bank, CONTEXT, "decision", CARD, otherParameters);
      const theirs = bodyOf(underOthers.bytes, "form", CONTEXT).conditions[0].scorecard;
      await expectRefusal(
        formWith((sc) => Object.assign(sc, { weights: theirs.weights, offset: theirs.offset, proof: theirs.proof })),
        RefusalReason.InvalidProof,
      );
      // A model the bureau has not verified yet (a proof verified once stands for those ciphertexts).
      const unseen: Condition[] = [{ scorecard: applicantCard(4321) }];
      await expectRefusal(
        formWith((sc) => delete sc.proof, CONTEXT, unseen),
        RefusalReason.InvalidProof,
      );
      // Another bank key's proof of the same model.
      const otherBank = fixtureKey(3072);
      const otherContext = { ...CONTEXT, keyFingerprint: otherBank.publicKey.fingerprint };
      const otherKeyForm = buildForm(otherBank, otherContext, "decision", unseen, PARAMETERS);
      const otherKeyProof = bodyOf(otherKeyForm.bytes, "form", otherContext).conditions[0].scorecard.proof;
      await expectRefusal(
        formWith((sc) => (sc.proof = otherKeyProof), CONTEXT, unseen),
        RefusalReason.InvalidProof,
        /range proof/,
      );
    });

    it("refuses a challenge's masked score (another subject's) put in place of a weight: the bank cannot prove it", async function () {
      const checkA = untilResponse(CARD, APPLICANT, contextFor("0x" + "a3".repeat(32)));
      const scoreA = bodyOf(checkA.ch.bytes, "challenge", checkA.context).scores[0] as string;
      // Under the bank's own key: it decrypts it anyway, so it carries nothing the bank does not know; and in range
      // it is not, so no proof.
      const dA = decrypt(bank, Ciphertext.fromHex(bank.publicKey, scoreA));
      expect(dA > 2n ** BigInt(weightBits + ENCRYPTION_RANGE_SLACK_BITS + 1)).to.equal(true);
      expect(() =>
        proveEncryptionRange(
          bank,
          PARAMETERS,
          [{ plaintext: dA, rangeBits: weightBits, ciphertext: Ciphertext.fromHex(bank.publicKey, scoreA) }],
          weightsContext,
        ),
      ).to.throw(ProofError);
      await expectRefusal(
        formWith((sc) => (sc.weights[0] = scoreA)),
        RefusalReason.InvalidProof,
      );
    });

    it("refuses another check's form replayed into this one (InvalidMessage)", async function () {
      const checkA = contextFor("0x" + "a4".repeat(32));
      const formA = buildForm(bank, checkA, "decision", CARD, PARAMETERS);
      await expectRefusal(
        () => readForm(bank.publicKey, CONTEXT, formA.bytes, formA.hash, PARAMETERS),
        RefusalReason.InvalidMessage,
        /belongs to another check/,
      );
    });

    it("the same model's weights serve every check (bound to the deployment, key and parameters, not the check)", function () {
      const a = buildForm(bank, contextFor("0x" + "a5".repeat(32)), "decision", CARD, PARAMETERS);
      const b = buildForm(bank, contextFor("0x" + "a6".repeat(32)), "decision", CARD, PARAMETERS);
      const weightsOf = (bytes: Uint8Array, checkId: string) =>
        bodyOf(bytes, "form", contextFor(checkId)).conditions[0].scorecard.weights;
      expect(weightsOf(a.bytes, "0x" + "a5".repeat(32))).to.deep.equal(weightsOf(b.bytes, "0x" + "a6".repeat(32)));
      expect(() =>
        readForm(bank.publicKey, contextFor("0x" + "a6".repeat(32)), b.bytes, b.hash, PARAMETERS),
      ).to.not.throw();
    });

    describe("its quotient D", function () {
      const quotientContext = (run: Run) => scorecardQuotientContext(run.context, run.key.publicKey.fingerprint);
      const honestQuotient = (run: Run) =>
        decrypt(
          bank,
          Ciphertext.fromHex(bank.publicKey, bodyOf(run.response.bytes, "response", run.context).quotients[0]),
        );

      /** The run's response with its quotient replaced by `quotient`, proven by `prover` for this check. */
      function withQuotient(run: Run, quotient: bigint, context = quotientContext(run), rangeBits = quotientBits) {
        return rewritten("response", run.response.bytes, run.context, (body) => {
          const { ciphertexts, proof } = proven([quotient], rangeBits, context);
          body.quotients = ciphertexts;
          body.quotientProof = proof;
        });
      }

      it("the honest response is answered (the control)", async function () {
        const run = untilResponse(CARD, APPLICANT);
        expect(await decision(run, withQuotient(run, honestQuotient(run)))).to.equal(true);
      });

      it("refuses a D outside its range with the best proof the bank can make (InvalidProof)", async function () {
        const run = untilResponse(CARD, APPLICANT);
        // Its best proof: a valid one for the range its D is in.
        const wider = quotientBits + ENCRYPTION_RANGE_SLACK_BITS + 3;
        const outside = 2n ** BigInt(wider - 1);
        for (const quotient of [outside, -outside]) {
          await expectRefusal(
            () => decision(run, withQuotient(run, quotient, quotientContext(run), wider)),
            RefusalReason.InvalidProof,
            /quotient proof/,
          );
        }
        const noProof = rewritten("response", run.response.bytes, run.context, (body) => delete body.quotientProof);
        await expectRefusal(() => decision(run, noProof), RefusalReason.InvalidProof);
      });

      it("refuses E(D) and its proof copied from another check (InvalidProof)", async function () {
        const other = untilResponse(CARD, APPLICANT, contextFor("0x" + "a7".repeat(32)));
        const theirs = bodyOf(other.response.bytes, "response", other.context);
        const run = untilResponse(CARD, APPLICANT);
        const copied = rewritten("response", run.response.bytes, run.context, (body) => {
          body.quotients = theirs.quotients;
          body.quotientProof = theirs.quotientProof;
        });
        await expectRefusal(() => decision(run, copied), RefusalReason.InvalidProof);
        // Its own D with a proof bound to the other check: refused too.
        await expectRefusal(
          () => decision(run, withQuotient(run, honestQuotient(run), quotientContext(other))),
          RefusalReason.InvalidProof,
        );
      });

      it("a shifted D (re-proven) gives a predicate of [S ≥ 0] only: over many S, the outcome is a function of the sign", async function () {
        this.timeout(600_000);
        // yearsOfHistory·1 ≥ 50 for years 46 to 53: S from −4 to 3.
        const card: Condition[] = [{ scorecard: { weights: { yearsOfHistory: 1 }, cutoff: 50, weightBits: 2 } }];
        const SHIFTS = [1n, -1n, 3n];
        const outcomes = SHIFTS.map(
          () =>
            new Map<boolean, Set<boolean>>([
              [true, new Set()],
              [false, new Set()],
            ]),
        );
        for (let years = 46n; years <= 53n; years++) {
          const run = untilResponse(card, new Map([["yearsOfHistory", years]]));
          for (const [i, shift] of SHIFTS.entries()) {
            outcomes[i].get(years >= 50n)!.add(await decision(run, withQuotient(run, honestQuotient(run) + shift)));
          }
        }
        // Per shift, one outcome for every S ≥ 0 and one for every S < 0 (D + 1 inverts the bit; D − 1 and D + 3
        // make it constant).
        for (const [i, shift] of SHIFTS.entries()) {
          expect(
            [...outcomes[i].values()].map((seen) => seen.size),
            `shift ${shift}`,
          ).to.deep.equal([1, 1]);
        }
        expect([...outcomes[0].get(true)!, ...outcomes[0].get(false)!]).to.deep.equal([false, true]);
      });

      it("another check's D re-proven for this one is useless: the outcome is this subject's, shifted by what the bank knows", async function () {
        this.timeout(600_000);
        const card: Condition[] = [{ scorecard: { weights: { yearsOfHistory: 1 }, cutoff: 50, weightBits: 2 } }];
        const subjectA = untilResponse(card, new Map([["yearsOfHistory", 80n]]), contextFor("0x" + "a8".repeat(32)));
        const dA = honestQuotient(subjectA);
        for (const yearsB of [30n, 50n]) {
          const run = untilResponse(card, new Map([["yearsOfHistory", yearsB]]));
          const dB = honestQuotient(run);
          const holdsB = yearsB >= 50n ? 1n : 0n;
          // 1 − holds' = (1 − holds_B) + (D_B − D_A): zero iff that is, all of it B's or known to the bank.
          expect(await decision(run, withQuotient(run, dA))).to.equal(1n - holdsB + dB - dA === 0n);
        }
      });
    });

    it("refuses the scorecard comparison's values computed from another check's operand bits (InvalidMessage)", async function () {
      this.timeout(120_000);
      const keys = testComparisonKeys();
      try {
        const otherKey = await keys.fresh();
        const other = untilResponse(CARD, APPLICANT, contextFor("0x" + "a9".repeat(32)), otherKey);
        const run = untilResponse(CARD, APPLICANT);
        const replayed = rewritten("response", run.response.bytes, run.context, (body) => {
          body.comparisons = bodyOf(other.response.bytes, "response", other.context).comparisons;
        });
        await expectRefusal(() => decision(run, replayed), RefusalReason.InvalidMessage, /comparison key/);
      } finally {
        await keys.close?.();
      }
    });
  });

  describe("a deviating bureau", function () {
    it("gets the bank's response as always for a masked score out of range (its D reduced into the proven range)", function () {
      const run = untilResponse([{ scorecard: applicantCard(0) }], APPLICANT);
      const { maskBits } = parseScorecard(applicantCard(0)).parameters;
      for (const d of [2n ** BigInt(maskBits + 40), -1n]) {
        const body = bodyOf(run.ch.bytes, "challenge", CONTEXT);
        body.scores = [encrypt(bank.publicKey, d).toHex()];
        const bytes = encodeMessage("challenge", CONTEXT, body);
        const response = respondToChallenge(
          bank,
          CONTEXT,
          run.form,
          bytes,
          messageHash(bytes),
          comparisonKey.publicKey,
        );
        expect(bodyOf(response.bytes, "response", CONTEXT).quotients).to.have.length(1);
      }
    });
  });

  describe("message sizes", function () {
    it("the largest scorecard form's messages fit (a limit, not an estimate only)", function () {
      for (const bytes of Object.values(LARGEST_SCORECARD_FORM_BYTES)) expect(bytes).to.be.below(MAX_MESSAGE_BYTES);
    });

    it("the estimate bounds a real scorecard's additions to each message, within 2 %", function () {
      const withCard = untilResponse(
        [{ scorecard: EXAMPLE }, { field: "bankruptcy", op: "eq", values: [0] }],
        APPLICANT,
      );
      const without = untilResponse([{ field: "bankruptcy", op: "eq", values: [0] }], APPLICANT);
      const estimate = scorecardMessageBytes(4, 41, {
        paillierBits: bank.publicKey.bits,
        dgkBits: comparisonKey.publicKey.bits,
        ringPedersenBits: PARAMETERS.n.toString(2).length,
      });
      for (const [what, actual, bound] of [
        ["challenge", withCard.ch.bytes.length - without.ch.bytes.length, estimate.challenge],
        ["response", withCard.response.bytes.length - without.response.bytes.length, estimate.response],
      ] as const) {
        expect(bound, what).to.be.at.least(actual);
        expect(bound, what).to.be.below(actual * 1.02);
      }
      const formAdded = withCard.form.bytes.length - without.form.bytes.length;
      expect(estimate.form).to.be.at.least(formAdded);
      expect(estimate.form).to.be.below(formAdded * 1.25); // the shape's names and clamps are bounded generously
    });
  });
});
