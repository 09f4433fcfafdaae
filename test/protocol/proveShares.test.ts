/**
 * The bank's shares proven ahead of the challenge (proveShares), off-chain with real 2048-bit keys: a response built
 * from them is accepted by the bureau and reaches the right decision, with shares encrypted on the spot or taken from
 * precomputed shares (ShareWorkers); shares proven for another comparison key or another number of comparisons are
 * refused before anything is sent; comparisonCount counts the shares and comparisons a response carries.
 */
import { expect } from "chai";
import { hexlify } from "ethers";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { APPLICANT_VALUES, FULL_LOAN, LOAN } from "../helpers/samples";
import { fixtureKey } from "../paillier/helpers";
import { decryptRaw } from "../../src/paillier";
import { ShareWorkers, verifyBits } from "../../src/proofs";
import {
  buildForm,
  comparisonCount,
  proveShares,
  readAnswer,
  respondToChallenge,
  type BankForm,
} from "../../src/protocol/bank";
import { answerDecision, challenge, readForm } from "../../src/protocol/bureau";
import type { Condition } from "../../src/protocol/form";
import { decodeMessage, shareProofContext, type CheckContext } from "../../src/protocol/messages";

/** The bureau's ring-Pedersen parameters (public part), under which the bank proves its key has no small factor. */
const BUREAU_PARAMETERS = fixtureRingPedersen().parameters;

const key = fixtureKey(2048);
const comparisonKey = fixtureComparisonKey();

const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  checkId: "0x" + "33".repeat(32),
  keyFingerprint: key.publicKey.fingerprint,
};

/** The bank's form and the bureau's challenge for the applicant's `values`. */
function startCheck(conditions: readonly Condition[], values: Readonly<Record<string, bigint>>, context = CONTEXT) {
  const form = buildForm(key, context, "decision", conditions, BUREAU_PARAMETERS);
  const received = readForm(key.publicKey, context, form.bytes, form.hash, BUREAU_PARAMETERS);
  const ch = challenge(comparisonKey, context, received, new Map(Object.entries(values)));
  return { form, ch };
}

/** Runs a decision-mode check whose bank answers with shares proven beforehand, and returns what it decided. */
async function checkWithProven(
  conditions: readonly Condition[],
  values: Readonly<Record<string, bigint>>,
  prove: (form: BankForm) => ReturnType<typeof proveShares> = (form) =>
    proveShares(key, CONTEXT, form, comparisonKey.publicKey),
) {
  const { form, ch } = startCheck(conditions, values);
  const proven = prove(form);
  const response = respondToChallenge(key, CONTEXT, form, ch.bytes, ch.hash, comparisonKey.publicKey, { proven });
  const answer = await answerDecision(key.publicKey, comparisonKey, CONTEXT, ch.state, response.bytes, response.hash);
  return { form, proven, response, view: readAnswer(key, CONTEXT, form, answer.bytes, answer.hash, response.shares) };
}

