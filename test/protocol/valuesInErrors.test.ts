/**
 * No credit value in an error, ever: errors are logged by the bureau and echoed to callers, so a record refused
 * for one bad value must name the field and the rule it broke, never the value (nor the text around it). Fed here:
 * records out of range, misspelled, of the wrong type and unparsable, through every door a value comes in by
 * (`parseRecordFields`, `newRecord`, `decodeRecord`).
 */
import { expect } from "chai";
import { toUtf8Bytes } from "ethers";
import { decodeRecord, newRecord, parseRecordFields, RecordError } from "../../src/protocol/records";
import { DEFAULT_SCHEMA } from "../../src/protocol/schema";

const SUBJECT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PROVIDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/** A record's canonical JSON with its fields replaced by `fields` (as the provider's bytes would carry them). */
function recordBytes(fields: Record<string, unknown>): Uint8Array {
  const json = JSON.stringify({
    fields,
    format: "blindcredit.credit-record.v2",
    issuedAt: 1_735_689_600,
    provider: PROVIDER,
    salt: "0x" + "ab".repeat(32),
    schema: DEFAULT_SCHEMA.hash,
    subject: SUBJECT,
  });
  return toUtf8Bytes(json);
}

/** The error `fn` throws: a RecordError naming `field` and `rule`, with no trace of `secret`. */
function expectRefusedWithout(fn: () => unknown, secret: string, field: string, rule: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `refused: ${field}`).to.be.instanceOf(RecordError);
  const message = (error as Error).message;
  expect(message).to.contain(field);
  expect(message).to.match(rule);
  expect(message, "the value is never repeated").not.to.contain(secret);
  expect(String((error as Error).stack)).not.to.contain(secret);
}

describe("no credit value in an error", function () {
  it("parseRecordFields: out of range, misspelled, of the wrong type", function () {
    expectRefusedWithout(
      () => parseRecordFields({ annualIncome: "98765432100" }),
      "98765432100",
      "annualIncome",
      /between 0 and 10000000/,
    );
    expectRefusedWithout(
      () => parseRecordFields({ creditScore: "-98765" }),
      "98765",
      "creditScore",
      /between 300 and 850/,
    );
    expectRefusedWithout(
      () => parseRecordFields({ creditScore: "7o8" }),
      "7o8",
      "creditScore",
      /expected a decimal number/,
    );
    expectRefusedWithout(
      () => parseRecordFields({ debtToIncome: "27.987" }),
      "27.987",
      "debtToIncome",
      /at most 2 decimal places/,
    );
    expectRefusedWithout(
      () => parseRecordFields({ creditScore: Number.NaN }),
      "NaN",
      "creditScore",
      /expected a number/,
    );
  });

  it("newRecord: a scaled value out of range or of the wrong type", function () {
    const record = (value: unknown) => () =>
      newRecord({ subject: SUBJECT, provider: PROVIDER, fields: new Map([["annualIncome", value as bigint]]) });
    expectRefusedWithout(record(98765432100n), "98765432100", "annualIncome", /between 0 and 10000000/);
    expectRefusedWithout(record(9876543), "9876543", "annualIncome", /expected a bigint/);
  });

  it("decodeRecord (what the bureau's API reads): out of range, misspelled, of the wrong type, unparsable", function () {
    const cases: [Record<string, unknown>, string, string, RegExp][] = [
      [{ annualIncome: "98765432100" }, "98765432100", "annualIncome", /between 0 and 10000000/],
      [{ annualIncome: "0098765" }, "98765", "annualIncome", /canonical spelling/],
      [{ debtToIncome: "28.5" }, "28.5", "debtToIncome", /canonical spelling \(.*exactly 2 decimal places\)/],
      [{ annualIncome: 9876543 }, "9876543", "annualIncome", /expected a decimal string/],
      [{ annualIncome: "98765e2" }, "98765", "annualIncome", /expected a decimal number/],
    ];
    for (const [fields, secret, field, rule] of cases)
      expectRefusedWithout(() => decodeRecord(recordBytes(fields)), secret, field, rule);
    // Unparsable JSON: the parser's own message quotes the text around the error, value included.
    const broken = new TextDecoder().decode(recordBytes({ annualIncome: "9876543" })).replace('"9876543"', "9876543x");
    let message = "";
    try {
      decodeRecord(toUtf8Bytes(broken));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.equal("record: expected UTF-8 JSON, got unparsable bytes");
  });
});
