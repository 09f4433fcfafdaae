/**
 * Paper flow 3.3, "credit information visit user added", end to end through the role clients:
 * the bank applies to node classification for itself (the paper has the subject it approached
 * submit it; issue 11: only the newcomer or a voter may ask, so nobody can occupy another
 * address's agenda), the address is unknown so a vote opens, the voters vote.
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySuite } from "../helpers/suite";
import { castVote, isMemberAs, requestAdmission } from "../../src/clients/consortium";
import { AuditAction, NodeStatus, NodeType, ProposalState } from "../../src/contractEnums";

describe("Flow 3.3: admitting a credit access user", function () {
  /** Steps (1)–(3): the bank applies for itself. */
  async function bankAskedSubject() {
    const f = await deploySuite();
    const request = await requestAdmission(f.classification.connect(f.bank), f.bank.address, NodeType.CreditAccessUser);
    if (request.status !== "vote-opened") throw new Error("expected a vote to open for an unknown bank");
    return { ...f, proposalId: request.proposalId };
  }

  it("admits the bank once a quorum of voters approves", async function () {
    const f = await loadFixture(bankAskedSubject);
    expect(await isMemberAs(f.classification, f.bank.address, NodeType.CreditAccessUser)).to.equal(false);

    const afterFirst = await castVote(f.consensus.connect(f.voters[0]), f.proposalId, true);
    expect([afterFirst.state, afterFirst.approvals, afterFirst.quorum]).to.deep.equal([ProposalState.Active, 1, 2]);
    const afterSecond = await castVote(f.consensus.connect(f.voters[2]), f.proposalId, true);
    expect(afterSecond.state).to.equal(ProposalState.Executed);

    expect(await isMemberAs(f.classification, f.bank.address, NodeType.CreditAccessUser)).to.equal(true);
    // The history record shows the whole story.
    const [trail] = await f.history.auditTrail(f.bank.address, 0, 10);
    expect(trail.map((e) => Number(e.action))).to.deep.equal([
      AuditAction.AdmissionRequested,
      AuditAction.NodeAdmitted,
    ]);

    // Asking again for the same type is the paper's "operation complete": no new vote.
    const again = await requestAdmission(f.classification.connect(f.bank), f.bank.address, NodeType.CreditAccessUser);
    expect(again).to.deep.equal({ status: "already-member" });
  });

  it("leaves no membership behind when the vote fails", async function () {
    const f = await loadFixture(bankAskedSubject);
    await castVote(f.consensus.connect(f.voters[0]), f.proposalId, true);
    await castVote(f.consensus.connect(f.voters[1]), f.proposalId, false);
    const view = await castVote(f.consensus.connect(f.voters[2]), f.proposalId, false);
    expect(view.state).to.equal(ProposalState.Defeated);
    const node = await f.classification.nodeOf(f.bank.address);
    expect([node.status, node.nodeType]).to.deep.equal([BigInt(NodeStatus.Unknown), BigInt(NodeType.None)]);
  });

  it("leaves no membership behind when the vote expires, and a new request can be made", async function () {
    const f = await loadFixture(bankAskedSubject);
    await castVote(f.consensus.connect(f.voters[0]), f.proposalId, true);
    await time.increase((await f.consensus.votingPeriod()) + 1n);
    expect(await f.consensus.state(f.proposalId)).to.equal(ProposalState.Expired);
    expect(await f.classification.isActive(f.bank.address)).to.equal(false);

    const retry = await requestAdmission(f.classification.connect(f.bank), f.bank.address, NodeType.CreditAccessUser);
    expect(retry).to.deep.equal({ status: "vote-opened", proposalId: f.proposalId + 1n });
  });
});
