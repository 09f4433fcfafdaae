/**
 * Tests of Π^enc (Paillier encryption in range): honest proofs verify for positive, negative, zero and boundary
 * plaintexts (±(2^ℓ − 1), and ℓ at its largest), through JSON, at 2048 and 3072 bits, and for random in-range
 * statements (fast-check); the honest prover refuses plaintexts out of range or not the ciphertext's; the verifier
 * rejects every tampered element, non-units, another context, key or parameters, a reordered list, a swapped
 * ciphertext, a changed rangeBits; soundness: a plaintext of 2^(ℓ+ε+1) gets no accepted proof, and the range check on
 * z₁ is tested alone at its edge with proofs forged with the bureau's trapdoor; decoding is strict; a known answer
 * pins the transcript, and its numbers equal figure 14's formulas computed apart in plain BigInt.
 */

import { createHash } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import { encrypt, encryptWithRandomness, ModularExponentiator, modPowBigInt, randomBelow } from "../../src/paillier";
import { fromBytes, mod, modInverse } from "../../src/paillier/arith";
import {
  ENCRYPTION_RANGE_SLACK_BITS,
  MAX_ENCRYPTION_RANGE_ITEMS,
  decodeEncryptionRangeProof,
  encodeEncryptionRangeProof,
  encryptionRangeMaxBits,
  proveEncryptionRange,
  verifyEncryptionRange,
  type EncryptionRangeProof,
  type EncryptionRangeProofItem,
  type EncryptionRangeStatement,
  type EncryptionRangeWitness,
  type ProofErrorCode,
} from "../../src/proofs";
import {
  encryptionRangeChallenge,
  proveEncryptionRangeFor,
  type EncryptionRangeNonces,
} from "../../src/proofs/encryptionRange";
import { fixtureKey } from "../paillier/helpers";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { context, crtAll, expectProofError } from "./helpers";

const INVALID = "ENCRYPTION_RANGE_PROOF_INVALID";

