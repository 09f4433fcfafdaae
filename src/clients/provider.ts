/**
 * An information provider writes a subject's credit data: it commits the record's hash on-chain under its write
 * grant (the subject's ownership record keeps it), then hands the record itself to the bureau, which accepts only
 * bytes whose hash this provider committed.
 * @module
 */
import type { Signer } from "ethers";
import type { OwnershipJudgment } from "../../typechain-types";
import { CREDIT_RECORD_CATEGORY, encodeRecord, newRecord, recordHash } from "../bureau/records";

/** What the bureau stored. */
export interface SubmittedRecord {
  readonly subject: string;
  readonly hash: string;
  readonly version: number;
}

/**
 * Validates the fields against the schema, commits the record's hash (consuming one use of the provider's write
 * grant) and submits the record to the bureau at `bureauUrl`.
 * @param ownership the ownership contract, connected to the provider's signer
 * @throws `RecordError` for fields the schema refuses (before any transaction); the contract's error when the
 *   provider holds no live write grant; an Error with the bureau's reason when it refuses the record
 */
export async function submitCreditRecord(
  ownership: OwnershipJudgment,
  bureauUrl: string,
  subject: string,
  fields: ReadonlyMap<string, bigint>,
): Promise<SubmittedRecord> {
  const provider = await (ownership.runner as Signer).getAddress();
  const bytes = encodeRecord(newRecord({ subject, provider, fields }));
  const hash = recordHash(bytes);
  await (await ownership.commitData(subject, CREDIT_RECORD_CATEGORY, hash)).wait();
  const url = `${bureauUrl.replace(/\/+$/, "")}/v1/records`;
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: bytes });
  } catch (err) {
    throw new Error(
      `cannot reach the bureau at ${bureauUrl}: ${(err as Error).message}; its hash is committed on-chain but the record was not delivered`,
    );
  }
  const reply = (await response.json()) as { error?: string; subject: string; hash: string; version: number };
  if (!response.ok) throw new Error(`the bureau refused the record (${response.status}): ${reply.error}`);
  return { subject: reply.subject, hash: reply.hash, version: reply.version };
}
