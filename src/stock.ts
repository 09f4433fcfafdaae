/**
 * A bounded stock of single-use values made ahead of time: the "keep N ready" loop of the library's pools (DGK
 * randomizers, precomputed bit-proof shares, the bureau's comparison keys).
 *
 * - **Filled on request**: {@link Stock.fill} tops it up to `capacity`, a batch at a time (again, if values are taken
 *   meanwhile); concurrent calls share one filling.
 * - **Never reused**: {@link Stock.take} removes the value it hands out.
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

  /** Whether {@link Stock.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Removes and returns a value; undefined when none is held. */
  take(): T | undefined {
    return this.#values.pop();
  }

  /**
   * Fills the stock to capacity. Concurrent calls share one filling.
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
    await this.#filling?.catch(() => undefined);
  }

  #closedError(during: boolean): Error {
    return (
      this.#options.closedError?.(during) ??
      new Error(`Stock.fill: expected an open stock, got a closed one${during ? " (closed while filling)" : ""}`)
    );
  }

  async #fillUntilFull(): Promise<void> {
    while (this.#values.length < this.capacity) {
      const made = await this.#options.make(this.capacity - this.#values.length);
      if (this.#closed) throw this.#closedError(true);
      for (const value of made) {
        if (this.#values.length >= this.capacity) break;
        this.#values.push(value);
      }
    }
  }
}
