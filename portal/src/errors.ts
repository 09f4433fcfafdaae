/**
 * Errors a person understands: the wallet's refusals, the contracts' custom errors and the relay's answers, each
 * turned into one sentence that says what happened and what to do.
 * @module
 */
import { isError } from "ethers";
import { ERROR_INTERFACES } from "./chain";
import { errorCode } from "./wallet";

/** What a contract's custom error means to a credit subject. */
const MEANINGS: Record<string, string> = {
  PermissionNotSubject: "This account is not registered as a credit subject yet: register it first.",
  OwnershipNotSubject: "This account is not registered as a credit subject yet: register it first.",
  PermissionGrantExhausted: "This grant is used up: every use it allowed has been consumed.",
  PermissionGrantExpired: "This grant has expired.",
  PermissionNoGrant: "There is no grant for this member any more.",
  PermissionExpiryInPast: "The expiry must be in the future.",
  PermissionLevelsNotAllowed: "A member of this type may not hold these levels (a bank only ever gets blind read).",
  PermissionUnknownLevels: "Choose at least one level.",
  PermissionUnknownNode: "This address is not an active member of the consortium.",
  PermissionNoRequest: "This member has no pending request any more.",
  PermissionRequestChanged:
    "This member changed its request after you read it: nothing was granted. Reload and read the new terms.",
  PermissionConsentExpired: "The signed consent's deadline passed before it was submitted: sign again.",
  PermissionInvalidSigner: "The consent was not signed by this account.",
  InvalidAccountNonce: "You changed your grants since you signed: sign the consent again.",
  OwnershipIdentityAlreadyCommitted: "This account has already committed to an identity.",
  OwnershipZeroHash: "The commitment is empty.",
  NodeClassificationRemovedNode: "This account was removed from the consortium by vote and cannot register again.",
  NodeClassificationTypeConflict: "This account is already a member of another kind and cannot be a credit subject.",
  NodeClassificationAlreadyActive: "This account is already an active member.",
};

/**
 * One sentence for `e`.
 * @param what what was being done, e.g. "Revoking the grant"
 */
export function humanError(e: unknown, what: string): string {
  const code = errorCode(e);
  if (isError(e, "ACTION_REJECTED") || code === 4001) {
    return `${what}: you declined it in your wallet. Nothing was sent.`;
  }
  if (code === 4100) return `${what}: the wallet has not authorised this page; connect again.`;
  const name = revertName(e);
  if (name) return `${what}: ${MEANINGS[name] ?? `the contract refused it (${name}).`}`;
  if (isError(e, "NETWORK_ERROR") || isError(e, "TIMEOUT")) {
    return `${what}: the wallet cannot reach the chain right now. Try again in a moment.`;
  }
  const message = (e as { shortMessage?: string }).shortMessage ?? (e as Error)?.message ?? String(e);
  return `${what}: ${message}`;
}

/** The name of the custom error a revert carries, when a suite interface knows it. */
function revertName(e: unknown): string | undefined {
  const err = e as { revert?: { name?: string }; data?: unknown; info?: { error?: { data?: unknown } } };
  if (err?.revert?.name) return err.revert.name;
  for (const data of [err?.data, err?.info?.error?.data, (err?.info?.error?.data as { data?: unknown })?.data]) {
    if (typeof data !== "string" || data.length < 10) continue;
    for (const iface of ERROR_INTERFACES) {
      const parsed = iface.parseError(data);
      if (parsed) return parsed.name;
    }
  }
  return undefined;
}
