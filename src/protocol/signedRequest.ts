/**
 * Signed requests to a bureau's API: the caller proves which account it speaks for with an EIP-191 signature
 * (`personal_sign`) over the request's method and path, the chain and the bureau it is meant for, a short expiry, a
 * random nonce and the keccak256 of its body, carried in headers. The bureau serves a check's messages only to its
 * parties, and takes a message only from an active bank, on such a signature; the body's hash travels in a header, so
 * that the bureau knows who uploads before it reads a byte of the body.
 *
 * The signed text (UTF-8, lines joined by `\n`):
 *
 * ```text
 * blindcredit request
 * chain 31337
 * bureau 0x… (the bureau's address, checksummed)
 * POST /v1/messages
 * expiry 1767139200
 * nonce 0x… (16 random bytes)
 * body 0x… (keccak256 of the body; of no bytes for a request without one)
 * ```
 *
 * A signature is good for one request to one bureau on one chain: another bureau or chain recovers another signer,
 * and the bureau refuses a nonce it has seen ({@link ReplayGuard}, kept until the signature expires).
 * @module
 */
import { getAddress, hexlify, isAddress, isHexString, randomBytes, verifyMessage, type Signer } from "ethers";
import { CodedError } from "../errors";
import { keccak256 } from "./keccak";

/** The headers of a signed request (lower-case, as Node reports them). */
export const SIGNED_HEADERS = {
  address: "x-blindcredit-address",
  expiry: "x-blindcredit-expiry",
  nonce: "x-blindcredit-nonce",
  bodyHash: "x-blindcredit-body-hash",
  signature: "x-blindcredit-signature",
} as const;

/** How long a signature lives by default, in seconds. */
export const DEFAULT_SIGNATURE_TTL_SECONDS = 60;

/** The longest a bureau accepts, in seconds: an expiry further ahead is refused. */
export const MAX_SIGNATURE_TTL_SECONDS = 300;

/** What a signature is bound to besides the request itself: the chain and the bureau it is meant for. */
export interface RequestAudience {
  /** The chain id of the deployment (EIP-155). */
  readonly chainId: bigint;
  /** The bureau's account address (any case). */
  readonly bureau: string;
}

/** A request as signed: its method, path and audience. */
export interface RequestTarget extends RequestAudience {
  readonly method: string;
  readonly path: string;
}

/** A signature's fields, as the headers carry them. */
export interface SignedFields {
  readonly expiry: number;
  /** 16 bytes, 0x-hex. */
  readonly nonce: string;
  /** keccak256 of the body, 0x-hex. */
  readonly bodyHash: string;
}

/** The text a signed request's signature covers. */
export function signedRequestText(target: RequestTarget, fields: SignedFields): string {
  return [
    "blindcredit request",
    `chain ${target.chainId}`,
    `bureau ${getAddress(target.bureau)}`,
    `${target.method.toUpperCase()} ${target.path}`,
    `expiry ${fields.expiry}`,
    `nonce ${fields.nonce.toLowerCase()}`,
    `body ${fields.bodyHash.toLowerCase()}`,
  ].join("\n");
}

/**
 * The headers that sign a request as `signer`, for one bureau on one chain; each call makes a new nonce, so that a
 * request made again needs headers made again.
 * @param nowSeconds the current Unix time (default the machine's clock)
 * @example await signRequest(bank, { method: "GET", path: `/v1/messages/${hash}`, chainId: 31337n, bureau })
 */
export async function signRequest(
  signer: Signer,
  request: RequestTarget & { readonly body?: Uint8Array },
  options: { readonly ttlSeconds?: number; readonly nowSeconds?: number } = {},
): Promise<Record<string, string>> {
  const ttl = options.ttlSeconds ?? DEFAULT_SIGNATURE_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_SIGNATURE_TTL_SECONDS)
    throw new Error(`ttlSeconds: expected an integer in [1, ${MAX_SIGNATURE_TTL_SECONDS}], got ${ttl}`);
  if (!isAddress(request.bureau)) throw new Error(`bureau: expected an address, got ${String(request.bureau)}`);
  const fields: SignedFields = {
    expiry: Math.floor(options.nowSeconds ?? Date.now() / 1000) + ttl,
    nonce: hexlify(randomBytes(16)),
    bodyHash: keccak256(request.body ?? new Uint8Array()),
  };
  const signature = await signer.signMessage(signedRequestText(request, fields));
  return {
    [SIGNED_HEADERS.address]: await signer.getAddress(),
    [SIGNED_HEADERS.expiry]: String(fields.expiry),
    [SIGNED_HEADERS.nonce]: fields.nonce,
    [SIGNED_HEADERS.bodyHash]: fields.bodyHash,
    [SIGNED_HEADERS.signature]: signature,
  };
}

/** Why a signed request was refused: `replayed` for a nonce already used, `too-many` over the signer's bound. */
export class SignedRequestError extends CodedError<"invalid" | "replayed" | "too-many"> {
  constructor(message: string, code: SignedRequestError["code"] = "invalid") {
    super(code, message);
  }
}

/** A request whose signature checked out: who signed it and what it promised. */
export interface SignedRequest extends SignedFields {
  /** The signer's address, checksummed. */
  readonly signer: string;
}

/**
 * Checks a request's signature from its headers alone (the body's hash is one of them), so that it can be done before
 * the body is read; {@link expectBody} then checks the body against the hash. Returns undefined when the request
 * carries none of the headers.
 * @throws {SignedRequestError} when the headers are partial or malformed, the expiry passed or lies more than
 *   {@link MAX_SIGNATURE_TTL_SECONDS} ahead, or the signature is not the named account's over this request to this
 *   bureau on this chain
 */
