/**
 * What the bureau remembers of its checks between steps, and where: the journal's interface, one in memory (a
 * bureau in one process), and the message board and journal on its store, written together in one transaction so
 * that a restart finds both or neither.
 * @module
 */
import type { MessageBoard } from "../protocol/board";
import type { BureauCheckState } from "../protocol/bureau";
import { MAX_MESSAGE_BYTES, messageHash } from "../protocol/messages";
import { CheckRefusal, RefusalReason } from "../protocol/refusal";
import { LeaseLostError } from "./leases";
import { SealingError } from "./sealing";
import type { BureauStore } from "./store";

/** Where a check stands for the bureau after it published a message: enough to post it again or go on. */
export interface JournalEntry {
  /** "challenged": the blinded comparisons are published (decision mode); "answered": the answer is. */
  readonly stage: "challenged" | "answered";
  /** keccak256 of the message published at this stage, the commitment to post on-chain. */
  readonly messageHash: string;
  /** Decision mode, once challenged: the form's shape, needed for the answer. */
  readonly state?: BureauCheckState;
}

/**
 * What the bureau remembers of its checks between steps. The bureau service keeps it in its database, so that
 * a restart loses nothing: a message is journaled with the state it needs before its hash goes on-chain.
 */
export interface BureauJournal {
  /**
   * Publishes `message` and records `entry` for the check, both or neither.
   * @throws `LeaseLostError` (`./leases`) from a journal bound to a lease owner that no longer holds the check's
   *   lease (nothing is written)
   */
  record(checkId: string, entry: JournalEntry, message: Uint8Array): Promise<void>;
  /** The check's entry, if any. */
  entry(checkId: string): Promise<JournalEntry | undefined>;
  /** Forgets a finished check (its secret shares are no longer needed). */
  forget(checkId: string): Promise<void>;
}

/** A journal in memory, publishing to a board: for a bureau in one process (the tests). */
export class MemoryJournal implements BureauJournal {
  readonly #entries = new Map<string, JournalEntry>();
  constructor(readonly board: MessageBoard) {}

  async record(checkId: string, entry: JournalEntry, message: Uint8Array): Promise<void> {
    await this.board.publish(message);
    this.#entries.set(checkId.toLowerCase(), entry);
  }

  async entry(checkId: string): Promise<JournalEntry | undefined> {
    return this.#entries.get(checkId.toLowerCase());
  }

  async forget(checkId: string): Promise<void> {
    this.#entries.delete(checkId.toLowerCase());
  }
}

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
   * @param leaseOwner - when several evaluators share the store: the owner (`./leases`) that must hold the check's
   *   lease for an entry to be written. The lease is checked in the transaction that writes the entry, so that an
   *   evaluator whose lease ended (and whose check another took over) never overwrites the new owner's entry.
   */
  constructor(
    readonly store: BureauStore,
    readonly formHashOf: (checkId: string) => Promise<string>,
    readonly leaseOwner?: string,
  ) {}

  async record(checkId: string, entry: JournalEntry, message: Uint8Array): Promise<void> {
    const state = new TextEncoder().encode(JSON.stringify(entry.state ?? null));
    const formHash = await this.formHashOf(checkId);
    const owner = this.leaseOwner;
    await this.store.transaction(async (tx) => {
      if (owner !== undefined && !(await tx.holdsLease(checkId, owner))) throw new LeaseLostError(checkId, owner);
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

  /**
   * @throws `CheckRefusal` `TamperedData` when the saved entry fails its integrity check (a flipped byte, a row
   *   moved from another check or store): the bureau cannot answer from it, and refuses the check on-chain at once
   *   rather than leave it to its deadline
   */
  async entry(checkId: string): Promise<JournalEntry | undefined> {
    let progress;
    try {
      progress = await this.store.getCheck(checkId);
    } catch (e) {
      if (!(e instanceof SealingError)) throw e;
      throw new CheckRefusal(
        RefusalReason.TamperedData,
        `check ${checkId}: the bureau's saved state failed its integrity check (${e.code}): ${e.message}`,
      );
    }
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
