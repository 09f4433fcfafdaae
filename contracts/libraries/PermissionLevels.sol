// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The paper's four permission levels as bit flags (section 3.2 (5)).
library PermissionLevels {
    /// @notice (a) Read the plaintext credit information.
    uint8 internal constant READ = 1;
    /// @notice (b) Ownership: the highest level.
    uint8 internal constant OWNERSHIP = 2;
    /// @notice (c) Write credit information.
    uint8 internal constant WRITE = 4;
    /// @notice (d) Blind read: ciphertexts only (a bank's condition check).
    uint8 internal constant BLIND_READ = 8;
    /// @notice Every known level.
    uint8 internal constant ALL = READ | OWNERSHIP | WRITE | BLIND_READ;

    /// @notice Whether `levels` is a non-empty combination of known levels.
    function isValid(uint256 levels) internal pure returns (bool) {
        return levels != 0 && levels & ~uint256(ALL) == 0;
    }
}
