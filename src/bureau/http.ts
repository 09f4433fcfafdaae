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
 * | `POST /v1/records` | a provider's canonical credit record, signed by it or committed → 201 `{ subject, hash, version }` (`./ingest`) |
 * | `POST /v1/consents` | a subject's signed consent, submitted from the bureau's account → 201 `{ txHash, … }` |
 * | `GET /v1/subjects/<address>/record` | the subject's current record `{ subject, hash, fields }`, to that subject only (signed request, each signature once) |
 * | `POST /v1/comparison-keys` | an active bank's signed request → 201 `{ publicKey, fingerprint, expiresAt }`: a fresh |
 * |  | comparison key reserved to that bank for one check of its own (`./comparisonKeys`); 429 past its reservations |
 * |  | 503 with `retry-after` when no key is ready and as many callers wait as the pool holds keys |
 *
 * Admission of a message: the request is signed (`protocol/signedRequest`: the signature, a nonce and the body's
 * keccak256 in headers, bound to this bureau and chain) by an active bank, checked from the headers alone before a
 * byte of the body is read; then the body must hash to what was signed, be bound to this deployment (chain id and
 * contract) and be one of the bank's stages (`form`, `response`; the bureau's own messages go to its store
 * directly). It is taken when its keccak256 is the one the chain holds for that stage of its check (the form's
 * `formHash`, the `CheckResponded` log), or when its signer is the party whose turn it is: for a form of a check not
 * opened yet, the bank whose `nextCheckId` is the check; for a response, the check's bank while it is `Challenged`
 * (whose turn, and which step a message's stage commits to, as `../checkLifecycle` reads the contract).
 * A read is served to the check's bank or bureau only, on a signed request. A signed request is served once: its
 * nonce is remembered until it expires, and a replay is refused (401).
 * A subject's record is served to that subject only (`GET /v1/subjects/<address>/record`, signed by it).
 *
 * Who can hold what: unsigned requests (records, consents) share {@link ApiLimits.maxConcurrent} slots; each signing
 * party has {@link ApiLimits.maxPerParty} of its own, so that nobody's traffic, slow or not, holds a bank's. A body
 * must declare its length, is refused (413) above its route's limit, reserves its length from its party's and the
 * process's bytes in flight ({@link ApiLimits.maxPartyBytes}, {@link ApiLimits.maxBytesInFlight}; 429 or 503 when
 * they are taken), and must arrive within {@link ApiLimits.bodyGraceMs} plus its length at
 * {@link ApiLimits.minBodyBytesPerSecond} (408 after). Consents wait in a queue of their own (at most
 * {@link ApiLimits.maxQueuedConsents}), one transaction at a time. `/health` and `/metrics` hold no slot: they share
 * one probe of the chain and the store, each call bounded by {@link ApiLimits.healthTimeoutMs}, and say what failed.
 *
 * Routes are a table by method and route template (`routeOf`, which labels the metrics too). Consents are submitted
 * through the bureau account's one transaction sender (`./transactionSender`), which the evaluator sends through too.
 *
 * Statuses: 400 malformed, 401 unsigned or badly signed where a signature is needed, or replayed, 403 signed by
 * another party or uncommitted, 404 unknown, 408 too slow, 409 not that stage's turn (the chain holds another
 * hash), 411 no length, 413 too large, 429 the party's own bound (requests, bytes, signatures, consents), 503 the
 * process's bound or the chain unreachable. Errors are JSON `{ "error": "…" }`; nothing refused is stored.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { getAddress, ZeroHash } from "ethers";
