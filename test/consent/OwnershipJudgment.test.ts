import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithMembers, SUBJECT_COMMITMENT, SUBJECT_IDENTITY, SUBJECT_SALT } from "../helpers/suite";
import { Level } from "../../src/permissions";
import { AuditAction } from "../../src/contractEnums";

const SCORE = ethers.encodeBytes32String("credit-score");
const RECORD = ethers.toUtf8Bytes('{"creditScore":712,"annualIncome":58000}');

describe("OwnershipJudgment", function () {
  async function fixture() {
    const f = await deployWithMembers();
    const expiry = BigInt(await time.latest()) + 86_400n;
    return { ...f, expiry };
  }

  describe("commitIdentity", function () {
    it("records the commitment, never the identity, and links the record from the history", async function () {
      const f = await loadFixture(fixture);
      expect(await f.ownership.identityCommitmentOf(f.subject.address)).to.equal(SUBJECT_COMMITMENT);
      expect(await f.history.ownershipRecordOf(f.subject.address)).to.equal(await f.ownership.getAddress());
      expect(await f.ownership.permissionSettingOf(f.subject.address)).to.equal(await f.permissions.getAddress());
      expect(await f.ownership.identityMatches(f.subject.address, SUBJECT_SALT, SUBJECT_IDENTITY)).to.equal(true);
      expect(
        await f.ownership.identityMatches(f.subject.address, ethers.ZeroHash, SUBJECT_IDENTITY),
        "wrong salt",
      ).to.equal(false);
      expect(await f.ownership.identityMatches(f.bank.address, SUBJECT_SALT, SUBJECT_IDENTITY)).to.equal(false);
      const [trail] = await f.history.auditTrail(f.subject.address, 0, 10);
      expect(trail.map((e) => Number(e.action))).to.include(AuditAction.IdentityCommitted);
    });

    it("emits the commitment", async function () {
      const f = await loadFixture(fixture);
      const [, , , , , , , , , , other] = await ethers.getSigners();
      await f.classification.connect(other).registerSubject();
      const commitment = ethers.id("another commitment");
      await expect(f.ownership.connect(other).commitIdentity(commitment))
        .to.emit(f.ownership, "IdentityCommitted")
        .withArgs(other.address, commitment);
    });

    it("reverts for a non-subject, a zero commitment, or a second commitment", async function () {
      const f = await loadFixture(fixture);
      await expect(f.ownership.connect(f.bank).commitIdentity(SUBJECT_COMMITMENT))
        .to.be.revertedWithCustomError(f.ownership, "OwnershipNotSubject")
        .withArgs(f.bank.address);
      await expect(f.ownership.connect(f.subject).commitIdentity(ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ownership,
        "OwnershipZeroHash",
      );
      await expect(f.ownership.connect(f.subject).commitIdentity(ethers.id("again")))
        .to.be.revertedWithCustomError(f.ownership, "OwnershipIdentityAlreadyCommitted")
        .withArgs(f.subject.address);
    });

    it("gives no permission record to a subject without an ownership record", async function () {
      const f = await loadFixture(fixture);
      expect(await f.ownership.permissionSettingOf(f.bank.address)).to.equal(ethers.ZeroAddress);
    });
  });

  describe("commitData", function () {
    it("commits a category's hash under the writer's grant; anyone can verify the data", async function () {
      const f = await loadFixture(fixture);
      await f.permissions.connect(f.subject).setPermission(f.provider.address, Level.Write, f.expiry, 0);
      const grantId = await f.permissions.grantId(f.subject.address, f.provider.address);
      const hash = ethers.keccak256(RECORD);
      await expect(f.ownership.connect(f.provider).commitData(f.subject.address, SCORE, hash))
        .to.emit(f.ownership, "DataCommitted")
        .withArgs(f.subject.address, SCORE, hash, f.provider.address, grantId)
        .and.to.emit(f.permissions, "PermissionUsed");
      expect(await f.ownership.dataHashOf(f.subject.address, SCORE)).to.equal(hash);
      expect(await f.ownership.connect(f.outsider).verifyData(f.subject.address, SCORE, RECORD)).to.equal(true);
      const tampered = ethers.toUtf8Bytes('{"creditScore":812,"annualIncome":58000}');
      expect(await f.ownership.verifyData(f.subject.address, SCORE, tampered)).to.equal(false);
      expect(await f.ownership.verifyData(f.subject.address, ethers.ZeroHash, RECORD), "no such category").to.equal(
        false,
      );
    });

    it("reverts for a writer without a write grant", async function () {
      const f = await loadFixture(fixture);
      await expect(f.ownership.connect(f.provider).commitData(f.subject.address, SCORE, ethers.keccak256(RECORD)))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNoGrant")
        .withArgs(f.subject.address, f.provider.address);
    });

    it("reverts on a second write under a single-use write grant", async function () {
      const f = await loadFixture(fixture);
      await f.permissions.connect(f.subject).setPermission(f.provider.address, Level.Write, f.expiry, 1);
      await f.ownership.connect(f.provider).commitData(f.subject.address, SCORE, ethers.keccak256(RECORD));
      await expect(f.ownership.connect(f.provider).commitData(f.subject.address, SCORE, ethers.id("v2")))
        .to.be.revertedWithCustomError(f.permissions, "PermissionGrantExhausted")
        .withArgs(f.subject.address, f.provider.address, 1);
    });

    it("reverts for a subject without a record, and on a zero hash", async function () {
      const f = await loadFixture(fixture);
      await expect(f.ownership.connect(f.provider).commitData(f.bank.address, SCORE, ethers.id("x")))
        .to.be.revertedWithCustomError(f.ownership, "OwnershipNoRecord")
        .withArgs(f.bank.address);
      await expect(
        f.ownership.connect(f.provider).commitData(f.subject.address, SCORE, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.ownership, "OwnershipZeroHash");
    });
  });
});
