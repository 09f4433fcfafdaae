// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeTypes} from "./INodeTypes.sol";

/// @title Permission setting (paper section 3.2 (5) and flow 3.4).
/// @notice Per (subject, grantee): the paper's four levels as bit flags, an expiry and an
/// optional number of uses. Only the subject changes its grants, directly or through an EIP-712
/// consent that anyone may submit (the credit bureau, a relayer, the grantee), so that a subject
/// needs no gas. Every change the subject makes to its grants voids every consent it signed and
/// did not see submitted. Only active nodes are granted and use grants, and only grants of active
/// subjects are used; a removed subject can still revoke.
interface IPermissionSetting is INodeTypes {
    /// @notice The lifecycle of the grant a subject holds out to a grantee, derived by {grantState}.
    enum GrantState {
        None, // never granted
        Active, // usable now: not expired and uses left
        Expired, // past its expiry
        Exhausted, // every allowed use consumed
        Revoked // revoked by the subject
    }

    /// @notice A grant as stored: one slot.
    struct Grant {
        uint8 levels; // bit flags: READ | OWNERSHIP | WRITE | BLIND_READ; zero when there is none
        uint64 expiry; // last block time at which the grant may be used
        uint32 maxUses; // uses allowed; zero means unlimited
        uint32 uses; // uses consumed since the grant was last set
        uint32 version; // bumped on every change: names the grant in {grantId}
    }

    /// @notice A grant as listed, with its grantee and id.
    struct GrantView {
        address grantee; // who holds it
        bytes32 grantId; // keccak256(subject, grantee, version)
        Grant grant; // its terms and use count
    }

    /// @notice What a grantee asked for (paper flow 3.4 step (1)).
    struct Request {
        uint8 levels; // levels asked for
        uint64 expiry; // until when
        uint32 maxUses; // how many uses (zero: unlimited)
    }

    /// @notice The subject's consent to set a grant, signed as EIP-712 typed data.
    struct Consent {
        address subject; // whose data
        address grantee; // who gets the grant
        uint8 levels; // the levels granted
        uint64 expiry; // last block time of use
        uint32 maxUses; // uses allowed (zero: unlimited)
        uint256 nonce; // the subject's current consent nonce
        uint256 deadline; // last block time at which the signature may be submitted
    }

    /// @notice Thrown when `caller` is not an active credit subject.
    error PermissionNotSubject(address caller);

    /// @notice Thrown when `account` is not an active node.
    error PermissionUnknownNode(address account);

    /// @notice Thrown when `levels` has bits outside the four known levels, or is zero where a level is needed.
    error PermissionUnknownLevels(uint256 levels);

    /// @notice Thrown when a node of `nodeType` may not hold `levels` (a bank only ever gets blind-read).
    error PermissionLevelsNotAllowed(address grantee, NodeType nodeType, uint8 levels, uint8 allowed);

    /// @notice Thrown when an expiry is not in the future.
    error PermissionExpiryInPast(uint64 expiry, uint256 nowTime);

    /// @notice Thrown when `grantee` holds no grant from `subject`.
    error PermissionNoGrant(address subject, address grantee);

    /// @notice Thrown when the grant of `grantee` from `subject` expired at `expiry`.
    error PermissionGrantExpired(address subject, address grantee, uint64 expiry);

    /// @notice Thrown when the grant of `grantee` from `subject` has used all its `maxUses`.
    error PermissionGrantExhausted(address subject, address grantee, uint32 maxUses);

    /// @notice Thrown when the grant holds `levels` but the access needs `required`.
    error PermissionMissingLevel(address subject, address grantee, uint8 levels, uint8 required);

    /// @notice Thrown when `grantee` has no pending request with `subject`.
    error PermissionNoRequest(address subject, address grantee);