import { follows, stepCommitting } from "../checkLifecycle";
import { CheckState, NodeType } from "../contractEnums";
import { listen, type Listening } from "../listen";
import { redactText } from "../redact";
import { stateOf } from "../protocol/chain";
import { MAX_MESSAGE_BYTES, messageHash, peekMessageHeader, type MessageHeader } from "../protocol/messages";
import { CREDIT_RECORD_CATEGORY, MAX_RECORD_BYTES, RecordError } from "../protocol/records";
import {
  ReplayGuard,
  SIGNED_HEADERS,
  SignedRequestError,
  expectBody,
  verifySignedRequest,
  type SignedRequest,
} from "../protocol/signedRequest";
import type { Suite } from "../suite";
import {
  ConsentRateLimit,
  ConsentRelayError,
  MAX_CONSENT_BYTES,
  parseConsentSubmission,
  relayConsent,
} from "./consentRelay";
import { InOrder } from "./callQueue";
import { ComparisonKeyReservationsFull, ComparisonKeysBusy, type ComparisonKeyPool } from "./comparisonKeys";
import { admitRecord, RecordAdmissionError } from "./ingest";
import type { Evaluator } from "./evaluator";
import { BureauMetrics, methodLabel, routeOf, SUBJECT_RECORD, type ApiRefusal } from "./metrics";
import { DEFAULT_SCHEMA, fieldNamed, formatFieldValue, type CreditSchema } from "../protocol/schema";
import { SealingError } from "./sealing";
import { StoreError, type BureauStore, type StoreStats } from "./store";
import type { TransactionSender } from "./transactionSender";

/** An error with the HTTP status it maps to and the refusal reason it counts under. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: ApiRefusal,
    message: string,
    /** With a 429 or 503: when to ask again, in seconds (the `retry-after` header). */
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

const HASH = /^0x[0-9a-f]{64}$/;

/** The API's bounds; every one has a default fit for a bureau serving a few banks. */
export interface ApiLimits {
  /** Unsigned requests (records, consents, anything unsigned) handled at once; beyond it, 503. Default 32. */
  readonly maxConcurrent?: number;
  /** Requests one signing party may have in flight at once; beyond it, 429 to that party only. Default 8. */
  readonly maxPerParty?: number;
  /** Body bytes the process holds in flight (declared lengths of bodies being read); beyond, 503. Default 4 × 48 MiB. */
  readonly maxBytesInFlight?: number;
  /** Body bytes one signing party holds in flight; beyond, 429. Default the largest message. */
  readonly maxPartyBytes?: number;
  /** The slowest a body may arrive, in bytes a second (after {@link bodyGraceMs}); then 408. Default 256 KiB/s. */
  readonly minBodyBytesPerSecond?: number;
  /** Time every body gets on top of its length's, in ms. Default 10 000. */
  readonly bodyGraceMs?: number;
  /** The longest a whole request (headers and body) may take to arrive, in ms; then 408. Default 300 000. */
  readonly requestTimeoutMs?: number;
  /** The longest the headers may take, in ms. Default 10 000. */
  readonly headersTimeoutMs?: number;
  /** The largest message body, in bytes. Default (and at most) `MAX_MESSAGE_BYTES`. */
  readonly maxMessageBytes?: number;
  /** How far behind the chain's latest block the evaluator may read before `/health` says so. Default 64. */
  readonly maxLagBlocks?: number;
  /** The longest `/health` and `/metrics` wait for the chain and for the store, each, in ms. Default 800. */
  readonly healthTimeoutMs?: number;
  /** Consents waiting for the relay at once (one is sent at a time); beyond it, 429. Default 4. */
  readonly maxQueuedConsents?: number;
  /** The relay's per-subject rate; default 3 at once, then one every 4 hours. */
  readonly consentRate?: ConsentRateLimit;
  /** Live signed-request nonces one party may hold (the replay cache); beyond, 429. Default 10 000. */
  readonly maxNoncesPerParty?: number;
}

/** A structured logger (pino's `Logger` fits). */
export interface ApiLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type BureauApi = Listening;