export function verifySignedRequest(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  target: RequestTarget,
  nowSeconds: number = Date.now() / 1000,
): SignedRequest | undefined {
  const names = Object.values(SIGNED_HEADERS);
  if (names.every((name) => headers[name] === undefined)) return undefined;
  const [address, expiry, nonce, bodyHash, signature] = names.map((name) => headers[name]);
  const got = (value: unknown) => (value === undefined ? "nothing" : JSON.stringify(value).slice(0, 80));
  if (typeof address !== "string" || !isAddress(address))
    throw new SignedRequestError(`expected ${SIGNED_HEADERS.address} to be an address, got ${got(address)}`);
  if (typeof expiry !== "string" || !/^\d{1,12}$/.test(expiry))
    throw new SignedRequestError(`expected ${SIGNED_HEADERS.expiry} in Unix seconds, got ${got(expiry)}`);
  if (typeof nonce !== "string" || !isHexString(nonce, 16))
    throw new SignedRequestError(`expected ${SIGNED_HEADERS.nonce} as 16 bytes of 0x-hex, got ${got(nonce)}`);
  if (typeof bodyHash !== "string" || !isHexString(bodyHash, 32))
    throw new SignedRequestError(
      `expected ${SIGNED_HEADERS.bodyHash} as the body's keccak256 (32 bytes of 0x-hex), got ${got(bodyHash)}`,
    );
  if (typeof signature !== "string" || !isHexString(signature, 65))
    throw new SignedRequestError(`expected ${SIGNED_HEADERS.signature} as 65 bytes of 0x-hex, got ${got(signature)}`);
  const at = Number(expiry);
  if (at < nowSeconds)
    throw new SignedRequestError(`the request's signature expired at ${at} (now ${Math.floor(nowSeconds)})`);
  if (at > nowSeconds + MAX_SIGNATURE_TTL_SECONDS)
    throw new SignedRequestError(
      `expected an expiry at most ${MAX_SIGNATURE_TTL_SECONDS} s ahead, got ${at} (now ${Math.floor(nowSeconds)})`,
    );
  const fields = { expiry: at, nonce: nonce.toLowerCase(), bodyHash: bodyHash.toLowerCase() };
  let signer: string;
  try {
    signer = verifyMessage(signedRequestText(target, fields), signature);
  } catch (e) {
    throw new SignedRequestError(`the request's signature does not recover: ${(e as Error).message}`);
  }
  if (signer !== getAddress(address))
    throw new SignedRequestError(
      `the request is signed by ${signer}, not by ${getAddress(address)}: it was signed for another request, ` +
        `bureau (this is ${getAddress(target.bureau)}) or chain (this is ${target.chainId}), or changed after signing`,
    );
  return { signer, ...fields };
}

/**
 * Checks a body against the hash its signature promised.
 * @throws {SignedRequestError} when it hashes to something else
 */
export function expectBody(signed: SignedRequest, body: Uint8Array): void {
  const hash = keccak256(body);
  if (hash !== signed.bodyHash)
    throw new SignedRequestError(
      `expected a body whose keccak256 is ${signed.bodyHash} (${SIGNED_HEADERS.bodyHash}), got one hashing to ${hash}`,
    );
}

/**
 * The nonces a bureau has seen, each kept until its signature expires, so that a signed request is served once.
 * Only requests that passed every other check are recorded (a stranger's signatures take no room), and each signer
 * holds at most `maxPerSigner` live nonces: a party that signs faster is refused, not the others.
 */
export class ReplayGuard {
  /** `signer nonce` → expiry (Unix seconds), in the order seen. */
  readonly #seen = new Map<string, number>();
  readonly #perSigner = new Map<string, number>();

  /** @param maxPerSigner live nonces one signer may hold at once (default 10 000: 33 requests a second for 300 s) */
  constructor(readonly maxPerSigner = 10_000) {}

  /** How many nonces are held now. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records the request's nonce.
   * @throws {SignedRequestError} `replayed` when it was seen before; `too-many` when its signer holds
   *   `maxPerSigner` live nonces
   */
  admit(signed: SignedRequest, nowSeconds: number = Date.now() / 1000): void {
    this.#prune(nowSeconds);
    const key = `${signed.signer} ${signed.nonce}`;
    if (this.#seen.has(key))
      throw new SignedRequestError(
        `this signed request (nonce ${signed.nonce}) was served already: sign each request anew`,
        "replayed",
      );
    const held = this.#perSigner.get(signed.signer) ?? 0;
    if (held >= this.maxPerSigner)
      throw new SignedRequestError(
        `expected at most ${this.maxPerSigner} signed requests from ${signed.signer} per ${MAX_SIGNATURE_TTL_SECONDS} s, ` +
          "got more: slow down",
        "too-many",
      );
    this.#seen.set(key, signed.expiry);
    this.#perSigner.set(signed.signer, held + 1);
  }

  /** Forgets the nonces whose signatures have expired (a replay of them is refused as expired). */
  #prune(nowSeconds: number): void {
    for (const [key, expiry] of this.#seen) {
      // In the order seen: stop at the first still live. Every later one was seen after it, within at most
      // MAX_SIGNATURE_TTL_SECONDS of its own expiry, so nothing is held longer than twice the window.
      if (expiry >= nowSeconds) break;
      this.#seen.delete(key);
      const signer = key.slice(0, key.indexOf(" "));
      const left = (this.#perSigner.get(signer) ?? 1) - 1;
      if (left <= 0) this.#perSigner.delete(signer);
      else this.#perSigner.set(signer, left);
    }
  }
}
