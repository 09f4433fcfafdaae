/**
 * The credit schema as configuration: the default schema file and its hash, schema files refused with what was
 * expected, a 40-field schema whose checks use fields beyond the first six (decision and paper mode, end to end),
 * and forms, messages and records written against another schema refused by name.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { keccak256, toUtf8Bytes } from "ethers";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { buildForm, readAnswer, respondToChallenge } from "../../src/protocol/bank";
import { answerDecision, answerPaper, challenge, readForm } from "../../src/protocol/bureau";
import { type Condition } from "../../src/protocol/form";
import { type CheckContext } from "../../src/protocol/messages";
import { decodeRecord, encodeRecord, newRecord, parseRecordFields, RecordError } from "../../src/protocol/records";
import {
  canonicalSchemaJson,
  comparisonDomain,
  DEFAULT_SCHEMA,
  describeSchema,
  expectDeployedSchema,
  fieldNamed,
  knownSchema,
  parseSchema,
  SCHEMA_FORMAT,
  type CreditSchema,
} from "../../src/protocol/schema";
import { deploymentSchema, loadSchemaFile } from "../../src/protocol/schemaFile";
import type { CheckModeName } from "../../src/contractEnums";

/** The bureau's ring-Pedersen parameters (public part), under which the bank proves its key has no small factor. */
const BUREAU_PARAMETERS = fixtureRingPedersen().parameters;

const WIDE_FILE = "test/fixtures/schema-40.json";
const WIDE = loadSchemaFile(WIDE_FILE);
const SUBJECT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PROVIDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

function contextFor(schema?: CreditSchema): CheckContext {
  return {
    chainId: 31337n,
    contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    checkId: "0x" + "22".repeat(32),
    keyFingerprint: fixtureKey(2048).publicKey.fingerprint,
    schema,
  };
}

/** A whole check, bank against bureau, both on `schema`. */
async function decide(schema: CreditSchema, mode: CheckModeName, conditions: Condition[], values: Map<string, bigint>) {
  const key = fixtureKey(2048);
  const context = contextFor(schema);
  const form = buildForm(key, context, mode, conditions, BUREAU_PARAMETERS);
  const received = readForm(key.publicKey, context, form.bytes, form.hash, BUREAU_PARAMETERS);
  if (mode === "paper") {
    const answer = await answerPaper(context, received, values);
    return readAnswer(key, context, form, answer.bytes, answer.hash).approved;
  }
  const comparisonKey = fixtureComparisonKey();
  const ch = challenge(comparisonKey, context, received, values);
  const reply = respondToChallenge(key, context, form, ch.bytes, ch.hash, comparisonKey.publicKey);
  const answer = await answerDecision(key.publicKey, comparisonKey, context, ch.state, reply.bytes, reply.hash);
  return readAnswer(key, context, form, answer.bytes, answer.hash, reply.shares).approved;
}

/** The default schema file's JSON with `change` applied. */
function variant(change: (file: Record<string, unknown>) => void): unknown {
  const file = JSON.parse(readFileSync("schemas/default.json", "utf8")) as Record<string, unknown>;
  change(file);
  return file;
}

