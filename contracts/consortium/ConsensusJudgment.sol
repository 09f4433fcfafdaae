// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IConsensusJudgment} from "../interfaces/IConsensusJudgment.sol";
import {INodeClassification} from "../interfaces/INodeClassification.sol";

/// @title Consensus judgment (paper section 3.2 (1)).
/// @notice Quorum votes of the consortium's voting nodes on admitting and removing nodes and voters,
/// and on the roles of the suite's AccessControl contracts, whose only admin it is after deployment.
contract ConsensusJudgment is IConsensusJudgment {
    /// @notice The most open proposals a voter may hold at once.
    uint256 public constant MAX_OPEN_PROPOSALS = 4;

    INodeClassification private immutable _classification;
    /// @notice The quorum as a fraction of the voter set, rounded up: numerator / denominator.
    uint256 public immutable quorumNumerator;
    uint256 public immutable quorumDenominator;
    /// @notice How long a proposal stays open, in seconds.
    uint64 public immutable votingPeriod;

    uint256 private _proposalCount;
    uint256 private _voterCount;
    /// @dev The proposal count when the voter joined, plus one; zero for a non-voter. A voter may
    /// vote only on proposals opened after it joined, i.e. with an id at least this value.
    mapping(address account => uint256 firstEligibleId) private _voterSince;
    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => mapping(address voter => bool)) private _hasVoted;
    mapping(address account => uint256 proposalId) private _latestProposal;
    /// @dev The latest application of an account through node classification.
    mapping(address account => uint256 proposalId) private _latestApplication;
    /// @dev A voter's latest proposals, one slot: a place is free when empty or its proposal has closed.
    mapping(address proposer => uint64[MAX_OPEN_PROPOSALS] proposalIds) private _openProposals;
    mapping(uint256 proposalId => RoleChange) private _roleChanges;

    /// @param classification_ The node classification contract that carries out admissions and removals.
    /// @param voters The genesis voting nodes.
    /// @param quorumNumerator_ Numerator of the quorum fraction (2 for two thirds).
    /// @param quorumDenominator_ Denominator of the quorum fraction (3 for two thirds).
    /// @param votingPeriod_ Seconds a proposal stays open.
    constructor(
        INodeClassification classification_,
        address[] memory voters,
        uint256 quorumNumerator_,
        uint256 quorumDenominator_,
        uint64 votingPeriod_
    ) {
        if (
            quorumNumerator_ == 0 ||
            quorumDenominator_ == 0 ||
            quorumNumerator_ > quorumDenominator_ ||
            votingPeriod_ == 0 ||
            voters.length == 0
        ) {
            revert ConsensusInvalidParameters(quorumNumerator_, quorumDenominator_, votingPeriod_);
        }
        if (quorumNumerator_ * 2 <= quorumDenominator_)
            revert ConsensusQuorumTooLow(quorumNumerator_, quorumDenominator_);
        if (address(classification_) == address(0)) revert ConsensusZeroAddress();
        _classification = classification_;
        quorumNumerator = quorumNumerator_;
        quorumDenominator = quorumDenominator_;
        votingPeriod = votingPeriod_;
        for (uint256 i = 0; i < voters.length; ++i) {
            if (voters[i] == address(0)) revert ConsensusZeroAddress();
            if (_voterSince[voters[i]] != 0) revert ConsensusAlreadyVoter(voters[i]);
            _addVoter(voters[i]);
        }
    }

    /// @inheritdoc IConsensusJudgment
    function proposeAdmission(address account, uint8 nodeType) external returns (uint256) {
        if (msg.sender != address(_classification)) _checkVoter(msg.sender);
        if (nodeType == 0 || nodeType > uint8(type(NodeType).max)) revert ConsensusUnknownNodeType(nodeType);
        if (_classification.isActive(account)) revert ConsensusNodeAlreadyActive(account);
        return _propose(ProposalKind.AdmitNode, account, NodeType(nodeType));
    }

    /// @inheritdoc IConsensusJudgment
    function proposeRemoval(address account) external returns (uint256) {
        _checkVoter(msg.sender);
        if (!_classification.isActive(account)) revert ConsensusNodeNotActive(account);
        return _propose(ProposalKind.RemoveNode, account, NodeType.None);
    }

    /// @inheritdoc IConsensusJudgment
    function proposeVoterAddition(address account) external returns (uint256) {
        _checkVoter(msg.sender);
        if (_voterSince[account] != 0) revert ConsensusAlreadyVoter(account);
        return _propose(ProposalKind.AddVoter, account, NodeType.None);
    }

    /// @inheritdoc IConsensusJudgment
    function proposeVoterRemoval(address account) external returns (uint256) {
        _checkVoter(msg.sender);
        if (_voterSince[account] == 0) revert ConsensusNotVoter(account);
        if (_voterCount == 1) revert ConsensusLastVoter(account);
        return _propose(ProposalKind.RemoveVoter, account, NodeType.None);
    }

    /// @inheritdoc IConsensusJudgment
    function proposeRoleChange(address target, bytes32 role, address account, bool grant) external returns (uint256) {
        _checkVoter(msg.sender);
        if (target == address(0)) revert ConsensusZeroAddress();
        if (!grant && account == address(this)) revert ConsensusSelfRevocation(target, role);
        uint256 proposalId = _propose(grant ? ProposalKind.GrantRole : ProposalKind.RevokeRole, account, NodeType.None);
        _roleChanges[proposalId] = RoleChange({target: target, role: role});
        return proposalId;
    }

    /// @inheritdoc IConsensusJudgment
    function vote(uint256 proposalId, bool support) external {
        _checkVoter(msg.sender);
        _checkState(proposalId, ProposalState.Active);
        if (_voterSince[msg.sender] > proposalId) revert ConsensusVoterNotEligible(proposalId, msg.sender);
        if (_hasVoted[proposalId][msg.sender]) revert ConsensusAlreadyVoted(proposalId, msg.sender);

        _hasVoted[proposalId][msg.sender] = true;
        Proposal storage p = _proposals[proposalId];
        if (support) ++p.approvals;
        else ++p.rejections;
        emit VoteCast(proposalId, msg.sender, support);

        if (support && p.approvals == p.quorum) _execute(proposalId, p);
    }

    /// @inheritdoc IConsensusJudgment
    function state(uint256 proposalId) public view returns (ProposalState) {
        Proposal storage p = _proposals[proposalId];
        if (p.deadline == 0) return ProposalState.Nonexistent;
        if (p.executed) return ProposalState.Executed;
        if (p.rejections > p.eligibleVoters - p.quorum) return ProposalState.Defeated;
        if (block.timestamp > p.deadline) return ProposalState.Expired;
        return ProposalState.Active;
    }

    /// @inheritdoc IConsensusJudgment
    function proposal(uint256 proposalId) external view returns (Proposal memory) {
        return _proposals[proposalId];
    }

    /// @inheritdoc IConsensusJudgment
    function roleChangeOf(uint256 proposalId) external view returns (RoleChange memory) {
        return _roleChanges[proposalId];
    }

    /// @inheritdoc IConsensusJudgment
    function latestProposalFor(address account) external view returns (uint256) {
        return _latestProposal[account];
    }

    /// @inheritdoc IConsensusJudgment
    function openProposalsOf(address proposer) external view returns (uint256[] memory ids) {
        uint64[MAX_OPEN_PROPOSALS] storage places = _openProposals[proposer];
        uint256 count = 0;
        for (uint256 i = 0; i < MAX_OPEN_PROPOSALS; ++i) {
            if (state(places[i]) == ProposalState.Active) ++count;
        }
        ids = new uint256[](count);
        count = 0;
        for (uint256 i = 0; i < MAX_OPEN_PROPOSALS; ++i) {
            if (state(places[i]) == ProposalState.Active) ids[count++] = places[i];
        }
    }

    /// @inheritdoc IConsensusJudgment
    function hasVoted(uint256 proposalId, address voter) external view returns (bool) {
        return _hasVoted[proposalId][voter];
    }

    /// @inheritdoc IConsensusJudgment
    function isVoter(address account) external view returns (bool) {
        return _voterSince[account] != 0;
    }

    /// @inheritdoc IConsensusJudgment
    function voterCount() external view returns (uint256) {
        return _voterCount;
    }

    /// @inheritdoc IConsensusJudgment
    function quorumFor(uint256 voters) public view returns (uint256) {
        return (voters * quorumNumerator + quorumDenominator - 1) / quorumDenominator;
    }

    /// @inheritdoc IConsensusJudgment
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @notice The node classification contract this consensus governs.
    function classification() external view returns (INodeClassification) {
        return _classification;
    }

    /// @dev Opens a proposal, counted against its proposer: an application against the applicant's one open
    /// application, a voter's proposal against the voter's {MAX_OPEN_PROPOSALS}. Nothing else
    /// about `account` stands in its way.
    function _propose(ProposalKind kind, address account, NodeType nodeType) private returns (uint256 proposalId) {
        if (account == address(0)) revert ConsensusZeroAddress();
        bool application = msg.sender == address(_classification);
        if (application) _checkApplicant(account);
        else _takePlace(msg.sender, _proposalCount + 1);

        proposalId = ++_proposalCount;
        uint64 deadline = uint64(block.timestamp) + votingPeriod;
        uint32 quorum = uint32(quorumFor(_voterCount));
        _proposals[proposalId] = Proposal({
            account: account,
            kind: kind,
            nodeType: nodeType,
            executed: false,
            deadline: deadline,
            quorum: quorum,
            eligibleVoters: uint32(_voterCount),
            approvals: 0,
            rejections: 0
        });
        _latestProposal[account] = proposalId;
        if (application) _latestApplication[account] = proposalId;
        emit ProposalCreated(proposalId, kind, account, nodeType, msg.sender, quorum, deadline);
    }

    /// @dev Carries out a proposal that just reached its quorum. Checks that may have gone stale
    /// since it opened (a concurrent removal of another voter, say) are made again here.
    function _execute(uint256 proposalId, Proposal storage p) private {
        p.executed = true;
        emit ProposalExecuted(proposalId);
        if (p.kind == ProposalKind.AdmitNode) {
            _classification.admit(p.account, p.nodeType, proposalId);
        } else if (p.kind == ProposalKind.RemoveNode) {
            _classification.remove(p.account, proposalId);
        } else if (p.kind == ProposalKind.AddVoter) {
            if (_voterSince[p.account] != 0) revert ConsensusAlreadyVoter(p.account);
            _addVoter(p.account);
        } else if (p.kind == ProposalKind.RemoveVoter) {
            if (_voterSince[p.account] == 0) revert ConsensusNotVoter(p.account);
            if (_voterCount == 1) revert ConsensusLastVoter(p.account);
            delete _voterSince[p.account];
            --_voterCount;
            emit VoterRemoved(p.account);
        } else {
            RoleChange storage change = _roleChanges[proposalId];
            if (p.kind == ProposalKind.GrantRole) IAccessControl(change.target).grantRole(change.role, p.account);
            else IAccessControl(change.target).revokeRole(change.role, p.account);
        }
    }

    function _addVoter(address account) private {
        _voterSince[account] = _proposalCount + 1;
        ++_voterCount;
        emit VoterAdded(account);
    }

    /// @dev An applicant has one open application at a time; once it closed, however, it may apply again.
    function _checkApplicant(address account) private view {
        uint256 latest = _latestApplication[account];
        if (state(latest) == ProposalState.Active) revert ConsensusProposalPending(account, latest);
    }

    /// @dev Gives `proposalId` the first of the voter's places that is empty or whose proposal closed; reverts when
    /// all {MAX_OPEN_PROPOSALS} hold open proposals.
    function _takePlace(address proposer, uint256 proposalId) private {
        uint64[MAX_OPEN_PROPOSALS] storage places = _openProposals[proposer];
        for (uint256 i = 0; i < MAX_OPEN_PROPOSALS; ++i) {
            if (state(places[i]) != ProposalState.Active) {
                places[i] = uint64(proposalId);
                return;
            }
        }
        revert ConsensusTooManyOpenProposals(proposer, MAX_OPEN_PROPOSALS);
    }

    function _checkVoter(address account) private view {
        if (_voterSince[account] == 0) revert ConsensusUnauthorizedVoter(account);
    }

    /// @dev The one lifecycle guard: reverts unless `proposalId` is in `expected` state.
    function _checkState(uint256 proposalId, ProposalState expected) private view {
        ProposalState current = state(proposalId);
        if (current == ProposalState.Nonexistent) revert ConsensusNonexistentProposal(proposalId);
        if (current != expected) revert ConsensusUnexpectedProposalState(proposalId, current, expected);
    }
}
