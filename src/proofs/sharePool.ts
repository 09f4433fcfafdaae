/**
 * A pool of precomputed bit-proof shares ({@link PrecomputedShare}), filled while the service is idle.
 *
 * A share is a uniform bit δ, E(δ) and the context-free part of its bit proof, about 45 ms of work at 3072 bits
 * (see README.md). A bank that keeps a pool answers a credit check in well under a
 * millisecond per share (`proveBitsPrecomputed`) instead of proving from scratch.
 *
 * - **On the event loop**: {@link SharePool.fill} computes one share per `setImmediate` turn, so other callbacks run
 *   between shares (each turn blocks for one share's time). No worker threads.
 * - **Never empty-handed**: {@link SharePool.take} computes a share on the spot when the pool is empty.
 * - **Single use**: a share leaves the pool when taken and is spent by the proof that uses it.
 * - **Secret**: the pool holds the shares' bits and roots in memory, like the private key it is made from.
 *
 * @module
 */

import { describeValue } from "../paillier/errors";
import { PaillierPrivateKey, PaillierPublicKey } from "../paillier";
import { Stock } from "../stock";
import { PrecomputedShare, precomputeShare } from "./bits";
import { ProofError } from "./errors";

/** The most shares a {@link SharePool} may hold. */
export const MAX_SHARE_POOL_CAPACITY = 65_536;

/** Options for a {@link SharePool}. */
export interface SharePoolOptions {
  /** The most shares held, and what {@link SharePool.fill} fills up to: 1 to {@link MAX_SHARE_POOL_CAPACITY}. */
  readonly capacity: number;
}

/**
 * A bounded pool of precomputed shares for one private key.
 *
 * @example
 * const pool = new SharePool(privateKey, { capacity: 64 });
 * await pool.fill(); // at start-up, and again when idle
 * const shares = comparisons.map(() => pool.take());
 * const proof = proveBitsPrecomputed(privateKey, shares, context);
 */
export class SharePool {
  /** The key the shares are encrypted under. */
  readonly publicKey: PaillierPublicKey;
  /** The most shares held. */
  readonly capacity: number;
  readonly #privateKey: PaillierPrivateKey;
  readonly #shares: Stock<PrecomputedShare>;

  /**
   * @param privateKey - the key to make shares with
   * @param options - the capacity
   * @throws {ProofError} `INVALID_ARGUMENT` when `privateKey` is not a private key or the capacity is not an integer
   *   from 1 to {@link MAX_SHARE_POOL_CAPACITY}
   */
  constructor(privateKey: PaillierPrivateKey, options: SharePoolOptions) {
    if (!(privateKey instanceof PaillierPrivateKey)) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `SharePool: expected a PaillierPrivateKey, got ${describeValue(privateKey)}`,
      );
    }
    const capacity = (options as Partial<SharePoolOptions> | undefined)?.capacity;
    if (!Number.isSafeInteger(capacity) || (capacity as number) < 1 || (capacity as number) > MAX_SHARE_POOL_CAPACITY) {
      throw new ProofError(
        "INVALID_ARGUMENT",
        `SharePool: options.capacity: expected an integer from 1 to ${MAX_SHARE_POOL_CAPACITY}, got ` +
          describeValue(capacity),
      );
    }
    this.#privateKey = privateKey;
    this.publicKey = privateKey.publicKey;
    this.capacity = capacity as number;
    this.#shares = new Stock({
      capacity: this.capacity,
      async make() {
        await new Promise<void>((resolve) => setImmediate(resolve));
        return [precomputeShare(privateKey)];
      },
    });
  }

  /** The number of shares held now. */
  get size(): number {
    return this.#shares.size;
  }

  /**
   * Computes shares until the pool holds {@link capacity}, one per `setImmediate` turn. A call while a fill is
   * running returns that fill's promise; shares taken meanwhile are replaced before it resolves.
   *
   * @returns a promise that resolves when the pool is full
   */
  fill(): Promise<void> {
    return this.#shares.fill();
  }

  /**
   * A fresh share, removed from the pool; computed now (about 45 ms at 3072 bits) when the pool is empty.
   *
   * @returns an unused share
   */
  take(): PrecomputedShare {
    return this.#shares.take() ?? precomputeShare(this.#privateKey);
  }
}
