/**
 * Π^enc: a non-interactive zero-knowledge proof that each of k Paillier ciphertexts K_1..K_k under the prover's key
 * N encrypts a small integer: K_i = (1+N)^k_i·ρ_i^N mod N² with |k_i| < 2^ℓ_i, ℓ_i the statement's `rangeBits` (a
 * negative k is the residue N − |k|, as the engine encodes it).
 *
 * The protocol is the one of Canetti, Gennaro, Goldfeder, Makriyannis and Peled, "UC Non-Interactive, Proactive,
 * Threshold ECDSA with Identifiable Aborts" (CCS 2020; ePrint 2021/060), §6.1, figure 14 "Paillier Encryption in
 * Range ZK Proof" (Π^enc), under the verifier's ring-Pedersen parameters (N̂, s, t) (see `./ringPedersen`), made
 * non-interactive by Fiat–Shamir, one challenge for the whole list. With ε = {@link ENCRYPTION_RANGE_SLACK_BITS} =
 * 256, for each item (ℓ its rangeBits):
 *
 * 1. The prover draws α ∈ ±2^(ℓ+ε), μ ∈ ±2^ℓ·N̂, r ∈ Z_N*, γ ∈ ±2^(ℓ+ε)·N̂ and sends S = s^k·t^μ mod N̂,
 *    A = (1+N)^α·r^N mod N², C = s^α·t^γ mod N̂.
 * 2. The challenge e ∈ [0, 2^128) is the first 16 bytes of SHA-256 framed over [tag, context, N, N̂, s, t, u32(k),
 *    then per statement K_i and u32(ℓ_i), then per item S_i, A_i, C_i] (tag {@link ENCRYPTION_RANGE_PROOF_DOMAIN};
 *    N as ⌈bits(N)/8⌉ bytes, K and A as ⌈bits(N²)/8⌉, the others as ⌈bits(N̂)/8⌉).
 * 3. The prover sends z₁ = α + e·k, z₂ = r·ρ^e mod N, z₃ = γ + e·μ.
 * 4. The verifier checks z₁ ∈ ±2^(ℓ+ε), (1+N)^z₁·z₂^N ≡ A·K^e (mod N²) and s^z₁·t^z₃ ≡ C·S^e (mod N̂), and that
 *    every element is well formed: S, C units in [1, N̂), A a unit in [1, N²), z₂ a unit in [1, N), and
 *    |z₃| ≤ 2^(ℓ+ε+1)·N̂ (which every honest z₃ meets; the figure does not bound z₃, bounding it keeps sizes fixed).
 *
 * The paper draws e from ±q (q the curve's order, 256 bits); here e ∈ [0, 2^128), as in Π^fac: differences of two
 * challenges are below 2^128 either way, which is what soundness uses, and 128 bits is the target against grinding.
 *
 * **What it proves (soundness).** From two accepted answers to challenges e ≠ e' for the same first message, under
 * the strong RSA assumption for N̂ (the verifier made N̂; the prover knows neither its factors nor log_t s), e − e'
 * divides z₁ − z₁', and k̃ = (z₁ − z₁')/(e − e') satisfies |k̃| ≤ 2^(ℓ+ε+1). The Paillier equation then gives
 * K^(e−e') ≡ (1+N)^((e−e')·k̃)·(z₂/z₂')^N, so the plaintext of K is k̃ modulo N as long as gcd(e − e', N) = 1 and
 * Z_{N²}* splits as ⟨1+N⟩ × (N-th residues): both hold for a key with Π^mod (gcd(N, φ(N)) = 1) and Π^fac (primes
 * above 2^128) verified, which the bureau does once per bank key. **An accepted proof shows |k| ≤ 2^(ℓ+ε+1)**, one
 * bit more than the paper's shorthand ±2^(ℓ+ε); `rangeBits` is at most {@link encryptionRangeMaxBits} so that this
 * bound stays inside the key's signed plaintext range (the proven k decrypts as itself, never as a wrapped value).
 * Error 2^−128 per Fiat–Shamir query. All items share one challenge, and the argument holds item by item.
 *
 * **Zero knowledge** (statistical, honest verifier, random oracle): z₁ = α + e·k with |e·k| < 2^(128+ℓ) against α's
 * 2^(ℓ+ε): statistical distance at most 2^(128−ε) = 2^−128; likewise z₃ hides e·μ; z₂ is uniform in Z_N*; S and C
 * hide k and α because s ∈ ⟨t⟩ (Π^prm, which the prover checks once per parameters) and t^μ, t^γ are close to uniform
 * in ⟨t⟩. The honest prover retries in the 2^−129 case that |z₁| exceeds the verifier's bound.
 *
 * **Prover arithmetic.** The caller passes only the plaintexts, and the prover never forms ρ: with its factors it
 * works modulo p, q, p², q² as the bit proofs do (`./bits`, {@link commitment} and {@link response}): r^N mod N²
 * from r^N mod p and q, and z₂ = (r^N·K^e)^(N⁻¹ mod (P−1)) mod P per prime P, since K ≡ ρ^N (mod P) whatever the
 * plaintext. Before proving it decrypts each K and refuses (`STATEMENT_FALSE`) a plaintext that differs or is out
 * of range. The ring-Pedersen commitments cost four exponentiations modulo N̂ per item (exponents up to
 * ℓ + ε + bits(N̂) bits; the prover does not know N̂'s factors); the verifier pays, per item, two modulo N̂, and for
 * the whole list one with the exponent N modulo N² (the items' Paillier equations batched with 64-bit random
 * exponents, as the bit proofs' verifier does; exact for a single item). See README.md for measurements.
 *
 * @module
 */

