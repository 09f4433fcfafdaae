/**
 * Prunes the message board: a check's messages are kept while its parties may still need them, and deleted once the
 * check has finished (decided, expired or refused) and they are older than the retention period. A form whose check
 * was never opened, and bytes that name no check, go after the same period.
 * @module
 */
import type { ConditionMatching } from "../../typechain-types";
import { isFinal } from "../checkLifecycle";
import { CheckState } from "../contractEnums";
import { stateOf } from "../protocol/chain";
import type { BureauStore } from "./store";

/** Whether a check's messages serve nobody any more: it is over, or never opened (`None`: a form left alone). */
function isDone(state: CheckState): boolean {
  return state === CheckState.None || isFinal(state);
}

/** How many messages one sweep looks at, at most. */
export const PRUNE_BATCH = 1000;

/**
 * Deletes the messages stored more than `retentionMs` ago whose check has finished; returns how many it deleted.
 * @param now Unix milliseconds (default the machine's clock)
 * @throws RangeError when `retentionMs` is not a non-negative safe integer
 */
export async function pruneMessages(
  store: BureauStore,
  matching: ConditionMatching,
  retentionMs: number,
  now: number = Date.now(),
): Promise<number> {
  if (!Number.isSafeInteger(retentionMs) || retentionMs < 0)
    throw new RangeError(`retentionMs: expected a non-negative safe integer, got ${String(retentionMs)}`);
  const old = await store.oldMessages(Math.max(0, now - retentionMs), PRUNE_BATCH);
  const done = new Map<string, boolean>();
  const doomed: string[] = [];
  for (const { hash, checkId } of old) {
    if (checkId !== undefined && !done.has(checkId)) done.set(checkId, isDone(await stateOf(matching, checkId)));
    if (checkId === undefined || done.get(checkId)) doomed.push(hash);
  }
  return doomed.length === 0 ? 0 : store.deleteMessages(doomed);
}
