/**
 * Tests of Π^mod: honest proofs verify (2048 bits, and one 3072-bit round trip through JSON); a non-Blum key is
 * refused with the way out; proofs for another context or modulus, tampered proofs, and the best cheating provers
 * for moduli that are not Paillier–Blum (three primes, p²·q, primes ≡ 1 mod 4, a non-unit w, a prime n, an even n)
 * are all rejected, each by the check that should catch it.
 */

import { expect } from "chai";
import {
  PaillierPrivateKey,
  PaillierPublicKey,
  decrypt,
  encrypt,
  generateKeyPair,
  importPublicKey,
  isBlumKey,
} from "../../src/paillier";
import {
  MODULUS_PROOF_ITERATIONS,
  ModulusProof,
  decodeModulusProof,
  encodeModulusProof,
  proveModulus,
  verifyModulus,
} from "../../src/proofs";
import { verifyModulusFor } from "../../src/proofs/modulus";
import { fixtureKey } from "../paillier/helpers";
import { cheatModulus } from "./cheaters";
import { bitsOf, context, crtAll, expectProofError, keyWithPrimes, prime } from "./helpers";

const hex = (x: bigint, digits: number): string => `0x${x.toString(16).padStart(digits, "0")}`;

/** A public key for a modulus that passes import but is not a Paillier–Blum modulus. */
async function importable(make: () => Promise<bigint>): Promise<PaillierPublicKey> {
  for (;;) {
    const n = await make();
    if (bitsOf(n) !== 2048) continue;
    try {
      return importPublicKey({ kty: "Paillier", n: `0x${n.toString(16)}` });
    } catch {
      // a rare failing draw: try again
    }
  }
}

