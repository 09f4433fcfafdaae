/**
 * The bank's side of a blind credit check: build the condition form, answer the bureau's encrypted operands with
 * blinded comparisons and proven shares (decision mode), and read the answer. The bank holds its Paillier private
 * key and its thresholds; it never sees the subject's values, and in decision mode its thresholds never leave it.
 * @module
 */
import { hexlify } from "ethers";
import {
  exportDgkPublicKey,
  importDgkPublicKey,
  parseCiphertext as parseDgkCiphertext,
  randomizer as dgkRandomizer,
  toHex as dgkHex,
  type DgkPublicKey,
} from "../dgk";
import {
  decryptRaw,
  encrypt,
  isZero,
  randomBelow,
  type Ciphertext,
  type PaillierPrivateKey,
  type RandomizerSource,
} from "../paillier";
import {
  encodeBitProof,
  encodeEncryptionRangeProof,
  encodeFactorProof,
  encodeModulusProof,
  proveBits,
  proveBitsPrecomputed,
  proveEncryptionRange,
  proveFactors,
  proveModulus,
  type BitProof,
  type PrecomputedShare,
  type RingPedersenParameters,
} from "../proofs";
import { blindedComparison, type DgkRandomizers } from "./comparison";
import { comparisonsOf, isScorecard, parseForm, type Condition, type ParsedCondition } from "./form";
import { comparisonDomain, type CreditSchema } from "./schema";
import type { ParsedScorecard } from "./scorecard";
import {
  decodeMessage,
  encodeMessage,
  factorProofContext,
  keyProofContext,
  messageHash,
  readArray,
  readCiphertext,
  scorecardQuotientContext,
  scorecardWeightsContext,
  shareProofContext,
  type CheckContext,
  type CommittedMessage,
} from "./messages";
import type { CheckModeName } from "../contractEnums";

/** What the bank keeps of a form it sent: the conditions, to compute its comparisons and read the replies. */
export interface BankForm extends CommittedMessage {
  readonly mode: CheckModeName;
  readonly conditions: readonly ParsedCondition[];
  /** The schema the conditions were parsed against (the default schema when omitted). */
  readonly schema?: CreditSchema;
  /** Decision mode: the comparison key the bank reserved for this check and named in the form, if any. */
  readonly comparisonKey?: DgkPublicKey;
  /** The bureau's ring-Pedersen parameters the form was built under: a scorecard's quotients are proven under them. */
  readonly parameters?: RingPedersenParameters;
}

/** What the bank learned from a check: everything it decrypted, for its records and for audits. */
export interface BankView {
  /** Decision mode: the bank's share of each comparison (its own coin flips, independent of the subject). */
  readonly shares: readonly (0 | 1)[];
  /** Paper mode: how many of the shuffled results were zero (conditions met), in shuffled order. */
  readonly matches: readonly boolean[];
  /** The decision. */
  readonly approved: boolean;
}

/** Where the bank's per-comparison material comes from: computed now by default, or from pools filled beforehand. */
export interface BankPools {
  /** Its shares: a coin, its encryption and its proof's commitments (`SharePool.take`). */
  readonly shares?: () => PrecomputedShare;
  /** DGK re-randomisers h^r for the check's key (`DgkRandomizerPool.take`, or a batch from `DgkRandomizerWorkers`). */
  readonly dgkRandomizers?: DgkRandomizers;
}

/** What the bank made once per key and binding, encoded: its key proofs (Π^mod, Π^fac) and its encrypted models. */
const keyProofs = new WeakMap<PaillierPrivateKey, Map<string, unknown>>();

/** An encoded proof about the bank's key, made once per key and binding (`bound`), then kept. */
function keyProof(privateKey: PaillierPrivateKey, bound: Uint8Array, prove: (bound: Uint8Array) => unknown): unknown {
  return madeOnce(privateKey, Buffer.from(bound).toString("hex"), () => prove(bound));
}

