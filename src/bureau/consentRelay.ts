/**
 * The bureau relays a subject's signed EIP-712 consent (`POST /v1/consents`), so that the subject pays no gas: it
 * checks the request's shape, the signature against the subject, the subject's current nonce and the deadline, then
 * simulates `PermissionSetting.setPermissionWithConsent` so that a consent the contract would refuse costs the bureau
 * nothing, and only then submits it from the bureau's account.
 *
 * Request body (JSON, numbers as decimal strings or safe integers):
 *
 * ```json
 * { "consent": { "subject": "0x…", "grantee": "0x…", "levels": 8, "expiry": "1767225600", "maxUses": 3,
 *                "nonce": "0", "deadline": "1767139200" },
 *   "signature": "0x… (65 bytes)" }
 * ```
 *
 * Answer: 201 `{ txHash, blockNumber, grantId, subject, grantee }`; refusals are 400 (malformed), 409 (stale nonce)
 * or 422 (refused by the contract's rules), each with a message that says what was expected.
 * @module
 */
import { getAddress, isAddress, isHexString, verifyTypedData, type ContractTransactionReceipt } from "ethers";
import type { PermissionSetting } from "../../typechain-types";
import { CONSENT_TYPES, consentDomain } from "../protocol/consent";

/** The largest consent request body accepted, in bytes (a consent takes under 600). */
export const MAX_CONSENT_BYTES = 8 * 1024;

/** A consent as checked: addresses checksummed, numbers as bigints. */
export interface ConsentSubmission {
  readonly consent: {
    readonly subject: string;
    readonly grantee: string;
    readonly levels: bigint;
    readonly expiry: bigint;
    readonly maxUses: bigint;
    readonly nonce: bigint;
    readonly deadline: bigint;
  };
  readonly signature: string;
}

/** What the relay answers once the consent's transaction is mined. */
export interface ConsentReceipt {
  readonly txHash: string;
  readonly blockNumber: number;
  /** The grant the consent set (the current one, when the terms were already the grant's). */
  readonly grantId: string;
  readonly subject: string;
  readonly grantee: string;
}

/** Thrown when a consent is refused; `status` is the HTTP status that says why. */
export class ConsentRelayError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ConsentRelayError";
  }
}

const UINT_BITS = { levels: 8, expiry: 64, maxUses: 32, nonce: 256, deadline: 256 } as const;

/**
 * Parses the JSON body of `POST /v1/consents`.
 * @throws {ConsentRelayError} 400 when it is not JSON of the expected shape, saying which member is wrong
 */
export function parseConsentSubmission(bytes: Uint8Array): ConsentSubmission {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ConsentRelayError(400, "expected a JSON body { consent, signature }, got something that does not parse");
  }
  const { consent, signature } = (value ?? {}) as { consent?: unknown; signature?: unknown };
  if (typeof consent !== "object" || consent === null || Array.isArray(consent)) {
    throw new ConsentRelayError(400, `expected "consent" to be an object, got ${JSON.stringify(consent) ?? "nothing"}`);
  }
  if (typeof signature !== "string" || !isHexString(signature, 65)) {
    throw new ConsentRelayError(400, `expected "signature" as 0x and 130 hex digits, got ${JSON.stringify(signature)}`);
  }
  const c = consent as Record<string, unknown>;
  const address = (name: "subject" | "grantee"): string => {
    const v = c[name];
    if (typeof v !== "string" || !isAddress(v)) {
      throw new ConsentRelayError(400, `expected "consent.${name}" to be an address, got ${JSON.stringify(v)}`);
    }
    return getAddress(v);
  };
  const uint = (name: keyof typeof UINT_BITS): bigint => {
    const v = c[name];
    const ok = (typeof v === "string" && /^\d{1,78}$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v));
    const n = ok ? BigInt(v as string | number) : -1n;
    if (n < 0n || n >= 2n ** BigInt(UINT_BITS[name])) {
      throw new ConsentRelayError(
        400,
        `expected "consent.${name}" to be a uint${UINT_BITS[name]} (a decimal string or an integer), got ${JSON.stringify(v)}`,
      );
    }
    return n;
  };
  return {
    consent: {
      subject: address("subject"),
      grantee: address("grantee"),
      levels: uint("levels"),
      expiry: uint("expiry"),
      maxUses: uint("maxUses"),
      nonce: uint("nonce"),
      deadline: uint("deadline"),
    },
    signature,
  };
}

/**
 * Checks a parsed consent against the chain and submits it from `permissions`' signer (the bureau's account),
 * through `send` (the service passes `BureauClient.send`, so that its transactions take their nonces in turn).
 * @throws {ConsentRelayError} 422 when the signature is not the subject's, the deadline passed or the contract
 *   would refuse the terms (with its error); 409 when the nonce is not the subject's current one
 */
export async function relayConsent(
  permissions: PermissionSetting,
  submission: ConsentSubmission,
  send: <T>(transaction: () => Promise<T>) => Promise<T> = (transaction) => transaction(),
): Promise<ConsentReceipt> {
  const { consent, signature } = submission;
  const domain = await consentDomain(permissions);
  let signer: string;
  try {
    signer = verifyTypedData(domain, CONSENT_TYPES, consent, signature);
  } catch (e) {
    throw new ConsentRelayError(
      422,
      `expected a valid secp256k1 signature, got one that does not recover: ${(e as Error).message}`,
    );
  }
  if (signer !== consent.subject) {
    throw new ConsentRelayError(
      422,
      `expected the consent to be signed by its subject ${consent.subject}, it was signed by ${signer} ` +
        `(or its terms were changed after signing)`,
    );
  }
  const nonce = await permissions.nonces(consent.subject);
  if (nonce !== consent.nonce) {
    throw new ConsentRelayError(
      409,
      `expected the subject's current consent nonce ${nonce}, got ${consent.nonce}: the subject changed its grants ` +
        "or voided its consents since it signed; sign again",
    );
  }
  const provider = permissions.runner?.provider;
  const block = await provider?.getBlock("latest");
  if (block && BigInt(block.timestamp) > consent.deadline) {
    throw new ConsentRelayError(
      422,
      `expected a deadline after the chain's time ${block.timestamp}, got ${consent.deadline}: sign again`,
    );
  }
  try {
    await permissions.setPermissionWithConsent.staticCall(consent, signature);
  } catch (e) {
    throw new ConsentRelayError(422, `the permission contract refuses this consent: ${revertText(permissions, e)}`);
  }
  const tx = await send(() => permissions.setPermissionWithConsent(consent, signature));
  const receipt = (await tx.wait()) as ContractTransactionReceipt;
  return {
    txHash: tx.hash,
    blockNumber: receipt.blockNumber,
    grantId: await permissions.grantId(consent.subject, consent.grantee),
    subject: consent.subject,
    grantee: consent.grantee,
  };
}

/** A revert as `ErrorName(arg, …)` when the contract's interface knows it, else the error's message. */
function revertText(permissions: PermissionSetting, e: unknown): string {
  const data = (e as { data?: string }).data;
  if (typeof data === "string") {
    const parsed = permissions.interface.parseError(data);
    if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
  }
  return (e as Error).message;
}