    /// @notice Thrown when the subject approves terms that are not the pending request of `grantee`, which now asks
    /// for `levels` until `expiry` with `maxUses` uses: the requester changed its request after the subject read it.
    error PermissionRequestChanged(address subject, address grantee, uint8 levels, uint64 expiry, uint32 maxUses);

    /// @notice Thrown when a consent signature is submitted after its `deadline`.
    error PermissionConsentExpired(uint256 deadline, uint256 nowTime);

    /// @notice Thrown when a consent was signed by `signer`, not by its `subject`.
    error PermissionInvalidSigner(address subject, address signer);

    /// @notice Thrown when `caller` may not consume grants.
    error PermissionUnauthorizedConsumer(address caller);

    /// @notice Thrown when a grant of `subject`, who is no longer an active credit subject, is to be used.
    error PermissionSubjectNotActive(address subject);

    /// @notice Thrown when a page of {grantsOf} is asked with a `limit` of zero or above `maxLimit`.
    error PermissionInvalidPageSize(uint256 limit, uint256 maxLimit);

    /// @notice Emitted when `grantee` asks `subject` for `levels`.
    event PermissionRequested(
        address indexed subject,
        address indexed grantee,
        uint8 levels,
        uint64 expiry,
        uint32 maxUses
    );

    /// @notice Emitted when `subject` declines the pending request of `requester`: the request is gone, no grant
    /// was set.
    event RequestDeclined(address indexed subject, address indexed requester);

    /// @notice Emitted when a grant is created or changed; `consentBy` is the submitter of a signed
    /// consent, or the subject itself.
    event PermissionSet(
        address indexed subject,
        address indexed grantee,
        bytes32 indexed grantId,
        uint8 levels,
        uint64 expiry,
        uint32 maxUses,
        address consentBy
    );

    /// @notice Emitted when `subject` revokes the grant of `grantee`.
    event PermissionRevoked(address indexed subject, address indexed grantee, bytes32 indexed grantId);

    /// @notice Emitted when `subject` voids every consent it signed and did not see submitted:
    /// only a consent signed with `nonce` (its new nonce) can now be submitted.
    event ConsentsInvalidated(address indexed subject, uint256 nonce);

    /// @notice Emitted when `consumer` uses the grant `grantId` for `level`.
    event PermissionUsed(
        address indexed subject,
        address indexed grantee,
        bytes32 indexed grantId,
        uint8 level,
        uint32 uses,
        address consumer
    );

    /// @notice Paper flow 3.4 step (1): the caller asks `subject` for a grant.
    ///
    /// Requirements: the caller is an active node allowed `levels`; `subject` is an active
    /// credit subject; `expiry` is in the future.
    ///
    /// Emits a {PermissionRequested} event.
    function requestPermission(address subject, uint8 levels, uint64 expiry, uint32 maxUses) external;

    /// @notice Paper flow 3.4 step (7): the subject grants what `grantee` asked for, naming the `terms` it read, and
    /// voids every consent it signed and did not see submitted. Naming the terms binds the approval to what the
    /// subject saw: a requester that replaces its request (say one use for a day by unlimited uses for ever) before
    /// the approval lands makes it revert instead of widening it.
    ///
    /// Requirements: the caller is an active credit subject with a pending request from `grantee` whose terms are
    /// exactly `terms` (else {PermissionRequestChanged}); the terms are valid as for {setPermission}.
    ///
    /// May emit a {PermissionSet} event.
    function approveRequest(address grantee, Request calldata terms) external returns (bytes32 grantId);

    /// @notice The subject says no to the pending request of `requester`: the request is cleared, the grant (if
    /// any) and the signed consents stay as they were. The requester sees the {RequestDeclined} event and may ask
    /// again.
    ///
    /// Requirements: the caller is a credit subject, active or removed by vote (a removed subject keeps the power
    /// to refuse), with a pending request from `requester`.
    ///
    /// Emits a {RequestDeclined} event.
    function declineRequest(address requester) external;