function madeOnce(privateKey: PaillierPrivateKey, tag: string, make: () => unknown): unknown {
  let made = keyProofs.get(privateKey);
  if (made === undefined) keyProofs.set(privateKey, (made = new Map()));
  let value = made.get(tag);
  if (value === undefined) made.set(tag, (value = make()));
  return value;
}

/**
 * A scorecard as the form carries it: its public shape, E(w_i) and E(w_0) under the bank's key, and one Π^enc that
 * each is in its range, under the bureau's parameters. Made once per key, model and binding (chain, contract, key,
 * parameters), then kept: the same ciphertexts serve every check of the model.
 */
function encryptedScorecard(
  privateKey: PaillierPrivateKey,
  context: CheckContext,
  parameters: RingPedersenParameters,
  scorecard: ParsedScorecard,
): unknown {
  const bound = scorecardWeightsContext(context, parameters.fingerprint);
  const model = JSON.stringify({
    shape: scorecard.shape,
    weights: scorecard.weights.map(String),
    cutoff: String(scorecard.cutoff),
  });
  return madeOnce(privateKey, `${Buffer.from(bound).toString("hex")} ${model}`, () => {
    const { weightBits, offsetBits } = scorecard.parameters;
    const statements = [
      ...scorecard.weights.map((w) => ({ plaintext: w, rangeBits: weightBits })),
      { plaintext: scorecard.offset, rangeBits: offsetBits },
    ].map((statement) => ({ ...statement, ciphertext: encrypt(privateKey, statement.plaintext) }));
    const proof = proveEncryptionRange(privateKey, parameters, statements, bound);
    return {
      ...scorecard.shape,
      weights: statements.slice(0, -1).map(({ ciphertext }) => ciphertext.toHex()),
      offset: statements[statements.length - 1].ciphertext.toHex(),
      proof: encodeEncryptionRangeProof(proof),
    };
  });
}

/**
 * Validates the condition form and builds the bank's first message, bound to `context`. Decision mode sends the
 * form's shape only (fields, operators, how many values): the thresholds stay with the bank; a scorecard adds its
 * weights and offset encrypted under the bank's own key with their range proof (made once per model). Paper mode sends each
 * value encrypted under the bank's key. Both carry the proofs about the bank's key, made once per key and
 * deployment: that its modulus is a Paillier–Blum modulus (Π^mod), and that it has no small factor (Π^fac, under
 * the bureau's ring-Pedersen parameters).
 * @param parameters the bureau's ring-Pedersen parameters, their Π^prm verified (`readParametersDocument`)
 * @param comparisonKey decision mode: a key the bureau reserved to this bank (`bureau/comparisonKeys`), named by its
 *   fingerprint so that the bureau uses it for this check and the bank can precompute its re-randomisers for it
 * @throws Error for a form the schema or the mode refuses (see {@link parseForm}), or a reserved key in paper mode;
 *   ProofError `STATEMENT_FALSE` for a key with a prime too small to prove large
 */
export function buildForm(
  privateKey: PaillierPrivateKey,
  context: CheckContext,
  mode: CheckModeName,
  conditions: readonly Condition[],
  parameters: RingPedersenParameters,
  pool?: RandomizerSource,
  comparisonKey?: DgkPublicKey,
): BankForm {
  const parsed = parseForm(conditions, mode, context.schema);
  if (comparisonKey !== undefined && mode !== "decision")
    throw new Error(`form: expected a reserved comparison key in decision mode only, got one in ${mode} mode`);
  const body = {
    mode,
    conditions: parsed.map((c) => {
      if (isScorecard(c)) return { scorecard: encryptedScorecard(privateKey, context, parameters, c.scorecard) };
      const shape = { field: c.field, op: c.op, arity: c.arity };
      return mode === "paper" ? { ...shape, value: encrypt(privateKey, c.values[0], { pool }).toHex() } : shape;
    }),
    keyProof: keyProof(privateKey, keyProofContext(context), (bound) =>
      encodeModulusProof(proveModulus(privateKey, bound)),
    ),
    factorProof: keyProof(privateKey, factorProofContext(context, parameters.fingerprint), (bound) =>
      encodeFactorProof(proveFactors(privateKey, parameters, bound)),
    ),
    ...(comparisonKey === undefined ? {} : { comparisonKey: comparisonKey.fingerprint }),
  };
  const bytes = encodeMessage("form", context, body);
  return {
    bytes,
    hash: messageHash(bytes),
    mode,
    conditions: parsed,
    schema: context.schema,
    comparisonKey,
    parameters,
  };
}

