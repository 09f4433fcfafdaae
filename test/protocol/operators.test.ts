/**
 * The operator table (src/protocol/operators.ts): every operator has every entry; its comparisons combine to its
 * plaintext reference; the form's shape is checked once, by the table, with the same words on the bank's side
 * (`parseForm`) and the bureau's (`readForm`); a condition is printed as its entry says.
 */
import { expect } from "chai";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { buildForm } from "../../src/protocol/bank";
import { readForm } from "../../src/protocol/bureau";
import {
  comparisonsOf,
  holds,
  MAX_CONDITIONS,
  MAX_SET_VALUES,
  parseForm,
  subjectOperand,
  thresholdConditionsOnly,
  thresholdShapeOf,
  type Condition,
  type ThresholdCondition,
} from "../../src/protocol/form";
import { decodeMessage, encodeMessage, messageHash, type CheckContext } from "../../src/protocol/messages";
import { arityWording, isOperator, OPERATOR_RULES, OPERATORS, type Operator } from "../../src/protocol/operators";
import { CheckRefusal } from "../../src/protocol/refusal";
import { fieldNamed, formatFieldValue } from "../../src/protocol/schema";
import type { CheckModeName } from "../../src/contractEnums";

const PARAMETERS = fixtureRingPedersen().parameters;
const bank = fixtureKey(2048);
const CONTEXT: CheckContext = {
  chainId: 31337n,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  checkId: "0x" + "0e".repeat(32),
  keyFingerprint: bank.publicKey.fingerprint,
};

/** `count` distinct, increasing credit scores: values any operator of that arity accepts. */
const scores = (count: number) => Array.from({ length: count }, (_, i) => 600 + 10 * i);

/** The arities an operator's table entry allows, at its bounds. */
const aritiesOf = (op: Operator) => [...new Set([OPERATOR_RULES[op].arity.min, OPERATOR_RULES[op].arity.max])];

/** What the bureau reads when the bank's honest form of `condition` has its first condition rewritten by `change`. */
function bureauReads(mode: CheckModeName, condition: Condition, change: (shape: Record<string, unknown>) => void) {
  const form = buildForm(bank, CONTEXT, mode, [condition], PARAMETERS);
  const body = decodeMessage(form.bytes, "form", CONTEXT) as { conditions: Record<string, unknown>[] };
  change(body.conditions[0]);
  const bytes = encodeMessage("form", CONTEXT, body);
  return () => readForm(bank.publicKey, CONTEXT, bytes, messageHash(bytes), PARAMETERS);
}

