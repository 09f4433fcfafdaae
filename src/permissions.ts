/**
 * The paper's four permission levels as bit flags, mirroring `PermissionLevels.sol`.
 * @module
 */

/** Permission levels (paper section 3.2 (5)); a grant may combine them. */
export const Level = {
  /** (a) read the plaintext credit information */
  Read: 1,
  /** (b) ownership, the highest level */
  Ownership: 2,
  /** (c) write credit information */
  Write: 4,
  /** (d) blind read: ciphertexts only, what a bank gets */
  BlindRead: 8,
} as const;

/** Every known level. */
export const ALL_LEVELS = Level.Read | Level.Ownership | Level.Write | Level.BlindRead;

/**
 * Parses levels from names separated by `,` or `|` (e.g. `"blind-read"`, `"read,write"`) or a number.
 * @throws Error when a name is unknown or the result is empty or out of range
 * @example parseLevels("read|write") // 5
 */
export function parseLevels(value: string): number {
  if (/^\d+$/.test(value.trim())) {
    const n = Number(value);
    if (n < 1 || (n & ~ALL_LEVELS) !== 0) throw new Error(`expected levels between 1 and ${ALL_LEVELS}, got ${n}`);
    return n;
  }
  let levels = 0;
  for (const part of value.split(/[,|]/)) {
    const key = part.replace(/[-_\s]/g, "").toLowerCase();
    const entry = Object.entries(Level).find(([name]) => name.toLowerCase() === key);
    if (!entry) {
      throw new Error(`expected levels among ${Object.keys(Level).join(", ")}, got "${part.trim()}"`);
    }
    levels |= entry[1];
  }
  return levels;
}

/** The names of the levels in `levels`, e.g. `["Read", "Write"]`. */
export function levelNames(levels: number): string[] {
  return Object.entries(Level)
    .filter(([, bit]) => (levels & bit) !== 0)
    .map(([name]) => name);
}

/** The terms of a grant or request: what `PermissionSetting.approveRequest` names to approve. */
export interface Terms {
  readonly levels: bigint | number;
  readonly expiry: bigint;
  readonly maxUses: bigint | number;
}

/**
 * The terms of a request as read from `requestOf`, copied into a plain object that can be sent back to
 * `approveRequest(grantee, terms)`: the approval is then bound to exactly what was read (ethers refuses its own
 * frozen read results as call arguments).
 * @example await permissions.approveRequest(bank, termsOf(await permissions.requestOf(subject, bank)))
 */
export function termsOf(request: Terms): Terms {
  return { levels: request.levels, expiry: request.expiry, maxUses: request.maxUses };
}