/**
 * Decision mode: one comparison of the form, in the order of the challenge's operands and the response's values: its
 * width, and the bank's operand, a threshold known now or, for a scorecard (`scorecard`: its index among the form's
 * scorecards), one derived from the challenge.
 */
type FormComparison = { readonly bits: number } & ({ readonly threshold: bigint } | { readonly scorecard: number });

function comparisonsOfForm(form: BankForm): FormComparison[] {
  let scorecards = 0;
  return form.conditions.flatMap((c): FormComparison[] =>
    isScorecard(c)
      ? [{ bits: c.scorecard.parameters.comparisonBits, scorecard: scorecards++ }]
      : comparisonsOf(c, form.schema).map(({ field, threshold }) => ({
          bits: comparisonDomain(field).bits,
          threshold,
        })),
  );
}

/** Decision mode: how many comparisons the form makes (one share each). */
export function comparisonCount(form: BankForm): number {
  return comparisonsOfForm(form).length;
}

/** Decision mode: how many DGK values the bank returns for this form (one per bit, plus one, per comparison). */
export function comparisonValueCount(form: BankForm): number {
  return comparisonsOfForm(form).reduce((sum, { bits }) => sum + bits + 1, 0);
}

/** The bank's shares of a check, encrypted and proven to be bits: they depend on the check, not on the challenge. */
export interface ProvenShares {
  /** δ_bank per comparison, secret. */
  readonly bits: (0 | 1)[];
  /** E(δ_bank) per comparison. */
  readonly encrypted: Ciphertext[];
  readonly proof: BitProof;
  /** What the proof is bound to, the check and the comparison key (`shareProofContext`), as hex. */
  readonly boundTo: string;
}

/**
 * Decision mode: the bank's shares for a form's comparisons with their proof, bound to the check and the bureau's
 * comparison key. They need nothing from the challenge, so a bank without a share pool can compute them while its
 * DGK re-randomisers are computed on worker threads, or while it waits for the challenge.
 * @param takeShare precomputed shares (`SharePool.take`); without, each share is encrypted and proven on the spot
 */
export function proveShares(
  privateKey: PaillierPrivateKey,
  context: CheckContext,
  form: BankForm,
  comparisonKey: DgkPublicKey,
  takeShare?: () => PrecomputedShare,
): ProvenShares {
  const count = comparisonCount(form);
  const proofContext = shareProofContext(context, comparisonKey.fingerprint);
  const boundTo = hexlify(proofContext);
  if (takeShare) {
    const precomputed = Array.from({ length: count }, () => takeShare());
    return {
      bits: precomputed.map((share) => share.bit),
      encrypted: precomputed.map(({ share }) => share),
      proof: proveBitsPrecomputed(privateKey, precomputed, proofContext),
      boundTo,
    };
  }
  // Without a pool, encrypting and proving on the spot is cheaper than precomputing shares now.
  const bits = Array.from({ length: count }, () => Number(randomBelow(2n)) as 0 | 1);
  const encrypted = bits.map((bit) => encrypt(privateKey, BigInt(bit)));
  const proof = proveBits(privateKey, encrypted, bits, proofContext);
  return { bits, encrypted, proof, boundTo };
}

/**
 * Decision mode: the comparison key the bureau made for this check, as its challenge commits to it (the challenge's
 * hash is on-chain). When the form named a reserved key, the challenge must use that one.
 * @throws Error when the challenge does not match its commitment or the check, its key is malformed or fails the
 *   DGK import checks, or it is not the key the form reserved
 */
