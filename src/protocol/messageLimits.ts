/**
 * How large the protocol's messages may be, and how large the largest form of a schema makes them: the board, the
 * bureau's API and the store refuse a message above {@link MAX_MESSAGE_BYTES}, so a schema whose largest valid form
 * would make a larger challenge or response is refused when it is loaded (`./schema`), not when a bank first uses it.
 *
 * The sizes follow the messages' canonical encoding (`./messages`, `./bureau`, `./bank`): UTF-8 JSON with every
 * ciphertext and proof value as fixed-width 0x-hex, so a message's size depends only on the form's shape, the
 * fields' widths and the key sizes, never on a value.
 * @module
 */
import { DGK_SUPPORTED_MODULUS_BITS } from "../dgk/sizes";
import { SUPPORTED_MODULUS_BITS } from "../paillier/sizes";
import { BIT_CHALLENGE_BITS } from "../proofs/sizes";

/**
 * The largest message accepted, in bytes. The largest valid form (32 `in` conditions of 16 values: 1,024 comparisons)
 * on a 24-bit field makes a decision-mode response of 25,600 DGK values, 1,024 shares and their proof: about 27 MB
 * with 3072-bit keys and 36 MB with 4096-bit keys (see bench/matching/latency-results.md); a schema whose widest
 * field would take it past this limit is refused ({@link MAX_FITTING_FIELD_BITS}).
 */
export const MAX_MESSAGE_BYTES = 48 * 1024 * 1024;

/** The largest number of conditions in one form, and of values in one `in` condition. */
export const MAX_CONDITIONS = 32;
export const MAX_SET_VALUES = 16;

/** The most comparisons one form makes: every condition an `in` of {@link MAX_SET_VALUES} values, two each. */
export const MAX_FORM_COMPARISONS = MAX_CONDITIONS * MAX_SET_VALUES * 2;

/** The key sizes a message is sized for. */
export interface MessageKeySizes {
  /** The bank's Paillier modulus, in bits. */
  readonly paillierBits: number;
  /** The bureau's DGK modulus, in bits. */
  readonly dgkBits: number;
}

/** The largest keys either party may use: what a schema's largest form is sized with. */
export const LARGEST_KEYS: MessageKeySizes = {
  paillierBits: Math.max(...SUPPORTED_MODULUS_BITS),
  dgkBits: Math.max(...DGK_SUPPORTED_MODULUS_BITS),
};

/** A bound on the envelope around a body: protocol, stage, context and schema (id ≤ 64 characters, version, hash). */
const ENVELOPE_BYTES = 1024;

/** A quoted fixed-width 0x-hex value of `bytes` bytes, with the comma after it. */
const hexItem = (bytes: number) => 2 + 2 + 2 * bytes + 1;

/**
 * An upper bound on the bytes of a decision-mode challenge and response with `comparisons` comparisons on fields of
 * `fieldBits` comparison bits (all of the same width: the widest is the worst case), within 1 % of the real size.
 * @param keys the key sizes (default {@link LARGEST_KEYS})
 * @example decisionMessageBytes(MAX_FORM_COMPARISONS, 64).challenge // 67,443,927: over MAX_MESSAGE_BYTES
 */
export function decisionMessageBytes(
  comparisons: number,
  fieldBits: number,
  keys: MessageKeySizes = LARGEST_KEYS,
): { readonly challenge: number; readonly response: number } {
  const dgkValue = hexItem(Math.ceil(keys.dgkBits / 8));
  const paillierWide = hexItem(Math.ceil((2 * keys.paillierBits) / 8)); // a ciphertext, a proof's a0 and a1
  const paillierNarrow = hexItem(Math.ceil(keys.paillierBits / 8)); // a proof's z0 and z1
  const proofChallenge = hexItem(BIT_CHALLENGE_BITS / 8); // a proof's e0
  // {"comparisonKey":{"kty":"DGK","n","g","h","u","randomBits"},"operands":[[bits]…]}: the check's own key
  const comparisonKey = 3 * dgkValue + 100;
  const challenge = ENVELOPE_BYTES + 100 + comparisonKey + comparisons * (fieldBits * dgkValue + 3);
  // {"comparisons":[[bits + 1]…],"shares":[…],"shareProof":{"items":[{"a0","a1","e0","z0","z1"}…]}}
  const proofItem = 2 + 5 * 5 + 2 * paillierWide + proofChallenge + 2 * paillierNarrow + 1;
  const response = ENVELOPE_BYTES + 100 + comparisons * ((fieldBits + 1) * dgkValue + 3 + paillierWide + proofItem);
  return { challenge, response };
}

/** The widest field (in comparison bits) whose largest form's messages fit in {@link MAX_MESSAGE_BYTES}. */
export const MAX_FITTING_FIELD_BITS = (() => {
  let bits = 1;
  while (fits(bits + 1)) bits++;
  return bits;
})();

/** Whether the largest form on fields of `bits` comparison bits makes messages within the limit. */
function fits(bits: number): boolean {
  const { challenge, response } = decisionMessageBytes(MAX_FORM_COMPARISONS, bits);
  return challenge <= MAX_MESSAGE_BYTES && response <= MAX_MESSAGE_BYTES;
}

/**
 * Refuses a field whose largest form would make a message above {@link MAX_MESSAGE_BYTES}.
 * @param where the field, as errors name it ("schema.json field 2 (income)")
 * @throws Error with the sizes, the limit and the widest field that fits
 */
export function checkFieldFitsMessages(fieldBits: number, where: string): void {
  if (fieldBits <= MAX_FITTING_FIELD_BITS) return;
  const { challenge, response } = decisionMessageBytes(MAX_FORM_COMPARISONS, fieldBits);
  const n = (value: number) => value.toLocaleString("en-US");
  throw new Error(
    `${where}: its largest form (${MAX_FORM_COMPARISONS} comparisons of ${fieldBits} bits) makes a challenge of ` +
      `${n(challenge)} bytes and a response of ${n(response)} bytes with ${LARGEST_KEYS.paillierBits}-bit keys: ` +
      `expected at most ${n(MAX_MESSAGE_BYTES)} bytes each, so a field of at most ${MAX_FITTING_FIELD_BITS} bits`,
  );
}
