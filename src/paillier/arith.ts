/**
 * Integer arithmetic on bigints that the engine needs and JavaScript lacks: bit lengths, gcd and modular inverse,
 * integer square roots, small-prime trial division, and hex / byte conversions.
 *
 * None of this is constant time (JavaScript BigInt never is): see the README, "Timing".
 *
 * @module
 */

import { PaillierError, PaillierErrorCode, describeValue } from "./errors";

/**
 * The number of bits of a non-negative bigint (0 for 0).
 *
 * @param x - a non-negative integer
 * @returns the position of the highest set bit plus one
 * @throws {PaillierError} `INVALID_ARGUMENT` when `x` is negative
 */
export function bitLength(x: bigint): number {
  if (x < 0n) throw new PaillierError("INVALID_ARGUMENT", `bitLength: expected x >= 0, got a negative value`);
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * The number of bytes needed to hold a non-negative bigint (0 for 0).
 *
 * @param x - a non-negative integer
 * @returns ceil(bitLength(x) / 8)
 */
export function byteLength(x: bigint): number {
  return Math.ceil(bitLength(x) / 8);
}

/**
 * The least non-negative residue of `a` modulo `m`.
 *
 * @param a - any integer
 * @param m - a positive modulus
 * @returns a mod m in [0, m)
 */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/**
 * The greatest common divisor of two integers (Euclid).
 *
 * @param a - any integer
 * @param b - any integer
 * @returns gcd(|a|, |b|), 0 when both are 0
 */
export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

/**
 * The inverse of `a` modulo `m` (extended Euclid).
 *
 * @param a - an integer coprime to m
 * @param m - a modulus > 1
 * @returns x in [1, m) with a·x ≡ 1 (mod m)
 * @throws {PaillierError} `INVALID_ARGUMENT` when gcd(a, m) ≠ 1
 */
export function modInverse(a: bigint, m: bigint): bigint {
  let r0 = m;
  let r1 = mod(a, m);
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    const r2 = r0 - q * r1;
    r0 = r1;
    r1 = r2;
    const t2 = t0 - q * t1;
    t0 = t1;
    t1 = t2;
  }
  if (r0 !== 1n) throw new PaillierError("INVALID_ARGUMENT", "modInverse: expected a unit modulo m, got a non-unit");
  return mod(t0, m);
}

/**
 * The integer square root.
 *
 * @param x - a non-negative integer
 * @returns floor(sqrt(x))
 * @throws {PaillierError} `INVALID_ARGUMENT` when `x` is negative
 */
export function isqrt(x: bigint): bigint {
  if (x < 0n) throw new PaillierError("INVALID_ARGUMENT", "isqrt: expected x >= 0, got a negative value");
  if (x < 2n) return x;
  // Newton's iteration from an over-estimate decreases monotonically to the floor of the root.
  let y = 1n << BigInt(Math.ceil(bitLength(x) / 2));
  for (;;) {
    const next = (y + x / y) >> 1n;
    if (next >= y) return y;
    y = next;
  }
}

/**
 * Whether an integer is a perfect square.
 *
 * @param x - a non-negative integer
 * @returns true when x = s² for some integer s
 */
export function isPerfectSquare(x: bigint): boolean {
  const s = isqrt(x);
  return s * s === x;
}

let primeCache: { bound: number; primes: readonly number[]; product: bigint } | undefined;

/**
 * The primes below a bound (sieve of Eratosthenes), cached for the last bound asked.
 *
 * @param bound - exclusive upper bound, at most 2^24
 * @returns the primes p with 2 ≤ p < bound, ascending
 * @throws {PaillierError} `INVALID_ARGUMENT` when the bound is not an integer in [2, 2^24]
 */
export function smallPrimes(bound: number): readonly number[] {
  return primeTable(bound).primes;
}