describe("Π^enc: Paillier encryption in range", () => {
  const key = fixtureKey(2048);
  const { publicKey } = key;
  const secret = fixtureRingPedersen(2048);
  const { parameters } = secret;
  const ctx = context("chain 31337, bank key, bureau parameters, scorecard weights");
  const maxBits = encryptionRangeMaxBits(publicKey);

  /** A fresh encryption of k with its statement. */
  const witness = (plaintext: bigint, rangeBits: number): EncryptionRangeWitness => ({
    ciphertext: encrypt(key, plaintext),
    rangeBits,
    plaintext,
  });
  /** The statements the verifier sees: without the plaintexts. */
  const publicPart = (list: readonly EncryptionRangeWitness[]): EncryptionRangeStatement[] =>
    list.map(({ ciphertext, rangeBits }) => ({ ciphertext, rangeBits }));
  const verify = (statements: readonly EncryptionRangeStatement[], proof: EncryptionRangeProof, bytes = ctx) =>
    verifyEncryptionRange(publicKey, parameters, statements, proof, bytes);
  /** A copy of a proof with item i changed. */
  const withItem = (proof: EncryptionRangeProof, i: number, change: Partial<Record<string, unknown>>) =>
    ({
      ...proof,
      items: proof.items.map((item, j) => (j === i ? { ...item, ...change } : item)),
    }) as unknown as EncryptionRangeProof;

  const top = (bits: number) => (1n << BigInt(bits)) - 1n;
  const witnesses = [
    witness(1200n, 20),
    witness(-25n, 20),
    witness(0n, 20),
    witness(top(20), 20),
    witness(-top(20), 20),
    witness(1n, 1),
    witness(-top(346), 346),
    witness(top(maxBits), maxBits),
  ];
  const statements = publicPart(witnesses);
  let proof: EncryptionRangeProof;

  before(() => {
    proof = proveEncryptionRange(key, parameters, witnesses, ctx);
  });

  describe("completeness", () => {
    it("verifies positive, negative, zero and boundary plaintexts ±(2^ℓ − 1), ℓ from 1 to its largest, through JSON", () => {
      expect(maxBits).to.equal(1023 - ENCRYPTION_RANGE_SLACK_BITS - 2);
      verify(statements, proof);
      const json = JSON.stringify(encodeEncryptionRangeProof(proof));
      const decoded = decodeEncryptionRangeProof(publicKey, parameters, json, statements.length);
      expect(decoded.items).to.deep.equal(proof.items);
      verify(statements, decoded);
      expect(JSON.parse(json)).to.have.property("parameters", parameters.fingerprint);
    });

    it("verifies a proof for a 3072-bit key under 3072-bit parameters, through JSON", () => {
      const big = fixtureKey(3072);
      const rp = fixtureRingPedersen(3072).parameters;
      const list = [-999n, 5n].map((k) => ({ ciphertext: encrypt(big, k), rangeBits: 10, plaintext: k }));
      const json = JSON.stringify(encodeEncryptionRangeProof(proveEncryptionRange(big, rp, list, ctx)));
      verifyEncryptionRange(
        big.publicKey,
        rp,
        publicPart(list),
        decodeEncryptionRangeProof(big.publicKey, rp, json, 2),
        ctx,
      );
      expect(encryptionRangeMaxBits(big.publicKey)).to.equal(1535 - ENCRYPTION_RANGE_SLACK_BITS - 2);
    });

    it("verifies random in-range statements, and only for their own context (fast-check)", () => {
      const statementArb = fc
        .integer({ min: 1, max: maxBits })
        .chain((bits) => fc.tuple(fc.constant(bits), fc.bigInt({ min: -top(bits), max: top(bits) })));
      fc.assert(
        fc.property(
          fc.array(statementArb, { minLength: 1, maxLength: 3, size: "max" }),
          fc.uint8Array({ maxLength: 64, size: "max" }),
          (pairs, bytes) => {
            const list = pairs.map(([bits, k]) => witness(k, bits));
            const made = proveEncryptionRange(key, parameters, list, bytes);
            verify(publicPart(list), made, bytes);
            expectProofError(() => verify(publicPart(list), made, Uint8Array.of(...bytes, 1)), INVALID, /mismatch/);
          },
        ),
        { numRuns: 8 },
      );
    });
  });

  describe("the prover refuses false statements (STATEMENT_FALSE) and malformed arguments", () => {
    it("refuses a plaintext out of its range: ±2^ℓ", () => {
      for (const k of [1n << 20n, -(1n << 20n)]) {
        expectProofError(
          () => proveEncryptionRange(key, parameters, [witness(0n, 20), witness(k, 20)], ctx),
          "STATEMENT_FALSE",
          /statements\[1\]: expected a plaintext k with \|k\| < 2\^20, got one of 21 bits/,
        );
      }
    });

    it("refuses a plaintext that is not the ciphertext's (another value, the opposite sign)", () => {
      const five = encrypt(key, 5n);
      for (const plaintext of [6n, -5n]) {
        expectProofError(
          () => proveEncryptionRange(key, parameters, [{ ciphertext: five, rangeBits: 20, plaintext }], ctx),
          "STATEMENT_FALSE",
          /statements\[0\]: expected a ciphertext encrypting the plaintext given, got one encrypting another value/,
        );
      }
    });

    it("refuses arguments of the wrong type or shape, saying what came", () => {
      const good = witness(3n, 8);
      const other = fixtureKey(3072);
      const cases: [() => unknown, ProofErrorCode, RegExp][] = [
        [
          () => proveEncryptionRange(publicKey as never, parameters, [good], ctx),
          "INVALID_ARGUMENT",
          /PaillierPrivateKey/,
        ],
        [() => proveEncryptionRange(key, { n: 5 } as never, [good], ctx), "INVALID_ARGUMENT", /ring-Pedersen/],
        [() => proveEncryptionRange(key, parameters, [good], "ctx" as never), "INVALID_ARGUMENT", /Uint8Array/],
        [() => proveEncryptionRange(key, parameters, [], ctx), "INVALID_ARGUMENT", /array of 1 to 256/],
        [
          () => proveEncryptionRange(key, parameters, Array(MAX_ENCRYPTION_RANGE_ITEMS + 1).fill(good), ctx),
          "INVALID_ARGUMENT",
          /array of 1 to 256 statements, got/,
        ],
        [
          () => proveEncryptionRange(key, parameters, [{ ...good, ciphertext: 7n as never }], ctx),
          "INVALID_ARGUMENT",
          /statements\[0\]\.ciphertext: expected a Ciphertext/,
        ],
        [
          () => proveEncryptionRange(key, parameters, [{ ...good, ciphertext: encrypt(other, 3n) }], ctx),
          "KEY_MISMATCH",
          /expected a ciphertext under key/,
        ],
        ...[0, 1.5, maxBits + 1, "20"].map((rangeBits): [() => unknown, ProofErrorCode, RegExp] => [
          () => proveEncryptionRange(key, parameters, [{ ...good, rangeBits: rangeBits as number }], ctx),
          "INVALID_ARGUMENT",
          new RegExp(`rangeBits: expected an integer from 1 to ${maxBits} \\(for a 2048-bit key\\)`),
        ]),
        [
          () => proveEncryptionRange(key, parameters, [{ ...good, plaintext: 3 as never }], ctx),
          "INVALID_ARGUMENT",
          /plaintext: expected a bigint, got/,
        ],
      ];
      for (const [fn, code, message] of cases) expectProofError(fn, code, message);
    });
  });

  describe("the verifier rejects", () => {
    it("each tampered element of each item", () => {
      const fields = ["S", "A", "C", "z1", "z2", "z3"] as const;
      for (const i of [0, statements.length - 1]) {
        for (const field of fields) {
          for (const delta of [1n, -1n]) {
            const value = proof.items[i][field] + delta;
            const tampered = withItem(proof, i, { [field]: value === 0n ? 2n : value });
            // The challenge is shared: a changed S, A or C fails the first item's equation, a changed answer its own.
            expectProofError(() => verify(statements, tampered), INVALID, /item \d+/);
          }
        }
      }
      // Signs flipped: the ranges hold, the equations do not.
      for (const field of ["z1", "z3"] as const) {
        expectProofError(
          () => verify(statements, withItem(proof, 1, { [field]: -proof.items[1][field] })),
          INVALID,
          /mismatch/,
        );
      }
    });

    it("elements out of range, not units, or not numbers", () => {
      const { n, nSquared } = publicKey;
      const cases: [Partial<Record<keyof EncryptionRangeProofItem, unknown>>, RegExp][] = [
        [{ S: 0n }, /item 2 S in \[1, N̂\)/],
        [{ C: parameters.n }, /item 2 C in \[1, N̂\)/],
        [{ A: nSquared }, /item 2 A in \[1, N²\)/],
        [{ z2: n }, /item 2 z2 in \[1, N\)/],
        [{ z2: "0x01" }, /item 2 z2 in \[1, N\), got string "0x01"/],
        [{ S: secret.p }, /item 2: expected S and C to be units modulo N̂/],
        [{ C: secret.q }, /item 2: expected S and C to be units modulo N̂/],
        [{ A: key.p }, /item 2: expected A and z2 to be units modulo N/],
        [{ z2: key.q }, /item 2: expected A and z2 to be units modulo N/],
        [
          { z1: (1n << BigInt(20 + ENCRYPTION_RANGE_SLACK_BITS)) + 1n },
          /\|item 2 z1\| ≤ 2\^\(ℓ\+ε\) = 2\^276, got a value of 277 bits/,
        ],
        [{ z3: (parameters.n << 277n) + 1n }, /\|item 2 z3\| ≤ 2\^\(ℓ\+ε\+1\)·N̂ = 2\^277·N̂/],
      ];
      for (const [change, message] of cases)
        expectProofError(() => verify(statements, withItem(proof, 2, change)), INVALID, message);
    });

    it("a proof for another context, another key, other parameters", () => {
      expectProofError(
        () => verify(statements, proof, context("another check")),
        INVALID,
        /item 0: expected \(1\+N\)\^z1/,
      );
      const other = fixtureKey(3072);
      const otherStatements = witnesses
        .slice(0, 2)
        .map((w) => ({ ciphertext: encrypt(other, w.plaintext), rangeBits: w.rangeBits }));
      const twoItems = { ...proof, items: proof.items.slice(0, 2) };
      expectProofError(
        () => verifyEncryptionRange(other.publicKey, parameters, otherStatements, twoItems, ctx),
        INVALID,
        /expected a proof for key .*, got one for key/,
      );
      const rp = fixtureRingPedersen(3072).parameters;
      expectProofError(() => verifyEncryptionRange(publicKey, rp, statements, proof, ctx), INVALID, /under parameters/);
      // The same numbers relabelled as made under the other parameters: the transcript differs.
      expectProofError(
        () => verifyEncryptionRange(publicKey, rp, statements, { ...proof, parameters: rp }, ctx),
        INVALID,
      );
    });

    it("a reordered list, a ciphertext swapped for another of the same plaintext, a changed rangeBits", () => {
      const [a, b] = [witness(10n, 20), witness(11n, 20)];
      const made = proveEncryptionRange(key, parameters, [a, b], ctx);
      verify(publicPart([a, b]), made);
      expectProofError(() => verify(publicPart([b, a]), made), INVALID, /mismatch/);
      const bothSwapped = { ...made, items: [made.items[1], made.items[0]] };
      expectProofError(() => verify(publicPart([b, a]), bothSwapped), INVALID, /mismatch/);
      const again = witness(10n, 20);
      expectProofError(() => verify(publicPart([again, b]), made), INVALID, /item 0: expected \(1\+N\)\^z1·z2\^N/);
      const wider = publicPart([a, b]).map((s) => ({ ...s, rangeBits: 21 }));
      expectProofError(
        () => verify(wider, made),
        INVALID,
        /item 0: expected a proof for rangeBits 21 \(the statement's\), got one for 20/,
      );
      const relabelled = { ...made, items: made.items.map((item) => ({ ...item, rangeBits: 21 })) };
      expectProofError(() => verify(wider, relabelled), INVALID, /mismatch/);
    });

    it("an answer z₂ off by −1 (a small-order N-th residue): always for one item; for a list, half the time", () => {
      // The list's Paillier equations are checked as one with random 64-bit λ (as the bit proofs' batch): a factor −1
      // on item 1 passes when λ₁ is even. It changes no plaintext (−1 = (−1)^N is an N-th residue), so the statement
      // proven is the same; the single-item check is exact.
      const seven = witness(7n, 20);
      const single = proveEncryptionRange(key, parameters, [seven], ctx);
      const negated = withItem(single, 0, { z2: publicKey.n - single.items[0].z2 });
      expectProofError(() => verify(publicPart([seven]), negated), INVALID, /item 0: expected \(1\+N\)\^z1·z2\^N/);
      const flipped = withItem(proof, 1, { z2: publicKey.n - proof.items[1].z2 });
      const verdicts = Array.from({ length: 24 }, () => {
        try {
          verify(statements, flipped);
          return true;
        } catch (err) {
          expect((err as Error).message).to.match(/item 1: expected \(1\+N\)\^z1·z2\^N/);
          return false;
        }
      });
      expect(verdicts).to.include(true).and.to.include(false);
    });

    it("a proof with another number of items, or without items", () => {
      expectProofError(
        () => verify(statements.slice(0, 3), proof),
        INVALID,
        /expected 3 items \(one per statement\), got 8/,
      );
      expectProofError(() => verify(statements, { ...proof, items: undefined as never }), INVALID, /expected 8 items/);
      expectProofError(
        () => verify(statements, { ...proof, items: [null, ...proof.items.slice(1)] as never }),
        INVALID,
        /item 0: expected an object/,
      );
    });

    it("malformed arguments to the verifier, the decoder and encryptionRangeMaxBits, saying what came", () => {
      expectProofError(
        () => verifyEncryptionRange(key as never, parameters, statements, proof, ctx),
        "INVALID_ARGUMENT",
        /PaillierPublicKey/,
      );
      expectProofError(() => verify([], proof), "INVALID_ARGUMENT", /array of 1 to 256/);
      const foreign = [{ ciphertext: encrypt(fixtureKey(3072), 1n), rangeBits: 8 }];
      expectProofError(() => verify(foreign, proof), "KEY_MISMATCH", /statements\[0\]\.ciphertext/);
      expectProofError(
        () => verifyEncryptionRange(publicKey, { n: 1n } as never, statements, proof, ctx),
        "INVALID_ARGUMENT",
        /verifyEncryptionRange: expected ring-Pedersen parameters/,
      );
      expectProofError(
        () => verifyEncryptionRange(publicKey, parameters, statements, proof, [1, 2] as never),
        "INVALID_ARGUMENT",
        /verifyEncryptionRange: context: expected a Uint8Array, got array/,
      );
      expectProofError(() => verify([null as never], proof), "INVALID_ARGUMENT", /statements\[0\]\.ciphertext/);
      const json = encodeEncryptionRangeProof(proof);
      expectProofError(
        () => decodeEncryptionRangeProof(key as never, parameters, json, 8),
        "INVALID_ARGUMENT",
        /decodeEncryptionRangeProof: expected a PaillierPublicKey/,
      );
      expectProofError(
        () => decodeEncryptionRangeProof(publicKey, "parameters" as never, json, 8),
        "INVALID_ARGUMENT",
        /decodeEncryptionRangeProof: expected ring-Pedersen parameters/,
      );
      expectProofError(
        () => encryptionRangeMaxBits(3072 as never),
        "INVALID_ARGUMENT",
        /encryptionRangeMaxBits: expected a PaillierPublicKey, got number 3072/,
      );
    });
  });

  describe("soundness", () => {
    const L = 20;
    const beyond = 1n << BigInt(L + ENCRYPTION_RANGE_SLACK_BITS + 1);

    it("gets no accepted proof for a plaintext of 2^(ℓ+ε+1): the honest prover refuses, its run fails the range", () => {
      const big = witness(beyond, L);
      expectProofError(() => proveEncryptionRange(key, parameters, [big], ctx), "STATEMENT_FALSE", /\|k\| < 2\^20/);
      const run = proveEncryptionRangeFor(key, parameters, [big], ctx);
      expectProofError(() => verify(publicPart([big]), run), INVALID, /\|item 0 z1\| ≤ 2\^\(ℓ\+ε\)/);
    });

    it("gets no accepted proof when the claimed plaintext is not the ciphertext's: the Paillier equation fails", () => {
      const five = encrypt(key, 5n);
      const run = proveEncryptionRangeFor(key, parameters, [{ ciphertext: five, rangeBits: L, plaintext: 6n }], ctx);
      expectProofError(
        () => verify([{ ciphertext: five, rangeBits: L }], run),
        INVALID,
        /item 0: expected \(1\+N\)\^z1·z2\^N ≡ A·K\^e/,
      );
    });

    describe("z₁'s range check alone, at its edge (a forger holding the bureau's trapdoor λ = log_t s)", () => {
      // With λ every ring-Pedersen equation can be met for any z₁ (S and C are powers of t), and for K = E(0) the
      // Paillier equation can be met for any z₁ chosen before the challenge (A = (1+N)^z₁·w^N). So z₁'s range is the
      // only check left standing. (Only the bureau holds λ: a test device, not an attack.)
      const { n: nHat, t } = parameters;
      const phi = (secret.p - 1n) * (secret.q - 1n);
      const powHat = new ModularExponentiator(nHat);
      const { n, nSquared } = publicKey;
      const powN2 = new ModularExponentiator(nSquared);
      const rho = randomBelow(n - 2n) + 2n;
      const zero: EncryptionRangeStatement = { ciphertext: encryptWithRandomness(publicKey, 0n, rho), rangeBits: L };

      function forge(z1: bigint): EncryptionRangeProof {
        const [kS, kC] = [randomBelow(phi), randomBelow(phi)];
        const [S, C] = [powHat.pow(t, kS), powHat.pow(t, kC)];
        const w = randomBelow(n - 2n) + 2n;
        const A = ((1n + mod(z1, n) * n) * powN2.pow(w, n)) % nSquared;
        const e = encryptionRangeChallenge(publicKey, parameters, [zero], [{ S, A, C }], ctx);
        const z2 = (w * new ModularExponentiator(n).pow(rho, e)) % n;
        const z3 = mod(kC + e * kS - secret.lambda * z1, phi);
        return { publicKey, parameters, items: [{ rangeBits: L, S, A, C, z1, z2, z3 }] };
      }

      it("accepts z₁ = ±2^(ℓ+ε) and refuses ±(2^(ℓ+ε) + 1)", () => {
        const bound = 1n << BigInt(L + ENCRYPTION_RANGE_SLACK_BITS);
        for (const sign of [1n, -1n]) {
          verify([zero], forge(sign * bound));
          expectProofError(
            () => verify([zero], forge(sign * (bound + 1n))),
            INVALID,
            /\|item 0 z1\| ≤ 2\^\(ℓ\+ε\) = 2\^276, got a value of 277 bits/,
          );
        }
      });
    });
  });

  describe("encodeEncryptionRangeProof and decodeEncryptionRangeProof", () => {
    it("decodes strictly: members, parameters, count, rangeBits, widths, signs, ranges", () => {
      const json = encodeEncryptionRangeProof(proof);
      const item = json.items[0] as unknown as Record<string, unknown>;
      const withFirst = (change: Record<string, unknown>) => ({
        ...json,
        items: [{ ...item, ...change }, ...json.items.slice(1)],
      });
      const hex = (digits: number, fill: string) => "0x" + fill.repeat(digits);
      const cases: [unknown, RegExp][] = [
        ["{", /does not parse/],
        ["x".repeat(4_000_000), /expected at most \d+ characters of JSON/],
        [[], /encryption range proof: expected an object, got/],
        [{ ...json, extra: 1 }, /unexpected member "extra"/],
        [{ items: json.items }, /expected a member "parameters"/],
        [
          { ...json, parameters: fixtureRingPedersen(3072).parameters.fingerprint },
          /expected one under the parameters/,
        ],
        [{ ...json, items: json.items.slice(1) }, /items: expected exactly 8 entries, got 7/],
        [withFirst({ extra: "0x" }), /item 0: expected only the members rangeBits, S, A, C, z1, z2, z3/],
        [withFirst({ rangeBits: "20" }), /item 0 rangeBits: expected an integer from 1 to 765, got/],
        [withFirst({ rangeBits: maxBits + 1 }), /item 0 rangeBits: expected an integer from 1 to 765, got number 766/],
        [withFirst({ rangeBits: 40 }), /item 0 z1: expected "0x" and exactly 76 lowercase hex digits, got 70 digits/],
        [
          withFirst({ S: (item.S as string).slice(0, -2) }),
          /item 0 S: expected "0x" and exactly 512 lowercase hex digits/,
        ],
        [withFirst({ S: hex(512, "0") }), /item 0 S: expected a value in \[1, N̂\)/],
        [withFirst({ C: hex(512, "f") }), /item 0 C: expected a value in \[1, N̂\)/],
        [withFirst({ A: hex(1024, "f") }), /item 0 A: expected a value in \[1, N²\)/],
        [withFirst({ z2: hex(512, "0") }), /item 0 z2: expected a value in \[1, N\)/],
        [withFirst({ z1: (item.z1 as string).toUpperCase() }), /item 0 z1: expected an optional "-"/],
        [
          withFirst({ z1: "-" + hex((item.z1 as string).replace("-", "").length - 2, "0") }),
          /expected 0 without a sign/,
        ],
        [withFirst({ z3: "+" + (item.z3 as string) }), /item 0 z3/],
      ];
      for (const [input, message] of cases) {
        expectProofError(() => decodeEncryptionRangeProof(publicKey, parameters, input, 8), "PROOF_FORMAT", message);
      }
    });

    it("refuses a count out of range and a proof whose numbers do not fit their widths", () => {
      const json = encodeEncryptionRangeProof(proof);
      for (const count of [0, MAX_ENCRYPTION_RANGE_ITEMS + 1, 2.5]) {
        expectProofError(
          () => decodeEncryptionRangeProof(publicKey, parameters, json, count),
          "INVALID_ARGUMENT",
          /count: expected an integer from 1 to 256/,
        );
      }
      const tooWide = withItem(proof, 0, { z1: 1n << 300n });
      expectProofError(() => encodeEncryptionRangeProof(tooWide), "INVALID_ARGUMENT", /fit their widths/);
    });
  });

  describe("known answer", () => {
    /** A deterministic number below `bound` from a label (SHA-256 in counter mode): fixed nonces for a fixed proof. */
    function fixed(label: string, bound: bigint): bigint {
      let bytes = Buffer.alloc(0);
      for (let i = 0; bytes.length * 8 < bound.toString(2).length + 64; i++) {
        bytes = Buffer.concat([bytes, createHash("sha256").update(`${label}/${i}`).digest()]);
      }
      return fromBytes(bytes) % bound;
    }

    it("makes the pinned proof from fixed randomness; it verifies, and is the paper's formulas computed apart", () => {
      const nHat = parameters.n;
      const l = 20n;
      const E = BigInt(ENCRYPTION_RANGE_SLACK_BITS);
      const plaintext = -123456n;
      const rho = fixed("rho", publicKey.n - 2n) + 2n;
      const ciphertext = encryptWithRandomness(publicKey, plaintext, rho);
      const nonces: EncryptionRangeNonces = {
        alpha: fixed("alpha", 1n << (l + E + 1n)) - (1n << (l + E)),
        mu: fixed("mu", (nHat << l) * 2n) - (nHat << l),
        gamma: fixed("gamma", (nHat << (l + E)) * 2n) - (nHat << (l + E)),
        up: fixed("up", key.p - 1n) + 1n,
        uq: fixed("uq", key.q - 1n) + 1n,
      };
      const kat = context("Π^enc known answer");
      const made = proveEncryptionRangeFor(key, parameters, [{ ciphertext, rangeBits: 20, plaintext }], kat, [nonces]);
      verify([{ ciphertext, rangeBits: 20 }], made, kat);
      const e = encryptionRangeChallenge(publicKey, parameters, [{ ciphertext, rangeBits: 20 }], made.items, kat);
      expect(`0x${e.toString(16)}`).to.equal("0x85ee726780de3c74344721b9017425ee");
      const digest = createHash("sha256")
        .update(JSON.stringify(encodeEncryptionRangeProof(made)))
        .digest("hex");
      expect(digest).to.equal("6aea73a671d3a480eb2bbe10b1a0d7d0438a8df2bc2e9a3f99f7d1e3aac6b52c");

      // The same numbers from figure 14's formulas in plain BigInt (no OpenSSL, no CRT): r is the unit with
      // r^N ≡ u_P (mod P), i.e. r ≡ u_P^(N⁻¹ mod (P−1)) (mod P), and ρ is the encryption's randomness.
      const { n, nSquared } = publicKey;
      const { s, t } = parameters;
      const power = (base: bigint, exponent: bigint, modulus: bigint) =>
        exponent < 0n
          ? modPowBigInt(modInverse(base, modulus), -exponent, modulus)
          : modPowBigInt(base, exponent, modulus);
      const root = (u: bigint, prime: bigint) => power(u, modInverse(n % (prime - 1n), prime - 1n), prime);
      const r = crtAll([root(nonces.up, key.p), root(nonces.uq, key.q)], [key.p, key.q]);
      const { S, A, C, z1, z2, z3 } = made.items[0];
      expect(S).to.equal((power(s, plaintext, nHat) * power(t, nonces.mu, nHat)) % nHat);
      expect(C).to.equal((power(s, nonces.alpha, nHat) * power(t, nonces.gamma, nHat)) % nHat);
      expect(A).to.equal((power(n + 1n, mod(nonces.alpha, n), nSquared) * power(r, n, nSquared)) % nSquared);
      expect(z1).to.equal(nonces.alpha + e * plaintext);
      expect(z2).to.equal((r * power(rho, e, n)) % n);
      expect(z3).to.equal(nonces.gamma + e * nonces.mu);
    });
  });
});
