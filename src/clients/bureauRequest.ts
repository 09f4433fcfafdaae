/**
 * One request to a bureau service's API, with its failures told apart: unreachable or failing (may be tried again)
 * or refused (will not help). Browser-safe: the portal reads the subject's own record with it.
 * @module
 */
import { getAddress, isAddress, type Signer } from "ethers";
import { signRequest } from "../protocol/signedRequest";

/** How long one request may take before it is abandoned (the largest message on loopback takes far less). */
const REQUEST_TIMEOUT_MS = 60_000;

/** Socket errors of a connection closed under a request: worth one more try. */
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/** The bureau could not be reached, failed (5xx) or timed the request out (408): it may be made again. */
export class BureauUnavailable extends Error {}

/** The bureau refused the request (4xx but 408): making it again will not help. */
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
 * @throws {BureauUnavailable} when it cannot be reached, fails, or cut a body that came too slowly (408: on a loaded
 *   machine an honest client's upload can be late, and sending it again is safe); {@link BureauRefused} when it
 *   refuses
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
  if (response.status >= 400 && response.status < 500 && response.status !== 408) {
    throw new BureauRefused(response.status, message);
  }
  throw new BureauUnavailable(message);
}

/**
 * Who signs requests to a bureau's API, and the bureau they are for. The caller names the bureau's address (the one
 * its check, its configuration or its user names), never the service it talks to: a signature is bound to that
 * address, so that a service answering for another bureau, or claiming to be this one, cannot use it elsewhere.
 */
export interface BureauParty {
  /** The account that signs every request (a bank, a provider, a subject). */
  readonly signer: Signer;
  /** The bureau's account address: signatures are bound to it (and to the signer's chain). */
  readonly bureau: string;
}

/**
 * `party` with the bureau's address checksummed.
 * @throws Error when the bureau is not an address
 */
export function checkedParty(party: BureauParty): BureauParty {
  if (!isAddress(party.bureau)) throw new Error(`bureau: expected the bureau's address, got ${String(party.bureau)}`);
  return { signer: party.signer, bureau: getAddress(party.bureau) };
}

/**
 * The `sign` of {@link requestBureau} for one request as `party.signer`, to `party.bureau` on the signer's chain: it
 * makes the headers anew for each attempt (a bureau serves a signature once).
 * @param chainId the signer's chain id, when the caller keeps it; default asked of the signer's provider
 * @throws Error at once when the bureau is not an address
 */
export function signedAs(
  party: BureauParty,
  request: { readonly method: string; readonly path: string; readonly body?: Uint8Array },
  chainId?: () => Promise<bigint>,
): () => Promise<Record<string, string>> {
  const { signer, bureau } = checkedParty(party);
  const chain = chainId ?? (async () => (await signer.provider!.getNetwork()).chainId);
  return async () => signRequest(signer, { ...request, chainId: await chain(), bureau });
}
