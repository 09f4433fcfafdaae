/**
 * The bureau service (the paper's credit reporting system): the encrypted record store, the evaluator that answers
 * checks addressed to this bureau, and the HTTP API where messages travel and providers submit records.
 * @module
 */
import { existsSync, renameSync } from "node:fs";
import { ZeroHash, type Signer } from "ethers";
import { type DgkPrivateKey } from "../dgk";
import { NodeType } from "../contractEnums";
import { BlindingWorkers, RandomnessPool, type PaillierPublicKey } from "../paillier";
import { BitVerifierWorker, type RingPedersenSecret } from "../proofs";
import type { Suite } from "../suite";
import { comparisonKeyPath, loadOrCreateComparisonKey } from "./comparisonKey";
import { loadOrCreateRingPedersen, ringPedersenPath } from "./ringPedersen";
import { ComparisonKeyPool, type ComparisonKeyPoolOptions, type ComparisonKeySource } from "./comparisonKeys";
import { ComparisonKeyThreads } from "./comparisonKeyThreads";
import { Evaluator, type EvaluatorOptions, type RetryPolicy } from "./evaluator";
import { leaseOwner } from "./leases";
import { pino, type Logger } from "pino";
import { startBureauApi, type ApiLimits } from "./http";
import { BureauMetrics } from "./metrics";
import { pruneMessages } from "./pruner";
import { StoreBoard, StoreJournal } from "./journal";
import { BureauClient } from "./steps";
import { TransactionSender } from "./transactionSender";
import { CheckRefusal, RefusalReason } from "../protocol/refusal";
import type { OwnershipJudgment } from "../../typechain-types";
import { CREDIT_RECORD_CATEGORY } from "../protocol/records";
import { DEFAULT_SCHEMA, expectDeployedSchema, type CreditSchema } from "../protocol/schema";
import { SealingError, type SealingKey } from "./sealing";
import { openStore, storeCapabilities } from "./openStore";
import { redactUrl } from "../redact";
import { StoreError, type BureauStore, type StoreDeployment } from "./store";
import type { StoreCapabilities } from "./storeDriver";
import { lockStoreFile } from "./storeLock";

