/**
 * The message board of a bureau service, over its HTTP API: banks publish their forms and
 * responses there and fetch the bureau's messages by the hash the chain holds. Nothing fetched is
 * trusted: every message is checked against the hash it was asked for.
 *
 * The bureau serves a check's messages only to its parties, and takes a message only from an active bank: the board
 * signs its requests as the bank (`protocol/signedRequest`), for the one bureau it was made for and the signer's
 * chain, with a new nonce for every request sent (a request sent again is signed again).
 * @module
 */
import { importDgkPublicKey, type DgkPublicKey } from "../dgk";
import type { MessageBoard } from "../protocol/board";
import { getAddress, isAddress } from "ethers";
import { MAX_MESSAGE_BYTES, messageHash } from "../protocol/messages";
import { MAX_PARAMETERS_BYTES } from "../protocol/parameters";
import { BureauRefused, checkedParty, requestBureau, signedAs, type BureauParty } from "./bureauRequest";

export { BureauRefused, BureauUnavailable, requestBureau, type BureauParty } from "./bureauRequest";

export class HttpBoard implements MessageBoard {
  readonly #base: string;
  readonly #party: BureauParty | undefined;
  #chainId: Promise<bigint> | undefined;

  /**
   * @param baseUrl the bureau service, for instance `http://127.0.0.1:8600`
   * @param party the bank's signer and the bureau's address (without them, reads and uploads are refused)
   * @throws Error when the bureau is not an address
   */
  constructor(baseUrl: string, party?: BureauParty) {
    this.#base = baseUrl.replace(/\/+$/, "");
    this.#party = party && checkedParty(party);
  }

  /** Headers that sign one request, on the signer's chain as first read (made anew for each attempt). */
  #signer(method: string, path: string, body?: Uint8Array): (() => Promise<Record<string, string>>) | undefined {
    const party = this.#party;
    if (party === undefined) return undefined;
    return signedAs(
      party,
      { method, path, body },
      () => (this.#chainId ??= party.signer.provider!.getNetwork().then((n) => n.chainId)),
    );
  }

  async publish(bytes: Uint8Array): Promise<string> {
    if (bytes.length > MAX_MESSAGE_BYTES)
      throw new Error(`message: expected at most ${MAX_MESSAGE_BYTES} bytes, got ${bytes.length}`);
    const response = await requestBureau(
      this.#base,
      "/v1/messages",
      { method: "POST", headers: { "content-type": "application/octet-stream" }, body: bytes },
      this.#signer("POST", "/v1/messages", bytes),
    );
    const { hash } = (await response.json()) as { hash?: string };
    const expected = messageHash(bytes);
    if (hash?.toLowerCase() !== expected)
      throw new Error(`bureau at ${this.#base} stored the message under ${hash}, expected ${expected}`);
    return expected;
  }

  async fetch(hash: string): Promise<Uint8Array> {
    const path = `/v1/messages/${hash.toLowerCase()}`;
    const response = await requestBureau(this.#base, path, { method: "GET" }, this.#signer("GET", path));
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > MAX_MESSAGE_BYTES)
      throw new Error(`message: expected at most ${MAX_MESSAGE_BYTES} bytes, got ${bytes.length}`);
    if (messageHash(bytes) !== hash.toLowerCase())
      throw new Error(`bureau at ${this.#base} served bytes that do not hash to ${hash}: refused`);
    return bytes;
  }

  /**
   * The ring-Pedersen parameters document of the bureau serving this board (`GET /v1/parameters`); the reader checks
   * that it names the bureau it expects (`readParametersDocument`).
   */
  async parameters(): Promise<Uint8Array> {
    const response = await requestBureau(this.#base, "/v1/parameters", { method: "GET" });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > MAX_PARAMETERS_BYTES)
      throw new Error(`bureau parameters: expected at most ${MAX_PARAMETERS_BYTES} bytes, got ${bytes.length}`);
    // A service that answers for another bureau than the one this board's requests are signed for: refused now,
    // as its signed requests would be, before any check is opened.
    const served = this.#party && servedBureau(bytes);
    if (served !== undefined && this.#party !== undefined && served !== this.#party.bureau)
      throw new BureauRefused(
        409,
        `bureau at ${this.#base} serves another bureau (this is ${served}), not ${this.#party.bureau}`,
      );
    return bytes;
  }
}

/**
 * Reserves a fresh comparison key of the bureau at `baseUrl` to the bank `party.signer` speaks for, for one check of its
 * own: the bank names it in the form (`CheckRequest.comparisonKey`) and may precompute its re-randomisers for it
 * until the check. Not idempotent: each call reserves another key (a bank holds a few at most).
 * @throws {BureauRefused} when the bureau refuses (not an active bank, too many unused reservations);
 *   {@link BureauUnavailable}; Error when the key served fails the DGK import checks or its fingerprint
 */
export async function reserveComparisonKey(
  baseUrl: string,
  party: BureauParty,
): Promise<{ readonly publicKey: DgkPublicKey; readonly expiresAt: number }> {
  const path = "/v1/comparison-keys";
  // No body: the request says nothing but who asks, which the signature proves.
  const response = await requestBureau(baseUrl, path, { method: "POST" }, signedAs(party, { method: "POST", path }));
  const served = (await response.json()) as { publicKey?: unknown; fingerprint?: unknown; expiresAt?: unknown };
  const publicKey = importDgkPublicKey(served.publicKey);
  if (publicKey.fingerprint !== served.fingerprint)
    throw new Error(
      `bureau at ${baseUrl}: served a key with fingerprint ${publicKey.fingerprint}, not ${String(served.fingerprint)}`,
    );
  return { publicKey, expiresAt: Number(served.expiresAt) };
}

/** The bureau a parameters document names, checksummed, if it names one (the reader checks the rest). */
function servedBureau(bytes: Uint8Array): string | undefined {
  try {
    const { bureau } = JSON.parse(new TextDecoder().decode(bytes)) as { bureau?: unknown };
    return typeof bureau === "string" && isAddress(bureau) ? getAddress(bureau) : undefined;
  } catch {
    return undefined; // not JSON: readParametersDocument says so
  }
}
