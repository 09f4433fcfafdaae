// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPermissionSetting} from "./IPermissionSetting.sol";

/// @title Condition matching (paper section 3.2 (6), flow 3.5).
/// @notice One record per credit check: the bank, the subject, the bureau, the blind-read grant it
/// consumed, the bank's Paillier key, and keccak256 commitments to every protocol message. The
/// ciphertexts themselves travel off-chain and are checked against these commitments; each
/// message binds the chain id, this contract, the check id and the key fingerprint, so it cannot
/// be replayed into another check. The commitments to decision mode's two middle messages live in
/// the {CheckChallenged} and {CheckResponded} logs only: nothing on-chain reads them, and logs
/// cost a fraction of storage. The bank's decision is recorded as a salted commitment: chain
/// observers learn that a check happened, never its outcome.
///
/// Every step checks, in this order: the check's state, its mode, a non-zero commitment, the caller
/// (who must still be an active node of its type), and for the steps before the answer that the
/// grant the check consumed is still the subject's grant: revoked or changed, it stops the check.
/// Its expiry after the check opened does not: the use was consumed while the grant was live.
interface IConditionMatching {
    /// @notice How much the bank learns.
    enum CheckMode {
        Decision, // one bit: every condition holds or not (two extra messages for the comparisons)
        Paper // the paper's flow, leak fixed: shuffled per-condition match results, equality only
    }

    /// @notice The lifecycle of a check, derived by {state}.
    enum CheckState {
        None, // no such check
        Requested, // the bank committed to its encrypted form
        Challenged, // decision mode: the bureau committed to its blinded comparisons
        Responded, // decision mode: the bank committed to its encrypted comparison shares
        Answered, // the bureau committed to its answer
        Decided, // the bank committed to its decision
        Expired, // the deadline passed before a decision
        Refused // the bureau refused to answer, with a {RefusalReason}
    }

    /// @notice Why the bureau refused a check ({refuseCheck}).
    enum RefusalReason {
        NoData, // the bureau holds no record of the subject
        TamperedData, // the bureau's record failed its integrity check
        InvalidProof, // a proof accompanying the bank's message failed
        GrantRevoked, // the subject revoked or changed the grant the check consumed
        InvalidMessage // a message of the bank did not open its commitment or was malformed
    }

    /// @notice A check as stored.
    struct Check {
        address bank; // who asks: a credit access user
        uint64 deadline; // last block time for any step
        CheckMode mode; // what the bank may learn
        CheckState stage; // the last step taken (never Expired: that is derived)
        address subject; // whose data
        address bureau; // who evaluates
        bytes32 grantId; // the blind-read grant consumed by this check
        bytes32 keyFingerprint; // the bank's registered Paillier key
        bytes32 formHash; // keccak256 of the bank's encrypted condition form
        bytes32 answerHash; // keccak256 of the bureau's answer
        bytes32 decisionHash; // keccak256(abi.encode(checkId, approved, salt))
    }

    /// @notice Thrown when `caller`, or the bank of a check before its answer, is not an active credit access user.
    error MatchingNotBank(address caller);

    /// @notice Thrown when `account` is not an active credit bureau.
    error MatchingNotBureau(address account);

    /// @notice Thrown when a key's modulus has `bits` bits: only 2048, 3072 and 4096 are accepted.
    error MatchingUnsupportedKeySize(uint256 bits);

    /// @notice Thrown when a key's modulus is even, or has leading zero bytes.
    error MatchingMalformedKey();

    /// @notice Thrown when a bureau's comparison key is empty or longer than {MAX_COMPARISON_KEY_BYTES}.
    error MatchingMalformedComparisonKey(uint256 length);

    /// @notice Thrown when a decision-mode check names a bureau that has registered no comparison key.
    error MatchingNoComparisonKey(address bureau);

    /// @notice Thrown when `owner` has already registered the key `fingerprint`.
    error MatchingKeyAlreadyRegistered(address owner, bytes32 fingerprint);

    /// @notice Thrown when the key `fingerprint` is not registered by `bank`.
    error MatchingUnknownKey(address bank, bytes32 fingerprint);

    /// @notice Thrown when a check's duration is outside [`min`, `max`] seconds.
    error MatchingInvalidDuration(uint256 duration, uint256 min, uint256 max);

    /// @notice Thrown when a message commitment is zero.
    error MatchingZeroHash();

    /// @notice Thrown at deployment when the credit schema's hash is zero.
    error MatchingZeroSchemaHash();

