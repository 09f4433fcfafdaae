// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IHistoryRecord} from "../interfaces/IHistoryRecord.sol";
import {INodeClassification} from "../interfaces/INodeClassification.sol";
import {IPermissionSetting} from "../interfaces/IPermissionSetting.sol";
import {Pages} from "../libraries/Pages.sol";
import {PermissionLevels} from "../libraries/PermissionLevels.sol";

/// @title Permission setting (paper section 3.2 (5), flow 3.4).
/// @notice Subject-controlled grants with expiry, use limits, revocation and signed consents.
contract PermissionSetting is IPermissionSetting, AccessControl, EIP712, Nonces {
    /// @notice May consume grants: the contracts that perform accesses (ownership judgment, condition matching).
    bytes32 public constant CONSUMER_ROLE = keccak256("CONSUMER_ROLE");
    /// @notice The largest page {grantsOf} returns.
    uint256 public constant MAX_PAGE_SIZE = Pages.MAX_SIZE;
    /// @notice The EIP-712 type of a {Consent}.
    bytes32 public constant CONSENT_TYPEHASH =
        keccak256(
            "Consent(address subject,address grantee,uint8 levels,uint64 expiry,uint32 maxUses,uint256 nonce,uint256 deadline)"
        );

    INodeClassification private immutable _classification;
    IHistoryRecord private immutable _history;

    mapping(address subject => mapping(address grantee => Grant)) private _grants;
    mapping(address subject => mapping(address grantee => Request)) private _requests;
    mapping(address subject => address[] grantees) private _grantees;
    mapping(address subject => mapping(address grantee => bool)) private _listed;

    /// @param classification_ Node types decide which levels a grantee may hold.
    /// @param history_ Receives every request, grant, revocation and use.
    /// @param admin Grants the consumer role.
    constructor(
        INodeClassification classification_,
        IHistoryRecord history_,
        address admin
    ) EIP712("BlindCredit PermissionSetting", "1") {
        _classification = classification_;
        _history = history_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IPermissionSetting
    function requestPermission(address subject, uint8 levels, uint64 expiry, uint32 maxUses) external {
        _checkSubject(subject);
        _checkTerms(msg.sender, levels, expiry);
        _requests[subject][msg.sender] = Request({levels: levels, expiry: expiry, maxUses: maxUses});
        emit PermissionRequested(subject, msg.sender, levels, expiry, maxUses);
        _history.appendAudit(
            subject,
            msg.sender,
            IHistoryRecord.AuditAction.PermissionRequested,
            bytes32(uint256(levels))
        );
    }

    /// @inheritdoc IPermissionSetting
    function approveRequest(address grantee, Request calldata terms) external returns (bytes32) {
        _checkSubject(msg.sender);
        Request memory request = _requests[msg.sender][grantee];
        if (request.levels == 0) revert PermissionNoRequest(msg.sender, grantee);
        if (request.levels != terms.levels || request.expiry != terms.expiry || request.maxUses != terms.maxUses) {
            revert PermissionRequestChanged(msg.sender, grantee, request.levels, request.expiry, request.maxUses);
        }
        _useNonce(msg.sender); // voids every consent signed but not yet submitted
        return _set(msg.sender, grantee, terms.levels, terms.expiry, terms.maxUses, msg.sender);
    }

    /// @inheritdoc IPermissionSetting
    function declineRequest(address requester) external {
        _checkSubjectOrRemoved(msg.sender);
        uint8 levels = _requests[msg.sender][requester].levels;
        if (levels == 0) revert PermissionNoRequest(msg.sender, requester);
        delete _requests[msg.sender][requester];
        emit RequestDeclined(msg.sender, requester);
        _history.appendAudit(
            msg.sender,
            requester,
            IHistoryRecord.AuditAction.PermissionDeclined,
            bytes32(uint256(levels))
        );
    }

    /// @inheritdoc IPermissionSetting
    function setPermission(address grantee, uint8 levels, uint64 expiry, uint32 maxUses) external returns (bytes32) {
        _checkSubject(msg.sender);
        _useNonce(msg.sender); // voids every consent signed but not yet submitted
        return _set(msg.sender, grantee, levels, expiry, maxUses, msg.sender);
    }

    /// @inheritdoc IPermissionSetting
    function setPermissionWithConsent(Consent calldata consent, bytes calldata signature) external returns (bytes32) {
        if (block.timestamp > consent.deadline) revert PermissionConsentExpired(consent.deadline, block.timestamp);
        address signer = ECDSA.recover(consentDigest(consent), signature);
        if (signer != consent.subject) revert PermissionInvalidSigner(consent.subject, signer);
        _checkSubject(consent.subject);
        _useCheckedNonce(consent.subject, consent.nonce); // the consent is void once the subject changed anything
        return _set(consent.subject, consent.grantee, consent.levels, consent.expiry, consent.maxUses, msg.sender);
    }

    /// @inheritdoc IPermissionSetting
    function revoke(address grantee) external {
        _checkSubjectOrRemoved(msg.sender);
        Grant storage grant = _grants[msg.sender][grantee];
        if (grant.levels == 0) revert PermissionNoGrant(msg.sender, grantee);
        bytes32 revokedId = _grantId(msg.sender, grantee, grant.version);
        grant.levels = 0;
        grant.expiry = 0;
        grant.maxUses = 0;
        grant.uses = 0;
        ++grant.version;
        _useNonce(msg.sender); // voids every consent signed but not yet submitted
        emit PermissionRevoked(msg.sender, grantee, revokedId);
        _history.appendAudit(msg.sender, grantee, IHistoryRecord.AuditAction.PermissionRevoked, revokedId);
    }

    /// @inheritdoc IPermissionSetting
    function invalidateConsents() external {
        uint256 nonce = _useNonce(msg.sender) + 1;
        emit ConsentsInvalidated(msg.sender, nonce);
    }

    /// @inheritdoc IPermissionSetting
    function consume(address subject, address grantee, uint8 level) external returns (bytes32 id) {
        if (!hasRole(CONSUMER_ROLE, msg.sender)) revert PermissionUnauthorizedConsumer(msg.sender);
        Grant storage grant = _grants[subject][grantee];
        GrantState current = _stateOf(grant);
        if (current == GrantState.None || current == GrantState.Revoked) revert PermissionNoGrant(subject, grantee);
        if (grant.levels & level != level || level == 0) {
            revert PermissionMissingLevel(subject, grantee, grant.levels, level);
        }
        if (current == GrantState.Expired) revert PermissionGrantExpired(subject, grantee, grant.expiry);
        if (current == GrantState.Exhausted) revert PermissionGrantExhausted(subject, grantee, grant.maxUses);
        // Removal ends rights: a removed subject's grants and a removed node's grants are not used.
        if (!_classification.isActiveAs(subject, NodeType.CreditSubject)) revert PermissionSubjectNotActive(subject);
        INodeClassification.Node memory node = _classification.nodeOf(grantee);
        if (node.status != NodeStatus.Active) revert PermissionUnknownNode(grantee);
        uint8 allowed = allowedLevels(node.nodeType);
        if (level & allowed != level) revert PermissionLevelsNotAllowed(grantee, node.nodeType, level, allowed);
        uint32 uses = ++grant.uses;
        id = _grantId(subject, grantee, grant.version);
        emit PermissionUsed(subject, grantee, id, level, uses, msg.sender);
    }

    /// @inheritdoc IPermissionSetting
    function hasPermission(address subject, address grantee, uint8 level) external view returns (bool) {
        Grant storage grant = _grants[subject][grantee];
        INodeClassification.Node memory node = _classification.nodeOf(grantee);
        return
            level != 0 &&
            grant.levels & level == level &&
            _stateOf(grant) == GrantState.Active &&
            node.status == NodeStatus.Active &&
            allowedLevels(node.nodeType) & level == level &&
            _classification.isActiveAs(subject, NodeType.CreditSubject);
    }

    /// @inheritdoc IPermissionSetting
    function grantState(address subject, address grantee) external view returns (GrantState) {
        return _stateOf(_grants[subject][grantee]);
    }

    /// @inheritdoc IPermissionSetting
    function grantOf(address subject, address grantee) external view returns (Grant memory) {
        return _grants[subject][grantee];
    }

    /// @inheritdoc IPermissionSetting
    function grantId(address subject, address grantee) external view returns (bytes32) {
        return _grantId(subject, grantee, _grants[subject][grantee].version);
    }

    /// @inheritdoc IPermissionSetting
    function requestOf(address subject, address grantee) external view returns (Request memory) {
        return _requests[subject][grantee];
    }

    /// @inheritdoc IPermissionSetting
    function grantsOf(
        address subject,
        uint256 offset,
        uint256 limit
    ) external view returns (GrantView[] memory page, uint256 total) {
        address[] storage all = _grantees[subject];
        total = all.length;
        if (!Pages.isValidSize(limit)) revert PermissionInvalidPageSize(limit, Pages.MAX_SIZE);
        (uint256 start, uint256 end) = Pages.bounds(total, offset, limit);
        page = new GrantView[](end - start);
        for (uint256 i = start; i < end; ++i) {
            address grantee = all[i];
            Grant memory grant = _grants[subject][grantee];
            page[i - start] = GrantView({
                grantee: grantee,
                grantId: _grantId(subject, grantee, grant.version),
                grant: grant
            });
        }
    }

    /// @inheritdoc IPermissionSetting
    function allowedLevels(NodeType nodeType) public pure returns (uint8) {
        if (nodeType == NodeType.CreditBureau) {
            return PermissionLevels.READ | PermissionLevels.OWNERSHIP | PermissionLevels.WRITE;
        }
        if (nodeType == NodeType.InformationProvider) return PermissionLevels.WRITE;
        if (nodeType == NodeType.CreditAccessUser) return PermissionLevels.BLIND_READ;
        return 0;
    }

    /// @inheritdoc IPermissionSetting
    function consentDigest(Consent calldata c) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        CONSENT_TYPEHASH,
                        c.subject,
                        c.grantee,
                        c.levels,
                        c.expiry,
                        c.maxUses,
                        c.nonce,
                        c.deadline
                    )
                )
            );
    }

    /// @dev Sets a grant after checking its terms, answering the grantee's pending request; exactly the current
    /// terms change nothing.
    function _set(
        address subject,
        address grantee,
        uint8 levels,
        uint64 expiry,
        uint32 maxUses,
        address consentBy
    ) private returns (bytes32 id) {
        _checkTerms(grantee, levels, expiry);
        delete _requests[subject][grantee];
        Grant storage grant = _grants[subject][grantee];
        if (grant.levels == levels && grant.expiry == expiry && grant.maxUses == maxUses) {
            return _grantId(subject, grantee, grant.version); // paper 3.4: same permission, no operation
        }
        uint32 version = grant.version + 1;
        _grants[subject][grantee] = Grant({
            levels: levels,
            expiry: expiry,
            maxUses: maxUses,
            uses: 0,
            version: version
        });
        if (!_listed[subject][grantee]) {
            _listed[subject][grantee] = true;
            _grantees[subject].push(grantee);
        }
        id = _grantId(subject, grantee, version);
        emit PermissionSet(subject, grantee, id, levels, expiry, maxUses, consentBy);
        _history.relate(subject, grantee);
        _history.appendAudit(subject, grantee, IHistoryRecord.AuditAction.PermissionGranted, id);
    }

    /// @dev The one derivation of a grant's liveness: a revoked grant keeps its bumped version and no levels.
    function _stateOf(Grant storage grant) private view returns (GrantState) {
        if (grant.levels == 0) return grant.version == 0 ? GrantState.None : GrantState.Revoked;
        if (block.timestamp > grant.expiry) return GrantState.Expired;
        if (grant.maxUses != 0 && grant.uses >= grant.maxUses) return GrantState.Exhausted;
        return GrantState.Active;
    }

    function _checkSubject(address account) private view {
        if (!_classification.isActiveAs(account, NodeType.CreditSubject)) revert PermissionNotSubject(account);
    }

    /// @dev A credit subject, active or removed by vote: the powers to refuse and to withdraw outlive membership.
    function _checkSubjectOrRemoved(address account) private view {
        INodeClassification.Node memory node = _classification.nodeOf(account);
        if (node.nodeType != NodeType.CreditSubject || node.status == NodeStatus.Unknown) {
            revert PermissionNotSubject(account);
        }
    }

    /// @dev Known, non-empty levels that the grantee's node type may hold, until a future time.
    function _checkTerms(address grantee, uint8 levels, uint64 expiry) private view {
        if (!PermissionLevels.isValid(levels)) revert PermissionUnknownLevels(levels);
        INodeClassification.Node memory node = _classification.nodeOf(grantee);
        if (node.status != NodeStatus.Active) revert PermissionUnknownNode(grantee);
        uint8 allowed = allowedLevels(node.nodeType);
        if (levels & allowed != levels) revert PermissionLevelsNotAllowed(grantee, node.nodeType, levels, allowed);
        if (expiry <= block.timestamp) revert PermissionExpiryInPast(expiry, block.timestamp);
    }

    function _grantId(address subject, address grantee, uint32 version) private pure returns (bytes32) {
        return keccak256(abi.encode(subject, grantee, version));
    }
}
