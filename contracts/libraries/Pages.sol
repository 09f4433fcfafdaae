// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IHistoryRecord} from "../interfaces/IHistoryRecord.sol";

/// @title Bounds of a paginated read, shared by every list BlindCredit exposes.
library Pages {
    /// @notice The largest page any list returns.
    uint256 internal constant MAX_SIZE = 100;

    /// @notice The slice [start, end) of a list of `total` items; empty when `offset` is past the end.
    /// @dev Reverts with {IHistoryRecord.HistoryRecordInvalidPageSize} when `limit` is 0 or above {MAX_SIZE}.
    function bounds(uint256 total, uint256 offset, uint256 limit) internal pure returns (uint256 start, uint256 end) {
        if (limit == 0 || limit > MAX_SIZE) revert IHistoryRecord.HistoryRecordInvalidPageSize(limit, MAX_SIZE);
        if (offset >= total) return (total, total);
        end = total - offset < limit ? total : offset + limit;
        return (offset, end);
    }
}
