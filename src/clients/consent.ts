/**
 * The consent side of the role clients: paper flow 3.4 (a grantee asks, the subject finds its
 * permission record through the history and ownership records and grants), and EIP-712 consents
 * that a subject signs and anyone submits.
 * @module
 */
import { ZeroAddress, type Signer } from "ethers";
import type { HistoryRecord, OwnershipJudgment, PermissionSetting } from "../../typechain-types";
import { OwnershipJudgment__factory, PermissionSetting__factory } from "../../typechain-types";
import { CONSENT_TYPES, consentDomain, type Consent } from "../protocol/consent";

export { CONSENT_TYPES, consentDomain, type Consent };

/**
 * The subject signs a consent with its current nonce; anyone may then submit it with
 * `permissions.setPermissionWithConsent(consent, signature)`, so the subject pays no gas.
 * @param subject the subject's signer
 * @param terms the grant: grantee, levels, expiry, maxUses, and the signature's deadline
 * @returns the consent as signed, and the signature
 */
export async function signConsent(
  permissions: PermissionSetting,
  subject: Signer,
  terms: { grantee: string; levels: number; expiry: bigint; maxUses: number; deadline: bigint },
): Promise<{ consent: Consent; signature: string }> {
  const address = await subject.getAddress();
  const consent: Consent = { subject: address, ...terms, nonce: await permissions.nonces(address) };
  const signature = await subject.signTypedData(await consentDomain(permissions), CONSENT_TYPES, consent);
  return { consent, signature };
}

/**
 * Paper flow 3.4 steps (2)–(6): from the history record, the subject's ownership record; from
 * it, where the subject's permissions live.
 * @throws Error when the subject has no ownership record yet
 */
export async function findPermissionRecord(
  history: HistoryRecord,
  subject: string,
  runner: Signer,
): Promise<{ ownership: OwnershipJudgment; permissions: PermissionSetting }> {
  const ownershipAddress = await history.ownershipRecordOf(subject);
  if (ownershipAddress === ZeroAddress) {
    throw new Error(
      `expected an ownership record for ${subject}, found none: the subject must commit its identity first`,
    );
  }
  const ownership = OwnershipJudgment__factory.connect(ownershipAddress, runner);
  const permissionsAddress = await ownership.permissionSettingOf(subject);
  return { ownership, permissions: PermissionSetting__factory.connect(permissionsAddress, runner) };
}

/** Where a requester's last request to a subject stands, as the requester sees it. */
export type RequestAnswer = "not-asked" | "pending" | "declined" | "granted";

/**
 * How the subject answered `requester`'s last request: the latest of its ask (`PermissionRequested`), the subject's
 * no (`RequestDeclined`) and a grant set for it (`PermissionSet`), in chain order.
 * @returns the answer, and the block it came in (undefined when never asked)
 */
export async function requestAnswer(
  permissions: PermissionSetting,
  subject: string,
  requester: string,
  fromBlock = 0,
): Promise<{ answer: RequestAnswer; block?: number }> {
  const [asked, declined, set] = await Promise.all([
    permissions.queryFilter(permissions.filters.PermissionRequested(subject, requester), fromBlock),
    permissions.queryFilter(permissions.filters.RequestDeclined(subject, requester), fromBlock),
    permissions.queryFilter(permissions.filters.PermissionSet(subject, requester), fromBlock),
  ]);
  const last = (logs: readonly { blockNumber: number; index: number }[]) =>
    logs.length === 0 ? -1 : logs[logs.length - 1].blockNumber * 1_000_000 + logs[logs.length - 1].index;
  const [a, d, s] = [last(asked), last(declined), last(set)];
  if (a < 0) return { answer: "not-asked" };
  if (d > a && d > s) return { answer: "declined", block: declined[declined.length - 1].blockNumber };
  if (s > a) return { answer: "granted", block: set[set.length - 1].blockNumber };
  return { answer: "pending", block: asked[asked.length - 1].blockNumber };
}
