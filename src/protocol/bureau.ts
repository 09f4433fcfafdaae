/**
 * The bureau's side of a blind credit check: read the bank's form, evaluate it against the subject's values, and
 * answer. In decision mode the bureau sends its operands' bits under a DGK key of its own made for this check alone
 * (committed in the challenge), and zero-tests what the bank returns with that key only: it never sees a threshold,
 * not even encrypted, and values computed from another check's ciphertexts fail the key's membership test. Every value it sends under the bank's key is blinded by
 * secret randomness. Anything from the bank that is not what the protocol computes is refused with a
 * {@link CheckRefusal} naming the reason, and nothing is answered.
 *
 * A field the subject's record lacks does not meet its condition, whatever the operator: the check is declined,
 * never refused, so that a bank sees two outcomes, not three, and the bureau's messages have the same shape and
 * cost the same work as for a field with data (the bits of 0 stand in for the operand, and the condition's result
 * is set to "not met" under the bank's key once computed). A form can still spend its one bit on whether a field
 * has data (a condition every value meets, such as `creditScore ≥ 300`): that is the bit it asked for, not a second.
 *
 * A scorecard (`./scorecard`) adds one linear step under the bank's own key: the bureau raises the bank's proven
 * E(w_i) to the subject's clamped values, adds E(w_0) and a fresh mask E(R), and sends that masked score; the bank's
 * split of it into D·2^ℓ + y and one more comparison [y ≥ R mod 2^ℓ] give [S ≥ 0] = D − ⌊R / 2^ℓ⌋ − 1 + [y ≥ R mod 2^ℓ],
 * combined under the bank's key with the other conditions' results. The bureau decrypts nothing of it.
 * @module
 */
