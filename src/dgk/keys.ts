/**
 * DGK keys: parameters, generation, the JSON format, import checks and fingerprints.
 *
 * The scheme is Damgård, Geisler and Krøigaard, "Efficient and secure comparison for on-line auctions" (ACISP 2007),
 * §3, with the randomness length of "A correction to 'Efficient and secure comparison for on-line auctions'"
 * (IJACT 2009): r has 2.5·t bits, not 2t. Parameter sizes follow Veugen, "Improving the DGK comparison protocol"
 * (WIFS 2012), §2: t = 160 bits for 80-bit security, here t = 256 by default for 128-bit security.
 *
 * - n = p·q of `bits` bits (3072 by default, 2048 and 4096 accepted, nothing smaller);
 * - u a small prime (16 bits by default, 8 to 32 accepted): the plaintext space is Z_u;
 * - v_p, v_q distinct primes of t bits (256 by default, 160 to 512 accepted);
 * - u | p − 1, v_p | p − 1, u | q − 1, v_q | q − 1;
 * - g of order u·v_p·v_q and h of order v_p·v_q in Z_n*; precisely, g mod p has order u·v_p and g mod q order u·v_q,
 *   h mod p has order v_p and h mod q order v_q (the zero test needs the order of g mod p to contain u);
 * - encryption E(m; r) = g^m · h^r mod n with r uniform of `randomBits` = ⌈2.5·t⌉ bits (640 for t = 256).
 *
 * Keys come from {@link generateDgkKeyPair} or from JSON ({@link importDgkPublicKey}, {@link importDgkPrivateKey}),
 * and both paths run the same checks, so a key object in hand is always a sane key.
 *
 * JSON format (numbers 0x-prefixed big-endian hex, case-insensitive on input, minimal lowercase on output;
 * `randomBits` a JSON integer):
 *
 * ```json
 * {"kty":"DGK","n":"0x…","g":"0x…","h":"0x…","u":"0x…","randomBits":640}                             public
 * {"kty":"DGK","n":"0x…","g":"0x…","h":"0x…","u":"0x…","randomBits":640,"p":"0x…","q":"0x…","vp":"0x…","vq":"0x…"}
 * ```
 *
 * The fingerprint names a key: `0x` + hex SHA-256 of the UTF-8 bytes of the canonical public JSON above (members in
 * that order, no whitespace, minimal lowercase hex), in the manner of a JWK thumbprint (RFC 7638), as the Paillier
 * keys do. Unlike a Paillier key, every public member enters it: g, h, u and randomBits all change the ciphertexts.
 *
 * @module
 */

import { checkPrimeSync, createHash, generatePrime } from "node:crypto";
import { inspect } from "node:util";
import { modPow, randomBelow } from "../paillier";
import { bitLength, gcd, isPerfectSquare, modInverse, parseHex, smallFactor, toHex } from "../paillier/arith";
import { PaillierError } from "../paillier/errors";
import { DgkError, assertInteger, describeBigInt, describeValue } from "./errors";
import { primeCongruentToOne } from "./primes";

export { DGK_SMALL_FACTOR_BOUND, DGK_SUPPORTED_MODULUS_BITS } from "./sizes";
import { DGK_SMALL_FACTOR_BOUND, DGK_SUPPORTED_MODULUS_BITS } from "./sizes";
/** The modulus size of generated keys unless asked otherwise: 128-bit security. */
export const DGK_DEFAULT_MODULUS_BITS = 3072;
/** The smallest modulus accepted. */
export const DGK_MIN_MODULUS_BITS = 2048;
/** The bit length of v_p and v_q unless asked otherwise (128-bit security; Veugen 2012 uses 160 for 80-bit). */
export const DGK_DEFAULT_T = 256;
/** The smallest t accepted (Veugen 2012's 80-bit level). */
export const DGK_MIN_T = 160;
/** The largest t accepted. */
export const DGK_MAX_T = 512;
/** The bit length of u unless asked otherwise. */
export const DGK_DEFAULT_U_BITS = 16;
/** The smallest u accepted, in bits: any prime of 8 bits exceeds 3·(ℓ + 1) + 4 = 127 for ℓ = 40-bit comparisons. */
export const DGK_MIN_U_BITS = 8;
/** The largest u accepted, in bits: decryption's baby-step giant-step table grows as √u. */
export const DGK_MAX_U_BITS = 32;
/** The least randomness accepted, in bits: 2.5·{@link DGK_MIN_T} (DGK's 2009 correction). */
export const DGK_MIN_RANDOM_BITS = 400;
/** The most randomness accepted, in bits (bounds the work an imported key can cause). */
export const DGK_MAX_RANDOM_BITS = 4096;

