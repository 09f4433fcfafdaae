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