describe("credit schema", function () {
  describe("the default schema", function () {
    it("is schemas/default.json: the six fields, their ranges and decimals", function () {
      expect(DEFAULT_SCHEMA.id).to.equal("blindcredit-default");
      expect(DEFAULT_SCHEMA.version).to.equal(1);
      expect(DEFAULT_SCHEMA.fields.map((f) => [f.name, f.min, f.max, f.decimals])).to.deep.equal([
        ["creditScore", 300n, 850n, 0],
        ["annualIncome", 0n, 10_000_000n, 0],
        ["defaultsFiveYears", 0n, 100n, 0],
        ["debtToIncome", 0n, 100_000n, 2],
        ["yearsOfHistory", 0n, 100n, 0],
        ["bankruptcy", 0n, 1n, 0],
      ]);
    });

    it("has as hash the keccak256 of its canonical JSON", function () {
      const canonical = canonicalSchemaJson(DEFAULT_SCHEMA);
      expect(DEFAULT_SCHEMA.hash).to.equal(keccak256(toUtf8Bytes(canonical)));
      expect(JSON.parse(canonical).format).to.equal(SCHEMA_FORMAT);
      expect(deploymentSchema({})).to.equal(DEFAULT_SCHEMA);
      expect(deploymentSchema({ BLINDCREDIT_SCHEMA: WIDE_FILE }).hash).to.equal(WIDE.hash);
    });

    it("keeps its hash under other spellings, and changes it with any change of meaning", function () {
      const respelled = variant((f) => {
        const fields = f.fields as Record<string, unknown>[];
        fields[3] = { decimals: 2, max: "1000", min: "0.0", name: "debtToIncome", ...fields[3] };
        fields[3].max = "1000";
      });
      expect(parseSchema(respelled).hash).to.equal(DEFAULT_SCHEMA.hash);
      const changes: ((f: Record<string, unknown>) => void)[] = [
        (f) => (f.version = 2),
        (f) => (f.id = "other"),
        (f) => ((f.fields as Record<string, unknown>[])[0].max = "900"),
        (f) => ((f.fields as Record<string, unknown>[])[0].unit = "score points"),
        (f) => (f.fields as unknown[]).reverse(),
      ];
      for (const change of changes) expect(parseSchema(variant(change)).hash).to.not.equal(DEFAULT_SCHEMA.hash);
    });
  });

  describe("parseSchema", function () {
    const cases: [string, (f: Record<string, unknown>) => void, RegExp][] = [
      ["a wrong format", (f) => (f.format = "x"), /expected format "blindcredit.credit-schema.v1", got "x"/],
      ["an unknown member", (f) => (f.extra = 1), /expected only the members .*, got "extra"/],
      ["a bad id", (f) => (f.id = "no spaces"), /expected an id of letters/],
      ["a version of 0", (f) => (f.version = 0), /expected a version as a positive integer, got 0/],
      ["no fields", (f) => (f.fields = []), /expected "fields" as an array of 1 to 256 fields, got 0/],
      [
        "a repeated name",
        (f) => (f.fields as unknown[]).push({ name: "creditScore", min: "0", max: "1", decimals: 0 }),
        /field 7: expected a new name, got "creditScore" again/,
      ],
      [
        "a bad name",
        (f) => ((f.fields as Record<string, unknown>[])[0].name = "1x"),
        /field 1: expected a name of a letter/,
      ],
      [
        "bad decimals",
        (f) => ((f.fields as Record<string, unknown>[])[0].decimals = 19),
        /expected decimals from 0 to 18, got 19/,
      ],
      [
        "min above max",
        (f) => ((f.fields as Record<string, unknown>[])[0].min = "900"),
        /expected min ≤ max, got 900 > 850/,
      ],
      [
        "a numeric bound",
        (f) => ((f.fields as Record<string, unknown>[])[0].min = 300),
        /expected min as a decimal string, got 300/,
      ],
      [
        "too many decimals in a bound",
        (f) => ((f.fields as Record<string, unknown>[])[0].max = "850.5"),
        /max: expected at most 0 decimal places/,
      ],
      [
        "a field too wide",
        (f) => ((f.fields as Record<string, unknown>[])[0].max = "1" + "0".repeat(20)),
        /expected a range of at most 64 bits, got 67/,
      ],
      ["a long description", (f) => (f.description = "x".repeat(501)), /expected text of at most 500 characters/],
    ];
    for (const [what, change, message] of cases) {
      it(`refuses ${what}`, function () {
        expect(() => parseSchema(variant(change), "s.json")).to.throw(message);
      });
    }

    it("refuses a file that is missing, not JSON or not an object", function () {
      expect(() => loadSchemaFile("test/fixtures/no-such-schema.json")).to.throw(/no-such-schema.json: cannot read it/);
      expect(() => loadSchemaFile("README.md")).to.throw(/README.md: expected JSON/);
      expect(() => parseSchema([])).to.throw("schema: expected an object, got an array");
    });
  });

  describe("a deployment's schema", function () {
    it("accepts its own hash in any case and refuses another's, naming both", function () {
      expect(() => expectDeployedSchema(WIDE, WIDE.hash.toUpperCase().replace("0X", "0x"))).to.not.throw();
      expect(() => expectDeployedSchema(WIDE, DEFAULT_SCHEMA.hash)).to.throw(
        `the deployment: expected schema test-forty v3 (hash ${WIDE.hash}), got schema hash ${DEFAULT_SCHEMA.hash}`,
      );
    });
  });

  describe("a 40-field schema", function () {
    const values = new Map(WIDE.fields.map((f, i) => [f.name, [BigInt(i), BigInt(i), -7n, 1n][i % 4]]));

    it("sizes each field's comparisons from its own range", function () {
      expect(WIDE.fields).to.have.length(40);
      expect(comparisonDomain(fieldNamed("field02", WIDE)).bits).to.equal(14); // 0 to 10,000 scaled, plus two
      expect(comparisonDomain(fieldNamed("field03", WIDE)).bits).to.equal(7); // -50 to 50
      expect(() => fieldNamed("creditScore", WIDE)).to.throw(
        /unknown credit field "creditScore" in schema test-forty v3: expected one of field01, .* and 28 more/,
      );
    });

    it("decides a decision-mode check on fields beyond the first six", async function () {
      const conditions: Condition[] = [
        { field: "field37", op: "ge", values: [36] },
        { field: "field39", op: "between", values: [-10, -5] },
        { field: "field40", op: "eq", values: [1] },
        { field: "field14", op: "le", values: ["0.13"] },
      ];
      expect(await decide(WIDE, "decision", conditions, values)).to.equal(true);
      const failing = [...conditions.slice(0, 3), { field: "field37", op: "gt", values: [36] } as Condition];
      expect(await decide(WIDE, "decision", failing, values)).to.equal(false);
    });

    it("decides a paper-mode check on fields beyond the first six", async function () {
      expect(await decide(WIDE, "paper", [{ field: "field31", op: "eq", values: ["-7"] }], values)).to.equal(true);
      expect(await decide(WIDE, "paper", [{ field: "field33", op: "eq", values: [31] }], values)).to.equal(false);
    });

    it("writes and reads records of its fields, and only its own", function () {
      const fields = parseRecordFields({ field40: "1", field38: "0.37" }, WIDE);
      const bytes = encodeRecord(newRecord({ subject: SUBJECT, provider: PROVIDER, fields }, WIDE), WIDE);
      const record = decodeRecord(bytes, WIDE);
      expect(record.schema).to.equal(WIDE.hash);
      expect(decodeRecord(bytes)).to.deep.equal(record); // as a store reads it back: the schema it names, known here
      expect(knownSchema(WIDE.hash.toUpperCase().replace("0X", "0x"))).to.equal(WIDE);
      expect([...record.fields]).to.deep.equal([
        ["field38", 37n],
        ["field40", 1n],
      ]);
      expect(() => parseRecordFields({ field41: "1" }, WIDE)).to.throw(RecordError, /unknown credit field "field41"/);
    });
  });

  describe("another schema's form, messages and records", function () {
    it("refuses a form written against another schema before reading it", function () {
      const key = fixtureKey(2048);
      const form = buildForm(
        key,
        contextFor(WIDE),
        "decision",
        [{ field: "field40", op: "eq", values: [1] }],
        BUREAU_PARAMETERS,
      );
      expect(() => readForm(key.publicKey, contextFor(), form.bytes, form.hash, BUREAU_PARAMETERS)).to.throw(
        `form message: expected schema ${describeSchema(DEFAULT_SCHEMA)}, got ${describeSchema(WIDE)}`,
      );
      expect(() => readForm(key.publicKey, contextFor(WIDE), form.bytes, form.hash, BUREAU_PARAMETERS)).to.not.throw();
    });

    it("refuses a form whose fields its schema does not know", function () {
      expect(() =>
        buildForm(
          fixtureKey(2048),
          contextFor(WIDE),
          "decision",
          [{ field: "creditScore", op: "ge", values: [600] }],
          BUREAU_PARAMETERS,
        ),
      ).to.throw(/unknown credit field "creditScore" in schema test-forty v3/);
    });

    it("refuses a record written against another schema, naming both", function () {
      const fields = parseRecordFields({ creditScore: "720" });
      const bytes = encodeRecord(newRecord({ subject: SUBJECT, provider: PROVIDER, fields }));
      expect(() => decodeRecord(bytes, WIDE)).to.throw(
        RecordError,
        `record: expected schema ${describeSchema(WIDE)}, got schema hash "${DEFAULT_SCHEMA.hash}"`,
      );
      const record = decodeRecord(bytes);
      expect(() => encodeRecord(record, WIDE)).to.throw(RecordError, /record: expected schema test-forty v3/);
    });
  });
});
