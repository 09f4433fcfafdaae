/**
 * Issue 11, item 5: after deployment the deployer key can do nothing special. The deploy files
 * hand every admin role to the consensus contract and renounce the deployer's; roles then change
 * only through a passed vote (`ConsensusJudgment.proposeRoleChange`).
 */
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithMembers, grantRoleByVote } from "../helpers/suite";
import { Level } from "../../src/permissions";
import { loadSuite } from "../../src/suite";
import { AuditAction } from "../../src/contractEnums";

describe("Governance after deployment", function () {
  async function fixture() {
    return deployWithMembers();
  }

  it("leaves the consensus contract the only admin of every AccessControl contract", async function () {
    const f = await loadFixture(fixture);
    const consensus = await f.consensus.getAddress();
    for (const contract of [f.history, f.permissions]) {
      const admin = await contract.DEFAULT_ADMIN_ROLE();
      expect(await contract.hasRole(admin, f.deployer.address)).to.equal(false);
      expect(await contract.hasRole(admin, consensus)).to.equal(true);
    }
  });

  it("refuses the deployer a consumer role, so it cannot burn any grant", async function () {
    const f = await loadFixture(fixture);
    const admin = await f.permissions.DEFAULT_ADMIN_ROLE();
    await expect(f.permissions.connect(f.deployer).grantRole(await f.permissions.CONSUMER_ROLE(), f.deployer.address))
      .to.be.revertedWithCustomError(f.permissions, "AccessControlUnauthorizedAccount")
      .withArgs(f.deployer.address, admin);
    await expect(f.permissions.connect(f.deployer).consume(f.subject.address, f.bank.address, Level.BlindRead))
      .to.be.revertedWithCustomError(f.permissions, "PermissionUnauthorizedConsumer")
      .withArgs(f.deployer.address);
  });

  it("refuses the deployer audit entries and a writer role", async function () {
    const f = await loadFixture(fixture);
    const writer = await f.history.WRITER_ROLE();
    await expect(
      f.history
        .connect(f.deployer)
        .appendAudit(f.subject.address, f.deployer.address, AuditAction.CheckDecided, ethers.ZeroHash),
    )
      .to.be.revertedWithCustomError(f.history, "AccessControlUnauthorizedAccount")
      .withArgs(f.deployer.address, writer);
    await expect(f.history.connect(f.deployer).grantRole(writer, f.deployer.address))
      .to.be.revertedWithCustomError(f.history, "AccessControlUnauthorizedAccount")
      .withArgs(f.deployer.address, await f.history.DEFAULT_ADMIN_ROLE());
  });

  it("refuses the deployer a linker role, so it cannot repoint a subject's ownership record", async function () {
    const f = await loadFixture(fixture);
    await expect(f.history.connect(f.deployer).grantRole(await f.history.LINKER_ROLE(), f.deployer.address))
      .to.be.revertedWithCustomError(f.history, "AccessControlUnauthorizedAccount")
      .withArgs(f.deployer.address, await f.history.DEFAULT_ADMIN_ROLE());
    await expect(f.history.connect(f.deployer).setOwnershipRecord(f.subject.address, f.deployer.address))
      .to.be.revertedWithCustomError(f.history, "HistoryRecordUnauthorizedLinker")
      .withArgs(f.deployer.address, f.subject.address);
    await expect(f.classification.connect(f.deployer).setConsensus(f.deployer.address))
      .to.be.revertedWithCustomError(f.classification, "NodeClassificationConsensusAlreadySet")
      .withArgs(await f.consensus.getAddress());
  });

  it("lets a passed vote change roles, and only a passed vote", async function () {
    const f = await loadFixture(fixture);
    const consumer = await f.permissions.CONSUMER_ROLE();
    await grantRoleByVote(f, f.permissions, consumer, f.outsider.address);
    expect(await f.permissions.hasRole(consumer, f.outsider.address)).to.equal(true);
  });

  it("leaves the deployer without roles when the deploy files run again", async function () {
    await loadFixture(fixture);
    await hre.deployments.run(undefined, { resetMemory: false, writeDeploymentsToFiles: false });
    const { history, permissions, consensus } = await loadSuite(hre);
    const [deployer] = await ethers.getSigners();
    for (const contract of [history, permissions]) {
      const admin = await contract.DEFAULT_ADMIN_ROLE();
      expect(await contract.hasRole(admin, deployer.address)).to.equal(false);
      expect(await contract.hasRole(admin, await consensus.getAddress())).to.equal(true);
    }
  });
});
