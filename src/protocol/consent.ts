/**
 * The EIP-712 consent format of `PermissionSetting` (a subject's signed grant that anyone may submit): its type and
 * its domain. Both sides speak it: the subject's client signs, the bureau's relay verifies before submitting.
 * @module
 */
import type { TypedDataDomain } from "ethers";
import type { PermissionSetting } from "../../typechain-types";
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