import {
  exportDgkPrivateKey,
  exportDgkPublicKey,
  parseCiphertext as parseDgkCiphertext,
  toHex as dgkHex,
  type DgkPrivateKey,
  type DgkPrivateKeyJson,
} from "../dgk";
import {
  add,
  addConstant,
  blindInline,
  Ciphertext,
  encrypt,
  multiplyByConstant,
  negateAll,
  randomBelow,
  sum,
  type Blind,
  type PaillierPublicKey,
  type RandomizerSource,
} from "../paillier";
import {
  decodeBitProof,
  decodeEncryptionRangeProof,
  decodeFactorProof,
  decodeModulusProof,
  verifyBits,
  verifyEncryptionRange,
  verifyFactors,
  verifyModulus,
  type BitProof,
  type BitVerifierWorker,
  type RingPedersenParameters,
} from "../proofs";
import {
  ComparisonValueError,
  bureauShares,
  comparisonBit,
  encryptOperand,
  shuffle,
  type DgkRandomizers,
} from "./comparison";
import {
  checkConditionCount,
  checkScorecardMode,
  combinationOf,
  isScorecard,
  subjectOperand,
  thresholdShapeOf,
  type ConditionShape,
  type ThresholdShape,
} from "./form";
import { keccak256 } from "./keccak";
import {
  asRecord,
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
import { CheckRefusal, RefusalReason, refusing } from "./refusal";
import { comparisonDomain, fieldNamed, type CreditSchema } from "./schema";
import {
  clampValue,
  scorecardParameters,
  scorecardShape,
  type ScorecardConditionShape,
  type ScorecardParameters,
} from "./scorecard";
import type { CheckModeName } from "../contractEnums";

/** A form as the bureau reads it: the public shape and the bank's ciphertexts. */
export interface ReceivedForm {
  readonly mode: CheckModeName;
  /**
   * Decision mode: the fingerprint of the comparison key the bank reserved for this check (it precomputed for it),
   * or undefined when the bureau is to choose a fresh one.
   */
  readonly comparisonKey?: string;
  readonly conditions: readonly (
    | (ThresholdShape & {
        /** Paper mode: the encrypted value. */
        readonly value?: Ciphertext;
      })
    | ReceivedScorecard
  )[];
}

/** A scorecard as the bureau reads it: its public shape, and the bank's E(w_i) and E(w_0), proven in range. */
export interface ReceivedScorecard extends ScorecardConditionShape {
  /** E(w_i) under the bank's key, in the order of the shape's fields. */
  readonly weights: readonly Ciphertext[];
  /** E(w_0), w_0 = 2^ℓ − T. */
  readonly offset: Ciphertext;
}

/**
 * What the bureau keeps between its two messages of a decision-mode check: serialisable, and secret (the journal
 * seals it at rest and erases it once the check is over).
 */
export interface BureauCheckState {
  readonly shapes: readonly ConditionShape[];
  /** The check's own comparison key, private part included: the only key its response is zero-tested with. */
  readonly comparisonKey: DgkPrivateKeyJson;
  /**
   * Per condition, whether the subject's record lacked its field at the challenge: that condition is not met. Absent
   * in states journaled before this member existed, when a field without data was refused at the challenge.
   */
  readonly noData?: readonly boolean[];
  /**
   * Per scorecard, in the form's order: the mask R of its score (hex, secret) and ℓ, its comparison's width. Absent
   * when the form has none.
   */
  readonly scorecards?: readonly { readonly mask: string; readonly comparisonBits: number }[];
}

const FINGERPRINT = /^0x[0-9a-f]{64}$/;

/** The subject's values by field name, scaled (see `parseFieldValue`). */
export type SubjectValues = ReadonlyMap<string, bigint>;

/** How the bureau computes its blinded messages. */
export interface BlindingOptions {
  /** Randomizers for the bank's key, precomputed (see `RandomnessPool`). */
  readonly pool?: RandomizerSource;
  /** How a batch is blinded: on this thread by default, or spread over `BlindingWorkers`. */
  readonly blind?: Blind;
  /**
   * Decision mode: where the proof that the bank's shares are bits is verified. On this thread, before the zero
   * tests, by default; with a `BitVerifierWorker`, on another thread while this one zero-tests (the same answer,
   * the same refusals, sooner on two cores).
   */
  readonly verifier?: Pick<BitVerifierWorker, "verify">;
}

/** How the bureau answers a decision-mode check. */
export interface AnswerOptions extends BlindingOptions {
  /**
   * Where the bureau's shares are computed (the zero tests under the check's key): `bureauShares` on this thread by
   * default; the service's comparison-key thread, where the key was made, otherwise (the same shares and refusals).
   */
  readonly shares?: (key: DgkPrivateKey, comparisons: readonly (readonly bigint[])[]) => Promise<(0 | 1)[]>;
  /**
   * The bureau's ring-Pedersen parameters (public part): a scorecard's quotients are proven in range under them.
   * Needed when the check has a scorecard.
   */
  readonly parameters?: RingPedersenParameters;
}

/**
 * Reads and validates the bank's form against its on-chain commitment, the check and the schema, and verifies the
 * proofs about the bank's key, once per key object: that its modulus is a Paillier–Blum modulus (Π^mod, about n
 * alone) and that it has no prime factor below 2^638 (Π^fac, under the bureau's own ring-Pedersen parameters).
 * @param parameters the bureau's own ring-Pedersen parameters (public part), which the bank's Π^fac must be under
 * @throws CheckRefusal naming what is wrong: hash, context, shape, field, operator, a ciphertext; "InvalidProof"
 *   for a key proof (Π^mod or Π^fac) missing or failing
 */
export function readForm(
  publicKey: PaillierPublicKey,
  context: CheckContext,
  bytes: Uint8Array,
  formHash: string,
  parameters: RingPedersenParameters,
): ReceivedForm {
  return refusing(RefusalReason.InvalidMessage, () => {
    const body = decodeMessage(bytes, "form", context, formHash);
    const mode = body.mode;
    if (mode !== "decision" && mode !== "paper")
      throw new Error(`form: expected mode "decision" or "paper", got ${JSON.stringify(mode)}`);
    const raw = readArray(body.conditions, "form conditions");
    checkConditionCount(raw.length);
    const conditions = raw.map((item, i) => {
      const where = `form condition ${i + 1}`;
      const c = asRecord(item, where);
      if ("scorecard" in c) {
        checkScorecardMode(mode, where);
        return readScorecard(publicKey, context, parameters, c.scorecard, where);
      }
      // The same shape check as the bank's own (parseForm): the field in this schema, the operator, the mode, the arity.
      const field = fieldNamed(String(c.field), context.schema);
      const shape = thresholdShapeOf(where, field.name, c.op, c.arity, mode);
      if (mode === "decision") return shape;
      return { ...shape, value: readCiphertext(publicKey, c.value, `${where} value`) };
    });
    const comparisonKey = body.comparisonKey;
    if (
      comparisonKey !== undefined &&
      (mode !== "decision" || typeof comparisonKey !== "string" || !FINGERPRINT.test(comparisonKey))
    )
      throw new Error(
        `form comparisonKey: expected, in decision mode only, a reserved key's fingerprint (0x and 64 lower-case hex ` +
          `digits), got ${JSON.stringify(comparisonKey).slice(0, 80)} in ${mode} mode`,
      );
    verifyKeyProof(publicKey, context, body.keyProof);
    verifyFactorProof(publicKey, context, parameters, body.factorProof);
    return { mode, conditions, comparisonKey };
  });
}

/**
 * A form's scorecard: its shape, validated as the bank validates its own, and its ciphertexts, whose Π^enc is
 * verified once per bank key, parameters and ciphertexts.
 * @throws CheckRefusal "InvalidProof" when the range proof is missing, malformed or fails; Error (InvalidMessage) for
 *   a malformed shape or ciphertext
 */
function readScorecard(
  publicKey: PaillierPublicKey,
  context: CheckContext,
  parameters: RingPedersenParameters,
  value: unknown,
  where: string,
): ReceivedScorecard {
  const { weights: weightsJson, offset: offsetJson, proof, ...shapeJson } = asRecord(value, `${where} scorecard`);
  const shape = scorecardShape(shapeJson, context.schema, `${where} scorecard`);
  const { weightBits, offsetBits } = scorecardParameters(shape, context.schema, `${where} scorecard`);
  const weights = readArray(weightsJson, `${where} scorecard weights`, shape.fields.length).map((w, i) =>
    readCiphertext(publicKey, w, `${where} scorecard weight ${i + 1}`),
  );
  const offset = readCiphertext(publicKey, offsetJson, `${where} scorecard offset`);
  const statements = [
    ...weights.map((ciphertext) => ({ ciphertext, rangeBits: weightBits })),
    { ciphertext: offset, rangeBits: offsetBits },
  ];
  const bound = scorecardWeightsContext(context, parameters.fingerprint);
  const tag = keccak256(
    new TextEncoder().encode(
      JSON.stringify([
        Buffer.from(bound).toString("hex"),
        parameters.fingerprint,
        statements.map(({ ciphertext, rangeBits }) => [ciphertext.toHex(), rangeBits]),
      ]),
    ),
  );
  let proven = provenScorecards.get(publicKey);
  if (!proven?.has(tag)) {
    try {
      const decoded = decodeEncryptionRangeProof(publicKey, parameters, proof, statements.length);
      verifyEncryptionRange(publicKey, parameters, statements, decoded, bound);
    } catch (e) {
      throw new CheckRefusal(
        RefusalReason.InvalidProof,
        `${where} scorecard range proof (Π^enc): ${(e as Error).message}`,
      );
    }
    if (proven === undefined) provenScorecards.set(publicKey, (proven = new Set()));
    proven.add(tag);
  }
  return { scorecard: shape, weights, offset };
}

/** Per bank key, the scorecards (binding, parameters, ciphertexts and ranges) whose Π^enc verified. */
const provenScorecards = new WeakMap<PaillierPublicKey, Set<string>>();

/** Keys whose modulus proof verified: a proof is about n alone, so one verification per key object is enough. */
const provenKeys = new WeakSet<PaillierPublicKey>();

function verifyKeyProof(publicKey: PaillierPublicKey, context: CheckContext, proof: unknown): void {
  if (provenKeys.has(publicKey)) return;
  try {
    verifyModulus(publicKey, decodeModulusProof(publicKey, proof), keyProofContext(context));
  } catch (e) {
    throw new CheckRefusal(RefusalReason.InvalidProof, `form key proof: ${(e as Error).message}`);
  }
  provenKeys.add(publicKey);
}

/** Keys whose Π^fac verified, with the fingerprints of the parameters it verified under. */
const largeFactorKeys = new WeakMap<PaillierPublicKey, Set<string>>();

function verifyFactorProof(
  publicKey: PaillierPublicKey,
  context: CheckContext,
  parameters: RingPedersenParameters,
  proof: unknown,
): void {
  if (largeFactorKeys.get(publicKey)?.has(parameters.fingerprint)) return;
  try {
    const decoded = decodeFactorProof(publicKey, parameters, proof);
    verifyFactors(publicKey, parameters, decoded, factorProofContext(context, parameters.fingerprint));
  } catch (e) {
    throw new CheckRefusal(RefusalReason.InvalidProof, `form factor proof (Π^fac): ${(e as Error).message}`);
  }
  let verified = largeFactorKeys.get(publicKey);
  if (verified === undefined) largeFactorKeys.set(publicKey, (verified = new Set()));
  verified.add(parameters.fingerprint);
}

/**
 * How many operand bits {@link challenge} encrypts for `form` (one DGK randomizer each): a scorecard's comparison
 * width, and each threshold comparison's domain width per direction.
 */
export function operandBitCount(form: ReceivedForm, schema: CheckContext["schema"]): number {
  return form.conditions.reduce(
    (total, condition) =>
      total +
      (isScorecard(condition)
        ? scorecardParameters(condition.scorecard, schema).comparisonBits
        : comparisonDomain(fieldNamed(condition.field, schema)).bits * combinationOf(condition).directions.length),
    0,
  );
}

/**
 * Decision mode, first message: the bits of the bureau's operand of every comparison, under `comparisonKey`, and the
 * public key itself, so that the challenge (whose hash goes on-chain) commits to the key; for a field the subject's
 * record lacks, the bits of 0, encrypted alike. Per scorecard, its masked score under the bank's key
 * ({@link maskedScore}) and, as its comparison's operand, (2^ℓ − 1) − (R mod 2^ℓ). The key must be this check's alone
 * (see `bureau/comparisonKeys`): the state to keep for the answer holds it, with the form's shape, which conditions
 * lack data, and the scorecards' masks.
 * @param comparisonKey a key no other check uses
 * @param randomizers precomputed h^r for `comparisonKey`, if the bureau keeps some
 * @param pool randomizers for the bank's key (a scorecard's score is encrypted afresh), if the bureau keeps some
 * @throws Error only for a form that does not fit the schema, which {@link readForm} has refused already
 */
export function challenge(
  comparisonKey: DgkPrivateKey,
  context: CheckContext,
  form: ReceivedForm,
  values: SubjectValues,
  randomizers?: DgkRandomizers,
  pool?: RandomizerSource,
): CommittedMessage & { readonly state: BureauCheckState } {
  const noData = form.conditions.map((condition) =>
    isScorecard(condition)
      ? condition.scorecard.fields.some((field) => !values.has(field))
      : !values.has(condition.field),
  );
  const scores: string[] = [];
  const scorecards: { mask: string; comparisonBits: number }[] = [];
  const operands = form.conditions.flatMap((condition) => {
    if (isScorecard(condition)) {
      const { score, mask, parameters } = maskedScore(condition, values, context.schema, pool);
      const bits = parameters.comparisonBits;
      scores.push(score.toHex());
      scorecards.push({ mask: `0x${mask.toString(16)}`, comparisonBits: bits });
      const low = (1n << BigInt(bits)) - 1n;
      return [
        encryptOperand(comparisonKey, low - (mask & low), bits, randomizers).map((bit) => dgkHex(comparisonKey, bit)),
      ];
    }
    const field = fieldNamed(condition.field, context.schema);
    const x = values.get(condition.field);
    const { bits } = comparisonDomain(field);
    return combinationOf(condition).directions.map((direction) => {
      const a = x === undefined ? 0n : subjectOperand(field, direction, x);
      return encryptOperand(comparisonKey, a, bits, randomizers).map((bit) => dgkHex(comparisonKey, bit));
    });
  });
  const bytes = encodeMessage("challenge", context, {
    comparisonKey: exportDgkPublicKey(comparisonKey),
    operands,
    ...(scores.length === 0 ? {} : { scores }),
  });
  const shapes = form.conditions.map((condition): ConditionShape => {
    if (isScorecard(condition)) return { scorecard: condition.scorecard };
    const { field, op, arity } = condition;
    return { field, op, arity };
  });
  return {
    bytes,
    hash: messageHash(bytes),
    state: {
      shapes,
      comparisonKey: exportDgkPrivateKey(comparisonKey),
      noData,
      ...(scorecards.length === 0 ? {} : { scorecards }),
    },
  };
}

/**
 * Tests only: replaces the width of a scorecard's mask (the privacy test's negative controls, an unmasked or a too
 * narrow mask). Not an option of any call: the protocol's width is κ, {@link ScorecardParameters.maskBits}.
 * @internal
 */
export const scorecardMaskWidthForTests: { maskBits?: (parameters: ScorecardParameters) => number } = {};

/**
 * A scorecard's masked score under the bank's key: E(Σ w_i·x_i + w_0 + R) = Π E(w_i)^{x_i} · E(w_0) · E(R), with x_i
 * the subject's value clamped, and R uniform in [0, 2^κ) and E(R) fresh (so the whole is a fresh ciphertext). For an
 * honest bank it decrypts to d = S + 2^ℓ + R with 0 < d < 2^(κ+1): no wrap, and R is 80 bits wider than any sum a
 * bank with proven weights can make, so d hides S. A field the record lacks: the clamp's upper bound stands in (the
 * same work as a value; the scorecard is set to "not met" in the answer).
 *
 * The exponentiations do not depend on the values (a bank timing the challenge learns nothing of them): each base
 * is raised to x_i + s, which has the same bit length for every clamped x_i (s = {@link
 * ScorecardParameters.exponentShift}, public), and Π E(w_i)^(−s), one exponentiation by a public exponent, takes the
 * shift off. The bases are E(w_i + ρ), ρ secret and uniform modulo n, not the bank's E(w_i): a power equal to 1,
 * which OpenSSL refuses and the exponentiator redoes (more work, for x_i + s a multiple of the base's order), would
 * need a base of small order, which the bank could send (E(0) with a randomizer of small order) but cannot make ρ
 * give; (1 + n)^(−ρ·Σ(x_i + s)), a multiplication, takes ρ off. The product is the same group element as
 * Π E(w_i)^{x_i}: the score is the one the direct way computes.
 */
export function maskedScore(
  scorecard: ReceivedScorecard,
  values: SubjectValues,
  schema?: CreditSchema,
  pool?: RandomizerSource,
): { readonly score: Ciphertext; readonly mask: bigint; readonly parameters: ScorecardParameters } {
  const parameters = scorecardParameters(scorecard.scorecard, schema);
  const maskBits = scorecardMaskWidthForTests.maskBits?.(parameters) ?? parameters.maskBits;
  const mask = randomBelow(1n << BigInt(maskBits));
  const { publicKey } = scorecard.offset;
  const exponents = parameters.fields.map((field, i) => {
    const x = values.get(field.name);
    const range = parameters.ranges[i];
    return parameters.exponentShift + (x === undefined ? range[1] : clampValue(x, range));
  });
  const blinding = randomBelow(publicKey.n);
  const terms = scorecard.weights.map((weight, i) => multiplyByConstant(addConstant(weight, blinding), exponents[i]));
  const unshift = multiplyByConstant(sum(scorecard.weights), -parameters.exponentShift);
  const exponentSum = exponents.reduce((total, e) => total + e, 0n);
  const unblind = -((blinding * exponentSum) % publicKey.n);
  const masked = sum([...terms, unshift, scorecard.offset, encrypt(publicKey, mask, { pool })]);
  const score = addConstant(masked, unblind);
  return { score, mask, parameters };
}

/**
 * Decision mode, the answer: E(ρ · (k − Σ holds_i)) under the bank's key with ρ secret and uniform in Z_n*, which
 * is zero iff all k conditions hold and otherwise uniform in Z_n*: one bit, nothing more.
 * @param comparisonKey the check's own key, the one its challenge committed to (`state.comparisonKey`)
 * @throws CheckRefusal "InvalidMessage" when the response does not match its commitment, the check or the form's
 *   shape, or a value is not a ciphertext of this check's comparison key (computed from another check's
 *   ciphertexts, or forged); "InvalidProof" when the proof that the bank's shares are bits fails, or that its
 *   scorecards' quotients are in range (Π^enc)
 * @throws Error when `comparisonKey` is not the key `state` holds, or the check has a scorecard and
 *   `options.parameters` is missing (the caller's mistake, not the bank's)
 */
export async function answerDecision(
  publicKey: PaillierPublicKey,
  comparisonKey: DgkPrivateKey,
  context: CheckContext,
  state: BureauCheckState,
  response: Uint8Array,
  responseHash: string,
  { pool, blind = blindInline, verifier, parameters, shares }: AnswerOptions = {},
): Promise<CommittedMessage> {
  const keyJson = exportDgkPublicKey(comparisonKey);
  if (keyJson.n !== state.comparisonKey.n || keyJson.g !== state.comparisonKey.g || keyJson.h !== state.comparisonKey.h)
    throw new Error(
      `answerDecision: expected the check's own comparison key, got ${comparisonKey.publicKey.fingerprint}`,
    );
  const scorecards = state.scorecards ?? [];
  if (scorecards.length > 0 && parameters === undefined)
    throw new Error("answerDecision: expected the bureau's ring-Pedersen parameters for the check's scorecards");
  const { bankShares, proof, comparisons, widths, quotients } = refusing(RefusalReason.InvalidMessage, () => {
    const body = decodeMessage(response, "response", context, responseHash);
    let scorecard = 0;
    const widths = state.shapes.flatMap((shape) => {
      if (isScorecard(shape)) return [scorecards[scorecard++].comparisonBits + 1];
      const { bits } = comparisonDomain(fieldNamed(shape.field, context.schema));
      return combinationOf(shape).directions.map(() => bits + 1);
    });
    const comparisons = readArray(body.comparisons, "response comparisons", widths.length);
    const bankShares = readArray(body.shares, "response shares", widths.length).map((s, i) =>
      readCiphertext(publicKey, s, `response share ${i + 1}`),
    );
    let proof: BitProof;
    try {
      proof = decodeBitProof(publicKey, body.shareProof);
    } catch (e) {
      throw new CheckRefusal(RefusalReason.InvalidProof, `response share proof: ${(e as Error).message}`);
    }
    const quotients = readQuotients(publicKey, context, state, parameters, body, comparisonKey.publicKey.fingerprint);
    return { bankShares, proof, comparisons, widths, quotients };
  });
  const proofContext = shareProofContext(context, comparisonKey.publicKey.fingerprint);
  const proofRefusal = (e: unknown) =>
    new CheckRefusal(RefusalReason.InvalidProof, `response share proof: ${(e as Error).message}`);
  // With a verifier thread the proof is checked while this thread zero-tests; either way a bad proof is the reason
  // given, as when the proof is checked first.
  const verified = verifier?.verify(publicKey, bankShares, proof, proofContext).then(
    () => undefined,
    (e: unknown) => proofRefusal(e),
  );
  if (verified === undefined) {
    try {
      verifyBits(publicKey, bankShares, proof, proofContext);
    } catch (e) {
      throw proofRefusal(e);
    }
  }
  let ownShares: (0 | 1)[] | undefined;
  let valueRefusal: unknown;
  try {
    const parsed = refusing(RefusalReason.InvalidMessage, () =>
      comparisons.map((values, i) => {
        const where = `response comparison ${i + 1}`;
        return readArray(values, where, widths[i]).map((v, j) => {
          // Range only here: the zero test below refuses anything outside the key's subgroup, non-units included.
          try {
            return parseDgkCiphertext(comparisonKey.publicKey, v, `${where} value ${j + 1}`, { checkUnit: false });
          } catch (e) {
            throw new Error(`not a ciphertext of this check's comparison key: ${(e as Error).message}`);
          }
        });
      }),
    );
    try {
      ownShares = await (shares ?? bureauSharesHere)(comparisonKey, parsed);
    } catch (e) {
      if (!(e instanceof ComparisonValueError)) throw e;
      throw new CheckRefusal(
        RefusalReason.InvalidMessage,
        `response comparison ${(e.comparison ?? 0) + 1}: ${e.message}`,
      );
    }
  } catch (e) {
    valueRefusal = e;
  }
  // The answer is blinded while the proof may still be verified on its thread (the blinding, an exponentiation
  // modulo n², then costs no time of its own); it leaves only once the proof holds.
  const own = ownShares;
  const blinded =
    own === undefined
      ? undefined
      : Promise.resolve().then(() => blind([sum(encryptedMisses(state, own, bankShares, quotients))], pool));
  blinded?.catch(() => undefined); // awaited below unless the proof is refused first
  const refusedProof = await verified;
  if (refusedProof !== undefined) throw refusedProof;
  if (blinded === undefined) throw valueRefusal;
  const [answer] = await blinded;
  const bytes = encodeMessage("answer", context, { answer: answer.toHex() });
  return { bytes, hash: messageHash(bytes) };
}

/** The bureau's shares on this thread: {@link bureauShares} as a promise, so that it fails as the thread's would. */
async function bureauSharesHere(key: DgkPrivateKey, comparisons: readonly (readonly bigint[])[]): Promise<(0 | 1)[]> {
  return bureauShares(key, comparisons);
}

/**
 * The bank's E(D) per scorecard, with their Π^enc (each 0 ≤ D < 2^(κ − ℓ + 2), up to the proof's slack) bound to this
 * check and its comparison key: a D outside it, or copied from another check, is refused. Nothing of the subject's
 * data enters this decision.
 * @throws CheckRefusal "InvalidProof" for a proof missing, malformed or failing; Error (InvalidMessage) for a
 *   malformed list of ciphertexts
 */
function readQuotients(
  publicKey: PaillierPublicKey,
  context: CheckContext,
  state: BureauCheckState,
  parameters: RingPedersenParameters | undefined,
  body: Record<string, unknown>,
  comparisonKey: string,
): Ciphertext[] {
  const scorecards = state.scorecards ?? [];
  if (scorecards.length === 0 || parameters === undefined) return [];
  const quotients = readArray(body.quotients, "response quotients", scorecards.length).map((q, i) =>
    readCiphertext(publicKey, q, `response quotient ${i + 1}`),
  );
  const shapes = state.shapes.filter(isScorecard);
  const statements = quotients.map((ciphertext, i) => ({
    ciphertext,
    rangeBits: scorecardParameters(shapes[i].scorecard, context.schema).quotientBits,
  }));
  try {
    const proof = decodeEncryptionRangeProof(publicKey, parameters, body.quotientProof, statements.length);
    verifyEncryptionRange(publicKey, parameters, statements, proof, scorecardQuotientContext(context, comparisonKey));
  } catch (e) {
    throw new CheckRefusal(RefusalReason.InvalidProof, `response quotient proof (Π^enc): ${(e as Error).message}`);
  }
  return quotients;
}

/**
 * E(1 − holds_i) for every condition i, from the bureau's shares and the bank's encrypted shares:
 * holds_i = offset_i + Σ_j coefficient_ij · [a_ij ≥ c_ij] (see `combinationOf`), or E(1) for a condition whose field
 * has no data (computed all the same, then set aside). For a scorecard, from its quotient E(D) and its mask R:
 * 1 − holds = ⌊R / 2^ℓ⌋ + 2 − D − [y ≥ R mod 2^ℓ]. Their sum is k − Σ holds_i, zero iff every condition holds.
 * Never sent as they are: that would tell the bank which conditions failed.
 * @param quotients the bank's E(D), one per scorecard in the form's order
 */
export function encryptedMisses(
  state: BureauCheckState,
  bureauShares: readonly (0 | 1)[],
  bankShares: readonly Ciphertext[],
  quotients: readonly Ciphertext[] = [],
): Ciphertext[] {
  const negatedShares = negateAll(bankShares);
  const negatedQuotients = negateAll(quotients);
  const notMet = notMetOf(bankShares[0].publicKey);
  let index = 0;
  let scorecard = 0;
  return state.shapes.map((shape, i) => {
    if (isScorecard(shape)) {
      const { negatedBit } = comparisonBit(bureauShares[index], bankShares[index], negatedShares[index]);
      index++;
      const { mask, comparisonBits } = state.scorecards![scorecard];
      const miss = addConstant(
        add(negatedQuotients[scorecard++], negatedBit),
        (BigInt(mask) >> BigInt(comparisonBits)) + 2n,
      );
      return state.noData?.[i] ? notMet : miss;
    }
    const { coefficients, offset } = combinationOf(shape);
    // 1 − holds = (1 − offset) + Σ_j (−coefficient_j) · ge_j
    const terms = coefficients.map((coefficient) => {
      const { bit, negatedBit } = comparisonBit(bureauShares[index], bankShares[index], negatedShares[index]);
      index++;
      return coefficient === 1 ? negatedBit : bit;
    });
    const miss = addConstant(sum(terms), BigInt(1 - offset));
    return state.noData?.[i] ? notMet : miss;
  });
}

/** E(1; 1) = 1 + n under the bank's key: a condition not met, before the answer's blinding makes it fresh. */
function notMetOf(publicKey: PaillierPublicKey): Ciphertext {
  return Ciphertext.fromBigInt(publicKey, publicKey.n + 1n);
}

/**
 * Paper mode (paper section 3.5), with its leak fixed: for each equality condition
 * E(r_i · (x_i − t_i)), r_i secret and uniform in Z_n*, re-randomised, in shuffled order. A
 * condition that holds decrypts to zero; one that does not, to a uniform non-zero value rather
 * than to the difference the paper's E(x_i − t_i) hands the bank. A condition whose field has no
 * data is not met: E(r_i · 1), with the same work (its difference is computed, then set aside).
 */
export async function answerPaper(
  context: CheckContext,
  form: ReceivedForm,
  values: SubjectValues,
  { pool, blind = blindInline }: BlindingOptions = {},
): Promise<CommittedMessage> {
  const conditions = form.conditions.map((c) => {
    if (isScorecard(c)) throw new Error("answerPaper: expected a paper-mode form, got one with a scorecard");
    return c;
  });
  const thresholds = conditions.map((c) => c.value as Ciphertext);
  const negated = negateAll(thresholds);
  const notMet = notMetOf(thresholds[0].publicKey);
  const differences = conditions.map((c, i) => {
    const x = values.get(c.field);
    const difference = addConstant(negated[i], x ?? 0n);
    return x === undefined ? notMet : difference;
  });
  const results = await blind(differences, pool);
  shuffle(results);
  const bytes = encodeMessage("answer", context, { results: results.map((r) => r.toHex()) });
  return { bytes, hash: messageHash(bytes) };
}
