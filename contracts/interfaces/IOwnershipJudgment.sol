// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Ownership judgment (paper section 3.2 (4)).
/// @notice Per credit subject: a commitment to its identity (a salted hash, never the identity
/// itself), the hash of each category of its credit information (the integrity mapping, updated
/// only by writers holding the subject's write grant), and where its permissions live.
interface IOwnershipJudgment {
    /// @notice Thrown when `caller` is not an active credit subject.
    error OwnershipNotSubject(address caller);

    /// @notice Thrown when a commitment or a data hash is zero.
    error OwnershipZeroHash();

    /// @notice Thrown when `subject` has already committed to an identity.
    error OwnershipIdentityAlreadyCommitted(address subject);

    /// @notice Thrown when `subject` has no ownership record yet (no identity committed).
    error OwnershipNoRecord(address subject);

    /// @notice Emitted when `subject` commits to its identity and its ownership record is created.
    event IdentityCommitted(address indexed subject, bytes32 commitment);

    /// @notice Emitted when `writer` commits `dataHash` as `subject`'s data of `category`, under grant `grantId`.
    event DataCommitted(
        address indexed subject,
        bytes32 indexed category,
        bytes32 dataHash,
        address indexed writer,
        bytes32 grantId
    );

    /// @notice The subject commits to its identity: `commitment` = keccak256(abi.encode(salt, identity)).
    /// This creates its ownership record and links it from the history record (paper flow 3.4 step (3)).
    ///
    /// Requirements: the caller is an active credit subject without a commitment; `commitment` is not zero.
    ///
    /// Emits an {IdentityCommitted} event.
    function commitIdentity(bytes32 commitment) external;

    /// @notice Commits the hash of `subject`'s data of `category`, consuming one use of the
    /// caller's write grant from the subject.
    ///
    /// Requirements: `subject` has an ownership record; the caller holds a live write grant from
    /// it; `dataHash` is not zero.
    ///
    /// Emits a {DataCommitted} event.
    function commitData(address subject, bytes32 category, bytes32 dataHash) external;

    /// @notice The identity commitment of `subject` (zero when none).
    function identityCommitmentOf(address subject) external view returns (bytes32);

    /// @notice Whether `salt` and `identity` open `subject`'s identity commitment.
    function identityMatches(address subject, bytes32 salt, bytes calldata identity) external view returns (bool);

    /// @notice The committed hash of `subject`'s data of `category` (zero when none).
    function dataHashOf(address subject, bytes32 category) external view returns (bytes32);

    /// @notice Whether `data` is exactly what was committed for `subject` and `category` (keccak256).
    function verifyData(address subject, bytes32 category, bytes calldata data) external view returns (bool);

    /// @notice Paper flow 3.4 steps (5)–(6): where `subject`'s permissions live (zero when it has no record).
    function permissionSettingOf(address subject) external view returns (address);
}
