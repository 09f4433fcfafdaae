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
import { BIT_CHALLENGE_BITS, ENCRYPTION_RANGE_SLACK_BITS } from "../proofs/sizes";

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

/** The most fields one scorecard weighs, and the widest weights it may use (β, in bits). */
export const MAX_SCORECARD_FIELDS = 64;
export const MAX_WEIGHT_BITS = 64;
/** The widest comparison a scorecard's sum may need (ℓ = bitLength(2B)): a wider one is refused with its numbers. */
export const MAX_SCORECARD_BITS = 160;

/** The most comparisons one form makes: every condition an `in` of {@link MAX_SET_VALUES} values, two each. */
export const MAX_FORM_COMPARISONS = MAX_CONDITIONS * MAX_SET_VALUES * 2;

/** The key sizes a message is sized for. */
export interface MessageKeySizes {
  /** The bank's Paillier modulus, in bits. */
  readonly paillierBits: number;
  /** The bureau's DGK modulus, in bits. */
  readonly dgkBits: number;
  /** The bureau's ring-Pedersen modulus N̂, in bits (a scorecard's range proofs); default {@link RING_PEDERSEN_LARGEST_BITS}. */
  readonly ringPedersenBits?: number;
}

/** The widest ring-Pedersen modulus a bureau may use (`RING_PEDERSEN_MAX_BITS` in src/proofs/ringPedersen.ts). */
export const RING_PEDERSEN_LARGEST_BITS = 4096;

/** The largest keys either party may use: what a schema's largest form is sized with. */
export const LARGEST_KEYS: MessageKeySizes = {
  paillierBits: Math.max(...SUPPORTED_MODULUS_BITS),
  dgkBits: Math.max(...DGK_SUPPORTED_MODULUS_BITS),
  ringPedersenBits: RING_PEDERSEN_LARGEST_BITS,
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

/** A bound on a form's key proofs, Π^mod (128 rounds) and Π^fac: about 0.3 MB with 4096-bit keys. */
const KEY_PROOFS_BYTES = 1024 * 1024;

/**
 * Upper bounds on what one scorecard of `fields` fields and a comparison of `comparisonBits` bits adds to each
 * message: to the form, its shape (field names of at most 64 characters, clamps), m + 1 ciphertexts and their Π^enc
 * items; to the challenge, its masked score and ℓ operand bits; to the response, ℓ + 1 DGK values, a share with its
 * bit proof's item, its quotient E(D) and its Π^enc item (the proofs' envelopes counted once per scorecard).
 * @param keys the key sizes (default {@link LARGEST_KEYS})
 */
export function scorecardMessageBytes(
  fields: number,
  comparisonBits: number,
  keys: MessageKeySizes = LARGEST_KEYS,
): { readonly form: number; readonly challenge: number; readonly response: number } {
  const nHatBytes = Math.ceil((keys.ringPedersenBits ?? RING_PEDERSEN_LARGEST_BITS) / 8);
  const dgkValue = hexItem(Math.ceil(keys.dgkBits / 8));
  const ciphertext = hexItem(Math.ceil((2 * keys.paillierBits) / 8));
  const unit = hexItem(Math.ceil(keys.paillierBits / 8));
  // {"rangeBits":n,"S","A","C","z1","z2","z3"}: z₁ < 2^(ℓ+ε), |z₃| ≤ 2^(ℓ+ε+1)·N̂, each with a sign
  const rangeItem = (rangeBits: number) =>
    2 +
    7 * 8 +
    4 +
    2 * hexItem(nHatBytes) +
    ciphertext +
    unit +
    hexItem(Math.ceil((rangeBits + ENCRYPTION_RANGE_SLACK_BITS + 1) / 8)) +
    1 +
    hexItem(nHatBytes + Math.ceil((rangeBits + ENCRYPTION_RANGE_SLACK_BITS + 2) / 8)) +
    1;
  const proofEnvelope = 100 + hexItem(32); // {"parameters":"0x…","items":[…]}
  const widest = Math.max(MAX_WEIGHT_BITS, comparisonBits + 1);
  const form =
    200 + fields * (64 + 4) + fields * 2 * 70 + (fields + 1) * (ciphertext + rangeItem(widest)) + proofEnvelope;
  const challenge = comparisonBits * dgkValue + 3 + 20 + ciphertext; // ,[bits…] and ,"scores":[…]
  const quotientBits = ENCRYPTION_RANGE_SLACK_BITS + 90; // κ − ℓ + 2 with κ = ℓ + ε + 88
  const bitProofItem = 2 + 5 * 5 + 2 * ciphertext + hexItem(BIT_CHALLENGE_BITS / 8) + 2 * unit + 1;
  const response =
    (comparisonBits + 1) * dgkValue +
    3 +
    ciphertext +
    bitProofItem +
    20 +
    ciphertext +
    rangeItem(quotientBits) +
    proofEnvelope;
  return { form, challenge, response };
}

/**
 * The largest scorecard form: {@link MAX_CONDITIONS} scorecards of {@link MAX_SCORECARD_FIELDS} fields each, whose
 * sums need the widest comparison ({@link MAX_SCORECARD_BITS}), with the largest keys: upper bounds on its form,
 * challenge and response in bytes (about 19.2 MB, 5.3 MB and 5.8 MB), each within {@link MAX_MESSAGE_BYTES}.
 * A form mixing scorecards and threshold conditions stays below the larger of this and the largest threshold form.
 */
export const LARGEST_SCORECARD_FORM_BYTES = (() => {
  const one = scorecardMessageBytes(MAX_SCORECARD_FIELDS, MAX_SCORECARD_BITS);
  const sizes = {
    form: ENVELOPE_BYTES + KEY_PROOFS_BYTES + MAX_CONDITIONS * one.form,
    challenge: ENVELOPE_BYTES + 100 + MAX_CONDITIONS * one.challenge,
    response: ENVELOPE_BYTES + 100 + MAX_CONDITIONS * one.response,
  };
  for (const [message, bytes] of Object.entries(sizes)) {
    if (bytes > MAX_MESSAGE_BYTES)
      throw new Error(`the largest scorecard ${message}: ${bytes} bytes, above the limit of ${MAX_MESSAGE_BYTES}`);
  }
  return sizes;
})();

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
