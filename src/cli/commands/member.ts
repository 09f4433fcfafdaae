/**
 * `blindcredit member`: asking the consortium to admit a node (paper flow 3.3), and where an
 * address stands. The contract lets only the newcomer itself or a voter ask (so that nobody can
 * occupy another address's one open proposal): a bank runs `apply` for its own address, a voter
 * for anyone.
 * @module
 */
import type { Command } from "commander";
import { NodeStatus, NodeType, ProposalKind, ProposalState } from "../../contractEnums";
import { nodeTypeName, parseAddress, parseMemberKind, type MemberKind } from "../args";
import { requestAdmission } from "../../clients/consortium";
import { action, connectReader, connectSigner, subjectAddress } from "../context";
import { argParser } from "../errors";
import { isoTime } from "../output";
import { propose } from "../shared";

export function register(program: Command): void {
  const member = program.command("member").description("join the consortium, and see where an address stands");

  member
    .command("apply")
    .description(
      "ask the consortium to admit <account> as --type (run by <account> itself, or by a voter); an unknown " +
        "address goes to a vote",
    )
    .argument("<account>", "the newcomer's address", argParser(parseAddress))
    .requiredOption(
      "--type <type>",
      "what it asks to be: bank, provider, bureau, subject, or voter (a voting node)",
      argParser(parseMemberKind),
    )
    .action(
      action(async (inv, account: string, opts: { type: MemberKind }) => {
        const { out } = inv;
        const { suite } = await connectSigner(inv);
        const type = opts.type === "voter" ? "voter" : nodeTypeName(opts.type);
        let result: { account: string; type: string; status: "vote-opened" | "already-member"; proposalId?: bigint };
        if (opts.type === "voter") {
          // Voters are added by the consensus contract's own vote, which only a voter may open.
          const proposalId = await propose(inv, suite, "proposeVoterAddition", account);
          result = { account, type, status: "vote-opened", proposalId };
        } else {
          out.progress(`requestAdmission: asking the consortium to admit ${account} as ${type}`);
          const request = await requestAdmission(suite.classification, account, opts.type);
          result = { account, type, ...request };
        }
        out.result(result, (r) =>
          r.status === "already-member"
            ? `${r.account} is already an active ${r.type}: nothing to do`
            : `vote opened: proposal ${r.proposalId} to admit ${r.account} as ${r.type}; voters: blindcredit voter vote ${r.proposalId} --yes`,
        );
      }),
    );

  member
    .command("status")
    .description("where an address stands: node type, status, voter or not, its latest proposal")
    .argument("[address]", "the address (default: the signer's)", argParser(parseAddress))
    .action(
      action(async (inv, given: string | undefined) => {
        const conn = await connectReader(inv);
        const { classification, consensus } = conn.suite;
        const address = subjectAddress(conn, given, "an address");
        const [node, isVoter, latest] = await Promise.all([
          classification.nodeOf(address),
          consensus.isVoter(address),
          consensus.latestProposalFor(address),
        ]);
        let proposal: Record<string, unknown> | null = null;
        if (latest !== 0n) {
          const [p, state] = await Promise.all([consensus.proposal(latest), consensus.state(latest)]);
          proposal = {
            id: latest,
            kind: ProposalKind[Number(p.kind)],
            state: ProposalState[Number(state)],
            approvals: Number(p.approvals),
            rejections: Number(p.rejections),
            quorum: Number(p.quorum),
            deadline: isoTime(p.deadline),
          };
        }
        const data = {
          address,
          type: nodeTypeName(Number(node.nodeType)),
          nodeType: NodeType[Number(node.nodeType)],
          status: NodeStatus[Number(node.status)],
          updatedAt: node.updatedAt === 0n ? null : isoTime(node.updatedAt),
          voter: isVoter,
          latestProposal: proposal,
        };
        inv.out.result(data, (d) => [
          `${d.address}: ${d.status === "Unknown" ? "not a member" : `${d.status} ${d.type}`}${d.voter ? ", voting node" : ""}`,
          ...(d.latestProposal
            ? [
                `latest proposal ${d.latestProposal.id}: ${d.latestProposal.kind}, ${d.latestProposal.state}, ` +
                  `${d.latestProposal.approvals}/${d.latestProposal.quorum} approvals, deadline ${d.latestProposal.deadline}`,
              ]
            : []),
        ]);
      }),
    );
}
