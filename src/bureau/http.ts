/**
 * The bureau's HTTP API (loopback by default):
 *
 * | Method and path | What |
 * |---|---|
 * | `GET /health` | `{ status, bureau, chainId, block, activeChecks }`; 503 when the chain is unreachable |
 * | `GET /metrics` | Prometheus text: checks, steps, refusals, failures, store counts |
 * | `POST /v1/messages` | a protocol message (octet-stream, at most 16 MiB) → 201 `{ hash }` |
 * | `GET /v1/messages/<keccak256>` | the message's bytes, or 404 |
 * | `POST /v1/records` | a provider's canonical credit record → 201 `{ subject, hash, version }` |
 * | `POST /v1/consents` | a subject's signed consent, submitted from the bureau's account → 201 `{ txHash, … }` |
 *
 * Errors are JSON `{ "error": "…" }` with a status that says whose fault it is (4xx the caller's).
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MAX_MESSAGE_BYTES, messageHash } from "../protocol/messages";
import type { Suite } from "../suite";
import { ConsentRelayError, MAX_CONSENT_BYTES, parseConsentSubmission, relayConsent } from "./consentRelay";
import type { Evaluator } from "./evaluator";
import { CREDIT_RECORD_CATEGORY, MAX_RECORD_BYTES, RecordError, decodeRecord, recordHash } from "../protocol/records";
import { DEFAULT_SCHEMA, type CreditSchema } from "../protocol/schema";
import { SealingError } from "./sealing";
import { StoreError, type BureauStore } from "./store";

/** An error with the HTTP status it maps to. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const HASH = /^0x[0-9a-f]{64}$/;

export interface BureauApi {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the API on `host:port` (port 0: any free port). */
export async function startBureauApi(options: {
  readonly host: string;
  readonly port: number;
  readonly store: BureauStore;
  readonly suite: Suite;
  readonly bureau: string;
  readonly evaluator: Evaluator;
  readonly log?: (line: string) => void;
  /** The credit schema records are read against (default: the default schema). */
  readonly schema?: CreditSchema;
}): Promise<BureauApi> {
  const { store, suite, bureau, evaluator } = options;
  const requests = new Map<string, number>();
  let consents: Promise<unknown> = Promise.resolve();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const key = `${req.method} ${path.startsWith("/v1/messages/") ? "/v1/messages/:hash" : path}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);

    if (req.method === "GET" && path === "/health") {
      try {
        const provider = suite.matching.runner!.provider!;
        const [network, block] = await Promise.all([provider.getNetwork(), provider.getBlockNumber()]);
        return json(res, 200, {
          status: "ok",
          bureau,
          chainId: network.chainId.toString(),
          block,
          activeChecks: evaluator.activeChecks,
        });
      } catch (err) {
        return json(res, 503, { status: "unavailable", error: `chain unreachable: ${(err as Error).message}` });
      }
    }
    if (req.method === "GET" && path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(await metricsText(store, evaluator, requests));
      return;
    }
    if (req.method === "POST" && path === "/v1/messages") {
      const bytes = await body(req, MAX_MESSAGE_BYTES);
      const hash = messageHash(bytes);
      await store.putMessage(hash, bytes);
      return json(res, 201, { hash });
    }
    if (req.method === "GET" && path.startsWith("/v1/messages/")) {
      const hash = path.slice("/v1/messages/".length).toLowerCase();
      if (!HASH.test(hash)) throw new HttpError(400, `expected a keccak256 as 0x and 64 hex digits, got "${hash}"`);
      const bytes = await store.getMessage(hash);
      if (bytes === undefined) throw new HttpError(404, `no message with keccak256 ${hash}`);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
      res.end(bytes);
      return;
    }
    if (req.method === "POST" && path === "/v1/records") {
      const bytes = await body(req, MAX_RECORD_BYTES);
      const record = decodeRecord(bytes, options.schema ?? DEFAULT_SCHEMA);
      const hash = recordHash(bytes);
      if (!(await committedOnChain(suite, record.subject, record.provider, hash))) {
        throw new HttpError(
          403,
          `no DataCommitted log for subject ${record.subject} by provider ${record.provider} with hash ${hash}: ` +
            "the provider must commit the record's hash with OwnershipJudgment.commitData, under a live write " +
            "grant, before submitting it",
        );
      }
      const { version, created } = await store.putRecord(bytes, hash, record.subject, record.provider);
      return json(res, created ? 201 : 200, { subject: record.subject, hash, version });
    }
    if (req.method === "POST" && path === "/v1/consents") {
      // Relayed one at a time: they all send from the bureau's account.
      const submission = parseConsentSubmission(await body(req, MAX_CONSENT_BYTES));
      const relayed = (consents = consents
        .catch(() => undefined)
        .then(() => relayConsent(suite.permissions, submission)));
      return json(res, 201, await relayed);
    }
    throw new HttpError(404, `no route ${req.method} ${path}`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: Error) => {
      // A record the schema refuses is the caller's fault; a store that fails its integrity checks
      // (SealingError) is the operator's, and so is anything unexpected.
      const status =
        err instanceof HttpError || err instanceof ConsentRelayError
          ? err.status
          : err instanceof RecordError || (err instanceof StoreError && err.code === "invalid-argument")
            ? 400
            : 500;
      if (err instanceof SealingError) options.log?.(`store integrity failure: ${err.message}`);
      if (!res.headersSent) json(res, status, { error: err.message });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
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
  if (declared > limit) throw new HttpError(413, `expected at most ${limit} bytes, got ${declared}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `expected at most ${limit} bytes, got more`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) throw new HttpError(400, "expected a request body, got none");
  return new Uint8Array(Buffer.concat(chunks));
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function metricsText(store: BureauStore, evaluator: Evaluator, requests: Map<string, number>): Promise<string> {
  const stats = await store.stats();
  const m = evaluator.metrics;
  const lines = [
    "# HELP blindcredit_checks_seen_total Checks addressed to this bureau seen in the logs.",
    "# TYPE blindcredit_checks_seen_total counter",
    `blindcredit_checks_seen_total ${m.checksSeen}`,
    "# TYPE blindcredit_steps_total counter",
    `blindcredit_steps_total ${m.steps}`,
    "# TYPE blindcredit_checks_refused_total counter",
    `blindcredit_checks_refused_total ${m.refused}`,
    "# TYPE blindcredit_step_failures_total counter",
    `blindcredit_step_failures_total ${m.failures}`,
    "# TYPE blindcredit_checks_abandoned_total counter",
    `blindcredit_checks_abandoned_total ${m.abandoned}`,
    "# TYPE blindcredit_step_seconds_total counter",
    `blindcredit_step_seconds_total ${m.stepSeconds.toFixed(3)}`,
    "# TYPE blindcredit_active_checks gauge",
    `blindcredit_active_checks ${evaluator.activeChecks}`,
    "# TYPE blindcredit_last_block gauge",
    `blindcredit_last_block ${m.lastBlock}`,
    "# TYPE blindcredit_store_subjects gauge",
    `blindcredit_store_subjects ${stats.subjects}`,
    "# TYPE blindcredit_store_records gauge",
    `blindcredit_store_records ${stats.records}`,
    "# TYPE blindcredit_store_messages gauge",
    `blindcredit_store_messages ${stats.messages}`,
    "# TYPE blindcredit_journal_checks gauge",
    ...Object.entries(stats.checksByStage).map(([stage, n]) => `blindcredit_journal_checks{stage="${stage}"} ${n}`),
    "# TYPE blindcredit_http_requests_total counter",
    ...[...requests].map(([route, n]) => `blindcredit_http_requests_total{route="${route}"} ${n}`),
  ];
  return lines.join("\n") + "\n";
}
