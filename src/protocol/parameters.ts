/**
 * The bureau's ring-Pedersen parameters as it publishes them: one document (canonical JSON) naming the deployment
 * and the bureau, with the parameters (N̂, s, t) and their proof Π^prm. A bank reads it once per bureau and
 * deployment, verifies Π^prm (so that its proof Π^fac under these parameters hides its factors), and proves under
 * them that its key has no small factor (see `src/proofs/factors.ts`). The bureau verifies Π^fac against the
 * parameters it holds, so a document swapped on the way can only make the bank's form refused, never accepted.
 * @module
 */
import {
  decodeRingPedersenParameters,
  decodeRingPedersenProof,
  encodeRingPedersenParameters,
  encodeRingPedersenProof,
  proveRingPedersen,
  verifyRingPedersen,
  type RingPedersenParameters,
  type RingPedersenSecret,
} from "../proofs";
import { asRecord, messageHash, parametersProofContext, PROTOCOL, type CheckContext } from "./messages";

/** The chain and condition-matching contract a document is bound to. */
export type Deployment = Pick<CheckContext, "chainId" | "contract">;

/** The largest parameters document accepted, in bytes (about 200 kB at 3072 bits, 270 kB at 4096). */
export const MAX_PARAMETERS_BYTES = 512 * 1024;

/**
 * The bureau's parameters document, with a fresh Π^prm bound to the deployment and the bureau.
 * @param secret the bureau's parameters with their secrets
 * @param bureau the bureau's address
 * @returns the document's bytes (UTF-8 JSON)
 */
export function parametersDocument(secret: RingPedersenSecret, deployment: Deployment, bureau: string): Uint8Array {
  const proof = proveRingPedersen(secret, parametersProofContext(deployment, bureau));
  return new TextEncoder().encode(
    JSON.stringify({
      protocol: PROTOCOL,
      kind: "ring-pedersen",
      chainId: deployment.chainId.toString(),
      contract: deployment.contract.toLowerCase(),
      bureau: bureau.toLowerCase(),
      parameters: encodeRingPedersenParameters(secret.parameters),
      proof: encodeRingPedersenProof(proof),
    }),
  );
}

/**
 * Documents whose Π^prm verified, by their keccak256 and what they were read as bound to (verifying costs about 128
 * exponentiations modulo N̂).
 */
const verified = new Map<string, RingPedersenParameters>();

/**
 * Reads a bureau's parameters document and verifies its Π^prm (once per document: the answer is kept).
 * @param bureau the bureau's address the document must name
 * @returns the parameters, to prove Π^fac under
 * @throws Error naming what is wrong: size, JSON, protocol, kind, deployment, bureau, the parameters, the proof
 */
export function readParametersDocument(
  bytes: Uint8Array,
  deployment: Deployment,
  bureau: string,
): RingPedersenParameters {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_PARAMETERS_BYTES) {
    throw new Error(`bureau parameters: expected at most ${MAX_PARAMETERS_BYTES} bytes, got ${bytes?.length}`);
  }
  const id = `${messageHash(bytes)} ${new TextDecoder().decode(parametersProofContext(deployment, bureau))}`;
  const known = verified.get(id);
  if (known !== undefined) return known;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Error(`bureau parameters: expected JSON, got unparsable bytes (${(e as Error).message})`);
  }
  const document = asRecord(parsed, "bureau parameters");
  const expected: Record<string, string> = {
    protocol: PROTOCOL,
    kind: "ring-pedersen",
    chainId: deployment.chainId.toString(),
    contract: deployment.contract.toLowerCase(),
    bureau: bureau.toLowerCase(),
  };
  for (const [key, value] of Object.entries(expected)) {
    if (document[key] !== value) {
      throw new Error(
        `bureau parameters: expected ${key} ${JSON.stringify(value)}, got ${JSON.stringify(document[key])}`,
      );
    }
  }
  const parameters = decodeRingPedersenParameters(document.parameters);
  const proof = decodeRingPedersenProof(parameters, document.proof);
  verifyRingPedersen(parameters, proof, parametersProofContext(deployment, bureau));
  verified.set(id, parameters);
  return parameters;
}
