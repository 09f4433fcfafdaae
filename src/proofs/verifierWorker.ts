/**
 * Bit-proof verification on a worker thread, so that a verifier can do other work meanwhile: the bureau zero-tests
 * the bank's DGK values on its own thread while the batched {@link verifyBits} (about 100 ms at 3072 bits for a
 * ten-condition check) runs on another core. The answer is exactly {@link verifyBits}'s: the worker runs it on the
 * same values.
 *
 * @module
 */

import { Ciphertext, PaillierPublicKey } from "../paillier";
import { WorkerPool } from "../workerPool";
import { verifyBits, type BitProof } from "./bits";
import { ProofError } from "./errors";
import type { VerifyReply, VerifyRequest } from "./verifier-worker";

/**
 * One worker thread verifying bit proofs. The thread starts with the object and keeps the process alive only while
 * a request is out; {@link BitVerifierWorker.close} stops it. If the thread fails, or the arguments cannot be sent
 * to it, the proof is verified on the calling thread instead: the answer never depends on the thread.
 *
 * @example
 * const verifier = new BitVerifierWorker();
 * const verified = verifier.verify(bankKey, shares, proof, context); // runs meanwhile
 * const zeros = values.map((v) => zeroTest(comparisonKey, v));
 * await verified; // rejects with verifyBits's ProofError
 * await verifier.close();
 */
export class BitVerifierWorker {
  /** Undefined when the thread could not be started: every proof is then verified on the calling thread. */
  readonly #pool: WorkerPool<VerifyRequest, VerifyReply> | undefined;

  constructor() {
    try {
      this.#pool = new WorkerPool(require.resolve("./verifier-worker"), { threads: 1 });
    } catch {
      this.#pool = undefined;
    }
  }

  /**
   * {@link verifyBits}(publicKey, ciphertexts, proof, context) on the worker thread.
   *
   * @returns a promise that resolves when the proof holds
   * @throws {ProofError} (as a rejection) what {@link verifyBits} throws
   */
  async verify(
    publicKey: PaillierPublicKey,
    ciphertexts: readonly Ciphertext[],
    proof: BitProof,
    context: Uint8Array,
  ): Promise<void> {
    const pool = this.#pool;
    const inline = () => verifyBits(publicKey, ciphertexts, proof, context);
    if (
      pool === undefined ||
      !(publicKey instanceof PaillierPublicKey) ||
      !Array.isArray(ciphertexts) ||
      !ciphertexts.every((c) => c instanceof Ciphertext && c.publicKey.equals(publicKey)) ||
      typeof proof !== "object" ||
      proof === null ||
      !(proof.publicKey instanceof PaillierPublicKey) ||
      !proof.publicKey.equals(publicKey) ||
      !(context instanceof Uint8Array)
    ) {
      // Anything unusual gets verifyBits's own checks and messages.
      return inline();
    }
    const request = { n: publicKey.n, ciphertexts: ciphertexts.map((c) => c.value), items: proof.items, context };
    let reply: VerifyReply;
    try {
      reply = await pool.request(0, request);
    } catch {
      return inline(); // a stopped or closed thread, or arguments it could not be sent
    }
    if (reply !== undefined) throw new ProofError(reply.code, reply.message);
  }

  /** Stops the thread; requests still out, and later ones, are verified on the calling thread. */
  async close(): Promise<void> {
    await this.#pool?.close();
  }
}
