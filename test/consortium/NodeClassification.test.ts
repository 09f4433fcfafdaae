import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySuite, grantRoleByVote } from "../helpers/suite";
import { AuditAction, NodeStatus, NodeType } from "../../src/contractEnums";

describe("NodeClassification", function () {
  async function fixture() {
    return deploySuite();
  }

  /** A classification wired to an EOA posing as the consensus contract, to reach its guards directly. */
  async function withEoaConsensus() {
    const f = await loadFixture(fixture);
    const factory = await ethers.getContractFactory("NodeClassification");
    const bare = await factory.deploy(await f.history.getAddress(), [], []);
    await bare.setConsensus(f.outsider.address);
    await grantRoleByVote(f, f.history, await f.history.WRITER_ROLE(), await bare.getAddress());
    return { ...f, bare };
  }

  describe("constructor", function () {
    it("seeds the genesis nodes", async function () {
      const { classification, bureau } = await loadFixture(fixture);
      const node = await classification.nodeOf(bureau.address);
      expect(node.nodeType).to.equal(NodeType.CreditBureau);
      expect(node.status).to.equal(NodeStatus.Active);
      expect(await classification.isActiveAs(bureau.address, NodeType.CreditBureau)).to.equal(true);
      expect(await classification.isActiveAs(bureau.address, NodeType.CreditSubject)).to.equal(false);
    });

    it("reverts on bad genesis input", async function () {
      const { classification, history, bureau } = await loadFixture(fixture);
      const factory = await ethers.getContractFactory("NodeClassification");
      const h = await history.getAddress();
      await expect(factory.deploy(ethers.ZeroAddress, [], [])).to.be.revertedWithCustomError(
        classification,
        "NodeClassificationZeroAddress",
      );
      await expect(factory.deploy(h, [bureau.address], []))
        .to.be.revertedWithCustomError(classification, "NodeClassificationGenesisLengthMismatch")
        .withArgs(1, 0);
      await expect(factory.deploy(h, [ethers.ZeroAddress], [NodeType.CreditBureau])).to.be.revertedWithCustomError(
        classification,
        "NodeClassificationZeroAddress",
      );
      await expect(factory.deploy(h, [bureau.address], [7]))
        .to.be.revertedWithCustomError(classification, "NodeClassificationUnknownType")
        .withArgs(7);
      await expect(factory.deploy(h, [bureau.address, bureau.address], [NodeType.CreditBureau, NodeType.CreditBureau]))
        .to.be.revertedWithCustomError(classification, "NodeClassificationAlreadyActive")
        .withArgs(bureau.address);
    });
  });

  describe("setConsensus", function () {
    it("reverts when already set, when the caller is not the deployer, or on zero", async function () {
      const { classification, history, deployer, outsider, consensus } = await loadFixture(fixture);
      await expect(classification.connect(deployer).setConsensus(outsider.address))
        .to.be.revertedWithCustomError(classification, "NodeClassificationConsensusAlreadySet")
        .withArgs(await consensus.getAddress());
      const fresh = await (
        await ethers.getContractFactory("NodeClassification")
      ).deploy(await history.getAddress(), [], []);
      await expect(fresh.connect(outsider).setConsensus(outsider.address))
        .to.be.revertedWithCustomError(fresh, "NodeClassificationOnlyDeployer")
        .withArgs(outsider.address);
      await expect(fresh.setConsensus(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        fresh,
        "NodeClassificationZeroAddress",
      );
      await expect(fresh.setConsensus(outsider.address)).to.emit(fresh, "ConsensusSet").withArgs(outsider.address);
      expect(await fresh.consensus()).to.equal(outsider.address);
    });
  });

  describe("requestAdmission", function () {
    it("opens a vote when an unknown address applies for itself, and audits the request", async function () {
      const f = await loadFixture(fixture);
      await expect(f.classification.connect(f.bank).requestAdmission(f.bank.address, NodeType.CreditAccessUser))
        .to.emit(f.classification, "AdmissionRequested")
        .withArgs(f.bank.address, NodeType.CreditAccessUser, f.bank.address, 1)
        .and.to.emit(f.consensus, "ProposalCreated");
      const [trail] = await f.history.auditTrail(f.bank.address, 0, 10);
      expect(trail.map((e) => [e.actor, Number(e.action), e.ref])).to.deep.equal([
        [f.bank.address, AuditAction.AdmissionRequested, ethers.toBeHex(1, 32)],
      ]);
    });

    it("lets a voter request admission, and relates it to the newcomer", async function () {
      const f = await loadFixture(fixture);
      await expect(
        f.classification.connect(f.voters[0]).requestAdmission(f.provider.address, NodeType.InformationProvider),
      ).to.emit(f.classification, "AdmissionRequested");
      expect(await f.history.isRelated(f.voters[0].address, f.provider.address)).to.equal(true);
    });

    it("is a no-op for a node already admitted with the same type", async function () {
      const f = await loadFixture(fixture);
      const count = await f.consensus.proposalCount();
      const tx = f.classification.connect(f.voters[0]).requestAdmission(f.bureau.address, NodeType.CreditBureau);
      await expect(tx).not.to.emit(f.classification, "AdmissionRequested");
      await expect(tx).not.to.emit(f.consensus, "ProposalCreated");
      expect(await f.consensus.proposalCount()).to.equal(count);
    });

    it("reverts for a node admitted with another type", async function () {
      const f = await loadFixture(fixture);
      await expect(f.classification.connect(f.voters[0]).requestAdmission(f.bureau.address, NodeType.CreditAccessUser))
        .to.be.revertedWithCustomError(f.classification, "NodeClassificationTypeConflict")
        .withArgs(f.bureau.address, NodeType.CreditBureau, NodeType.CreditAccessUser);
    });

    it("reverts when the caller is neither the newcomer nor a voter", async function () {
      const f = await loadFixture(fixture);
      await expect(f.classification.connect(f.outsider).requestAdmission(f.bank.address, NodeType.CreditAccessUser))
        .to.be.revertedWithCustomError(f.classification, "NodeClassificationUnauthorizedRequester")
        .withArgs(f.outsider.address, f.bank.address);
    });

    it("reverts when an active node other than a voter asks for someone else (issue 11: nobody blocks another's agenda)", async function () {
      const f = await loadFixture(fixture);
      await f.classification.connect(f.subject).registerSubject();
      for (const asker of [f.subject, f.bureau]) {
        await expect(f.classification.connect(asker).requestAdmission(f.bank.address, NodeType.CreditAccessUser))
          .to.be.revertedWithCustomError(f.classification, "NodeClassificationUnauthorizedRequester")
          .withArgs(asker.address, f.bank.address);
      }
      // Nor for a voter candidate: voter-set changes are opened by voters only.
      await expect(f.classification.connect(f.subject).requestAdmission(f.newVoter.address, NodeType.CreditSubject))
        .to.be.revertedWithCustomError(f.classification, "NodeClassificationUnauthorizedRequester")
        .withArgs(f.subject.address, f.newVoter.address);
      expect(await f.consensus.proposalCount()).to.equal(0);
    });

    it("reverts on the zero address and on unknown node types", async function () {
      const f = await loadFixture(fixture);
      await expect(
        f.classification.connect(f.bank).requestAdmission(ethers.ZeroAddress, NodeType.CreditAccessUser),
      ).to.be.revertedWithCustomError(f.classification, "NodeClassificationZeroAddress");
      for (const value of [0, 5, 200]) {
        await expect(f.classification.connect(f.bank).requestAdmission(f.bank.address, value))
          .to.be.revertedWithCustomError(f.classification, "NodeClassificationUnknownType")
          .withArgs(value);
      }
    });

    it("reverts on an unknown node type sent as raw calldata", async function () {
      const f = await loadFixture(fixture);
      const data = f.classification.interface.encodeFunctionData("requestAdmission", [f.bank.address, 9]);
      await expect(f.bank.sendTransaction({ to: await f.classification.getAddress(), data }))
        .to.be.revertedWithCustomError(f.classification, "NodeClassificationUnknownType")
        .withArgs(9);
    });

    it("reverts on a duplicate request while the vote is open", async function () {
      const f = await loadFixture(fixture);
      await f.classification.connect(f.bank).requestAdmission(f.bank.address, NodeType.CreditAccessUser);
      await expect(f.classification.connect(f.voters[0]).requestAdmission(f.bank.address, NodeType.CreditAccessUser))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusProposalPending")
        .withArgs(f.bank.address, 1);
    });

    it("reverts before the consensus contract is wired", async function () {
      const f = await loadFixture(fixture);
      const fresh = await (
        await ethers.getContractFactory("NodeClassification")
      ).deploy(await f.history.getAddress(), [f.bureau.address], [NodeType.CreditBureau]);
      await expect(
        fresh.connect(f.bureau).requestAdmission(f.bank.address, NodeType.CreditAccessUser),
      ).to.be.revertedWithCustomError(fresh, "NodeClassificationConsensusNotSet");
    });
  });

  describe("registerSubject", function () {
    it("activates the caller as a credit subject, once", async function () {
      const f = await loadFixture(fixture);
      await expect(f.classification.connect(f.subject).registerSubject())
        .to.emit(f.classification, "NodeAdmitted")
        .withArgs(f.subject.address, NodeType.CreditSubject, 0);
      expect(await f.classification.isActiveAs(f.subject.address, NodeType.CreditSubject)).to.equal(true);
      expect(await f.history.auditLength(f.subject.address)).to.equal(1);
      await expect(f.classification.connect(f.subject).registerSubject()).not.to.emit(f.classification, "NodeAdmitted");
      expect(await f.history.auditLength(f.subject.address)).to.equal(1);
    });

    it("reverts for a node of another type", async function () {
      const f = await loadFixture(fixture);
      await expect(f.classification.connect(f.bureau).registerSubject())
        .to.be.revertedWithCustomError(f.classification, "NodeClassificationTypeConflict")
        .withArgs(f.bureau.address, NodeType.CreditBureau, NodeType.CreditSubject);
    });

    it("reverts for a node removed by vote", async function () {
      const f = await withEoaConsensus();
      await f.bare.connect(f.subject).registerSubject();
      await f.bare.connect(f.outsider).remove(f.subject.address, 1);
      expect((await f.bare.nodeOf(f.subject.address)).status).to.equal(NodeStatus.Removed);
      await expect(f.bare.connect(f.subject).registerSubject())
        .to.be.revertedWithCustomError(f.bare, "NodeClassificationRemovedNode")
        .withArgs(f.subject.address);
    });
  });

  describe("admit and remove", function () {
    it("revert when the caller is not the consensus contract", async function () {
      const f = await loadFixture(fixture);
      await expect(f.classification.connect(f.voters[0]).admit(f.bank.address, NodeType.CreditAccessUser, 1))
        .to.be.revertedWithCustomError(f.classification, "NodeClassificationOnlyConsensus")
        .withArgs(f.voters[0].address);
      await expect(f.classification.connect(f.voters[0]).remove(f.bureau.address, 1))
        .to.be.revertedWithCustomError(f.classification, "NodeClassificationOnlyConsensus")
        .withArgs(f.voters[0].address);
    });

    it("remove reverts for a node that is not active", async function () {
      const f = await withEoaConsensus();
      await expect(f.bare.connect(f.outsider).remove(f.bank.address, 1))
        .to.be.revertedWithCustomError(f.bare, "NodeClassificationNotActive")
        .withArgs(f.bank.address);
    });

    it("a removed node may be admitted again, possibly with another type", async function () {
      const f = await withEoaConsensus();
      await f.bare.connect(f.outsider).admit(f.bank.address, NodeType.CreditAccessUser, 1);
      await f.bare.connect(f.outsider).remove(f.bank.address, 2);
      await expect(f.bare.connect(f.outsider).admit(f.bank.address, NodeType.InformationProvider, 3))
        .to.emit(f.bare, "NodeAdmitted")
        .withArgs(f.bank.address, NodeType.InformationProvider, 3);
      const [trail] = await f.history.auditTrail(f.bank.address, 0, 10);
      expect(trail.map((e) => Number(e.action))).to.deep.equal([
        AuditAction.NodeAdmitted,
        AuditAction.NodeRemoved,
        AuditAction.NodeAdmitted,
      ]);
      expect(await f.bare.history()).to.equal(await f.history.getAddress());
    });
  });
});