import { byteLength, gcd, mod, toFixedHex } from "../paillier/arith";
import { describeBigInt, describeValue } from "../paillier/errors";
import { publicContext } from "../paillier/engine";
import {
  Ciphertext,
  PaillierPrivateKey,
  PaillierPublicKey,
  decryptRaw,
  plaintextRange,
  randomBelow,
  randomBits,
} from "../paillier";
import { powSigned, randomSigned } from "./arith";
import { BATCH_EXPONENT_BITS, commitment, proverContext, response, type Commitment, type ProverContext } from "./bits";
import { ProofError } from "./errors";
import { checkParameters, checkProofBinding, powerModNHat } from "./factors";
import {
  checkContext,
  parseJsonInput,
  readArray,
  readFixedHex,
  readObject,
  readSignedFixedHex,
  toSignedFixedHex,
} from "./format";
import type { RingPedersenParameters } from "./ringPedersen";
import { ENCRYPTION_RANGE_SLACK_BITS } from "./sizes";
import { ascii, fixedBytes, framedHash, u32 } from "./transcript";

export { ENCRYPTION_RANGE_SLACK_BITS };

/** The Fiat–Shamir challenge's size in bits: e ∈ [0, 2^128), and the security level against grinding. */
export const ENCRYPTION_RANGE_CHALLENGE_BITS = 128;

/** The domain tag of the Π^enc transcript hash. */
export const ENCRYPTION_RANGE_PROOF_DOMAIN = "BlindCredit/encryption-range/v1";

/** The most statements one proof may cover. */
export const MAX_ENCRYPTION_RANGE_ITEMS = 256;

const E = BigInt(ENCRYPTION_RANGE_SLACK_BITS);

/** One statement: `ciphertext` encrypts, under the prover's key, an integer k with |k| < 2^rangeBits. */
export interface EncryptionRangeStatement {
  /** K, under the prover's key. */
  readonly ciphertext: Ciphertext;
  /** ℓ: the claimed bound's bits, an integer from 1 to {@link encryptionRangeMaxBits}. */
  readonly rangeBits: number;
}

/** A statement with its plaintext k (signed), what the prover passes. */
export type EncryptionRangeWitness = EncryptionRangeStatement & { readonly plaintext: bigint };

/** One item of a Π^enc proof: the first message and the answers for one statement. */
export interface EncryptionRangeProofItem {
  /** The statement's ℓ, repeated so that the JSON widths are known before the statements are. */
  readonly rangeBits: number;
  /** S = s^k·t^μ mod N̂, a unit. */
  readonly S: bigint;
  /** A = (1+N)^α·r^N mod N², a unit modulo N. */
  readonly A: bigint;
  /** C = s^α·t^γ mod N̂, a unit. */
  readonly C: bigint;
  /** z₁ = α + e·k, |z₁| ≤ 2^(ℓ+ε). */
  readonly z1: bigint;
  /** z₂ = r·ρ^e mod N, a unit in [1, N). */
  readonly z2: bigint;
  /** z₃ = γ + e·μ, |z₃| ≤ 2^(ℓ+ε+1)·N̂. */
  readonly z3: bigint;
}

/** A Π^enc proof: the key and parameters it is about, and one item per statement, in order. Immutable. */
export interface EncryptionRangeProof {
  readonly publicKey: PaillierPublicKey;
  readonly parameters: RingPedersenParameters;
  readonly items: readonly EncryptionRangeProofItem[];
}

