/**
 * `blindcredit voter`: the consortium's voting nodes list open proposals, vote, and propose
 * adding or removing voters and removing nodes (paper section 3.2 (1)).
 * @module
 */
import type { Command } from "commander";
import { castVote } from "../../clients/consortium";
import { ProposalKind, ProposalState } from "../../contractEnums";
import { nodeTypeName, parseAddress, parseId, parseInteger, parseMemberKind, type MemberKind } from "../args";
import { action, connectReader, connectSigner } from "../context";
import { argParser, usageError } from "../errors";
import { isoTime, table } from "../output";
import { chainTime, propose, type ProposeFunction } from "../shared";

/** What `voter propose` can open, and the contract function that opens it. */
const PROPOSALS = {
  "add-voter": "proposeVoterAddition",
  "remove-voter": "proposeVoterRemoval",
  "remove-node": "proposeRemoval",
  "admit-node": "proposeAdmission",
} as const satisfies Record<string, ProposeFunction>;
type ProposalName = keyof typeof PROPOSALS;

/** A proposal as `voter list` shows it. */
interface ProposalRow {
  readonly id: bigint;
  readonly kind: string;
  readonly account: string;
  readonly nodeType: string | null;
  readonly state: string;
  readonly approvals: number;
  readonly rejections: number;
  readonly quorum: number;
  readonly eligibleVoters: number;
  readonly deadline: string;
  /** Whether the signer has voted on it (null without a signer). */
  readonly voted: boolean | null;
}

export function register(program: Command): void {
  const voter = program.command("voter").description("voting nodes: list proposals, vote, propose");

  voter
    .command("list")
    .description("open proposals (newest first) with their state, votes and quorum")
    .option("--all", "include decided and expired proposals")
    .option(
      "--limit <n>",
      "at most this many proposals",
      argParser((v) => parseInteger(v, 1, 10_000)),
      50,
    )
    .action(
      action(async (inv, opts: { all?: boolean; limit: number }) => {
        const conn = await connectReader(inv);
        const { consensus } = conn.suite;
        const [count, now] = await Promise.all([consensus.proposalCount(), chainTime(conn.provider)]);
        const rows: ProposalRow[] = [];
        // Newest first. The voting period is immutable, so deadlines grow with the id: once one has
        // passed, every older proposal is closed too, and the scan can stop.
        for (let id = count; id >= 1n && rows.length < opts.limit; id--) {
          const [p, state] = await Promise.all([consensus.proposal(id), consensus.state(id)]);
          const active = Number(state) === ProposalState.Active;
          if (!opts.all && !active) {
            if (p.deadline < now) break;
            continue;
          }
          rows.push({
            id,
            kind: ProposalKind[Number(p.kind)],
            account: p.account,
            nodeType: Number(p.kind) === ProposalKind.AdmitNode ? nodeTypeName(Number(p.nodeType)) : null,
            state: ProposalState[Number(state)],
            approvals: Number(p.approvals),
            rejections: Number(p.rejections),
            quorum: Number(p.quorum),
            eligibleVoters: Number(p.eligibleVoters),
            deadline: isoTime(p.deadline),
            voted: conn.address ? await consensus.hasVoted(id, conn.address) : null,
          });
        }
        inv.out.result({ proposals: rows, proposalCount: count }, (d) =>
          d.proposals.length === 0
            ? `no ${opts.all ? "" : "open "}proposals (${d.proposalCount} ever opened)`
            : table(
                ["id", "kind", "account", "state", "votes", "deadline", "voted"],
                d.proposals.map((p) => [
                  String(p.id),
                  p.nodeType ? `${p.kind} (${p.nodeType})` : p.kind,
                  p.account,
                  p.state,
                  `${p.approvals} yes ${p.rejections} no / quorum ${p.quorum} of ${p.eligibleVoters}`,
                  p.deadline,
                  p.voted === null ? "" : p.voted ? "yes" : "no",
                ]),
              ),
        );
      }),
    );

  voter
    .command("vote")
    .description("vote on a proposal; the approval that reaches the quorum carries it out")
    .argument("<proposalId>", "the proposal's id (see voter list)", argParser(parseId))
    .option("--yes", "approve")
    .option("--no", "refuse")
    .action(
      action(async (inv, proposalId: bigint, opts: { yes?: boolean; no?: boolean }) => {
        if (Boolean(opts.yes) === Boolean(opts.no)) throw usageError("expected exactly one of --yes and --no");
        const support = Boolean(opts.yes);
        const { suite } = await connectSigner(inv);
        inv.out.progress(`vote: ${support ? "approving" : "refusing"} proposal ${proposalId}`);
        const view = await castVote(suite.consensus, proposalId, support);
        const data = {
          proposalId,
          support,
          state: ProposalState[view.state],
          account: view.account,
          approvals: view.approvals,
          rejections: view.rejections,
          quorum: view.quorum,
          deadline: isoTime(view.deadline),
        };
        inv.out.result(
          data,
          (d) =>
            `voted ${d.support ? "yes" : "no"} on proposal ${d.proposalId}: ${d.state}, ` +
            `${d.approvals} yes ${d.rejections} no, quorum ${d.quorum}`,
        );
      }),
    );

  voter
    .command("propose")
    .description("open a vote: add-voter, remove-voter, remove-node, or admit-node --type <type>")
    .argument("<kind>", `one of ${Object.keys(PROPOSALS).join(", ")}`, argParser(parseProposalName))
    .argument("<address>", "whom the proposal is about", argParser(parseAddress))
    .option("--type <type>", "admit-node only: bank, provider, bureau or subject", argParser(parseMemberKind))
    .action(
      action(async (inv, kind: ProposalName, account: string, opts: { type?: MemberKind }) => {
        if ((kind === "admit-node") !== (opts.type !== undefined)) {
          throw usageError(
            kind === "admit-node" ? "admit-node: expected --type <type>" : `${kind}: --type applies to admit-node only`,
          );
        }
        if (opts.type === "voter") throw usageError("admit-node --type voter: use `voter propose add-voter <address>`");
        const { suite } = await connectSigner(inv);
        const proposalId = await propose(inv, suite, PROPOSALS[kind], account, opts.type);
        inv.out.result(
          { proposalId, kind, account, type: opts.type === undefined ? null : nodeTypeName(opts.type) },
          (d) =>
            `vote opened: proposal ${d.proposalId} (${d.kind} ${d.account}); vote with: blindcredit voter vote ${d.proposalId} --yes`,
        );
      }),
    );
}

function parseProposalName(value: string): ProposalName {
  if (value in PROPOSALS) return value as ProposalName;
  throw new Error(`expected one of ${Object.keys(PROPOSALS).join(", ")}, got "${value}"`);
}
