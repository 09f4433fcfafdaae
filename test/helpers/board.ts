/** A bank's board over the bureau's HTTP API that a test or bench re-routes or wraps, written once. */
import type { HttpBoard } from "../../src/clients/httpBoard";
import type { MessageBoard } from "../../src/protocol/board";

/** One of a board's requests, by name. */
export type BoardRequest = "publish" | "fetch" | "parameters";

/**
 * A board whose every request (publish, fetch, the bureau's parameters) goes to the board `current()` returns at that
 * moment, so that a test can restart or swap the bureau's service under a bank; through `around` when given (a
 * bench's retry), which must make the request it is handed.
 * @example boardThrough(() => new HttpBoard(service.url, { signer: bank, bureau }))
 */
export function boardThrough(
  current: () => HttpBoard,
  around: <T>(request: BoardRequest, make: () => Promise<T>) => Promise<T> = (_, make) => make(),
): MessageBoard {
  return {
    publish: (bytes) => around("publish", () => current().publish(bytes)),
    fetch: (hash) => around("fetch", () => current().fetch(hash)),
    parameters: () => around("parameters", () => current().parameters()),
  };
}
