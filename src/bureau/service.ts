/**
 * The bureau service (the paper's credit reporting system): the encrypted record store, the evaluator that answers
 * checks addressed to this bureau, and the HTTP API where messages travel and providers submit records.
 * @module
 */
import type { Signer } from "ethers";
import { BureauClient } from "../clients/creditCheck";
import type { DgkPrivateKey } from "../dgk";
import { NodeType } from "../nodeTypes";
import { BlindingWorkers, RandomnessPool, type PaillierPublicKey } from "../paillier";
import type { Suite } from "../suite";
import { comparisonKeyPath, loadOrCreateComparisonKey } from "./comparisonKey";
import { Evaluator } from "./evaluator";
import { startBureauApi } from "./http";
import { StoreBoard, StoreJournal } from "./journal";
import { CheckRefusal, RefusalReason } from "../protocol/refusal";
import { SealingError, type SealingKey } from "./sealing";
import { openSqliteStore } from "./sqliteStore";
import { StoreError, type BureauStore } from "./store";

/** Options of {@link startBureauService}. */
export interface BureauServiceOptions {
  /** The contracts, connected to the bureau's signer (it posts the bureau's commitments). */
  readonly suite: Suite;
  /** The SQLite database file (created when missing). */
  readonly databasePath: string;
  /** The key records and journal are sealed under; never stored in the database. */
  readonly sealingKey: SealingKey;
  /**
   * The bureau's DGK comparison key; by default the one sealed beside the database (`<database>.comparison-key`),
   * generated on the first start.
   */
  readonly comparisonKey?: DgkPrivateKey;
  /** Where the API listens; default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 8600; 0 for any free port. */
  readonly port?: number;
  /** How often the evaluator looks for work; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Whether the evaluator polls by itself (default true); false leaves it to `evaluator.tick()` (the demo). */
  readonly watch?: boolean;
  /** Blinding threads; default one per core. */
  readonly threads?: number;
  /** Where progress lines go. */
  readonly log?: (line: string) => void;
}

/** A running bureau service. */
export interface BureauService {
  readonly url: string;
  readonly bureau: string;
  /** The fingerprint of the bureau's DGK comparison key, as registered on-chain. */
  readonly comparisonKey: string;
  readonly store: BureauStore;
  readonly evaluator: Evaluator;
  /** Stops the evaluator (after its current step), the API, the threads and the store. */
  stop(): Promise<void>;
}

/** How many precomputed randomizers the bureau keeps per bank key. */
const POOL_CAPACITY = 256;

/**
 * Opens the store, starts the evaluator and the API.
 * @throws when the signer is not an active credit bureau, the database is sealed under another key, or the port
 *   is taken
 */
export async function startBureauService(options: BureauServiceOptions): Promise<BureauService> {
  const { suite, log = () => undefined } = options;
  const bureau = await (suite.matching.runner as Signer).getAddress();
  if (!(await suite.classification.isActiveAs(bureau, NodeType.CreditBureau))) {
    throw new Error(`${bureau} is not an active credit bureau of this consortium: it cannot serve checks`);
  }
  const comparisonKey =
    options.comparisonKey ??
    (await loadOrCreateComparisonKey(comparisonKeyPath(options.databasePath), options.sealingKey, log));
  const store = await openSqliteStore({ path: options.databasePath, sealingKey: options.sealingKey });
  const workers = new BlindingWorkers(options.threads);
  const pools = new Map<string, RandomnessPool>();
  const poolFor = (key: PaillierPublicKey) => {
    let pool = pools.get(key.fingerprint);
    if (pool === undefined) {
      pool = new RandomnessPool(key, { capacity: POOL_CAPACITY });
      pools.set(key.fingerprint, pool);
    }
    return pool;
  };
  const client = new BureauClient(
    suite.matching,
    new StoreBoard(store),
    (subject) => subjectValues(store, subject),
    comparisonKey,
    { journal: new StoreJournal(store), poolFor, blind: workers.blind },
  );
  const evaluator = new Evaluator(suite, client, bureau, { pollIntervalMs: options.pollIntervalMs, log });
  let api;
  try {
    api = await startBureauApi({
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 8600,
      store,
      suite,
      bureau,
      evaluator,
      log,
    });
  } catch (err) {
    await Promise.all([workers.close(), store.close()]);
    throw err;
  }
  try {
    await client.registerComparisonKey();
  } catch (err) {
    await Promise.all([api.close(), workers.close(), store.close()]);
    throw err;
  }
  if (options.watch ?? true) evaluator.start();
  return {
    url: api.url,
    bureau,
    comparisonKey: comparisonKey.publicKey.fingerprint,
    store,
    evaluator,
    async stop() {
      await evaluator.stop();
      await api.close();
      await Promise.all([workers.close(), ...[...pools.values()].map((p) => p.close())]);
      await store.close();
    },
  };
}

/** The subject's values from the store; no record, or one failing its integrity checks, is a refusal of the check. */
async function subjectValues(store: BureauStore, subject: string): Promise<Map<string, bigint>> {
  try {
    return await store.valuesOf(subject);
  } catch (e) {
    if (e instanceof StoreError && e.code === "no-record") throw new CheckRefusal(RefusalReason.NoData, e.message);
    if (e instanceof SealingError && e.code === "tampered")
      throw new CheckRefusal(RefusalReason.TamperedData, e.message);
    throw e;
  }
}