    /// @notice The check id the caller bound its form to is not the id this check would get:
    /// another check of the same bank opened first.
    error MatchingCheckIdMismatch(bytes32 expected, bytes32 given);

    /// @notice Thrown when `caller` is not the party whose turn it is (`expected`).
    error MatchingWrongParty(bytes32 checkId, address caller, address expected);

    /// @notice Thrown when check `checkId` is in `current` state and only `expected` would do.
    error MatchingUnexpectedState(bytes32 checkId, CheckState current, CheckState expected);

    /// @notice Thrown when decision mode's challenge is posted on a paper-mode check.
    error MatchingWrongMode(bytes32 checkId, CheckMode mode);

    /// @notice Thrown when `subject` is not an active credit subject: at opening, or at a step before the answer.
    error MatchingNotSubject(address subject);

    /// @notice Thrown when the grant `grantId` that check `checkId` consumed was revoked or changed
    /// since; `current` is the state of the grant the subject holds out to the bank now (Revoked,
    /// or the state of the grant that replaced it).
    error MatchingGrantWithdrawn(bytes32 checkId, bytes32 grantId, IPermissionSetting.GrantState current);

    /// @notice Thrown when check `checkId` is in `current` state, in which it cannot be refused
    /// (only Requested, Challenged and Responded can).
    error MatchingNotRefusable(bytes32 checkId, CheckState current);

    /// @notice Thrown when a refusal reason `value` is not one of {RefusalReason}.
    error MatchingUnknownRefusalReason(uint8 value);

    /// @notice Emitted when `owner` registers a Paillier key; the modulus is in the log for anyone to fetch.
    event KeyRegistered(address indexed owner, bytes32 indexed fingerprint, uint256 bits, bytes modulus);

    /// @notice Emitted when a bureau registers the DGK public key it runs decision-mode comparisons under: the
    /// canonical JSON of the key is in the log, its SHA-256 is the fingerprint the protocol's messages name.
    event ComparisonKeyRegistered(address indexed bureau, bytes32 indexed fingerprint, bytes publicKey);

    /// @notice Emitted when a bank opens a check.
    event CheckRequested(
        bytes32 indexed checkId,
        address indexed bank,
        address indexed subject,
        address bureau,
        CheckMode mode,
        bytes32 keyFingerprint,
        bytes32 grantId,
        bytes32 formHash,
        uint64 deadline
    );

    /// @notice Emitted when the bureau commits to its blinded comparisons.
    event CheckChallenged(bytes32 indexed checkId, bytes32 challengeHash);

    /// @notice Emitted when the bank commits to its encrypted comparison shares.
    event CheckResponded(bytes32 indexed checkId, bytes32 responseHash);

    /// @notice Emitted when the bureau commits to its answer.
    event CheckAnswered(bytes32 indexed checkId, bytes32 answerHash);

    /// @notice Emitted when the bank commits to its decision.
    event CheckDecided(bytes32 indexed checkId, bytes32 decisionHash);

    /// @notice Emitted when the bureau refuses the check `checkId` for `reason`.
    event CheckRefused(bytes32 indexed checkId, RefusalReason reason);

    /// @notice A bank registers its Paillier public key (big-endian modulus; g is n + 1).
    ///
    /// Keys are registered per bank: a modulus is public, so another bank registering the same
    /// one first must not lock its owner out.
    ///
    /// Requirements: the caller is an active credit access user; the modulus has exactly 2048,
    /// 3072 or 4096 bits, no leading zero byte, and is odd; the caller has not registered it yet.
    ///
    /// Emits a {KeyRegistered} event.
    function registerKey(bytes calldata modulus) external returns (bytes32 fingerprint);

    /// @notice A bureau registers (or replaces) its DGK comparison key: the canonical JSON of the public key, whose
    /// SHA-256 becomes its fingerprint. A check already under way keeps working with the key its messages name: a
    /// bank accepts any key the bureau has registered, by fingerprint, from the logs.
    ///
    /// Requirements: the caller is an active credit bureau; the key is 1 to {MAX_COMPARISON_KEY_BYTES} bytes.
    ///
    /// Emits a {ComparisonKeyRegistered} event.
    function registerComparisonKey(bytes calldata publicKey) external returns (bytes32 fingerprint);

    /// @notice The fingerprint of `bureau`'s current comparison key, zero when it has none.
    function comparisonKeyOf(address bureau) external view returns (bytes32);

