/**
 * Bit-proof verification on a worker thread, so that a verifier can do other work meanwhile: the bureau zero-tests
 * the bank's DGK values on its own thread while the batched {@link verifyBits} (about 100 ms at 3072 bits for a
 * ten-condition check) runs on another core. The answer is exactly {@link verifyBits}'s: the worker runs it on the
 * same values.
 *
 * @module
 */

import type { Worker } from "node:worker_threads";
import { Ciphertext, PaillierPublicKey } from "../paillier";
import { startWorker } from "../paillier/threads";
import { verifyBits, type BitProof } from "./bits";
import { ProofError, type ProofErrorCode } from "./errors";
import type { VerifyReply, VerifyRequest } from "./verifier-worker";

/** The worker entry, relative to `startWorker`'s folder (src/paillier, or its compiled twin). */
const WORKER_ENTRY = "../proofs/verifier-worker";

interface Job {
  resolve(): void;
  reject(err: Error): void;
  /** The same verification on the calling thread, when the worker cannot answer. */
  inline(): Promise<void>;
}

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
  #worker: Worker | undefined;
  readonly #jobs = new Map<number, Job>();
  #nextId = 0;

  constructor() {
    try {
      const worker = startWorker(WORKER_ENTRY, null);
      worker.on("message", (reply: VerifyReply) => this.#settle(reply));
      worker.on("error", () => this.#fail());
      worker.on("exit", () => this.#fail());
      worker.unref();
      this.#worker = worker;
    } catch {
      this.#worker = undefined;
    }
  }

  /**
   * {@link verifyBits}(publicKey, ciphertexts, proof, context) on the worker thread.
   *
   * @returns a promise that resolves when the proof holds
   * @throws {ProofError} (as a rejection) what {@link verifyBits} throws
   */
  verify(
    publicKey: PaillierPublicKey,
    ciphertexts: readonly Ciphertext[],
    proof: BitProof,
    context: Uint8Array,
  ): Promise<void> {
    const worker = this.#worker;
    const inline = async () => verifyBits(publicKey, ciphertexts, proof, context);
    if (
      worker === undefined ||
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
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject, inline });
      if (this.#jobs.size === 1) worker.ref();
      try {
        worker.postMessage({
          id,
          n: publicKey.n,
          ciphertexts: ciphertexts.map((c) => c.value),
          items: proof.items,
          context,
        } satisfies VerifyRequest);
      } catch {
        this.#jobs.delete(id);
        if (this.#jobs.size === 0) worker.unref();
        inline().then(resolve, reject);
      }
    });
  }

  /** Stops the thread; requests still out, and later ones, are verified on the calling thread. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#fail();
    await worker.terminate();
  }

  #settle(reply: VerifyReply): void {
    const job = this.#jobs.get(reply.id);
    if (job === undefined) return;
    this.#jobs.delete(reply.id);
    if (this.#jobs.size === 0) this.#worker?.unref();
    if ("inline" in reply) job.inline().then(job.resolve, job.reject);
    else if ("code" in reply) job.reject(new ProofError(reply.code as ProofErrorCode, reply.message));
    else job.resolve();
  }

  /** The thread stopped: its requests, and later ones, are verified on the calling thread. */
  #fail(): void {
    this.#worker = undefined;
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const job of jobs) job.inline().then(job.resolve, job.reject);
  }
}
