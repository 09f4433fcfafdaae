/**
 * A worker entry for the WorkerPool tests: echoes a request with its thread's init and id, throws the message of a
 * `fail` request, and stops its thread, unanswered, with the code of an `exit` request.
 */
import { threadId } from "node:worker_threads";
import { serveRequests } from "../../src/workerThread";

/** What the tests send. */
export type TestRequest = { readonly echo: unknown } | { readonly fail: string } | { readonly exit: number };

/** What an echo answers. */
export interface TestReply {
  readonly init: unknown;
  readonly echo: unknown;
  readonly threadId: number;
}

serveRequests((init: unknown) => (request: TestRequest): TestReply => {
  if ("fail" in request) throw new Error(request.fail);
  if ("exit" in request) process.exit(request.exit);
  return { init, echo: request.echo, threadId };
});
