/**
 * The store alone, without the chain or the crypto: how many rounds of a check's store traffic each backend serves
 * a second, through the store core (`src/bureau/storeCore.ts`), one caller at a time as the evaluator makes them.
 * A round is what a step of a check asks of the store: a protocol message stored and read back (16 KiB, the size of
 * a k = 10 challenge's ciphertexts), the check's lease claimed, renewed, held inside a transaction that writes its
 * progress (4 KiB of sealed state), the progress read back, the subject's record read (`valuesOf`), and the lease
 * released.
 *
 * Backends: SQLite (a file, the embedded default) and PGlite (`@electric-sql/pglite`, PostgreSQL in WebAssembly,
 * embedded in a directory), the candidate for one SQL dialect on both sides. PGlite is no dependency of the project:
 * it is loaded from `BENCH_PGLITE_MODULE` (default `@electric-sql/pglite`), e.g. a copy installed apart with
 * `npm install --no-save --prefix /tmp/pglite @electric-sql/pglite@0.5`.
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256 } from "../../src/protocol/keccak";
import { encodeRecord, newRecord, parseRecordFields, recordHash } from "../../src/protocol/records";
import { postgresConnection, type PostgresPool } from "../../src/bureau/postgresStore";
import { generateSealingKey } from "../../src/bureau/sealing";
import { sqliteDriver } from "../../src/bureau/sqliteStore";
import type { BureauStore } from "../../src/bureau/store";
import { openStoreWith } from "../../src/bureau/storeCore";
import type { StoreDriver } from "../../src/bureau/storeDriver";

/** Rounds a second on one backend. */
export interface StoreThroughput {
  readonly name: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly roundsPerSecond: number;
}

/** PostgreSQL in WebAssembly, in a directory, through the PostgreSQL driver's connection and dialect. */
function pgliteDriver(modulePath: string): StoreDriver {
  return {
    name: "pglite store",
    accepts: (location) => location.startsWith("pglite:"),
    capabilities: (location) => ({ label: "a PGlite store", sharedByProcesses: false, file: location.slice(7) }),
    display: (location) => location,
    async connect(location) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { PGlite } = require(modulePath) as PGliteModule;
      const INT8 = 20; // 64-bit integers as numbers, as node-postgres is told to give them
      const db = await PGlite.create(location.slice(7), { parsers: { [INT8]: Number } });
      const session = {
        async query(sql: string, params?: unknown[]) {
          if (params === undefined) {
            const results = await db.exec(sql); // a script of several statements
            const last = results[results.length - 1];
            return { rows: last?.rows ?? [], rowCount: last?.affectedRows ?? 0 };
          }
          const result = await db.query(sql, params);
          return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
        },
      };
      // one session: the store serves its calls one at a time
      const pool: PostgresPool = {
        ...session,
        connect: async () => ({ ...session, release: () => undefined }),
        end: () => db.close(),
      };
      return postgresConnection(pool, `pglite store ${location}`);
    },
  };
}

/** The little of PGlite's API the driver uses (it is no dependency, so its types are not at hand). */
interface PGliteModule {
  readonly PGlite: {
    create(dataDir: string, options: { parsers: Record<number, (value: string) => unknown> }): Promise<PGliteDb>;
  };
}
interface PGliteResult {
  readonly rows: unknown[];
  readonly affectedRows?: number;
}
interface PGliteDb {
  query(sql: string, params: unknown[]): Promise<PGliteResult>;
  exec(sql: string): Promise<PGliteResult[]>;
  close(): Promise<void>;
}

/** One round of a check's store traffic (see the module's comment). */
async function round(store: BureauStore, i: number, fixture: Fixture): Promise<void> {
  const checkId = keccak256(Buffer.from(`check ${i % 64}`));
  const bytes = randomBytes(16 * 1024);
  const hash = keccak256(bytes);
  await store.putMessage(hash, bytes);
  await store.claimCheck(checkId, "bench", 60_000);
  await store.renewLease(checkId, "bench", 60_000);
  await store.transaction(async (tx) => {
    if (!(await tx.holdsLease(checkId, "bench"))) throw new Error(`bench: lost the lease of ${checkId}`);
    await tx.putCheck(checkId, {
      stage: "challenged",
      formHash: fixture.formHash,
      state: fixture.state,
      updatedAt: i + 1,
    });
  });
  await store.getCheck(checkId);
  await store.getMessage(hash);
  await store.valuesOf(fixture.subject, fixture.recordHash);
  await store.releaseLease(checkId, "bench");
}

interface Fixture {
  readonly subject: string;
  readonly recordHash: string;
  readonly formHash: string;
  readonly state: Uint8Array;
}

async function measure(name: string, store: BureauStore, seconds: number): Promise<StoreThroughput> {
  const subject = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const provider = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
  const bytes = encodeRecord(
    newRecord({ subject, provider, fields: parseRecordFields({ creditScore: "700" }), issuedAt: 1_700_000_000 }),
  );
  await store.putRecord(bytes, recordHash(bytes), subject, provider);
  const fixture = {
    subject,
    recordHash: recordHash(bytes),
    formHash: keccak256(Buffer.from("form")),
    state: randomBytes(4096),
  };
  for (let i = 0; i < 20; i++) await round(store, i, fixture); // warm-up
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let rounds = 0;
  while (process.hrtime.bigint() < deadline) await round(store, rounds++, fixture);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  await store.close();
  return { name, rounds, seconds: elapsed, roundsPerSecond: rounds / elapsed };
}

/** Measures SQLite, then PGlite, for `seconds` each, in directories of their own removed after. */
export async function storeOperations(seconds: number, pgliteModule: string): Promise<StoreThroughput[]> {
  const dir = mkdtempSync(join(tmpdir(), "blindcredit-store-bench-"));
  try {
    const key = generateSealingKey();
    const sqlite = await openStoreWith(sqliteDriver, join(dir, "bureau.db"), key);
    const pglite = pgliteDriver(pgliteModule);
    return [
      await measure("SQLite", sqlite, seconds),
      await measure("PGlite", await openStoreWith(pglite, `pglite:${join(dir, "pglite")}`, key), seconds),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