function primeTable(bound: number): { bound: number; primes: readonly number[]; product: bigint } {
  if (primeCache?.bound === bound) return primeCache;
  if (!Number.isSafeInteger(bound) || bound < 2 || bound > 1 << 24) {
    throw new PaillierError("INVALID_ARGUMENT", `smallPrimes: expected a bound in [2, 2^24], got ${bound}`);
  }
  const composite = new Uint8Array(bound);
  const primes: number[] = [];
  for (let i = 2; i < bound; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j < bound; j += i) composite[j] = 1;
  }
  // Product tree, so that one gcd with the product replaces thousands of divisions.
  let level: bigint[] = primes.map((p) => BigInt(p));
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? level[i] * level[i + 1] : level[i]);
    level = next;
  }
  primeCache = { bound, primes, product: level[0] };
  return primeCache;
}

/**
 * The smallest prime factor of `n` below `bound`, if any (trial division through one gcd with the primorial).
 *
 * @param n - a positive integer
 * @param bound - exclusive bound on the primes tried
 * @returns the smallest prime p < bound dividing n, or undefined when there is none
 * @throws {PaillierError} `INVALID_ARGUMENT` when the bound is not an integer in [2, 2^24]
 */
export function smallFactor(n: bigint, bound: number): number | undefined {
  const table = primeTable(bound);
  if (gcd(n, table.product) === 1n) return undefined;
  return table.primes.find((p) => n % BigInt(p) === 0n);
}

/**
 * A non-negative bigint as minimal 0x-prefixed lowercase hex.
 *
 * @param x - a non-negative integer
 * @returns e.g. `"0x0"`, `"0x1f"`
 * @throws {PaillierError} `INVALID_ARGUMENT` when `x` is negative
 */
export function toHex(x: bigint): string {
  if (x < 0n) throw new PaillierError("INVALID_ARGUMENT", "toHex: expected x >= 0, got a negative value");
  return `0x${x.toString(16)}`;
}

/**
 * A non-negative bigint as 0x-prefixed lowercase hex of exactly `bytes` bytes, zero-padded on the left.
 *
 * @param x - a non-negative integer below 2^(8·bytes)
 * @param bytes - the fixed width in bytes
 * @returns `"0x"` followed by 2·bytes hex digits
 * @throws {PaillierError} `INVALID_ARGUMENT` when `x` is negative or too wide
 */
export function toFixedHex(x: bigint, bytes: number): string {
  const hex = x.toString(16);
  if (x < 0n || hex.length > 2 * bytes) {
    throw new PaillierError("INVALID_ARGUMENT", `toFixedHex: expected 0 <= x < 2^${8 * bytes}, got another value`);
  }
  return `0x${hex.padStart(2 * bytes, "0")}`;
}

const HEX_RE = /^0x[0-9a-fA-F]+$/;

/**
 * Parses 0x-prefixed big-endian hex into a bigint.
 *
 * @param input - the text to parse
 * @param what - its name in error messages
 * @param maxDigits - the most hex digits accepted (bounds the work an attacker can cause)
 * @param code - the error code to throw
 * @returns the value
 * @throws {PaillierError} `code` when `input` is not a string of the form 0x[0-9a-fA-F]{1,maxDigits}
 */
export function parseHex(input: unknown, what: string, maxDigits: number, code: PaillierErrorCode): bigint {
  if (typeof input !== "string") {
    throw new PaillierError(code, `${what}: expected a 0x-prefixed hex string, got ${describeValue(input)}`);
  }
  if (input.length > maxDigits + 2) {
    throw new PaillierError(
      code,
      `${what}: expected at most ${maxDigits} hex digits after 0x, got ${input.length - 2} characters`,
    );
  }
  if (!HEX_RE.test(input)) {
    throw new PaillierError(code, `${what}: expected a 0x-prefixed hex string, got ${describeValue(input)}`);
  }
  return BigInt(input);
}

/**
 * A non-negative bigint as big-endian bytes of a fixed length.
 *
 * @param x - a non-negative integer below 2^(8·length)
 * @param length - the byte length
 * @returns the bytes, zero-padded on the left
 * @throws {PaillierError} `INVALID_ARGUMENT` when `x` is negative or too wide
 */
export function toBytes(x: bigint, length: number): Buffer {
  return Buffer.from(toFixedHex(x, length).slice(2), "hex");
}

/**
 * Big-endian bytes as a non-negative bigint.
 *
 * @param bytes - any bytes (leading zeros allowed)
 * @returns the value, 0 for no bytes
 */
export function fromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`);
}
