// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IHistoryRecord} from "../interfaces/IHistoryRecord.sol";
import {Pages} from "../libraries/Pages.sol";

/// @title History record (paper section 3.2 (3)).
/// @notice Related nodes, ownership record links and the append-only audit trail of every node.
/// @dev Writers are the BlindCredit contracts that act on nodes; linkers may set any node's
/// ownership record (the ownership judgment contract). Nothing here is ever deleted.
contract HistoryRecord is IHistoryRecord, AccessControl {
    /// @notice May relate nodes and append audit entries.
    bytes32 public constant WRITER_ROLE = keccak256("WRITER_ROLE");
    /// @notice May set the ownership record of any node.
    bytes32 public constant LINKER_ROLE = keccak256("LINKER_ROLE");
    /// @notice The largest page a paginated read returns.
    uint256 public constant MAX_PAGE_SIZE = Pages.MAX_SIZE;

    mapping(address node => address[] related) private _related;
    mapping(address a => mapping(address b => bool)) private _isRelated;
    mapping(address node => address record) private _ownershipRecords;
    mapping(address node => AuditEntry[] trail) private _audit;

    /// @param admin The account that grants the writer and linker roles.
    constructor(address admin) {
        if (admin == address(0)) revert HistoryRecordZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IHistoryRecord
    function relate(address a, address b) external onlyRole(WRITER_ROLE) {
        if (a == address(0) || b == address(0)) revert HistoryRecordZeroAddress();
        if (a == b || _isRelated[a][b]) return;
        _isRelated[a][b] = true;
        _isRelated[b][a] = true;
        _related[a].push(b);
        _related[b].push(a);
        emit NodesRelated(a, b);
    }

    /// @inheritdoc IHistoryRecord
    function appendAudit(address node, address actor, AuditAction action, bytes32 ref) external onlyRole(WRITER_ROLE) {
        if (node == address(0)) revert HistoryRecordZeroAddress();
        AuditEntry[] storage trail = _audit[node];
        trail.push(AuditEntry({actor: actor, action: action, timestamp: uint64(block.timestamp), ref: ref}));
        emit AuditAppended(node, trail.length - 1, actor, action, ref);
    }

    /// @inheritdoc IHistoryRecord
    function setOwnershipRecord(address node, address record) external {
        if (node == address(0)) revert HistoryRecordZeroAddress();
        if (msg.sender != node && !hasRole(LINKER_ROLE, msg.sender)) {
            revert HistoryRecordUnauthorizedLinker(msg.sender, node);
        }
        _ownershipRecords[node] = record;
        emit OwnershipRecordSet(node, record);
    }

    /// @inheritdoc IHistoryRecord
    function ownershipRecordOf(address node) external view returns (address) {
        return _ownershipRecords[node];
    }

    /// @inheritdoc IHistoryRecord
    function isRelated(address a, address b) external view returns (bool) {
        return _isRelated[a][b];
    }

    /// @inheritdoc IHistoryRecord
    function relatedNodes(
        address node,
        uint256 offset,
        uint256 limit
    ) external view returns (address[] memory page, uint256 total) {
        address[] storage all = _related[node];
        total = all.length;
        if (!Pages.isValidSize(limit)) revert HistoryRecordInvalidPageSize(limit, Pages.MAX_SIZE);
        (uint256 start, uint256 end) = Pages.bounds(total, offset, limit);
        page = new address[](end - start);
        for (uint256 i = start; i < end; ++i) page[i - start] = all[i];
    }

    /// @inheritdoc IHistoryRecord
    function auditLength(address node) external view returns (uint256) {
        return _audit[node].length;
    }

    /// @inheritdoc IHistoryRecord
    function auditTrail(
        address node,
        uint256 offset,
        uint256 limit
    ) external view returns (AuditEntry[] memory page, uint256 total) {
        AuditEntry[] storage all = _audit[node];
        total = all.length;
        if (!Pages.isValidSize(limit)) revert HistoryRecordInvalidPageSize(limit, Pages.MAX_SIZE);
        (uint256 start, uint256 end) = Pages.bounds(total, offset, limit);
        page = new AuditEntry[](end - start);
        for (uint256 i = start; i < end; ++i) page[i - start] = all[i];
    }
}