describe("proofs/modulus (Π^mod)", () => {
  const ctx = context("BlindCredit test: consortium registry, chain 31337, bank key registration");
  let key: PaillierPrivateKey;
  let other: PaillierPrivateKey;
  let proof: ModulusProof;

  before(async () => {
    const pairs = await Promise.all([generateKeyPair({ bits: 2048 }), generateKeyPair({ bits: 2048 })]);
    [key, other] = pairs.map((pair) => pair.privateKey);
    proof = proveModulus(key, ctx);
  });

  describe("completeness", () => {
    it("verifies an honest proof for a freshly generated 2048-bit key", () => {
      expect(isBlumKey(key)).to.equal(true);
      expect(proof.items).to.have.length(MODULUS_PROOF_ITERATIONS);
      verifyModulus(key.publicKey, proof, ctx);
    });

    it("round-trips a 3072-bit proof through JSON text and verifies it", () => {
      const key3072 = fixtureKey(3072);
      const text = JSON.stringify(encodeModulusProof(proveModulus(key3072, ctx)));
      verifyModulus(key3072.publicKey, decodeModulusProof(key3072.publicKey, text), ctx);
    });

    it("runs 128 iterations: soundness 2^−128 against a prover grinding Fiat–Shamir offline", () => {
      expect(MODULUS_PROOF_ITERATIONS).to.equal(128);
    });

    it("writes the documented JSON: w and 128 items of x, a, b, z, numbers as fixed-width lowercase hex", () => {
      const json = encodeModulusProof(proof);
      expect(Object.keys(json)).to.deep.equal(["w", "items"]);
      expect(json.w).to.match(/^0x[0-9a-f]{512}$/);
      expect(json.items).to.have.length(128);
      for (const item of json.items) {
        expect(Object.keys(item)).to.deep.equal(["x", "a", "b", "z"]);
        expect(item.x).to.match(/^0x[0-9a-f]{512}$/);
        expect(item.z).to.match(/^0x[0-9a-f]{512}$/);
        expect([0, 1]).to.include(item.a);
        expect([0, 1]).to.include(item.b);
      }
      const again = decodeModulusProof(key.publicKey, JSON.parse(JSON.stringify(json)));
      expect(again.w).to.equal(proof.w);
      expect(again.items).to.deep.equal(proof.items);
    });
  });

  describe("refusals", () => {
    it("refuses a key whose primes are not ≡ 3 (mod 4), saying how to make one (KEY_NOT_BLUM)", async () => {
      const notBlum = await keyWithPrimes(4n, 1n, 3n);
      expect(notBlum.p % 4n).to.equal(1n);
      // The key imports and works; only the proof is refused.
      expect(isBlumKey(notBlum)).to.equal(false);
      expect(decrypt(notBlum, encrypt(notBlum.publicKey, -5n))).to.equal(-5n);
      const err = expectProofError(() => proveModulus(notBlum, ctx), "KEY_NOT_BLUM", /p ≡ q ≡ 3 \(mod 4\)/);
      expect(err.message).to.match(/generateKeyPair\(\)/);
      expect(err.message).to.match(/add: 4n, rem: 3n/);
      expect(err.message).not.to.contain(notBlum.p.toString(16).slice(0, 16));
    });

    it("refuses arguments of the wrong type", () => {
      expectProofError(() => proveModulus(key.publicKey as unknown as PaillierPrivateKey, ctx), "INVALID_ARGUMENT");
      expectProofError(() => proveModulus(key, "ctx" as unknown as Uint8Array), "INVALID_ARGUMENT", /Uint8Array/);
      expectProofError(() => verifyModulus({} as PaillierPublicKey, proof, ctx), "INVALID_ARGUMENT");
      expectProofError(() => verifyModulus(key.publicKey, proof, new Uint8Array(70_000)), "INVALID_ARGUMENT");
      expectProofError(() => encodeModulusProof({} as ModulusProof), "INVALID_ARGUMENT");
    });
  });

  describe("soundness: copied and tampered proofs", () => {
    it("rejects a proof for another context", () => {
      expectProofError(
        () => verifyModulus(key.publicKey, proof, context("another registration")),
        "MODULUS_PROOF_INVALID",
        /iteration \d+ of 128/,
      );
    });

    it("rejects a proof copied onto another modulus, as an object and through JSON", () => {
      expectProofError(
        () => verifyModulus(other.publicKey, proof, ctx),
        "MODULUS_PROOF_INVALID",
        /expected a proof for key/,
      );
      const json = encodeModulusProof(proof);
      let copied: ModulusProof;
      try {
        copied = decodeModulusProof(other.publicKey, json);
      } catch {
        return; // a value at or above the other modulus: refused already
      }
      expectProofError(() => verifyModulus(other.publicKey, copied, ctx), "MODULUS_PROOF_INVALID");
    });

    const tamper: [string, (p: ModulusProof) => ModulusProof, RegExp][] = [
      ["x", (p) => withItem(p, 5, { x: (p.items[5].x + 1n) % p.publicKey.n }), /iteration 5 of 128: expected x\^4/],
      ["a", (p) => withItem(p, 7, { a: p.items[7].a === 0 ? 1 : 0 }), /iteration 7 of 128: expected x\^4/],
      ["b", (p) => withItem(p, 9, { b: p.items[9].b === 0 ? 1 : 0 }), /iteration 9 of 128: expected x\^4/],
      [
        "z",
        (p) => withItem(p, 127, { z: (p.items[127].z * 2n) % p.publicKey.n }),
        /iteration 127 of 128: expected z\^n/,
      ],
      ["w", (p) => ({ ...p, w: (p.w * 4n) % p.publicKey.n }), /expected x\^4/],
      ["w, to a square", (p) => ({ ...p, w: (p.w * p.w) % p.publicKey.n }), /Jacobi symbol \(w\/n\) = −1, got 1/],
      ["the count", (p) => ({ ...p, items: p.items.slice(1) }), /expected 128 iterations/],
      ["the count, to the former 80", (p) => ({ ...p, items: p.items.slice(0, 80) }), /expected 128 iterations/],
    ];
    for (const [what, change, message] of tamper) {
      it(`rejects a tampered ${what}`, () => {
        expectProofError(() => verifyModulus(key.publicKey, change(proof), ctx), "MODULUS_PROOF_INVALID", message);
      });
    }
  });

  describe("soundness: the best cheating prover for moduli that are not Paillier–Blum", () => {
    it("rejects n = p·q·r (three Blum primes): only about half the y have a fourth root", async () => {
      let factors: bigint[] = [];
      const publicKey = await importable(async () => {
        factors = await Promise.all([683, 683, 683].map((b) => prime(b, 4n, 3n)));
        return factors.reduce((a, b) => a * b);
      });
      const cheat = cheatModulus(
        publicKey.n,
        factors.map((p) => ({ p, k: 1 })),
        ctx,
      );
      expect(cheat.nthRoots).to.equal(128); // gcd(n, φ(n)) = 1: the n-th roots all exist
      // Mean 64 (a half of the y), or 32 when w happens to be a non-residue modulo all three primes (then w·y and −y
      // fall in the same class); standard deviation at most 5.7: bounds at about five of them either side.
      expect(cheat.fourthRoots).to.be.within(8, 92);
      expectProofError(
        () => verifyModulus(publicKey, { publicKey, ...cheat.proof }, ctx),
        "MODULUS_PROOF_INVALID",
        /expected x\^4/,
      );
    });

    it("rejects n = p²·q: gcd(n, φ(n)) = p, so no y has an n-th root (every fourth root exists)", async () => {
      let p = 0n;
      let q = 0n;
      const publicKey = await importable(async () => {
        [p, q] = await Promise.all([prime(683, 4n, 3n), prime(683, 4n, 3n)]);
        return p * p * q;
      });
      // (w/n) = (w/q) whatever w is modulo p²: the best w is a square modulo p² and not modulo q, so that the four
      // candidates cover all four residuosity patterns and a fourth root always exists.
      const w = crtAll([4n, q - 1n], [p * p, q]);
      const cheat = cheatModulus(
        publicKey.n,
        [
          { p, k: 2 },
          { p: q, k: 1 },
        ],
        ctx,
        w,
      );
      expect(cheat.fourthRoots).to.equal(128);
      expect(cheat.nthRoots).to.equal(0);
      expectProofError(
        () => verifyModulus(publicKey, { publicKey, ...cheat.proof }, ctx),
        "MODULUS_PROOF_INVALID",
        /expected z\^n ≡ y/,
      );
    });

    it("rejects n = p·q with p ≡ q ≡ 1 (mod 4) (≡ 5 mod 8): about a quarter of the y have a fourth root", async () => {
      const cheaterKey = await keyWithPrimes(8n, 5n, 5n);
      const cheat = cheatModulus(
        cheaterKey.publicKey.n,
        [
          { p: cheaterKey.p, k: 1 },
          { p: cheaterKey.q, k: 1 },
        ],
        ctx,
      );
      expect(cheat.nthRoots).to.equal(128);
      expect(cheat.fourthRoots).to.be.within(8, 56); // mean 32, standard deviation 4.9
      expectProofError(() => proveModulus(cheaterKey, ctx), "KEY_NOT_BLUM");
      const publicKey = cheaterKey.publicKey;
      expectProofError(
        () => verifyModulus(publicKey, { publicKey, ...cheat.proof }, ctx),
        "MODULUS_PROOF_INVALID",
        /expected x\^4/,
      );
    });

    it("rejects p ≡ 1 (mod 4) answered with a non-unit w ≡ 0 (mod p), which passes every equation", async () => {
      const cheaterKey = await keyWithPrimes(8n, 5n, 3n);
      const { p, q } = cheaterKey;
      const w = crtAll([0n, 2n], [p, q]);
      const cheat = cheatModulus(
        cheaterKey.publicKey.n,
        [
          { p, k: 1 },
          { p: q, k: 1 },
        ],
        ctx,
        w,
      );
      expect(cheat.fourthRoots).to.equal(128);
      expect(cheat.nthRoots).to.equal(128);
      const publicKey = cheaterKey.publicKey;
      expectProofError(
        () => verifyModulus(publicKey, { publicKey, ...cheat.proof }, ctx),
        "MODULUS_PROOF_INVALID",
        /Jacobi symbol \(w\/n\) = −1, got 0 \(w shares a factor with n\)/,
      );
    });

    it("rejects a prime n (≡ 3 mod 4), which passes every equation: only the primality test catches it", async () => {
      const n = await prime(1536, 4n, 3n);
      const cheat = cheatModulus(n, [{ p: n, k: 1 }], ctx);
      expect(cheat.fourthRoots).to.equal(128);
      expect(cheat.nthRoots).to.equal(128);
      expectProofError(() => verifyModulusFor(n, cheat.proof, ctx), "MODULUS_PROOF_INVALID", /probable prime n/);
    });

    it("rejects an even n", () => {
      expectProofError(
        () => verifyModulusFor(key.publicKey.n + 1n, proof, ctx),
        "MODULUS_PROOF_INVALID",
        /odd modulus n > 1, got an even n/,
      );
      expectProofError(() => verifyModulusFor(2n, proof, ctx), "MODULUS_PROOF_INVALID", /even n/);
    });

    it("accepts through the bare-modulus entry point what verifyModulus accepts", () => {
      verifyModulusFor(key.publicKey.n, proof, ctx);
      // and a Blum modulus built by hand: the cheater is the honest prover there
      const { p, q, publicKey } = key;
      const honest = cheatModulus(
        publicKey.n,
        [
          { p, k: 1 },
          { p: q, k: 1 },
        ],
        ctx,
      );
      verifyModulus(publicKey, { publicKey, ...honest.proof }, ctx);
    });
  });

  describe("decodeModulusProof", () => {
    const digits = 512;
    const cases: [string, (json: Record<string, unknown>) => unknown, RegExp][] = [
      ["text that is not JSON", () => "{w:", /does not parse/],
      ["an array", () => [], /expected an object, got array/],
      ["null", () => null, /expected an object, got null/],
      ["no w", ({ items }) => ({ items }), /expected a member "w"/],
      ["an unknown member", (json) => ({ ...json, m: 128 }), /unexpected member "m"/],
      ["127 items", (json) => ({ ...json, items: (json.items as unknown[]).slice(1) }), /exactly 128 entries, got 127/],
      [
        "80 items (the former count)",
        (json) => ({ ...json, items: (json.items as unknown[]).slice(0, 80) }),
        /exactly 128 entries, got 80/,
      ],
      ["an item without z", (json) => withJsonItem(json, 3, { z: undefined }), /items\[3\]: expected a member "z"/],
      ["a short x", (json) => withJsonItem(json, 0, { x: "0x1234" }), /exactly 512 lowercase hex digits, got 4/],
      ["upper-case hex", (json) => ({ ...json, w: (json.w as string).toUpperCase().replace("0X", "0x") }), /lowercase/],
      ["x = 0", (json) => withJsonItem(json, 1, { x: hex(0n, digits) }), /items\[1\]\.x: expected a value in \[1, n\)/],
      ["z ≥ n", (json) => withJsonItem(json, 2, { z: `0x${"f".repeat(digits)}` }), /items\[2\]\.z: expected a value/],
      ["a = 2", (json) => withJsonItem(json, 4, { a: 2 }), /items\[4\]\.a: expected the number 0 or 1, got number 2/],
      ["b as a string", (json) => withJsonItem(json, 4, { b: "1" }), /items\[4\]\.b: expected the number 0 or 1/],
      ["w as a number", (json) => ({ ...json, w: 5 }), /w: expected "0x" and 512 lowercase hex digits, got number 5/],
    ];
    for (const [what, change, message] of cases) {
      it(`refuses ${what} (PROOF_FORMAT)`, () => {
        const json = encodeModulusProof(proof) as unknown as Record<string, unknown>;
        expectProofError(() => decodeModulusProof(key.publicKey, change(json)), "PROOF_FORMAT", message);
      });
    }

    it("refuses a non-key", () => {
      expectProofError(() => decodeModulusProof({} as PaillierPublicKey, {}), "INVALID_ARGUMENT");
    });
  });
});

function withItem(proof: ModulusProof, index: number, change: Partial<ModulusProof["items"][number]>): ModulusProof {
  return { ...proof, items: proof.items.map((item, i) => (i === index ? { ...item, ...change } : item)) };
}

function withJsonItem(json: Record<string, unknown>, index: number, change: Record<string, unknown>): unknown {
  const items = (json.items as Record<string, unknown>[]).map((item, i) => {
    if (i !== index) return item;
    const copy: Record<string, unknown> = { ...item, ...change };
    for (const k of Object.keys(copy)) if (copy[k] === undefined) delete copy[k];
    return copy;
  });
  return { ...json, items };
}
