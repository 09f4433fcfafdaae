/**
 * The bureau's message board and check journal on its store: messages it publishes or receives, and the secret
 * state of each check in progress, written together in one transaction so that a restart finds both or neither.
 * @module
 */
import type { BureauJournal, JournalEntry } from "../clients/creditCheck";
import type { MessageBoard } from "../protocol/board";
import type { BureauCheckState } from "../protocol/bureau";
import { MAX_MESSAGE_BYTES, messageHash } from "../protocol/messages";
import type { BureauStore } from "./store";

/** The board the bureau serves over HTTP, kept in its database. */
export class StoreBoard implements MessageBoard {
  constructor(readonly store: BureauStore) {}

  async publish(bytes: Uint8Array): Promise<string> {
    if (bytes.length > MAX_MESSAGE_BYTES)
      throw new Error(`message: expected at most ${MAX_MESSAGE_BYTES} bytes, got ${bytes.length}`);
    const hash = messageHash(bytes);
    await this.store.putMessage(hash, bytes);
    return hash;
  }

  async fetch(hash: string): Promise<Uint8Array> {
    const bytes = await this.store.getMessage(hash);
    if (bytes === undefined) throw new Error(`no message with keccak256 ${hash} on this board`);
    return bytes;
  }
}

/**
 * The journal in the store, keyed by check id and form hash: the shares are sealed at rest by the store.
 *
 * Each entry carries the form hash the check had on-chain when the entry was written. A check re-mined with the
 * same id after a reorganisation, with another form, must not meet the old check's challenge or shares: an entry
 * whose form hash differs from the check's current one is ignored and forgotten. An entry kept from schema
 * version 1 has no form hash; it is taken as the current form's (it was written by a bureau that had to be stopped
 * for the upgrade, and its next write tags it).
 */
export class StoreJournal implements BureauJournal {
  /**
   * @param store - where entries and messages are kept
   * @param formHashOf - the check's form hash on-chain now (`ConditionMatching.checkOf(id).formHash`)
   */
  constructor(
    readonly store: BureauStore,
    readonly formHashOf: (checkId: string) => Promise<string>,
  ) {}

  async record(checkId: string, entry: JournalEntry, message: Uint8Array): Promise<void> {
    const state = new TextEncoder().encode(JSON.stringify(entry.state ?? null));
    const formHash = await this.formHashOf(checkId);
    await this.store.transaction(async (tx) => {
      await tx.putMessage(entry.messageHash, message);
      await tx.putCheck(checkId, {
        stage: entry.stage,
        formHash,
        state,
        messageHash: entry.messageHash,
        updatedAt: Date.now(),
      });
    });
  }

  async entry(checkId: string): Promise<JournalEntry | undefined> {
    const progress = await this.store.getCheck(checkId);
    if (progress === undefined) return undefined;
    if (progress.formHash !== undefined) {
      const current = (await this.formHashOf(checkId)).toLowerCase();
      if (progress.formHash !== current) {
        // Another check under the same id (a reorganisation): this entry's shares belong to a form that is gone.
        await this.store.deleteCheck(checkId);
        return undefined;
      }
    }
    if (progress.stage !== "challenged" && progress.stage !== "answered") {
      throw new Error(`check ${checkId}: journal stage "${progress.stage}" is not one this bureau writes`);
    }
    const state = JSON.parse(new TextDecoder().decode(progress.state)) as BureauCheckState | null;
    return { stage: progress.stage, messageHash: progress.messageHash!, state: state ?? undefined };
  }

  async forget(checkId: string): Promise<void> {
    await this.store.deleteCheck(checkId);
  }
}
