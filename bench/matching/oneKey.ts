/**
 * The protocol as it was before issue 19, for the benches' side-by-side figures only: one long-lived DGK comparison
 * key for every check. A bank can then answer one subject's checks with values computed from another subject's
 * kept challenge (test/protocol/cheatingBank.test.ts shows it); never use it outside a bench.
 * @module
 */
import type { ComparisonKeySource } from "../../src/bureau/comparisonKeys";
import type { DgkPrivateKey } from "../../src/dgk";

/** A key source that hands out the same key for every check. */
export class OneLongLivedKey implements ComparisonKeySource {
  constructor(readonly key: DgkPrivateKey) {}

  async fresh(): Promise<DgkPrivateKey> {
    return this.key;
  }

  /** @throws Error for a fingerprint other than the one key's */
  async claim(_bank: string, fingerprint: string): Promise<DgkPrivateKey> {
    if (fingerprint.toLowerCase() !== this.key.publicKey.fingerprint)
      throw new Error(`one long-lived key: expected ${this.key.publicKey.fingerprint}, got ${fingerprint}`);
    return this.key;
  }
}
