/**
 * The bank's side of a blind credit check: build and encrypt the condition form, answer the
 * bureau's blinded comparisons with encrypted shares (decision mode), and read the answer.
 * The bank holds the Paillier private key; it never sees the subject's values.
 * @module
 */
import { encrypt, isZero, type PaillierPrivateKey, type RandomizerSource } from "../paillier";
import { bankShare, encryptBits } from "./comparison";
import { comparisonsOf, parseForm, type CheckMode, type Condition, type ParsedCondition } from "./form";
import { comparisonDomain, fieldNamed } from "./schema";
import { decodeMessage, encodeMessage, messageHash, readArray, readCiphertext, type CheckContext } from "./messages";

/** A message ready to publish, with the commitment that goes on-chain. */
export interface SignedOffMessage {
  readonly bytes: Uint8Array;
  readonly hash: string;
}

/** What the bank keeps of a form it sent: the conditions, to read the replies against. */
export interface BankForm extends SignedOffMessage {
  readonly mode: CheckMode;
  readonly conditions: readonly ParsedCondition[];
}

/** What the bank learned from a check: everything it decrypted, for its records and for audits. */
export interface BankView {
  /** Decision mode: the bank's share of each comparison (uniform, independent of the subject). */
  readonly shares: readonly (0 | 1)[];
  /** Paper mode: how many of the shuffled results were zero (conditions met), in shuffled order. */
  readonly matches: readonly boolean[];
  /** The decision. */
  readonly approved: boolean;
}

/**
 * Validates and encrypts a condition form under the bank's key, bound to `context`.
 * @throws Error for a form the schema or the mode refuses (see {@link parseForm})
 */
export function buildForm(
  privateKey: PaillierPrivateKey,
  context: CheckContext,
  mode: CheckMode,
  conditions: readonly Condition[],
  pool?: RandomizerSource,
): BankForm {
  const parsed = parseForm(conditions, mode);
  const body = {
    mode,
    conditions: parsed.map((c) => {
      const shape = { field: c.field, op: c.op, arity: c.arity };
      if (mode === "paper") return { ...shape, value: encrypt(privateKey, c.values[0], { pool }).toHex() };
      const { bits } = comparisonDomain(fieldNamed(c.field));
      return {
        ...shape,
        comparisons: comparisonsOf(c).map((cmp) =>
          encryptBits(privateKey, cmp.threshold, bits, pool).map((x) => x.toHex()),
        ),
      };
    }),
  };
  const bytes = encodeMessage("form", context, body);
  return { bytes, hash: messageHash(bytes), mode, conditions: parsed };
}

/**
 * Decision mode: reads the bureau's blinded comparisons and returns the bank's encrypted shares.
 * @throws Error when the challenge does not match its commitment, the check, or the form's shape
 */
export function respondToChallenge(
  privateKey: PaillierPrivateKey,
  context: CheckContext,
  form: BankForm,
  challenge: Uint8Array,
  challengeHash: string,
  pool?: RandomizerSource,
): SignedOffMessage & { readonly shares: (0 | 1)[] } {
  const body = decodeMessage(challenge, "challenge", context, challengeHash);
  const expected = form.conditions.flatMap((c) => {
    const { bits } = comparisonDomain(fieldNamed(c.field));
    return comparisonsOf(c).map(() => bits + 1);
  });
  const comparisons = readArray(body.comparisons, "challenge comparisons", expected.length);
  const shares = comparisons.map((values, i) => {
    const where = `challenge comparison ${i + 1}`;
    const read = readArray(values, where, expected[i]).map((v, j) =>
      readCiphertext(privateKey.publicKey, v, `${where} value ${j + 1}`),
    );
    return bankShare(privateKey, read);
  });
  const bytes = encodeMessage("response", context, {
    shares: shares.map((s) => encrypt(privateKey, BigInt(s), { pool }).toHex()),
  });
  return { bytes, hash: messageHash(bytes), shares };
}

/**
 * Reads the bureau's answer: in decision mode one ciphertext, zero iff every condition holds; in
 * paper mode one result per condition, shuffled, each zero iff its condition holds.
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
