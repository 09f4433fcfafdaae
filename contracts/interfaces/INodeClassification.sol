// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeTypes} from "./INodeTypes.sol";

/// @title Node classification (paper section 3.2 (2) and flow 3.3).
/// @notice Address → node type and status. An unknown address is sent to the consensus
/// judgment contract; it becomes a member only through a passed vote, at genesis, or — for
/// credit subjects only — by registering itself.
interface INodeClassification is INodeTypes {
    /// @notice A node's classification.
    struct Node {
        NodeType nodeType; // what the node is
        NodeStatus status; // where it stands
        uint64 updatedAt; // block time of the last status change
    }

    /// @notice Thrown when an account is the zero address.
    error NodeClassificationZeroAddress();

    /// @notice Thrown when a node type value is not one of the known types (or is `None`).
    error NodeClassificationUnknownType(uint8 value);

    /// @notice Thrown when `caller` asks to admit `account` but is neither `account` itself nor a voting node.
    error NodeClassificationUnauthorizedRequester(address caller, address account);

    /// @notice Thrown when `caller` is not the consensus judgment contract.
    error NodeClassificationOnlyConsensus(address caller);

    /// @notice Thrown when `account` is already a node of type `current` and `requested` differs.
    error NodeClassificationTypeConflict(address account, NodeType current, NodeType requested);

    /// @notice Thrown when `account` is already an active node.
    error NodeClassificationAlreadyActive(address account);

    /// @notice Thrown when `account` is not an active node.
    error NodeClassificationNotActive(address account);

    /// @notice Thrown when a removed `account` tries to register itself again.
    error NodeClassificationRemovedNode(address account);

    /// @notice Thrown when the genesis arrays differ in length.
    error NodeClassificationGenesisLengthMismatch(uint256 accounts, uint256 types);

    /// @notice Thrown when the consensus contract has already been set.
    error NodeClassificationConsensusAlreadySet(address consensus);

    /// @notice Thrown when admission is requested before the consensus contract is wired in.
    error NodeClassificationConsensusNotSet();

    /// @notice Thrown when `caller`, not the deployer, tries to wire the consensus contract.
    error NodeClassificationOnlyDeployer(address caller);

    /// @notice Emitted when `account` becomes an active node of `nodeType`; `proposalId` is zero
    /// at genesis and for self-registered subjects.
    event NodeAdmitted(address indexed account, NodeType nodeType, uint256 indexed proposalId);

    /// @notice Emitted when `account` is removed by the passed proposal `proposalId`.
    event NodeRemoved(address indexed account, uint256 indexed proposalId);

    /// @notice Emitted when `requester` asks the consortium to admit `account`, opening `proposalId`.
    event AdmissionRequested(
        address indexed account,
        NodeType nodeType,
        address indexed requester,
        uint256 indexed proposalId
    );

    /// @notice Emitted once, when the consensus judgment contract is wired in.
    event ConsensusSet(address indexed consensus);

    /// @notice Sets the consensus judgment contract, once.
    ///
    /// Requirements:
    /// - the caller deployed this contract;
    /// - `consensus` is not zero, and no consensus contract was set before.
    ///
    /// Emits a {ConsensusSet} event.
    function setConsensus(address consensus) external;

    /// @notice Paper flow 3.3 step (2)–(3): asks that `account` be a node of type `nodeType`.
    /// If `account` is already an active node of that type, nothing happens (the paper's
    /// "operation complete") and the returned id is zero. Otherwise a vote is opened in the
    /// consensus judgment contract and its id is returned.
    ///
    /// Only those with a reason to ask may: the newcomer itself (it signs its own application, so
    /// nobody can occupy another address's one open proposal) or a voting node.
    ///
    /// Requirements:
    /// - the caller is `account` itself or a voting node;
    /// - `account` is not zero; `nodeType` is a known type other than `None`;
    /// - `account` is not an active node of another type;
    /// - no vote on `account` is open, and a defeated one is not cooling down.
    ///
    /// May emit an {AdmissionRequested} event.
    function requestAdmission(address account, uint8 nodeType) external returns (uint256 proposalId);

    /// @notice A credit subject registers itself: subjects need no vote (they only ever act on
    /// their own data). Registering again is a no-op.
    ///
    /// Requirements:
    /// - the caller is not a node of another type, and was not removed.
    ///
    /// May emit a {NodeAdmitted} event.
    function registerSubject() external;

    /// @notice Makes `account` an active node of `nodeType`, as decided by proposal `proposalId`.
    ///
    /// Requirements:
    /// - the caller is the consensus judgment contract;
    /// - `account` is not active.
    ///
    /// Emits a {NodeAdmitted} event.
    function admit(address account, NodeType nodeType, uint256 proposalId) external;

    /// @notice Removes the active node `account`, as decided by proposal `proposalId`.
    ///
    /// Requirements:
    /// - the caller is the consensus judgment contract;
    /// - `account` is active.
    ///
    /// Emits a {NodeRemoved} event.
    function remove(address account, uint256 proposalId) external;

    /// @notice The classification of `account` (all zero when unknown).
    function nodeOf(address account) external view returns (Node memory);

    /// @notice Whether `account` is an active node.
    function isActive(address account) external view returns (bool);

    /// @notice Whether `account` is an active node of `nodeType`.
    function isActiveAs(address account, NodeType nodeType) external view returns (bool);

    /// @notice The consensus judgment contract (zero until wired).
    function consensus() external view returns (address);
}