    /// @notice Opens a check of `subject`, consuming one use of the caller's blind-read grant.
    /// `checkId` must be {nextCheckId} of the caller, which the form already binds: a check
    /// opened concurrently by the same bank then reverts instead of spending a grant use on a
    /// form the bureau would refuse.
    ///
    /// Requirements:
    /// - the caller is an active credit access user holding a live blind-read grant from `subject`,
    ///   an active credit subject;
    /// - `bureau` is an active credit bureau; `keyFingerprint` is the caller's registered key;
    /// - in decision mode, `bureau` has registered a comparison key;
    /// - `formHash` is not zero; `duration` is within the allowed range;
    /// - `checkId` is {nextCheckId} of the caller.
    ///
    /// Emits a {CheckRequested} event.
    function openCheck(
        bytes32 checkId,
        address subject,
        address bureau,
        bytes32 keyFingerprint,
        CheckMode mode,
        bytes32 formHash,
        uint64 duration
    ) external;

    /// @notice Decision mode: the bureau commits to its blinded comparisons.
    ///
    /// Requirements: the caller is the check's bureau; the check is a decision-mode check in
    /// {CheckState.Requested}; `challengeHash` is not zero; the bank, the bureau and the subject are
    /// still active members of their kind; the grant the check consumed was neither revoked nor changed.
    ///
    /// Emits a {CheckChallenged} event.
    function postChallenge(bytes32 checkId, bytes32 challengeHash) external;

    /// @notice Decision mode: the bank commits to its encrypted comparison shares.
    ///
    /// Requirements: the caller is the check's bank; the check is in {CheckState.Challenged};
    /// `responseHash` is not zero; the bank, the bureau and the subject are still active members of
    /// their kind; the grant the check consumed was neither revoked nor changed.
    ///
    /// Emits a {CheckResponded} event.
    function postResponse(bytes32 checkId, bytes32 responseHash) external;

    /// @notice The bureau commits to its answer.
    ///
    /// Requirements: the caller is the check's bureau; the check is in {CheckState.Responded}
    /// (decision mode) or {CheckState.Requested} (paper mode); `answerHash` is not zero; the bank,
    /// the bureau and the subject are still active members of their kind (issue 20: a bank removed
    /// by vote gets no answer in either mode); the grant the check consumed was neither revoked nor
    /// changed.
    ///
    /// Emits a {CheckAnswered} event.
    function postAnswer(bytes32 checkId, bytes32 answerHash) external;

    /// @notice The bank commits to its decision: `decisionHash` = keccak256(abi.encode(checkId, approved, salt)).
    ///
    /// Requirements: the caller is the check's bank, still an active bank; the check is in
    /// {CheckState.Answered}; `decisionHash` is not zero. (A grant revoked after the answer does
    /// not stop it: the bank already holds the answer, and the record only adds to the audit trail.)
    ///
    /// Emits a {CheckDecided} event.
    function recordDecision(bytes32 checkId, bytes32 decisionHash) external;

    /// @notice The bureau refuses to answer the check, for `reason` (a {RefusalReason}): the check
    /// ends in {CheckState.Refused} at once, so the bank need not wait for its deadline, and the
    /// subject's history shows it. The grant use the check consumed is not given back: a bank
    /// cannot probe for free, and the subject's use count stays the number of checks opened.
    ///
    /// Requirements: the caller is the check's bureau (removed or not: a refusal gives nobody
    /// anything); the check is in {CheckState.Requested}, {CheckState.Challenged} or
    /// {CheckState.Responded}; `reason` is a known {RefusalReason}.
    ///
    /// Emits a {CheckRefused} event.
    function refuseCheck(bytes32 checkId, uint8 reason) external;

    /// @notice Whether `approved` and `salt` open the decision recorded for `checkId`.
    function verifyDecision(bytes32 checkId, bool approved, bytes32 salt) external view returns (bool);

    /// @notice The state of `checkId`.
    function state(bytes32 checkId) external view returns (CheckState);

    /// @notice The stored record of `checkId` (all zero when none).
    function checkOf(bytes32 checkId) external view returns (Check memory);

    /// @notice The id the next check opened by `bank` will have.
    function nextCheckId(address bank) external view returns (bytes32);

    /// @notice The size in bits of the key `fingerprint` registered by `owner` (zero when none).
    function keyBits(address owner, bytes32 fingerprint) external view returns (uint256);

    /// @notice The consortium's credit schema: keccak256 of the canonical JSON of its schema file (fields, ranges,
    /// decimals, id and version), fixed at deployment. Every check's messages and every record name it; the bank,
    /// the bureau, the providers and the portal refuse to work against another schema. A new schema version is a
    /// new deployment of this contract.
    function schemaHash() external view returns (bytes32);
}
