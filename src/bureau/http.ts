/**
 * The bureau's HTTP API (loopback by default; behind a reverse proxy with TLS when others reach it):
 *
 * | Method and path | What |
 * |---|---|
 * | `GET /health` | `{ status, problems, bureau, chainId, block, lagBlocks, activeChecks }`; 503 naming each problem |
 * | `GET /metrics` | Prometheus text (see `./metrics`), labelled by route template |
 * | `GET /v1/parameters` | the bureau's ring-Pedersen parameters document with its Π^prm (JSON, public, unsigned) |
 * | `POST /v1/messages` | a bank's protocol message (octet-stream) → 201 `{ hash }`, when admitted (below) |
 * | `GET /v1/messages/<keccak256>` | the message's bytes, to a party of its check only (signed request) |
 * | `POST /v1/records` | a provider's canonical credit record → 201 `{ subject, hash, version }` |
 * | `POST /v1/consents` | a subject's signed consent, submitted from the bureau's account → 201 `{ txHash, … }` |
 * | `GET /v1/subjects/<address>/record` | the subject's current record `{ subject, hash, fields }`, to that subject only (signed request, each signature once) |
 * | `POST /v1/comparison-keys` | an active bank's signed request → 201 `{ publicKey, fingerprint, expiresAt }`: a fresh |
 * |  | comparison key reserved to that bank for one check of its own (`./comparisonKeys`); 429 past its reservations |
 *
 * Admission of a message: it must be bound to this deployment (chain id and contract) and be one of the bank's
 * stages (`form`, `response`; the bureau's own messages go to its store directly). It is taken when its keccak256 is
 * the one the chain holds for that stage of its check (the form's `formHash`, the `CheckResponded` log), or when the
 * request is signed (`protocol/signedRequest`) by the party whose turn it is: for a form of a check not opened yet,
 * the active bank whose `nextCheckId` is the check; for a response, the check's bank while it is `Challenged`.
 * A read is served to the check's bank or bureau only, on a signed request. A subject's record is served to that
 * subject only, on a signed request whose signature has not been served before (a replay gets 409).
 *
 * Statuses: 400 malformed, 401 unsigned or badly signed where a signature is needed, 403 signed by another party or
 * uncommitted, 404 unknown, 408 too slow, 409 not that stage's turn (the chain holds another hash), 413 too large,
 * 429 too many uploads at once, 503 too many requests at once or the chain unreachable. Errors are JSON
 * `{ "error": "…" }`; nothing refused is stored.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { getAddress, ZeroHash } from "ethers";
import { CheckState, NodeType } from "../contractEnums";
import { listen, type Listening } from "../listen";
import { loggedHash, stateOf } from "../protocol/chain";
import { MAX_MESSAGE_BYTES, messageHash, peekMessageHeader, type MessageHeader } from "../protocol/messages";
import { CREDIT_RECORD_CATEGORY, MAX_RECORD_BYTES, RecordError, decodeRecord, recordHash } from "../protocol/records";
import { SIGNED_HEADERS, SignedRequestError, verifySignedRequest } from "../protocol/signedRequest";
import type { Suite } from "../suite";
import { ConsentRelayError, MAX_CONSENT_BYTES, parseConsentSubmission, relayConsent } from "./consentRelay";
import type { ComparisonKeyPool } from "./comparisonKeys";
import type { Evaluator } from "./evaluator";
import { BureauMetrics, methodLabel, routeOf, SUBJECT_RECORD, type ApiRefusal } from "./metrics";
import { DEFAULT_SCHEMA, fieldNamed, formatFieldValue, type CreditSchema } from "../protocol/schema";
import { SealingError } from "./sealing";
import { StoreError, type BureauStore } from "./store";

/** An error with the HTTP status it maps to and the refusal reason it counts under. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: ApiRefusal,
    message: string,
  ) {
    super(message);
  }
}

const HASH = /^0x[0-9a-f]{64}$/;

/** The API's bounds; every one has a default fit for a bureau serving a few banks. */
export interface ApiLimits {
  /** Requests handled at once; beyond it, 503 at once. Default 64. */
  readonly maxConcurrent?: number;
  /** Message uploads (`POST /v1/messages`) read at once; beyond it, 429. Default 8. */
  readonly maxUploads?: number;
  /** The longest a whole request (headers and body) may take to arrive, in ms; then 408. Default 120 000. */
  readonly requestTimeoutMs?: number;
  /** The longest the headers may take, in ms. Default 10 000. */
  readonly headersTimeoutMs?: number;
  /** The largest message body, in bytes. Default (and at most) `MAX_MESSAGE_BYTES`. */
  readonly maxMessageBytes?: number;
  /** How far behind the chain's latest block the evaluator may read before `/health` says so. Default 64. */
  readonly maxLagBlocks?: number;
}