    /// @notice The subject sets the grant of `grantee`. Setting exactly the grant it already has
    /// changes nothing; anything else replaces it and resets its use count. Either way every
    /// consent the subject signed and did not see submitted is void, and the pending request of
    /// `grantee`, if any, is answered: it is cleared, whatever terms were granted.
    ///
    /// Requirements:
    /// - the caller is an active credit subject;
    /// - `grantee` is an active node allowed `levels`; `levels` is known and not zero;
    /// - `expiry` is in the future.
    ///
    /// May emit a {PermissionSet} event.
    function setPermission(address grantee, uint8 levels, uint64 expiry, uint32 maxUses) external returns (bytes32);

    /// @notice Sets a grant on the subject's signed consent; anyone may submit it. A consent is
    /// accepted only if the subject changed nothing since it signed it: its nonce is the subject's
    /// current one, which every change (and {invalidateConsents}) bumps.
    ///
    /// Requirements: as {setPermission} for the consent's terms; the signature is the subject's
    /// (EIP-712, low-s), its nonce is the subject's current one, and its deadline has not passed.
    ///
    /// May emit a {PermissionSet} event.
    function setPermissionWithConsent(Consent calldata consent, bytes calldata signature) external returns (bytes32);

    /// @notice The subject revokes the grant of `grantee` at once, and voids every consent
    /// signature it has issued and not yet used.
    ///
    /// Requirements: the caller is a credit subject, active or removed by vote (a removed subject
    /// keeps the power to withdraw), and `grantee` holds a grant from it.
    ///
    /// Emits a {PermissionRevoked} event.
    function revoke(address grantee) external;

    /// @notice Voids every consent the caller signed and did not see submitted, grant or none
    /// (EAS's nonce increase): bumps the caller's nonce.
    ///
    /// Emits a {ConsentsInvalidated} event.
    function invalidateConsents() external;

    /// @notice Uses the grant of `grantee` from `subject` for `level`, counting one use. The
    /// consuming contract records the access itself in the subject's history (what was accessed,
    /// under which reference), so that one access is one audit entry.
    ///
    /// Requirements:
    /// - the caller has the consumer role (the contracts that perform accesses);
    /// - `subject` is an active credit subject; `grantee` is an active node whose type may hold `level`;
    /// - the grant exists, holds `level`, has not expired (valid at `expiry`, not after) and has uses left.
    ///
    /// Emits a {PermissionUsed} event.
    function consume(address subject, address grantee, uint8 level) external returns (bytes32 grantId);

    /// @notice Whether `grantee` may access `subject`'s data at `level` now: {consume} would succeed.
    function hasPermission(address subject, address grantee, uint8 level) external view returns (bool);

    /// @notice The state of the grant `subject` holds out to `grantee`: the one place liveness is decided.
    function grantState(address subject, address grantee) external view returns (GrantState);

    /// @notice The grant of `grantee` from `subject` (all zero when none).
    function grantOf(address subject, address grantee) external view returns (Grant memory);

    /// @notice The id of the current grant: keccak256(abi.encode(subject, grantee, version)).
    function grantId(address subject, address grantee) external view returns (bytes32);

    /// @notice The pending request of `grantee` with `subject` (all zero when none).
    function requestOf(address subject, address grantee) external view returns (Request memory);

    /// @notice A page of everyone `subject` has ever granted to, with their current grants.
    /// @dev Requirements: `limit` from 1 to {MAX_PAGE_SIZE}, else {PermissionInvalidPageSize}.
    function grantsOf(
        address subject,
        uint256 offset,
        uint256 limit
    ) external view returns (GrantView[] memory page, uint256 total);

    /// @notice The levels a node of `nodeType` may hold.
    function allowedLevels(NodeType nodeType) external pure returns (uint8);

    /// @notice The EIP-712 digest a subject signs for `consent`.
    function consentDigest(Consent calldata consent) external view returns (bytes32);
}