/**
 * The JSON form of one item: `rangeBits` a JSON number; S and C as "0x" and 2·⌈bits(N̂)/8⌉ lowercase hex digits, A
 * as 2·⌈bits(N²)/8⌉, z₂ as 2·⌈bits(N)/8⌉; z₁ and z₃ as an optional "-", "0x" and the fixed width of their bound.
 */
export interface EncryptionRangeProofItemJson {
  readonly rangeBits: number;
  readonly S: string;
  readonly A: string;
  readonly C: string;
  readonly z1: string;
  readonly z2: string;
  readonly z3: string;
}

/** The JSON form of Π^enc: the parameters' fingerprint and one item per statement. */
export interface EncryptionRangeProofJson {
  readonly parameters: string;
  readonly items: readonly EncryptionRangeProofItemJson[];
}

/**
 * The largest `rangeBits` a key allows: R − ε − 2 with R = ⌊bits/2⌋ − 1 the engine's signed plaintext bits (1277
 * for a 3072-bit key, 765 for 2048), so that the proven bound 2^(ℓ+ε+1) is below 2^R.
 *
 * @param publicKey - the prover's key
 * @returns the bound
 * @throws {ProofError} `INVALID_ARGUMENT` when `publicKey` is not a key
 */
export function encryptionRangeMaxBits(publicKey: PaillierPublicKey): number {
  checkPublicKey(publicKey, "encryptionRangeMaxBits");
  return plaintextRange(publicKey).bits - ENCRYPTION_RANGE_SLACK_BITS - 2;
}

/** The bounds on z₁ and z₃ for an item of `rangeBits` bits. */
function boundsFor(rangeBits: number, nHat: bigint): { readonly z1: bigint; readonly z3: bigint } {
  const l = BigInt(rangeBits);
  return { z1: 1n << (l + E), z3: nHat << (l + E + 1n) };
}

/** The widths in bytes of an item's numbers in JSON (and of S, A, C in the transcript). */
function widthsFor(publicKey: PaillierPublicKey, nHat: bigint, rangeBits: number) {
  const bounds = boundsFor(rangeBits, nHat);
  return {
    commitment: byteLength(nHat),
    ciphertext: byteLength(publicKey.nSquared),
    unit: byteLength(publicKey.n),
    z1: byteLength(bounds.z1),
    z3: byteLength(bounds.z3),
  };
}

/**
 * The Fiat–Shamir challenge e ∈ [0, 2^128) of Π^enc (see the module doc).
 *
 * @param publicKey - the prover's key
 * @param parameters - the ring-Pedersen parameters
 * @param statements - the statements, in order
 * @param commitments - the first message: S, A, C per item
 * @param context - the caller's context bytes
 * @returns e
 */
export function encryptionRangeChallenge(
  publicKey: PaillierPublicKey,
  parameters: RingPedersenParameters,
  statements: readonly EncryptionRangeStatement[],
  commitments: readonly Pick<EncryptionRangeProofItem, "S" | "A" | "C">[],
  context: Uint8Array,
): bigint {
  const { n: nHat, s, t } = parameters;
  const width = byteLength(nHat);
  const wide = byteLength(publicKey.nSquared);
  const parts: Uint8Array[] = [
    ascii(ENCRYPTION_RANGE_PROOF_DOMAIN),
    context,
    fixedBytes(publicKey.n, byteLength(publicKey.n)),
    fixedBytes(nHat, width),
    fixedBytes(s, width),
    fixedBytes(t, width),
    u32(statements.length),
  ];
  for (const { ciphertext, rangeBits } of statements) parts.push(fixedBytes(ciphertext.value, wide), u32(rangeBits));
  for (const { S, A, C } of commitments) parts.push(fixedBytes(S, width), fixedBytes(A, wide), fixedBytes(C, width));
  const digest = framedHash(parts);
  return BigInt(`0x${digest.subarray(0, ENCRYPTION_RANGE_CHALLENGE_BITS / 8).toString("hex")}`);
}

/** s^x·t^y mod N̂ for any integers x, y. */
function ringPedersenCommit(parameters: RingPedersenParameters, x: bigint, y: bigint): bigint {
  const pow = powerModNHat(parameters);
  return (powSigned(pow, parameters.s, x) * powSigned(pow, parameters.t, y)) % parameters.n;
}

/**
 * The prover's random choices for one item: α, μ, γ, and r represented by u_P = r^N mod P for each prime P of N
 * (see {@link commitment}).
 */
