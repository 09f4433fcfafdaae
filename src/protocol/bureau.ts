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
  addConstant,
  blindInline,
  Ciphertext,
  negateAll,
  sum,
  type Blind,
  type PaillierPublicKey,
  type RandomizerSource,
} from "../paillier";
import {
  decodeBitProof,
  decodeFactorProof,
  decodeModulusProof,
  verifyBits,
  verifyFactors,
  verifyModulus,
  type BitProof,
  type BitVerifierWorker,
  type RingPedersenParameters,
} from "../proofs";
import { bureauShare, comparisonBit, encryptOperand, shuffle, type DgkRandomizers } from "./comparison";
import { combinationOf, MAX_CONDITIONS, MAX_SET_VALUES, OPERATORS, subjectOperand, type ConditionShape } from "./form";
import {
  asRecord,
  decodeMessage,
  encodeMessage,
  factorProofContext,
  keyProofContext,
  messageHash,
  readArray,
  readCiphertext,
  shareProofContext,
  type CheckContext,
  type CommittedMessage,
} from "./messages";
import { CheckRefusal, RefusalReason, refusing } from "./refusal";
import { comparisonDomain, fieldNamed } from "./schema";
import type { CheckModeName } from "../contractEnums";

/** A form as the bureau reads it: the public shape and the bank's ciphertexts. */
export interface ReceivedForm {
  readonly mode: CheckModeName;
  /**
   * Decision mode: the fingerprint of the comparison key the bank reserved for this check (it precomputed for it),
   * or undefined when the bureau is to choose a fresh one.
   */
  readonly comparisonKey?: string;
  readonly conditions: readonly (ConditionShape & {
    /** Paper mode: the encrypted value. */
    readonly value?: Ciphertext;
  })[];
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
    if (raw.length === 0 || raw.length > MAX_CONDITIONS) {
      throw new Error(`form conditions: expected 1 to ${MAX_CONDITIONS}, got ${raw.length}`);
    }
    const conditions = raw.map((item, i) => {
      const where = `form condition ${i + 1}`;
      const c = asRecord(item, where);
      const field = fieldNamed(String(c.field), context.schema);
      const op = c.op as ConditionShape["op"];
      if (!OPERATORS.includes(op))
        throw new Error(`${where}: expected an operator among ${OPERATORS.join(", ")}, got ${JSON.stringify(c.op)}`);
      const arity = Number(c.arity);
      const wantedArity = op === "between" ? 2 : op === "in" ? arity : 1;
      if (!Number.isInteger(arity) || arity !== wantedArity || arity < 1 || arity > MAX_SET_VALUES) {
        throw new Error(`${where}: arity ${JSON.stringify(c.arity)} does not fit operator "${op}"`);
      }
      const shape: ConditionShape = { field: field.name, op, arity };
      if (mode === "decision") return shape;
      if (op !== "eq") throw new Error(`${where}: paper mode supports only "eq", got "${op}"`);
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
 * Decision mode, first message: the bits of the bureau's operand of every comparison, under `comparisonKey`, and the
 * public key itself, so that the challenge (whose hash goes on-chain) commits to the key; for a field the subject's
 * record lacks, the bits of 0, encrypted alike. The key must be this check's alone (see `bureau/comparisonKeys`): the
 * state to keep for the answer holds it, with the form's shape and which conditions lack data.
 * @param comparisonKey a key no other check uses
 * @param randomizers precomputed h^r for `comparisonKey`, if the bureau keeps some
 * @throws Error only for a form that does not fit the schema, which {@link readForm} has refused already
 */
export function challenge(
  comparisonKey: DgkPrivateKey,
  context: CheckContext,
  form: ReceivedForm,
  values: SubjectValues,
  randomizers?: DgkRandomizers,
): CommittedMessage & { readonly state: BureauCheckState } {
  const noData = form.conditions.map((condition) => !values.has(condition.field));
  const operands = form.conditions.flatMap((condition) => {
    const field = fieldNamed(condition.field, context.schema);
    const x = values.get(condition.field);
    const { bits } = comparisonDomain(field);
    return combinationOf(condition).directions.map((direction) => {
      const a = x === undefined ? 0n : subjectOperand(field, direction, x);
      return encryptOperand(comparisonKey, a, bits, randomizers).map((bit) => dgkHex(comparisonKey, bit));
    });
  });
  const bytes = encodeMessage("challenge", context, { comparisonKey: exportDgkPublicKey(comparisonKey), operands });
  const shapes = form.conditions.map(({ field, op, arity }) => ({ field, op, arity }));
  return {
    bytes,
    hash: messageHash(bytes),
    state: { shapes, comparisonKey: exportDgkPrivateKey(comparisonKey), noData },
  };
}

/**
 * Decision mode, the answer: E(ρ · (k − Σ holds_i)) under the bank's key with ρ secret and uniform in Z_n*, which
 * is zero iff all k conditions hold and otherwise uniform in Z_n*: one bit, nothing more.
 * @param comparisonKey the check's own key, the one its challenge committed to (`state.comparisonKey`)
 * @throws CheckRefusal "InvalidMessage" when the response does not match its commitment, the check or the form's
 *   shape, or a value is not a ciphertext of this check's comparison key (computed from another check's
 *   ciphertexts, or forged); "InvalidProof" when the proof that the bank's shares are bits fails
 * @throws Error when `comparisonKey` is not the key `state` holds (the caller's mistake, not the bank's)
 */
export async function answerDecision(
  publicKey: PaillierPublicKey,
  comparisonKey: DgkPrivateKey,
  context: CheckContext,
  state: BureauCheckState,
  response: Uint8Array,
  responseHash: string,
  { pool, blind = blindInline, verifier }: BlindingOptions = {},
): Promise<CommittedMessage> {
  const keyJson = exportDgkPublicKey(comparisonKey);
  if (keyJson.n !== state.comparisonKey.n || keyJson.g !== state.comparisonKey.g || keyJson.h !== state.comparisonKey.h)
    throw new Error(
      `answerDecision: expected the check's own comparison key, got ${comparisonKey.publicKey.fingerprint}`,
    );
  const { bankShares, proof, comparisons, widths } = refusing(RefusalReason.InvalidMessage, () => {
    const body = decodeMessage(response, "response", context, responseHash);
    const widths = state.shapes.flatMap((shape) => {
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
    return { bankShares, proof, comparisons, widths };
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
  let bureauShares: (0 | 1)[] | undefined;
  let valueRefusal: unknown;
  try {
    bureauShares = refusing(RefusalReason.InvalidMessage, () =>
      comparisons.map((values, i) => {
        const where = `response comparison ${i + 1}`;
        const parsed = readArray(values, where, widths[i]).map((v, j) => {
          // Range only here: the zero test below refuses anything outside the key's subgroup, non-units included.
          try {
            return parseDgkCiphertext(comparisonKey.publicKey, v, `${where} value ${j + 1}`, { checkUnit: false });
          } catch (e) {
            throw new Error(`not a ciphertext of this check's comparison key: ${(e as Error).message}`);
          }
        });
        try {
          return bureauShare(comparisonKey, parsed);
        } catch (e) {
          throw new Error(`${where}: ${(e as Error).message}`);
        }
      }),
    );
  } catch (e) {
    valueRefusal = e;
  }
  const refusedProof = await verified;
  if (refusedProof !== undefined) throw refusedProof;
  if (bureauShares === undefined) throw valueRefusal;
  const missing = sum(encryptedMisses(state, bureauShares, bankShares));
  const [answer] = await blind([missing], pool);
  const bytes = encodeMessage("answer", context, { answer: answer.toHex() });
  return { bytes, hash: messageHash(bytes) };
}

/**
 * E(1 − holds_i) for every condition i, from the bureau's shares and the bank's encrypted shares:
 * holds_i = offset_i + Σ_j coefficient_ij · [a_ij ≥ c_ij] (see `combinationOf`), or E(1) for a condition whose field
 * has no data (computed all the same, then set aside). Their sum is k − Σ holds_i, zero iff every condition holds.
 * Never sent as they are: that would tell the bank which conditions failed.
 */
export function encryptedMisses(
  state: BureauCheckState,
  bureauShares: readonly (0 | 1)[],
  bankShares: readonly Ciphertext[],
): Ciphertext[] {
  const negatedShares = negateAll(bankShares);
  const notMet = notMetOf(bankShares[0].publicKey);
  let index = 0;
  return state.shapes.map((shape, i) => {
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
  const thresholds = form.conditions.map((c) => c.value as Ciphertext);
  const negated = negateAll(thresholds);
  const notMet = notMetOf(thresholds[0].publicKey);
  const differences = form.conditions.map((c, i) => {
    const x = values.get(c.field);
    const difference = addConstant(negated[i], x ?? 0n);
    return x === undefined ? notMet : difference;
  });
  const results = await blind(differences, pool);
  shuffle(results);
  const bytes = encodeMessage("answer", context, { results: results.map((r) => r.toHex()) });
  return { bytes, hash: messageHash(bytes) };
}
