/**
 * Tests of encryption at rest: round trips, a known-answer vector checked against `crypto.createCipheriv` used
 * directly (the independent reference), every tampered region, wrong keys and AAD, malformed input, key files.
 */

import { createCipheriv, createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { expect } from "chai";
import fc from "fast-check";
import {
  IV_BYTES,
  MIN_SEALED_BYTES,
  SEALED_HEADER_BYTES,
  SealingError,
  SealingKey,
  TAG_BYTES,
  aadOf,
  generateSealingKey,
  loadSealingKey,
  open,
  saveSealingKey,
  seal,
  sealWithIv,
  sealingKeyFrom,
  sealingKeyFromHex,
  sealingKeyId,
  type SealingErrorCode,
} from "../../src/bureau/sealing";

const KEY_BYTES = Uint8Array.from({ length: 32 }, (_, i) => i);
const KEY_HEX = Buffer.from(KEY_BYTES).toString("hex");
const IV = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
const PLAINTEXT = new TextEncoder().encode('{"creditScore":"720"}');
const AAD = aadOf("records", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 1);

function expectSealingError(fn: () => unknown, code: SealingErrorCode, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, "expected a SealingError").to.be.instanceOf(SealingError);
  expect((error as SealingError).code).to.equal(code);
  expect((error as SealingError).message).to.contain(message);
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] ^= 0x01;
  return copy;
}

