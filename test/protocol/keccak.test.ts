/**
 * Tests of the protocol's keccak256: the same digest as ethers' keccak256 (the independent reference) for every length
 * from 0 to 300 bytes, across the 136-byte rate and twice it, for Buffers and for views into larger buffers, and a
 * known-answer vector.
 */
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { keccak256 as ethersKeccak256 } from "ethers";
import { keccak256 } from "../../src/protocol/keccak";

describe("protocol/keccak", function () {
  describe("keccak256", function () {
    it("hashes empty bytes to the known answer c5d24601…5d85a470", function () {
      const empty = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
      expect(keccak256(new Uint8Array(0))).to.equal(empty);
      expect(keccak256(Buffer.alloc(0))).to.equal(empty);
    });

    it("hashes the ASCII bytes of 'abc' to the known answer 4e03657a…8d6c45", function () {
      expect(keccak256(new TextEncoder().encode("abc"))).to.equal(
        "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
      );
    });

    it("equals ethers' keccak256 for every length from 0 to 300 bytes (across the 136-byte rate and twice it)", function () {
      for (let length = 0; length <= 300; length++) {
        const bytes = new Uint8Array(randomBytes(length));
        const digest = keccak256(bytes);
        expect(digest, `length ${length}`).to.match(/^0x[0-9a-f]{64}$/);
        expect(digest, `length ${length}`).to.equal(ethersKeccak256(bytes));
      }
    });

    it("equals ethers' keccak256 for a Buffer, whose bytes are hashed as they are", function () {
      for (const length of [1, 135, 136, 137, 4096]) {
        const buffer = randomBytes(length);
        expect(Buffer.isBuffer(buffer)).to.equal(true);
        expect(keccak256(buffer), `length ${length}`).to.equal(ethersKeccak256(new Uint8Array(buffer)));
      }
    });

    it("hashes only the bytes a Uint8Array views, at a non-zero offset into a larger ArrayBuffer", function () {
      const whole = new Uint8Array(randomBytes(400));
      for (const [offset, length] of [
        [1, 0],
        [3, 136],
        [7, 137],
        [100, 272],
        [399, 1],
      ]) {
        const view = new Uint8Array(whole.buffer, offset, length);
        expect(view.byteOffset).to.equal(offset);
        const copy = new Uint8Array(view); // the same bytes, alone in their own buffer
        expect(keccak256(view), `offset ${offset}, length ${length}`).to.equal(ethersKeccak256(copy));
        // Not the digest of the bytes from the buffer's start, nor of the whole buffer.
        if (length > 0) {
          expect(keccak256(view)).to.not.equal(ethersKeccak256(whole.subarray(0, length)));
          expect(keccak256(view)).to.not.equal(ethersKeccak256(whole));
        }
      }
      // A Buffer that is itself a view into a larger pool.
      const pooled = Buffer.from(whole.buffer, 5, 200);
      expect(keccak256(pooled)).to.equal(ethersKeccak256(new Uint8Array(pooled)));
    });

    it("leaves its input unchanged", function () {
      const bytes = new Uint8Array(randomBytes(300));
      const before = Uint8Array.from(bytes);
      keccak256(bytes.subarray(10, 250));
      expect(bytes).to.deep.equal(before);
    });
  });
});