export interface EncryptionRangeNonces {
  /** α ∈ ±2^(ℓ+ε). */
  readonly alpha: bigint;
  /** μ ∈ ±2^ℓ·N̂. */
  readonly mu: bigint;
  /** γ ∈ ±2^(ℓ+ε)·N̂. */
  readonly gamma: bigint;
  /** u_p = r^N mod p, in [1, p). */
  readonly up: bigint;
  /** u_q = r^N mod q, in [1, q). */
  readonly uq: bigint;
}

/** Fresh nonces for an item of `rangeBits` bits, from the platform's CSPRNG. */
function drawNonces(
  privateKey: PaillierPrivateKey,
  parameters: RingPedersenParameters,
  rangeBits: number,
): EncryptionRangeNonces {
  const l = BigInt(rangeBits);
  const nHat = parameters.n;
  return {
    alpha: randomSigned(1n << (l + E)),
    mu: randomSigned(nHat << l),
    gamma: randomSigned(nHat << (l + E)),
    up: randomBelow(privateKey.p - 1n) + 1n,
    uq: randomBelow(privateKey.q - 1n) + 1n,
  };
}

/**
 * One run of the Π^enc prover, without checking the statements or the range of z₁: {@link proveEncryptionRange} is
 * the one to use; tests use this one to show that a false statement (a plaintext out of range, or another than the
 * ciphertext's) gives no accepted proof, and with fixed nonces for a known answer.
 *
 * @param privateKey - the prover's key
 * @param parameters - the verifier's ring-Pedersen parameters
 * @param witnesses - the statements with their claimed plaintexts
 * @param context - the context bytes
 * @param nonces - one set per item (default: fresh from the CSPRNG)
 * @returns the proof
 */
export function proveEncryptionRangeFor(
  privateKey: PaillierPrivateKey,
  parameters: RingPedersenParameters,
  witnesses: readonly EncryptionRangeWitness[],
  context: Uint8Array,
  nonces: readonly EncryptionRangeNonces[] = witnesses.map((w) => drawNonces(privateKey, parameters, w.rangeBits)),
): EncryptionRangeProof {
  const { publicKey } = privateKey;
  const { n, nSquared } = publicKey;
  const ctx: ProverContext = proverContext(privateKey);
  const first = witnesses.map((w, i) => {
    const { alpha, mu, gamma, up, uq } = nonces[i];
    const r: Commitment = commitment(ctx, up, uq);
    return {
      S: ringPedersenCommit(parameters, w.plaintext, mu),
      A: ((1n + mod(alpha, n) * n) * r.a) % nSquared,
      C: ringPedersenCommit(parameters, alpha, gamma),
      r,
    };
  });
  const e = encryptionRangeChallenge(publicKey, parameters, witnesses, first, context);
  const items = witnesses.map((w, i): EncryptionRangeProofItem => {
    const { S, A, C, r } = first[i];
    const { alpha, gamma, mu } = nonces[i];
    return Object.freeze({
      rangeBits: w.rangeBits,
      S,
      A,
      C,
      z1: alpha + e * w.plaintext,
      z2: response(ctx, r, w.ciphertext.value, e),
      z3: gamma + e * mu,
    });
  });
  return Object.freeze({ publicKey, parameters, items: Object.freeze(items) });
}

/** How many runs the honest prover makes before giving up: a run fails with probability below 2^−128. */
const PROVER_ATTEMPTS = 8;

/**
 * Proves that each ciphertext encrypts its plaintext and that |plaintext| < 2^rangeBits (Π^enc), under the
 * verifier's ring-Pedersen parameters, bound to a context. The caller passes the plaintexts only: the key's factors
 * give the randomness. Four exponentiations modulo N̂ per item, and a decryption to check the statement.
 *
 * @param privateKey - the key the ciphertexts are under
 * @param parameters - the verifier's parameters, whose Π^prm the caller has verified ({@link verifyRingPedersen}):
 *   under parameters with s ∉ ⟨t⟩ the commitments S could reveal the plaintexts
 * @param statements - 1 to {@link MAX_ENCRYPTION_RANGE_ITEMS} ciphertexts under the key, each with its `rangeBits`
 *   (1 to {@link encryptionRangeMaxBits}) and its signed plaintext
 * @param context - bytes naming where the proof is used; the verifier repeats them
 * @returns the proof, one item per statement
 * @throws {ProofError} `STATEMENT_FALSE` when a plaintext is out of its range or is not its ciphertext's;
 *   `KEY_MISMATCH` when a ciphertext is under another key; `INVALID_ARGUMENT` for arguments of the wrong type or shape
 * @example
 * const weights = [1200n, -25n].map((w) => ({ ciphertext: encrypt(privateKey, w), rangeBits: 20, plaintext: w }));
 * const proof = proveEncryptionRange(privateKey, bureauParameters, weights, formContext);
 */
