// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IConsensusJudgment} from "../interfaces/IConsensusJudgment.sol";
import {IHistoryRecord} from "../interfaces/IHistoryRecord.sol";
import {INodeClassification} from "../interfaces/INodeClassification.sol";

/// @title Node classification (paper section 3.2 (2)).
/// @notice Address → node type and status; the gate through which unknown addresses reach a vote.
contract NodeClassification is INodeClassification {
    IHistoryRecord private immutable _history;
    address private immutable _deployer;
    IConsensusJudgment private _consensus;
    mapping(address account => Node) private _nodes;

    /// @param history_ The history record that receives relations and audit entries.
    /// @param genesisAccounts Nodes active from the start (the credit bureau, for one).
    /// @param genesisTypes The type of each genesis node.
    constructor(IHistoryRecord history_, address[] memory genesisAccounts, uint8[] memory genesisTypes) {
        if (address(history_) == address(0)) revert NodeClassificationZeroAddress();
        if (genesisAccounts.length != genesisTypes.length) {
            revert NodeClassificationGenesisLengthMismatch(genesisAccounts.length, genesisTypes.length);
        }
        _history = history_;
        _deployer = msg.sender;
        for (uint256 i = 0; i < genesisAccounts.length; ++i) {
            address account = genesisAccounts[i];
            if (account == address(0)) revert NodeClassificationZeroAddress();
            if (_nodes[account].status == NodeStatus.Active) revert NodeClassificationAlreadyActive(account);
            _activate(account, _toNodeType(genesisTypes[i]), 0);
        }
    }

    /// @inheritdoc INodeClassification
    function setConsensus(address consensus_) external {
        if (msg.sender != _deployer) revert NodeClassificationOnlyDeployer(msg.sender);
        if (address(_consensus) != address(0)) revert NodeClassificationConsensusAlreadySet(address(_consensus));
        if (consensus_ == address(0)) revert NodeClassificationZeroAddress();
        _consensus = IConsensusJudgment(consensus_);
        emit ConsensusSet(consensus_);
    }

    /// @inheritdoc INodeClassification
    function requestAdmission(address account, uint8 nodeType) external returns (uint256 proposalId) {
        if (address(_consensus) == address(0)) revert NodeClassificationConsensusNotSet();
        if (account == address(0)) revert NodeClassificationZeroAddress();
        if (msg.sender != account && !_consensus.isVoter(msg.sender)) {
            revert NodeClassificationUnauthorizedRequester(msg.sender, account);
        }
        NodeType requested = _toNodeType(nodeType);
        Node storage node = _nodes[account];
        if (node.status == NodeStatus.Active) {
            if (node.nodeType == requested) return 0; // the paper's "operation complete"
            revert NodeClassificationTypeConflict(account, node.nodeType, requested);
        }
        proposalId = _consensus.proposeAdmission(account, nodeType);
        _history.relate(msg.sender, account);
        _history.appendAudit(account, msg.sender, IHistoryRecord.AuditAction.AdmissionRequested, bytes32(proposalId));
        emit AdmissionRequested(account, requested, msg.sender, proposalId);
    }

    /// @inheritdoc INodeClassification
    function registerSubject() external {
        Node storage node = _nodes[msg.sender];
        if (node.status == NodeStatus.Removed) revert NodeClassificationRemovedNode(msg.sender);
        if (node.status == NodeStatus.Active) {
            if (node.nodeType == NodeType.CreditSubject) return;
            revert NodeClassificationTypeConflict(msg.sender, node.nodeType, NodeType.CreditSubject);
        }
        _activate(msg.sender, NodeType.CreditSubject, 0);
        _history.appendAudit(msg.sender, msg.sender, IHistoryRecord.AuditAction.NodeAdmitted, bytes32(0));
    }

    /// @inheritdoc INodeClassification
    function admit(address account, NodeType nodeType, uint256 proposalId) external {
        _checkConsensus();
        if (_nodes[account].status == NodeStatus.Active) revert NodeClassificationAlreadyActive(account);
        _activate(account, nodeType, proposalId);
        _history.appendAudit(account, msg.sender, IHistoryRecord.AuditAction.NodeAdmitted, bytes32(proposalId));
    }

    /// @inheritdoc INodeClassification
    function remove(address account, uint256 proposalId) external {
        _checkConsensus();
        Node storage node = _nodes[account];
        if (node.status != NodeStatus.Active) revert NodeClassificationNotActive(account);
        node.status = NodeStatus.Removed;
        node.updatedAt = uint64(block.timestamp);
        emit NodeRemoved(account, proposalId);
        _history.appendAudit(account, msg.sender, IHistoryRecord.AuditAction.NodeRemoved, bytes32(proposalId));
    }

    /// @inheritdoc INodeClassification
    function nodeOf(address account) external view returns (Node memory) {
        return _nodes[account];
    }

    /// @inheritdoc INodeClassification
    function isActive(address account) external view returns (bool) {
        return _nodes[account].status == NodeStatus.Active;
    }

    /// @inheritdoc INodeClassification
    function isActiveAs(address account, NodeType nodeType) external view returns (bool) {
        Node storage node = _nodes[account];
        return node.status == NodeStatus.Active && node.nodeType == nodeType;
    }

    /// @inheritdoc INodeClassification
    function consensus() external view returns (address) {
        return address(_consensus);
    }

    /// @notice The history record this contract writes to.
    function history() external view returns (IHistoryRecord) {
        return _history;
    }

    function _activate(address account, NodeType nodeType, uint256 proposalId) private {
        _nodes[account] = Node({nodeType: nodeType, status: NodeStatus.Active, updatedAt: uint64(block.timestamp)});
        emit NodeAdmitted(account, nodeType, proposalId);
    }

    function _checkConsensus() private view {
        if (msg.sender != address(_consensus)) revert NodeClassificationOnlyConsensus(msg.sender);
    }

    /// @dev Node types cross the ABI as uint8 so that an unknown value gets a named error.
    function _toNodeType(uint8 value) private pure returns (NodeType) {
        if (value == 0 || value > uint8(type(NodeType).max)) revert NodeClassificationUnknownType(value);
        return NodeType(value);
    }
}
