import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySuite } from "../helpers/suite";
import { NodeType, ProposalKind, ProposalState } from "../../src/contractEnums";
import { DEFAULT_CONSORTIUM } from "../../src/config";

const PERIOD = DEFAULT_CONSORTIUM.votingPeriodSeconds;

describe("ConsensusJudgment", function () {
  async function fixture() {
    return deploySuite();
  }

  /** Opens an admission vote for the bank and returns its id. */
  async function openAdmission(f: Awaited<ReturnType<typeof fixture>>) {
    await f.consensus.connect(f.voters[0]).proposeAdmission(f.bank.address, NodeType.CreditAccessUser);
    return f.consensus.proposalCount();
  }

  describe("constructor", function () {
    async function deployWith(voters: string[], num: number, den: number, period: number, classification?: string) {
      const { classification: c } = await loadFixture(fixture);
      const factory = await ethers.getContractFactory("ConsensusJudgment");
      return factory.deploy(classification ?? (await c.getAddress()), voters, num, den, period);
    }

    it("reverts when the quorum fraction or the period is invalid, or there are no voters", async function () {
      const { consensus, voters } = await loadFixture(fixture);
      const v = [voters[0].address];
      for (const [num, den, period, list] of [
        [0, 3, 10, v],
        [2, 0, 10, v],
        [4, 3, 10, v],
        [2, 3, 0, v],
        [2, 3, 10, []],
      ] as const) {
        await expect(deployWith([...list], num, den, period))
          .to.be.revertedWithCustomError(consensus, "ConsensusInvalidParameters")
          .withArgs(num, den, period);
      }
    });

    it("reverts on a quorum of one half or less (issue 11: one voter of three could admit anyone)", async function () {
      const { consensus, voters } = await loadFixture(fixture);
      for (const [num, den] of [
        [1, 2],
        [1, 3],
        [2, 4],
        [50, 100],
      ] as const) {
        await expect(deployWith([voters[0].address], num, den, 10))
          .to.be.revertedWithCustomError(consensus, "ConsensusQuorumTooLow")
          .withArgs(num, den);
      }
      // Just over one half is accepted.
      await expect(deployWith([voters[0].address], 51, 100, 10)).not.to.be.reverted;
    });

    it("reverts on a zero classification, a zero voter or a repeated voter", async function () {
      const { consensus, voters } = await loadFixture(fixture);
      await expect(deployWith([voters[0].address], 2, 3, 10, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        consensus,
        "ConsensusZeroAddress",
      );
      await expect(deployWith([ethers.ZeroAddress], 2, 3, 10)).to.be.revertedWithCustomError(
        consensus,
        "ConsensusZeroAddress",
      );
      await expect(deployWith([voters[0].address, voters[0].address], 2, 3, 10))
        .to.be.revertedWithCustomError(consensus, "ConsensusAlreadyVoter")
        .withArgs(voters[0].address);
    });

    it("seeds the voters and the parameters", async function () {
      const { consensus, classification, voters } = await loadFixture(fixture);
      expect(await consensus.voterCount()).to.equal(3);
      for (const v of voters) expect(await consensus.isVoter(v.address)).to.equal(true);
      expect(await consensus.quorumNumerator()).to.equal(2);
      expect(await consensus.quorumDenominator()).to.equal(3);
      expect(await consensus.votingPeriod()).to.equal(PERIOD);
      expect(await consensus.classification()).to.equal(await classification.getAddress());
    });
  });

  describe("quorumFor", function () {
    it("is the quorum fraction of the voters, rounded up", async function () {
      const { consensus } = await loadFixture(fixture);
      const expected: [number, number][] = [
        [1, 1],
        [2, 2],
        [3, 2],
        [4, 3],
        [5, 4],
        [6, 4],
        [7, 5],
      ];
      for (const [voters, quorum] of expected) expect(await consensus.quorumFor(voters)).to.equal(quorum);
    });
  });

  describe("proposeAdmission", function () {
    it("opens a vote with the quorum and deadline fixed at opening", async function () {
      const f = await loadFixture(fixture);
      const openedAt = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(openedAt);
      const deadline = openedAt + PERIOD;
      await expect(f.consensus.connect(f.voters[0]).proposeAdmission(f.bank.address, NodeType.CreditAccessUser))
        .to.emit(f.consensus, "ProposalCreated")
        .withArgs(
          1,
          ProposalKind.AdmitNode,
          f.bank.address,
          NodeType.CreditAccessUser,
          f.voters[0].address,
          2,
          deadline,
        );
      const p = await f.consensus.proposal(1);
      expect(p.quorum).to.equal(2);
      expect(p.eligibleVoters).to.equal(3);
      expect(await f.consensus.state(1)).to.equal(ProposalState.Active);
      expect(await f.consensus.latestProposalFor(f.bank.address)).to.equal(1);
    });

    it("reverts when the caller is not a voter", async function () {
      const f = await loadFixture(fixture);
      await expect(f.consensus.connect(f.outsider).proposeAdmission(f.bank.address, NodeType.CreditAccessUser))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnauthorizedVoter")
        .withArgs(f.outsider.address);
    });

    it("reverts on the zero address", async function () {
      const f = await loadFixture(fixture);
      await expect(
        f.consensus.connect(f.voters[0]).proposeAdmission(ethers.ZeroAddress, NodeType.CreditAccessUser),
      ).to.be.revertedWithCustomError(f.consensus, "ConsensusZeroAddress");
    });

    it("reverts on an unknown node type, None included", async function () {
      const f = await loadFixture(fixture);
      for (const value of [0, 5, 255]) {
        await expect(f.consensus.connect(f.voters[0]).proposeAdmission(f.bank.address, value))
          .to.be.revertedWithCustomError(f.consensus, "ConsensusUnknownNodeType")
          .withArgs(value);
      }
    });

    it("reverts when the node is already admitted", async function () {
      const f = await loadFixture(fixture);
      await expect(f.consensus.connect(f.voters[0]).proposeAdmission(f.bureau.address, NodeType.CreditBureau))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusNodeAlreadyActive")
        .withArgs(f.bureau.address);
    });

    it("allows a new proposal once the previous one has expired", async function () {
      const f = await loadFixture(fixture);
      await openAdmission(f);
      await time.increase(PERIOD + 1);
      await expect(f.consensus.connect(f.voters[1]).proposeAdmission(f.bank.address, NodeType.CreditAccessUser))
        .to.emit(f.consensus, "ProposalCreated")
        .withArgs(
          2,
          ProposalKind.AdmitNode,
          f.bank.address,
          NodeType.CreditAccessUser,
          f.voters[1].address,
          2,
          anyUint,
        );
    });
  });

  describe("several open proposals per address (issue 20)", function () {
    /** A role change that can never pass: a made-up role on the history record, about `account`. */
    async function openDecoy(f: Awaited<ReturnType<typeof fixture>>, by: number, account: string) {
      const target = await f.history.getAddress();
      await f.consensus.connect(f.voters[by]).proposeRoleChange(target, ethers.id("decoy"), account, true);
      return f.consensus.proposalCount();
    }

    /** Passes proposal `id` by the votes of the first two voters. */
    async function pass(f: Awaited<ReturnType<typeof fixture>>, id: bigint) {
      await f.consensus.connect(f.voters[0]).vote(id, true);
      await f.consensus.connect(f.voters[1]).vote(id, true);
    }

    it("does not let one voter's decoy block the removal of a node", async function () {
      const f = await loadFixture(fixture);
      await pass(f, await openAdmission(f));
      await openDecoy(f, 2, f.bank.address);
      await expect(f.consensus.connect(f.voters[0]).proposeRemoval(f.bank.address)).to.emit(
        f.consensus,
        "ProposalCreated",
      );
      await pass(f, await f.consensus.proposalCount());
      expect(await f.classification.isActive(f.bank.address)).to.equal(false);
    });

    it("does not let a voter shield itself from removal with a decoy about itself", async function () {
      const f = await loadFixture(fixture);
      await openDecoy(f, 2, f.voters[2].address);
      await f.consensus.connect(f.voters[0]).proposeVoterRemoval(f.voters[2].address);
      const removal = await f.consensus.proposalCount();
      await f.consensus.connect(f.voters[0]).vote(removal, true);
      await expect(f.consensus.connect(f.voters[1]).vote(removal, true))
        .to.emit(f.consensus, "VoterRemoved")
        .withArgs(f.voters[2].address);
    });

    it("locks nothing out when a decoy is defeated: the address may be proposed again at once", async function () {
      const f = await loadFixture(fixture);
      await pass(f, await openAdmission(f));
      const decoy = await openDecoy(f, 2, f.bank.address);
      await f.consensus.connect(f.voters[0]).vote(decoy, false);
      await f.consensus.connect(f.voters[1]).vote(decoy, false);
      expect(await f.consensus.state(decoy)).to.equal(ProposalState.Defeated);
      await expect(f.consensus.connect(f.voters[0]).proposeRemoval(f.bank.address)).to.emit(
        f.consensus,
        "ProposalCreated",
      );
    });

    it("reverts when a voter already holds MAX_OPEN_PROPOSALS open proposals, until one closes", async function () {
      const f = await loadFixture(fixture);
      const max = await f.consensus.MAX_OPEN_PROPOSALS();
      const ids = [];
      for (let i = 0n; i < max; i++) ids.push(await openDecoy(f, 2, f.bank.address));
      expect(await f.consensus.openProposalsOf(f.voters[2].address)).to.deep.equal(ids);
      const decoy = () =>
        f.consensus.connect(f.voters[2]).proposeRoleChange(f.history, ethers.id("decoy"), f.bank.address, true);
      await expect(decoy())
        .to.be.revertedWithCustomError(f.consensus, "ConsensusTooManyOpenProposals")
        .withArgs(f.voters[2].address, max);
      // Other voters are not held back by it.
      await expect(f.consensus.connect(f.voters[0]).proposeVoterAddition(f.newVoter.address)).to.emit(
        f.consensus,
        "ProposalCreated",
      );
      // Once one of them is defeated, the voter may open one more.
      await f.consensus.connect(f.voters[0]).vote(ids[0], false);
      await f.consensus.connect(f.voters[1]).vote(ids[0], false);
      expect(await f.consensus.openProposalsOf(f.voters[2].address)).to.have.length(Number(max) - 1);
      await expect(decoy()).to.emit(f.consensus, "ProposalCreated");
      // When they all expire, the voter's count is back to zero.
      await time.increase(PERIOD + 1);
      expect(await f.consensus.openProposalsOf(f.voters[2].address)).to.deep.equal([]);
    });

    it("reverts at execution on an admission or voter change that another proposal already carried out", async function () {
      const f = await loadFixture(fixture);
      const first = await openAdmission(f);
      const second = await openAdmission(f);
      await pass(f, first);
      await f.consensus.connect(f.voters[0]).vote(second, true);
      await expect(f.consensus.connect(f.voters[1]).vote(second, true))
        .to.be.revertedWithCustomError(f.classification, "NodeClassificationAlreadyActive")
        .withArgs(f.bank.address);
      const add = [];
      for (let i = 0; i < 2; i++) {
        await f.consensus.connect(f.voters[0]).proposeVoterAddition(f.newVoter.address);
        add.push(await f.consensus.proposalCount());
      }
      await pass(f, add[0]);
      await f.consensus.connect(f.voters[0]).vote(add[1], true);
      await expect(f.consensus.connect(f.voters[1]).vote(add[1], true))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusAlreadyVoter")
        .withArgs(f.newVoter.address);
      const removal = [];
      for (let i = 0; i < 2; i++) {
        await f.consensus.connect(f.voters[0]).proposeVoterRemoval(f.newVoter.address);
        removal.push(await f.consensus.proposalCount());
      }
      // Four voters now: a quorum of three.
      for (const voter of f.voters) await f.consensus.connect(voter).vote(removal[0], true);
      await f.consensus.connect(f.voters[0]).vote(removal[1], true);
      await f.consensus.connect(f.voters[1]).vote(removal[1], true);
      await expect(f.consensus.connect(f.voters[2]).vote(removal[1], true))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusNotVoter")
        .withArgs(f.newVoter.address);
      expect(await f.consensus.voterCount()).to.equal(3);
    });
  });

  describe("applications through node classification", function () {
    /** The bank applies for itself and two voters defeat it; returns its id. */
    async function defeatedApplication(f: Awaited<ReturnType<typeof fixture>>) {
      await f.classification.connect(f.bank).requestAdmission(f.bank.address, NodeType.CreditAccessUser);
      const id = await f.consensus.proposalCount();
      await f.consensus.connect(f.voters[0]).vote(id, false);
      await f.consensus.connect(f.voters[1]).vote(id, false);
      expect(await f.consensus.state(id)).to.equal(ProposalState.Defeated);
      return id;
    }

    it("reverts on a second application while the first is open", async function () {
      const f = await loadFixture(fixture);
      await f.classification.connect(f.bank).requestAdmission(f.bank.address, NodeType.CreditAccessUser);
      await expect(f.classification.connect(f.bank).requestAdmission(f.bank.address, NodeType.InformationProvider))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusProposalPending")
        .withArgs(f.bank.address, 1);
    });

    it("lets a defeated applicant apply again at once: no defeat locks anything out (issue 20)", async function () {
      const f = await loadFixture(fixture);
      await defeatedApplication(f);
      await expect(
        f.classification.connect(f.bank).requestAdmission(f.bank.address, NodeType.CreditAccessUser),
      ).to.emit(f.consensus, "ProposalCreated");
    });

    it("never holds back the voters: they may propose a defeated applicant at once", async function () {
      const f = await loadFixture(fixture);
      await defeatedApplication(f);
      await expect(
        f.consensus.connect(f.voters[2]).proposeAdmission(f.bank.address, NodeType.CreditAccessUser),
      ).to.emit(f.consensus, "ProposalCreated");
    });

    it("does not hold back an applicant whose application merely expired", async function () {
      const f = await loadFixture(fixture);
      await f.classification.connect(f.bank).requestAdmission(f.bank.address, NodeType.CreditAccessUser);
      await time.increase(PERIOD + 1);
      await expect(
        f.classification.connect(f.bank).requestAdmission(f.bank.address, NodeType.CreditAccessUser),
      ).to.emit(f.consensus, "ProposalCreated");
    });

    it("counts an application against no voter, and a voter's proposal for the applicant against no application", async function () {
      const f = await loadFixture(fixture);
      await openAdmission(f);
      await expect(
        f.classification.connect(f.bank).requestAdmission(f.bank.address, NodeType.CreditAccessUser),
      ).to.emit(f.consensus, "ProposalCreated");
      expect(await f.consensus.openProposalsOf(f.voters[0].address)).to.deep.equal([1n]);
      expect(await f.consensus.openProposalsOf(await f.classification.getAddress())).to.deep.equal([]);
    });
  });

  describe("proposeRoleChange", function () {
    it("grants and revokes a role of a suite contract by quorum: the consortium is the only admin", async function () {
      const f = await loadFixture(fixture);
      const target = await f.permissions.getAddress();
      const role = await f.permissions.CONSUMER_ROLE();
      await expect(f.consensus.connect(f.voters[0]).proposeRoleChange(target, role, f.outsider.address, true))
        .to.emit(f.consensus, "ProposalCreated")
        .withArgs(1, ProposalKind.GrantRole, f.outsider.address, NodeType.None, f.voters[0].address, 2, anyUint);
      const change = await f.consensus.roleChangeOf(1);
      expect([change.target, change.role]).to.deep.equal([target, role]);
      await f.consensus.connect(f.voters[0]).vote(1, true);
      expect(await f.permissions.hasRole(role, f.outsider.address)).to.equal(false);
      await expect(f.consensus.connect(f.voters[1]).vote(1, true))
        .to.emit(f.permissions, "RoleGranted")
        .withArgs(role, f.outsider.address, await f.consensus.getAddress());
      expect(await f.permissions.hasRole(role, f.outsider.address)).to.equal(true);

      await f.consensus.connect(f.voters[0]).proposeRoleChange(target, role, f.outsider.address, false);
      expect((await f.consensus.proposal(2)).kind).to.equal(ProposalKind.RevokeRole);
      await f.consensus.connect(f.voters[0]).vote(2, true);
      await expect(f.consensus.connect(f.voters[2]).vote(2, true)).to.emit(f.permissions, "RoleRevoked");
      expect(await f.permissions.hasRole(role, f.outsider.address)).to.equal(false);
    });

    it("reverts when the caller is not a voter", async function () {
      const f = await loadFixture(fixture);
      await expect(
        f.consensus
          .connect(f.outsider)
          .proposeRoleChange(await f.history.getAddress(), ethers.ZeroHash, f.outsider.address, true),
      )
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnauthorizedVoter")
        .withArgs(f.outsider.address);
    });

    it("reverts on a zero target or a zero account", async function () {
      const f = await loadFixture(fixture);
      const voter = f.consensus.connect(f.voters[0]);
      await expect(
        voter.proposeRoleChange(ethers.ZeroAddress, ethers.ZeroHash, f.outsider.address, true),
      ).to.be.revertedWithCustomError(f.consensus, "ConsensusZeroAddress");
      await expect(
        voter.proposeRoleChange(await f.history.getAddress(), ethers.ZeroHash, ethers.ZeroAddress, true),
      ).to.be.revertedWithCustomError(f.consensus, "ConsensusZeroAddress");
    });

    it("reverts on revoking a role of the consortium itself: it would freeze every role for good (issue 20)", async function () {
      const f = await loadFixture(fixture);
      const self = await f.consensus.getAddress();
      for (const target of [f.permissions, f.history]) {
        const address = await target.getAddress();
        await expect(f.consensus.connect(f.voters[0]).proposeRoleChange(address, ethers.ZeroHash, self, false))
          .to.be.revertedWithCustomError(f.consensus, "ConsensusSelfRevocation")
          .withArgs(address, ethers.ZeroHash);
      }
      // Granting it a role stays possible, as does revoking a role of anyone else.
      const permissions = await f.permissions.getAddress();
      await expect(
        f.consensus.connect(f.voters[0]).proposeRoleChange(permissions, ethers.ZeroHash, self, true),
      ).to.emit(f.consensus, "ProposalCreated");
      expect(await f.permissions.hasRole(ethers.ZeroHash, self)).to.equal(true);
    });

    it("reverts at execution when the consortium is not the target's admin, leaving the proposal open", async function () {
      const f = await loadFixture(fixture);
      const bare = await (await ethers.getContractFactory("HistoryRecord")).deploy(f.deployer.address);
      const role = await bare.WRITER_ROLE();
      await f.consensus.connect(f.voters[0]).proposeRoleChange(await bare.getAddress(), role, f.outsider.address, true);
      await f.consensus.connect(f.voters[0]).vote(1, true);
      await expect(f.consensus.connect(f.voters[1]).vote(1, true))
        .to.be.revertedWithCustomError(bare, "AccessControlUnauthorizedAccount")
        .withArgs(await f.consensus.getAddress(), ethers.ZeroHash);
      expect(await f.consensus.state(1)).to.equal(ProposalState.Active);
    });

    it("is empty for a proposal that is not a role change", async function () {
      const f = await loadFixture(fixture);
      const id = await openAdmission(f);
      const change = await f.consensus.roleChangeOf(id);
      expect([change.target, change.role]).to.deep.equal([ethers.ZeroAddress, ethers.ZeroHash]);
    });
  });

  describe("vote", function () {
    it("admits the node on the vote that reaches the quorum", async function () {
      const f = await loadFixture(fixture);
      const id = await openAdmission(f);
      await expect(f.consensus.connect(f.voters[0]).vote(id, true))
        .to.emit(f.consensus, "VoteCast")
        .withArgs(id, f.voters[0].address, true)
        .and.not.to.emit(f.consensus, "ProposalExecuted");
      expect(await f.classification.isActive(f.bank.address)).to.equal(false);
      await expect(f.consensus.connect(f.voters[1]).vote(id, true))
        .to.emit(f.consensus, "ProposalExecuted")
        .withArgs(id)
        .and.to.emit(f.classification, "NodeAdmitted")
        .withArgs(f.bank.address, NodeType.CreditAccessUser, id);
      expect(await f.classification.isActiveAs(f.bank.address, NodeType.CreditAccessUser)).to.equal(true);
      expect(await f.consensus.state(id)).to.equal(ProposalState.Executed);
      expect(await f.consensus.hasVoted(id, f.voters[1].address)).to.equal(true);
      expect(await f.consensus.hasVoted(id, f.voters[2].address)).to.equal(false);
    });

    it("counts a vote cast exactly at the deadline and refuses one a second later", async function () {
      const f = await loadFixture(fixture);
      const id = await openAdmission(f);
      const { deadline } = await f.consensus.proposal(id);
      await f.consensus.connect(f.voters[0]).vote(id, true);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.consensus.connect(f.voters[1]).vote(id, true)).to.emit(f.consensus, "ProposalExecuted");

      const id2 = await (async () => {
        await f.consensus.connect(f.voters[0]).proposeAdmission(f.provider.address, NodeType.InformationProvider);
        return f.consensus.proposalCount();
      })();
      const p2 = await f.consensus.proposal(id2);
      await f.consensus.connect(f.voters[0]).vote(id2, true);
      await time.setNextBlockTimestamp(p2.deadline + 1n);
      await expect(f.consensus.connect(f.voters[1]).vote(id2, true))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnexpectedProposalState")
        .withArgs(id2, ProposalState.Expired, ProposalState.Active);
      expect(await f.classification.isActive(f.provider.address)).to.equal(false);
    });

    it("reverts when the caller is not a voter", async function () {
      const f = await loadFixture(fixture);
      const id = await openAdmission(f);
      await expect(f.consensus.connect(f.bank).vote(id, true))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnauthorizedVoter")
        .withArgs(f.bank.address);
    });

    it("reverts on a double vote, in either direction", async function () {
      const f = await loadFixture(fixture);
      const id = await openAdmission(f);
      await f.consensus.connect(f.voters[0]).vote(id, false);
      for (const support of [false, true]) {
        await expect(f.consensus.connect(f.voters[0]).vote(id, support))
          .to.be.revertedWithCustomError(f.consensus, "ConsensusAlreadyVoted")
          .withArgs(id, f.voters[0].address);
      }
    });

    it("reverts on an unknown proposal", async function () {
      const f = await loadFixture(fixture);
      for (const id of [0, 1, 99]) {
        await expect(f.consensus.connect(f.voters[0]).vote(id, true))
          .to.be.revertedWithCustomError(f.consensus, "ConsensusNonexistentProposal")
          .withArgs(id);
      }
    });

    it("reverts on an executed proposal", async function () {
      const f = await loadFixture(fixture);
      const id = await openAdmission(f);
      await f.consensus.connect(f.voters[0]).vote(id, true);
      await f.consensus.connect(f.voters[1]).vote(id, true);
      await expect(f.consensus.connect(f.voters[2]).vote(id, true))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnexpectedProposalState")
        .withArgs(id, ProposalState.Executed, ProposalState.Active);
    });

    it("defeats a proposal once the quorum is out of reach, leaving no membership", async function () {
      const f = await loadFixture(fixture);
      const id = await openAdmission(f);
      await f.consensus.connect(f.voters[0]).vote(id, false);
      expect(await f.consensus.state(id)).to.equal(ProposalState.Active);
      await f.consensus.connect(f.voters[1]).vote(id, false);
      expect(await f.consensus.state(id)).to.equal(ProposalState.Defeated);
      await expect(f.consensus.connect(f.voters[2]).vote(id, true))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnexpectedProposalState")
        .withArgs(id, ProposalState.Defeated, ProposalState.Active);
      await time.increase(PERIOD + 1);
      expect(await f.consensus.state(id)).to.equal(ProposalState.Defeated);
      expect(await f.classification.isActive(f.bank.address)).to.equal(false);
    });

    it("reverts when the node became active by other means while the vote was open", async function () {
      const f = await loadFixture(fixture);
      await f.consensus.connect(f.voters[0]).proposeAdmission(f.subject.address, NodeType.CreditAccessUser);
      await f.classification.connect(f.subject).registerSubject();
      await f.consensus.connect(f.voters[0]).vote(1, true);
      await expect(f.consensus.connect(f.voters[1]).vote(1, true))
        .to.be.revertedWithCustomError(f.classification, "NodeClassificationAlreadyActive")
        .withArgs(f.subject.address);
    });
  });

  describe("proposeRemoval", function () {
    it("removes an active node by quorum", async function () {
      const f = await loadFixture(fixture);
      await expect(f.consensus.connect(f.voters[0]).proposeRemoval(f.bureau.address))
        .to.emit(f.consensus, "ProposalCreated")
        .withArgs(1, ProposalKind.RemoveNode, f.bureau.address, NodeType.None, f.voters[0].address, 2, anyUint);
      await f.consensus.connect(f.voters[0]).vote(1, true);
      await expect(f.consensus.connect(f.voters[2]).vote(1, true))
        .to.emit(f.classification, "NodeRemoved")
        .withArgs(f.bureau.address, 1);
      expect(await f.classification.isActive(f.bureau.address)).to.equal(false);
    });

    it("reverts when the caller is not a voter", async function () {
      const f = await loadFixture(fixture);
      await expect(f.consensus.connect(f.bureau).proposeRemoval(f.bureau.address))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnauthorizedVoter")
        .withArgs(f.bureau.address);
    });

    it("reverts when the node is not active", async function () {
      const f = await loadFixture(fixture);
      await expect(f.consensus.connect(f.voters[0]).proposeRemoval(f.bank.address))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusNodeNotActive")
        .withArgs(f.bank.address);
    });
  });

  describe("voter changes", function () {
    it("adds a voter by vote; the newcomer may not vote on proposals opened before it joined", async function () {
      const f = await loadFixture(fixture);
      const admission = await openAdmission(f);
      await expect(f.consensus.connect(f.voters[0]).proposeVoterAddition(f.newVoter.address))
        .to.emit(f.consensus, "ProposalCreated")
        .withArgs(2, ProposalKind.AddVoter, f.newVoter.address, NodeType.None, f.voters[0].address, 2, anyUint);
      await f.consensus.connect(f.voters[0]).vote(2, true);
      await expect(f.consensus.connect(f.voters[1]).vote(2, true))
        .to.emit(f.consensus, "VoterAdded")
        .withArgs(f.newVoter.address);
      expect(await f.consensus.voterCount()).to.equal(4);

      await expect(f.consensus.connect(f.newVoter).vote(admission, true))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusVoterNotEligible")
        .withArgs(admission, f.newVoter.address);
      expect((await f.consensus.proposal(admission)).quorum).to.equal(2);

      // A proposal opened now needs three of four, and the newcomer may vote on it.
      await f.consensus.connect(f.newVoter).proposeAdmission(f.provider.address, NodeType.InformationProvider);
      expect((await f.consensus.proposal(3)).quorum).to.equal(3);
      await expect(f.consensus.connect(f.newVoter).vote(3, true)).to.emit(f.consensus, "VoteCast");
    });

    it("removes a voter by vote; the removed voter can no longer vote, its cast votes stand", async function () {
      const f = await loadFixture(fixture);
      const admission = await openAdmission(f);
      await f.consensus.connect(f.voters[2]).vote(admission, true);
      await f.consensus.connect(f.voters[0]).proposeVoterRemoval(f.voters[2].address);
      await f.consensus.connect(f.voters[0]).vote(2, true);
      await expect(f.consensus.connect(f.voters[1]).vote(2, true))
        .to.emit(f.consensus, "VoterRemoved")
        .withArgs(f.voters[2].address);
      expect(await f.consensus.voterCount()).to.equal(2);
      expect(await f.consensus.isVoter(f.voters[2].address)).to.equal(false);
      await expect(f.consensus.connect(f.voters[2]).vote(admission, false))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnauthorizedVoter")
        .withArgs(f.voters[2].address);
      // The quorum of the open proposal stays at two: one more approval admits the bank.
      await expect(f.consensus.connect(f.voters[0]).vote(admission, true)).to.emit(f.classification, "NodeAdmitted");
    });

    it("reverts on adding an existing voter or removing a non-voter", async function () {
      const f = await loadFixture(fixture);
      await expect(f.consensus.connect(f.voters[0]).proposeVoterAddition(f.voters[1].address))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusAlreadyVoter")
        .withArgs(f.voters[1].address);
      await expect(f.consensus.connect(f.voters[0]).proposeVoterRemoval(f.outsider.address))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusNotVoter")
        .withArgs(f.outsider.address);
      await expect(
        f.consensus.connect(f.voters[0]).proposeVoterAddition(ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(f.consensus, "ConsensusZeroAddress");
    });

    it("reverts when a non-voter proposes a voter change", async function () {
      const f = await loadFixture(fixture);
      await expect(f.consensus.connect(f.outsider).proposeVoterAddition(f.outsider.address))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnauthorizedVoter")
        .withArgs(f.outsider.address);
      await expect(f.consensus.connect(f.outsider).proposeVoterRemoval(f.voters[0].address))
        .to.be.revertedWithCustomError(f.consensus, "ConsensusUnauthorizedVoter")
        .withArgs(f.outsider.address);
    });

    it("never removes the last voter, at proposal or at execution", async function () {
      const f = await loadFixture(fixture);
      const factory = await ethers.getContractFactory("ConsensusJudgment");
      const solo = await factory.deploy(await f.classification.getAddress(), [f.voters[0].address], 1, 1, PERIOD);
      await expect(solo.connect(f.voters[0]).proposeVoterRemoval(f.voters[0].address))
        .to.be.revertedWithCustomError(solo, "ConsensusLastVoter")
        .withArgs(f.voters[0].address);

      // Two voters, two removals both approved: the second to execute would leave none.
      const duo = await factory.deploy(
        await f.classification.getAddress(),
        [f.voters[0].address, f.voters[1].address],
        1,
        1,
        PERIOD,
      );
      await duo.connect(f.voters[0]).proposeVoterRemoval(f.voters[0].address);
      await duo.connect(f.voters[0]).proposeVoterRemoval(f.voters[1].address);
      await duo.connect(f.voters[0]).vote(2, true);
      await duo.connect(f.voters[0]).vote(1, true);
      await duo.connect(f.voters[1]).vote(1, true);
      expect(await duo.voterCount()).to.equal(1);
      await expect(duo.connect(f.voters[1]).vote(2, true))
        .to.be.revertedWithCustomError(duo, "ConsensusLastVoter")
        .withArgs(f.voters[1].address);
    });
  });

  describe("state", function () {
    it("is Nonexistent for unknown ids and all-zero data", async function () {
      const f = await loadFixture(fixture);
      expect(await f.consensus.state(7)).to.equal(ProposalState.Nonexistent);
      expect((await f.consensus.proposal(7)).deadline).to.equal(0);
    });

    it("turns Expired after the deadline without the quorum", async function () {
      const f = await loadFixture(fixture);
      const id = await openAdmission(f);
      await f.consensus.connect(f.voters[0]).vote(id, true);
      await time.increase(PERIOD + 1);
      expect(await f.consensus.state(id)).to.equal(ProposalState.Expired);
    });
  });
});

/** Matches any uint in a `withArgs` list. */
function anyUint(value: bigint): boolean {
  return typeof value === "bigint" && value >= 0n;
}
