/**
 * An information provider writes a subject's credit data: it commits the record's hash on-chain under its write
 * grant (the subject's ownership record keeps it), then delivers the record itself to the bureau, which accepts only
 * bytes whose hash this provider committed.
 * @module
 */
import type { Signer } from "ethers";
import type { OwnershipJudgment } from "../../typechain-types";
import { requestBureau } from "./httpBoard";
import { CREDIT_RECORD_CATEGORY, encodeRecord, newRecord, recordHash } from "../protocol/records";
import { DEFAULT_SCHEMA, type CreditSchema } from "../protocol/schema";

export { BureauRefused, BureauUnavailable } from "./httpBoard";

/** What the bureau stored. */
export interface StoredRecordReceipt {
  readonly subject: string;
  readonly hash: string;
  readonly version: number;
}

/**
 * Validates the fields against the schema, commits the record's hash (consuming one use of the provider's write
 * grant) and delivers the record to the bureau at `bureauUrl`.
 * @param ownership the ownership contract, connected to the provider's signer
 * @param schema the consortium's credit schema the fields follow (default: the default schema)
 * @throws `RecordError` for fields the schema refuses (before any transaction); the contract's error when the
 *   provider holds no live write grant; {@link BureauUnavailable} or {@link BureauRefused} from the delivery
 */
export async function submitCreditRecord(
  ownership: OwnershipJudgment,
  bureauUrl: string,
  subject: string,
  fields: ReadonlyMap<string, bigint>,
  schema: CreditSchema = DEFAULT_SCHEMA,
): Promise<StoredRecordReceipt> {
  const provider = await (ownership.runner as Signer).getAddress();
  const bytes = encodeRecord(newRecord({ subject, provider, fields }, schema), schema);
  await (await ownership.commitData(subject, CREDIT_RECORD_CATEGORY, recordHash(bytes))).wait();
  return deliverCreditRecord(bureauUrl, bytes);
}

/**
 * Posts a record whose hash is committed to the bureau (`POST /v1/records`).
 * @throws {BureauUnavailable} when the bureau cannot be reached or fails; {@link BureauRefused} when it refuses
 */
export async function deliverCreditRecord(bureauUrl: string, bytes: Uint8Array): Promise<StoredRecordReceipt> {
  const response = await requestBureau(bureauUrl, "/v1/records", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: bytes,
  });
  return (await response.json()) as StoredRecordReceipt;
}