export function challengeKey(
  context: CheckContext,
  form: BankForm,
  challenge: Uint8Array,
  challengeHash: string,
): DgkPublicKey {
  const named = decodeMessage(challenge, "challenge", context, challengeHash).comparisonKey;
  if (form.comparisonKey !== undefined) {
    if (JSON.stringify(named) !== JSON.stringify(exportDgkPublicKey(form.comparisonKey)))
      throw new Error(
        `challenge: expected the comparison key reserved in the form, ${form.comparisonKey.fingerprint}, got another`,
      );
    return form.comparisonKey;
  }
  try {
    return importDgkPublicKey(named);
  } catch (e) {
    throw new Error(`challenge comparison key: ${(e as Error).message}`);
  }
}

/**
 * Decision mode: reads the bureau's encrypted operands and returns, per comparison, the blinded DGK values against
 * the bank's threshold, and the bank's encrypted shares with a proof that each is a bit. Per scorecard, it decrypts
 * the masked score d = D·2^ℓ + y, compares with (2^ℓ − 1) − y, and adds E(D) with its range proof (Π^enc, under the
 * parameters the form was built under) bound to the check and its comparison key.
 * @param comparisonKey the check's comparison key, from its challenge ({@link challengeKey})
 * @param pools where shares and re-randomisers come from; `proven`: the shares already proven for this check and
 *   key ({@link proveShares}), used instead of `pools.shares`
 * @throws Error when the challenge does not match its commitment, the check, the key or the form's shape, or when
 *   `proven` was made for another check or key, or another number of comparisons
 */
export function respondToChallenge(
  privateKey: PaillierPrivateKey,
  context: CheckContext,
  form: BankForm,
  challenge: Uint8Array,
  challengeHash: string,
  comparisonKey: DgkPublicKey,
  {
    shares: takeShare,
    proven,
    dgkRandomizers = () => dgkRandomizer(comparisonKey),
  }: BankPools & { readonly proven?: ProvenShares } = {},
): CommittedMessage & { readonly shares: (0 | 1)[] } {
  const body = decodeMessage(challenge, "challenge", context, challengeHash);
  if (JSON.stringify(body.comparisonKey) !== JSON.stringify(exportDgkPublicKey(comparisonKey))) {
    throw new Error(
      `challenge: expected operands under the comparison key ${comparisonKey.fingerprint}, got them under another`,
    );
  }
  const comparisons = comparisonsOfForm(form);
  const operands = readArray(body.operands, "challenge operands", comparisons.length);
  const operandBits = comparisons.map(({ bits }, i) => {
    const where = `challenge operand ${i + 1}`;
    return readArray(operands[i], where, bits).map((x, j) =>
      // Range only: a bit sharing a factor with n would only hand the bank the bureau's factorisation.
      parseDgkCiphertext(comparisonKey, x, `${where} bit ${j}`, { checkUnit: false }),
    );
  });
  if (proven) {
    const bound = proven.boundTo === hexlify(shareProofContext(context, comparisonKey.fingerprint));
    if (!bound || proven.bits.length !== comparisons.length) {
      throw new Error(
        `proven shares: expected ${comparisons.length} proven for this check and comparison key ` +
          `${comparisonKey.fingerprint}, got ${proven.bits.length} proven for ` +
          (bound ? "them" : "another check or comparison key"),
      );
    }
  }
  const scores = readScores(privateKey, form, body.scores);
  const { bits, encrypted, proof } = proven ?? proveShares(privateKey, context, form, comparisonKey, takeShare);
  const shares = [...bits];
  const blinded = comparisons.map((comparison, i) => {
    const threshold = "threshold" in comparison ? comparison.threshold : scores[comparison.scorecard].threshold;
    return blindedComparison(comparisonKey, operandBits[i], threshold, shares[i], dgkRandomizers).map((v) =>
      dgkHex(comparisonKey, v),
    );
  });
  const bytes = encodeMessage("response", context, {
    comparisons: blinded,
    shares: encrypted.map((c) => c.toHex()),
    shareProof: encodeBitProof(proof),
    ...provenQuotients(privateKey, context, form, comparisonKey, scores),
  });
  return { bytes, hash: messageHash(bytes), shares };
}

