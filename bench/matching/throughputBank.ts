/**
 * One bank of the throughput bench's separate-process setting (bench/matching/throughput.ts starts it with an IPC
 * channel): its own process, its own 3072-bit Paillier key, a `BankClient` over JSON-RPC and the bureau's HTTP API,
 * with the pools a bank that keeps running holds (its proven shares, re-randomisers for the bureau's comparison
 * key): a few checks' worth refilled while it waits for the bureau, or (`ahead`) enough for the whole window made
 * before it: its shares, and `ahead` reserved per-check keys with their re-randomisers; in the window each check
 * then reserves the key of a later check, whose re-randomisers the bank leaves for later (the bureau's work stays
 * in the window, the bank's is done ahead, as on a machine of its own). In three phases, each begun when the bench says so, so that no bank's check runs
 * while the banks precompute (on a machine they share with the bureau, that starved the bureau and a form upload
 * missed its body deadline, 408): it runs one check to warm up and says "warmed"; on "prepare" it fills its pools
 * and says "ready"; on "go" it runs checks back to back until the given time, then reports how many and how long
 * each took.
 *
 * Argument: a JSON {@link BankJob}.
 * @module
 */
import { JsonRpcProvider } from "ethers";
import { BankClient } from "../../src/clients/bankCheck";
import { BureauUnavailable, HttpBoard, reserveComparisonKey } from "../../src/clients/httpBoard";
import { DEFAULT_RESERVATIONS_PER_BANK } from "../../src/bureau/comparisonKeys";
import { loadDeployedSuite } from "../../src/deployments";
import { DgkRandomizerPool, encrypt as dgkEncrypt, type DgkPublicKey } from "../../src/dgk";
import { generateKeyPair } from "../../src/paillier";
import { SharePool } from "../../src/proofs";
import { boardThrough, type BoardRequest } from "../../test/helpers/board";
import type { Condition } from "../../src/protocol/form";

/** What the orchestrator tells a bank process. */
export interface BankJob {
  readonly rpcUrl: string;
  readonly deploymentsDir: string;
  /** The bank's account index on the node. */
  readonly account: number;
  readonly bureauUrl: string;
  readonly bureau: string;
  readonly subject: string;
  readonly conditions: Condition[];
  /** How often the bank reads the check's state while it waits for the bureau, milliseconds; default 100. */
  readonly pollMs?: number;
  /** Checks' worth of shares made before "ready" and not topped up after (0: a few, topped up as it goes). */
  readonly ahead?: number;
}

/** Messages from a bank process. */
export type BankReport =
  | { readonly type: "warmed" }
  | { readonly type: "ready" }
  | {
      readonly type: "done";
      readonly checks: number;
      readonly latencies: number[];
      /** This process's CPU seconds (every thread) from "go" to the last check's end. */
      readonly cpuSeconds: number;
    }
  | { readonly type: "failed"; readonly error: string };

/** Messages to a bank process: "prepare" once every bank has warmed up, "go" once every bank is ready. */
export type BankCommand =
  | { readonly type: "prepare" }
  | {
      readonly type: "go";
      /** `Date.now()` after which no check is started. */
      readonly stopAt: number;
    };

/** Shares a bank keeps: a k = 10 check spends 14. */
const SHARES_PER_CHECK = 14;
/** Re-randomisers it keeps for the bureau's key: a k = 10 check spends 155. */
const DGK_PER_CHECK = 155;
/** Checks' worth a bank that tops up as it goes keeps. */
const KEPT_CHECKS = 4;