/** A structured logger (pino's `Logger` fits). */
export interface ApiLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type BureauApi = Listening;

/** Starts the API on `host:port` (port 0: any free port). */
export async function startBureauApi(options: {
  readonly host: string;
  readonly port: number;
  readonly store: BureauStore;
  readonly suite: Suite;
  readonly bureau: string;
  readonly evaluator: Evaluator;
  readonly metrics?: BureauMetrics;
  readonly limits?: ApiLimits;
  readonly logger?: ApiLogger;
  /** The credit schema records are read against (default: the default schema). */
  readonly schema?: CreditSchema;
  /** The bureau's ring-Pedersen parameters document (`protocol/parameters`), served at `GET /v1/parameters`. */
  readonly parameters?: () => Promise<Uint8Array>;
  /** Where banks reserve comparison keys (`POST /v1/comparison-keys`); without it, that route answers 404. */
  readonly comparisonKeys?: Pick<ComparisonKeyPool, "reserve">;
}): Promise<BureauApi> {
  const { store, suite, bureau, evaluator } = options;
  const metrics = options.metrics ?? new BureauMetrics();
  const limits = {
    maxConcurrent: options.limits?.maxConcurrent ?? 64,
    maxUploads: options.limits?.maxUploads ?? 8,
    requestTimeoutMs: options.limits?.requestTimeoutMs ?? 120_000,
    headersTimeoutMs: options.limits?.headersTimeoutMs ?? 10_000,
    maxMessageBytes: Math.min(options.limits?.maxMessageBytes ?? MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES),
    maxLagBlocks: options.limits?.maxLagBlocks ?? 64,
  };
  const deployment = (async () => {
    const network = await suite.matching.runner!.provider!.getNetwork();
    return { chainId: network.chainId.toString(), contract: (await suite.matching.getAddress()).toLowerCase() };
  })();
  deployment.catch(() => undefined);
  const timed = <T>(op: string, fn: () => Promise<T>) => metrics.timeStore(op, fn);
  let consents: Promise<unknown> = Promise.resolve();
  let inFlight = 0;
  let uploads = 0;

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === "GET" && path === "/health") return health(res);
    if (req.method === "GET" && path === "/metrics") {
      await suite.matching
        .runner!.provider!.getBlockNumber()
        .then((latest) => lagOf(latest) !== undefined && metrics.chainLag.set(lagOf(latest)!))
        .catch(() => undefined); // an unreachable chain shows in /health
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    if (req.method === "GET" && path === "/v1/parameters" && options.parameters !== undefined) {
      const bytes = await options.parameters();
      res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
      res.end(bytes);
      return;
    }
    if (req.method === "POST" && path === "/v1/messages") {
      if (uploads >= limits.maxUploads)
        throw new HttpError(429, "uploads-busy", `expected at most ${limits.maxUploads} uploads at once: try later`);
      uploads++;
      let bytes: Uint8Array;
      try {
        bytes = await body(req, limits.maxMessageBytes);
      } finally {
        uploads--;
      }
      const hash = messageHash(bytes);
      await admitMessage(req, path, bytes, hash);
      await timed("putMessage", () => store.putMessage(hash, bytes));
      return json(res, 201, { hash });
    }
    if (req.method === "GET" && path.startsWith("/v1/messages/")) {
      const hash = path.slice("/v1/messages/".length).toLowerCase();
      if (!HASH.test(hash))
        throw new HttpError(400, "malformed", `expected a keccak256 as 0x and 64 hex digits, got "${hash}"`);
      const reader = signer(req, path);
      if (reader === undefined)
        throw new HttpError(401, "unsigned", "a message is served to its check's parties only: sign the request");
      const bytes = await timed("getMessage", () => store.getMessage(hash));
      if (bytes === undefined) throw new HttpError(404, "not-found", `no message with keccak256 ${hash}`);
      const { checkId } = messageHeader(bytes);
      const check = await suite.matching.checkOf(checkId);
      if (![check.bank, check.bureau].includes(reader))
        throw new HttpError(403, "not-party", `${reader} is not a party of check ${checkId}`);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
      res.end(bytes);
      return;
    }
    if (req.method === "POST" && path === "/v1/records") {
      const bytes = await body(req, MAX_RECORD_BYTES);
      const record = decodeRecord(bytes, options.schema ?? DEFAULT_SCHEMA);
      const hash = recordHash(bytes);
      if (!(await suite.classification.isActiveAs(record.provider, NodeType.InformationProvider))) {
        throw new HttpError(
          403,
          "inactive-provider",
          `${record.provider} is not an active information provider of this consortium now`,
        );
      }
      if (!(await committedOnChain(suite, record.subject, record.provider, hash))) {
        throw new HttpError(
          403,
          "uncommitted",
          `no DataCommitted log for subject ${record.subject} by provider ${record.provider} with hash ${hash}: ` +
            "the provider must commit the record's hash with OwnershipJudgment.commitData, under a live write " +
            "grant, before submitting it",
        );
      }
      const { version, created } = await timed("putRecord", () =>
        store.putRecord(bytes, hash, record.subject, record.provider),
      );
      return json(res, created ? 201 : 200, { subject: record.subject, hash, version });
    }
    const own = req.method === "GET" ? SUBJECT_RECORD.exec(path) : null;
    if (own) return subjectRecord(req, res, path, getAddress(own[1]));
    if (req.method === "POST" && path === "/v1/consents") {
      // Relayed one at a time: they all send from the bureau's account.
      const submission = parseConsentSubmission(await body(req, MAX_CONSENT_BYTES));
      const relayed = (consents = consents
        .catch(() => undefined)
        // Sent in turn with the evaluator's transactions: the same account, so one nonce sequence.
        .then(() => relayConsent(suite.permissions, submission, (tx) => evaluator.client.send(tx))));
      return json(res, 201, await relayed);
    }
    if (req.method === "POST" && path === "/v1/comparison-keys" && options.comparisonKeys !== undefined) {
      const bank = signer(req, path);
      if (bank === undefined)
        throw new HttpError(401, "unsigned", "a comparison key is reserved to a bank: sign the request as the bank");
      if (!(await suite.classification.isActiveAs(bank, NodeType.CreditAccessUser)))
        throw new HttpError(403, "wrong-party", `${bank} is not an active credit access user of this consortium`);
      let reservation;
      try {
        reservation = await options.comparisonKeys.reserve(bank);
      } catch (e) {
        throw new HttpError(429, "reservations-full", (e as Error).message);
      }
      const { publicKey, expiresAt } = reservation;
      return json(res, 201, { publicKey: publicKey.toJSON(), fingerprint: publicKey.fingerprint, expiresAt });
    }
    throw new HttpError(404, "no-route", `no route ${req.method} ${path.slice(0, 200)}`);
  }

  /** Signatures of subject-record reads already served, with their expiry (Unix seconds): each serves once. */
  const servedReads = new Map<string, number>();

  /**
   * The subject's right of access: its current record (the version whose hash the chain holds now), to the subject
   * only, on a request it signed; a signature serves once, so a copied request reads nothing.
   */
  async function subjectRecord(req: IncomingMessage, res: ServerResponse, path: string, subject: string) {
    const reader = signer(req, path);
    if (reader === undefined)
      throw new HttpError(401, "unsigned", "a record is served to its subject only: sign the request as the subject");
    if (reader !== subject)
      throw new HttpError(403, "not-subject", `${reader} is not ${subject}: a record is served to its subject only`);
    const now = Date.now() / 1000;
    for (const [seen, expiry] of servedReads) if (expiry < now) servedReads.delete(seen);
    const signature = String(req.headers[SIGNED_HEADERS.signature]).toLowerCase();
    if (servedReads.has(signature))
      throw new HttpError(409, "replayed", "this signed request was served already: sign a new one");
    servedReads.set(signature, Number(req.headers[SIGNED_HEADERS.expiry]));
    const hash = (await suite.ownership.dataHashOf(subject, CREDIT_RECORD_CATEGORY)).toLowerCase();
    if (hash === ZeroHash)
      throw new HttpError(404, "not-found", `no credit record of ${subject} is committed on-chain: nothing to read`);
    let values: Map<string, bigint>;
    try {
      values = await timed("valuesOf", () => store.valuesOf(subject, hash));
    } catch (e) {
      if (e instanceof StoreError && e.code === "no-record")
        throw new HttpError(
          404,
          "not-found",
          `the bureau does not hold the record committed on-chain for ${subject} (hash ${hash}): ` +
            "the information provider must submit it (blindcredit provider submit)",
        );
      throw e;
    }
    const schema = options.schema ?? DEFAULT_SCHEMA;
    const fields = Object.fromEntries(
      [...values].map(([name, value]) => [name, formatFieldValue(fieldNamed(name, schema), value)]),
    );
    return json(res, 200, { subject, hash, fields });
  }

  /** The account that signed the request, if it is signed. */
  function signer(req: IncomingMessage, path: string, bytes?: Uint8Array): string | undefined {
    try {
      return verifySignedRequest(req.headers, req.method ?? "", path, bytes);
    } catch (e) {
      if (e instanceof SignedRequestError) throw new HttpError(401, "bad-signature", e.message);
      throw e;
    }
  }

  /**
   * Admits a message: committed on-chain for its stage of its check, or signed by the party whose turn it is.
   * @throws {HttpError} otherwise, saying which rule it broke
   */
  async function admitMessage(req: IncomingMessage, path: string, bytes: Uint8Array, hash: string): Promise<void> {
    const header = messageHeader(bytes);
    const ours = await deployment;
    if (header.chainId !== ours.chainId || header.contract !== ours.contract) {
      throw new HttpError(
        400,
        "malformed",
        `message bound to chain ${header.chainId} and contract ${header.contract}, expected ${ours.chainId} and ` +
          ours.contract,
      );
    }
    if (header.stage !== "form" && header.stage !== "response") {
      throw new HttpError(403, "wrong-party", `a ${header.stage} message is the bureau's own: it is not taken here`);
    }
    const { matching, classification } = suite;
    const { checkId } = header;
    const state = await stateOf(matching, checkId);
    const from = signer(req, path, bytes);
    if (header.stage === "form") {
      if (state !== CheckState.None) {
        if ((await matching.checkOf(checkId)).formHash.toLowerCase() === hash) return;
        throw new HttpError(409, "wrong-turn", `check ${checkId} is open with another form: ${hash} is not its form`);
      }
      if (from === undefined) {
        throw new HttpError(
          403,
          "uncommitted",
          `check ${checkId} is not open and the form is unsigned: sign it as the bank opening the check`,
        );
      }
      const turn = (await matching.nextCheckId(from)).toLowerCase() === checkId;
      if (!turn || !(await classification.isActiveAs(from, NodeType.CreditAccessUser))) {
        throw new HttpError(403, "wrong-party", `${from} is not the active bank that opens check ${checkId} next`);
      }
      return;
    }
    if (state === CheckState.Responded) {
      if ((await loggedHash(matching, "CheckResponded", checkId)).toLowerCase() === hash) return;
      throw new HttpError(409, "wrong-turn", `check ${checkId} committed another response: ${hash} is not it`);
    }
    if (state !== CheckState.Challenged) {
      throw new HttpError(409, "wrong-turn", `check ${checkId} is ${CheckState[state]}: no response is due`);
    }
    if (from === undefined)
      throw new HttpError(403, "uncommitted", `response for check ${checkId} is neither committed nor signed`);
    const { bank } = await matching.checkOf(checkId);
    if (from !== bank) throw new HttpError(403, "wrong-party", `${from} is not check ${checkId}'s bank ${bank}`);
  }

  /** How many blocks the evaluator's log reading is behind `latest`; undefined before its first read. */
  function lagOf(latest: number): number | undefined {
    const read = evaluator.metrics.lastBlock;
    return read >= 0 ? Math.max(0, latest - read) : undefined;
  }

  async function health(res: ServerResponse): Promise<void> {
    const problems: string[] = [];
    let chainId: string | undefined;
    let block: number | undefined;
    try {
      const provider = suite.matching.runner!.provider!;
      const [network, latest] = await Promise.all([provider.getNetwork(), provider.getBlockNumber()]);
      chainId = network.chainId.toString();
      block = latest;
    } catch (err) {
      problems.push(`chain unreachable: ${(err as Error).message}`);
    }
    try {
      await timed("stats", () => store.stats());
    } catch (err) {
      problems.push(`store down: ${(err as Error).message}`);
    }
    const lagBlocks = block === undefined ? undefined : lagOf(block);
    if (lagBlocks !== undefined) metrics.chainLag.set(lagBlocks);
    if (lagBlocks !== undefined && lagBlocks > limits.maxLagBlocks)
      problems.push(`behind on logs: ${lagBlocks} blocks behind the chain (at most ${limits.maxLagBlocks})`);
    return json(res, problems.length === 0 ? 200 : 503, {
      status: problems.length === 0 ? "ok" : "unavailable",
      problems,
      ...(problems.length > 0 ? { error: problems.join("; ") } : {}),
      bureau,
      chainId,
      block,
      lagBlocks,
      activeChecks: evaluator.activeChecks,
    });
  }

  metrics.gauge("blindcredit_checks_seen", "Checks addressed to this bureau seen in the logs.", async () => {
    return evaluator.metrics.checksSeen;
  });
  metrics.gauge("blindcredit_steps", "Steps the evaluator took.", async () => evaluator.metrics.steps);
  metrics.gauge("blindcredit_checks_refused", "Checks refused on-chain.", async () => evaluator.metrics.refused);
  metrics.gauge("blindcredit_step_failures", "Steps that threw.", async () => evaluator.metrics.failures);
  metrics.gauge("blindcredit_checks_abandoned", "Checks given up.", async () => evaluator.metrics.abandoned);
  metrics.gauge("blindcredit_active_checks", "Checks in progress.", async () => evaluator.activeChecks);
  metrics.gauge("blindcredit_last_block", "The last block whose logs were read.", async () => {
    return evaluator.metrics.lastBlock;
  });
  metrics.gauge("blindcredit_store_subjects", "Subjects with a record.", async () => (await store.stats()).subjects);
  metrics.gauge("blindcredit_store_records", "Record versions.", async () => (await store.stats()).records);
  metrics.gauge("blindcredit_store_messages", "Messages on the board.", async () => (await store.stats()).messages);
  metrics.gauge("blindcredit_journal_checks", "Checks in the journal, by stage.", async () => {
    return { ...(await store.stats()).checksByStage };
  });

  const server = createServer({
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs),
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    const labels = { method: methodLabel(req.method), route: routeOf(path) };
    res.on("finish", () => metrics.httpRequests.inc({ ...labels, status: String(res.statusCode) }));
    const refuse = (err: HttpError) => {
      metrics.apiRefusals.inc({ reason: err.reason });
      options.logger?.warn({ ...labels, status: err.status, reason: err.reason }, err.message);
    };
    if (inFlight >= limits.maxConcurrent) {
      const busy = new HttpError(503, "busy", `expected at most ${limits.maxConcurrent} requests at once: try later`);
      refuse(busy);
      res.setHeader("retry-after", "1");
      res.setHeader("connection", "close");
      return json(res, busy.status, { error: busy.message });
    }
    inFlight++;
    res.on("close", () => inFlight--);
    route(req, res, path).catch((err: Error) => {
      // A record the schema refuses is the caller's fault; a store that fails its integrity checks
      // (SealingError) is the operator's, and so is anything unexpected.
      const status =
        err instanceof HttpError || err instanceof ConsentRelayError
          ? err.status
          : err instanceof RecordError || (err instanceof StoreError && err.code === "invalid-argument")
            ? 400
            : 500;
      if (err instanceof HttpError) refuse(err);
      else if (status === 400) refuse(new HttpError(400, "malformed", err.message));
      if (err instanceof SealingError)
        options.logger?.error({ ...labels, err: err.message }, "store integrity failure");
      else if (status === 500) options.logger?.error({ ...labels, err: err.message }, "request failed");
      if (!res.headersSent) {
        // A body refused before it was all read: close the connection rather than read the rest.
        if (status === 413) res.setHeader("connection", "close");
        json(res, status, { error: err.message });
      } else res.destroy();
    });
  });
  return listen(server, options.port, options.host);
}

/**
 * A message's stage and context, from its first bytes.
 * @throws {HttpError} 400 when they are not a protocol message's
 */
function messageHeader(bytes: Uint8Array): MessageHeader {
  const header = peekMessageHeader(bytes);
  if (header === undefined)
    throw new HttpError(400, "malformed", "expected a protocol message (its stage and context first), got other bytes");
  return header;
}

/** Whether `provider` committed `hash` for `subject` (commitData only logs under a live write grant). */
async function committedOnChain(suite: Suite, subject: string, provider: string, hash: string): Promise<boolean> {
  const { ownership } = suite;
  const logs = await ownership.queryFilter(
    ownership.filters.DataCommitted(subject, CREDIT_RECORD_CATEGORY, undefined, provider),
  );
  return logs.some((log) => log.args.dataHash.toLowerCase() === hash);
}

/** Reads a request body of at most `limit` bytes; a larger one is refused with 413 before it is all read. */
async function body(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > limit) throw new HttpError(413, "too-large", `expected at most ${limit} bytes, got ${declared}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "too-large", `expected at most ${limit} bytes, got more`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) throw new HttpError(400, "malformed", "expected a request body, got none");
  return new Uint8Array(Buffer.concat(chunks));
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
