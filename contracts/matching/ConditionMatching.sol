// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IConditionMatching} from "../interfaces/IConditionMatching.sol";
import {IHistoryRecord} from "../interfaces/IHistoryRecord.sol";
import {INodeClassification} from "../interfaces/INodeClassification.sol";
import {INodeTypes} from "../interfaces/INodeTypes.sol";
import {IPermissionSetting} from "../interfaces/IPermissionSetting.sol";
import {PaillierKeys} from "../libraries/PaillierKeys.sol";
import {PermissionLevels} from "../libraries/PermissionLevels.sol";

/// @title Condition matching (paper section 3.2 (6), flow 3.5).
/// @notice Coordinates blind credit checks: consent, commitments, turn order, deadlines, audit.
/// @dev Homomorphic work happens off-chain (one r^n alone would exceed a transaction's gas since
/// Osaka, and the blinding factors must stay secret); here live only hashes and state.
contract ConditionMatching is IConditionMatching {
    /// @notice The shortest and longest a check may stay open, in seconds.
    uint64 public constant MIN_DURATION = 5 minutes;
    uint64 public constant MAX_DURATION = 30 days;
    /// @notice The longest comparison key accepted: a 4096-bit DGK key's JSON is about 3.2 kB.
    uint256 public constant MAX_COMPARISON_KEY_BYTES = 8192;

    INodeClassification private immutable _classification;
    IPermissionSetting private immutable _permissions;
    IHistoryRecord private immutable _history;
    bytes32 private immutable _schemaHash;

    mapping(address owner => mapping(bytes32 fingerprint => uint256 bits)) private _keyBits;
    mapping(address bureau => bytes32 fingerprint) private _comparisonKeys;
    mapping(address bank => uint256 count) private _checksOpened;
    mapping(bytes32 checkId => Check) private _checks;

    /// @param schemaHash_ keccak256 of the canonical JSON of the consortium's credit schema (see {schemaHash}).
    ///
    /// Requirements:
    ///
    /// - `schemaHash_` is not zero.
    constructor(
        INodeClassification classification_,
        IPermissionSetting permissions_,
        IHistoryRecord history_,
        bytes32 schemaHash_
    ) {
        if (schemaHash_ == bytes32(0)) revert MatchingZeroSchemaHash();
        _classification = classification_;
        _permissions = permissions_;
        _history = history_;
        _schemaHash = schemaHash_;
    }

    /// @inheritdoc IConditionMatching
    function registerKey(bytes calldata modulus) external returns (bytes32 fingerprint) {
        _checkBank(msg.sender);
        uint256 bits = PaillierKeys.bitLength(modulus);
        if (bits != 2048 && bits != 3072 && bits != 4096) revert MatchingUnsupportedKeySize(bits);
        if (modulus.length * 8 != bits || !PaillierKeys.isOdd(modulus)) revert MatchingMalformedKey();
        fingerprint = PaillierKeys.fingerprint(modulus);
        if (_keyBits[msg.sender][fingerprint] != 0) revert MatchingKeyAlreadyRegistered(msg.sender, fingerprint);
        _keyBits[msg.sender][fingerprint] = bits;
        emit KeyRegistered(msg.sender, fingerprint, bits, modulus);
    }

    /// @inheritdoc IConditionMatching
    function registerComparisonKey(bytes calldata publicKey) external returns (bytes32 fingerprint) {
        if (!_classification.isActiveAs(msg.sender, INodeTypes.NodeType.CreditBureau))
            revert MatchingNotBureau(msg.sender);
        if (publicKey.length == 0 || publicKey.length > MAX_COMPARISON_KEY_BYTES) {
            revert MatchingMalformedComparisonKey(publicKey.length);
        }
        fingerprint = sha256(publicKey);
        _comparisonKeys[msg.sender] = fingerprint;
        emit ComparisonKeyRegistered(msg.sender, fingerprint, publicKey);
    }

    /// @inheritdoc IConditionMatching
    function comparisonKeyOf(address bureau) external view returns (bytes32) {
        return _comparisonKeys[bureau];
    }

    /// @inheritdoc IConditionMatching
    function openCheck(
        bytes32 checkId,
        address subject,
        address bureau,
        bytes32 keyFingerprint,
        CheckMode mode,
        bytes32 formHash,
        uint64 duration
    ) external {
        _checkBank(msg.sender);
        bytes32 expected = nextCheckId(msg.sender);
        if (checkId != expected) revert MatchingCheckIdMismatch(expected, checkId);
        if (!_classification.isActiveAs(subject, INodeTypes.NodeType.CreditSubject)) revert MatchingNotSubject(subject);
        if (!_classification.isActiveAs(bureau, INodeTypes.NodeType.CreditBureau)) revert MatchingNotBureau(bureau);
        if (_keyBits[msg.sender][keyFingerprint] == 0) revert MatchingUnknownKey(msg.sender, keyFingerprint);
        if (mode == CheckMode.Decision && _comparisonKeys[bureau] == bytes32(0)) revert MatchingNoComparisonKey(bureau);
        if (formHash == bytes32(0)) revert MatchingZeroHash();
        if (duration < MIN_DURATION || duration > MAX_DURATION) {
            revert MatchingInvalidDuration(duration, MIN_DURATION, MAX_DURATION);
        }
        bytes32 grantId = _permissions.consume(subject, msg.sender, PermissionLevels.BLIND_READ);

        ++_checksOpened[msg.sender];
        uint64 deadline = uint64(block.timestamp) + duration;
        Check storage check = _checks[checkId];
        check.bank = msg.sender;
        check.deadline = deadline;
        check.mode = mode;
        check.stage = CheckState.Requested;
        check.subject = subject;
        check.bureau = bureau;
        check.grantId = grantId;
        check.keyFingerprint = keyFingerprint;
        check.formHash = formHash;
        emit CheckRequested(checkId, msg.sender, subject, bureau, mode, keyFingerprint, grantId, formHash, deadline);
        _history.appendAudit(subject, msg.sender, IHistoryRecord.AuditAction.CheckRequested, checkId);
    }

    /// @inheritdoc IConditionMatching
    function postChallenge(bytes32 checkId, bytes32 challengeHash) external {
        Check storage check = _step(checkId, CheckMode.Decision, CheckState.Requested, challengeHash);
        _checkParty(checkId, check.bureau);
        _checkLive(checkId, check);
        check.stage = CheckState.Challenged;
        emit CheckChallenged(checkId, challengeHash);
    }

    /// @inheritdoc IConditionMatching
    function postResponse(bytes32 checkId, bytes32 responseHash) external {
        Check storage check = _step(checkId, CheckMode.Decision, CheckState.Challenged, responseHash);
        _checkParty(checkId, check.bank);
        _checkLive(checkId, check);
        check.stage = CheckState.Responded;
        emit CheckResponded(checkId, responseHash);
    }

    /// @inheritdoc IConditionMatching
    function postAnswer(bytes32 checkId, bytes32 answerHash) external {
        CheckMode mode = _checks[checkId].mode;
        CheckState expected = mode == CheckMode.Decision ? CheckState.Responded : CheckState.Requested;
        Check storage check = _step(checkId, mode, expected, answerHash);
        _checkParty(checkId, check.bureau);
        _checkLive(checkId, check);
        check.answerHash = answerHash;
        check.stage = CheckState.Answered;
        emit CheckAnswered(checkId, answerHash);
        _history.appendAudit(check.subject, msg.sender, IHistoryRecord.AuditAction.CheckAnswered, checkId);
    }

    /// @inheritdoc IConditionMatching
    function recordDecision(bytes32 checkId, bytes32 decisionHash) external {
        Check storage check = _step(checkId, _checks[checkId].mode, CheckState.Answered, decisionHash);
        _checkParty(checkId, check.bank);
        _checkBank(msg.sender);
        check.decisionHash = decisionHash;
        check.stage = CheckState.Decided;
        emit CheckDecided(checkId, decisionHash);
        _history.appendAudit(check.subject, msg.sender, IHistoryRecord.AuditAction.CheckDecided, checkId);
    }

    /// @inheritdoc IConditionMatching
    function refuseCheck(bytes32 checkId, uint8 reason) external {
        CheckState current = state(checkId);
        if (current != CheckState.Requested && current != CheckState.Challenged && current != CheckState.Responded) {
            revert MatchingNotRefusable(checkId, current);
        }
        if (reason > uint8(type(RefusalReason).max)) revert MatchingUnknownRefusalReason(reason);
        Check storage check = _checks[checkId];
        _checkParty(checkId, check.bureau);
        check.stage = CheckState.Refused;
        emit CheckRefused(checkId, RefusalReason(reason));
        _history.appendAudit(check.subject, msg.sender, IHistoryRecord.AuditAction.CheckRefused, checkId);
    }

    /// @inheritdoc IConditionMatching
    function verifyDecision(bytes32 checkId, bool approved, bytes32 salt) external view returns (bool) {
        bytes32 recorded = _checks[checkId].decisionHash;
        return recorded != bytes32(0) && recorded == keccak256(abi.encode(checkId, approved, salt));
    }

    /// @inheritdoc IConditionMatching
    function state(bytes32 checkId) public view returns (CheckState) {
        Check storage check = _checks[checkId];
        CheckState stage = check.stage;
        if (stage == CheckState.None || stage == CheckState.Decided || stage == CheckState.Refused) return stage;
        if (block.timestamp > check.deadline) return CheckState.Expired;
        return stage;
    }

    /// @inheritdoc IConditionMatching
    function checkOf(bytes32 checkId) external view returns (Check memory) {
        return _checks[checkId];
    }

    /// @inheritdoc IConditionMatching
    function nextCheckId(address bank) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), bank, _checksOpened[bank]));
    }

    /// @inheritdoc IConditionMatching
    function keyBits(address owner, bytes32 fingerprint) external view returns (uint256) {
        return _keyBits[owner][fingerprint];
    }

    /// @inheritdoc IConditionMatching
    function schemaHash() external view returns (bytes32) {
        return _schemaHash;
    }

    /// @dev The one lifecycle guard: the check is in `expected` state, of `mode`, and the new commitment is not zero.
    function _step(
        bytes32 checkId,
        CheckMode mode,
        CheckState expected,
        bytes32 commitment
    ) private view returns (Check storage check) {
        CheckState current = state(checkId);
        if (current != expected) revert MatchingUnexpectedState(checkId, current, expected);
        check = _checks[checkId];
        if (check.mode != mode) revert MatchingWrongMode(checkId, check.mode);
        if (commitment == bytes32(0)) revert MatchingZeroHash();
    }

    function _checkParty(bytes32 checkId, address expected) private view {
        if (msg.sender != expected) revert MatchingWrongParty(checkId, msg.sender, expected);
    }

    /// @dev Every step before the answer, in either mode: the bank, the bureau and the subject are still members of
    /// their kind (removal by vote ends a party's part in its open checks: a removed bank gets no answer, paper mode
    /// included), and the grant the check consumed is still the subject's grant (a revocation or any change gives
    /// it a new id; its expiry since does not matter).
    function _checkLive(bytes32 checkId, Check storage check) private view {
        _checkBank(check.bank);
        if (!_classification.isActiveAs(check.bureau, INodeTypes.NodeType.CreditBureau)) {
            revert MatchingNotBureau(check.bureau);
        }
        if (!_classification.isActiveAs(check.subject, INodeTypes.NodeType.CreditSubject)) {
            revert MatchingNotSubject(check.subject);
        }
        bytes32 consumed = check.grantId;
        if (_permissions.grantId(check.subject, check.bank) != consumed) {
            revert MatchingGrantWithdrawn(checkId, consumed, _permissions.grantState(check.subject, check.bank));
        }
    }

    function _checkBank(address account) private view {
        if (!_classification.isActiveAs(account, INodeTypes.NodeType.CreditAccessUser)) revert MatchingNotBank(account);
    }
}
