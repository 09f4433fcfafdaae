/**
 * The order in which a store serves its calls: one at a time, in the order made, so that a call made while a
 * transaction runs sees all of it or (when made before it) none of it, as the store interface promises
 * (`BureauStore.transaction`). A call on the store from inside a transaction's callback is refused: queued
 * behind the transaction, it would wait forever.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { StoreError } from "./store";

/** One transaction's scope: its handle is refused once it has ended. */
export interface TransactionScope {
  active: boolean;
}

/**
 * Runs tasks one at a time, in the order given: each starts once the one before has settled, failed or not. The
 * store's calls, the bureau account's transactions (`./transactionSender`) and the relay's consents wait in one.
 */
export class InOrder {
  /** Settles when the last task given has settled. */
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task given before it; settles as it does. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** Serves a store's calls one at a time, in order; closes once, after the calls made before. */
export class CallQueue {
  /** Which transaction, if any, the current async context runs inside. */
  readonly #context = new AsyncLocalStorage<TransactionScope>();
  readonly #order = new InOrder();
  #closed = false;

  /** @param name - the store's name in errors, e.g. "postgres store" */
  constructor(readonly name: string) {}

  /**
   * Serves `op` after every call made before it.
   * @throws {StoreError} `transaction` when called from inside a transaction's callback; `closed` after close
   */
  run<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.#context.getStore()?.active) {
      return Promise.reject(
        new StoreError(
          "transaction",
          `${what} called on the store inside transaction(): use the handle passed to the callback ` +
            "(this call would wait for the transaction forever)",
        ),
      );
    }
    return this.#order.run(() => {
      if (this.#closed) throw new StoreError("closed", `${this.name}: ${what} used after close()`);
      return op();
    });
  }

  /**
   * Serves `op` as a transaction: in order like {@link run}, with a scope that is active while `op` runs (calls on
   * the store from inside are refused) and ended after.
   */
  transaction<T>(op: (scope: TransactionScope) => Promise<T>): Promise<T> {
    return this.run("transaction", async () => {
      const scope: TransactionScope = { active: true };
      try {
        return await this.#context.run(scope, () => op(scope));
      } finally {
        scope.active = false;
      }
    });
  }

  /** Runs `fn` once, after every call made before; later calls are refused as `closed`. Twice is fine. */
  async close(fn: () => Promise<void>): Promise<void> {
    if (this.#closed) return;
    await this.run("close", async () => {
      if (this.#closed) return;
      this.#closed = true;
      await fn();
    }).catch((e) => {
      if (!(e instanceof StoreError && e.code === "closed")) throw e;
    });
  }
}

/**
 * Guards a transaction's operations: each is refused with {@link StoreError} `transaction` once the transaction
 * has ended.
 */
export function guarded<Ops extends object>(ops: Ops, scope: TransactionScope): Ops {
  return new Proxy(ops, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (!scope.active) {
          return Promise.reject(new StoreError("transaction", "transaction handle used after its transaction ended"));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
