/**
 * The protocol's messages: canonical bytes, their keccak256 commitments, and parsing that refuses
 * anything malformed, oversized, foreign to the check, or not a valid ciphertext of the bank's key.
 *
 * Every message names its stage, its credit schema (id, version, hash) and its context (chain id,
 * condition-matching contract, check id, key fingerprint); its hash is what goes on-chain. A message
 * from another check, chain, deployment, key, schema or stage therefore never matches the commitment
 * it is checked against, and a message written against another schema is refused by name.
 * @module
 */
import { Ciphertext, type PaillierPublicKey } from "../paillier";
import { keccak256 } from "./keccak";
import { MAX_MESSAGE_BYTES } from "./messageLimits";
import { DEFAULT_SCHEMA, describeSchema, type CreditSchema } from "./schema";

/** The protocol name and version carried by every message. */
export const PROTOCOL = "blindcredit/3";
/** The largest message accepted, in bytes (see `./messageLimits`). */
export { MAX_MESSAGE_BYTES };

/** What a message is bound to. */
export interface CheckContext {
  readonly chainId: bigint;
  /** The condition-matching contract. */
  readonly contract: string;
  /** The check id (bytes32 hex). */
  readonly checkId: string;
  /** The bank's key fingerprint (bytes32 hex). */
  readonly keyFingerprint: string;
  /**
   * The credit schema the form is written against (the default schema when omitted): every message names its id,
   * version and hash, and a message naming another is refused.
   */
  readonly schema?: CreditSchema;
}

/**
 * A message's bytes with their keccak256, the commitment a party posts on-chain: nothing is signed, the chain's
 * copy of the hash is what binds the message to its sender.
 */
export interface CommittedMessage {
  readonly bytes: Uint8Array;
  readonly hash: string;
}

/** The protocol's stages, in order. */
export type Stage = "form" | "challenge" | "response" | "answer";

/**
 * The canonical bytes of a message: UTF-8 JSON with members in a fixed order.
 * @param body JSON-ready data; ciphertexts appear as their canonical hex
 */
export function encodeMessage(stage: Stage, context: CheckContext, body: unknown): Uint8Array {
  const json = JSON.stringify({
    protocol: PROTOCOL,
    stage,
    context: contextJson(context), // protocol, stage and context lead: the bureau's API routes on them (HEADER)
    schema: schemaJson(context.schema ?? DEFAULT_SCHEMA),
    body,
  });
  return new TextEncoder().encode(json);
}

/** The commitment to a message that goes on-chain. */
export function messageHash(bytes: Uint8Array): string {
  return keccak256(bytes);
}

/**
 * Parses a message and checks its commitment, protocol, stage, schema and context.
 * @param expectedHash the on-chain commitment, when there is one to check
 * @returns the body, still to be validated by the caller's reader
 * @throws Error naming what did not match
 */
export function decodeMessage(
  bytes: Uint8Array,
  stage: Stage,
  context: CheckContext,
  expectedHash?: string,
): Record<string, unknown> {
  if (!(bytes instanceof Uint8Array)) throw new Error(`${stage} message: expected bytes, got ${typeof bytes}`);
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new Error(`${stage} message: expected at most ${MAX_MESSAGE_BYTES} bytes, got ${bytes.length}`);
  }
  if (expectedHash !== undefined && messageHash(bytes).toLowerCase() !== expectedHash.toLowerCase()) {
    throw new Error(
      `${stage} message: its keccak256 ${messageHash(bytes)} does not match the on-chain commitment ${expectedHash}: ` +
        "tampered with, or from another check",
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Error(`${stage} message: expected UTF-8 JSON, got unparsable bytes (${(e as Error).message})`);
  }
  const message = asRecord(parsed, `${stage} message`);
  if (message.protocol !== PROTOCOL) {
    throw new Error(`${stage} message: expected protocol "${PROTOCOL}", got ${JSON.stringify(message.protocol)}`);
  }
  if (message.stage !== stage)
    throw new Error(`${stage} message: expected stage "${stage}", got ${JSON.stringify(message.stage)}`);
  const schema = context.schema ?? DEFAULT_SCHEMA;
  const named = asRecord(message.schema, `${stage} message schema`);
  if (typeof named.hash !== "string" || named.hash.toLowerCase() !== schema.hash.toLowerCase()) {
    const got = { id: String(named.id), version: String(named.version), hash: String(named.hash) };
    throw new Error(`${stage} message: expected schema ${describeSchema(schema)}, got ${describeSchema(got)}`);
  }
  const expected = contextJson(context);
  const got = asRecord(message.context, `${stage} message context`);
  for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
    if (got[key] !== expected[key]) {
      throw new Error(
        `${stage} message: bound to ${key} ${JSON.stringify(got[key])}, expected ${JSON.stringify(expected[key])}: ` +
          "it belongs to another check",
      );
    }
  }
  return asRecord(message.body, `${stage} message body`);
}

/**
 * Reads a ciphertext of `publicKey` from its hex form.
 * @throws Error naming `where` and what was wrong (format, range, common factor with n)
 */
