/**
 * The bureau's side of a blind credit check: read the bank's encrypted form, evaluate it against
 * the subject's values homomorphically, and answer. The bureau never sees a threshold: it works
 * on ciphertexts under the bank's key, and every value it sends is blinded by secret randomness.
 * @module
 */
import {
  addConstant,
  blindInline,
  sum,
  type Blind,
  type Ciphertext,
  type PaillierPublicKey,
  type RandomizerSource,
} from "../paillier";
import { negateAll } from "./batch";
import { comparisonBit, comparisonValues, shuffle } from "./comparison";
import {
  combinationOf,
  MAX_CONDITIONS,
  MAX_SET_VALUES,
  OPERATORS,
  subjectOperand,
  type CheckMode,
  type ConditionShape,
} from "./form";
import { comparisonDomain, fieldNamed } from "./schema";
import {
  asRecord,
  decodeMessage,
  encodeMessage,
  messageHash,
  readArray,
  readCiphertext,
  type CheckContext,
} from "./messages";
import type { SignedOffMessage } from "./bank";

/** A form as the bureau reads it: the public shape and the bank's ciphertexts. */
export interface ReceivedForm {
  readonly mode: CheckMode;
  readonly conditions: readonly (ConditionShape & {
    /** Decision mode: per comparison, the encrypted bits of the bank's threshold. */
    readonly comparisons: readonly (readonly Ciphertext[])[];
    /** Paper mode: the encrypted value. */
    readonly value?: Ciphertext;
  })[];
}

/** What the bureau must keep between its two messages of a decision-mode check (serialisable). */
export interface BureauCheckState {
  readonly shapes: readonly ConditionShape[];
  /** The bureau's secret shares δ_A, one per comparison. */
  readonly shares: readonly (0 | 1)[];
}

/** The subject's values by field name, scaled (see `parseFieldValue`). */
export type SubjectValues = ReadonlyMap<string, bigint>;

/** How the bureau computes its blinded messages. */
export interface BlindingOptions {
  /** Randomizers for the bank's key, precomputed (see `RandomnessPool`). */
  readonly pool?: RandomizerSource;
  /** How a batch is blinded: on this thread by default, or spread over `BlindingWorkers`. */
  readonly blind?: Blind;
}

/**
 * Reads and validates the bank's form against its on-chain commitment, the check and the schema.
 * @throws Error naming what is wrong: hash, context, shape, field, operator, or any ciphertext
 */
export function readForm(
  publicKey: PaillierPublicKey,
  context: CheckContext,
  bytes: Uint8Array,
  formHash: string,
): ReceivedForm {
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
    const field = fieldNamed(String(c.field));
    const op = c.op as ConditionShape["op"];
    if (!OPERATORS.includes(op))
      throw new Error(`${where}: expected an operator among ${OPERATORS.join(", ")}, got ${JSON.stringify(c.op)}`);
    const arity = Number(c.arity);
    const wantedArity = op === "between" ? 2 : op === "in" ? arity : 1;
    if (!Number.isInteger(arity) || arity !== wantedArity || arity < 1 || arity > MAX_SET_VALUES) {
      throw new Error(`${where}: arity ${JSON.stringify(c.arity)} does not fit operator "${op}"`);
    }
    const shape: ConditionShape = { field: field.name, op, arity };
    if (mode === "paper") {
      if (op !== "eq") throw new Error(`${where}: paper mode supports only "eq", got "${op}"`);
      return { ...shape, comparisons: [], value: readCiphertext(publicKey, c.value, `${where} value`) };
    }
    const { bits } = comparisonDomain(field);
    const count = combinationOf(shape).directions.length;
    const comparisons = readArray(c.comparisons, `${where} comparisons`, count).map((cmp, j) =>
      readArray(cmp, `${where} comparison ${j + 1}`, bits).map((x, b) =>
        readCiphertext(publicKey, x, `${where} comparison ${j + 1} bit ${b}`),
      ),
    );
    return { ...shape, comparisons };
  });
  return { mode, conditions };
}

/**
 * Decision mode, first message: the blinded comparisons, and the state to keep for the answer.
 * @throws Error when the bureau holds no value for a field of the form
 */