describe("protocol/bank: proven shares", function () {
  describe("proveShares", function () {
    it("proves one encrypted bit per comparison, bound to the check and the comparison key", function () {
      const form = buildForm(key, CONTEXT, "decision", FULL_LOAN, BUREAU_PARAMETERS);
      const proven = proveShares(key, CONTEXT, form, comparisonKey.publicKey);
      expect(proven.bits).to.have.length(comparisonCount(form));
      expect(proven.encrypted).to.have.length(comparisonCount(form));
      expect(proven.boundTo).to.equal(hexlify(shareProofContext(CONTEXT, comparisonKey.publicKey.fingerprint)));
      proven.bits.forEach((bit, i) => expect(decryptRaw(key, proven.encrypted[i]), `share ${i}`).to.equal(BigInt(bit)));
      verifyBits(
        key.publicKey,
        proven.encrypted,
        proven.proof,
        shareProofContext(CONTEXT, comparisonKey.publicKey.fingerprint),
      );
    });
  });

  describe("respondToChallenge with proven shares", function () {
    it("approves an applicant who meets every condition: the bureau accepts the response", async function () {
      const { proven, response, view } = await checkWithProven(FULL_LOAN, APPLICANT_VALUES);
      expect(response.shares).to.deep.equal(proven.bits);
      expect(view.approved).to.equal(true);
      expect(view.shares).to.deep.equal(proven.bits);
    });

    it("declines an applicant who misses one condition", async function () {
      const declined = await checkWithProven(FULL_LOAN, { ...APPLICANT_VALUES, creditScore: 649n });
      expect(declined.view.approved).to.equal(false);
      const between: Condition[] = [{ field: "debtToIncome", op: "between", values: ["10", "25"] }];
      expect((await checkWithProven(between, APPLICANT_VALUES)).view.approved, "28.5 in [10, 25]").to.equal(false);
      expect(
        (await checkWithProven(between, { ...APPLICANT_VALUES, debtToIncome: 2500n })).view.approved,
        "25 in [10, 25]",
      ).to.equal(true);
    });

    it("reaches the same decisions with shares precomputed on worker threads (ShareWorkers)", async function () {
      const workers = new ShareWorkers(2);
      try {
        for (const [values, approved] of [
          [APPLICANT_VALUES, true],
          [{ ...APPLICANT_VALUES, debtToIncome: 3501n }, false],
        ] as const) {
          const count = comparisonCount(buildForm(key, CONTEXT, "decision", FULL_LOAN, BUREAU_PARAMETERS));
          const made = await workers.shares(key, count);
          const { view, proven } = await checkWithProven(FULL_LOAN, values, (f) =>
            proveShares(key, CONTEXT, f, comparisonKey.publicKey, () => {
              const share = made.shift();
              if (share === undefined) throw new Error("ran out of precomputed shares");
              return share;
            }),
          );
          expect(made, "every precomputed share taken").to.have.length(0);
          expect(proven.bits).to.have.length(count);
          expect(
            view.approved,
            JSON.stringify(values, (_, v: unknown) => String(v)),
          ).to.equal(approved);
        }
      } finally {
        await workers.close();
      }
    });

    it("throws when the shares were proven under another comparison key", function () {
      const { form, ch } = startCheck(LOAN, APPLICANT_VALUES);
      const otherKey = fixtureComparisonKey(3072).publicKey;
      expect(otherKey.fingerprint).to.not.equal(comparisonKey.publicKey.fingerprint);
      const proven = proveShares(key, CONTEXT, form, otherKey);
      expect(() =>
        respondToChallenge(key, CONTEXT, form, ch.bytes, ch.hash, comparisonKey.publicKey, { proven }),
      ).to.throw(
        Error,
        `proven shares: expected 2 proven for this check and comparison key ${comparisonKey.publicKey.fingerprint}, ` +
          "got 2 proven for another check or comparison key",
      );
    });

    it("throws when the shares were proven for a form with another number of comparisons", function () {
      const { form, ch } = startCheck(LOAN, APPLICANT_VALUES);
      const longer = buildForm(key, CONTEXT, "decision", FULL_LOAN, BUREAU_PARAMETERS);
      expect(comparisonCount(longer)).to.not.equal(comparisonCount(form));
      for (const other of [longer, buildForm(key, CONTEXT, "decision", [LOAN[0]], BUREAU_PARAMETERS)]) {
        const proven = proveShares(key, CONTEXT, other, comparisonKey.publicKey);
        expect(() =>
          respondToChallenge(key, CONTEXT, form, ch.bytes, ch.hash, comparisonKey.publicKey, { proven }),
        ).to.throw(
          Error,
          `proven shares: expected 2 proven for this check and comparison key ${comparisonKey.publicKey.fingerprint}, ` +
            `got ${proven.bits.length} proven for them`,
        );
      }
    });

    it("throws when the shares were proven for another check", function () {
      const { form, ch } = startCheck(LOAN, APPLICANT_VALUES);
      const otherCheck: CheckContext = { ...CONTEXT, checkId: "0x" + "44".repeat(32) };
      const proven = proveShares(key, otherCheck, form, comparisonKey.publicKey);
      expect(() =>
        respondToChallenge(key, CONTEXT, form, ch.bytes, ch.hash, comparisonKey.publicKey, { proven }),
      ).to.throw(Error, "got 2 proven for another check or comparison key");
    });

    it("returns its own copy of the shares' bits", function () {
      const { form, ch } = startCheck(LOAN, APPLICANT_VALUES);
      const proven = proveShares(key, CONTEXT, form, comparisonKey.publicKey);
      const response = respondToChallenge(key, CONTEXT, form, ch.bytes, ch.hash, comparisonKey.publicKey, { proven });
      expect(response.shares).to.deep.equal(proven.bits);
      expect(response.shares === proven.bits, "the same array").to.equal(false);
    });
  });

  describe("comparisonCount", function () {
    const cases: [string, Condition[], number][] = [
      ["one ge", [{ field: "creditScore", op: "ge", values: [650] }], 1],
      ["one lt", [{ field: "debtToIncome", op: "lt", values: ["36"] }], 1],
      ["a between (two)", [{ field: "creditScore", op: "between", values: [600, 800] }], 2],
      ["an eq (two)", [{ field: "bankruptcy", op: "eq", values: [0] }], 2],
      ["an in of three values (six)", [{ field: "defaultsFiveYears", op: "in", values: [0, 1, 2] }], 6],
      ["the full loan (ge, ge, eq, le: five)", FULL_LOAN, 5],
    ];
    for (const [name, conditions, expected] of cases) {
      it(`counts ${expected} for ${name}, as many shares and comparisons as the response carries`, function () {
        const { form, ch } = startCheck(conditions, APPLICANT_VALUES);
        expect(comparisonCount(form)).to.equal(expected);
        const response = respondToChallenge(key, CONTEXT, form, ch.bytes, ch.hash, comparisonKey.publicKey);
        expect(response.shares).to.have.length(expected);
        const body = decodeMessage(response.bytes, "response", CONTEXT, response.hash);
        expect(body.shares as unknown[]).to.have.length(expected);
        expect(body.comparisons as unknown[]).to.have.length(expected);
      });
    }
  });
});