/** What one probe of the chain and the store found: served by `/health` and `/metrics`. */
interface Probe {
  readonly problems: string[];
  readonly chainId?: string;
  readonly block?: number;
  readonly stats?: StoreStats;
}

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
  readonly comparisonKeys?: Pick<ComparisonKeyPool, "reserve"> & Partial<Pick<ComparisonKeyPool, "release">>;
  /**
   * The sender of the bureau account's transactions, which the relay submits consents through (the service's, which
   * its evaluator sends through too); default the evaluator's.
   */
  readonly sender?: TransactionSender;
}): Promise<BureauApi> {
  const { store, suite, bureau, evaluator } = options;
  const metrics = options.metrics ?? new BureauMetrics();
  const maxMessageBytes = Math.min(options.limits?.maxMessageBytes ?? MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES);
  const limits = {
    maxConcurrent: options.limits?.maxConcurrent ?? 32,
    maxPerParty: options.limits?.maxPerParty ?? 8,
    maxBytesInFlight: options.limits?.maxBytesInFlight ?? 4 * MAX_MESSAGE_BYTES,
    maxPartyBytes: options.limits?.maxPartyBytes ?? maxMessageBytes,
    minBodyBytesPerSecond: options.limits?.minBodyBytesPerSecond ?? 256 * 1024,
    bodyGraceMs: options.limits?.bodyGraceMs ?? 10_000,
    requestTimeoutMs: options.limits?.requestTimeoutMs ?? 300_000,
    headersTimeoutMs: options.limits?.headersTimeoutMs ?? 10_000,
    maxMessageBytes,
    maxLagBlocks: options.limits?.maxLagBlocks ?? 64,
    healthTimeoutMs: options.limits?.healthTimeoutMs ?? 800,
    maxQueuedConsents: options.limits?.maxQueuedConsents ?? 4,
  };
  const provider = suite.matching.runner!.provider!;
  /** The URL of the chain node, whose credentials no answer or log line may show. */
  const rpcUrl = (provider as { _getConnection?: () => { url: string } })._getConnection?.().url;
  /** This deployment's chain id and contract, asked once; asked again after a failure (the chain was down). */
  let deploymentAsked: Promise<{ chainId: bigint; contract: string }> | undefined;
  const deployment = () =>
    (deploymentAsked ??= (async () => {
      const network = await provider.getNetwork();
      return { chainId: network.chainId, contract: (await suite.matching.getAddress()).toLowerCase() };
    })().catch((e: unknown) => {
      deploymentAsked = undefined;
      throw e;
    }));
  const timed = <T>(op: string, fn: () => Promise<T>) => metrics.timeStore(op, fn);
  const replays = new ReplayGuard(options.limits?.maxNoncesPerParty);
  const consentRate = options.limits?.consentRate ?? new ConsentRateLimit();
  /** The bureau account's transactions go out one after another: the evaluator's and the relay's. */
  const sender = options.sender ?? evaluator.client.sender;
  /** Consents are relayed one at a time, each mined before the next. */
  const consents = new InOrder();
  let queuedConsents = 0;
  let anonymous = 0;
  const perParty = new Map<string, number>();
  let bytesInFlight = 0;
  const partyBytes = new Map<string, number>();

  /** The signed request of `req`, checked from its headers; undefined when unsigned. */
  async function signedOf(req: IncomingMessage, path: string): Promise<SignedRequest | undefined> {
    if (Object.values(SIGNED_HEADERS).every((name) => req.headers[name] === undefined)) return undefined;
    const { chainId } = await deployment();
    try {
      return verifySignedRequest(req.headers, { method: req.method ?? "", path, chainId, bureau });
    } catch (e) {
      if (e instanceof SignedRequestError) throw new HttpError(401, "bad-signature", e.message);
      throw e;
    }
  }

  /** Records a signed request's nonce once every other check passed: a replay is refused. */
  function admitOnce(signed: SignedRequest): void {
    try {
      replays.admit(signed);
    } catch (e) {
      if (!(e instanceof SignedRequestError)) throw e;
      if (e.code === "too-many") throw new HttpError(429, "party-busy", e.message);
      throw new HttpError(401, "replayed", e.message);
    }
  }

  /** Checks that the body is the one signed: its keccak256 is the one in the signed headers. */
  function expectSignedBody(signed: SignedRequest, bytes: Uint8Array): void {
    try {
      expectBody(signed, bytes);
    } catch (e) {
      throw new HttpError(401, "bad-signature", (e as Error).message);
    }
  }

  /**
   * Reads a body of at most `limit` bytes, holding its declared length from the party's and the process's bytes in
   * flight while it arrives, within its deadline.
   * @param party the signer, or undefined for an unsigned request
   */
  async function bodyOf(
    req: IncomingMessage,
    res: ServerResponse,
    limit: number,
    party: string | undefined,
  ): Promise<Uint8Array> {
    const declared = req.headers["content-length"];
    if (declared === undefined || !/^\d{1,15}$/.test(declared))
      throw new HttpError(411, "malformed", `expected a Content-Length header, got ${declared ?? "none"}`);
    const length = Number(declared);
    if (length > limit) throw new HttpError(413, "too-large", `expected at most ${limit} bytes, got ${length}`);
    if (length === 0) throw new HttpError(400, "malformed", "expected a request body, got none");
    if (bytesInFlight + length > limits.maxBytesInFlight)
      throw new HttpError(
        503,
        "bytes-busy",
        `expected at most ${limits.maxBytesInFlight} body bytes in flight, ${bytesInFlight} are: try later`,
      );
    const held = party === undefined ? 0 : (partyBytes.get(party) ?? 0);
    if (party !== undefined && held + length > limits.maxPartyBytes)
      throw new HttpError(
        429,
        "party-busy",
        `expected at most ${limits.maxPartyBytes} body bytes in flight from ${party}, ${held} are: try later`,
      );
    bytesInFlight += length;
    if (party !== undefined) partyBytes.set(party, held + length);
    const deadlineMs = limits.bodyGraceMs + Math.ceil((length / limits.minBodyBytesPerSecond) * 1000);
    const timer = setTimeout(() => {
      const late = new HttpError(408, "too-slow", `expected the body's ${length} bytes within ${deadlineMs} ms`);
      // Answered at once, then the connection is closed: the rest of the body is never read.
      if (!res.headersSent) {
        res.setHeader("connection", "close");
        json(res, late.status, { error: late.message });
      }
      req.destroy(late);
    }, deadlineMs);
    try {
      return await readBody(req, length);
    } finally {
      clearTimeout(timer);
      bytesInFlight -= length;
      if (party !== undefined) {
        const left = (partyBytes.get(party) ?? length) - length;
        if (left > 0) partyBytes.set(party, left);
        else partyBytes.delete(party);
      }
    }
  }

  /** A route's handler: the request, its answer, its path, and its signed request (undefined when unsigned). */
  type Handler = (req: IncomingMessage, res: ServerResponse, path: string, signed?: SignedRequest) => Promise<void>;

  /** `GET /v1/parameters`: the bureau's ring-Pedersen parameters document. */
  async function serveParameters(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bytes = await options.parameters!();
    res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
    res.end(bytes);
  }

  /** `POST /v1/messages`: a bank's message, stored when admitted ({@link admitMessage}). */
  async function uploadMessage(req: IncomingMessage, res: ServerResponse, _path: string, signed?: SignedRequest) {
    if (signed === undefined)
      throw new HttpError(
        401,
        "unsigned",
        "an upload is taken from an active bank only: sign the request (its signature and the body's keccak256 " +
          "in headers, see protocol/signedRequest)",
      );
    if (!(await suite.classification.isActiveAs(signed.signer, NodeType.CreditAccessUser)))
      throw new HttpError(403, "wrong-party", `${signed.signer} is not an active bank: it uploads nothing here`);
    admitOnce(signed);
    const bytes = await bodyOf(req, res, limits.maxMessageBytes, signed.signer);
    expectSignedBody(signed, bytes);
    const hash = messageHash(bytes);
    await admitMessage(signed.signer, bytes, hash);
    await timed("putMessage", () => store.putMessage(hash, bytes));
    return json(res, 201, { hash });
  }

  /** `GET /v1/messages/<keccak256>`: a message, to its check's bank or bureau. */
  async function readMessage(_req: IncomingMessage, res: ServerResponse, path: string, signed?: SignedRequest) {
    const hash = path.slice("/v1/messages/".length).toLowerCase();
    if (!HASH.test(hash))
      throw new HttpError(400, "malformed", `expected a keccak256 as 0x and 64 hex digits, got "${hash.slice(0, 80)}"`);
    if (signed === undefined)
      throw new HttpError(401, "unsigned", "a message is served to its check's parties only: sign the request");
    const reader = signed.signer;
    const bytes = await timed("getMessage", () => store.getMessage(hash));
    if (bytes === undefined) throw new HttpError(404, "not-found", `no message with keccak256 ${hash}`);
    const { checkId } = messageHeader(bytes);
    const check = await suite.matching.checkOf(checkId);
    if (![check.bank, check.bureau].includes(reader))
      throw new HttpError(403, "not-party", `${reader} is not a party of check ${checkId}`);
    admitOnce(signed);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
    res.end(bytes);
  }

  /** `POST /v1/records`: a provider's credit record (`./ingest`). */
  async function submitRecord(req: IncomingMessage, res: ServerResponse, _path: string, signed?: SignedRequest) {
    const bytes = await bodyOf(req, res, MAX_RECORD_BYTES, signed?.signer);
    if (signed !== undefined) expectSignedBody(signed, bytes);
    const { record, hash } = await admitRecord(suite, signed?.signer, bytes, options.schema ?? DEFAULT_SCHEMA);
    if (signed !== undefined) admitOnce(signed);
    const { version, created } = await timed("putRecord", () =>
      store.putRecord(bytes, hash, record.subject, record.provider),
    );
    return json(res, created ? 201 : 200, { subject: record.subject, hash, version });
  }

  /** `POST /v1/consents`: a subject's consent, relayed from the bureau's account, one at a time. */
  async function relay(req: IncomingMessage, res: ServerResponse, _path: string, signed?: SignedRequest) {
    const submission = parseConsentSubmission(await bodyOf(req, res, MAX_CONSENT_BYTES, signed?.signer));
    if (queuedConsents >= limits.maxQueuedConsents)
      throw new HttpError(
        429,
        "relay-busy",
        `expected at most ${limits.maxQueuedConsents} consents waiting for the relay, got more: try later`,
      );
    queuedConsents++;
    try {
      // Relayed one at a time, each mined before the next: the relay never has more than one transaction in the
      // bureau's sequence, between the evaluator's (same account, one sender).
      const receipt = await consents.run(() =>
        relayConsent(
          suite.permissions,
          submission,
          {
            classification: suite.classification,
            rate: consentRate,
            onGas: (gas, wei) => {
              metrics.relayGas.inc(Number(gas));
              metrics.relayWei.inc(Number(wei));
            },
          },
          sender,
        ),
      );
      metrics.relayedConsents.inc();
      return json(res, 201, receipt);
    } finally {
      queuedConsents--;
    }
  }

  /** `POST /v1/comparison-keys`: a fresh comparison key reserved to the signing bank (`./comparisonKeys`). */
  async function reserveComparisonKey(
    _req: IncomingMessage,
    res: ServerResponse,
    _path: string,
    signed?: SignedRequest,
  ) {
    if (signed === undefined)
      throw new HttpError(401, "unsigned", "a comparison key is reserved to a bank: sign the request as the bank");
    const bank = signed.signer;
    if (!(await suite.classification.isActiveAs(bank, NodeType.CreditAccessUser)))
      throw new HttpError(403, "wrong-party", `${bank} is not an active credit access user of this consortium`);
    admitOnce(signed);
    // Closed before the answer: the bank gave up waiting for the key (its request timed out while keys were made).
    let abandoned = false;
    res.once("close", () => (abandoned = !res.writableFinished));
    let reservation;
    try {
      reservation = await options.comparisonKeys!.reserve(bank);
    } catch (e) {
      if (e instanceof ComparisonKeysBusy) throw new HttpError(503, "keys-busy", e.message, e.retryAfterSeconds);
      if (e instanceof ComparisonKeyReservationsFull) throw new HttpError(429, "reservations-full", e.message);
      throw e;
    }
    const { publicKey, expiresAt } = reservation;
    // A key the bank never receives would hold one of its reservations until it expires: dropped.
    if (abandoned || res.destroyed) {
      await options.comparisonKeys!.release?.(bank, publicKey.fingerprint);
      return;
    }
    return json(res, 201, { publicKey: publicKey.toJSON(), fingerprint: publicKey.fingerprint, expiresAt });
  }

  /**
   * The routes, by method and route template (`routeOf`, which labels the metrics too). A route whose option is not
   * given is absent (404). `/health` and `/metrics` are apart: they hold no slot.
   */
  const routes = new Map<string, Handler>([
    ["POST /v1/messages", uploadMessage],
    ["GET /v1/messages/:hash", readMessage],
    ["POST /v1/records", submitRecord],
    [
      "GET /v1/subjects/:address/record",
      async (_req, res, path, signed) => subjectRecord(res, getAddress(SUBJECT_RECORD.exec(path)![1]), signed),
    ],
    ["POST /v1/consents", relay],
  ]);
  if (options.parameters !== undefined) routes.set("GET /v1/parameters", serveParameters);
  if (options.comparisonKeys !== undefined) routes.set("POST /v1/comparison-keys", reserveComparisonKey);

  /**
   * The subject's right of access: its current record (the version whose hash the chain holds now), to the subject
   * only, on a request it signed; a signature serves once, so a copied request reads nothing.
   */
  async function subjectRecord(res: ServerResponse, subject: string, signed: SignedRequest | undefined) {
    if (signed === undefined)
      throw new HttpError(401, "unsigned", "a record is served to its subject only: sign the request as the subject");
    if (signed.signer !== subject)
      throw new HttpError(
        403,
        "not-subject",
        `${signed.signer} is not ${subject}: a record is served to its subject only`,
      );
    admitOnce(signed); // a copied request reads nothing: a replay is refused
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

  /**
   * Admits a message from `from` (an active bank): committed on-chain for its stage of its check, or the sender's
   * turn.
   * @throws {HttpError} otherwise, saying which rule it broke
   */
  async function admitMessage(from: string, bytes: Uint8Array, hash: string): Promise<void> {
    const header = messageHeader(bytes);
    const ours = await deployment();
    if (header.chainId !== ours.chainId.toString() || header.contract !== ours.contract) {
      throw new HttpError(
        400,
        "malformed",
        `message bound to chain ${header.chainId} and contract ${header.contract}, expected ${ours.chainId} and ` +
          ours.contract,
      );
    }
    const step = stepCommitting(header.stage);
    if (step?.by !== "bank") {
      throw new HttpError(403, "wrong-party", `a ${header.stage} message is the bureau's own: it is not taken here`);
    }
    const { matching } = suite;
    const { checkId } = header;
    const state = await stateOf(matching, checkId);
    if (state === step.from) {
      // The bank's turn to take this step: the message is taken from the bank that may take it.
      if (step.call === "openCheck") {
        if ((await matching.nextCheckId(from)).toLowerCase() === checkId) return;
        throw new HttpError(403, "wrong-party", `${from} is not the active bank that opens check ${checkId} next`);
      }
      const { bank } = await matching.checkOf(checkId);
      if (from !== bank) throw new HttpError(403, "wrong-party", `${from} is not check ${checkId}'s bank ${bank}`);
      return;
    }
    if (!follows(state, step.to)) {
      throw new HttpError(409, "wrong-turn", `check ${checkId} is ${CheckState[state]}: no ${header.stage} is due`);
    }
    // Past the step: taken when it is the message the chain holds for it.
    const committed =
      step.call === "openCheck"
        ? (await matching.checkOf(checkId)).formHash
        : (await matching.queryFilter(matching.filters.CheckResponded(checkId)))[0]?.args.responseHash;
    if (committed?.toLowerCase() === hash) return;
    throw new HttpError(
      409,
      "wrong-turn",
      `check ${checkId} is ${CheckState[state]} and holds another ${header.stage}: ${hash} is not it`,
    );
  }

  /** How many blocks the evaluator's log reading is behind `latest`; undefined before its first read. */
  function lagOf(latest: number): number | undefined {
    const read = evaluator.metrics.lastBlock;
    return read >= 0 ? Math.max(0, latest - read) : undefined;
  }

  /** `what`, or a refusal naming `part` once `ms` have passed; the late answer is dropped. */
  function within<T>(part: string, what: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${part}: no answer within ${limits.healthTimeoutMs} ms`)),
        limits.healthTimeoutMs,
      );
    });
    return Promise.race([what, late]).finally(() => clearTimeout(timer));
  }

  /** Why a call failed, in words fit for `/health` (whose answer a proxy may publish): redacted, one line, short. */
  function why(err: unknown): string {
    const e = err as { shortMessage?: string; message?: string; code?: string };
    const text = e.shortMessage ?? e.message ?? String(err);
    return redactText(text, [rpcUrl]).replace(/\s+/g, " ").slice(0, 300);
  }

  /**
   * The chain and the store, asked in parallel, each within the health timeout. Calls still pending from an earlier
   * probe are not made again (they would queue behind a hung one): the earlier one's failure stands.
   */
  let chainCall: Promise<{ chainId: string; block: number }> | undefined;
  let storeCall: Promise<StoreStats> | undefined;
  let probing: Promise<Probe> | undefined;
  function probe(): Promise<Probe> {
    probing ??= (async () => {
      chainCall ??= Promise.all([provider.getNetwork(), provider.getBlockNumber()])
        .then(([network, block]) => ({ chainId: network.chainId.toString(), block }))
        .finally(() => (chainCall = undefined));
      storeCall ??= timed("stats", () => store.stats()).finally(() => (storeCall = undefined));
      const [chain, stats] = await Promise.allSettled([within("chain", chainCall), within("store", storeCall)]);
      const problems: string[] = [];
      if (chain.status === "rejected") problems.push(`chain unreachable: ${why(chain.reason)}`);
      if (stats.status === "rejected") problems.push(`store down: ${why(stats.reason)}`);
      const block = chain.status === "fulfilled" ? chain.value.block : undefined;
      const lagBlocks = block === undefined ? undefined : lagOf(block);
      if (lagBlocks !== undefined) metrics.chainLag.set(lagBlocks);
      if (lagBlocks !== undefined && lagBlocks > limits.maxLagBlocks)
        problems.push(`behind on logs: ${lagBlocks} blocks behind the chain (at most ${limits.maxLagBlocks})`);
      metrics.up.set({ part: "chain" }, chain.status === "fulfilled" ? 1 : 0);
      metrics.up.set({ part: "store" }, stats.status === "fulfilled" ? 1 : 0);
      return {
        problems,
        chainId: chain.status === "fulfilled" ? chain.value.chainId : undefined,
        block,
        stats: stats.status === "fulfilled" ? stats.value : undefined,
      };
    })().finally(() => (probing = undefined));
    return probing;
  }
  let lastStats: StoreStats | undefined;

  async function health(res: ServerResponse): Promise<void> {
    const { problems, chainId, block } = await probe();
    const lagBlocks = block === undefined ? undefined : lagOf(block);
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

  async function metricsText(res: ServerResponse): Promise<void> {
    const { problems, stats } = await probe();
    if (stats !== undefined) lastStats = stats;
    // Problems as comment lines: the exposition format ignores them, a person reading the page sees them.
    const notes = problems.map((p) => `# problem: ${p}\n`).join("");
    res.writeHead(200, { "content-type": metrics.registry.contentType });
    res.end(notes + (await metrics.registry.metrics()));
  }

  metrics.observeEvaluator(evaluator);
  // From the last probe's answer (a store that is down leaves the last values; blindcredit_up{part="store"} says so).
  metrics.gauge("blindcredit_store_subjects", "Subjects with a record.", async () => lastStats?.subjects ?? 0);
  metrics.gauge("blindcredit_store_records", "Record versions.", async () => lastStats?.records ?? 0);
  metrics.gauge("blindcredit_store_messages", "Messages on the board.", async () => lastStats?.messages ?? 0);
  metrics.gauge("blindcredit_journal_checks", "Checks in the journal, by stage.", async () => {
    return { ...(lastStats?.checksByStage ?? {}) };
  });

  /** The routes that hold no slot, by method and route template. */
  const probes = new Map([
    ["GET /health", health],
    ["GET /metrics", metricsText],
  ]);

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
      options.logger?.warn({ ...labels, status: err.status, reason: err.reason }, redactText(err.message, [rpcUrl]));
    };
    const fail = (err: Error) => {
      // A record the schema refuses is the caller's fault; a store that fails its integrity checks
      // (SealingError) is the operator's, and so is anything unexpected.
      const status =
        err instanceof HttpError || err instanceof ConsentRelayError || err instanceof RecordAdmissionError
          ? err.status
          : err instanceof RecordError || (err instanceof StoreError && err.code === "invalid-argument")
            ? 400
            : 500;
      if (err instanceof HttpError) refuse(err);
      else if (err instanceof RecordAdmissionError) refuse(new HttpError(err.status, err.reason, err.message));
      else if (err instanceof ConsentRelayError) refuse(new HttpError(status, "consent-refused", err.message));
      else if (status === 400) refuse(new HttpError(400, "malformed", err.message));
      const logged = redactText(err.message, [rpcUrl]);
      if (err instanceof SealingError) options.logger?.error({ ...labels, err: logged }, "store integrity failure");
      else if (status === 500) options.logger?.error({ ...labels, err: logged }, "request failed");
      if (!res.headersSent && !res.destroyed) {
        // A body refused before it was all read: close the connection rather than read the rest.
        if (!req.complete) res.setHeader("connection", "close");
        if (status === 429 || status === 503)
          res.setHeader("retry-after", String(err instanceof HttpError ? err.retryAfterSeconds : 1));
        json(res, status, { error: status === 500 ? redactText(err.message, [rpcUrl]) : err.message });
      } else res.destroy();
    };
    const route = `${req.method} ${labels.route}`;
    // Health and metrics hold no slot: they share one bounded probe.
    const probing = probes.get(route);
    if (probing !== undefined) {
      probing(res).catch(fail);
      return;
    }
    signedOf(req, path)
      .then((signed) => {
        const party = signed?.signer;
        if (party === undefined) {
          if (anonymous >= limits.maxConcurrent)
            throw new HttpError(
              503,
              "busy",
              `expected at most ${limits.maxConcurrent} unsigned requests at once: try later`,
            );
          anonymous++;
          res.on("close", () => anonymous--);
        } else {
          const held = perParty.get(party) ?? 0;
          if (held >= limits.maxPerParty)
            throw new HttpError(
              429,
              "party-busy",
              `expected at most ${limits.maxPerParty} requests at once from ${party}: try later`,
            );
          perParty.set(party, held + 1);
          res.on("close", () => {
            const left = (perParty.get(party) ?? 1) - 1;
            if (left > 0) perParty.set(party, left);
            else perParty.delete(party);
          });
        }
        const handle = routes.get(route);
        if (handle === undefined) throw new HttpError(404, "no-route", `no route ${req.method} ${path.slice(0, 200)}`);
        return handle(req, res, path, signed);
      })
      .catch(fail);
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

/** Reads a body of exactly `length` bytes (its Content-Length; Node's parser refuses more). */
async function readBody(req: IncomingMessage, length: number): Promise<Uint8Array> {
  const body = new Uint8Array(length);
  let size = 0;
  try {
    for await (const chunk of req) {
      const bytes = chunk as Buffer;
      if (size + bytes.length > length)
        throw new HttpError(413, "too-large", `expected ${length} bytes (Content-Length), got more`);
      body.set(bytes, size);
      size += bytes.length;
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    if (req.errored instanceof HttpError) throw req.errored;
    throw new HttpError(400, "malformed", `the body was cut after ${size} of ${length} bytes`);
  }
  if (req.errored instanceof HttpError) throw req.errored;
  if (size < length) throw new HttpError(400, "malformed", `expected ${length} bytes (Content-Length), got ${size}`);
  return body;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