describe("operators", function () {
  describe("OPERATOR_RULES", function () {
    it("lists the operators in their order, each with every entry", function () {
      expect(OPERATORS).to.deep.equal(["eq", "ne", "ge", "gt", "le", "lt", "between", "in"]);
      for (const op of OPERATORS) {
        const rule = OPERATOR_RULES[op];
        const { min, max } = rule.arity;
        expect(Number.isInteger(min) && Number.isInteger(max), op).to.equal(true);
        expect(
          1 <= min && min <= max && max <= MAX_SET_VALUES,
          `${op}: 1 ≤ ${min} ≤ ${max} ≤ ${MAX_SET_VALUES}`,
        ).to.equal(true);
        for (const entry of ["combination", "thresholds", "holds", "describe"] as const)
          expect(rule[entry], `${op}.${entry}`).to.be.a("function");
        expect(rule.paper, `${op}.paper`).to.be.a("boolean");
      }
    });

    it("makes one threshold per comparison, and the comparisons combine to `holds` for every x", function () {
      for (const op of OPERATORS) {
        for (const arity of aritiesOf(op)) {
          const values = Array.from({ length: arity }, (_, i) => BigInt(2 + 3 * i));
          const { directions, coefficients, offset } = OPERATOR_RULES[op].combination(arity);
          const thresholds = OPERATOR_RULES[op].thresholds(values);
          expect(thresholds, `${op}/${arity}: thresholds`).to.have.length(directions.length);
          expect(coefficients, `${op}/${arity}: coefficients`).to.have.length(directions.length);
          for (let x = -2n; x <= BigInt(3 * arity + 4); x++) {
            const sum = directions.reduce(
              (s, direction, i) =>
                s + coefficients[i] * Number(direction === "up" ? x >= thresholds[i] : x <= thresholds[i]),
              offset,
            );
            expect(sum, `${op} ${values.join(",")} at x = ${x}`).to.equal(Number(OPERATOR_RULES[op].holds(values, x)));
          }
        }
      }
    });

    it("names only its own operators (not Object's members)", function () {
      expect(OPERATORS.every(isOperator)).to.equal(true);
      for (const other of ["toString", "constructor", "≥", "GE", "", 1, undefined])
        expect(isOperator(other)).to.equal(false);
    });
  });

  describe("a parsed condition", function () {
    it("compares, in the field's domain, as the plaintext reference says", function () {
      const field = fieldNamed("creditScore");
      for (const op of OPERATORS) {
        for (const arity of aritiesOf(op)) {
          const [condition] = thresholdConditionsOnly(
            parseForm([{ field: "creditScore", op, values: scores(arity) }], "decision"),
          );
          const comparisons = comparisonsOf(condition);
          const { coefficients, offset } = OPERATOR_RULES[op].combination(arity);
          for (const x of [300n, 599n, 600n, 601n, 610n, 600n + 10n * BigInt(arity), 850n]) {
            const sum = comparisons.reduce(
              (s, c, i) => s + coefficients[i] * Number(subjectOperand(field, c.direction, x) >= c.threshold),
              offset,
            );
            expect(sum, `creditScore ${op} ${scores(arity).join(",")} at ${x}`).to.equal(Number(holds(condition, x)));
          }
        }
      }
    });

    it("is printed as its table entry says", function () {
      const cases: [ThresholdCondition, string][] = [
        [{ field: "bankruptcy", op: "eq", values: [0] }, "bankruptcy = 0"],
        [{ field: "creditScore", op: "ne", values: [300] }, "creditScore ≠ 300"],
        [{ field: "creditScore", op: "ge", values: [650] }, "creditScore ≥ 650"],
        [{ field: "annualIncome", op: "gt", values: [25_000] }, "annualIncome > 25000"],
        [{ field: "debtToIncome", op: "le", values: ["35"] }, "debtToIncome ≤ 35.00"],
        [{ field: "debtToIncome", op: "lt", values: ["36"] }, "debtToIncome < 36.00"],
        [{ field: "debtToIncome", op: "between", values: ["0", "35.5"] }, "debtToIncome between 0.00 and 35.50"],
        [{ field: "defaultsFiveYears", op: "in", values: [0, 1, 2] }, "defaultsFiveYears in {0, 1, 2}"],
      ];
      expect(cases.map(([c]) => c.op)).to.have.members([...OPERATORS]);
      for (const [written, text] of cases) {
        const [parsed] = thresholdConditionsOnly(parseForm([written], "decision"));
        const field = fieldNamed(parsed.field);
        const values = parsed.values.map((v) => formatFieldValue(field, v));
        expect(OPERATOR_RULES[parsed.op].describe(parsed.field, values)).to.equal(text);
      }
    });
  });

  describe("the form's shape, checked once for the bank and the bureau", function () {
    it("says each operator's arity in words", function () {
      for (const op of ["eq", "ne", "ge", "gt", "le", "lt"] as const) expect(arityWording(op)).to.equal("1 value");
      expect(arityWording("between")).to.equal("2 values");
      expect(arityWording("in")).to.equal(`1 to ${MAX_SET_VALUES} values`);
    });

    it("refuses each operator with one value too few or too many, on both sides with the same words", function () {
      for (const op of OPERATORS) {
        const { min, max } = OPERATOR_RULES[op].arity;
        for (const arity of [min - 1, max + 1]) {
          const expected = `(creditScore ${op}): expected ${arityWording(op)}, got ${arity}`;
          const written: Condition = { field: "creditScore", op, values: scores(arity) };
          expect(() => parseForm([written], "decision")).to.throw(`condition 1 ${expected}`);
          const read = bureauReads("decision", { field: "creditScore", op, values: scores(min) }, (shape) => {
            shape.arity = arity;
          });
          expect(read).to.throw(CheckRefusal, `form condition 1 ${expected}`);
        }
      }
    });

    it("refuses an arity that is not a number, and values that are not an array", function () {
      expect(() => thresholdShapeOf("form condition 1", "creditScore", "ge", "1", "decision")).to.throw(
        'form condition 1 (creditScore ge): expected 1 value, got "1"',
      );
      expect(() => thresholdShapeOf("form condition 1", "creditScore", "in", 1.5, "decision")).to.throw(
        `form condition 1 (creditScore in): expected 1 to ${MAX_SET_VALUES} values, got 1.5`,
      );
      const noValues = { field: "creditScore", op: "ge" } as unknown as Condition;
      expect(() => parseForm([noValues], "decision")).to.throw(
        "condition 1 (creditScore ge): expected 1 value, got none",
      );
      const read = bureauReads("decision", { field: "creditScore", op: "ge", values: [650] }, (shape) => {
        delete shape.arity;
      });
      expect(read).to.throw(CheckRefusal, "form condition 1 (creditScore ge): expected 1 value, got none");
    });

    it("refuses an unknown operator on both sides with the same words", function () {
      const expected = `expected an operator among ${OPERATORS.join(", ")}, got "toString"`;
      const written = { field: "creditScore", op: "toString", values: [650] } as unknown as Condition;
      expect(() => parseForm([written], "decision")).to.throw(`condition 1: ${expected}`);
      const read = bureauReads("decision", { field: "creditScore", op: "ge", values: [650] }, (shape) => {
        shape.op = "toString";
      });
      expect(read).to.throw(CheckRefusal, `form condition 1: ${expected}`);
    });

    it("refuses in paper mode every operator the table does not allow there, on both sides with the same words", function () {
      const paper = OPERATORS.filter((op) => OPERATOR_RULES[op].paper);
      expect(paper).to.deep.equal(["eq"]);
      for (const op of OPERATORS.filter((o) => !OPERATOR_RULES[o].paper)) {
        const expected = `paper mode supports only "eq" conditions, got "${op}": use decision mode`;
        const written: Condition = { field: "creditScore", op, values: scores(OPERATOR_RULES[op].arity.min) };
        expect(() => parseForm([written], "paper")).to.throw(`condition 1: ${expected}`);
        const read = bureauReads("paper", { field: "creditScore", op: "eq", values: [650] }, (shape) => {
          shape.op = op;
          shape.arity = OPERATOR_RULES[op].arity.min;
        });
        expect(read).to.throw(CheckRefusal, `form condition 1: ${expected}`);
      }
      expect(parseForm([{ field: "creditScore", op: "eq", values: [650] }], "paper")).to.have.length(1);
    });

    it("refuses a form of no condition, or of too many, on both sides with the same words", function () {
      const ge: Condition = { field: "creditScore", op: "ge", values: [650] };
      const none = "condition form: expected at least one condition, got none";
      expect(() => parseForm([], "decision")).to.throw(none);
      expect(bureauReads("decision", ge, () => undefined)().conditions).to.have.length(1);
      const form = buildForm(bank, CONTEXT, "decision", [ge], PARAMETERS);
      const body = decodeMessage(form.bytes, "form", CONTEXT);
      const readWith = (conditions: unknown[]) => {
        const bytes = encodeMessage("form", CONTEXT, { ...body, conditions });
        return () => readForm(bank.publicKey, CONTEXT, bytes, messageHash(bytes), PARAMETERS);
      };
      expect(readWith([])).to.throw(CheckRefusal, none);
      const tooMany = `condition form: expected at most ${MAX_CONDITIONS} conditions, got ${MAX_CONDITIONS + 1}`;
      expect(() => parseForm(Array(MAX_CONDITIONS + 1).fill(ge), "decision")).to.throw(tooMany);
      const shape = (body.conditions as unknown[])[0];
      expect(readWith(Array(MAX_CONDITIONS + 1).fill(shape))).to.throw(CheckRefusal, tooMany);
    });
  });

  describe("values an operator refuses beyond their range", function () {
    it("refuses `between` with low > high, and `in` with a value twice", function () {
      expect(() => parseForm([{ field: "debtToIncome", op: "between", values: ["40", "35.5"] }], "decision")).to.throw(
        "condition 1 (debtToIncome between): expected low ≤ high, got 40.00 > 35.50",
      );
      expect(() => parseForm([{ field: "creditScore", op: "in", values: [600, 700, 600] }], "decision")).to.throw(
        "condition 1 (creditScore in): expected distinct values",
      );
      expect(parseForm([{ field: "creditScore", op: "between", values: [700, 700] }], "decision")).to.have.length(1);
    });
  });
});
