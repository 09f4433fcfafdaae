/**
 * An information provider writes a subject's credit data: it delivers the record to the bureau, on a request it signs,
 * and once the bureau holds it, commits the record's hash on-chain under its write grant (the subject's ownership
 * record keeps it). In that order a hash never reaches the chain without its record at the bureau: a bureau that
 * cannot store the record (its database down) refuses the delivery, nothing is committed, and the subject's checks
 * go on with the record the chain held before (`bureau/ingest`).
 * @module
 */
import type { Signer } from "ethers";
import type { OwnershipJudgment } from "../../typechain-types";
import { requestBureau, signedAs, type BureauParty } from "./bureauRequest";
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
 * Validates the fields against the schema, delivers the record to the bureau at `bureauUrl` (signed as the provider,
 * for the bureau `bureau`), then commits its hash (consuming one use of the provider's write grant).
 * @param ownership the ownership contract, connected to the provider's signer
 * @param bureau the bureau's account address, which the delivery's signature is bound to
 * @param schema the consortium's credit schema the fields follow (default: the default schema)
 * @throws `RecordError` for fields the schema refuses (before anything is sent); the contract's error when the
 *   provider holds no live write grant (tried before the delivery); {@link BureauUnavailable} or
 *   {@link BureauRefused} from the delivery (nothing is committed then: submit again later)
 */
export async function submitCreditRecord(
  ownership: OwnershipJudgment,
  bureauUrl: string,
  bureau: string,
  subject: string,
  fields: ReadonlyMap<string, bigint>,
  schema: CreditSchema = DEFAULT_SCHEMA,
): Promise<StoredRecordReceipt> {
  const signer = ownership.runner as Signer;
  const provider = await signer.getAddress();
  const bytes = encodeRecord(newRecord({ subject, provider, fields }, schema), schema);
  const hash = recordHash(bytes);
  // The contract's refusal (no live write grant…) before the bureau is asked to hold anything.
  await ownership.commitData.staticCall(subject, CREDIT_RECORD_CATEGORY, hash);
  const receipt = await deliverCreditRecord(bureauUrl, bytes, { signer, bureau });
  await (await ownership.commitData(subject, CREDIT_RECORD_CATEGORY, hash)).wait();
  return receipt;
}

/**
 * Posts a record to the bureau (`POST /v1/records`): signed by `provider.signer` (the record's provider) for the
 * bureau `provider.bureau` before its hash is committed, or unsigned once it is (a delivery made again).
 * @throws {BureauUnavailable} when the bureau cannot be reached or fails; {@link BureauRefused} when it refuses;
 *   Error when `provider.bureau` is not an address
 */
export async function deliverCreditRecord(
  bureauUrl: string,
  bytes: Uint8Array,
  provider?: BureauParty,
): Promise<StoredRecordReceipt> {
  const path = "/v1/records";
  const response = await requestBureau(
    bureauUrl,
    path,
    { method: "POST", headers: { "content-type": "application/json" }, body: bytes },
    provider && signedAs(provider, { method: "POST", path, body: bytes }),
  );
  return (await response.json()) as StoredRecordReceipt;
}
