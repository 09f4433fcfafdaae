/**
 * Where protocol messages travel: published by their sender, fetched by their keccak256 (the
 * commitment the chain holds). The bureau's HTTP API is one board; {@link MemoryBoard} serves a
 * bank and a bureau in one process (the demo, the tests).
 * @module
 */
import { messageHash, MAX_MESSAGE_BYTES } from "./messages";

/** A store of messages addressed by their keccak256. */
export interface MessageBoard {
  /** Stores `bytes` and returns their keccak256. */
  publish(bytes: Uint8Array): Promise<string>;
  /**
   * The message whose keccak256 is `hash`.
   * @throws Error when there is none, or what came back does not hash to `hash`
   */
  fetch(hash: string): Promise<Uint8Array>;
  /**
   * The bureau's ring-Pedersen parameters document (`./parameters`), as the bureau publishes it; boards that
   * serve no bureau's parameters leave it out.
   * @param bureau the bureau's address
   * @throws Error when the bureau has published none
   */
  parameters?(bureau: string): Promise<Uint8Array>;
}

/** A message board in memory. */
export class MemoryBoard implements MessageBoard {
  readonly #messages = new Map<string, Uint8Array>();

  async publish(bytes: Uint8Array): Promise<string> {
    if (bytes.length > MAX_MESSAGE_BYTES)
      throw new Error(`message: expected at most ${MAX_MESSAGE_BYTES} bytes, got ${bytes.length}`);
    const hash = messageHash(bytes);
    this.#messages.set(hash, Uint8Array.from(bytes));
    return hash;
  }

  async fetch(hash: string): Promise<Uint8Array> {
    const bytes = this.#messages.get(hash.toLowerCase());
    if (!bytes) throw new Error(`no message with keccak256 ${hash} on this board`);
    return Uint8Array.from(bytes);
  }

  readonly #parameters = new Map<string, Uint8Array>();

  async parameters(bureau: string): Promise<Uint8Array> {
    const bytes = this.#parameters.get(bureau.toLowerCase());
    if (!bytes) throw new Error(`bureau ${bureau} has published no ring-Pedersen parameters on this board`);
    return Uint8Array.from(bytes);
  }

  /** Publishes a bureau's parameters document (`BureauClient.parametersDocument`), as its API does. */
  publishParameters(bureau: string, bytes: Uint8Array): void {
    this.#parameters.set(bureau.toLowerCase(), Uint8Array.from(bytes));
  }

  /** Replaces a stored message's bytes: for tests that show a tampered message is refused. */
  tamper(hash: string, bytes: Uint8Array): void {
    this.#messages.set(hash.toLowerCase(), Uint8Array.from(bytes));
  }
}
