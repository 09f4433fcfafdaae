/**
 * The bureau service on the in-process network: a real SQLite file, a real HTTP server on loopback, the evaluator
 * answering real checks. Provider ingestion with and without a write grant, whole checks through the HTTP board,
 * health and metrics, a revoked grant, a tampered record; only the record whose hash the chain holds now is used;
 * the store bound to its deployment (and `freshStore`); the confirmation depth and the log cursor kept across a
 * restart.
 */
import { DEFAULT_SCHEMA, describeSchema } from "../../src/protocol/schema";
import { loadSchemaFile } from "../../src/protocol/schemaFile";
import { expect } from "chai";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ZeroHash } from "ethers";
import { connect } from "node:net";
import hre from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithGrants, openLoanCheck, submitSubjectRecord } from "../helpers/suite";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { BankClient } from "../../src/clients/bankCheck";
import { CheckState, RefusalReason } from "../../src/contractEnums";
import { BureauRefused, deliverCreditRecord, submitCreditRecord } from "../../src/clients/provider";
import { HttpBoard } from "../../src/clients/httpBoard";
import { signRequest } from "../../src/protocol/signedRequest";
import {
  CREDIT_RECORD_CATEGORY,
  encodeRecord,
  newRecord,
  parseRecordFields,
  recordHash,
} from "../../src/protocol/records";
import { generateSealingKey, type SealingKey } from "../../src/bureau/sealing";
import { startBureauService, type BureauService, type BureauServiceOptions } from "../../src/bureau/service";
import { openSqliteStore } from "../../src/bureau/sqliteStore";
import type { Condition } from "../../src/protocol/form";
import { connectSuite, type Suite } from "../../src/suite";
import { LOAN } from "../helpers/samples";
import { rejection } from "./store.behavior";

