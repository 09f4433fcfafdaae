/**
 * One request to a bureau service's API, with its failures told apart: unreachable or failing (may be tried again)
 * or refused (will not help). Browser-safe: the portal reads the subject's own record with it.
 * @module
 */
import { isAddress } from "ethers";

/** How long one request may take before it is abandoned (the largest message on loopback takes far less). */
const REQUEST_TIMEOUT_MS = 60_000;

/** Socket errors of a connection closed under a request: worth one more try. */
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/** The bureau could not be reached, or failed (5xx): the request may be made again. */
export class BureauUnavailable extends Error {}

/** The bureau refused the request (4xx): making it again will not help. */
export class BureauRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One request to a bureau service's API, with a timeout; the bureau's JSON `{ error }` becomes the message.
 * @param sign makes the headers that sign the request, called again for each attempt (a bureau serves a signature
 *   once: a request sent again needs a new one)
 * @throws {BureauUnavailable} when it cannot be reached or fails; {@link BureauRefused} when it refuses
 */
export async function requestBureau(
  baseUrl: string,
  path: string,
  init: RequestInit,
  sign?: () => Promise<Record<string, string>>,
): Promise<Response> {
  const base = baseUrl.replace(/\/+$/, "");
  let response: Response | undefined;
  for (let attempt = 1; response === undefined; attempt++) {
    try {
      const headers = { ...(init.headers as Record<string, string> | undefined), ...(await sign?.()) };
      response = await fetch(`${base}${path}`, { ...init, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      // A kept-alive connection the server closed as this request went out: every request of this API is
      // idempotent (messages are stored by their hash), so it is sent again once, on a new connection.
      if (attempt === 1 && code !== undefined && STALE_CONNECTION.has(code)) continue;
      throw new BureauUnavailable(`cannot reach the bureau at ${base} (${code ?? (err as Error).message})`);
    }
  }
  if (response.ok) return response;
  const text = await response.text();
  let reason = text;
  try {
    reason = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    // not JSON: report the body as it came
  }
  const message = `bureau at ${base}: ${init.method} ${path} answered ${response.status}: ${reason}`;
  if (response.status >= 400 && response.status < 500) throw new BureauRefused(response.status, message);
  throw new BureauUnavailable(message);
}

/**
 * The bureau account a service at `bureauUrl` answers for (its `/health`): a signed request names it, so that a
 * signature made for one bureau is refused by another.
 * @throws {BureauUnavailable} when it cannot be reached or fails; Error when it names no address
 */
export async function bureauAddressAt(bureauUrl: string): Promise<string> {
  const response = await requestBureau(bureauUrl, "/health", { method: "GET" });
  const { bureau } = (await response.json()) as { bureau?: unknown };
  if (typeof bureau !== "string" || !isAddress(bureau))
    throw new Error(`bureau at ${bureauUrl}: expected its account's address in /health, got ${JSON.stringify(bureau)}`);
  return bureau;
}