/**
 * The randomness length for a given t: ⌈2.5·t⌉ bits (Damgård, Geisler, Krøigaard 2009).
 *
 * @param t - the bit length of v_p and v_q
 * @returns ⌈5t/2⌉
 */
export function randomBitsFor(t: number): number {
  return Math.ceil((5 * t) / 2);
}

/** The JSON form of a public key. */
export interface DgkPublicKeyJson {
  /** Always "DGK". */
  readonly kty: "DGK";
  /** The modulus n = p·q, 0x-prefixed hex. */
  readonly n: string;
  /** The generator of order u·v_p·v_q, 0x-prefixed hex. */
  readonly g: string;
  /** The generator of order v_p·v_q, 0x-prefixed hex. */
  readonly h: string;
  /** The plaintext modulus, a small prime, 0x-prefixed hex. */
  readonly u: string;
  /** The bit length of the encryption randomness r, a JSON integer (⌈2.5·t⌉). */
  readonly randomBits: number;
}

/** The JSON form of a private key: the public members plus the factors and the subgroup orders. */
export interface DgkPrivateKeyJson extends DgkPublicKeyJson {
  /** The first prime factor of n, 0x-prefixed hex. */
  readonly p: string;
  /** The second prime factor of n, 0x-prefixed hex. */
  readonly q: string;
  /** The prime v_p dividing p − 1, 0x-prefixed hex. */
  readonly vp: string;
  /** The prime v_q dividing q − 1, 0x-prefixed hex. */
  readonly vq: string;
}

/** Options for key import. */
export interface DgkKeyImportOptions {
  /** Require exactly this modulus size (one of {@link DGK_SUPPORTED_MODULUS_BITS}); any supported size if omitted. */
  readonly bits?: number;
}

/** Options for {@link generateDgkKeyPair}. */
export interface DgkKeyGenerationOptions {
  /** Modulus size in bits: 3072 (default), 2048 or 4096. */
  readonly bits?: number;
  /** Bit length of v_p and v_q, 160 to 512 (default 256). */
  readonly t?: number;
  /** Bit length of the plaintext modulus u, 8 to 32 (default 16). */
  readonly uBits?: number;
}

/** The public parameters, as the constructor takes them. */
interface PublicParams {
  readonly n: bigint;
  readonly g: bigint;
  readonly h: bigint;
  readonly u: bigint;
  readonly randomBits: number;
}

/** The private parameters. */
interface PrivateParams {
  readonly p: bigint;
  readonly q: bigint;
  readonly vp: bigint;
  readonly vq: bigint;
}

let makePublicKey: (params: PublicParams) => DgkPublicKey;
let makePrivateKey: (publicKey: DgkPublicKey, params: PrivateParams) => DgkPrivateKey;

/**
 * A DGK public key. Immutable; obtain one from {@link importDgkPublicKey}, {@link generateDgkKeyPair} or a private
 * key's `publicKey`.
 *
 * `JSON.stringify(publicKey)` gives the documented JSON format.
 */
export class DgkPublicKey {
  /** The modulus n = p·q. */
  readonly n: bigint;
  /** The generator of order u·v_p·v_q in Z_n*. */
  readonly g: bigint;
  /** The generator of order v_p·v_q in Z_n*. */
  readonly h: bigint;
  /** The plaintext modulus: a small public prime. */
  readonly u: bigint;
  /** The bit length of n (2048, 3072 or 4096). */
  readonly bits: number;
  /** The bit length of the encryption randomness r: ⌈2.5·t⌉ (640 for t = 256). */
  readonly randomBits: number;
  /** `0x` + SHA-256 of the canonical JSON of the key; see the module documentation. */
  readonly fingerprint: string;

  static {
    makePublicKey = (params) => new DgkPublicKey(params);
  }

