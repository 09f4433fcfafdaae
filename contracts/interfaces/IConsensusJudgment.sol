// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeTypes} from "./INodeTypes.sol";

/// @title Consensus judgment (paper section 3.2 (1)).
/// @notice Voting nodes admit and remove nodes, and add and remove voters, by quorum. A
/// proposal passes, and is carried out at once, when a quorum of distinct voters approves it
/// before its deadline. The quorum and the number of eligible voters are fixed when the
/// proposal opens, and only voters that were voters then may vote on it, so changing the
/// voter set mid-vote cannot move it.
///
/// The agenda (issue 20): proposals are kept by id, and any number may be open about the same
/// address at once, so no proposal stands in another's way: a proposal that can never pass blocks
/// nothing, and no defeat locks anything out (there is no cool-down: a minority able to defeat a
/// proposal could otherwise trigger one). What bounds the agenda is its proposers: a voter may
/// hold at most {MAX_OPEN_PROPOSALS} open proposals, and an address asking through node
/// classification one open application. Spam costs its sender: each application is a transaction
/// it pays, which no voter has to answer (an application nobody votes on expires, a quorum may
/// defeat it at once), and the voters' own proposals stay listed apart by {openProposalsOf}. A proposal that another already carried out
/// (the node admitted, the voter added or removed) reverts at its last approval and expires.
interface IConsensusJudgment is INodeTypes {
    /// @notice What a proposal would do.
    enum ProposalKind {
        AdmitNode, // make `account` an active node of `nodeType`
        RemoveNode, // remove the active node `account`
        AddVoter, // make `account` a voting node
        RemoveVoter, // remove the voting node `account`
        GrantRole, // grant `account` a role on an AccessControl contract of the suite ({roleChangeOf})
        RevokeRole // revoke a role of `account` on an AccessControl contract of the suite ({roleChangeOf})
    }

    /// @notice The lifecycle of a proposal, derived from its stored data by {state}.
    enum ProposalState {
        Nonexistent, // no such proposal
        Active, // open for votes
        Defeated, // enough voters refused that the quorum can no longer be reached
        Expired, // the deadline passed before the quorum was reached
        Executed // the quorum was reached and the proposal carried out
    }

    /// @notice A proposal as stored (one slot for the counts, one for the account).
    struct Proposal {
        address account; // whom the proposal is about
        ProposalKind kind; // what it would do
        NodeType nodeType; // for AdmitNode: the type to admit as
        bool executed; // carried out
        uint64 deadline; // last block time at which a vote counts
        uint32 quorum; // approvals needed, fixed at opening
        uint32 eligibleVoters; // voters at opening: the only ones who may vote
        uint32 approvals; // distinct voters in favour
        uint32 rejections; // distinct voters against
    }

    /// @notice A role change a GrantRole or RevokeRole proposal would carry out.
    struct RoleChange {
        address target; // the AccessControl contract whose role changes
        bytes32 role; // the role granted to or revoked from the proposal's account
    }

    /// @notice Thrown when `caller` is not a voting node.
    error ConsensusUnauthorizedVoter(address caller);

    /// @notice Thrown when `caller` may not open proposals (neither a voter nor the classification contract).
    error ConsensusUnauthorizedProposer(address caller);

    /// @notice Thrown when `voter` became a voter after proposal `proposalId` opened.
    error ConsensusVoterNotEligible(uint256 proposalId, address voter);

    /// @notice Thrown when `voter` has already voted on `proposalId`.
    error ConsensusAlreadyVoted(uint256 proposalId, address voter);

    /// @notice Thrown when no proposal has id `proposalId`.
    error ConsensusNonexistentProposal(uint256 proposalId);

    /// @notice Thrown when proposal `proposalId` is in `current` state and only `expected` would do.
    error ConsensusUnexpectedProposalState(uint256 proposalId, ProposalState current, ProposalState expected);

    /// @notice Thrown when a proposal names the zero address.
    error ConsensusZeroAddress();

    /// @notice Thrown when `account` applies for admission through node classification while its
    /// application `proposalId` is still open.
    error ConsensusProposalPending(address account, uint256 proposalId);

    /// @notice Thrown when `proposer` opens a proposal while it already holds `limit` open ones.
    error ConsensusTooManyOpenProposals(address proposer, uint256 limit);

    /// @notice Thrown when a proposal would revoke `role` on `target` from the consensus contract itself:
    /// the consortium would lose the power to change that role (and, for the admin role, every role) for good.
    error ConsensusSelfRevocation(address target, bytes32 role);

    /// @notice Thrown when proposing to admit `account`, which is already an active node.
    error ConsensusNodeAlreadyActive(address account);

    /// @notice Thrown when proposing to remove `account`, which is not an active node.
    error ConsensusNodeNotActive(address account);

    /// @notice Thrown when proposing to add `account`, which is already a voter.
    error ConsensusAlreadyVoter(address account);

    /// @notice Thrown when proposing to remove `account`, which is not a voter.
    error ConsensusNotVoter(address account);

    /// @notice Thrown when removing a voter would leave no voter.
    error ConsensusLastVoter(address account);

    /// @notice Thrown when the quorum fraction is not in (0, 1] or the voting period is zero.
    error ConsensusInvalidParameters(uint256 quorumNumerator, uint256 quorumDenominator, uint256 votingPeriod);

