// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Bounds of a paginated read, shared by every list BlindCredit exposes.
library Pages {
    /// @notice The largest page any list returns.
    uint256 internal constant MAX_SIZE = 100;

    /// @notice Whether `limit` is a page size a list accepts: 1 to {MAX_SIZE}.
    /// @dev Each list checks it first and reverts with its own component's error, so that a caller of
    /// `PermissionSetting` is not told about `HistoryRecord`.
    function isValidSize(uint256 limit) internal pure returns (bool) {
        return limit != 0 && limit <= MAX_SIZE;
    }

    /// @notice The slice [start, end) of a list of `total` items; empty when `offset` is past the end.
    /// @dev Expects a size that {isValidSize} accepts.
    function bounds(uint256 total, uint256 offset, uint256 limit) internal pure returns (uint256 start, uint256 end) {
        if (offset >= total) return (total, total);
        end = total - offset < limit ? total : offset + limit;
        return (offset, end);
    }
}
