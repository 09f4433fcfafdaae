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
import { bureauAddressAt, requestBureau } from "./bureauRequest";
import { CREDIT_RECORD_CATEGORY, encodeRecord, newRecord, recordHash } from "../protocol/records";
import { DEFAULT_SCHEMA, type CreditSchema } from "../protocol/schema";
import { signRequest } from "../protocol/signedRequest";

export { BureauRefused, BureauUnavailable } from "./httpBoard";

/** What the bureau stored. */
export interface StoredRecordReceipt {
  readonly subject: string;
  readonly hash: string;
  readonly version: number;
}

/**
 * Validates the fields against the schema, delivers the record to the bureau at `bureauUrl` (signed as the provider),
 * then commits its hash (consuming one use of the provider's write grant).
 * @param ownership the ownership contract, connected to the provider's signer
 * @param schema the consortium's credit schema the fields follow (default: the default schema)
 * @throws `RecordError` for fields the schema refuses (before anything is sent); the contract's error when the
 *   provider holds no live write grant (tried before the delivery); {@link BureauUnavailable} or
 *   {@link BureauRefused} from the delivery (nothing is committed then: submit again later)
 */
export async function submitCreditRecord(
  ownership: OwnershipJudgment,
  bureauUrl: string,
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
  const receipt = await deliverCreditRecord(bureauUrl, bytes, signer);
  await (await ownership.commitData(subject, CREDIT_RECORD_CATEGORY, hash)).wait();
  return receipt;
}

/**
 * Posts a record to the bureau (`POST /v1/records`): signed by `signer` (the record's provider) before its hash is
 * committed, or unsigned once it is (a delivery made again).
 * @throws {BureauUnavailable} when the bureau cannot be reached or fails; {@link BureauRefused} when it refuses
 */
export async function deliverCreditRecord(
  bureauUrl: string,
  bytes: Uint8Array,
  signer?: Signer,
): Promise<StoredRecordReceipt> {
  const path = "/v1/records";
  let sign: (() => Promise<Record<string, string>>) | undefined;
  if (signer !== undefined) {
    // A signature names the chain and the bureau it is for: the bureau's address as the service states it.
    const [{ chainId }, bureau] = await Promise.all([signer.provider!.getNetwork(), bureauAddressAt(bureauUrl)]);
    sign = () => signRequest(signer, { method: "POST", path, body: bytes, chainId, bureau });
  }
  const response = await requestBureau(
    bureauUrl,
    path,
    { method: "POST", headers: { "content-type": "application/json" }, body: bytes },
    sign,
  );
  return (await response.json()) as StoredRecordReceipt;
}