export function proveEncryptionRange(
  privateKey: PaillierPrivateKey,
  parameters: RingPedersenParameters,
  statements: readonly EncryptionRangeWitness[],
  context: Uint8Array,
): EncryptionRangeProof {
  const fn = "proveEncryptionRange";
  if (!(privateKey instanceof PaillierPrivateKey)) {
    throw new ProofError("INVALID_ARGUMENT", `${fn}: expected a PaillierPrivateKey, got ${describeValue(privateKey)}`);
  }
  checkParameters(parameters, fn);
  checkContext(context, `${fn}: context`);
  const { publicKey } = privateKey;
  const list = checkStatements(publicKey, statements, `${fn}: statements`, true) as readonly EncryptionRangeWitness[];
  list.forEach(({ ciphertext, rangeBits, plaintext }, i) => {
    const magnitude = plaintext < 0n ? -plaintext : plaintext;
    if (magnitude >= 1n << BigInt(rangeBits)) {
      throw new ProofError(
        "STATEMENT_FALSE",
        `${fn}: statements[${i}]: expected a plaintext k with |k| < 2^${rangeBits}, got one of ` +
          `${magnitude.toString(2).length} bits`,
      );
    }
    if (decryptRaw(privateKey, ciphertext) !== mod(plaintext, publicKey.n)) {
      throw new ProofError(
        "STATEMENT_FALSE",
        `${fn}: statements[${i}]: expected a ciphertext encrypting the plaintext given, got one encrypting ` +
          "another value",
      );
    }
  });
  for (let attempt = 0; attempt < PROVER_ATTEMPTS; attempt++) {
    const proof = proveEncryptionRangeFor(privateKey, parameters, list, context);
    if (proof.items.every((item) => abs(item.z1) <= boundsFor(item.rangeBits, parameters.n).z1)) return proof;
  }
  throw new ProofError("STATEMENT_FALSE", `${fn}: no answer within the bounds in ${PROVER_ATTEMPTS} runs`);
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

function checkPublicKey(publicKey: unknown, what: string): asserts publicKey is PaillierPublicKey {
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new ProofError("INVALID_ARGUMENT", `${what}: expected a PaillierPublicKey, got ${describeValue(publicKey)}`);
  }
}

/** Checks the shape of a statement list (and of the plaintexts, for the prover); returns it. */
function checkStatements(
  publicKey: PaillierPublicKey,
  statements: unknown,
  what: string,
  withPlaintexts: boolean,
): readonly EncryptionRangeStatement[] {
  if (!Array.isArray(statements) || statements.length === 0 || statements.length > MAX_ENCRYPTION_RANGE_ITEMS) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `${what}: expected an array of 1 to ${MAX_ENCRYPTION_RANGE_ITEMS} statements, got ${describeValue(statements)}`,
    );
  }
  const maxBits = encryptionRangeMaxBits(publicKey);
  statements.forEach((statement: unknown, i) => {
    const { ciphertext, rangeBits, plaintext } = (statement ?? {}) as Partial<EncryptionRangeWitness>;
    if (!(ciphertext instanceof Ciphertext)) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `${what}[${i}].ciphertext: expected a Ciphertext, got ${describeValue(ciphertext)}`,
      );
    }
    if (!ciphertext.publicKey.equals(publicKey)) {
      throw new ProofError(
        "KEY_MISMATCH",
        `${what}[${i}].ciphertext: expected a ciphertext under key ${publicKey.fingerprint}, got one under ` +
          ciphertext.publicKey.fingerprint,
      );
    }
    if (!Number.isSafeInteger(rangeBits) || (rangeBits as number) < 1 || (rangeBits as number) > maxBits) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `${what}[${i}].rangeBits: expected an integer from 1 to ${maxBits} (for a ${publicKey.bits}-bit key), got ` +
          describeValue(rangeBits),
      );
    }
    if (withPlaintexts && typeof plaintext !== "bigint") {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `${what}[${i}].plaintext: expected a bigint, got ${describeValue(plaintext)}`,
      );
    }
  });
  return statements as readonly EncryptionRangeStatement[];
}

function invalid(message: string): never {
  throw new ProofError("ENCRYPTION_RANGE_PROOF_INVALID", `Π^enc: ${message}`);
}

