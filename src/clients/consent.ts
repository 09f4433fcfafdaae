/**
 * The consent side of the role clients: paper flow 3.4 (a grantee asks, the subject finds its
 * permission record through the history and ownership records and grants), and EIP-712 consents
 * that a subject signs and anyone submits.
 * @module
 */
import { ZeroAddress, type Signer, type TypedDataDomain } from "ethers";
import type { HistoryRecord, OwnershipJudgment, PermissionSetting } from "../../typechain-types";
import { OwnershipJudgment__factory, PermissionSetting__factory } from "../../typechain-types";
import type { IPermissionSetting } from "../../typechain-types/contracts/consent/PermissionSetting";

/** A consent's terms, as signed (see `IPermissionSetting.Consent`). */
export type Consent = IPermissionSetting.ConsentStruct;

/** The EIP-712 type of a consent; field order and types must match `CONSENT_TYPEHASH`. */
export const CONSENT_TYPES = {
  Consent: [
    { name: "subject", type: "address" },
    { name: "grantee", type: "address" },
    { name: "levels", type: "uint8" },
    { name: "expiry", type: "uint64" },
    { name: "maxUses", type: "uint32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The EIP-712 domain of a permission-setting deployment (bound to its chain id and address). */
export async function consentDomain(permissions: PermissionSetting): Promise<TypedDataDomain> {
  const domain = await permissions.eip712Domain();
  return {
    name: domain.name,
    version: domain.version,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
  };
}

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
