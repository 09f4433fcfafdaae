/**
 * An information provider writes a subject's credit data: it commits the record's hash on-chain under its write
 * grant (the subject's ownership record keeps it), then delivers the record itself to the bureau, which accepts only
 * bytes whose hash this provider committed.
 * @module
 */
import type { Signer } from "ethers";
import type { OwnershipJudgment } from "../../typechain-types";
import { CREDIT_RECORD_CATEGORY, encodeRecord, newRecord, recordHash } from "../bureau/records";

/** What the bureau stored. */
export interface StoredRecordReceipt {
  readonly subject: string;
  readonly hash: string;
  readonly version: number;
}

/** The bureau could not be reached, or failed (5xx): the record may be delivered again. */
export class BureauUnavailable extends Error {}

/** The bureau refused the record (4xx): sending it again will not help. */
export class BureauRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Validates the fields against the schema, commits the record's hash (consuming one use of the provider's write
 * grant) and delivers the record to the bureau at `bureauUrl`.
 * @param ownership the ownership contract, connected to the provider's signer
 * @throws `RecordError` for fields the schema refuses (before any transaction); the contract's error when the
 *   provider holds no live write grant; {@link BureauUnavailable} or {@link BureauRefused} from the delivery
 */
export async function submitCreditRecord(
  ownership: OwnershipJudgment,
  bureauUrl: string,
  subject: string,
  fields: ReadonlyMap<string, bigint>,
): Promise<StoredRecordReceipt> {
  const provider = await (ownership.runner as Signer).getAddress();
  const bytes = encodeRecord(newRecord({ subject, provider, fields }));
  await (await ownership.commitData(subject, CREDIT_RECORD_CATEGORY, recordHash(bytes))).wait();
  return deliverCreditRecord(bureauUrl, bytes);
}

/**
 * Posts a record whose hash is committed to the bureau (`POST /v1/records`).
 * @throws {BureauUnavailable} when the bureau cannot be reached or fails; {@link BureauRefused} when it refuses
 */
export async function deliverCreditRecord(bureauUrl: string, bytes: Uint8Array): Promise<StoredRecordReceipt> {
  const base = bureauUrl.replace(/\/+$/, "");
  let response: Response;
  try {
    response = await fetch(`${base}/v1/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: bytes,
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new BureauUnavailable(`cannot reach the bureau at ${base} (${cause?.code ?? (err as Error).message})`);
  }
  const text = await response.text();
  let body: Partial<StoredRecordReceipt> & { error?: string } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // reported below with the status
  }
  const reason = body.error ?? text;
  if (response.status >= 400 && response.status < 500)
    throw new BureauRefused(response.status, `the bureau refused the record (HTTP ${response.status}): ${reason}`);
  if (!response.ok) throw new BureauUnavailable(`the bureau failed (HTTP ${response.status}): ${reason}`);
  return body as StoredRecordReceipt;
}
