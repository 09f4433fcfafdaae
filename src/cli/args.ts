/**
 * Parsers for the values users type: addresses, ids, counts, durations, times, levels and node
 * types. Each throws an Error saying what was expected and what came; wrapped with `argParser`
 * (errors.ts) they become commander usage errors (exit 2), caught before any network call.
 * @module
 */
import { getAddress, isHexString } from "ethers";
import { parseLevels } from "../permissions";
import { NodeType, parseNodeType } from "../contractEnums";

/** An Ethereum address, returned checksummed. */
export function parseAddress(value: string): string {
  try {
    return getAddress(value.trim());
  } catch {
    throw new Error(
      `expected an Ethereum address (0x and 40 hex digits, valid checksum if mixed case), got "${value}"`,
    );
  }
}

/** A bytes32 in hex, e.g. a check id; returned lower case. */
export function parseBytes32(value: string): string {
  const v = value.trim();
  if (!isHexString(v, 32)) throw new Error(`expected 0x and 64 hex digits, got "${value}"`);
  return v.toLowerCase();
}

/** A whole number in [min, max]. */
export function parseInteger(value: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = value.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new Error(`expected a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(v);
}

/** A positive id such as a proposal id. */
export function parseId(value: string): bigint {
  const v = value.trim();
  if (!/^\d+$/.test(v) || BigInt(v) === 0n) throw new Error(`expected a positive whole number, got "${value}"`);
  return BigInt(v);
}

/** A use limit: a positive count, or `unlimited` (0 on-chain). The contract stores it as uint32. */
export function parseMaxUses(value: string): number {
  if (value.trim().toLowerCase() === "unlimited") return 0;
  try {
    return parseInteger(value, 0, 2 ** 32 - 1);
  } catch {
    throw new Error(`expected a number of uses from 1 to ${2 ** 32 - 1}, or "unlimited" (also 0), got "${value}"`);
  }
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400 };

/**
 * A duration such as `30d`, `12h`, `90m`, `45s` or `2w` (a bare number is seconds).
 * @returns seconds
 */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhdw]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] || "s"] : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new Error(`expected a duration such as 30d, 12h, 90m, 45s or 2w, got "${value}"`);
  }
  return seconds;
}

/**
 * An ISO 8601 date or date-time (`2025-12-31`, `2025-12-31T18:00:00Z`).
 * @returns Unix seconds
 */
export function parseIsoTime(value: string): number {
  const v = value.trim();
  const ms = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms))
    throw new Error(`expected an ISO 8601 date or date-time such as 2025-12-31T18:00:00Z, got "${value}"`);
  return Math.floor(ms / 1000);
}

/** Permission levels by name, e.g. `blind-read` or `read,write` (see `parseLevels`). */
export function parseLevelList(value: string): number {
  return parseLevels(value);
}

/** Short names for the node types, as a user says them. */
const NODE_TYPE_ALIASES: Readonly<Record<string, NodeType>> = {
  bank: NodeType.CreditAccessUser,
  lender: NodeType.CreditAccessUser,
  provider: NodeType.InformationProvider,
  bureau: NodeType.CreditBureau,
  subject: NodeType.CreditSubject,
};

/** What a newcomer asks to be: a node type, or `voter` (a voting node, through the same vote). */
export type MemberKind = NodeType | "voter";

/** A node type by short name (`bank`, `provider`, `bureau`, `subject`, `voter`) or its full name. */
export function parseMemberKind(value: string): MemberKind {
  const key = value.trim().toLowerCase();
  if (key === "voter") return "voter";
  const alias = NODE_TYPE_ALIASES[key];
  if (alias !== undefined) return alias;
  try {
    return parseNodeType(value);
  } catch {
    throw new Error(
      `expected a member type: bank, provider, bureau, subject or voter (or credit-access-user, ` +
        `information-provider, credit-bureau, credit-subject), got "${value}"`,
    );
  }
}

/** The short name of a node type, as the CLI prints it. */
export function nodeTypeName(type: NodeType | number): string {
  const entry = Object.entries(NODE_TYPE_ALIASES).find(([name, t]) => t === type && name !== "lender");
  return entry ? entry[0] : "none";
}
