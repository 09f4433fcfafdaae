/**
 * keccak256 of bytes, in native code when the `keccak` package's binding loads (its own JavaScript otherwise):
 * ethers' JavaScript keccak256 takes about 55 ms for a 200 KB message on the project's machine, the binding about
 * 2 ms, and a message is hashed by its sender, by the bureau's API, and by the store on every write and read. The
 * same digest as ethers' `keccak256` (tested against it).
 * @module
 */
import { keccak256 as jsKeccak256 } from "ethers";

/** The `keccak` package's hash object (it ships no types). */
interface KeccakHash {
  update(data: Buffer): KeccakHash;
  digest(encoding: "hex"): string;
}

const nativeKeccak: ((algorithm: "keccak256") => KeccakHash) | undefined = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("keccak") as (algorithm: "keccak256") => KeccakHash;
  } catch {
    return undefined;
  }
})();

/** keccak256 of `bytes` as lower-case 0x-hex. */
export function keccak256(bytes: Uint8Array): string {
  if (nativeKeccak === undefined) return jsKeccak256(bytes);
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return "0x" + nativeKeccak("keccak256").update(view).digest("hex");
}
