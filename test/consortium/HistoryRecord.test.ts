import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { actors } from "../helpers/suite";
import { AuditAction } from "../../src/contractEnums";

describe("HistoryRecord", function () {
  /** A bare history record whose writer and linker are test accounts. */
  async function fixture() {
    const a = await actors();
    const history = await (await ethers.getContractFactory("HistoryRecord")).deploy(a.deployer.address);
    const writer = a.voters[0];
    const linker = a.voters[1];
    await history.grantRole(await history.WRITER_ROLE(), writer.address);
    await history.grantRole(await history.LINKER_ROLE(), linker.address);
    return { ...a, history, writer, linker };
  }

  it("reverts on a zero admin", async function () {
    const { history } = await loadFixture(fixture);
    const factory = await ethers.getContractFactory("HistoryRecord");
    await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(history, "HistoryRecordZeroAddress");
  });

  describe("relate", function () {
    it("relates two nodes both ways, once", async function () {
      const { history, writer, subject, bank } = await loadFixture(fixture);
      await expect(history.connect(writer).relate(subject.address, bank.address))
        .to.emit(history, "NodesRelated")
        .withArgs(subject.address, bank.address);
      await expect(history.connect(writer).relate(bank.address, subject.address)).not.to.emit(history, "NodesRelated");
      await expect(history.connect(writer).relate(bank.address, bank.address)).not.to.emit(history, "NodesRelated");
      expect(await history.isRelated(bank.address, subject.address)).to.equal(true);
      expect(await history.relatedNodes(subject.address, 0, 10)).to.deep.equal([[bank.address], 1n]);
      expect(await history.relatedNodes(bank.address, 0, 10)).to.deep.equal([[subject.address], 1n]);
    });

    it("reverts for a caller without the writer role, and on zero", async function () {
      const { history, outsider, writer, subject } = await loadFixture(fixture);
      await expect(history.connect(outsider).relate(subject.address, outsider.address))
        .to.be.revertedWithCustomError(history, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await history.WRITER_ROLE());
      await expect(history.connect(writer).relate(subject.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        history,
        "HistoryRecordZeroAddress",
      );
      await expect(history.connect(writer).relate(ethers.ZeroAddress, subject.address)).to.be.revertedWithCustomError(
        history,
        "HistoryRecordZeroAddress",
      );
    });
  });

  describe("appendAudit and auditTrail", function () {
    it("appends entries in order and pages through them", async function () {
      const { history, writer, subject, bank } = await loadFixture(fixture);
      const refs = Array.from({ length: 7 }, (_, i) => ethers.toBeHex(i + 1, 32));
      for (const [i, ref] of refs.entries()) {
        await expect(history.connect(writer).appendAudit(subject.address, bank.address, AuditAction.NodeAdmitted, ref))
          .to.emit(history, "AuditAppended")
          .withArgs(subject.address, i, bank.address, AuditAction.NodeAdmitted, ref);
      }
      expect(await history.auditLength(subject.address)).to.equal(7);
      const pages = [];
      for (let offset = 0; offset < 7; offset += 3) {
        const [page, total] = await history.auditTrail(subject.address, offset, 3);
        expect(total).to.equal(7);
        pages.push(...page.map((e) => e.ref));
      }
      expect(pages).to.deep.equal(refs);
      const [tail] = await history.auditTrail(subject.address, 6, 100);
      expect(tail.length).to.equal(1);
      const [past, total] = await history.auditTrail(subject.address, 50, 10);
      expect([past.length, total]).to.deep.equal([0, 7n]);
    });

    it("reverts for a caller without the writer role, and on a zero node", async function () {
      const { history, outsider, writer, subject } = await loadFixture(fixture);
      await expect(history.connect(outsider).appendAudit(subject.address, outsider.address, 0, ethers.ZeroHash))
        .to.be.revertedWithCustomError(history, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await history.WRITER_ROLE());
      await expect(
        history.connect(writer).appendAudit(ethers.ZeroAddress, writer.address, 0, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(history, "HistoryRecordZeroAddress");
    });

    it("reverts on a page size of zero or above the maximum", async function () {
      const { history, subject } = await loadFixture(fixture);
      const max = await history.MAX_PAGE_SIZE();
      for (const limit of [0n, max + 1n]) {
        await expect(history.auditTrail(subject.address, 0, limit))
          .to.be.revertedWithCustomError(history, "HistoryRecordInvalidPageSize")
          .withArgs(limit, max);
        await expect(history.relatedNodes(subject.address, 0, limit))
          .to.be.revertedWithCustomError(history, "HistoryRecordInvalidPageSize")
          .withArgs(limit, max);
      }
    });
  });

  describe("setOwnershipRecord", function () {
    it("lets the node itself or a linker set the link", async function () {
      const { history, subject, linker, outsider } = await loadFixture(fixture);
      await expect(history.connect(subject).setOwnershipRecord(subject.address, outsider.address))
        .to.emit(history, "OwnershipRecordSet")
        .withArgs(subject.address, outsider.address);
      await history.connect(linker).setOwnershipRecord(subject.address, linker.address);
      expect(await history.ownershipRecordOf(subject.address)).to.equal(linker.address);
    });

    it("reverts for anyone else, and on a zero node", async function () {
      const { history, subject, outsider } = await loadFixture(fixture);
      await expect(history.connect(outsider).setOwnershipRecord(subject.address, outsider.address))
        .to.be.revertedWithCustomError(history, "HistoryRecordUnauthorizedLinker")
        .withArgs(outsider.address, subject.address);
      await expect(
        history.connect(subject).setOwnershipRecord(ethers.ZeroAddress, outsider.address),
      ).to.be.revertedWithCustomError(history, "HistoryRecordZeroAddress");
    });
  });
});
