// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Node types of the BlindCredit consortium (paper section 3.1).
/// @dev Shared by every contract that decides what an address may do.
interface INodeTypes {
    /// @notice The kind of node an address is.
    /// @dev Passed across the ABI as `uint8` by mutating entry points, so that an unknown value
    /// reverts with a named error instead of the ABI decoder's empty revert.
    enum NodeType {
        None, // not a node
        CreditSubject, // a person or enterprise that owns its credit information
        CreditBureau, // the credit reporting system: holds the data, evaluates checks
        InformationProvider, // writes credit information (tax office, bank, traffic office…)
        CreditAccessUser // a bank or lender: blind-read access only
    }

    /// @notice Where a node stands in the consortium.
    enum NodeStatus {
        Unknown, // never admitted
        Active, // admitted (by vote, at genesis, or by self-registration for subjects)
        Removed // removed by vote; may be admitted again only by a new vote
    }
}