  private constructor({ n, g, h, u, randomBits }: PublicParams) {
    this.n = n;
    this.g = g;
    this.h = h;
    this.u = u;
    this.bits = bitLength(n);
    this.randomBits = randomBits;
    this.fingerprint = `0x${createHash("sha256").update(JSON.stringify(this.toJSON()), "utf8").digest("hex")}`;
    Object.freeze(this);
  }

  /**
   * Whether two keys are the same key (same n, g, h, u and randomBits).
   *
   * @param other - another public key
   * @returns true when every public member is equal
   */
  equals(other: DgkPublicKey): boolean {
    return other === this || (other instanceof DgkPublicKey && other.fingerprint === this.fingerprint);
  }

  /**
   * The documented JSON form.
   *
   * @returns `{"kty":"DGK","n":"0x…","g":"0x…","h":"0x…","u":"0x…","randomBits":640}`
   */
  toJSON(): DgkPublicKeyJson {
    return {
      kty: "DGK",
      n: toHex(this.n),
      g: toHex(this.g),
      h: toHex(this.h),
      u: toHex(this.u),
      randomBits: this.randomBits,
    };
  }

  /** @returns e.g. `DgkPublicKey(3072 bits, u = 40063, 0x5e1c…)` */
  toString(): string {
    return `DgkPublicKey(${this.bits} bits, u = ${this.u}, ${this.fingerprint})`;
  }
}

/**
 * A DGK private key: the public key, the factors p, q of n and the subgroup orders v_p, v_q. Immutable.
 *
 * It refuses implicit serialisation: `JSON.stringify(privateKey)` throws `PRIVATE_KEY_EXPORT`, and
 * `console.log`/`util.inspect` show only the fingerprint. Export deliberately with {@link exportDgkPrivateKey}.
 */
export class DgkPrivateKey {
  /** The matching public key. */
  readonly publicKey: DgkPublicKey;
  /** The first prime factor of n; u·v_p divides p − 1. */
  readonly p: bigint;
  /** The second prime factor of n; u·v_q divides q − 1. */
  readonly q: bigint;
  /** The prime order of h mod p. */
  readonly vp: bigint;
  /** The prime order of h mod q. */
  readonly vq: bigint;

  static {
    makePrivateKey = (publicKey, params) => new DgkPrivateKey(publicKey, params);
  }

  private constructor(publicKey: DgkPublicKey, { p, q, vp, vq }: PrivateParams) {
    this.publicKey = publicKey;
    this.p = p;
    this.q = q;
    this.vp = vp;
    this.vq = vq;
    Object.freeze(this);
  }

  /**
   * Refuses: a private key is exported only on purpose, with {@link exportDgkPrivateKey}.
   *
   * @throws {DgkError} `PRIVATE_KEY_EXPORT`, always
   */
  toJSON(): never {
    throw new DgkError(
      "PRIVATE_KEY_EXPORT",
      "expected a deliberate export with exportDgkPrivateKey(key), got an implicit JSON.stringify of a private key",
    );
  }

  /** @returns e.g. `DgkPrivateKey(3072 bits, u = 40063, 0x5e1c…)`, without the secret members */
  toString(): string {
    return `DgkPrivateKey(${this.publicKey.bits} bits, u = ${this.publicKey.u}, ${this.publicKey.fingerprint})`;
  }

