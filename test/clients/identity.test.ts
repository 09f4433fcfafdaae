/**
 * Tests of the subject's identity commitment: the known answer of the test suite's subject, a fresh commitment the
 * ownership contract opens, fresh salts, and refusals.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { toUtf8Bytes, toUtf8String } from "ethers";
import { identityCommitment } from "../../src/clients/identity";
import { deployWithMembers, SUBJECT_COMMITMENT, SUBJECT_IDENTITY, SUBJECT_SALT } from "../helpers/suite";

describe("clients/identity", function () {
  /** This file's own fixture: loadFixture keys snapshots by function, and other files load deployWithMembers. */
  async function fixture() {
    return deployWithMembers();
  }

  describe("identityCommitment", function () {
    it("gives keccak256(abi.encode(salt, identity)) for a given salt", function () {
      const { salt, commitment } = identityCommitment(toUtf8String(SUBJECT_IDENTITY), SUBJECT_SALT);
      expect(salt).to.equal(SUBJECT_SALT);
      expect(commitment).to.equal(SUBJECT_COMMITMENT);
    });

    it("draws a fresh salt each time, and the contract opens the commitment with it", async function () {
      const f = await loadFixture(fixture);
      const identity = "ID 220101198001010000, Li Si";
      const first = identityCommitment(identity);
      expect(first.salt).to.match(/^0x[0-9a-f]{64}$/);
      expect(identityCommitment(identity).salt).to.not.equal(first.salt);
      const newcomer = (await ethers.getSigners())[15]; // not one of the fixture's members
      await (await f.classification.connect(newcomer).registerSubject()).wait();
      await (await f.ownership.connect(newcomer).commitIdentity(first.commitment)).wait();
      expect(await f.ownership.identityMatches(newcomer.address, first.salt, toUtf8Bytes(identity))).to.equal(true);
    });

    it("refuses an empty identity or a malformed salt", function () {
      expect(() => identityCommitment("  ")).to.throw("identity: expected a non-empty string");
      expect(() => identityCommitment("Alice", "0x12")).to.throw("identity salt: expected 0x and 64 hex digits");
    });
  });
});
