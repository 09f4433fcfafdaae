/**
 * Tests of the bit proofs: completeness (k = 1 and k = 40, JSON round trips, one 3072-bit round trip); the CRT
 * prover against both verifiers for random statements and contexts (property), and its batched refusal of false
 * statements wherever they stand and at whichever prime they are false (property); refusals
 * to prove false statements; soundness against the best cheating prover for ciphertexts of 2, of −1 and of a CRT
 * split (with units and with the non-unit trick), and against swapped, copied, tampered and re-randomised proofs;
 * the batched verifier against the one-by-one reference (property test), including the small-order discrepancy
 * the batch tolerates by design; the residual risk of a key with a small prime; strict decoding.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import {
  Ciphertext,
  PaillierPrivateKey,
  PaillierPublicKey,
  add,
  decryptRaw,
  encrypt,
  generateKeyPair,
  importPrivateKey,
  isBlumKey,
  modPow,
  randomUnit,
  rerandomize,
} from "../../src/paillier";
import { modInverse } from "../../src/paillier/arith";
import {
  BitProof,
  BitProofItem,
  decodeBitProof,
  encodeBitProof,
  proveBits,
  proveModulus,
  verifyBits,
  verifyBitsOneByOne,
  verifyModulus,
} from "../../src/proofs";
import { fixtureKey } from "../paillier/helpers";
import { cheatBits, equationsHold, forgeWithSmallPrime } from "./cheaters";
import { context, expectProofError, verdicts, withItem } from "./helpers";

type Bit = 0 | 1;

/** E(m) for any residue m (encrypt() accepts only the signed range). */
function encryptResidue(publicKey: PaillierPublicKey, m: bigint): Ciphertext {
  const { n, nSquared } = publicKey;
  const rn = modPow(randomUnit(n), n, nSquared);
  return Ciphertext.fromBigInt(publicKey, ((1n + (m % n) * n) * rn) % nSquared);
}

function randomBitList(k: number): Bit[] {
  return Array.from({ length: k }, () => (Math.random() < 0.5 ? 0 : 1));
}