  /** @returns the same as {@link DgkPrivateKey.toString}, so that logs never show p, q, v_p, v_q */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** A freshly generated key pair. */
export interface DgkKeyPair {
  /** The public key, to share. */
  readonly publicKey: DgkPublicKey;
  /** The private key, to keep. */
  readonly privateKey: DgkPrivateKey;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks, shared by import and generation
// ---------------------------------------------------------------------------------------------------------------

function checkBits(bits: number, options: DgkKeyImportOptions | undefined, kind: string): void {
  const wanted = options?.bits;
  if (wanted !== undefined && !DGK_SUPPORTED_MODULUS_BITS.includes(wanted)) {
    throw new DgkError(
      "INVALID_ARGUMENT",
      `options.bits: expected one of ${DGK_SUPPORTED_MODULUS_BITS.join(", ")}, got ${describeValue(wanted)}`,
    );
  }
  if (bits < DGK_MIN_MODULUS_BITS) {
    throw new DgkError(
      "KEY_SIZE",
      `${kind}: expected a modulus of at least ${DGK_MIN_MODULUS_BITS} bits, got ${bits} bits (keys under ` +
        `${DGK_MIN_MODULUS_BITS} bits are refused)`,
    );
  }
  if (!DGK_SUPPORTED_MODULUS_BITS.includes(bits)) {
    throw new DgkError(
      "KEY_SIZE",
      `${kind}: expected a modulus of exactly ${DGK_SUPPORTED_MODULUS_BITS.join(", ")} bits, got ${bits} bits`,
    );
  }
  if (wanted !== undefined && bits !== wanted) {
    throw new DgkError("KEY_SIZE", `${kind}: expected a ${wanted}-bit modulus, got ${bits} bits`);
  }
}

/** The checks that need only the public members. Throws the first failure. */
function checkPublicParams(params: PublicParams, options: DgkKeyImportOptions | undefined, kind: string): void {
  const { n, g, h, u, randomBits } = params;
  checkBits(bitLength(n), options, kind);
  if ((n & 1n) === 0n) throw new DgkError("KEY_INVALID", `${kind}: expected an odd modulus n, got an even n`);
  if (isPerfectSquare(n)) {
    throw new DgkError("KEY_INVALID", `${kind}: expected n = p·q with p ≠ q, got a perfect square n`);
  }
  const factor = smallFactor(n, DGK_SMALL_FACTOR_BOUND);
  if (factor !== undefined) {
    throw new DgkError(
      "KEY_INVALID",
      `${kind}: expected no prime factor below ${DGK_SMALL_FACTOR_BOUND}, got n divisible by ${factor}`,
    );
  }
  // One Miller–Rabin round always passes a prime, so a prime n is always caught; a genuine n = p·q fails it.
  if (checkPrimeSync(n, { checks: 1 })) {
    throw new DgkError("KEY_INVALID", `${kind}: expected a composite n = p·q, got a probable prime n`);
  }
  const uBits = bitLength(u);
  if (uBits < DGK_MIN_U_BITS || uBits > DGK_MAX_U_BITS) {
    throw new DgkError(
      "KEY_INVALID",
      `${kind}: expected a prime u of ${DGK_MIN_U_BITS} to ${DGK_MAX_U_BITS} bits, got u = ${u} (${uBits} bits)`,
    );
  }
  if (!checkPrimeSync(u)) {
    throw new DgkError("KEY_INVALID", `${kind}: expected a prime u, got the composite u = ${u}`);
  }
  for (const [name, x] of [
    ["g", g],
    ["h", h],
  ] as const) {
    // n − 1 has order 2: it would leak the plaintext's parity and cannot have the required order.
    if (x < 2n || x >= n - 1n) {
      throw new DgkError("KEY_INVALID", `${kind}: expected 2 <= ${name} < n − 1, got ${name} = ${describeBigInt(x)}`);
    }
    if (gcd(x, n) !== 1n) {
      throw new DgkError("KEY_INVALID", `${kind}: expected gcd(${name}, n) = 1, got ${name} sharing a factor with n`);
    }
  }
  if (g === h) throw new DgkError("KEY_INVALID", `${kind}: expected g ≠ h (their orders differ), got g = h`);
  if (randomBits < DGK_MIN_RANDOM_BITS || randomBits > DGK_MAX_RANDOM_BITS) {
    throw new DgkError(
      "KEY_INVALID",
      `${kind}: expected randomBits in [${DGK_MIN_RANDOM_BITS}, ${DGK_MAX_RANDOM_BITS}] (at least 2.5·${DGK_MIN_T}), ` +
        `got ${randomBits}`,
    );
  }
}

/** a^e mod m ≠ 1, with the result computed by the OpenSSL route. */
function isOne(a: bigint, e: bigint, m: bigint): boolean {
  return modPow(a, e, m) === 1n;
}

/** The checks that need the private members (the public ones already checked). */
function checkPrivateParams(pub: PublicParams, priv: PrivateParams, primesKnown: boolean, kind: string): void {
  const { n, g, h, u, randomBits } = pub;
  const { p, q, vp, vq } = priv;
  if (p * q !== n) {
    throw new DgkError(
      "KEY_INVALID",
      `${kind}: expected p·q = n, got p·q = ${describeBigInt(p * q)} for n = ${describeBigInt(n)}`,
    );
  }
  if (p === q) throw new DgkError("KEY_INVALID", `${kind}: expected p ≠ q, got p = q`);
  if (!primesKnown) {
    for (const [name, f] of [
      ["p", p],
      ["q", q],
      ["vp", vp],
      ["vq", vq],
    ] as const) {
      if (f < 2n || !checkPrimeSync(f)) {
        throw new DgkError("KEY_INVALID", `${kind}: expected ${name} prime, got a composite ${name}`);
      }
    }
  }
  const half = bitLength(n) >> 1;
  const distance = p > q ? p - q : q - p;
  if (bitLength(distance) <= half - 100) {
    throw new DgkError(
      "KEY_INVALID",
      `${kind}: expected |p − q| > 2^${half - 100}, got |p − q| of ${bitLength(distance)} bits (n could be factored ` +
        "by Fermat's method)",
    );
  }
  if (vp === vq) throw new DgkError("KEY_INVALID", `${kind}: expected vp ≠ vq, got vp = vq`);
  for (const [name, v] of [
    ["vp", vp],
    ["vq", vq],
  ] as const) {
    const t = bitLength(v);
    if (t < DGK_MIN_T || t > DGK_MAX_T) {
      throw new DgkError(
        "KEY_INVALID",
        `${kind}: expected ${name} of ${DGK_MIN_T} to ${DGK_MAX_T} bits, got ${t} bits`,
      );
    }
  }
  const t = Math.max(bitLength(vp), bitLength(vq));
  if (randomBits < randomBitsFor(t)) {
    throw new DgkError(
      "KEY_INVALID",
      `${kind}: expected randomBits >= 2.5·t = ${randomBitsFor(t)} for ${t}-bit vp, vq, got ${randomBits}`,
    );
  }
  for (const [name, divisor, prime] of [
    ["u", u, "p"],
    ["vp", vp, "p"],
    ["u", u, "q"],
    ["vq", vq, "q"],
  ] as const) {
    const f = prime === "p" ? p : q;
    if ((f - 1n) % divisor !== 0n) {
      throw new DgkError("KEY_INVALID", `${kind}: expected ${name} to divide ${prime} − 1, got a remainder`);
    }
  }
  // Exact orders, component by component: g mod p of order u·vp, g mod q of order u·vq, h mod p of order vp,
  // h mod q of order vq. With u, vp, vq prime, "x^(ab) = 1, x^a ≠ 1, x^b ≠ 1" means order exactly a·b.
  for (const [prime, v, name] of [
    [p, vp, "p"],
    [q, vq, "q"],
  ] as const) {
    const gx = g % prime;
    const hx = h % prime;
    if (!isOne(gx, u * v, prime) || isOne(gx, u, prime) || isOne(gx, v, prime)) {
      throw new DgkError(
        "KEY_INVALID",
        `${kind}: expected g mod ${name} of order exactly u·v${name}, got another order`,
      );
    }
    if (!isOne(hx, v, prime) || hx === 1n) {
      throw new DgkError("KEY_INVALID", `${kind}: expected h mod ${name} of order exactly v${name}, got another order`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------------------------

const PUBLIC_MEMBERS = ["kty", "n", "g", "h", "u", "randomBits"];
const PRIVATE_MEMBERS = [...PUBLIC_MEMBERS, "p", "q", "vp", "vq"];
const SECRET_MEMBERS = ["p", "q", "vp", "vq"];
const MAX_JSON_LENGTH = 64 * 1024;
const MAX_KEY_HEX_DIGITS = 2048;

function parseKeyObject(input: unknown, required: readonly string[], kind: string): Record<string, unknown> {
  let value = input;
  if (typeof input === "string") {
    if (input.length > MAX_JSON_LENGTH) {
      throw new DgkError("KEY_FORMAT", `${kind}: expected at most ${MAX_JSON_LENGTH} characters of JSON, got more`);
    }
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new DgkError("KEY_FORMAT", `${kind}: expected JSON, got text that does not parse`, { cause: err });
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DgkError("KEY_FORMAT", `${kind}: expected a JSON object, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const member of Object.keys(record)) {
    if (required.includes(member)) continue;
    if (SECRET_MEMBERS.includes(member)) {
      throw new DgkError(
        "KEY_FORMAT",
        `${kind}: expected the members ${required.join(", ")}, got a private key (member "${member}"); use ` +
          "importDgkPrivateKey, and never share p, q, vp, vq",
      );
    }
    throw new DgkError(
      "KEY_FORMAT",
      `${kind}: expected only the members ${required.join(", ")}, got an unexpected member "${member.slice(0, 40)}"`,
    );
  }
  if (record.kty !== "DGK") {
    throw new DgkError("KEY_FORMAT", `${kind}: expected "kty": "DGK", got ${describeValue(record.kty)}`);
  }
  for (const member of required) {
    if (record[member] === undefined)
      throw new DgkError("KEY_FORMAT", `${kind}: expected a member "${member}", got none`);
  }
  return record;
}

function hexMember(record: Record<string, unknown>, member: string, kind: string): bigint {
  try {
    return parseHex(record[member], `${kind} "${member}"`, MAX_KEY_HEX_DIGITS, "KEY_FORMAT");
  } catch (err) {
    if (err instanceof PaillierError) throw new DgkError("KEY_FORMAT", err.message);
    throw err;
  }
}

function parsePublicParams(record: Record<string, unknown>, kind: string): PublicParams {
  const randomBits = record.randomBits;
  if (typeof randomBits !== "number" || !Number.isSafeInteger(randomBits)) {
    throw new DgkError("KEY_FORMAT", `${kind} "randomBits": expected a JSON integer, got ${describeValue(randomBits)}`);
  }
  return {
    n: hexMember(record, "n", kind),
    g: hexMember(record, "g", kind),
    h: hexMember(record, "h", kind),
    u: hexMember(record, "u", kind),
    randomBits,
  };
}

/**
 * Imports and checks a public key from its JSON form.
 *
 * Checks: kty "DGK"; exactly the members kty, n, g, h, u, randomBits; n of a supported size, odd, not a square,
 * without a prime factor below 2^16, not a probable prime; u a prime of 8 to 32 bits; g and h in [2, n − 1),
 * coprime to n and distinct; randomBits in [400, 4096]. The subgroup orders cannot be checked without the factors.
 *
 * @param input - the JSON text, or the already parsed object
 * @param options - optionally, the exact modulus size required
 * @returns the public key
 * @throws {DgkError} `KEY_FORMAT` for malformed JSON (wrong kty, unknown or missing member, non-hex value, a private
 *   key given by mistake), `KEY_SIZE` for an unsupported size, `KEY_INVALID` for a member failing a check
 * @example
 * const bureauKey = importDgkPublicKey(fs.readFileSync("bureau.dgk.pub.json", "utf8"), { bits: 3072 });
 */
export function importDgkPublicKey(input: unknown, options?: DgkKeyImportOptions): DgkPublicKey {
  const kind = "DGK public key";
  const params = parsePublicParams(parseKeyObject(input, PUBLIC_MEMBERS, kind), kind);
  checkPublicParams(params, options, kind);
  return makePublicKey(params);
}

/**
 * Imports and checks a private key from its JSON form (the public members plus "p", "q", "vp", "vq").
 *
 * Checks, beyond the public ones: p·q = n, p ≠ q, p, q, vp, vq probable primes, |p − q| > 2^(bits/2 − 100),
 * vp ≠ vq of 160 to 512 bits, randomBits ≥ 2.5·t, u and vp divide p − 1, u and vq divide q − 1, and the exact
 * orders of g and h modulo p and q. About 0.1 s at 3072 bits (primality of p and q).
 *
 * @param input - the JSON text, or the already parsed object
 * @param options - optionally, the exact modulus size required
 * @returns the private key
 * @throws {DgkError} as {@link importDgkPublicKey}, and `KEY_INVALID` when a private check fails
 * @example
 * const bureauKey = importDgkPrivateKey(fs.readFileSync("bureau.dgk.key.json", "utf8"));
 */
export function importDgkPrivateKey(input: unknown, options?: DgkKeyImportOptions): DgkPrivateKey {
  return importPrivate(input, options, "DGK private key");
}

/**
 * A private key that {@link generateDgkKeyPair} made in another thread of this process, from its JSON, which that
 * thread checked as generation does: here only its format and p·q = n are checked. An import's checks would test
 * p and q for primality again, and set up exponentiation modulo each (about 0.1 s each at 3072 bits), on a thread
 * that never uses them. Never for a key from outside the process: use {@link importDgkPrivateKey}.
 *
 * @param input - the key's JSON, as {@link exportDgkPrivateKey} gave it in the generating thread
 * @returns the key
 * @throws {DgkError} `KEY_FORMAT` for malformed JSON; `KEY_INVALID` when p·q ≠ n
 */
export function importGeneratedDgkPrivateKey(input: unknown): DgkPrivateKey {
  return importPrivate(input, undefined, "generated DGK key");
}

function importPrivate(
  input: unknown,
  options: DgkKeyImportOptions | undefined,
  kind: "DGK private key" | "generated DGK key",
): DgkPrivateKey {
  const record = parseKeyObject(input, PRIVATE_MEMBERS, kind);
  const pub = parsePublicParams(record, kind);
  const priv: PrivateParams = {
    p: hexMember(record, "p", kind),
    q: hexMember(record, "q", kind),
    vp: hexMember(record, "vp", kind),
    vq: hexMember(record, "vq", kind),
  };
  if (kind === "generated DGK key") {
    if (priv.p * priv.q !== pub.n) throw new DgkError("KEY_INVALID", `${kind}: expected p·q = n, got another product`);
  } else {
    checkPublicParams(pub, options, kind);
    checkPrivateParams(pub, priv, false, kind);
  }
  return makePrivateKey(makePublicKey(pub), priv);
}

/**
 * The JSON form of a public key.
 *
 * @param key - a public key, or a private key whose public part is wanted
 * @returns `{"kty":"DGK","n":"0x…","g":"0x…","h":"0x…","u":"0x…","randomBits":640}` as an object
 * @throws {DgkError} `INVALID_ARGUMENT` when `key` is not a DGK key
 */
export function exportDgkPublicKey(key: DgkPublicKey | DgkPrivateKey): DgkPublicKeyJson {
  if (key instanceof DgkPrivateKey) return key.publicKey.toJSON();
  if (key instanceof DgkPublicKey) return key.toJSON();
  throw new DgkError("INVALID_ARGUMENT", `exportDgkPublicKey: expected a DGK key, got ${describeValue(key)}`);
}

/**
 * The JSON form of a private key. Whoever holds it can run the zero test on, and decrypt, everything encrypted under
 * the key.
 *
 * @param key - the private key
 * @returns the public members plus `"p"`, `"q"`, `"vp"`, `"vq"`, as an object
 * @throws {DgkError} `INVALID_ARGUMENT` when `key` is not a DGK private key
 */
export function exportDgkPrivateKey(key: DgkPrivateKey): DgkPrivateKeyJson {
  if (!(key instanceof DgkPrivateKey)) {
    throw new DgkError("INVALID_ARGUMENT", `exportDgkPrivateKey: expected a DgkPrivateKey, got ${describeValue(key)}`);
  }
  return { ...key.publicKey.toJSON(), p: toHex(key.p), q: toHex(key.q), vp: toHex(key.vp), vq: toHex(key.vq) };
}

// ---------------------------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------------------------

function nativePrime(bits: number, add?: bigint): Promise<bigint> {
  const options = add === undefined ? { bigint: true as const } : { bigint: true as const, add, rem: 1n };
  return new Promise((resolve, reject) => {
    generatePrime(bits, options, (err, prime) => (err ? reject(err) : resolve(prime)));
  });
}

/**
 * An element of exact order `order` = product of the distinct primes `factors` in Z_prime*, where order | prime − 1:
 * a random x raised to (prime − 1)/order, accepted when no maximal proper divisor of the order kills it.
 */
function elementOfOrder(prime: bigint, order: bigint, factors: readonly bigint[]): bigint {
  const cofactor = (prime - 1n) / order;
  for (;;) {
    const y = modPow(randomBelow(prime - 3n) + 2n, cofactor, prime);
    if (y !== 1n && factors.every((f) => !isOne(y, order / f, prime))) return y;
  }
}

/** The x mod p·q with x ≡ xp (mod p) and x ≡ xq (mod q). */
function crt(xp: bigint, xq: bigint, p: bigint, q: bigint): bigint {
  const d = (((xp - xq) % p) + p) % p;
  return xq + q * ((d * modInverse(q, p)) % p);
}

/**
 * Generates a DGK key pair.
 *
 * u and then v_p, v_q come from OpenSSL (`crypto.generatePrime`, on libuv's thread pool). p and q are found by
 * {@link primeCongruentToOne} among the primes ≡ 1 (mod 2·u·v) of at least √2·2^(bits/2 − 1), so that their product
 * always has exactly `bits` bits, on this thread in slices that leave the event loop free between them; the test
 * that finds each is the one OpenSSL's exponentiation context for it runs, kept for the key's later use. g and h
 * are built modulo p and modulo q from random elements raised to (p − 1)/(u·v_p), (p − 1)/v_p and so on, their
 * exact orders checked, and combined by the CRT. The result passes the same checks as an imported key. See
 * bench/matching/latency-results.md for its time at 3072 bits.
 *
 * @param options - modulus size (default 3072), t (default 256) and the bit length of u (default 16)
 * @returns the key pair
 * @throws {DgkError} `INVALID_ARGUMENT` for an unsupported size (anything under 2048 bits included) or t, uBits out of
 *   range
 * @example
 * const { publicKey, privateKey } = await generateDgkKeyPair(); // 3072 bits, t = 256, 16-bit u
 */
export async function generateDgkKeyPair(options?: DgkKeyGenerationOptions): Promise<DgkKeyPair> {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new DgkError(
      "INVALID_ARGUMENT",
      `generateDgkKeyPair: expected an options object, got ${describeValue(options)}`,
    );
  }
  const bits = options?.bits ?? DGK_DEFAULT_MODULUS_BITS;
  const t = options?.t ?? DGK_DEFAULT_T;
  const uBits = options?.uBits ?? DGK_DEFAULT_U_BITS;
  assertInteger(bits, "generateDgkKeyPair: options.bits", 1, 1 << 16);
  if (!DGK_SUPPORTED_MODULUS_BITS.includes(bits)) {
    throw new DgkError(
      "INVALID_ARGUMENT",
      `generateDgkKeyPair: expected bits in ${DGK_SUPPORTED_MODULUS_BITS.join(", ")}, got ${bits}` +
        (bits < DGK_MIN_MODULUS_BITS ? ` (keys under ${DGK_MIN_MODULUS_BITS} bits are refused)` : ""),
    );
  }
  assertInteger(t, "generateDgkKeyPair: options.t", DGK_MIN_T, DGK_MAX_T);
  assertInteger(uBits, "generateDgkKeyPair: options.uBits", DGK_MIN_U_BITS, DGK_MAX_U_BITS);
  const kind = "generated DGK key";

  const u = await nativePrime(uBits);
  const [vp, firstVq] = await Promise.all([nativePrime(t), nativePrime(t)]);
  let vq = firstVq;
  while (vq === vp) vq = await nativePrime(t);

  const half = bits >> 1;
  const p = await primeCongruentToOne(half, 2n * u * vp);
  let q = await primeCongruentToOne(half, 2n * u * vq);
  // p and q start at independent uniform points: closer than 2^(half − 100) has probability about 2^−98
  while (bitLength(p > q ? p - q : q - p) <= half - 100) q = await primeCongruentToOne(half, 2n * u * vq);
  const n = p * q;
  const gp = elementOfOrder(p, u * vp, [u, vp]);
  const gq = elementOfOrder(q, u * vq, [u, vq]);
  const hp = elementOfOrder(p, vp, [vp]);
  const hq = elementOfOrder(q, vq, [vq]);
  const pub: PublicParams = { n, g: crt(gp, gq, p, q), h: crt(hp, hq, p, q), u, randomBits: randomBitsFor(t) };
  const priv: PrivateParams = { p, q, vp, vq };
  checkPublicParams(pub, { bits }, kind);
  checkPrivateParams(pub, priv, true, kind);
  const publicKey = makePublicKey(pub);
  return { publicKey, privateKey: makePrivateKey(publicKey, priv) };
}
