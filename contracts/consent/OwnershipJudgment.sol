// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IHistoryRecord} from "../interfaces/IHistoryRecord.sol";
import {INodeClassification} from "../interfaces/INodeClassification.sol";
import {INodeTypes} from "../interfaces/INodeTypes.sol";
import {IOwnershipJudgment} from "../interfaces/IOwnershipJudgment.sol";
import {IPermissionSetting} from "../interfaces/IPermissionSetting.sol";
import {PermissionLevels} from "../libraries/PermissionLevels.sol";

/// @title Ownership judgment (paper section 3.2 (4)).
/// @notice Identity commitments and the integrity mapping of every subject's credit information.
/// @dev One registry holds every subject's record; the history record links each subject to it.
contract OwnershipJudgment is IOwnershipJudgment {
    INodeClassification private immutable _classification;
    IHistoryRecord private immutable _history;
    IPermissionSetting private immutable _permissions;

    mapping(address subject => bytes32 commitment) private _identities;
    mapping(address subject => mapping(bytes32 category => bytes32 dataHash)) private _dataHashes;

    constructor(INodeClassification classification_, IHistoryRecord history_, IPermissionSetting permissions_) {
        _classification = classification_;
        _history = history_;
        _permissions = permissions_;
    }

    /// @inheritdoc IOwnershipJudgment
    function commitIdentity(bytes32 commitment) external {
        if (!_classification.isActiveAs(msg.sender, INodeTypes.NodeType.CreditSubject)) {
            revert OwnershipNotSubject(msg.sender);
        }
        if (commitment == bytes32(0)) revert OwnershipZeroHash();
        if (_identities[msg.sender] != bytes32(0)) revert OwnershipIdentityAlreadyCommitted(msg.sender);
        _identities[msg.sender] = commitment;
        emit IdentityCommitted(msg.sender, commitment);
        _history.setOwnershipRecord(msg.sender, address(this));
        _history.appendAudit(msg.sender, msg.sender, IHistoryRecord.AuditAction.IdentityCommitted, commitment);
    }

    /// @inheritdoc IOwnershipJudgment
    function commitData(address subject, bytes32 category, bytes32 dataHash) external {
        if (_identities[subject] == bytes32(0)) revert OwnershipNoRecord(subject);
        if (dataHash == bytes32(0)) revert OwnershipZeroHash();
        bytes32 grantId = _permissions.consume(subject, msg.sender, PermissionLevels.WRITE);
        _dataHashes[subject][category] = dataHash;
        emit DataCommitted(subject, category, dataHash, msg.sender, grantId);
        _history.appendAudit(subject, msg.sender, IHistoryRecord.AuditAction.DataCommitted, dataHash);
    }

    /// @inheritdoc IOwnershipJudgment
    function identityCommitmentOf(address subject) external view returns (bytes32) {
        return _identities[subject];
    }

    /// @inheritdoc IOwnershipJudgment
    function identityMatches(address subject, bytes32 salt, bytes calldata identity) external view returns (bool) {
        bytes32 commitment = _identities[subject];
        return commitment != bytes32(0) && commitment == keccak256(abi.encode(salt, identity));
    }

    /// @inheritdoc IOwnershipJudgment
    function dataHashOf(address subject, bytes32 category) external view returns (bytes32) {
        return _dataHashes[subject][category];
    }

    /// @inheritdoc IOwnershipJudgment
    function verifyData(address subject, bytes32 category, bytes calldata data) external view returns (bool) {
        bytes32 committed = _dataHashes[subject][category];
        return committed != bytes32(0) && committed == keccak256(data);
    }

    /// @inheritdoc IOwnershipJudgment
    function permissionSettingOf(address subject) external view returns (address) {
        return _identities[subject] == bytes32(0) ? address(0) : address(_permissions);
    }
}