/** Throws unless `value` is a bigint in [low, high). */
function checkRange(value: unknown, low: bigint, high: bigint, what: string, range: string): void {
  if (typeof value !== "bigint" || value < low || value >= high)
    invalid(`expected ${what} in ${range}, got ${describeValue(value)}`);
}

/** Throws unless `value` is a bigint with |value| ≤ bound. */
function checkSigned(value: unknown, bound: bigint, what: string, text: string): void {
  if (typeof value !== "bigint" || abs(value) > bound) {
    invalid(
      `expected |${what}| ≤ ${text}, got ` +
        (typeof value === "bigint" ? `a value of ${abs(value).toString(2).length} bits` : describeValue(value)),
    );
  }
}

/** The well-formedness checks of one item against its statement. */
function checkItem(
  publicKey: PaillierPublicKey,
  nHat: bigint,
  statement: EncryptionRangeStatement,
  item: unknown,
  i: number,
): asserts item is EncryptionRangeProofItem {
  if (typeof item !== "object" || item === null) invalid(`item ${i}: expected an object, got ${describeValue(item)}`);
  const candidate = item as Partial<EncryptionRangeProofItem>;
  const l = statement.rangeBits;
  const claimed = candidate.rangeBits;
  if (claimed !== l) {
    const shown = typeof claimed === "number" ? claimed : describeValue(claimed);
    invalid(`item ${i}: expected a proof for rangeBits ${l} (the statement's), got one for ${shown}`);
  }
  const { n, nSquared } = publicKey;
  checkRange(candidate.S, 1n, nHat, `item ${i} S`, "[1, N̂)");
  checkRange(candidate.A, 1n, nSquared, `item ${i} A`, "[1, N²)");
  checkRange(candidate.C, 1n, nHat, `item ${i} C`, "[1, N̂)");
  checkRange(candidate.z2, 1n, n, `item ${i} z2`, "[1, N)");
  const bounds = boundsFor(l, nHat);
  checkSigned(candidate.z1, bounds.z1, `item ${i} z1`, `2^(ℓ+ε) = 2^${l + ENCRYPTION_RANGE_SLACK_BITS}`);
  checkSigned(candidate.z3, bounds.z3, `item ${i} z3`, `2^(ℓ+ε+1)·N̂ = 2^${l + ENCRYPTION_RANGE_SLACK_BITS + 1}·N̂`);
  const { S, A, C, z2 } = candidate as EncryptionRangeProofItem;
  if (gcd((S * C) % nHat, nHat) !== 1n)
    invalid(`item ${i}: expected S and C to be units modulo N̂, got one that is not`);
  if (gcd((A * z2) % n, n) !== 1n) invalid(`item ${i}: expected A and z2 to be units modulo N, got one that is not`);
}

/**
 * The Paillier equations of all items as one, with independent {@link BATCH_EXPONENT_BITS}-bit λ_i from the
 * verifier's CSPRNG (Bellare, Garay and Rabin's small exponents test, as the bit proofs' verifier):
 *
 *     (1+N)^(Σ λ_i·z₁,i) · (Π z₂,i^λ_i)^N  ≡  Π A_i^λ_i · (Π K_i^λ_i)^e  (mod N²)
 *
 * one exponentiation with the exponent N instead of one per item. If some item's equation fails by a factor outside
 * the N-th residues (one that changes a plaintext relation), the batch accepts with probability at most
 * 1/P + 2^−64 over its λ, P the smallest prime of N. A factor that is an N-th residue of small order (such as −1,
 * from z₂ replaced by N − z₂) may pass, but changes no plaintext: the soundness argument only uses each equation's
 * component in ⟨1+N⟩, so an accepted batch proves the same statement (see `./bits`, "Batch verification").
 */
function paillierBatchHolds(
  publicKey: PaillierPublicKey,
  ks: readonly bigint[],
  items: readonly EncryptionRangeProofItem[],
  e: bigint,
): boolean {
  const { n, nSquared } = publicKey;
  const pub = publicContext(publicKey);
  let exponent = 0n;
  let zs = 1n;
  let as = 1n;
  let cs = 1n;
  items.forEach(({ A, z1, z2 }, i) => {
    const lambda = randomBits(BATCH_EXPONENT_BITS);
    exponent += lambda * z1;
    zs = (zs * pub.scalarPower.pow(z2, lambda)) % nSquared;
    as = (as * pub.scalarPower.pow(A, lambda)) % nSquared;
    cs = (cs * pub.scalarPower.pow(ks[i], lambda)) % nSquared;
  });
  const lhs = ((1n + mod(exponent, n) * n) * pub.randomizerPower.pow(zs, n)) % nSquared;
  return lhs === (as * pub.scalarPower.pow(cs, e)) % nSquared;
}