describe("bureau/sealing", () => {
  describe("seal and open", () => {
    it("round-trips any plaintext under any aad", () => {
      const key = generateSealingKey();
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 2048, size: "max" }),
          fc.uint8Array({ maxLength: 64 }),
          (plaintext, aad) => {
            const sealed = seal(key, plaintext, aad);
            expect(sealed.length).to.equal(plaintext.length + MIN_SEALED_BYTES);
            expect(Buffer.from(open(key, sealed, aad)).equals(Buffer.from(plaintext))).to.equal(true);
          },
        ),
        { numRuns: 200 },
      );
      expect(open(key, seal(key, new Uint8Array(0), AAD), AAD)).to.have.length(0);
    });

    it("uses a fresh IV each time: sealing twice gives different blobs", () => {
      const key = sealingKeyFrom(KEY_BYTES);
      const a = seal(key, PLAINTEXT, AAD);
      const b = seal(key, PLAINTEXT, AAD);
      expect(Buffer.from(a.subarray(9, 21)).equals(Buffer.from(b.subarray(9, 21)))).to.equal(false);
      expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(false);
    });

    it("matches AES-256-GCM computed with createCipheriv directly (known answer)", () => {
      const key = sealingKeyFrom(KEY_BYTES);
      // the reference: the documented layout, built without the module
      const keyId = createHash("sha256")
        .update("blindcredit.sealing-key-id.v1")
        .update(KEY_BYTES)
        .digest()
        .subarray(0, 8);
      const header = Buffer.concat([Buffer.of(0x01), keyId]);
      const cipher = createCipheriv("aes-256-gcm", KEY_BYTES, IV);
      cipher.setAAD(Buffer.concat([header, AAD]));
      const body = Buffer.concat([cipher.update(PLAINTEXT), cipher.final()]);
      const expected = Buffer.concat([header, IV, body, cipher.getAuthTag()]);

      const sealed = sealWithIv(key, PLAINTEXT, AAD, IV);
      expect(Buffer.from(sealed).toString("hex")).to.equal(expected.toString("hex"));
      expect(sealingKeyId(key)).to.equal("0x" + keyId.toString("hex"));
      // pinned, so that a change of layout, key id or aad encoding cannot pass unnoticed
      expect(sealingKeyId(key)).to.equal("0xb9252653dc1e2dd0");
      expect(Buffer.from(sealed).toString("hex")).to.equal(
        "01" + // version
          "b9252653dc1e2dd0" + // key id
          "a0a1a2a3a4a5a6a7a8a9aaab" + // IV
          "9d3a1f5f20af6bcb3106e8a16258fafc479e6932ef" + // ciphertext
          "859a0bb620e4dfd9259fd28498d6228f", // tag
      );
      expect(Buffer.from(open(key, sealed, AAD)).toString()).to.equal('{"creditScore":"720"}');
    });

    it("reports every altered region as tampered: version, IV, ciphertext, tag", () => {
      const key = generateSealingKey();
      const sealed = seal(key, PLAINTEXT, AAD);
      const regions: [string, number, string][] = [
        ["version", 0, "expected format version 0x01, got 0x00"],
        ["IV", 9, "authentication failed"],
        ["IV", 9 + IV_BYTES - 1, "authentication failed"],
        ["ciphertext", SEALED_HEADER_BYTES, "authentication failed"],
        ["ciphertext", sealed.length - TAG_BYTES - 1, "authentication failed"],
        ["tag", sealed.length - TAG_BYTES, "authentication failed"],
        ["tag", sealed.length - 1, "authentication failed"],
      ];
      for (const [, at, message] of regions)
        expectSealingError(() => open(key, flipped(sealed, at), AAD), "tampered", message);
      // every single bit of every byte, for good measure
      for (let at = 0; at < sealed.length; at++) {
        if (at >= 1 && at < 9) continue; // the key id: reported as wrong-key below
        for (let bit = 0; bit < 8; bit++) {
          const copy = Uint8Array.from(sealed);
          copy[at] ^= 1 << bit;
          expectSealingError(() => open(key, copy, AAD), "tampered", "sealed blob:");
        }
      }
      // truncated or extended: still authenticated, still refused
      expectSealingError(
        () => open(key, sealed.subarray(0, sealed.length - 1), AAD),
        "tampered",
        "authentication failed",
      );
      expectSealingError(() => open(key, Uint8Array.of(...sealed, 0), AAD), "tampered", "authentication failed");
    });

    it("reports an altered key id as wrong-key (it cannot tell it from a blob sealed under another key)", () => {
      const key = generateSealingKey();
      const sealed = seal(key, PLAINTEXT, AAD);
      expectSealingError(() => open(key, flipped(sealed, 3), AAD), "wrong-key", "or the blob's header was altered");
    });

    it("refuses a blob opened with another key as wrong-key, naming both ids", () => {
      const key = generateSealingKey();
      const other = generateSealingKey();
      const sealed = seal(key, PLAINTEXT, AAD);
      expectSealingError(
        () => open(other, sealed, AAD),
        "wrong-key",
        `sealed blob: sealed under key ${key.id}, this key is ${other.id}: wrong sealing key`,
      );
    });

    it("refuses a blob opened with other aad as tampered: blobs cannot move between rows", () => {
      const key = generateSealingKey();
      const sealed = seal(key, PLAINTEXT, aadOf("records", "0xA", 1));
      for (const aad of [
        aadOf("records", "0xA", 2),
        aadOf("records", "0xB", 1),
        aadOf("checks", "0xA", 1),
        new Uint8Array(),
      ]) {
        expectSealingError(() => open(key, sealed, aad), "tampered", "it was moved from the row it was sealed for");
      }
    });

    it("refuses malformed input", () => {
      const key = generateSealingKey();
      for (const length of [0, 1, 9, 21, MIN_SEALED_BYTES - 1]) {
        expectSealingError(
          () => open(key, new Uint8Array(length).fill(1), AAD),
          "malformed",
          `sealed blob: expected at least ${MIN_SEALED_BYTES} bytes (version, key id, IV, tag), got ${length}`,
        );
      }
      expectSealingError(
        () => open(key, "0x01" as unknown as Uint8Array, AAD),
        "malformed",
        "expected bytes, got string",
      );
      expectSealingError(() => open(key, null as unknown as Uint8Array, AAD), "malformed", "expected bytes, got null");
      expect(() => seal(key, "text" as unknown as Uint8Array, AAD)).to.throw(TypeError, "plaintext: expected bytes");
      expect(() => sealWithIv(key, PLAINTEXT, AAD, new Uint8Array(11))).to.throw(TypeError, "iv: expected 12 bytes");
    });
  });

  describe("aadOf", () => {
    it("is unambiguous: different part lists give different bytes", () => {
      expect(Buffer.from(aadOf("ab", "c")).equals(Buffer.from(aadOf("a", "bc")))).to.equal(false);
      expect(Buffer.from(aadOf("a", "")).equals(Buffer.from(aadOf("a")))).to.equal(false);
      expect(Buffer.from(aadOf("x", 1)).toString("hex")).to.equal("00000001" + "78" + "00000001" + "31");
    });
  });

  describe("keys", () => {
    it("builds the same key from bytes and from hex, with or without 0x", () => {
      const ids = [
        sealingKeyFrom(KEY_BYTES).id,
        sealingKeyFromHex(KEY_HEX).id,
        sealingKeyFromHex("0x" + KEY_HEX).id,
        sealingKeyFromHex("0X" + KEY_HEX.toUpperCase()).id,
      ];
      expect(new Set(ids).size).to.equal(1);
      const sealed = seal(sealingKeyFrom(KEY_BYTES), PLAINTEXT, AAD);
      expect(Buffer.from(open(sealingKeyFromHex(KEY_HEX), sealed, AAD)).toString()).to.equal('{"creditScore":"720"}');
    });

    it("copies its material: changing the caller's bytes later changes nothing", () => {
      const bytes = Uint8Array.from(KEY_BYTES);
      const key = sealingKeyFrom(bytes);
      const sealed = seal(key, PLAINTEXT, AAD);
      bytes.fill(0);
      expect(open(key, sealed, AAD)).to.have.length(PLAINTEXT.length);
    });

    it("never shows its material: printing and JSON give the id only", () => {
      const key = sealingKeyFrom(KEY_BYTES);
      for (const shown of [String(key), JSON.stringify({ key }), inspect(key)]) {
        expect(shown).to.contain(key.id);
        expect(shown.toLowerCase()).to.not.contain(KEY_HEX.slice(0, 16));
      }
      expect(() => new SealingKey(Symbol("forged"), KEY_BYTES)).to.throw(TypeError, "use sealingKeyFrom()");
    });

    it("generates distinct random keys", () => {
      const ids = new Set(Array.from({ length: 50 }, () => generateSealingKey().id));
      expect(ids.size).to.equal(50);
    });

    it("refuses key material of the wrong length or not in hex, without repeating it", () => {
      expectSealingError(
        () => sealingKeyFrom(new Uint8Array(31)),
        "invalid-key",
        "sealing key: expected 32 bytes, got 31 bytes",
      );
      expectSealingError(
        () => sealingKeyFrom(new Uint8Array(33)),
        "invalid-key",
        "sealing key: expected 32 bytes, got 33 bytes",
      );
      expectSealingError(
        () => sealingKeyFromHex(KEY_HEX.slice(1)),
        "invalid-key",
        "sealing key: expected 64 hex digits (optionally 0x-prefixed), got 63 characters",
      );
      const bad = KEY_HEX.slice(0, 17) + "g" + KEY_HEX.slice(18);
      expectSealingError(() => sealingKeyFromHex(bad), "invalid-key", "got a non-hex character at position 17");
      try {
        sealingKeyFromHex(bad);
      } catch (e) {
        expect((e as Error).message).to.not.contain(bad.slice(0, 16));
      }
    });
  });

  describe("key files", () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "blindcredit-sealing-"));
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    function keyFile(contents: string, mode = 0o600): string {
      const path = join(dir, "bureau.key");
      writeFileSync(path, contents, { mode });
      chmodSync(path, mode); // the umask may have narrowed it
      return path;
    }

    it("loads 64 hex digits with an optional 0x and trailing newline", () => {
      const id = sealingKeyFrom(KEY_BYTES).id;
      for (const contents of [KEY_HEX, KEY_HEX + "\n", "0x" + KEY_HEX + "\n", KEY_HEX.toUpperCase() + "\r\n"]) {
        expect(loadSealingKey(keyFile(contents)).id).to.equal(id);
        rmSync(join(dir, "bureau.key"));
      }
    });

    it("saves a key readable by its owner only, loads it back, and never overwrites", () => {
      const key = generateSealingKey();
      const path = join(dir, "new.key");
      saveSealingKey(path, key);
      expect(statSync(path).mode & 0o777).to.equal(0o600);
      expect(readFileSync(path, "utf8")).to.match(/^[0-9a-f]{64}\n$/);
      expect(loadSealingKey(path).id).to.equal(key.id);
      expect(() => saveSealingKey(path, generateSealingKey())).to.throw(/EEXIST/);
      expect(loadSealingKey(path).id).to.equal(key.id);
    });

    it("refuses bad contents with a clear message that does not repeat them", () => {
      const cases: [string, string][] = [
        ["", "expected 64 hex digits (optionally 0x-prefixed), got 0 characters"],
        [KEY_HEX.slice(0, 62) + "\n", "expected 64 hex digits (optionally 0x-prefixed), got 62 characters"],
        [KEY_HEX + "00", "expected 64 hex digits (optionally 0x-prefixed), got 66 characters"],
        [KEY_HEX + "\n\n", "expected 64 hex digits (optionally 0x-prefixed), got 65 characters"],
        [" " + KEY_HEX.slice(1), "expected hex digits only, got a non-hex character at position 0"],
        ["z".repeat(64), "expected hex digits only, got a non-hex character at position 0"],
      ];
      for (const [contents, message] of cases) {
        const path = keyFile(contents);
        expectSealingError(() => loadSealingKey(path), "invalid-key", `sealing key file ${path}: ${message}`);
        rmSync(path);
      }
      const big = keyFile("0".repeat(1000));
      expectSealingError(() => loadSealingKey(big), "invalid-key", "expected one key in hex, got 1000 bytes");
      expectSealingError(() => loadSealingKey(join(dir, "missing.key")), "invalid-key", "cannot read it");
      expectSealingError(() => loadSealingKey(dir), "invalid-key", "expected a regular file");
    });

    it("refuses a key file that group or others may read, unless told to allow it", function () {
      if (process.platform === "win32") this.skip();
      for (const mode of [0o640, 0o604, 0o644, 0o660]) {
        const path = keyFile(KEY_HEX, mode);
        expectSealingError(
          () => loadSealingKey(path),
          "invalid-key",
          `expected permissions 0600 or stricter, got 0${mode.toString(8)} (others could read the key; run chmod 600`,
        );
        expect(loadSealingKey(path, { allowLoosePermissions: true }).id).to.equal(sealingKeyFrom(KEY_BYTES).id);
        rmSync(path);
      }
      expect(loadSealingKey(keyFile(KEY_HEX, 0o400)).id).to.equal(sealingKeyFrom(KEY_BYTES).id);
    });
  });
});