export async function challenge(
  context: CheckContext,
  form: ReceivedForm,
  values: SubjectValues,
  { pool, blind = blindInline }: BlindingOptions = {},
): Promise<SignedOffMessage & { readonly state: BureauCheckState }> {
  const allBits = form.conditions.flatMap((c) => c.comparisons.flat());
  const negated = negateAll(allBits);
  let offset = 0;
  const shares: (0 | 1)[] = [];
  const unblinded: Ciphertext[][] = [];
  for (const condition of form.conditions) {
    const field = fieldNamed(condition.field);
    const x = valueOf(values, condition.field);
    const { directions } = combinationOf(condition);
    condition.comparisons.forEach((bits, j) => {
      const operand = subjectOperand(field, directions[j], x);
      const comparison = comparisonValues(bits, negated.slice(offset, offset + bits.length), operand);
      offset += bits.length;
      shares.push(comparison.share);
      unblinded.push(comparison.values);
    });
  }
  // One batch for the whole form, so that every core has work.
  const blinded = await blind(unblinded.flat(), pool);
  let next = 0;
  const comparisons = unblinded.map(({ length }) => {
    const slice = blinded.slice(next, (next += length));
    shuffle(slice);
    return slice.map((v) => v.toHex());
  });
  const bytes = encodeMessage("challenge", context, { comparisons });
  return {
    bytes,
    hash: messageHash(bytes),
    state: { shapes: form.conditions.map(({ field, op, arity }) => ({ field, op, arity })), shares },
  };
}

/**
 * Decision mode, the answer: E(ρ · (k − Σ holds_i)) with ρ secret and uniform in Z_n*, which is
 * zero iff all k conditions hold and otherwise uniform in Z_n*: one bit, nothing more.
 * @throws Error when the response does not match its commitment or the check, or is malformed
 */
export async function answerDecision(
  publicKey: PaillierPublicKey,
  context: CheckContext,
  state: BureauCheckState,
  response: Uint8Array,
  responseHash: string,
  { pool, blind = blindInline }: BlindingOptions = {},
): Promise<SignedOffMessage> {
  const body = decodeMessage(response, "response", context, responseHash);
  const bankShares = readArray(body.shares, "response shares", state.shares.length).map((s, i) =>
    readCiphertext(publicKey, s, `response share ${i + 1}`),
  );
  const missing = sum(encryptedMisses(state, bankShares));
  const [answer] = await blind([missing], pool);
  const bytes = encodeMessage("answer", context, { answer: answer.toHex() });
  return { bytes, hash: messageHash(bytes) };
}

/**
 * E(1 − holds_i) for every condition i, from the bureau's shares and the bank's encrypted shares:
 * holds_i = offset_i + Σ_j coefficient_ij · [a_ij ≥ c_ij] (see `combinationOf`). Their sum is
 * k − Σ holds_i, zero iff every condition holds. Never sent as they are: that would tell the
 * bank which conditions failed.
 */
export function encryptedMisses(state: BureauCheckState, bankShares: readonly Ciphertext[]): Ciphertext[] {
  const negatedShares = negateAll(bankShares);
  let index = 0;
  return state.shapes.map((shape) => {
    const { coefficients, offset } = combinationOf(shape);
    // 1 − holds = (1 − offset) + Σ_j (−coefficient_j) · ge_j
    const terms = coefficients.map((coefficient) => {
      const { bit, negatedBit } = comparisonBit(state.shares[index], bankShares[index], negatedShares[index]);
      index++;
      return coefficient === 1 ? negatedBit : bit;
    });
    return addConstant(sum(terms), BigInt(1 - offset));
  });
}

/**
 * Paper mode (paper section 3.5), with its leak fixed: for each equality condition
 * E(r_i · (x_i − t_i)), r_i secret and uniform in Z_n*, re-randomised, in shuffled order. A
 * condition that holds decrypts to zero; one that does not, to a uniform non-zero value rather
 * than to the difference the paper's E(x_i − t_i) hands the bank.
 */
export async function answerPaper(
  context: CheckContext,
  form: ReceivedForm,
  values: SubjectValues,
  { pool, blind = blindInline }: BlindingOptions = {},
): Promise<SignedOffMessage> {
  const thresholds = form.conditions.map((c) => c.value as Ciphertext);
  const negated = negateAll(thresholds);
  const differences = form.conditions.map((c, i) => addConstant(negated[i], valueOf(values, c.field)));
  const results = await blind(differences, pool);
  shuffle(results);
  const bytes = encodeMessage("answer", context, { results: results.map((r) => r.toHex()) });
  return { bytes, hash: messageHash(bytes) };
}

function valueOf(values: SubjectValues, field: string): bigint {
  const x = values.get(field);
  if (x === undefined)
    throw new Error(`the bureau holds no value of "${field}" for this subject: it cannot evaluate the form`);
  return x;
}