/**
 * Verifies Π^enc: each ciphertext encrypts an integer k with |k| ≤ 2^(rangeBits+ε+1) (see the module doc), up to
 * 2^−128 per Fiat–Shamir query, the strong RSA assumption for the verifier's own N̂, and the key's Π^mod and Π^fac
 * (verify those once per key first). Per item two exponentiations modulo N̂; the Paillier equations of a list are
 * checked as one (one exponentiation with exponent N modulo N², see {@link paillierBatchHolds}; 2^−64 + 1/P per
 * verification, the λ being the verifier's), and one by one, naming the item, only when that fails or for one item.
 *
 * @param publicKey - the prover's key, the ciphertexts' key
 * @param parameters - the verifier's own ring-Pedersen parameters
 * @param statements - the statements, in the prover's order
 * @param proof - the proof, from {@link proveEncryptionRange} or {@link decodeEncryptionRangeProof}
 * @param context - the same context bytes as the prover's
 * @throws {ProofError} `ENCRYPTION_RANGE_PROOF_INVALID` naming the item and the failed check (another key or
 *   parameters, another number of items or rangeBits, a range, a non-unit, an equation); `KEY_MISMATCH` when a
 *   ciphertext is under another key; `INVALID_ARGUMENT` for arguments of the wrong type or shape
 * @example
 * verifyEncryptionRange(bankKey, ownParameters, statements, decodeEncryptionRangeProof(bankKey, ownParameters,
 *   body.proof, statements.length), formContext);
 */
export function verifyEncryptionRange(
  publicKey: PaillierPublicKey,
  parameters: RingPedersenParameters,
  statements: readonly EncryptionRangeStatement[],
  proof: EncryptionRangeProof,
  context: Uint8Array,
): void {
  const fn = "verifyEncryptionRange";
  checkPublicKey(publicKey, fn);
  checkParameters(parameters, fn);
  checkContext(context, `${fn}: context`);
  const list = checkStatements(publicKey, statements, `${fn}: statements`, false);
  checkProofBinding(proof, publicKey, parameters, invalid);
  const items: unknown = proof.items;
  if (!Array.isArray(items) || items.length !== list.length) {
    invalid(
      `expected ${list.length} items (one per statement), got ` +
        (Array.isArray(items) ? `${items.length}` : describeValue(items)),
    );
  }
  const { n: nHat } = parameters;
  list.forEach((statement, i) => checkItem(publicKey, nHat, statement, items[i], i));
  const checked = items as readonly EncryptionRangeProofItem[];
  const e = encryptionRangeChallenge(publicKey, parameters, list, checked, context);
  const { n, nSquared } = publicKey;
  const pub = publicContext(publicKey);
  const pow = powerModNHat(parameters);
  const ks = list.map((statement) => statement.ciphertext.value);
  if (checked.length === 1 || !paillierBatchHolds(publicKey, ks, checked, e)) {
    // One item, or a batch that fails: the exact equations, which name the item.
    checked.forEach(({ A, z1, z2 }, i) => {
      const lhs = ((1n + mod(z1, n) * n) * pub.randomizerPower.pow(z2, n)) % nSquared;
      if (lhs !== (A * pub.scalarPower.pow(ks[i], e)) % nSquared) {
        invalid(`item ${i}: expected (1+N)^z1·z2^N ≡ A·K^e (mod N²), got a mismatch`);
      }
    });
  }
  checked.forEach(({ S, C, z1, z3 }, i) => {
    if (ringPedersenCommit(parameters, z1, z3) !== (C * pow.pow(S, e)) % nHat) {
      invalid(`item ${i}: expected s^z1·t^z3 ≡ C·S^e (mod N̂), got a mismatch`);
    }
  });
}

/**
 * The JSON form of Π^enc.
 *
 * @param proof - the proof
 * @returns a JSON-able object; `JSON.stringify` it to send it
 * @throws {ProofError} `INVALID_ARGUMENT` when a number does not fit its width (not a proof from
 *   {@link proveEncryptionRange})
 */