/** Options of {@link startBureauService}. */
export interface BureauServiceOptions {
  /** The contracts, connected to the bureau's signer (it posts the bureau's commitments). */
  readonly suite: Suite;
  /**
   * The SQLite database file (created when missing), or a PostgreSQL URL (`postgres://user:password@host/db`, an
   * empty database or a bureau's; see `./postgresStore`). It is bound to the deployment it first served (chain id
   * and contract addresses): started against another, the service refuses (see {@link freshStore}).
   */
  readonly databasePath: string;
  /**
   * Where the sealed comparison key lives when {@link comparisonKey} is not given; default beside the SQLite
   * database (`<database>.comparison-key`). Needed with a PostgreSQL URL: every bureau process sharing the
   * database uses the same key, so copy the file to each after the first start.
   */
  readonly comparisonKeyFile?: string;
  /**
   * Start on a fresh store: the database file (with its `-wal` and `-shm` files) and the comparison key beside it
   * are moved aside to `<database>.<timestamp>.bak` (`-wal`, `-shm`, `.comparison-key` after that name, so that the
   * backup opens as a database of its own); nothing is deleted. Default false.
   */
  readonly freshStore?: boolean;
  /**
   * How many blocks deep a check's request must be before the evaluator acts on it; default 0 (right on a chain
   * with immediate finality, such as QBFT). See {@link EvaluatorOptions.confirmations}.
   */
  readonly confirmations?: number;
  /** The key records and journal are sealed under; never stored in the database. */
  readonly sealingKey: SealingKey;
  /**
   * The DGK comparison key registered on-chain (the contract wants one before it opens decision-mode checks); by
   * default the one sealed beside the database (`<database>.comparison-key`), generated on the first start. No
   * check uses it: each decision-mode check gets a fresh key of its own (see `./comparisonKeys`).
   */
  readonly comparisonKey?: DgkPrivateKey;
  /**
   * Where the sealed ring-Pedersen parameters live when {@link ringPedersen} is not given; default beside the SQLite
   * database (`<database>.ring-pedersen`). Needed with a PostgreSQL URL, like {@link comparisonKeyFile}.
   */
  readonly ringPedersenFile?: string;
  /**
   * The bureau's ring-Pedersen parameters, under which banks prove their keys have no small factor (Π^fac); by
   * default the ones sealed beside the database, made on the first start (two 1536-bit safe primes: seconds to
   * minutes).
   */
  readonly ringPedersen?: RingPedersenSecret;
  /** The size of the per-check comparison keys, in bits: 3072 (default) or 4096; 2048 for tests only. */
  readonly comparisonKeyBits?: number;
  /**
   * The per-check comparison keys' pool: how many are kept ready (`capacity`, default 4) and how many unused
   * reservations a bank may hold (`reservationsPerBank`, default 4; each costs the bureau a key's making). A bank
   * that precomputes further ahead needs more; see `./comparisonKeys`.
   */
  readonly comparisonKeyPool?: Pick<ComparisonKeyPoolOptions, "capacity" | "reservationsPerBank">;
  /**
   * Where each check's comparison key comes from instead of the service's own pool: for benches that compare with
   * the protocol before per-check keys (bench/matching/oneKey.ts). Leave it unset in a deployment.
   */
  readonly comparisonKeySource?: ComparisonKeySource;
  /** Where the API listens; default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 8600; 0 for any free port. */
  readonly port?: number;
  /**
   * How long the evaluator's lease on a check lasts unless renewed (it renews every third of it), in milliseconds;
   * default 30 000. Several bureau processes (evaluators) may share a PostgreSQL store: each works on a check only
   * while it holds its lease, and a check whose evaluator crashed is taken over by another once its lease ends. On
   * SQLite (one process per file) a restarted process takes its predecessor's leases back at once.
   */
  readonly leaseMs?: number;
  /** How often the evaluator looks for work; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** How a check whose step failed is retried (backoff and its bound); default `DEFAULT_RETRY` in `./evaluator`. */
  readonly retry?: RetryPolicy;
  /**
   * The longest {@link BureauService.stop} waits for the evaluator's round and the API's open requests, in ms, before
   * it drops them (a step cut short is resumed from the journal by the next start); default
   * {@link DEFAULT_STOP_TIMEOUT_MS}.
   */
  readonly stopTimeoutMs?: number;
  /** Whether the evaluator polls by itself (default true); false leaves it to `evaluator.tick()` (the demo). */
  readonly watch?: boolean;
  /** How many checks the evaluator works on at once (see `EvaluatorOptions.concurrency`); default 4. */
  readonly concurrency?: number;
  /** Blinding threads; default one per core. */
  readonly threads?: number;
  /**
   * Where the structured logs go (pino; JSON lines with `checkId`, `party`, `step`); default none. The CLI passes one
   * that prints human progress lines.
   */
  readonly logger?: Logger;
  /** The service's metrics; default a registry of its own (`service.metrics`). */
  readonly metrics?: BureauMetrics;
  /**
   * How long a finished check's messages are kept, in ms (they are pruned after; see `./pruner`); default 7 days.
   */
  readonly messageRetentionMs?: number;
  /** How often the board is pruned, in ms; default 10 minutes. */
  readonly pruneIntervalMs?: number;
  /** The API's bounds (concurrency, timeouts, body size, health's lag). */
  readonly limits?: ApiLimits;
  /**
   * The consortium's credit schema (default: the default schema). The service refuses to start against a deployment
   * fixed to another; records and forms are read against it.
   */
  readonly schema?: CreditSchema;
}

/** A running bureau service. */
export interface BureauService {
  readonly url: string;
  readonly bureau: string;
  /** The fingerprint of the bureau's DGK comparison key, as registered on-chain. */
  readonly comparisonKey: string;
  /** The fingerprint of the bureau's ring-Pedersen parameters, as its API publishes them. */
  readonly ringPedersen: string;
  readonly store: BureauStore;
  readonly evaluator: Evaluator;
  /** Its Prometheus registry and metrics (the evaluator's counts among them). */
  readonly metrics: BureauMetrics;
  /**
   * Stops the evaluator (after its current step), the API (after its open requests), the threads and the store,
   * within the shutdown deadline (`stopTimeoutMs`): past it, the round and the requests still open are dropped.
   */
  stop(): Promise<void>;
}

/**
 * The default shutdown deadline: 20 s. A step takes a few seconds at most (a k = 32 check's is about 2.4 s, plus its
 * transaction), so a round in progress finishes well within it; and it stays under the 30 s an orchestrator gives a
 * stopping process before it kills it (Kubernetes' default grace period), so the store is closed cleanly.
 */
