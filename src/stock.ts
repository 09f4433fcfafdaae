/**
 * A bounded stock of single-use values made ahead of time: the "keep N ready" loop of the library's pools (DGK
 * randomizers, precomputed bit-proof shares, the bureau's comparison keys).
 *
 * - **Filled on request**: {@link Stock.fill} tops it up to `capacity`, a batch at a time (again, if values are taken
 *   meanwhile); concurrent calls share one filling.
 * - **Never reused**: {@link Stock.take} removes the value it hands out; {@link Stock.next} waits for one when none is
 *   held, served in the order asked as the one filling makes them (never a second filling running beside it).
 * - **Closed for good**: {@link Stock.close} drops what is held and ends a filling; a filling then rejects.
 * @module
 */

/** How a {@link Stock} makes values and says it is closed. */
export interface StockOptions<T> {
  /** The most values held. */
  readonly capacity: number;
  /** Makes some values, at most `wanted` of them (extra ones are dropped); may wait, say, for an event-loop turn. */
  make(wanted: number): Promise<readonly T[]>;
  /**
   * The rejection of a filling on a closed stock, `during` true when it was closed while filling; default an Error
   * saying so (for a stock whose owner never closes it).
   */
  closedError?(during: boolean): Error;
}

/**
 * A bounded stock of single-use values.
 * @example
 * const stock = new Stock({ capacity: 4, make: async () => [await generateKey()] });
 * await stock.fill();
 * const key = stock.take() ?? (await generateKey());
 */
export class Stock<T> {
  /** The most values held. */
  readonly capacity: number;
  readonly #options: StockOptions<T>;
  readonly #values: T[] = [];
  /** Callers of {@link Stock.next} waiting for a value, first asked first served. */
  readonly #waiters: { resolve(value: T): void; reject(error: Error): void }[] = [];
  #filling: Promise<void> | undefined;
  #closed = false;

  constructor(options: StockOptions<T>) {
    this.capacity = options.capacity;
    this.#options = options;
  }

  /** Values held now. */
  get size(): number {
    return this.#values.length;
  }

  /** Callers of {@link Stock.next} waiting for a value now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Whether {@link Stock.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Removes and returns a value; undefined when none is held. */
  take(): T | undefined {
    return this.#values.pop();
  }

  /**
   * Removes and returns a value, waiting for the filling to make one when none is held.
   * @throws (as a rejection) what {@link Stock.fill} throws
   */
  next(): Promise<T> {
    const held = this.take();
    if (held !== undefined) return Promise.resolve(held);
    return new Promise<T>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.fill().catch((e: Error) => {
        for (const waiter of this.#waiters.splice(0)) waiter.reject(e);
      });
    });
  }

  /**
   * Fills the stock to capacity, serving the callers of {@link Stock.next} first. Concurrent calls share one filling.
   * @returns a promise that resolves when the stock is full
   * @throws (as a rejection) `closedError(false)` when the stock is closed, `closedError(true)` when it gets closed
   *   while filling; what `make` throws
   */
  fill(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError(false));
    this.#filling ??= this.#fillUntilFull().finally(() => {
      this.#filling = undefined;
    });
    return this.#filling;
  }

  /**
   * Drops the values held and ends a filling. Calling it again does nothing.
   * @returns a promise that resolves when no filling is running
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#values.length = 0;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#closedError(false));
    await this.#filling?.catch(() => undefined);
  }

  #closedError(during: boolean): Error {
    return (
      this.#options.closedError?.(during) ??
      new Error(`Stock.fill: expected an open stock, got a closed one${during ? " (closed while filling)" : ""}`)
    );
  }

  async #fillUntilFull(): Promise<void> {
    while (this.#values.length < this.capacity || this.#waiters.length > 0) {
      const made = await this.#options.make(this.capacity - this.#values.length + this.#waiters.length);
      if (this.#closed) throw this.#closedError(true);
      for (const value of made) {
        const waiter = this.#waiters.shift();
        if (waiter !== undefined) waiter.resolve(value);
        else if (this.#values.length < this.capacity) this.#values.push(value);
      }
    }
  }
}
