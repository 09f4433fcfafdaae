/**
 * Provider ingestion: which records the bureau takes (`POST /v1/records`), before or after their hash is committed.
 *
 * The order that loses nothing is: the bureau stores the record, then the provider commits its hash (the provider
 * client does so, `clients/provider`). A hash committed first, while the bureau could not store the record (its
 * database down), would sit on-chain with no record behind it: every check of the subject until the record came
 * would be refused for lack of data, each costing the subject a grant use. So a record is taken:
 * - before its commitment, on a request signed by the record's provider, an active information provider holding a
 *   live write grant of the subject now (the grant the commitment will use); or
 * - after it, unsigned, when the provider's `DataCommitted` log holds the record's hash (a delivery made again).
 * A record taken before its commitment is only a stored version: checks use the record whose hash the chain holds.
 * @module
 */
import { NodeType } from "../contractEnums";
import { Level } from "../permissions";
import { CREDIT_RECORD_CATEGORY, decodeRecord, recordHash, type CreditRecord } from "../protocol/records";
import type { CreditSchema } from "../protocol/schema";
import type { Suite } from "../suite";

/** Why a record was not taken: the HTTP status and the API's refusal reason it maps to. */
export class RecordAdmissionError extends Error {
  constructor(
    readonly status: 403,
    readonly reason: "inactive-provider" | "uncommitted",
    message: string,
  ) {
    super(message);
    this.name = "RecordAdmissionError";
  }
}

/**
 * Reads a provider's record and decides whether the bureau takes it.
 * @param signer who signed the request (its signature and body hash already verified by the API), if anyone did
 * @returns the record and its hash, to store
 * @throws `RecordError` for bytes that are not a canonical record of the schema; {@link RecordAdmissionError} for a provider that is not active, or a record neither signed by its
 *   provider holding a write grant of the subject nor committed by it
 */
export async function admitRecord(
  suite: Suite,
  signer: string | undefined,
  bytes: Uint8Array,
  schema: CreditSchema,
): Promise<{ readonly record: CreditRecord; readonly hash: string }> {
  const record = decodeRecord(bytes, schema);
  const hash = recordHash(bytes);
  if (!(await suite.classification.isActiveAs(record.provider, NodeType.InformationProvider))) {
    throw new RecordAdmissionError(
      403,
      "inactive-provider",
      `${record.provider} is not an active information provider of this consortium now`,
    );
  }
  if (signer !== undefined && signer.toLowerCase() === record.provider.toLowerCase()) {
    if (await suite.permissions.hasPermission(record.subject, record.provider, Level.Write)) return { record, hash };
    throw new RecordAdmissionError(
      403,
      "uncommitted",
      `provider ${record.provider} holds no live write grant of subject ${record.subject}: it cannot commit the ` +
        "record, so the bureau does not take it",
    );
  }
  if (await committedOnChain(suite, record.subject, record.provider, hash)) return { record, hash };
  throw new RecordAdmissionError(
    403,
    "uncommitted",
    `no DataCommitted log for subject ${record.subject} by provider ${record.provider} with hash ${hash}, and the ` +
      "request is not signed by that provider: sign the request as the provider (the bureau stores the record " +
      "before its hash is committed), or commit the hash with OwnershipJudgment.commitData first",
  );
}

/** Whether `provider` committed `hash` for `subject` (commitData only logs under a live write grant). */
async function committedOnChain(suite: Suite, subject: string, provider: string, hash: string): Promise<boolean> {
  const { ownership } = suite;
  const logs = await ownership.queryFilter(
    ownership.filters.DataCommitted(subject, CREDIT_RECORD_CATEGORY, undefined, provider),
  );
  return logs.some((log) => log.args.dataHash.toLowerCase() === hash);
}
