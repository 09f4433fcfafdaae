// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Paillier public keys on-chain: size checks and the fingerprint that names a key.
/// @dev The fingerprint matches the TypeScript engine's (`src/paillier/keys.ts`): SHA-256 of the
/// canonical JSON `{"kty":"Paillier","n":"0x<n in lowercase hex>"}`. A modulus whose top bit is set
/// has no leading zero nibble, so the hex of its bytes is already minimal.
library PaillierKeys {
    bytes16 private constant _HEX = "0123456789abcdef";

    /// @notice The exact bit length of the big-endian number `modulus` (leading zero bytes ignored).
    function bitLength(bytes calldata modulus) internal pure returns (uint256 bits) {
        uint256 i = 0;
        while (i < modulus.length && modulus[i] == 0) ++i;
        if (i == modulus.length) return 0;
        bits = (modulus.length - i) * 8;
        for (uint8 top = uint8(modulus[i]); top < 0x80; top <<= 1) --bits;
    }

    /// @notice Whether the big-endian number `modulus` is odd.
    function isOdd(bytes calldata modulus) internal pure returns (bool) {
        return modulus.length != 0 && uint8(modulus[modulus.length - 1]) & 1 == 1;
    }

    /// @notice The fingerprint of the key with modulus `modulus`: big-endian bytes without a
    /// leading zero byte and with the top bit set (see {bitLength}).
    function fingerprint(bytes calldata modulus) internal pure returns (bytes32) {
        bytes memory hex_ = new bytes(modulus.length * 2);
        for (uint256 i = 0; i < modulus.length; ++i) {
            uint8 b = uint8(modulus[i]);
            hex_[2 * i] = _HEX[b >> 4];
            hex_[2 * i + 1] = _HEX[b & 0x0f];
        }
        // solhint-disable-next-line quotes
        return sha256(abi.encodePacked('{"kty":"Paillier","n":"0x', hex_, '"}')); // JSON inside: single quotes
    }
}
