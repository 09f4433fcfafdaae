// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title The paper's condition matching storage (section 3.5, step (5)), as a gas baseline.
/// @notice The bureau stores the subject's address, a hash and the array A[n] of Paillier
/// ciphertexts in contract storage; the bank reads them back with {resultsOf} (an eth_call: free).
/// @dev Bench only: compiled by bench/matching/gas.ts with the npm `solc` package, never part of
/// the Hardhat build. Deliberately minimal, so that the baseline pays only for what the paper
/// stores:
/// - no consent, grant, node-type or deadline check (ConditionMatching pays for those, the
///   baseline does not), only "the sender is the bureau" against an immutable;
/// - one record per check in one registry, not one contract per check as the paper describes
///   (a deployment per check would cost more still).
/// {publish} is a reference point, not the paper's design: the same message with A[n] left in
/// calldata and only its keccak256 stored.
contract PaperStorageBaseline {
    /// @notice One condition match as the paper stores it.
    struct Match {
        address subject; // whose credit information was matched
        bytes32 infoHash; // the paper's "calculated hash value"
        bytes[] results; // A[n]: the shuffled ciphertexts E(M_i) x E(M)^-1, one per condition
    }

    /// @notice The same message with A[n] kept out of storage.
    struct Commitment {
        address subject; // whose credit information was matched
        bytes32 infoHash; // the paper's "calculated hash value"
        bytes32 resultsHash; // keccak256(abi.encode(A[n])); A[n] itself stays in the calldata
    }

    /// @notice Thrown when `caller` is not the bureau.
    error BaselineNotBureau(address caller);

    /// @notice Thrown when no match `id` exists.
    error BaselineUnknownMatch(uint256 id);

    /// @notice Emitted when the bureau stores a match.
    event MatchStored(uint256 indexed id, address indexed subject, bytes32 infoHash);

    /// @notice Emitted when the bureau appends results to a match (a split over several transactions).
    event ResultsAppended(uint256 indexed id, uint256 count);

    /// @notice Emitted when the bureau publishes a match with its results in calldata only.
    event MatchPublished(uint256 indexed id, address indexed subject, bytes32 infoHash, bytes32 resultsHash);

    /// @notice The only account that may write.
    address public immutable bureau;

    /// @notice How many matches were stored or published; ids start at 1.
    uint256 public matchCount;

    mapping(uint256 id => Match) private _matches;
    mapping(uint256 id => Commitment) private _commitments;

    constructor(address bureau_) {
        bureau = bureau_;
    }

    /// @notice The bureau stores a match with (the first part of) its results A[n].
    function store(address subject, bytes32 infoHash, bytes[] calldata results) external returns (uint256 id) {
        _checkBureau();
        id = ++matchCount;
        Match storage m = _matches[id];
        m.subject = subject;
        m.infoHash = infoHash;
        _append(m, results);
        emit MatchStored(id, subject, infoHash);
    }

    /// @notice The bureau appends further results to match `id`, when one transaction cannot hold them all.
    function append(uint256 id, bytes[] calldata results) external {
        _checkBureau();
        Match storage m = _matches[id];
        if (m.subject == address(0)) revert BaselineUnknownMatch(id);
        _append(m, results);
        emit ResultsAppended(id, results.length);
    }

    /// @notice Reference point: the same message, A[n] in calldata, only its hash in storage.
    function publish(address subject, bytes32 infoHash, bytes[] calldata results) external returns (uint256 id) {
        _checkBureau();
        id = ++matchCount;
        bytes32 resultsHash = keccak256(abi.encode(results));
        _commitments[id] = Commitment(subject, infoHash, resultsHash);
        emit MatchPublished(id, subject, infoHash, resultsHash);
    }

    /// @notice What the bank reads: the subject, the hash and A[n].
    function resultsOf(uint256 id) external view returns (address subject, bytes32 infoHash, bytes[] memory results) {
        Match storage m = _matches[id];
        if (m.subject == address(0)) revert BaselineUnknownMatch(id);
        return (m.subject, m.infoHash, m.results);
    }

    function _append(Match storage m, bytes[] calldata results) private {
        for (uint256 i = 0; i < results.length; ++i) {
            m.results.push(results[i]);
        }
    }

    function _checkBureau() private view {
        if (msg.sender != bureau) revert BaselineNotBureau(msg.sender);
    }
}
