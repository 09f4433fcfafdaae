// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title History record (paper section 3.2 (3)).
/// @notice Per node: the nodes related to it, the address of its ownership record, and an
/// append-only audit trail of who did what to it, when and under which reference.
/// @dev Every read of a list is paginated; no function loops over an unbounded array.
interface IHistoryRecord {
    /// @notice What an audit entry records.
    enum AuditAction {
        AdmissionRequested, // someone asked the consortium to admit this node
        NodeAdmitted, // the node became active
        NodeRemoved, // the node was removed by vote
        IdentityCommitted, // the subject committed to its identity (ownership record created)
        DataCommitted, // a writer committed the hash of a category of the subject's data
        PermissionRequested, // a node asked the subject for a grant (ref: the levels)
        PermissionGranted, // a grant was set or changed (ref: the grant id)
        PermissionRevoked, // the subject revoked a grant (ref: the revoked grant id)
        CheckRequested, // a bank opened a credit check of the subject (ref: the check id)
        CheckAnswered, // the bureau answered a credit check (ref: the check id)
        CheckDecided, // the bank recorded its decision on a check (ref: the check id)
        CheckRefused, // the bureau refused to answer a check (ref: the check id)
        PermissionDeclined // the subject declined a node's request (ref: the levels asked for)
    }

    /// @notice One line of a node's audit trail: two slots (actor, action and timestamp share one).
    // solhint-disable-next-line gas-struct-packing
    struct AuditEntry {
        address actor; // the other party: the requester, the grantee, the writer (for its own acts, the node)
        AuditAction action; // what was done
        uint64 timestamp; // block time of the action
        bytes32 ref; // what it refers to: a proposal id, a grant id, a check id
    }

    /// @notice Thrown when `node` is the zero address.
    error HistoryRecordZeroAddress();

    /// @notice Thrown when `caller` may not link an ownership record for `node`.
    error HistoryRecordUnauthorizedLinker(address caller, address node);

    /// @notice Thrown when a page is asked with a `limit` of zero or above {MAX_PAGE_SIZE}.
    error HistoryRecordInvalidPageSize(uint256 limit, uint256 maxLimit);

    /// @notice Emitted when `a` and `b` become related for the first time.
    event NodesRelated(address indexed a, address indexed b);

    /// @notice Emitted when the ownership record of `node` is set to `record`.
    event OwnershipRecordSet(address indexed node, address indexed record);

    /// @notice Emitted when an entry is appended to the audit trail of `node`.
    event AuditAppended(
        address indexed node,
        uint256 indexed index,
        address indexed actor,
        AuditAction action,
        bytes32 ref
    );

    /// @notice Records that `a` and `b` are related (symmetric). Recording a known relation, or relating a node
    /// to itself, is a no-op.
    ///
    /// Requirements:
    /// - the caller has the writer role;
    /// - neither address is zero.
    ///
    /// May emit a {NodesRelated} event.
    function relate(address a, address b) external;

    /// @notice Appends an entry to the audit trail of `node`.
    ///
    /// Requirements:
    /// - the caller has the writer role;
    /// - `node` is not zero.
    ///
    /// Emits an {AuditAppended} event.
    function appendAudit(address node, address actor, AuditAction action, bytes32 ref) external;

    /// @notice Sets the address of the ownership record of `node`.
    ///
    /// Requirements:
    /// - the caller is `node` itself or has the linker role;
    /// - `node` is not zero.
    ///
    /// Emits an {OwnershipRecordSet} event.
    function setOwnershipRecord(address node, address record) external;

    /// @notice The ownership record of `node`, or zero when none is linked.
    function ownershipRecordOf(address node) external view returns (address);

    /// @notice Whether `a` and `b` are related.
    function isRelated(address a, address b) external view returns (bool);

    /// @notice A page of the nodes related to `node`, and how many there are in all.
    function relatedNodes(
        address node,
        uint256 offset,
        uint256 limit
    ) external view returns (address[] memory page, uint256 total);

    /// @notice The number of entries in the audit trail of `node`.
    function auditLength(address node) external view returns (uint256);

    /// @notice A page of the audit trail of `node`, oldest first, and its length in all.
    function auditTrail(
        address node,
        uint256 offset,
        uint256 limit
    ) external view returns (AuditEntry[] memory page, uint256 total);
}