    /// @notice Thrown when the quorum fraction is one half or less: two disjoint minorities could
    /// then each pass a proposal, and one voter of three could admit anyone.
    error ConsensusQuorumTooLow(uint256 quorumNumerator, uint256 quorumDenominator);

    /// @notice Thrown when the node type is `None` for an admission.
    error ConsensusUnknownNodeType(uint8 value);

    /// @notice Emitted when `proposer` opens `proposalId`.
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalKind kind,
        address indexed account,
        NodeType nodeType,
        address indexed proposer,
        uint32 quorum,
        uint64 deadline
    );

    /// @notice Emitted when `voter` votes on `proposalId`.
    event VoteCast(uint256 indexed proposalId, address indexed voter, bool support);

    /// @notice Emitted when `proposalId` reaches its quorum and is carried out.
    event ProposalExecuted(uint256 indexed proposalId);

    /// @notice Emitted when `account` becomes a voting node.
    event VoterAdded(address indexed account);

    /// @notice Emitted when `account` stops being a voting node.
    event VoterRemoved(address indexed account);

    /// @notice Opens a vote on making `account` an active node of type `nodeType`.
    ///
    /// Requirements:
    /// - the caller is a voter holding fewer than {MAX_OPEN_PROPOSALS} open proposals, or the node
    ///   classification contract (paper flow 3.3 step (3)), which opens an application: then
    ///   `account` has no open application;
    /// - `account` is not zero and not an active node; `nodeType` is known and not `None`.
    ///
    /// Emits a {ProposalCreated} event.
    function proposeAdmission(address account, uint8 nodeType) external returns (uint256 proposalId);

    /// @notice Opens a vote on removing the active node `account`.
    ///
    /// Requirements: the caller is a voter holding fewer than {MAX_OPEN_PROPOSALS} open proposals;
    /// `account` is an active node.
    ///
    /// Emits a {ProposalCreated} event.
    function proposeRemoval(address account) external returns (uint256 proposalId);

    /// @notice Opens a vote on making `account` a voter.
    ///
    /// Requirements: the caller is a voter holding fewer than {MAX_OPEN_PROPOSALS} open proposals;
    /// `account` is not zero and not a voter (checked again at execution).
    ///
    /// Emits a {ProposalCreated} event.
    function proposeVoterAddition(address account) external returns (uint256 proposalId);

    /// @notice Opens a vote on removing the voter `account`.
    ///
    /// Requirements: the caller is a voter holding fewer than {MAX_OPEN_PROPOSALS} open proposals;
    /// `account` is a voter and not the last one (both checked again at execution).
    ///
    /// Emits a {ProposalCreated} event.
    function proposeVoterRemoval(address account) external returns (uint256 proposalId);

    /// @notice Opens a vote on granting (`grant`) or revoking `role` of `account` on the
    /// AccessControl contract `target`. After deployment the consensus contract is the only admin
    /// of the suite's AccessControl contracts, so this is the only way their roles change.
    ///
    /// Requirements: the caller is a voter holding fewer than {MAX_OPEN_PROPOSALS} open proposals;
    /// `target` and `account` are not zero; a revocation is not from the consensus contract itself
    /// ({ConsensusSelfRevocation}).
    ///
    /// Emits a {ProposalCreated} event.
    function proposeRoleChange(
        address target,
        bytes32 role,
        address account,
        bool grant
    ) external returns (uint256 proposalId);

    /// @notice Votes on `proposalId`. The approval that reaches the quorum carries the proposal out.
    ///
    /// Requirements:
    /// - the caller is a voter, and was one when the proposal opened;
    /// - the proposal is {ProposalState.Active};
    /// - the caller has not voted on it.
    ///
    /// Emits a {VoteCast} event; may emit {ProposalExecuted} and the events of its effect.
    function vote(uint256 proposalId, bool support) external;

    /// @notice The role change of the GrantRole or RevokeRole proposal `proposalId` (all zero otherwise).
    function roleChangeOf(uint256 proposalId) external view returns (RoleChange memory);

    /// @notice The state of `proposalId`.
    function state(uint256 proposalId) external view returns (ProposalState);

    /// @notice The stored data of `proposalId` (all zero when it does not exist).
    function proposal(uint256 proposalId) external view returns (Proposal memory);

    /// @notice The most recent proposal about `account`, zero when there is none. Others about it may be open too.
    function latestProposalFor(address account) external view returns (uint256);

    /// @notice The ids of the open ({ProposalState.Active}) proposals `proposer` opened as a voter, in no particular
    /// order (at most {MAX_OPEN_PROPOSALS}): what voters read to find each other's proposals among applications,
    /// which are not listed.
    function openProposalsOf(address proposer) external view returns (uint256[] memory);

    /// @notice Whether `voter` has voted on `proposalId`.
    function hasVoted(uint256 proposalId, address voter) external view returns (bool);

    /// @notice Whether `account` is a voting node.
    function isVoter(address account) external view returns (bool);

    /// @notice The number of voting nodes.
    function voterCount() external view returns (uint256);

    /// @notice Approvals needed out of `voters` voters: the quorum fraction of them, rounded up.
    function quorumFor(uint256 voters) external view returns (uint256);

    /// @notice The number of proposals ever opened (ids run from 1 to this).
    function proposalCount() external view returns (uint256);
}