/** A scorecard's masked score as the bank splits it: d = D·2^ℓ + y. */
interface SplitScore {
  readonly scorecard: ParsedScorecard;
  /** D = ⌊d / 2^ℓ⌋. */
  readonly quotient: bigint;
  /** The bank's comparison operand (2^ℓ − 1) − y, so that the comparison gives [y ≥ R_lo]. */
  readonly threshold: bigint;
}

/**
 * Decision mode: the challenge's masked scores, one per scorecard, decrypted and split. Whatever a score decrypts to,
 * the bank goes on (a D reduced to its proven range): erring on a value out of range would tell a deviating bureau,
 * which chose the value, something about the weights.
 */
function readScores(privateKey: PaillierPrivateKey, form: BankForm, value: unknown): SplitScore[] {
  const scorecards = form.conditions.filter(isScorecard).map((c) => c.scorecard);
  if (scorecards.length === 0) return [];
  return readArray(value, "challenge scores", scorecards.length).map((score, i) => {
    const d = decryptRaw(privateKey, readCiphertext(privateKey.publicKey, score, `challenge score ${i + 1}`));
    const scorecard = scorecards[i];
    const { comparisonBits, quotientBits } = scorecard.parameters;
    const low = (1n << BigInt(comparisonBits)) - 1n;
    return {
      scorecard,
      quotient: (d >> BigInt(comparisonBits)) % (1n << BigInt(quotientBits - 1)),
      threshold: low - (d & low),
    };
  });
}

/** E(D) per scorecard with one Π^enc that each is in range, bound to the check and its comparison key. */
function provenQuotients(
  privateKey: PaillierPrivateKey,
  context: CheckContext,
  form: BankForm,
  comparisonKey: DgkPublicKey,
  scores: readonly SplitScore[],
): { quotients?: string[]; quotientProof?: unknown } {
  if (scores.length === 0) return {};
  if (form.parameters === undefined)
    throw new Error("form: expected the bureau's ring-Pedersen parameters it was built under, for its scorecards");
  const statements = scores.map(({ scorecard, quotient }) => ({
    plaintext: quotient,
    rangeBits: scorecard.parameters.quotientBits,
    ciphertext: encrypt(privateKey, quotient),
  }));
  const proof = proveEncryptionRange(
    privateKey,
    form.parameters,
    statements,
    scorecardQuotientContext(context, comparisonKey.fingerprint),
  );
  return {
    quotients: statements.map(({ ciphertext }) => ciphertext.toHex()),
    quotientProof: encodeEncryptionRangeProof(proof),
  };
}

/**
 * Reads the bureau's answer: in decision mode one ciphertext, zero iff every condition holds; in paper mode one
 * result per condition, shuffled, each zero iff its condition holds.
 * @throws Error when the answer does not match its commitment or the check, or is malformed
 */
export function readAnswer(
  privateKey: PaillierPrivateKey,
  context: CheckContext,
  form: BankForm,
  answer: Uint8Array,
  answerHash: string,
  shares: readonly (0 | 1)[] = [],
): BankView {
  const body = decodeMessage(answer, "answer", context, answerHash);
  if (form.mode === "decision") {
    const approved = isZero(privateKey, readCiphertext(privateKey.publicKey, body.answer, "answer"));
    return { shares, matches: [], approved };
  }
  const results = readArray(body.results, "answer results", form.conditions.length);
  const matches = results.map((r, i) =>
    isZero(privateKey, readCiphertext(privateKey.publicKey, r, `answer result ${i + 1}`)),
  );
  return { shares: [], matches, approved: matches.every(Boolean) };
}
