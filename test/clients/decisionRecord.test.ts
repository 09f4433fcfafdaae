/**
 * Tests of the bank's decision record: the record of a decided check opens its commitment, and a saved record's
 * claim is read strictly.
 */
import { expect } from "chai";
import { hexlify, randomBytes } from "ethers";
import type { CheckOutcome, CheckRequest } from "../../src/clients/bankCheck";
import { decisionRecordOf, parseDecisionClaim } from "../../src/clients/decisionRecord";
import { decisionHash } from "../../src/protocol/chain";

const CHECK_ID = `0x${"ab".repeat(32)}`;
const SALT = hexlify(randomBytes(32));

describe("clients/decisionRecord", function () {
  describe("decisionRecordOf", function () {
    it("keeps the request as written, the decision, its salt and the commitment they open", function () {
      const request: CheckRequest = {
        subject: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        bureau: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        mode: "decision",
        conditions: [{ field: "creditScore", op: "ge", values: ["650"] }],
      };
      const outcome = {
        check: {
          checkId: CHECK_ID,
          context: {
            chainId: 31337n,
            contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            checkId: CHECK_ID,
            keyFingerprint: `0x${"01".repeat(32)}`,
          },
        },
        decision: { approved: true, salt: SALT, view: { shares: [1, 0], matches: [] } },
      } as unknown as CheckOutcome;
      const record = decisionRecordOf(outcome, request, "0x90F79bf6EB2c4f870365E785982E1f101E93b906");
      expect(record).to.include({ checkId: CHECK_ID, chainId: 31337n, mode: "decision", approved: true, salt: SALT });
      expect(record.decisionHash).to.equal(decisionHash(CHECK_ID, true, SALT));
      expect(record.conditions).to.deep.equal(request.conditions);
      expect(parseDecisionClaim(JSON.stringify({ ...record, chainId: "31337" }), CHECK_ID)).to.deep.equal({
        approved: true,
        salt: SALT,
      });
    });
  });

  describe("parseDecisionClaim", function () {
    it("refuses text that is not JSON, another check's record, and a missing decision or salt", function () {
      expect(() => parseDecisionClaim("{")).to.throw(
        "the record: expected JSON, got a syntax error at line 1, column 2",
      );
      const other = `0x${"cd".repeat(32)}`;
      expect(() =>
        parseDecisionClaim(JSON.stringify({ checkId: other, approved: true, salt: SALT }), CHECK_ID),
      ).to.throw(`it is the record of check ${other}, not of ${CHECK_ID}`);
      expect(() => parseDecisionClaim(JSON.stringify({ approved: "yes", salt: SALT }))).to.throw(
        'expected "approved": true or false',
      );
      expect(() => parseDecisionClaim(JSON.stringify({ approved: false, salt: "0x12" }))).to.throw(
        'expected "salt" as 0x and 64 hex digits',
      );
    });
  });
});
