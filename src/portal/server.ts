/**
 * Serves the subject's web portal: the built page (`portal/dist`), its `/config.json` made from the deployment
 * records, and `POST /v1/consents` forwarded to the bureau's relay, so that the page talks to one origin only and
 * the bureau needs no cross-origin headers.
 * @module
 */
import { getAddress, isAddress } from "ethers";
import { SIGNED_HEADERS } from "../protocol/signedRequest";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { CREDIT_RECORD_CATEGORY, RECORD_FORMAT } from "../protocol/records";
import { DEFAULT_SCHEMA, type CreditSchema } from "../protocol/schema";
import { readDeploymentRecords } from "../deployments";
import { listen, type Listening } from "../listen";
import { PORTAL_CONTRACTS, type PortalConfig, type PortalContract } from "./config";

/** Where `vite build portal` writes the page. */
export const PORTAL_DIST = path.resolve(__dirname, "..", "..", "portal", "dist");

const RELAY_PATH = "/v1/consents";
/** A subject's signed read of its own record, forwarded to the bureau. */
const OWN_RECORD = /^\/v1\/subjects\/0x[0-9a-fA-F]{40}\/record$/;
const MAX_RELAY_BYTES = 8 * 1024;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
};

/**
 * The page's configuration from a deployments directory.
 * @param options.bureauUrl when given, the page offers gas-free approval through the relay
 * @param options.bureau the bureau's address: with `bureauUrl`, the page offers the subject a read of its own record
 *   there, signed for that bureau
 * @throws Error when the records are missing or malformed (see `readDeploymentRecords`), or `bureau` is not an address
 */
export function portalConfig(options: {
  readonly deploymentsDir: string;
  readonly rpcUrl?: string;
  readonly bureauUrl?: string;
  readonly bureau?: string;
  readonly chainName?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The consortium's credit schema (default: the default schema). */
  readonly schema?: CreditSchema;
}): PortalConfig {
  const { id, version, hash } = options.schema ?? DEFAULT_SCHEMA;
  const records = readDeploymentRecords(options.deploymentsDir);
  const contracts = Object.fromEntries(
    PORTAL_CONTRACTS.map((name) => [name, records.contracts[name].address]),
  ) as Record<PortalContract, string>;
  return {
    chainId: records.chainId.toString(),
    chainName: options.chainName ?? `BlindCredit chain ${records.chainId}`,
    rpcUrl: options.rpcUrl,
    contracts,
    relayPath: options.bureauUrl ? RELAY_PATH : undefined,
    bureau: options.bureauUrl !== undefined && options.bureau !== undefined ? bureauAddress(options.bureau) : undefined,
    labels: options.labels ?? {},
    categories: { [CREDIT_RECORD_CATEGORY]: `Credit record (${RECORD_FORMAT})` },
    fromBlock: deploymentBlock(options.deploymentsDir),
    schema: { id, version, hash },
  };
}

function bureauAddress(bureau: string): string {
  if (!isAddress(bureau)) throw new Error(`bureau: expected the bureau's address, got ${bureau}`);
  return getAddress(bureau);
}

/** A running portal server. */
export type PortalServer = Listening;

/**
 * Starts the portal server on `host:port` (port 0: any free port).
 * @throws Error when the page is not built (`npm run build`) or the port is taken
 */
export async function startPortalServer(options: {
  readonly config: PortalConfig;
  readonly bureauUrl?: string;
  readonly host?: string;
  readonly port?: number;
  readonly distDir?: string;
}): Promise<PortalServer> {
  const dist = options.distDir ?? PORTAL_DIST;
  if (!existsSync(path.join(dist, "index.html"))) {
    throw new Error(`no built portal in ${dist}: run \`npm run build\` (or \`npx vite build portal\`) first`);
  }
  const configText = JSON.stringify(options.config);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const urlPath = decodeURIComponent((req.url ?? "/").split("?")[0]);
    if (req.method === "GET" && urlPath === "/config.json") {
      return send(res, 200, TYPES[".json"], configText, "no-store");
    }
    if (req.method === "POST" && urlPath === RELAY_PATH && options.bureauUrl) {
      return relay(req, res, new URL(RELAY_PATH, options.bureauUrl));
    }
    if (req.method === "GET" && OWN_RECORD.test(urlPath) && options.bureauUrl) {
      return forwardRead(req, res, new URL(urlPath, options.bureauUrl));
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(res, 405, TYPES[".json"], JSON.stringify({ error: `no route ${req.method} ${urlPath}` }));
    }
    // Only files under dist; anything else is the page itself (one page, no client routes needed).
    const file = path.resolve(dist, `.${urlPath}`);
    const inside = file.startsWith(dist + path.sep) && existsSync(file) && statSync(file).isFile();
    const target = inside ? file : path.join(dist, "index.html");
    const hashed = inside && urlPath.startsWith("/assets/");
    return send(
      res,
      200,
      TYPES[path.extname(target)] ?? "application/octet-stream",
      readFileSync(target),
      hashed ? "public, max-age=31536000, immutable" : "no-cache",
    );
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, 500, TYPES[".json"], JSON.stringify({ error: err.message }));
      else res.destroy();
    });
  });
  return listen(server, options.port ?? 8700, options.host ?? "127.0.0.1", { dropOpen: true });
}

/** Forwards a consent to the bureau and its answer back; an unreachable bureau is a 502 the page can explain. */
async function relay(req: IncomingMessage, res: ServerResponse, target: URL): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_RELAY_BYTES) {
      return send(res, 413, TYPES[".json"], JSON.stringify({ error: `expected at most ${MAX_RELAY_BYTES} bytes` }));
    }
    chunks.push(chunk as Buffer);
  }
  let answer: Response;
  try {
    answer = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.concat(chunks),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    const why = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    return send(res, 502, TYPES[".json"], JSON.stringify({ error: `the bureau's relay cannot be reached (${why})` }));
  }
  return send(res, answer.status, TYPES[".json"], await answer.text());
}

/**
 * Forwards a subject's signed read of its own record to the bureau, with the signature's headers and nothing else,
 * and the bureau's answer back.
 */
async function forwardRead(req: IncomingMessage, res: ServerResponse, target: URL): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of Object.values(SIGNED_HEADERS)) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  let answer: Response;
  try {
    answer = await fetch(target, { headers, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const why = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    return send(res, 502, TYPES[".json"], JSON.stringify({ error: `the bureau cannot be reached (${why})` }));
  }
  return send(res, answer.status, TYPES[".json"], await answer.text());
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, cache = "no-store"): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "cache-control": cache,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  });
  res.end(body);
}

/** The block the suite's first contract was deployed in (hardhat-deploy records its receipt), else 0. */
function deploymentBlock(deploymentsDir: string): number {
  try {
    const record = JSON.parse(readFileSync(path.join(deploymentsDir, "HistoryRecord.json"), "utf8")) as {
      receipt?: { blockNumber?: unknown };
    };
    const block = Number(record.receipt?.blockNumber);
    return Number.isSafeInteger(block) && block >= 0 ? block : 0;
  } catch {
    return 0;
  }
}
