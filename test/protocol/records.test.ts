/**
 * Tests of the canonical credit record: round trips and canonical bytes as properties over random valid records,
 * and every refusal of the strict parser with its message.
 */

import { expect } from "chai";
import fc from "fast-check";
import { getAddress, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { CREDIT_FIELDS, DEFAULT_SCHEMA } from "../../src/protocol/schema";
import {
  CREDIT_RECORD_CATEGORY,
  MAX_RECORD_BYTES,
  RECORD_FORMAT,
  RecordError,
  decodeRecord,
  encodeRecord,
  newRecord,
  parseRecordFields,
  recordHash,
  type CreditRecord,
} from "../../src/protocol/records";

const SUBJECT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PROVIDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const SALT = "0x" + "ab".repeat(32);

const BASE: CreditRecord = {
  subject: SUBJECT,
  provider: PROVIDER,
  issuedAt: 1_735_689_600,
  salt: SALT,
  fields: new Map([
    ["debtToIncome", 3550n],
    ["creditScore", 720n],
  ]),
};

const BASE_JSON =
  '{"fields":{"creditScore":"720","debtToIncome":"35.50"},"format":"blindcredit.credit-record.v2",' +
  `"issuedAt":1735689600,"provider":"${PROVIDER}","salt":"${SALT}","schema":"${DEFAULT_SCHEMA.hash}",` +
  `"subject":"${SUBJECT}"}`;

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(hexlify(b)));
const nonZeroAddress = address.filter((a) => !/^0x0{40}$/.test(a));

/** Random valid records: any non-empty subset of fields, values anywhere in range, edges included. */
const recordArb: fc.Arbitrary<CreditRecord> = fc.record({
  subject: nonZeroAddress,
  provider: nonZeroAddress,
  issuedAt: fc.oneof(fc.constantFrom(1, Number.MAX_SAFE_INTEGER), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
  salt: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b)),
  fields: fc
    .subarray([...CREDIT_FIELDS], { minLength: 1 })
    .chain((fields) =>
      fc.tuple(
        ...fields.map((f) =>
          fc
            .oneof(fc.constantFrom(f.min, f.max), fc.bigInt({ min: f.min, max: f.max }))
            .map((v) => [f.name, v] as [string, bigint]),
        ),
      ),
    )
    .map((entries) => new Map(entries)),
});

function text(record: Record<string, unknown>): Uint8Array {
  return toUtf8Bytes(JSON.stringify(record));
}

/** Fields in name order as text: quicker to compare than Maps of bigints under the Hardhat chai matchers. */
function fieldList(fields: ReadonlyMap<string, bigint>): string {
  return [...fields]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join(",");
}

function canonicalObject(): Record<string, unknown> {
  return JSON.parse(BASE_JSON) as Record<string, unknown>;
}