describe("Bureau service", function () {
  let dir: string;
  let service: BureauService | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "blindcredit-bureau-"));
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fixture of this file's own: loadFixture's snapshots are per function, and another file's would be reverted. */
  function fixture() {
    return deployWithGrants();
  }

  async function start(
    f: Awaited<ReturnType<typeof fixture>>,
    sealingKey: SealingKey = generateSealingKey(),
    options: Partial<BureauServiceOptions> = {},
  ) {
    const suite = connectSuite(f, f.bureau);
    service = await startBureauService({
      suite,
      databasePath: join(dir, "bureau.db"),
      sealingKey,
      port: 0,
      pollIntervalMs: 50,
      threads: 2,
      comparisonKey: fixtureComparisonKey(),
      ringPedersen: fixtureRingPedersen(),
      ...options,
    });
    return service;
  }

  /** The suite deployed again on the same chain (other addresses), with the same members and grants. */
  function redeploy(): Promise<Awaited<ReturnType<typeof fixture>>> {
    return deployWithGrants(() =>
      hre.deployments.run(undefined, {
        resetMemory: true,
        deletePreviousDeployments: true,
        writeDeploymentsToFiles: false,
      }),
    );
  }

  /** The bank, with the 2048-bit fixture key, on the service's HTTP board at `url`. */
  function bankAt(f: Awaited<ReturnType<typeof fixture>>, url: string): BankClient {
    const board = new HttpBoard(url, { signer: f.bank, bureau: f.bureau.address });
    return new BankClient(f.matching.connect(f.bank), fixtureKey(2048), board);
  }

  /** The bytes of a record of the subject by the provider, `values` by field name. */
  function recordBytes(f: Awaited<ReturnType<typeof fixture>>, values: Record<string, string>): Uint8Array {
    const fields = parseRecordFields(values);
    return encodeRecord(newRecord({ subject: f.subject.address, provider: f.provider.address, fields }));
  }

  /** The bank's side of a whole check through the service's HTTP board; the evaluator does the bureau's. */
  async function check(f: Awaited<ReturnType<typeof fixture>>, url: string, mode: "decision" | "paper" = "decision") {
    const bank = bankAt(f, url);
    await bank.registerKey();
    const conditions: Condition[] = mode === "paper" ? [{ field: "bankruptcy", op: "eq", values: [0] }] : LOAN;
    const request = { subject: f.subject.address, bureau: f.bureau.address, mode, conditions };
    return (await bank.runCheck(request, { wait: { pollMs: 50, timeoutMs: 60_000 } })).decision;
  }

  /** The provider writes a record that meets the loan; then the evaluator is stopped, to be ticked by hand. */
  async function writeRecordAndHold(f: Awaited<ReturnType<typeof fixture>>, url: string) {
    await submitSubjectRecord(f, url, { creditScore: "712", debtToIncome: "20" });
    await service!.evaluator.stop();
  }

  /** The fixture and a service on it with the loan's record written, its evaluator stopped ({@link writeRecordAndHold}). */
  async function startWithRecord(options: Partial<BureauServiceOptions> = {}) {
    const f = await loadFixture(fixture);
    const { url } = await start(f, undefined, options);
    await writeRecordAndHold(f, url);
    return { f, url };
  }

  /** The bank opens a check and the evaluator sends its operands: the check is the bank's to answer. */
  async function openToChallenge(f: Awaited<ReturnType<typeof fixture>>, url: string) {
    const bank = bankAt(f, url);
    const opened = await openAndStep(f, url);
    expect(Number(await f.matching.state(opened.checkId))).to.equal(CheckState.Challenged);
    return { bank, opened };
  }

  /** The bank opens a decision-mode check (see {@link openCheck}), and the evaluator takes one step. */
  async function openAndStep(f: Awaited<ReturnType<typeof fixture>>, url: string) {
    const opened = await openCheck(f, url);
    await service!.evaluator.tick();
    return opened;
  }

  /** The bank opens a decision-mode check of the subject, through the service's board. */
  async function openCheck(f: Awaited<ReturnType<typeof fixture>>, url: string) {
    return (await openLoanCheck(f, new HttpBoard(url, { signer: f.bank, bureau: f.bureau.address }))).check;
  }

  it("stores a provider's record whose hash it committed, and answers checks from it", async function () {
    const f = await loadFixture(fixture);
    const { url } = await start(f);
    const stored = await submitSubjectRecord(f, url, { creditScore: "712", debtToIncome: "28.5", bankruptcy: "0" });
    expect(stored.version).to.equal(1);
    expect(await f.ownership.dataHashOf(f.subject.address, CREDIT_RECORD_CATEGORY)).to.equal(stored.hash);
    expect((await check(f, url)).approved).to.equal(true);
    expect((await check(f, url, "paper")).approved).to.equal(true);

    // A later record from the provider lowers the score: the next check is declined. A provider submits the
    // subject's whole record: only the latest committed one is used, older versions are not merged in.
    await submitSubjectRecord(f, url, { creditScore: "640", debtToIncome: "28.5", bankruptcy: "0" });
    expect((await check(f, url)).approved).to.equal(false);
    expect(service!.evaluator.metrics.steps).to.equal(5);
    // Each step counted once, by the state it reached and its form's number of conditions, as the scrape reads it.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const count = (step: string, k: number) =>
      new RegExp(`^blindcredit_step_seconds_count\\{step="${step}",k="${k}"\\} (\\d+)$`, "m");
    expect(metrics).to.match(/^blindcredit_steps 5$/m);
    expect(metrics.match(count("Challenged", LOAN.length))?.[1]).to.equal("2");
    expect(metrics.match(count("Answered", LOAN.length))?.[1]).to.equal("2");
    expect(metrics.match(count("Answered", 1))?.[1]).to.equal("1");
    expect(metrics).to.match(/^blindcredit_step_seconds_bucket\{le="\+Inf",step="Answered",k="1"\} 1$/m);
  });

  it("refuses a record without an on-chain commitment by its provider (403), and a malformed one (400)", async function () {
    const f = await loadFixture(fixture);
    const { url } = await start(f);
    const fields = parseRecordFields({ creditScore: "700" });
    const bytes = recordBytes(f, { creditScore: "700" });
    const uncommitted = await fetch(`${url}/v1/records`, { method: "POST", body: bytes });
    expect(uncommitted.status).to.equal(403);
    expect(((await uncommitted.json()) as { error: string }).error).to.match(
      /no DataCommitted log .* and the request is not signed by that provider/,
    );

    // An outsider without a write grant cannot commit, so it cannot submit either.
    await expect(
      submitCreditRecord(f.ownership.connect(f.outsider), url, f.bureau.address, f.subject.address, fields),
    ).to.be.revertedWithCustomError(f.permissions, "PermissionNoGrant");
    // A provider whose write grant the subject revoked: its signed delivery is refused, and nothing is committed.
    await (await f.permissions.connect(f.subject).revoke(f.provider.address)).wait();
    const revoked = await deliverCreditRecord(url, bytes, { signer: f.provider, bureau: f.bureau.address }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((revoked as BureauRefused).status).to.equal(403);
    expect((revoked as BureauRefused).message).to.match(/holds no live write grant of subject/);
    expect(await f.ownership.dataHashOf(f.subject.address, CREDIT_RECORD_CATEGORY)).to.equal(ZeroHash);

    const malformed = await fetch(`${url}/v1/records`, { method: "POST", body: '{"format":"nope"}' });
    expect(malformed.status).to.equal(400);
    expect(((await malformed.json()) as { error: string }).error).to.match(/record/);
    expect((await service!.store.stats()).records).to.equal(0);
  });

  it("serves health and metrics by route template; refuses bad hashes, unsigned reads and oversized bodies", async function () {
    const f = await loadFixture(fixture);
    const { url } = await start(f);
    const unknown = `/v1/messages/0x${"00".repeat(32)}`;
    expect((await fetch(`${url}${unknown}`)).status).to.equal(401);
    expect(
      (
        await fetch(`${url}${unknown}`, {
          headers: await signRequest(f.bank, {
            method: "GET",
            path: unknown,
            chainId: 31337n,
            bureau: f.bureau.address,
          }),
        })
      ).status,
    ).to.equal(404);
    expect((await fetch(`${url}/v1/messages/xyz`)).status).to.equal(400);
    const big = await fetch(`${url}/v1/records`, { method: "POST", body: new Uint8Array(70 * 1024) });
    expect(big.status).to.equal(413);

    const health = (await (await fetch(`${url}/health`)).json()) as { problems: string[] };
    expect(health).to.include({ status: "ok", bureau: f.bureau.address, chainId: "31337" });
    expect(health.problems).to.deep.equal([]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).to.match(/^blindcredit_store_messages 0$/m);
    expect(metrics).to.match(
      /blindcredit_http_requests_total\{method="GET",route="\/v1\/messages\/:hash",status="404"\} 1/,
    );
    expect(metrics).to.match(/blindcredit_api_refusals_total\{reason="too-large"\} 1/);
  });

  /** The reason of the check's `CheckRefused` log, or undefined when it has none. */
  async function refusalOf(f: Suite, checkId: string): Promise<RefusalReason | undefined> {
    const logs = await f.matching.queryFilter(f.matching.filters.CheckRefused(checkId));
    return logs.length === 0 ? undefined : (Number(logs[0].args.reason) as RefusalReason);
  }

  /** Asserts the check was refused on-chain, for `reason`. */
  async function expectRefused(f: Suite, checkId: string, reason: RefusalReason) {
    expect(Number(await f.matching.state(checkId))).to.equal(CheckState.Refused);
    expect(await refusalOf(f, checkId)).to.equal(reason);
  }

  /** Changes the service's SQLite file behind its back, as someone with access to the file could. */
  function tamperWithDatabase(change: (db: Database.Database) => void) {
    const db = new Database(join(dir, "bureau.db"));
    try {
      change(db);
    } finally {
      db.close();
    }
  }

  it("refuses on-chain a check whose grant the subject revoked after it opened", async function () {
    const { f, url } = await startWithRecord(); // the evaluator waits while the subject changes its mind
    const opened = await openCheck(f, url);
    await (await f.permissions.connect(f.subject).revoke(f.bank.address)).wait();
    await service!.evaluator.tick();
    expect(service!.evaluator.metrics.refused).to.equal(1);
    await expectRefused(f, opened.checkId, RefusalReason.GrantRevoked);
  });

  it("refuses on-chain a check revoked after the bureau's first message, before its answer", async function () {
    const { f, url } = await startWithRecord();
    const { bank, opened } = await openToChallenge(f, url);
    await bank.respond(opened);
    await (await f.permissions.connect(f.subject).revoke(f.bank.address)).wait();
    await service!.evaluator.tick();
    await expectRefused(f, opened.checkId, RefusalReason.GrantRevoked);
  });

  it("refuses on-chain a check of a subject it holds no record of", async function () {
    const f = await loadFixture(fixture);
    const { url } = await start(f);
    await service!.evaluator.stop();
    const opened = await openAndStep(f, url);
    await expectRefused(f, opened.checkId, RefusalReason.NoData);
  });

  it("fails closed on a tampered record: the check is refused on-chain, not answered", async function () {
    const { f, url } = await startWithRecord();
    // Someone with access to the database file flips a byte of the sealed record.
    tamperWithDatabase((db) => {
      const row = db.prepare("SELECT subject, version, sealed FROM records").get() as {
        subject: string;
        version: number;
        sealed: Buffer;
      };
      row.sealed[row.sealed.length - 20] ^= 0x01;
      db.prepare("DROP TRIGGER IF EXISTS records_no_update").run();
      db.prepare("UPDATE records SET sealed = ? WHERE subject = ? AND version = ?").run(
        row.sealed,
        row.subject,
        row.version,
      );
    });

    const opened = await openAndStep(f, url);
    expect(service!.evaluator.metrics.refused).to.equal(1);
    await expectRefused(f, opened.checkId, RefusalReason.TamperedData);
  });

  it("refuses a check as tampered, not as no data, when the newest record version was deleted", async function () {
    const { f, url } = await startWithRecord();
    await submitSubjectRecord(f, url, { creditScore: "640", debtToIncome: "20" });
    // Someone with access to the database file deletes the newest version, the one the chain holds.
    tamperWithDatabase((db) => {
      db.prepare("DROP TRIGGER IF EXISTS records_no_delete").run();
      expect(db.prepare("DELETE FROM records WHERE version = 2").run().changes).to.equal(1);
    });

    const opened = await openAndStep(f, url);
    await expectRefused(f, opened.checkId, RefusalReason.TamperedData);
  });

  it("refuses on-chain a check whose saved state was corrupted (one flipped byte), not leaving it to expire", async function () {
    const { f, url } = await startWithRecord();
    const { bank, opened } = await openToChallenge(f, url); // the check's state saved for the answer
    // Someone with access to the database file flips one byte of the saved state.
    tamperWithDatabase((db) => {
      const row = db.prepare("SELECT sealed_state FROM checks WHERE check_id = ?").get(opened.checkId) as {
        sealed_state: Buffer;
      };
      row.sealed_state[row.sealed_state.length - 20] ^= 0x01;
      db.prepare("UPDATE checks SET sealed_state = ? WHERE check_id = ?").run(row.sealed_state, opened.checkId);
    });

    await bank.respond(opened);
    await service!.evaluator.tick();
    await expectRefused(f, opened.checkId, RefusalReason.TamperedData);
    expect(service!.evaluator.metrics.failures).to.equal(0);
    expect(await service!.store.getCheck(opened.checkId)).to.equal(undefined); // forgotten with its check
  });

  it("uses only the record whose hash the chain holds now: a stored record not committed is no data", async function () {
    const f = await loadFixture(fixture);
    const { url } = await start(f);
    await service!.evaluator.stop();
    // The store holds a record of the subject (say, from contracts since redeployed) that the chain does not.
    const old = recordBytes(f, { creditScore: "800", debtToIncome: "10" });
    await service!.store.putRecord(old, recordHash(old), f.subject.address, f.provider.address);
    const opened = await openAndStep(f, url);
    await expectRefused(f, opened.checkId, RefusalReason.NoData);
  });

  it("refuses for no data, not from the stale record, when a newer record is committed but not delivered", async function () {
    const { f, url } = await startWithRecord(); // a record that would approve
    const newer = recordBytes(f, { creditScore: "500", debtToIncome: "60" });
    await (
      await f.ownership.connect(f.provider).commitData(f.subject.address, CREDIT_RECORD_CATEGORY, recordHash(newer))
    ).wait(); // committed on-chain, never posted to the bureau
    const opened = await openAndStep(f, url);
    await expectRefused(f, opened.checkId, RefusalReason.NoData);
  });

  it("is bound to its deployment: refused after a fresh deployment on the same chain, unless on a fresh store", async function () {
    const f = await loadFixture(fixture);
    const sealingKey = generateSealingKey();
    const first = await start(f, sealingKey);
    await writeRecordAndHold(f, first.url);
    await first.stop();
    service = undefined;
    const oldMatching = await f.matching.getAddress();

    const g = await redeploy();
    const newMatching = await g.matching.getAddress();
    expect(newMatching).to.not.equal(oldMatching);
    const refusal = await start(g, sealingKey).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refusal?.message).to.include(`bureau store ${join(dir, "bureau.db")} belongs to another deployment`);
    expect(refusal?.message).to.include(`the store serves chain 31337 (ConditionMatching ${oldMatching}`);
    expect(refusal?.message).to.include(`it was given chain 31337 (ConditionMatching ${newMatching}`);
    expect(refusal?.message).to.include("--fresh-store");

    const fresh = await start(g, sealingKey, { freshStore: true });
    expect((await fresh.store.deployment())?.contracts.ConditionMatching).to.equal(newMatching);
    expect((await fresh.store.stats()).records).to.equal(0);
    const backups = readdirSync(dir).filter((name) => /^bureau\.db\.\d{8}T\d{6}-\d{3}Z\.bak$/.test(name));
    expect(backups).to.have.length(1); // moved aside, not deleted
    const old = await openSqliteStore({ path: join(dir, backups[0]), sealingKey });
    try {
      expect((await old.stats()).records).to.equal(1);
      expect((await old.deployment())?.contracts.ConditionMatching).to.equal(oldMatching);
    } finally {
      await old.close();
    }
    // The subject has no data on the new contracts: refused, whatever the old store held.
    await fresh.evaluator.stop();
    const opened = await openCheck(g, fresh.url);
    await fresh.evaluator.tick();
    expect(await refusalOf(g, opened.checkId)).to.equal(RefusalReason.NoData);
  });

  it("holds a check back until it is `confirmations` blocks deep", async function () {
    const { f, url } = await startWithRecord({ confirmations: 3 });
    const opened = await openAndStep(f, url);
    expect(service!.evaluator.metrics.checksSeen).to.equal(0);
    await mine(2);
    await service!.evaluator.tick();
    expect(Number(await f.matching.state(opened.checkId))).to.equal(CheckState.Requested);
    await mine(1);
    await service!.evaluator.tick();
    expect(service!.evaluator.metrics.checksSeen).to.equal(1);
    expect(Number(await f.matching.state(opened.checkId))).to.equal(CheckState.Challenged);
  });

  it("keeps its log cursor in the store: a restart resumes there, not from block 0", async function () {
    const f = await loadFixture(fixture);
    const sealingKey = generateSealingKey();
    const { url } = await start(f, sealingKey);
    await submitSubjectRecord(f, url, { creditScore: "712", debtToIncome: "20" });
    expect((await check(f, url)).approved).to.equal(true);
    const [requested] = await f.matching.queryFilter(f.matching.filters.CheckRequested());
    await service!.evaluator.stop();
    await service!.evaluator.tick();
    const latest = await hre.ethers.provider.getBlockNumber();
    await service!.stop();
    service = undefined;

    const store = await openSqliteStore({ path: join(dir, "bureau.db"), sealingKey });
    try {
      expect(await store.logCursor()).to.equal(latest + 1);
    } finally {
      await store.close();
    }
    expect(latest + 1).to.be.greaterThan(requested.blockNumber);

    const again = await start(f, sealingKey, { watch: false });
    await again.evaluator.tick();
    expect(again.evaluator.nextBlock).to.equal(latest + 1);
    expect(again.evaluator.metrics.checksSeen).to.equal(0); // the answered check is not read again
  });

  it("resumes a restart at the oldest check still in progress, minus the confirmation depth", async function () {
    const f = await loadFixture(fixture);
    const sealingKey = generateSealingKey();
    const { url } = await start(f, sealingKey);
    await writeRecordAndHold(f, url);
    const opened = await openCheck(f, url);
    await service!.evaluator.tick(); // challenged: the bank's turn, still in progress for the bureau
    await mine(5);
    await service!.evaluator.tick();
    await service!.stop();
    service = undefined;
    const [requested] = await f.matching.queryFilter(f.matching.filters.CheckRequested(opened.checkId));
    const store = await openSqliteStore({ path: join(dir, "bureau.db"), sealingKey });
    try {
      expect(await store.logCursor()).to.equal(requested.blockNumber);
    } finally {
      await store.close();
    }
    const again = await start(f, sealingKey, { watch: false, confirmations: 2 });
    const bank = bankAt(f, again.url);
    await bank.respond(opened);
    await mine(2);
    await again.evaluator.tick();
    expect(again.evaluator.metrics.checksSeen).to.equal(1);
    expect(Number(await f.matching.state(opened.checkId))).to.equal(CheckState.Answered);
    expect((await bank.decide(opened)).approved).to.equal(true);
  });

  it("refuses a second process on the same SQLite file at start, naming the one that holds it", async function () {
    const f = await loadFixture(fixture);
    const sealingKey = generateSealingKey();
    const first = await start(f, sealingKey);
    const second = await rejection(start(f, sealingKey));
    expect(second.message).to.match(
      new RegExp(`bureau store .*bureau\\.db is in use by another bureau process \\(pid ${process.pid} on .*since `),
    );
    service = first;
    await first.stop();
    service = undefined;
    // Once the holder stops, the file is free again.
    const again = await start(f, sealingKey);
    expect(again.url).to.match(/^http:/);
  });

  it("stops within its shutdown deadline when a request never finishes", async function () {
    this.timeout(60_000);
    const f = await loadFixture(fixture);
    const { url } = await start(f, undefined, { stopTimeoutMs: 300 });
    // A client that sends a record's headers and a first byte, then nothing more.
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write("POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{");
    await new Promise((resolve) => setTimeout(resolve, 100)); // the request is being read
    await service!.stop();
    service = undefined;
    await closed; // the server dropped the connection it was still reading
  });

  it("refuses to start for an account that is not a credit bureau, or on a database sealed under another key", async function () {
    const f = await loadFixture(fixture);
    await expect(
      startBureauService({
        suite: connectSuite(f, f.outsider),
        databasePath: join(dir, "x.db"),
        sealingKey: generateSealingKey(),
        port: 0,
      }),
    ).to.be.rejectedWith(/is not an active credit bureau/);
    const first = await start(f);
    await first.stop();
    service = undefined;
    await expect(start(f, generateSealingKey())).to.be.rejectedWith(/sealing key|wrong key/i);
  });

  it("refuses to start with a credit schema other than the deployment's", async function () {
    const f = await loadFixture(fixture);
    const wide = loadSchemaFile("test/fixtures/schema-40.json");
    await expect(
      startBureauService({
        suite: connectSuite(f, f.bureau),
        databasePath: join(dir, "wide.db"),
        sealingKey: generateSealingKey(),
        port: 0,
        schema: wide,
      }),
    ).to.be.rejectedWith(
      `the deployment: expected schema ${describeSchema(wide)}, got schema hash ${DEFAULT_SCHEMA.hash}`,
    );
  });
});
