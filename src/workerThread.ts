/**
 * The worker-thread side of a {@link WorkerPool}: answers each request of the pool with its handler's reply, or with
 * the message of what the handler threw. A worker entry calls {@link serveRequests} once, at load.
 *
 * The messages between the two sides, in order of a request's life: the pool posts `{ id, request }`, the thread
 * answers `{ id, reply }` or `{ id, error }` (a message, which the pool rejects the request with).
 * @module
 */

import { parentPort, workerData } from "node:worker_threads";

/** A request as the pool posts it. */
export interface RequestMessage<Request> {
  readonly id: number;
  readonly request: Request;
}

/** An answer as the thread posts it. */
export type ReplyMessage<Reply> =
  | { readonly id: number; readonly reply: Reply }
  | { readonly id: number; readonly error: string };

/**
 * Serves the pool's requests on this thread in the order they came: a synchronous handler answers them one at a
 * time; an asynchronous one's requests interleave where it awaits (a long one that yields lets short ones through).
 * @param makeHandler called once with the pool's `init` (`WorkerPoolOptions.init`); returns the handler of every
 *   request
 * @example serveRequests((key: KeyData) => (request: { count: number }) => compute(key, request.count));
 */
export function serveRequests<Request, Reply, Init = unknown>(
  makeHandler: (init: Init) => (request: Request) => Reply | Promise<Reply>,
): void {
  const port = parentPort;
  if (port === null) return; // loaded outside a worker thread: nothing to serve
  const handle = makeHandler((workerData as { init: Init }).init);
  port.on("message", async ({ id, request }: RequestMessage<Request>) => {
    let answer: ReplyMessage<Reply>;
    try {
      answer = { id, reply: await handle(request) };
    } catch (err) {
      answer = { id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(answer);
  });
}

/**
 * Memoises `make` for the `limit` most recently added keys: a worker's per-key set-up (an imported key, its
 * exponentiators, whose OpenSSL set-up costs a primality test) made once, without growing without bound.
 * @param nameOf the cache's name for an argument: everything `make` uses of it
 * @example const contextOf = keepRecent(8, (n: bigint) => n, createPublicContext);
 */
export function keepRecent<Argument, Name, Value>(
  limit: number,
  nameOf: (argument: Argument) => Name,
  make: (argument: Argument) => Value,
): (argument: Argument) => Value {
  const kept = new Map<Name, Value>();
  return (argument) => {
    const name = nameOf(argument);
    let value = kept.get(name);
    if (value === undefined) {
      value = make(argument);
      kept.set(name, value);
      if (kept.size > limit) kept.delete(kept.keys().next().value as Name);
    }
    return value;
  };
}