export function readCiphertext(publicKey: PaillierPublicKey, value: unknown, where: string): Ciphertext {
  if (typeof value !== "string") throw new Error(`${where}: expected a ciphertext as 0x-hex, got ${typeof value}`);
  try {
    return Ciphertext.fromHex(publicKey, value);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** Reads an array of exactly `length` items (any length when omitted). */
export function readArray(value: unknown, where: string, length?: number): unknown[] {
  if (!Array.isArray(value))
    throw new Error(`${where}: expected an array, got ${value === null ? "null" : typeof value}`);
  if (length !== undefined && value.length !== length)
    throw new Error(`${where}: expected ${length} items, got ${value.length}`);
  return value;
}

/** Reads a JSON object. */
export function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(
      `${where}: expected an object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}

function schemaJson(schema: CreditSchema) {
  return { id: schema.id, version: schema.version, hash: schema.hash };
}

function contextJson(context: CheckContext) {
  return {
    chainId: context.chainId.toString(),
    contract: context.contract.toLowerCase(),
    checkId: context.checkId.toLowerCase(),
    keyFingerprint: context.keyFingerprint.toLowerCase(),
  };
}

/**
 * What the bank's proof that its modulus is a Paillier–Blum modulus is bound to: the deployment and the key, not
 * one check, so the bank proves once per key and the bureau verifies once per key.
 */
export function keyProofContext(context: CheckContext): Uint8Array {
  const { chainId, contract, keyFingerprint } = contextJson(context);
  return new TextEncoder().encode(
    JSON.stringify({ protocol: PROTOCOL, proof: "modulus", chainId, contract, keyFingerprint }),
  );
}

/**
 * What the bank's proof that its modulus has no small factor (Π^fac) is bound to: the deployment, the key and the
 * bureau's ring-Pedersen parameters it was made under, so the bank proves once per key and bureau, and the bureau
 * verifies once per key.
 */
export function factorProofContext(context: CheckContext, parameters: string): Uint8Array {
  const { chainId, contract, keyFingerprint } = contextJson(context);
  return new TextEncoder().encode(
    JSON.stringify({
      protocol: PROTOCOL,
      proof: "factors",
      chainId,
      contract,
      keyFingerprint,
      parameters: parameters.toLowerCase(),
    }),
  );
}

/**
 * What the bureau's proof that its ring-Pedersen parameters are well formed (Π^prm) is bound to: the deployment and
 * the bureau's address.
 */
export function parametersProofContext(
  deployment: Pick<CheckContext, "chainId" | "contract">,
  bureau: string,
): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      protocol: PROTOCOL,
      proof: "ring-pedersen",
      chainId: deployment.chainId.toString(),
      contract: deployment.contract.toLowerCase(),
      bureau: bureau.toLowerCase(),
    }),
  );
}

/**
 * What the proof that the bank's shares are bits is bound to: the check (chain, contract, check id, the bank's key)
 * and the check's comparison key, so a proof copied from another check or for other keys does not verify.
 */
export function shareProofContext(context: CheckContext, comparisonKey: string): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      protocol: PROTOCOL,
      proof: "shares",
      ...contextJson(context),
      comparisonKey: comparisonKey.toLowerCase(),
    }),
  );
}

/**
 * What the bank's proof that its scorecards' encrypted weights are in range (Π^enc) is bound to: the deployment, the
 * key and the bureau's ring-Pedersen parameters, not one check, so that the same ciphertexts and proof serve every
 * check of a model (the bank proves once per model, the bureau verifies once per ciphertexts).
 */
export function scorecardWeightsContext(context: CheckContext, parameters: string): Uint8Array {
  const { chainId, contract, keyFingerprint } = contextJson(context);
  return new TextEncoder().encode(
    JSON.stringify({
      protocol: PROTOCOL,
      proof: "scorecard-weights",
      chainId,
      contract,
      keyFingerprint,
      parameters: parameters.toLowerCase(),
    }),
  );
}

/**
 * What the bank's proof that its scorecards' quotients D are in range (Π^enc) is bound to: the check and its
 * comparison key, so that a quotient and proof copied from another check do not verify.
 */
export function scorecardQuotientContext(context: CheckContext, comparisonKey: string): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      protocol: PROTOCOL,
      proof: "scorecard-quotients",
      ...contextJson(context),
      comparisonKey: comparisonKey.toLowerCase(),
    }),
  );
}

/** What a message's first members say: its stage and context's chain, contract and check (lower-case hex). */
export interface MessageHeader {
  readonly stage: string;
  readonly chainId: string;
  readonly contract: string;
  readonly checkId: string;
}

/** How many leading bytes hold a message's header ({@link encodeMessage} writes them first, in a fixed order). */
export const MESSAGE_HEADER_BYTES = 512;

const HEADER =
  /^\{"protocol":"blindcredit\/\d+","stage":"([a-z]{1,16})","context":\{"chainId":"(\d{1,78})","contract":"(0x[0-9a-f]{40})","checkId":"(0x[0-9a-f]{64})"/;

/**
 * A message's stage and context read from its first {@link MESSAGE_HEADER_BYTES} bytes, without parsing the rest:
 * for routing and admission, not trust (the receiver still checks the whole message against its commitment).
 * @returns undefined when the bytes do not start as a protocol message
 */
export function peekMessageHeader(bytes: Uint8Array): MessageHeader | undefined {
  const length = Math.min(bytes.byteLength, MESSAGE_HEADER_BYTES);
  const match = HEADER.exec(Buffer.from(bytes.buffer, bytes.byteOffset, length).toString("latin1"));
  if (match === null) return undefined;
  const [, stage, chainId, contract, checkId] = match;
  return { stage, chainId, contract, checkId };
}
