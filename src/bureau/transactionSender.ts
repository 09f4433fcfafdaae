/**
 * The one sender of the bureau account's transactions. The evaluator works on several checks at once and the consent
 * relay submits consents from the same account; a key the bureau holds itself (not an account of the node) takes its
 * nonce from the node's pending count, which two sends at the same moment would read alike. So every transaction of
 * the account is sent through one {@link TransactionSender}, which the service owns and hands to both.
 * @module
 */
import { InOrder } from "./callQueue";

/** Sends one transaction after the previous one was sent (not mined): each takes the next nonce in turn. */
export class TransactionSender {
  readonly #order = new InOrder();

  /**
   * Sends `transaction` once every transaction given before has been sent (or failed to be).
   * @param transaction sends one transaction, e.g. `() => matching.postAnswer(checkId, hash)`
   * @returns what it returns (a transaction response, to `wait()` for)
   * @example await (await sender.send(() => matching.refuseCheck(checkId, reason))).wait()
   */
  send<T>(transaction: () => Promise<T>): Promise<T> {
    return this.#order.run(transaction);
  }
}