export function encodeEncryptionRangeProof(proof: EncryptionRangeProof): EncryptionRangeProofJson {
  const { publicKey, parameters } = proof;
  try {
    return {
      parameters: parameters.fingerprint,
      items: proof.items.map((item) => {
        const widths = widthsFor(publicKey, parameters.n, item.rangeBits);
        return {
          rangeBits: item.rangeBits,
          S: toFixedHex(item.S, widths.commitment),
          A: toFixedHex(item.A, widths.ciphertext),
          C: toFixedHex(item.C, widths.commitment),
          z1: toSignedFixedHex(item.z1, widths.z1),
          z2: toFixedHex(item.z2, widths.unit),
          z3: toSignedFixedHex(item.z3, widths.z3),
        };
      }),
    };
  } catch (err) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      "encodeEncryptionRangeProof: expected a proof whose numbers fit their widths",
      { cause: err },
    );
  }
}

const ITEM_MEMBERS = ["rangeBits", "S", "A", "C", "z1", "z2", "z3"] as const;

/**
 * Reads Π^enc from its JSON, strictly: exactly the documented members, the parameters' fingerprint equal to the
 * given parameters', exactly `count` items, each with rangeBits an integer from 1 to {@link encryptionRangeMaxBits}
 * and its numbers at their fixed widths, S and C in [1, N̂), A in [1, N²), z₂ in [1, N). Reading does not verify:
 * call {@link verifyEncryptionRange}, which also checks each rangeBits against its statement.
 *
 * @param publicKey - the prover's key
 * @param parameters - the ring-Pedersen parameters it must be under (the verifier's own)
 * @param json - the parsed JSON value, or the JSON text
 * @param count - the number of statements it must cover, 1 to {@link MAX_ENCRYPTION_RANGE_ITEMS}
 * @returns the proof
 * @throws {ProofError} `PROOF_FORMAT` saying what was expected and what came; `INVALID_ARGUMENT` for a non-key,
 *   non-parameters or a count out of range
 */
export function decodeEncryptionRangeProof(
  publicKey: PaillierPublicKey,
  parameters: RingPedersenParameters,
  json: unknown,
  count: number,
): EncryptionRangeProof {
  const fn = "decodeEncryptionRangeProof";
  checkPublicKey(publicKey, fn);
  checkParameters(parameters, fn);
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_ENCRYPTION_RANGE_ITEMS) {
    throw new ProofError(
      "INVALID_ARGUMENT",
      `${fn}: count: expected an integer from 1 to ${MAX_ENCRYPTION_RANGE_ITEMS}, got ${describeValue(count)}`,
    );
  }
  const what = "encryption range proof";
  const maxBits = encryptionRangeMaxBits(publicKey);
  const widest = widthsFor(publicKey, parameters.n, maxBits);
  const itemChars = 2 * (2 * widest.commitment + widest.ciphertext + widest.unit + widest.z1 + widest.z3) + 128;
  const record = readObject(parseJsonInput(json, what, count * itemChars + 256), ["parameters", "items"], what);
  if (record.parameters !== parameters.fingerprint) {
    throw new ProofError(
      "PROOF_FORMAT",
      `${what}: expected one under the parameters ${parameters.fingerprint}, got one under ` +
        describeValue(record.parameters),
    );
  }
  const items = readArray(record.items, `${what} items`, count, count).map((entry, i) => {
    const name = `${what} item ${i}`;
    const fields = readObject(entry, ITEM_MEMBERS, name);
    const rangeBits = fields.rangeBits;
    if (typeof rangeBits !== "number" || !Number.isSafeInteger(rangeBits) || rangeBits < 1 || rangeBits > maxBits) {
      throw new ProofError(
        "PROOF_FORMAT",
        `${name} rangeBits: expected an integer from 1 to ${maxBits}, got ${describeValue(rangeBits)}`,
      );
    }
    const widths = widthsFor(publicKey, parameters.n, rangeBits);
    const residue = (member: "S" | "A" | "C" | "z2", width: number, modulus: bigint, range: string) => {
      const value = readFixedHex(fields[member], `${name} ${member}`, width);
      if (value < 1n || value >= modulus) {
        throw new ProofError(
          "PROOF_FORMAT",
          `${name} ${member}: expected a value in ${range}, got ${describeBigInt(value)}`,
        );
      }
      return value;
    };
    return Object.freeze({
      rangeBits,
      S: residue("S", widths.commitment, parameters.n, "[1, N̂)"),
      A: residue("A", widths.ciphertext, publicKey.nSquared, "[1, N²)"),
      C: residue("C", widths.commitment, parameters.n, "[1, N̂)"),
      z1: readSignedFixedHex(fields.z1, `${name} z1`, widths.z1),
      z2: residue("z2", widths.unit, publicKey.n, "[1, N)"),
      z3: readSignedFixedHex(fields.z3, `${name} z3`, widths.z3),
    });
  });
  return Object.freeze({ publicKey, parameters, items: Object.freeze(items) });
}