describe("proofs/bits", () => {
  const ctx = context("BlindCredit test: chain 31337, contract 0x5FbD…0aa3, check 0x1111…, bank key");
  let key: PaillierPrivateKey;
  let other: PaillierPrivateKey;
  let publicKey: PaillierPublicKey;

  before(async () => {
    const pairs = await Promise.all([generateKeyPair({ bits: 2048 }), generateKeyPair({ bits: 2048 })]);
    [key, other] = pairs.map((pair) => pair.privateKey);
    publicKey = key.publicKey;
  });

  const shares = (bits: readonly Bit[]): Ciphertext[] => bits.map((b) => encrypt(key, BigInt(b)));

  describe("completeness", () => {
    for (const bit of [0, 1] as const) {
      it(`verifies an honest proof for one encryption of ${bit}, batched and one by one`, () => {
        const cs = shares([bit]);
        const proof = proveBits(key, cs, [bit], ctx);
        verifyBits(publicKey, cs, proof, ctx);
        verifyBitsOneByOne(publicKey, cs, proof, ctx);
      });
    }

    it("verifies an honest proof for 40 random bits, through JSON text", () => {
      const bits = randomBitList(40);
      const cs = shares(bits);
      const proof = proveBits(key, cs, bits, ctx);
      const text = JSON.stringify(encodeBitProof(proof));
      const read = decodeBitProof(publicKey, text);
      expect(read.items).to.deep.equal(proof.items);
      verifyBits(publicKey, cs, read, ctx);
      verifyBitsOneByOne(publicKey, cs, read, ctx);
    });

    it("round-trips a 3072-bit proof through JSON and verifies it", () => {
      const key3072 = fixtureKey(3072);
      const bits: Bit[] = [1, 0, 1];
      const cs = bits.map((b) => encrypt(key3072, BigInt(b)));
      const json = JSON.parse(JSON.stringify(encodeBitProof(proveBits(key3072, cs, bits, ctx))));
      verifyBits(key3072.publicKey, cs, decodeBitProof(key3072.publicKey, json), ctx);
    });

    it("writes the documented JSON: items of a0, a1, e0, z0, z1 as fixed-width lowercase hex", () => {
      const cs = shares([0, 1]);
      const json = encodeBitProof(proveBits(key, cs, [0, 1], ctx));
      expect(Object.keys(json)).to.deep.equal(["items"]);
      expect(json.items).to.have.length(2);
      for (const item of json.items) {
        expect(Object.keys(item)).to.deep.equal(["a0", "a1", "e0", "z0", "z1"]);
        expect(item.a0).to.match(/^0x[0-9a-f]{1024}$/);
        expect(item.a1).to.match(/^0x[0-9a-f]{1024}$/);
        expect(item.e0).to.match(/^0x[0-9a-f]{32}$/);
        expect(item.z0).to.match(/^0x[0-9a-f]{512}$/);
        expect(item.z1).to.match(/^0x[0-9a-f]{512}$/);
      }
    });
  });

  describe("proveBits refusals", () => {
    it("refuses to prove a false statement (STATEMENT_FALSE), for a wrong bit and for a non-bit", () => {
      expectProofError(
        () => proveBits(key, shares([0, 1]), [0, 0], ctx),
        "STATEMENT_FALSE",
        /ciphertexts\[1\]: expected an encryption of 0 \(bits\[1\]\)/,
      );
      expectProofError(() => proveBits(key, [encrypt(key, 2n)], [1], ctx), "STATEMENT_FALSE");
    });

    it("refuses arguments of the wrong type or shape", () => {
      const cs = shares([0, 1]);
      expectProofError(() => proveBits(key, cs, [0], ctx), "INVALID_ARGUMENT", /expected an array of 2 bits/);
      expectProofError(() => proveBits(key, cs, [0, 2 as Bit], ctx), "INVALID_ARGUMENT", /bits\[1\]: expected 0 or 1/);
      expectProofError(() => proveBits(key, [], [], ctx), "INVALID_ARGUMENT", /1 to 1024 ciphertexts/);
      expectProofError(
        () => proveBits(key, [cs[0].toHex() as unknown as Ciphertext], [0], ctx),
        "INVALID_ARGUMENT",
        /\[0\]: expected a Ciphertext/,
      );
      expectProofError(() => proveBits(key, cs, [0, 1], [1, 2] as unknown as Uint8Array), "INVALID_ARGUMENT");
      expectProofError(
        () => proveBits(publicKey as unknown as PaillierPrivateKey, cs, [0, 1], ctx),
        "INVALID_ARGUMENT",
      );
    });

    it("refuses a ciphertext under another key (KEY_MISMATCH), when proving and when verifying", () => {
      const foreign = encrypt(other, 1n);
      expectProofError(
        () => proveBits(key, [foreign], [1], ctx),
        "KEY_MISMATCH",
        /\[0\]: expected a ciphertext under key/,
      );
      const cs = shares([1]);
      const proof = proveBits(key, cs, [1], ctx);
      expectProofError(() => verifyBits(publicKey, [foreign], proof, ctx), "KEY_MISMATCH");
    });
  });

  describe("the CRT prover (it works modulo p, q, p² and q² only)", () => {
    type Origin = "private" | "public" | "sum" | "rerandomised";
    /** An encryption of a bit made in one of several ways, so the prover sees ciphertexts of every origin. */
    const encryptBit = (bit: Bit, origin: Origin): Ciphertext => {
      switch (origin) {
        case "private":
          return encrypt(key, BigInt(bit));
        case "public":
          return encrypt(publicKey, BigInt(bit));
        case "sum":
          return add(encrypt(publicKey, 1234567n), encrypt(key, BigInt(bit) - 1234567n));
        case "rerandomised":
          return rerandomize(encryptResidue(publicKey, BigInt(bit)), { privateKey: key });
      }
    };
    const origins = fc.constantFrom<Origin>("private", "public", "sum", "rerandomised");
    const statements = fc.array(fc.tuple(fc.constantFrom<Bit>(0, 1), origins), { minLength: 1, maxLength: 6 });

    it("makes proofs that verify with verifyBits and verifyBitsOneByOne, also through JSON (property)", () => {
      fc.assert(
        fc.property(statements, fc.uint8Array({ maxLength: 80 }), (statement, ctxBytes) => {
          const bits = statement.map(([bit]) => bit);
          const cs = statement.map(([bit, origin]) => encryptBit(bit, origin));
          const proof = proveBits(key, cs, bits, ctxBytes);
          expect(proof.items).to.have.length(bits.length);
          verifyBits(publicKey, cs, proof, ctxBytes);
          verifyBitsOneByOne(publicKey, cs, proof, ctxBytes);
          const read = decodeBitProof(publicKey, JSON.stringify(encodeBitProof(proof)));
          expect(read.items).to.deep.equal(proof.items);
          verifyBits(publicKey, cs, read, ctxBytes);
          verifyBitsOneByOne(publicKey, cs, read, ctxBytes);
        }),
        { numRuns: 30 },
      );
    });

    it("refuses a false item wherever it stands, including plaintexts false modulo p only or q only (property)", () => {
      const { p, q, n } = { p: key.p, q: key.q, n: publicKey.n };
      type Lie = "flipped bit" | "2" | "−1" | "1 mod p, 0 mod q" | "0 mod p, 1 mod q" | "bit + p";
      const lies: Record<Lie, (bit: Bit) => bigint> = {
        "flipped bit": (bit) => BigInt(1 - bit),
        "2": () => 2n,
        "−1": () => n - 1n,
        "1 mod p, 0 mod q": () => q * modInverse(q, p),
        "0 mod p, 1 mod q": () => p * modInverse(p, q),
        // bit + p ≡ bit (mod p): the statement is false modulo q only
        "bit + p": (bit) => BigInt(bit) + p,
      };
      const lie = fc.constantFrom<Lie>(...(Object.keys(lies) as Lie[]));
      fc.assert(
        fc.property(statements, fc.nat(), lie, (statement, at, how) => {
          const bits = statement.map(([bit]) => bit);
          const cs = statement.map(([bit, origin]) => encryptBit(bit, origin));
          const bad = at % bits.length;
          cs[bad] = encryptResidue(publicKey, lies[how](bits[bad]));
          expectProofError(
            () => proveBits(key, cs, bits, ctx),
            "STATEMENT_FALSE",
            new RegExp(`ciphertexts\\[${bad}\\]: expected an encryption of ${bits[bad]} \\(bits\\[${bad}\\]\\)`),
          );
        }),
        { numRuns: 40 },
      );
    });

    it("names the first false item when several are false", () => {
      const cs = shares([0, 1, 0, 1]);
      cs[3] = encrypt(key, 0n);
      cs[1] = encrypt(key, 2n);
      expectProofError(() => proveBits(key, cs, [0, 1, 0, 1], ctx), "STATEMENT_FALSE", /ciphertexts\[1\]/);
    });

    it("checks a prime below 2^128 item by item: proves true statements and refuses false ones for a 17-bit prime", () => {
      const weak = importPrivateKey(readFileSync(join(__dirname, "small-prime-key-2048.json"), "utf8"));
      const small = 65539n;
      const large = weak.q === small ? weak.p : weak.q;
      const bits: Bit[] = [1, 0, 0, 1];
      const cs = bits.map((b) => encrypt(weak, BigInt(b)));
      const proof = proveBits(weak, cs, bits, ctx);
      verifyBits(weak.publicKey, cs, proof, ctx);
      verifyBitsOneByOne(weak.publicKey, cs, proof, ctx);
      const falseModSmall = large * modInverse(large, small); // ≡ 1 (mod P), ≡ 0 (mod Q)
      const falseModLarge = small * modInverse(small, large); // ≡ 0 (mod P), ≡ 1 (mod Q)
      for (const [m, bit] of [
        [falseModSmall, 0],
        [falseModLarge, 0],
        [BigInt(1) + small, 1],
      ] as const) {
        const lying = [...cs];
        lying[2] = encryptResidue(weak.publicKey, m);
        const claimed: Bit[] = [...bits];
        claimed[2] = bit;
        expectProofError(() => proveBits(weak, lying, claimed, ctx), "STATEMENT_FALSE", /ciphertexts\[2\]/);
      }
    });
  });

  describe("soundness: the best cheating prover for a false statement", () => {
    const falsePlaintexts: [string, () => bigint][] = [
      ["2", () => 2n],
      ["−1 (n − 1)", () => publicKey.n - 1n],
      ["a CRT split (m ≡ 0 mod p, m ≡ 1 mod q)", () => key.p * modInverse(key.p, key.q)],
    ];
    for (const [what, plaintext] of falsePlaintexts) {
      it(`rejects a ciphertext of ${what} among honest ones`, () => {
        const m = plaintext();
        const bits: Bit[] = [0, 1, 1, 0];
        const cs = shares(bits);
        cs.splice(2, 0, encryptResidue(publicKey, m));
        expect(decryptRaw(key, cs[2])).to.equal(m);
        const forged = cheatBits(key, cs, ctx);
        expectProofError(() => verifyBits(publicKey, cs, forged, ctx), "BIT_PROOF_INVALID", /batched check/);
        // Branch 0 got its guessed challenge, so only branch 1 of the false item fails.
        expectProofError(
          () => verifyBitsOneByOne(publicKey, cs, forged, ctx),
          "BIT_PROOF_INVALID",
          /item 2, branch 1: expected z\^n/,
        );
      });
    }

    it("makes valid proofs when the statement is true (the cheater is an honest prover then)", () => {
      const bits: Bit[] = [1, 0, 0];
      const cs = shares(bits);
      const proof = cheatBits(key, cs, ctx);
      verifyBits(publicKey, cs, proof, ctx);
      verifyBitsOneByOne(publicKey, cs, proof, ctx);
    });

    it("rejects a CRT split answered with non-units (a ≡ 0 mod p², z ≡ 0 mod p), though every equation holds", () => {
      const split = encryptResidue(publicKey, key.p * modInverse(key.p, key.q));
      const cs = [encrypt(key, 1n), split];
      const forged = cheatBits(key, cs, ctx, { nonUnit: true });
      expect(equationsHold(publicKey, cs, forged, ctx)).to.equal(true);
      for (const verify of [verifyBits, verifyBitsOneByOne]) {
        expectProofError(
          () => verify(publicKey, cs, forged, ctx),
          "BIT_PROOF_INVALID",
          /expected every a and z to be a unit/,
        );
      }
    });
  });

  describe("soundness: copied and altered proofs", () => {
    const bits: Bit[] = [0, 1, 1];
    let cs: Ciphertext[];
    let proof: BitProof;

    before(() => {
      cs = shares(bits);
      proof = proveBits(key, cs, bits, ctx);
    });

    it("rejects swapped items, and swapped items with swapped ciphertexts", () => {
      const swapped = { ...proof, items: [proof.items[1], proof.items[0], proof.items[2]] };
      expect(verdicts(publicKey, cs, swapped, ctx)).to.deep.equal([false, false]);
      expect(verdicts(publicKey, [cs[1], cs[0], cs[2]], swapped, ctx)).to.deep.equal([false, false]);
    });

    it("rejects a proof from another context (another check id)", () => {
      const elsewhere = context("BlindCredit test: chain 31337, contract 0x5FbD…0aa3, check 0x2222…, bank key");
      expect(verdicts(publicKey, cs, proof, elsewhere)).to.deep.equal([false, false]);
    });

    it("rejects a proof from another key, as an object and re-read under the other key", () => {
      expectProofError(() => verifyBits(other.publicKey, cs, proof, ctx), "KEY_MISMATCH");
      const theirs = shares(bits).map((c) => Ciphertext.fromBigInt(other.publicKey, c.value % other.publicKey.n));
      expectProofError(
        () => verifyBits(other.publicKey, theirs, proof, ctx),
        "BIT_PROOF_INVALID",
        /expected a proof for key/,
      );
      let copied: BitProof;
      try {
        copied = decodeBitProof(other.publicKey, encodeBitProof(proof));
      } catch (err) {
        expect((err as { code?: string }).code).to.equal("PROOF_FORMAT"); // a value beyond the other modulus
        return;
      }
      expect(verdicts(other.publicKey, theirs, copied, ctx)).to.deep.equal([false, false]);
    });

    it("rejects a tampered z, and the one-by-one verifier names the item and branch", () => {
      const tampered = withItem(proof, 2, { z0: (proof.items[2].z0 * 3n) % publicKey.n });
      expectProofError(() => verifyBits(publicKey, cs, tampered, ctx), "BIT_PROOF_INVALID");
      expectProofError(() => verifyBitsOneByOne(publicKey, cs, tampered, ctx), "BIT_PROOF_INVALID", /item 2, branch 0/);
    });

    it("rejects a tampered e0 or a", () => {
      const e0 = withItem(proof, 0, { e0: proof.items[0].e0 ^ 1n });
      expect(verdicts(publicKey, cs, e0, ctx)).to.deep.equal([false, false]);
      const a1 = withItem(proof, 1, { a1: (proof.items[1].a1 * 4n) % publicKey.nSquared });
      expect(verdicts(publicKey, cs, a1, ctx)).to.deep.equal([false, false]);
    });

    it("rejects the proof for ciphertexts re-randomised after proving", () => {
      const fresh = cs.map((c) => rerandomize(c, { privateKey: key }));
      expect(fresh.map((c) => decryptRaw(key, c))).to.deep.equal([0n, 1n, 1n]);
      expect(verdicts(publicKey, fresh, proof, ctx)).to.deep.equal([false, false]);
    });

    it("rejects a proof with an item missing or one too many, and values out of range", () => {
      expectProofError(
        () => verifyBits(publicKey, cs, { ...proof, items: proof.items.slice(1) }, ctx),
        "BIT_PROOF_INVALID",
        /expected 3 items \(one per ciphertext\), got 2/,
      );
      expectProofError(() => verifyBits(publicKey, cs.slice(1), proof, ctx), "BIT_PROOF_INVALID", /expected 2 items/);
      const n = publicKey.n;
      const outOfRange: [Partial<BitProofItem>, RegExp][] = [
        [{ z1: n }, /item 1: expected z1 in \[1, n\)/],
        [{ z0: 0n }, /item 1: expected z0 in \[1, n\)/],
        [{ a0: publicKey.nSquared }, /item 1: expected a0 in \[1, n²\)/],
        [{ e0: 1n << 128n }, /item 1: expected e0 in \[0, 2\^128\)/],
        [{ e0: 5 as unknown as bigint }, /item 1: expected e0 in \[0, 2\^128\), got number 5/],
        [{ z1: key.p }, /unit/],
      ];
      for (const [change, message] of outOfRange) {
        for (const verify of [verifyBits, verifyBitsOneByOne]) {
          expectProofError(() => verify(publicKey, cs, withItem(proof, 1, change), ctx), "BIT_PROOF_INVALID", message);
        }
      }
    });
  });

  describe("batched verification against the one-by-one reference", () => {
    it("agrees on honest and altered proofs (property)", () => {
      type Change = "none" | "swap" | { item: number; member: keyof BitProofItem; delta: bigint };
      const change: fc.Arbitrary<Change> = fc.oneof(
        fc.constant("none" as const),
        fc.constant("swap" as const),
        fc.record({
          item: fc.nat({ max: 2 }),
          member: fc.constantFrom<keyof BitProofItem>("a0", "a1", "e0", "z0", "z1"),
          delta: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
        }),
      );
      const bitLists = fc.array(fc.constantFrom<Bit>(0, 1), { minLength: 1, maxLength: 3 });
      fc.assert(
        fc.property(bitLists, change, (bits, how) => {
          const cs = shares(bits);
          let proof = proveBits(key, cs, bits, ctx);
          let valid = true;
          if (how === "swap" && bits.length > 1) {
            proof = { ...proof, items: [...proof.items.slice(1), proof.items[0]] };
            valid = false;
          } else if (typeof how === "object") {
            const i = how.item % bits.length;
            const item = proof.items[i];
            const bound = {
              a0: publicKey.nSquared,
              a1: publicKey.nSquared,
              e0: 1n << 128n,
              z0: publicKey.n,
              z1: publicKey.n,
            }[how.member];
            const value = (item[how.member] + how.delta) % bound;
            proof = withItem(proof, i, { [how.member]: value === 0n ? 1n : value });
            valid = false;
          }
          const [batched, oneByOne] = verdicts(publicKey, cs, proof, ctx);
          expect(batched).to.equal(oneByOne);
          expect(batched).to.equal(valid);
        }),
        { numRuns: 15 },
      );
    });

    it("tolerates by design an order-2 n-th-residue discrepancy (z ↦ n − z), which changes no plaintext", () => {
      const bits: Bit[] = [1, 0];
      const cs = shares(bits);
      const proof = proveBits(key, cs, bits, ctx);
      const negated = withItem(proof, 0, { z1: publicKey.n - proof.items[0].z1 });
      // (n − z)^n = −z^n: the equation is off by −1, an n-th residue of order 2. Exact checking rejects it; the
      // batch accepts exactly when λ is even. Either way, the ciphertexts do encrypt bits.
      expectProofError(() => verifyBitsOneByOne(publicKey, cs, negated, ctx), "BIT_PROOF_INVALID", /item 0, branch 1/);
      let accepted = 0;
      for (let run = 0; run < 20; run++) if (verdicts(publicKey, cs, negated, ctx)[0]) accepted++;
      expect(accepted).to.be.within(1, 19); // fails with probability 2·2^−20
      expect(cs.map((c) => decryptRaw(key, c))).to.deep.equal([1n, 0n]);
    });
  });

  describe("what remains (README: soundness): a key with a small prime", () => {
    it("passes import and Π^mod with a 17-bit prime, and its holder forges a non-bit proof by grinding", () => {
      // small-prime-key-2048.json: n = 65539·Q, 65539 being the first prime ≡ 3 (mod 4) above the import's 2^16
      // bound, Q a 2032-bit prime ≡ 3 (mod 4). A published test key, made for this test only.
      const weak = importPrivateKey(readFileSync(join(__dirname, "small-prime-key-2048.json"), "utf8"));
      const small = 65539n;
      expect([weak.p, weak.q]).to.include(small);
      expect(isBlumKey(weak)).to.equal(true);
      verifyModulus(weak.publicKey, proveModulus(weak, ctx), ctx);
      const large = weak.q === small ? weak.p : weak.q;
      const m = large * modInverse(large, small); // m ≡ 1 (mod P), m ≡ 0 (mod Q): not a bit
      const c = encryptResidue(weak.publicKey, m);
      expect(decryptRaw(weak, c)).to.equal(m);
      const { proof, trials } = forgeWithSmallPrime(weak, c, ctx);
      verifyBits(weak.publicKey, [c], proof, ctx);
      verifyBitsOneByOne(weak.publicKey, [c], proof, ctx);
      expect(trials).to.be.greaterThan(0); // about 65539 expected
    });
  });

  describe("decodeBitProof", () => {
    let json: { items: Record<string, unknown>[] };

    before(() => {
      const cs = shares([0, 1]);
      json = JSON.parse(JSON.stringify(encodeBitProof(proveBits(key, cs, [0, 1], ctx))));
    });

    const item = (change: Record<string, unknown>) => (j: typeof json) => ({
      items: [
        j.items[0],
        Object.fromEntries(Object.entries({ ...j.items[1], ...change }).filter(([, v]) => v !== undefined)),
      ],
    });
    const cases: [string, (j: typeof json) => unknown, RegExp][] = [
      ["text that is not JSON", () => "{items:", /does not parse/],
      ["a number", () => 7, /expected an object, got number 7/],
      ["no items", () => ({}), /expected a member "items"/],
      ["an unknown member", (j) => ({ ...j, version: 1 }), /unexpected member "version"/],
      ["no item at all", () => ({ items: [] }), /expected 1 to 1024 entries, got 0/],
      ["items not an array", () => ({ items: {} }), /expected an array, got object/],
      ["an item without e0", item({ e0: undefined }), /items\[1\]: expected a member "e0"/],
      ["an item with an extra member", item({ b: 1 }), /items\[1\]: expected only the members/],
      ["a short e0", item({ e0: "0x01" }), /items\[1\]\.e0: expected "0x" and exactly 32 lowercase hex digits, got 2/],
      ["a z0 in decimal", item({ z0: "123" }), /items\[1\]\.z0: expected "0x" and 512 lowercase hex digits/],
      ["a z1 of a ≥ n", item({ z1: `0x${"f".repeat(512)}` }), /items\[1\]\.z1: expected a value in \[1, n\)/],
      ["an a0 of 0", item({ a0: `0x${"0".repeat(1024)}` }), /items\[1\]\.a0: expected a value in \[1, n²\)/],
      ["upper-case hex", (j) => item({ a1: `0x${(j.items[1].a1 as string).slice(2).toUpperCase()}` })(j), /lowercase/],
    ];
    for (const [what, change, message] of cases) {
      it(`refuses ${what} (PROOF_FORMAT)`, () => {
        expectProofError(() => decodeBitProof(publicKey, change(json)), "PROOF_FORMAT", message);
      });
    }

    it("refuses a non-key, and encodeBitProof refuses a non-proof", () => {
      expectProofError(() => decodeBitProof({} as PaillierPublicKey, json), "INVALID_ARGUMENT");
      expectProofError(() => encodeBitProof({} as BitProof), "INVALID_ARGUMENT");
      expectProofError(() => encodeBitProof({ publicKey, items: [] }), "INVALID_ARGUMENT", /1 to 1024 items/);
    });
  });
});