function refuses(bytes: Uint8Array, message: string | RegExp): void {
  expect(() => decodeRecord(bytes))
    .to.throw(RecordError)
    .with.property("message")
    .that.matches(typeof message === "string" ? new RegExp(escape(message)) : message);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("protocol/records", () => {
  describe("constants", () => {
    it("the category is keccak256 of the format tag", () => {
      expect(RECORD_FORMAT).to.equal("blindcredit.credit-record.v2");
      expect(CREDIT_RECORD_CATEGORY).to.equal(keccak256(toUtf8Bytes("blindcredit.credit-record.v2")));
    });
  });

  describe("encodeRecord", () => {
    it("writes the documented canonical JSON", () => {
      expect(new TextDecoder().decode(encodeRecord(BASE))).to.equal(BASE_JSON);
      expect(recordHash(encodeRecord(BASE))).to.equal(keccak256(toUtf8Bytes(BASE_JSON)));
    });

    it("gives the same bytes whatever the address case and field insertion order", () => {
      fc.assert(
        fc.property(recordArb, fc.boolean(), (record, upperSalt) => {
          const shuffled: CreditRecord = {
            ...record,
            subject: record.subject.toLowerCase(),
            provider: record.provider.toLowerCase(),
            salt: upperSalt ? "0x" + record.salt.slice(2).toUpperCase() : record.salt,
            fields: new Map([...record.fields].reverse()),
          };
          expect(hexlify(encodeRecord(shuffled))).to.equal(hexlify(encodeRecord(record)));
        }),
        { numRuns: 200 },
      );
    });

    it("refuses invalid records", () => {
      const cases: [Partial<Record<keyof CreditRecord, unknown>>, string][] = [
        [
          { subject: "0x1234" },
          'record subject: expected an address (0x and 40 hex digits, valid checksum), got "0x1234"',
        ],
        [{ provider: 42 }, "record provider: expected an address, got number 42"],
        [{ subject: "0x" + "0".repeat(40) }, "record subject: expected a non-zero address"],
        [{ issuedAt: 0 }, "record issuedAt: expected a positive integer (Unix seconds), got number 0"],
        [{ issuedAt: 1.5 }, "record issuedAt: expected a positive integer (Unix seconds), got number 1.5"],
        [{ salt: "0x12" }, 'record salt: expected 32 bytes as 0x-hex, got "0x12"'],
        [{ fields: new Map() }, "record fields: expected at least one of creditScore"],
        [{ fields: { creditScore: 720n } }, "record fields: expected a Map of field → scaled bigint"],
        [{ fields: new Map([["iq", 100n]]) }, 'record fields: unknown credit field "iq"'],
        [{ fields: new Map([["creditScore", 720]]) }, "record fields: creditScore: expected a bigint, got a number"],
        [
          { fields: new Map([["creditScore", 851n]]) },
          "record fields: creditScore: expected a scaled value between 300 and 850, got one outside that range",
        ],
      ];
      for (const [change, message] of cases) {
        expect(() => encodeRecord({ ...BASE, ...change } as CreditRecord), message)
          .to.throw(RecordError)
          .with.property("message")
          .that.contains(message);
      }
    });
  });

  describe("decodeRecord", () => {
    it("round-trips every valid record, and re-encodes to the same bytes", () => {
      fc.assert(
        fc.property(recordArb, (record) => {
          const bytes = encodeRecord(record);
          const decoded = decodeRecord(bytes);
          expect(decoded.subject).to.equal(record.subject);
          expect(decoded.provider).to.equal(record.provider);
          expect(decoded.issuedAt).to.equal(record.issuedAt);
          expect(decoded.salt).to.equal(record.salt);
          expect(fieldList(decoded.fields)).to.equal(fieldList(record.fields));
          expect(hexlify(encodeRecord(decoded))).to.equal(hexlify(bytes));
          expect(recordHash(encodeRecord(decoded))).to.equal(keccak256(bytes));
        }),
        { numRuns: 300 },
      );
    });

    it("accepts only the canonical bytes: any reordering of members or whitespace is refused", () => {
      fc.assert(
        fc.property(recordArb, fc.integer({ min: 1, max: 4 }), (record, indent) => {
          const object = JSON.parse(new TextDecoder().decode(encodeRecord(record))) as Record<string, unknown>;
          const reversed = Object.fromEntries(Object.entries(object).reverse());
          refuses(text(reversed), "record: expected the canonical encoding");
          refuses(toUtf8Bytes(JSON.stringify(object, null, indent)), "record: expected the canonical encoding");
        }),
        { numRuns: 100 },
      );
    });

    it("refuses non-canonical spellings of the same content", () => {
      const reorderedFields = BASE_JSON.replace(
        '"creditScore":"720","debtToIncome":"35.50"',
        '"debtToIncome":"35.50","creditScore":"720"',
      );
      refuses(toUtf8Bytes(reorderedFields), "record: expected the canonical encoding (members sorted, no whitespace");
      refuses(toUtf8Bytes(BASE_JSON + "\n"), "differing from it at byte " + BASE_JSON.length);
      refuses(toUtf8Bytes(" " + BASE_JSON), "differing from it at byte 0");
      refuses(toUtf8Bytes(BASE_JSON.replace('"format"', '"\\u0066ormat"')), "record: expected the canonical encoding");
      // a duplicate member: JSON.parse keeps the last, the bytes are not what it would write
      refuses(
        toUtf8Bytes(BASE_JSON.replace('{"fields"', '{"fields":{"creditScore":"300"},"fields"')),
        "record: expected the canonical encoding",
      );
      refuses(toUtf8Bytes("\uFEFF" + BASE_JSON), "record: expected UTF-8 JSON");
      refuses(
        toUtf8Bytes(BASE_JSON.replace('"35.50"', '"35.5"')),
        'record fields: debtToIncome: expected the canonical spelling (no "+", no leading zeros, exactly 2 decimal places), got another spelling',
      );
      refuses(
        toUtf8Bytes(BASE_JSON.replace('"720"', '"0720"')),
        'record fields: creditScore: expected the canonical spelling (no "+", no leading zeros, no decimal point), got another spelling',
      );
      refuses(
        toUtf8Bytes(BASE_JSON.replace(SUBJECT, SUBJECT.toLowerCase())),
        `record subject: expected the checksummed form ${SUBJECT}, got "${SUBJECT.toLowerCase()}"`,
      );
      refuses(
        toUtf8Bytes(BASE_JSON.replace(SALT, SALT.toUpperCase().replace("0X", "0x"))),
        "record salt: expected 32 bytes as lower-case 0x-hex",
      );
      refuses(toUtf8Bytes(BASE_JSON.replace("1735689600", "1735689600.0")), "record: expected the canonical encoding");
    });

    it("refuses each invalid member with what was expected and what came", () => {
      const cases: [(o: Record<string, unknown>) => void, string][] = [
        [(o) => (o.extra = 1), 'record: unexpected member "extra", expected only fields, format, issuedAt'],
        [(o) => delete o.salt, 'record: missing member "salt"'],
        [(o) => delete o.schema, 'record: missing member "schema"'],
        [
          (o) => (o.schema = "0x" + "ab".repeat(32)),
          `record: expected the hash of a known credit schema, got "0x${"ab".repeat(32)}"`,
        ],
        [
          (o) => (o.format = "blindcredit.credit-record.v1"),
          'record: expected format "blindcredit.credit-record.v2", got "blindcredit.credit-record.v1"',
        ],
        [
          (o) => (o.subject = "0xnothex"),
          'record subject: expected an address (0x and 40 hex digits, valid checksum), got "0xnothex"',
        ],
        [(o) => (o.provider = null), "record provider: expected an address, got null"],
        [(o) => (o.subject = "0x" + "0".repeat(40)), "record subject: expected a non-zero address"],
        [(o) => (o.issuedAt = -5), "record issuedAt: expected a positive integer (Unix seconds), got number -5"],
        [
          (o) => (o.issuedAt = "1735689600"),
          'record issuedAt: expected a positive integer (Unix seconds), got "1735689600"',
        ],
        [
          (o) => (o.issuedAt = 2 ** 53),
          "record issuedAt: expected a positive integer (Unix seconds), got number 9007199254740992",
        ],
        [(o) => (o.fields = {}), "record fields: expected at least one of creditScore, annualIncome"],
        [(o) => (o.fields = []), "record fields: expected an object of field → decimal string, got an array"],
        [
          (o) => (o.fields = { iq: "100" }),
          'record fields: unknown credit field "iq" in schema blindcredit-default v1: expected one of creditScore',
        ],
        [
          (o) => (o.fields = { creditScore: 720 }),
          "record fields: creditScore: expected a decimal string, got a number",
        ],
        [
          (o) => (o.fields = { creditScore: "851" }),
          "record fields: creditScore: expected a value between 300 and 850, got one outside that range",
        ],
        [
          (o) => (o.fields = { creditScore: "299" }),
          "record fields: creditScore: expected a value between 300 and 850, got one outside that range",
        ],
        [
          (o) => (o.fields = { bankruptcy: "2" }),
          "record fields: bankruptcy: expected a value between 0 and 1, got one outside that range",
        ],
        [
          (o) => (o.fields = { debtToIncome: "1000.01" }),
          "record fields: debtToIncome: expected a value between 0.00 and 1000.00",
        ],
        [
          (o) => (o.fields = { debtToIncome: "35.505" }),
          "record fields: debtToIncome: expected at most 2 decimal places",
        ],
        [
          (o) => (o.fields = { creditScore: "7e2" }),
          "record fields: creditScore: expected a decimal number, got other text",
        ],
      ];
      for (const [change, message] of cases) {
        const object = canonicalObject();
        change(object);
        refuses(text(object), message);
      }
    });

    it("refuses what is not a JSON object", () => {
      refuses(toUtf8Bytes("[]"), "record: expected a JSON object, got an array");
      refuses(toUtf8Bytes("null"), "record: expected a JSON object, got null");
      refuses(toUtf8Bytes('"x"'), 'record: expected a JSON object, got "x"');
      refuses(toUtf8Bytes("{"), "record: expected UTF-8 JSON, got unparsable bytes");
      refuses(Uint8Array.of(0x7b, 0xff, 0x7d), "record: expected UTF-8 JSON, got unparsable bytes");
      expect(() => decodeRecord("{}" as unknown as Uint8Array)).to.throw(
        RecordError,
        'record: expected bytes, got "{}"',
      );
    });

    it("refuses oversized input before parsing it", () => {
      refuses(
        new Uint8Array(MAX_RECORD_BYTES + 1),
        `record: expected at most ${MAX_RECORD_BYTES} bytes, got ${MAX_RECORD_BYTES + 1}`,
      );
      // at the limit, the refusal is about the content, not the size
      refuses(new Uint8Array(MAX_RECORD_BYTES).fill(0x20), "record: expected UTF-8 JSON");
    });
  });

  describe("newRecord", () => {
    it("fills a fresh 32-byte salt and the current time, and normalises addresses", () => {
      const before = Math.floor(Date.now() / 1000);
      const a = newRecord({ subject: SUBJECT.toLowerCase(), provider: PROVIDER, fields: BASE.fields });
      const b = newRecord({ subject: SUBJECT, provider: PROVIDER, fields: BASE.fields, issuedAt: 7 });
      expect(a.subject).to.equal(SUBJECT);
      expect(a.salt).to.match(/^0x[0-9a-f]{64}$/);
      expect(a.salt).to.not.equal(b.salt);
      expect(a.issuedAt).to.be.within(before, before + 5);
      expect(b.issuedAt).to.equal(7);
      expect([...a.fields.keys()]).to.deep.equal(["creditScore", "debtToIncome"]);
      expect(recordHash(encodeRecord(a))).to.not.equal(recordHash(encodeRecord({ ...a, salt: b.salt })));
    });

    it("refuses what encodeRecord refuses", () => {
      expect(() => newRecord({ subject: "0x12", provider: PROVIDER, fields: BASE.fields })).to.throw(
        RecordError,
        "record subject: expected an address",
      );
    });
  });

  describe("parseRecordFields", () => {
    it("scales human input", () => {
      expect(
        parseRecordFields({ creditScore: "720", debtToIncome: "35.5", annualIncome: 52_000, bankruptcy: 0n }),
      ).to.deep.equal(
        new Map([
          ["creditScore", 720n],
          ["debtToIncome", 3550n],
          ["annualIncome", 52_000n],
          ["bankruptcy", 0n],
        ]),
      );
    });

    it("refuses unknown fields, bad and out-of-range values, and empty input", () => {
      const cases: [Record<string, unknown>, string][] = [
        [
          { iq: "100" },
          'record fields: unknown credit field "iq" in schema blindcredit-default v1: expected one of creditScore',
        ],
        [
          { creditScore: "900" },
          "record fields: creditScore: expected a value between 300 and 850, got one outside that range",
        ],
        [
          { debtToIncome: "-1" },
          "record fields: debtToIncome: expected a value between 0.00 and 1000.00, got one outside that range",
        ],
        [{ creditScore: "high" }, "record fields: creditScore: expected a decimal number, got other text"],
        [{ creditScore: null }, "record fields: creditScore: expected a number, got null"],
        [{}, "record fields: expected at least one of creditScore"],
      ];
      for (const [input, message] of cases) {
        expect(() => parseRecordFields(input), message)
          .to.throw(RecordError)
          .with.property("message")
          .that.contains(message);
      }
      expect(() => parseRecordFields(null as unknown as Record<string, unknown>)).to.throw(
        RecordError,
        "record fields: expected an object of field → value, got null",
      );
    });
  });
});
