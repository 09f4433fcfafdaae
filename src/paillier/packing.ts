/**
 * Packing several small non-negative values into one plaintext, so that one ciphertext carries many.
 *
 * Slot i (from 0, least significant) occupies bits [i·slotBits, (i + 1)·slotBits) of the packed integer:
 * packed = Σ v_i · 2^(i·slotBits). The packed integer stays below 2^R (the signed range of the key, see
 * {@link plaintextRange}), so {@link encrypt} accepts it and a packed ciphertext can be added to others or
 * multiplied by a small non-negative constant, slot by slot, as long as no slot carries into the next.
 *
 * Headroom: give each slot more bits than its values need. {@link pack} refuses values of `valueBits` bits or more;
 * the sum of up to 2^(slotBits − valueBits) packed vectors then cannot carry between slots. {@link unpack} refuses
 * a total that does not fit the layout (a negative total, or bits above the top slot) and, if told the bound the
 * protocol guarantees (`valueBits`), any slot that exceeds it.
 *
 * Packing suits protocols whose per-slot results are non-negative and bounded, and whose decryptor may learn all
 * slots at once. It does not suit blinded results: blinding multiplies the whole packed value, not each slot.
 *
 * @module
 */

import { PaillierError, assertBigInt, assertInteger, describeBigInt, describeValue } from "./errors";
import { PaillierPublicKey } from "./keys";
import { plaintextRange } from "./encoding";

/** How values are laid out in a packed plaintext. */
export interface PackingLayout {
  /** Width of each slot in bits, 1 to 1024. */
  readonly slotBits: number;
  /** Values (for {@link pack}) or slot results (for {@link unpack}) must be below 2^valueBits; default slotBits. */
  readonly valueBits?: number;
}

function checkLayout(publicKey: unknown, layout: unknown, what: string): { slotBits: number; valueBits: number } {
  if (!(publicKey instanceof PaillierPublicKey)) {
    throw new PaillierError(
      "INVALID_ARGUMENT",
      `${what}: expected a PaillierPublicKey, got ${describeValue(publicKey)}`,
    );
  }
  if (typeof layout !== "object" || layout === null) {
    throw new PaillierError(
      "INVALID_ARGUMENT",
      `${what}: expected a layout { slotBits }, got ${describeValue(layout)}`,
    );
  }
  const { slotBits, valueBits = (layout as PackingLayout).slotBits } = layout as PackingLayout;
  assertInteger(slotBits, `${what}: layout.slotBits`, 1, 1024);
  assertInteger(valueBits, `${what}: layout.valueBits`, 1, slotBits);
  return { slotBits, valueBits };
}

/**
 * How many slots of a given width fit in one plaintext of a key.
 *
 * @param publicKey - the key
 * @param slotBits - slot width in bits, 1 to 1024
 * @returns floor(R / slotBits), e.g. 23 slots of 64 bits for a 3072-bit key (R = 1535)
 * @throws {PaillierError} `INVALID_ARGUMENT` for a bad key or width
 */
export function packingCapacity(publicKey: PaillierPublicKey, slotBits: number): number {
  checkLayout(publicKey, { slotBits }, "packingCapacity");
  return Math.floor(plaintextRange(publicKey).bits / slotBits);
}

/**
 * Packs values into one plaintext integer, slot 0 least significant.
 *
 * @param publicKey - the key the result will be encrypted under
 * @param values - 1 to {@link packingCapacity} values, each in [0, 2^valueBits)
 * @param layout - slot width and value bound
 * @returns the packed integer, in [0, 2^(values.length · slotBits))
 * @throws {PaillierError} `PACKING_OVERFLOW` when a value is negative or too wide, or there are more values than
 *   slots; `INVALID_ARGUMENT` for a bad layout or non-bigint values
 * @example
 * const packed = pack(publicKey, [1n, 0n, 1n], { slotBits: 16, valueBits: 8 }); // room to add 256 such vectors
 * const c = encrypt(publicKey, packed);
 */
export function pack(publicKey: PaillierPublicKey, values: readonly bigint[], layout: PackingLayout): bigint {
  const { slotBits, valueBits } = checkLayout(publicKey, layout, "pack");
  if (!Array.isArray(values as unknown) || values.length === 0) {
    throw new PaillierError(
      "INVALID_ARGUMENT",
      `pack: expected a non-empty array of bigints, got ${describeValue(values)}`,
    );
  }
  const capacity = packingCapacity(publicKey, slotBits);
  if (values.length > capacity) {
    throw new PaillierError(
      "PACKING_OVERFLOW",
      `pack: expected at most ${capacity} slots of ${slotBits} bits for a ${publicKey.bits}-bit key, got ${values.length} values`,
    );
  }
  const limit = 1n << BigInt(valueBits);
  const width = BigInt(slotBits);
  let packed = 0n;
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    assertBigInt(v, `pack: values[${i}]`);
    if (v < 0n || v >= limit) {
      throw new PaillierError(
        "PACKING_OVERFLOW",
        `pack: expected values[${i}] in [0, 2^${valueBits}), got ${describeBigInt(v)}`,
      );
    }
    packed = (packed << width) | v;
  }
  return packed;
}

/**
 * Splits a decrypted packed plaintext back into its slots.
 *
 * @param publicKey - the key it was encrypted under
 * @param packed - the decrypted integer (from {@link decrypt})
 * @param slots - the number of slots, 1 to {@link packingCapacity}
 * @param layout - slot width, and optionally the bound each slot result must respect
 * @returns the slot values, slot 0 first
 * @throws {PaillierError} `PACKING_OVERFLOW` when the total is negative or has bits above the top slot, or a slot is
 *   at or above 2^valueBits; `INVALID_ARGUMENT` for a bad layout
 */
export function unpack(publicKey: PaillierPublicKey, packed: bigint, slots: number, layout: PackingLayout): bigint[] {
  const { slotBits, valueBits } = checkLayout(publicKey, layout, "unpack");
  assertBigInt(packed, "unpack: packed");
  assertInteger(slots, "unpack: slots", 1, packingCapacity(publicKey, slotBits));
  const totalBits = BigInt(slots * slotBits);
  if (packed < 0n || packed >> totalBits !== 0n) {
    throw new PaillierError(
      "PACKING_OVERFLOW",
      `unpack: expected a packed value in [0, 2^${slots * slotBits}), got ${describeBigInt(packed)}: a slot ` +
        "overflowed (a carry out of the top slot, or a negative total)",
    );
  }
  const width = BigInt(slotBits);
  const mask = (1n << width) - 1n;
  const limit = 1n << BigInt(valueBits);
  const out: bigint[] = [];
  for (let i = 0; i < slots; i++) {
    const v = (packed >> (BigInt(i) * width)) & mask;
    if (v >= limit) {
      throw new PaillierError(
        "PACKING_OVERFLOW",
        `unpack: expected slot ${i} below 2^${valueBits}, got ${describeBigInt(v)}: the slot overflowed its bound`,
      );
    }
    out.push(v);
  }
  return out;
}
