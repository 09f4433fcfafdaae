/**
 * The worker-thread side of {@link ComparisonKeyThreads}: makes comparison keys, keeps each (with the exponentiation
 * contexts its prime search set up) until its check is over, and zero-tests values under it. Started by
 * `ComparisonKeyThreads`; not meant to be imported.
 *
 * A key the thread does not hold (the service restarted, or it was made on the main thread) is imported from the
 * request, with every check of an import.
 * @module
 */

import {
  exportDgkPrivateKey,
  importDgkPrivateKey,
  randomizer,
  type DgkPrivateKey,
  type DgkPrivateKeyJson,
} from "../dgk";
import { ComparisonValueError, bureauShares } from "../protocol/comparison";
import { serveRequests } from "../workerThread";
import { makeComparisonKey, type KeyThreadReply, type KeyThreadRequest } from "./comparisonKeyThreads";

/** Keys held at once: the pool's stock, the reserved keys and the open checks'; the oldest go first beyond it. */
const KEYS_HELD = 1024;

serveRequests(() => {
  const held = new Map<string, DgkPrivateKey>();
  const hold = (key: DgkPrivateKey) => {
    held.set(key.publicKey.fingerprint, key);
    if (held.size > KEYS_HELD) held.delete(held.keys().next().value as string);
  };
  const heldOrImported = (fingerprint: string, json: DgkPrivateKeyJson) => {
    let key = held.get(fingerprint);
    if (key === undefined) {
      key = importDgkPrivateKey(json);
      hold(key);
    }
    return key;
  };
  return async (request: KeyThreadRequest): Promise<KeyThreadReply> => {
    switch (request.kind) {
      case "make": {
        const { key, randomizers } = await makeComparisonKey(request.options, request.randomizers);
        hold(key);
        return { kind: "made", key: exportDgkPrivateKey(key), randomizers };
      }
      case "randomizers": {
        const key = heldOrImported(request.fingerprint, request.key);
        return { kind: "randomizers", randomizers: Array.from({ length: request.count }, () => randomizer(key)) };
      }
      case "shares": {
        const key = heldOrImported(request.fingerprint, request.key);
        try {
          return { kind: "shares", shares: bureauShares(key, request.comparisons) };
        } catch (e) {
          if (!(e instanceof ComparisonValueError)) throw e;
          return { kind: "refused", comparison: e.comparison ?? 0, value: e.index, message: e.message };
        }
      }
      case "discard":
        held.delete(request.fingerprint);
        return undefined;
    }
  };
});
