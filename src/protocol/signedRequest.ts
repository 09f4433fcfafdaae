/**
 * Signed requests to a bureau's API: the caller proves which account it speaks for with an EIP-191 signature
 * (`personal_sign`) over the request's method, path, a short expiry and the keccak256 of its body, carried in three
 * headers. The bureau serves a check's messages only to its parties, and takes a message the chain does not hold yet
 * only from the party whose turn it is, on such a signature.
 *
 * The signed text (UTF-8, lines joined by `\n`):
 *
 * ```text
 * blindcredit request
 * GET /v1/messages/0x…
 * expiry 1767139200
 * body 0x… (keccak256 of the body; of no bytes for a request without one)
 * ```
 *
 * A signature may be replayed until it expires; every request of the API is idempotent, so a replay gains nothing.
 * @module
 */
import { getAddress, isAddress, isHexString, verifyMessage, type Signer } from "ethers";
import { keccak256 } from "./keccak";

/** The headers of a signed request (lower-case, as Node reports them). */
export const SIGNED_HEADERS = {
  address: "x-blindcredit-address",
  expiry: "x-blindcredit-expiry",
  signature: "x-blindcredit-signature",
} as const;

/** How long a signature lives by default, in seconds. */
export const DEFAULT_SIGNATURE_TTL_SECONDS = 60;

/** The longest a bureau accepts, in seconds: an expiry further ahead is refused. */
export const MAX_SIGNATURE_TTL_SECONDS = 300;

/** The text a signed request's signature covers. */
export function signedRequestText(method: string, path: string, expiry: number, body?: Uint8Array): string {
  return [
    "blindcredit request",
    `${method.toUpperCase()} ${path}`,
    `expiry ${expiry}`,
    `body ${keccak256(body ?? new Uint8Array())}`,
  ].join("\n");
}

/**
 * The three headers that sign a request as `signer`.
 * @param nowSeconds the current Unix time (default the machine's clock)
 * @example await signRequest(bank, "GET", `/v1/messages/${hash}`)
 */
export async function signRequest(
  signer: Signer,
  method: string,
  path: string,
  body?: Uint8Array,
  options: { readonly ttlSeconds?: number; readonly nowSeconds?: number } = {},
): Promise<Record<string, string>> {
  const ttl = options.ttlSeconds ?? DEFAULT_SIGNATURE_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_SIGNATURE_TTL_SECONDS)
    throw new Error(`ttlSeconds: expected an integer in [1, ${MAX_SIGNATURE_TTL_SECONDS}], got ${ttl}`);
  const expiry = Math.floor(options.nowSeconds ?? Date.now() / 1000) + ttl;
  const signature = await signer.signMessage(signedRequestText(method, path, expiry, body));
  return {
    [SIGNED_HEADERS.address]: await signer.getAddress(),
    [SIGNED_HEADERS.expiry]: String(expiry),
    [SIGNED_HEADERS.signature]: signature,
  };
}

/** Why a signed request was refused. */
export class SignedRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignedRequestError";
  }
}

/**
 * The account that signed a request, or undefined when the request carries none of the three headers.
 * @throws {SignedRequestError} when the headers are partial or malformed, the expiry passed or lies more than
 *   {@link MAX_SIGNATURE_TTL_SECONDS} ahead, or the signature is not the named account's over this request
 */
export function verifySignedRequest(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  method: string,
  path: string,
  body?: Uint8Array,
  nowSeconds: number = Date.now() / 1000,
): string | undefined {
  const [address, expiry, signature] = [SIGNED_HEADERS.address, SIGNED_HEADERS.expiry, SIGNED_HEADERS.signature].map(
    (name) => headers[name],
  );
  if (address === undefined && expiry === undefined && signature === undefined) return undefined;
  if (typeof address !== "string" || !isAddress(address))
    throw new SignedRequestError(`expected ${SIGNED_HEADERS.address} to be an address, got ${String(address)}`);
  if (typeof expiry !== "string" || !/^\d{1,12}$/.test(expiry))
    throw new SignedRequestError(`expected ${SIGNED_HEADERS.expiry} in Unix seconds, got ${String(expiry)}`);
  if (typeof signature !== "string" || !isHexString(signature, 65))
    throw new SignedRequestError(
      `expected ${SIGNED_HEADERS.signature} as 65 bytes of 0x-hex, got ${String(signature)}`,
    );
  const at = Number(expiry);
  if (at < nowSeconds)
    throw new SignedRequestError(`the request's signature expired at ${at} (now ${Math.floor(nowSeconds)})`);
  if (at > nowSeconds + MAX_SIGNATURE_TTL_SECONDS)
    throw new SignedRequestError(
      `expected an expiry at most ${MAX_SIGNATURE_TTL_SECONDS} s ahead, got ${at} (now ${Math.floor(nowSeconds)})`,
    );
  let signer: string;
  try {
    signer = verifyMessage(signedRequestText(method, path, at, body), signature);
  } catch (e) {
    throw new SignedRequestError(`the request's signature does not recover: ${(e as Error).message}`);
  }
  if (signer !== getAddress(address))
    throw new SignedRequestError(
      `the request is signed by ${signer}, not by ${getAddress(address)} (or it was changed after signing)`,
    );
  return signer;
}
