/**
 * Stands in for the `keccak` package in the browser bundle. `src/protocol/keccak.ts` loads that package's native
 * binding when it can and falls back to ethers' keccak256 when loading fails: in a page there is no binding, and the
 * package's own JavaScript fallback would bring Node's streams into the bundle. Loading this module fails at once.
 * @module
 */
throw new Error("no native keccak binding in the browser: ethers' keccak256 is used instead");