async function main(job: BankJob): Promise<void> {
  const provider = new JsonRpcProvider(job.rpcUrl, undefined, {
    staticNetwork: true,
    pollingInterval: job.pollMs ?? 100,
  });
  const signer = await provider.getSigner(job.account);
  const suite = await loadDeployedSuite(job.deploymentsDir, signer);
  const { privateKey } = await generateKeyPair();
  const ahead = job.ahead ?? 0;
  const kept = Math.max(ahead, KEPT_CHECKS); // the warm-up check makes its shares on the spot
  const shares = new SharePool(privateKey, { capacity: SHARES_PER_CHECK * kept });
  // Signed as the bank: the bureau takes a form of a check not opened yet only from the bank that opens it.
  const http = new HttpBoard(job.bureauUrl, { signer, bureau: job.bureau });
  const board = boardThrough(() => http, retriedOnce(job.account));
  // Each check has its own comparison key: the bank reserves keys ahead and precomputes its re-randomisers for each.
  const prepared: { key: DgkPublicKey; dgk: DgkRandomizerPool }[] = [];
  const reserve = async () => {
    // The bureau turns a reservation away (503) while as many callers wait for a key as it keeps: ask again later.
    let reserved;
    while (reserved === undefined) {
      reserved = await reserveComparisonKey(job.bureauUrl, { signer, bureau: job.bureau }).catch((err: unknown) => {
        if (!(err instanceof BureauUnavailable)) throw err;
        return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000));
      });
    }
    return reserved.publicKey;
  };
  const prepare = async () => {
    const publicKey = await reserve();
    const dgk = new DgkRandomizerPool(publicKey, { capacity: DGK_PER_CHECK });
    await dgk.fill();
    dgkEncrypt(publicKey, 0n); // its fixed-base tables for g, built now rather than during the check
    prepared.push({ key: publicKey, dgk });
  };
  const pools = new Map<string, DgkRandomizerPool>();
  const client = new BankClient(suite.matching, privateKey, board, {
    shares,
    comparisonPool: (key) => pools.get(key.fingerprint)?.take,
  });
  await client.registerKey();
  // Made ahead, keys for `ahead` checks (the bench's bureau allows that many reservations and more); else at most
  // DEFAULT_RESERVATIONS_PER_BANK unused reservations: one in use, the rest made ahead.
  const keysAhead = ahead > 0 ? ahead : DEFAULT_RESERVATIONS_PER_BANK - 1;
  // Made ahead, each check in the window reserves the key of a check after it, and the bank leaves its re-randomisers
  // for later: the bureau makes one key per check, as it does for banks that precompute on machines of their own,
  // and the bank's share of that work is not on this machine's cores in the window. Chained: one reservation at a
  // time.
  let reserving: Promise<unknown> = Promise.resolve();
  const reserveNext = () => (reserving = reserving.then(reserve).catch(() => undefined));
  // One filling at a time: two at once would hold more unused reservations than the bureau allows a bank (429).
  let filling: Promise<void> | undefined;
  const fillKeys = (): Promise<void> =>
    (filling ??= (async () => {
      while (prepared.length < keysAhead) await prepare();
    })().finally(() => (filling = undefined)));
  /** One check; with `topUp`, the pools are refilled in the background as it ends (not in the warm-up). */
  const once = async (topUp: boolean) => {
    // Made ahead and run out: one more, on the spot
    if (prepared.length === 0) await (ahead > 0 ? prepare() : fillKeys());
    const { key, dgk } = prepared.shift()!;
    pools.set(key.fingerprint, dgk);
    const { decision } = await client.runCheck(
      { subject: job.subject, bureau: job.bureau, mode: "decision", conditions: job.conditions, comparisonKey: key },
      { wait: { pollMs: job.pollMs ?? 100 } },
    );
    pools.delete(key.fingerprint);
    if (!decision.approved) throw new Error("the applicant should be approved");
    if (!topUp) return;
    if (ahead > 0) {
      void reserveNext();
      return;
    }
    // The next keys are reserved and precomputed for while checks run: they exist only once the bureau made them.
    void fillKeys().catch(() => undefined);
    // Topped up while the next check waits for the bureau.
    void shares.fill();
  };
  // The warm-up: one key reserved and its re-randomisers made, shares made on the spot; the bureau verifies this
  // bank key's proofs once.
  await prepare();
  await once(false);
  await told("prepare", { type: "warmed" });
  await Promise.all([shares.fill(), fillKeys()]);
  const go = await told("go", { type: "ready" });
  const latencies: number[] = [];
  const cpuAtGo = process.cpuUsage();
  while (Date.now() < go.stopAt) {
    const started = performance.now();
    await once(true);
    latencies.push((performance.now() - started) / 1000);
  }
  const { user, system } = process.cpuUsage(cpuAtGo);
  // The window ends once the bureau has made the key each check reserved: its key-making is all in the window.
  await reserving;
  send({ type: "done", checks: latencies.length, latencies, cpuSeconds: (user + system) / 1e6 });
  await Promise.all(prepared.map(({ dgk }) => dgk.close()));
  provider.destroy();
}

/**
 * A board request the bureau could not serve (5xx, or unreachable) sent again once, half a second later, as a
 * running bank would: on a loaded machine a bureau's own JSON-RPC call to the chain node now and then fails
 * (`socket hang up`), and one such 500 would otherwise end the run. Messages are stored by their hash, so a
 * request sent twice is stored once. Each retry is said on stderr.
 */
function retriedOnce(account: number) {
  return async <T>(request: BoardRequest, make: () => Promise<T>): Promise<T> => {
    try {
      return await make();
    } catch (err) {
      if (!(err instanceof BureauUnavailable)) throw err;
      process.stderr.write(`bank ${account}: ${request} retried after: ${err.message}\n`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      return make();
    }
  };
}

function send(report: BankReport): void {
  process.send!(report);
}

/** Sends `report`, then waits for the bench's next command, which must be `type`. */
function told<T extends BankCommand["type"]>(type: T, report: BankReport): Promise<Extract<BankCommand, { type: T }>> {
  return new Promise((resolve, reject) => {
    process.once("message", (command: BankCommand) =>
      command.type === type
        ? resolve(command as Extract<BankCommand, { type: T }>)
        : reject(new Error(`expected the bench's "${type}", got "${command.type}"`)),
    );
    send(report);
  });
}

main(JSON.parse(process.argv[2]) as BankJob).then(
  () => process.disconnect(),
  (err: Error) => {
    send({ type: "failed", error: err.stack ?? err.message });
    process.disconnect();
    process.exitCode = 1;
  },
);