export const DEFAULT_STOP_TIMEOUT_MS = 20_000;

/** The lease owner of the one process serving a store that is not shared (a SQLite file). */
const ONE_PROCESS_LEASE_OWNER = "bureau";

/** How many precomputed randomizers the bureau keeps per bank key. */
const POOL_CAPACITY = 256;

/**
 * Opens the store (binding it to the suite's deployment on its first start), starts the evaluator and the API. A
 * SQLite store is locked for this process first (`./storeLock`), and released when the service stops.
 * @throws when the signer is not an active credit bureau, the database is sealed under another key, the store
 *   serves another deployment ({@link StoreError} `deployment`, with what to do), another process serves the SQLite
 *   file ({@link StoreError} `locked`, naming it), the deployment is fixed to another credit schema ("the deployment:
 *   expected schema X (hash …), got …"), or the port is taken
 */
export async function startBureauService(options: BureauServiceOptions): Promise<BureauService> {
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  if (!Number.isSafeInteger(stopTimeoutMs) || stopTimeoutMs < 0) {
    throw new RangeError(`stopTimeoutMs: expected a whole number of ms ≥ 0, got ${String(options.stopTimeoutMs)}`);
  }
  const capabilities = storeCapabilities(options.databasePath);
  const { file, sharedByProcesses } = capabilities;
  const lock = file !== undefined && !sharedByProcesses ? lockStoreFile(file) : undefined;
  try {
    const service = await startLocked(options, capabilities, stopTimeoutMs);
    return {
      ...service,
      async stop() {
        try {
          await service.stop();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (e) {
    lock?.release();
    throw e;
  }
}

async function startLocked(
  options: BureauServiceOptions,
  { label, file, sharedByProcesses }: StoreCapabilities,
  stopTimeoutMs: number,
): Promise<BureauService> {
  const { suite } = options;
  const logger = options.logger ?? pino({ level: "silent" });
  const metrics = options.metrics ?? new BureauMetrics();
  const log = (line: string) => logger.info(line);
  const bureau = await (suite.matching.runner as Signer).getAddress();
  if (!(await suite.classification.isActiveAs(bureau, NodeType.CreditBureau))) {
    throw new Error(`${bureau} is not an active credit bureau of this consortium: it cannot serve checks`);
  }
  expectDeployedSchema(options.schema ?? DEFAULT_SCHEMA, await suite.matching.schemaHash());
  if (file === undefined && options.comparisonKey === undefined && options.comparisonKeyFile === undefined) {
    throw new Error(`${label} needs comparisonKeyFile (or comparisonKey): it lives in no file to keep it beside`);
  }
  if (file === undefined && options.freshStore) {
    throw new Error(
      `freshStore moves a store's file aside; ${label} lives in none: for a fresh one, create a new database and ` +
        "point the service at it",
    );
  }
  if (file === undefined && options.ringPedersen === undefined && options.ringPedersenFile === undefined) {
    throw new Error(`${label} needs ringPedersenFile (or ringPedersen): it lives in no file to keep it beside`);
  }
  if (file !== undefined && options.freshStore) {
    const backup = moveStoreAside(file);
    if (backup !== undefined) log(`moved the old store aside to ${backup}; starting a fresh one`);
  }
  const store = await openStore(options.databasePath, options.sealingKey);
  let comparisonKey;
  let ringPedersen;
  try {
    await bindStore(store, redactUrl(options.databasePath), file !== undefined, await deploymentOf(suite));
    comparisonKey =
      options.comparisonKey ??
      (await loadOrCreateComparisonKey(options.comparisonKeyFile ?? comparisonKeyPath(file!), options.sealingKey, log));
    ringPedersen =
      options.ringPedersen ??
      (await loadOrCreateRingPedersen(options.ringPedersenFile ?? ringPedersenPath(file!), options.sealingKey, log));
  } catch (err) {
    await store.close();
    throw err;
  }
  const workers = new BlindingWorkers(options.threads);
  // The bank's share proof is verified on a thread of its own while the evaluator zero-tests the DGK values.
  const verifier = new BitVerifierWorker();
  // Each decision-mode check's comparison key comes from a stock generated in the background.
  // The keys are made, and their checks' zero tests run, on threads of their own (see ./comparisonKeyThreads).
  // Reservations live in the store: every process sharing it honours them, and a restart keeps them.
  const keyThreads = new ComparisonKeyThreads();
  const comparisonKeys = new ComparisonKeyPool({
    ...options.comparisonKeyPool,
    keys: { bits: options.comparisonKeyBits },
    threads: keyThreads,
    reservations: store,
  });
  void comparisonKeys.fill().catch(() => undefined);
  const keySource = options.comparisonKeySource ?? comparisonKeys;
  const closeThreads = () =>
    Promise.all([comparisonKeys.close().then(() => keyThreads.close()), workers.close(), verifier.close()]);
  const pools = new Map<string, RandomnessPool>();
  const poolFor = (key: PaillierPublicKey) => {
    let pool = pools.get(key.fingerprint);
    if (pool === undefined) {
      pool = new RandomnessPool(key, { capacity: POOL_CAPACITY });
      pools.set(key.fingerprint, pool);
    }
    return pool;
  };
  // Unique per process on a shared store; one process serves any other, so its owner is always the same.
  const owner = sharedByProcesses ? leaseOwner() : ONE_PROCESS_LEASE_OWNER;
  // The bureau account's one sender: the evaluator's steps and the relay's consents take their nonces in turn.
  const sender = new TransactionSender();
  const client = new BureauClient(
    suite.matching,
    new StoreBoard(store),
    (subject) => subjectValues(store, suite.ownership, subject),
    keySource,
    ringPedersen,
    {
      journal: new StoreJournal(store, async (checkId) => (await suite.matching.checkOf(checkId)).formHash, owner),
      poolFor,
      blind: workers.blind,
      verifier,
      schema: options.schema,
      sender,
    },
  );
  let evaluator;
  try {
    evaluator = new Evaluator(suite, client, bureau, {
      pollIntervalMs: options.pollIntervalMs,
      retry: options.retry,
      concurrency: options.concurrency,
      confirmations: options.confirmations,
      cursor: store,
      leases: { store, owner, leaseMs: options.leaseMs },
      logger,
    } satisfies EvaluatorOptions);
  } catch (err) {
    await Promise.all([closeThreads(), store.close()]);
    throw err;
  }
  let api;
  try {
    api = await startBureauApi({
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 8600,
      store,
      suite,
      bureau,
      evaluator,
      metrics,
      limits: options.limits,
      logger,
      schema: options.schema,
      parameters: () => client.parametersDocument(),
      comparisonKeys:
        keySource.reserve === undefined
          ? undefined
          : {
              reserve: (bank) => keySource.reserve!(bank),
              release: async (bank, fingerprint) => keySource.release?.(bank, fingerprint),
            },
      sender,
    });
  } catch (err) {
    await Promise.all([closeThreads(), store.close()]);
    throw err;
  }
  try {
    await client.registerComparisonKey(comparisonKey.publicKey);
  } catch (err) {
    await Promise.all([api.close(), closeThreads(), store.close()]);
    throw err;
  }
  if (options.watch ?? true) evaluator.start();
  const retentionMs = options.messageRetentionMs ?? 7 * 86_400_000;
  let pruning: Promise<void> = Promise.resolve();
  const pruner = setInterval(() => {
    pruning = pruneMessages(store, suite.matching, retentionMs).then(
      (deleted) => void (deleted > 0 && logger.info({ deleted }, `pruned ${deleted} messages of finished checks`)),
      (err: Error) => logger.warn({ err: err.message }, "pruning the message board failed"),
    );
  }, options.pruneIntervalMs ?? 600_000);
  pruner.unref();
  return {
    url: api.url,
    bureau,
    comparisonKey: comparisonKey.publicKey.fingerprint,
    ringPedersen: ringPedersen.parameters.fingerprint,
    store,
    evaluator,
    metrics,
    async stop() {
      // One deadline for the evaluator's round and the API's open requests; past it, they are dropped.
      const deadline = Date.now() + stopTimeoutMs;
      clearInterval(pruner);
      if (!(await within(Promise.all([pruning, evaluator.stop()]), deadline))) {
        logger.warn(
          { stopTimeoutMs },
          "stopping: the evaluator's round outlasted the deadline; left to the next start",
        );
      }
      const closing = api.close();
      if (!(await within(closing, deadline))) {
        logger.warn({ stopTimeoutMs }, "stopping: requests still open at the deadline were dropped");
        api.server.closeAllConnections();
        await closing;
      }
      await Promise.all([closeThreads(), ...[...pools.values()].map((p) => p.close())]);
      await store.close();
    },
  };
}

/** Whether `promise` settles before `deadline` (Unix ms); it is left running otherwise. */
async function within(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), deadline - Date.now())));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The deployment the suite is: its chain id and contract addresses. */
async function deploymentOf(suite: Suite): Promise<StoreDeployment> {
  const { chainId } = await suite.matching.runner!.provider!.getNetwork();
  const contracts: Record<string, string> = {
    HistoryRecord: await suite.history.getAddress(),
    NodeClassification: await suite.classification.getAddress(),
    ConsensusJudgment: await suite.consensus.getAddress(),
    PermissionSetting: await suite.permissions.getAddress(),
    OwnershipJudgment: await suite.ownership.getAddress(),
    ConditionMatching: await suite.matching.getAddress(),
  };
  return { chainId, contracts };
}

/** Binds the store to the deployment, or refuses with what the operator can do. */
async function bindStore(
  store: BureauStore,
  databasePath: string,
  inFile: boolean,
  deployment: StoreDeployment,
): Promise<void> {
  try {
    await store.bindDeployment(deployment);
  } catch (e) {
    if (!(e instanceof StoreError && e.code === "deployment")) throw e;
    const fresh = !inFile
      ? "or at a new database"
      : "or start a fresh store (`freshStore: true`; `blindcredit bureau start --fresh-store`), which moves this " +
        `one aside to ${databasePath}.<timestamp>.bak`;
    throw new StoreError(
      "deployment",
      `bureau store ${databasePath} belongs to another deployment: ${e.message}. Its records, journal and log ` +
        `cursor mean nothing on this one. Point the service at that deployment, or at another database file, ${fresh}`,
      { cause: e },
    );
  }
}

/**
 * Moves the database at `databasePath` (with its `-wal` and `-shm` files, its comparison key and ring-Pedersen
 * parameters) aside to
 * `<databasePath>.<timestamp>.bak`; returns that path, or undefined when there was nothing to move.
 * @throws Error when the backup name is taken (nothing is moved then)
 */
export function moveStoreAside(databasePath: string, now: Date = new Date()): string | undefined {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(".", "-"); // 20250102T030405-678Z
  const backup = `${databasePath}.${stamp}.bak`;
  const moves: [string, string][] = [
    [databasePath, backup],
    [`${databasePath}-wal`, `${backup}-wal`],
    [`${databasePath}-shm`, `${backup}-shm`],
    [comparisonKeyPath(databasePath), comparisonKeyPath(backup)],
    [ringPedersenPath(databasePath), ringPedersenPath(backup)],
  ].filter(([from]) => existsSync(from)) as [string, string][];
  if (moves.length === 0) return undefined;
  const taken = moves.find(([, to]) => existsSync(to));
  if (taken) throw new Error(`cannot move the store aside: ${taken[1]} exists`);
  for (const [from, to] of moves) renameSync(from, to);
  return backup;
}

/**
 * The subject's values for a check: those of the record whose hash the subject's ownership record holds now for
 * the credit-record category on-chain, and no other. No hash on-chain, or no stored record with it (its provider has
 * not delivered it, or it was committed on another deployment), is a refusal for lack of data; a record failing
 * its integrity checks is a refusal for tampered data.
 */
async function subjectValues(
  store: BureauStore,
  ownership: OwnershipJudgment,
  subject: string,
): Promise<Map<string, bigint>> {
  const hash = await ownership.dataHashOf(subject, CREDIT_RECORD_CATEGORY);
  if (hash === ZeroHash) {
    throw new CheckRefusal(RefusalReason.NoData, `subject ${subject}: no credit record committed on-chain`);
  }
  try {
    return await store.valuesOf(subject, hash);
  } catch (e) {
    if (e instanceof StoreError && e.code === "no-record") {
      throw new CheckRefusal(
        RefusalReason.NoData,
        `subject ${subject}: the bureau does not hold the record committed on-chain (${e.message})`,
      );
    }
    if (e instanceof SealingError && e.code === "tampered")
      throw new CheckRefusal(RefusalReason.TamperedData, e.message);
    throw e;
  }
}
