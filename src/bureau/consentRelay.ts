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
 * Answer: 201 `{ txHash, blockNumber, grantId, subject, grantee }`; refusals are 400 (malformed), 409 (stale nonce),
 * 422 (refused by the contract's rules), 403 (outside the relay's policy) or 429 (the subject's rate, or the relay's
 * queue, is full), each with a message that says what was expected.
 *
 * The relay's policy: the bureau pays for a consent only when it answers a request a member paid for. A consent is
 * submitted only when its grantee is an active member of the consortium with a pending request to the subject
 * (`PermissionSetting.requestOf`, opened by the grantee's own transaction), and only at a bounded rate per subject
 * ({@link ConsentRateLimit}: a few a day serve a person's real requests). So a self-registered subject with pre-signed
 * consents cannot make the bureau spend gas: without a member's request every consent is refused before anything is
 * sent, and with one it pays at most the rate. The gas spent is counted (`blindcredit_relay_gas_used_total`).
 * @module
 */
import { getAddress, isAddress, isHexString, verifyTypedData, type ContractTransactionReceipt } from "ethers";
import type { NodeClassification, PermissionSetting } from "../../typechain-types";
import { CONSENT_TYPES, consentDomain } from "../protocol/consent";
import type { TransactionSender } from "./transactionSender";

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

/**
 * How many consents the relay submits per subject: a token bucket of `burst` consents, refilled by one every
 * `refillMs`. Per process: several bureau processes each keep their own (the bound multiplies by their number).
 */
export class ConsentRateLimit {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * @param burst consents a subject may have relayed at once (default 3)
   * @param refillMs how long until one more may be relayed (default 4 hours: 6 a day)
   */
  constructor(
    readonly burst = 3,
    readonly refillMs = 4 * 3_600_000,
  ) {
    if (!Number.isSafeInteger(burst) || burst < 1) throw new Error(`burst: expected an integer ≥ 1, got ${burst}`);
    if (!(refillMs > 0)) throw new Error(`refillMs: expected a positive number of ms, got ${refillMs}`);
  }

  /**
   * Takes one consent from `subject`'s bucket.
   * @throws {ConsentRelayError} 429 when it is empty, saying when the next one may be relayed
   */
  take(subject: string, now: number = Date.now()): void {
    const bucket = this.#tokens(subject, now);
    if (bucket.tokens < 1) {
      const wait = Math.ceil((bucket.at + this.refillMs - now) / 1000);
      throw new ConsentRelayError(
        429,
        `expected at most ${this.burst} relayed consents per subject, then one every ${this.refillMs / 60_000} ` +
          `minutes; ${subject} has had its share: try again in ${wait} s, or submit the consent from its own account`,
      );
    }
    bucket.tokens -= 1;
    // A bucket refilled by now holds nothing worth keeping: swept now and then, the map holds the subjects limited.
    if (this.#buckets.size > 10_000) {
      for (const [key, b] of this.#buckets)
        if (b.tokens + Math.floor((now - b.at) / this.refillMs) >= this.burst) this.#buckets.delete(key);
    }
  }

  /** Gives back a consent taken for a submission that was not sent. */
  refund(subject: string, now: number = Date.now()): void {
    const bucket = this.#tokens(subject, now);
    bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }

  #tokens(subject: string, now: number): { tokens: number; at: number } {
    let bucket = this.#buckets.get(subject);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at: now };
      this.#buckets.set(subject, bucket);
    }
    const refills = Math.floor((now - bucket.at) / this.refillMs);
    if (refills > 0) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + refills);
      bucket.at = bucket.tokens === this.burst ? now : bucket.at + refills * this.refillMs;
    }
    return bucket;
  }
}

/** The relay's policy: who may be granted through it, how often per subject, and where its gas is counted. */
export interface RelayPolicy {
  /** The consortium's members: a consent's grantee must be an active one. */
  readonly classification: NodeClassification;
  /** The per-subject rate; default a {@link ConsentRateLimit} of its own (3 at once, then 6 a day). */
  readonly rate?: ConsentRateLimit;
  /** Told the gas each relayed transaction used and what it cost, in wei. */
  readonly onGas?: (gasUsed: bigint, costWei: bigint) => void;
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
 * Checks a parsed consent against the chain and the relay's policy, and submits it from `permissions`' signer (the
 * bureau's account), through `sender` (the service passes the account's one {@link TransactionSender}, which the
 * evaluator sends through too, so that their transactions take their nonces in turn; without one, sent directly).
 * @throws {ConsentRelayError} 422 when the signature is not the subject's, the deadline passed or the contract
 *   would refuse the terms (with its error); 409 when the nonce is not the subject's current one; 403 when the
 *   grantee is not an active member with a pending request to the subject; 429 when the subject's rate is used up
 */
export async function relayConsent(
  permissions: PermissionSetting,
  submission: ConsentSubmission,
  policy: RelayPolicy,
  sender?: Pick<TransactionSender, "send">,
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
  if (!(await policy.classification.isActive(consent.grantee))) {
    throw new ConsentRelayError(
      403,
      `expected the grantee to be an active member of the consortium, got ${consent.grantee}: the bureau relays ` +
        "only consents that answer a member's request",
    );
  }
  const request = await permissions.requestOf(consent.subject, consent.grantee);
  if (request.levels === 0n) {
    throw new ConsentRelayError(
      403,
      `expected a pending request from ${consent.grantee} to ${consent.subject}, got none: the bureau relays only ` +
        "consents that answer a request (the grantee asks with requestPermission); submit this one from the " +
        "subject's own account instead",
    );
  }
  try {
    await permissions.setPermissionWithConsent.staticCall(consent, signature);
  } catch (e) {
    throw new ConsentRelayError(422, `the permission contract refuses this consent: ${revertText(permissions, e)}`);
  }
  const rate = policy.rate ?? defaultRate;
  rate.take(consent.subject);
  let tx;
  try {
    const transaction = () => permissions.setPermissionWithConsent(consent, signature);
    tx = await (sender === undefined ? transaction() : sender.send(transaction));
  } catch (e) {
    rate.refund(consent.subject);
    throw e;
  }
  const receipt = (await tx.wait()) as ContractTransactionReceipt;
  policy.onGas?.(receipt.gasUsed, receipt.gasUsed * (receipt.gasPrice ?? 0n));
  return {
    txHash: tx.hash,
    blockNumber: receipt.blockNumber,
    grantId: await permissions.grantId(consent.subject, consent.grantee),
    subject: consent.subject,
    grantee: consent.grantee,
  };
}

/** The rate of a policy that names none: one per process. */
const defaultRate = new ConsentRateLimit();

/** A revert as `ErrorName(arg, …)` when the contract's interface knows it, else the error's message. */
function revertText(permissions: PermissionSetting, e: unknown): string {
  const data = (e as { data?: string }).data;
  if (typeof data === "string") {
    const parsed = permissions.interface.parseError(data);
    if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
  }
  return (e as Error).message;
}
