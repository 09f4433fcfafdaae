/**
 * The bureau's API against abuse: it takes a message only when the chain holds its hash or the party whose turn it
 * is signed it, serves a check's messages only to its parties, bounds bodies, requests at once and their time, and
 * labels its metrics by route template. Each refusal has its status, and nothing refused is stored.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithGrants, submitSubjectRecord } from "../helpers/suite";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { fixtureKey } from "../paillier/helpers";
import { LOAN } from "../helpers/samples";
import { BankClient } from "../../src/clients/bankCheck";
import { BureauRefused, HttpBoard, reserveComparisonKey } from "../../src/clients/httpBoard";
import {
  ComparisonKeysBusy,
  DEFAULT_RESERVATIONS_PER_BANK,
  type ComparisonKeySource,
} from "../../src/bureau/comparisonKeys";
import { CheckState } from "../../src/contractEnums";
import { encodeMessage, messageHash, type Stage } from "../../src/protocol/messages";
import { readParametersDocument } from "../../src/protocol/parameters";
import { signRequest } from "../../src/protocol/signedRequest";
import { generateSealingKey } from "../../src/bureau/sealing";
import { startBureauService, type BureauService, type BureauServiceOptions } from "../../src/bureau/service";
import type { ApiLimits } from "../../src/bureau/http";
import { pruneMessages } from "../../src/bureau/pruner";
import { connectSuite } from "../../src/suite";

describe("Bureau API admission", function () {
  let dir: string;
  let service: BureauService | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "blindcredit-api-"));
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
  type Fixture = Awaited<ReturnType<typeof fixture>>;

  /** The chain and bureau every signature of this file is bound to (set by `start`). */
  let audience = { chainId: 31337n, bureau: "" };

  /** A signed request's headers for this bureau. */
  function sign(
    signer: Fixture["bank"],
    method: string,
    path: string,
    body?: Uint8Array,
    options?: { nowSeconds?: number },
  ): Promise<Record<string, string>> {
    return signRequest(signer, { method, path, body, ...audience }, options);
  }

  /** The service under test; its comparison keys from `keys.source` when given, else a pool as `keys.pool` says. */
  async function start(
    f: Fixture,
    limits: ApiLimits = {},
    watch = false,
    keys: { pool?: BureauServiceOptions["comparisonKeyPool"]; source?: ComparisonKeySource } = {},
  ) {
    audience = { chainId: 31337n, bureau: f.bureau.address };
    service = await startBureauService({
      suite: connectSuite(f, f.bureau),
      databasePath: join(dir, "bureau.db"),
      sealingKey: generateSealingKey(),
      port: 0,
      watch,
      pollIntervalMs: 100,
      threads: 1,
      comparisonKey: fixtureComparisonKey(),
      comparisonKeyBits: 2048,
      ringPedersen: fixtureRingPedersen(),
      limits,
      comparisonKeyPool: keys.pool,
      comparisonKeySource: keys.source,
    });
    return service;
  }

  /** A message of `stage` bound to check `checkId` of this deployment (its body does not matter to admission). */
  async function message(f: Fixture, stage: Stage, checkId: string, body: unknown = { n: 1 }): Promise<Uint8Array> {
    const context = {
      chainId: 31337n,
      contract: await f.matching.getAddress(),
      checkId,
      keyFingerprint: `0x${"11".repeat(32)}`,
    };
    return encodeMessage(stage, context, body);
  }

  async function post(url: string, bytes: Uint8Array, headers: Record<string, string> = {}) {
    return fetch(`${url}/v1/messages`, { method: "POST", body: bytes, headers });
  }

  /** A decision-mode check the evaluator has challenged: the bank's turn to respond. */
  async function challengedCheck(f: Fixture, url: string) {
    await submitSubjectRecord(f, url, { creditScore: "712", debtToIncome: "20" });
    const bank = new BankClient(
      f.matching.connect(f.bank),
      fixtureKey(2048),
      new HttpBoard(url, { signer: f.bank, bureau: f.bureau.address }),
    );
    await bank.registerKey();
    const check = await bank.openCheck({
      subject: f.subject.address,
      bureau: f.bureau.address,
      mode: "decision",
      conditions: LOAN,
    });
    await service!.evaluator.tick();
    expect(Number(await f.matching.state(check.checkId))).to.equal(CheckState.Challenged);
    return check;
  }

  async function stored(): Promise<number> {
    return (await service!.store.stats()).messages;
  }

  describe("POST /v1/messages", function () {
    it("serves its ring-Pedersen parameters with their Π^prm to anyone (unsigned), bound to the deployment and bureau", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const response = await fetch(`${url}/v1/parameters`);
      expect(response.status).to.equal(200);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const deployment = { chainId: 31337n, contract: await f.matching.getAddress() };
      const parameters = readParametersDocument(bytes, deployment, f.bureau.address);
      expect(parameters.fingerprint).to.equal(fixtureRingPedersen().parameters.fingerprint);
      expect(service!.ringPedersen).to.equal(parameters.fingerprint);
      expect(() => readParametersDocument(bytes, deployment, f.bank.address)).to.throw(/expected bureau/);
      expect(() => readParametersDocument(bytes, { ...deployment, chainId: 1n }, f.bureau.address)).to.throw(
        /expected chainId "1"/,
      );
    });

    it("refuses an unsigned upload (401), bytes that are no message (400), another deployment's (400)", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const next = await f.matching.nextCheckId(f.bank.address);
      const unsigned = await post(url, await message(f, "form", next));
      expect(unsigned.status).to.equal(401);
      expect(((await unsigned.json()) as { error: string }).error).to.match(/taken from an active bank only/);
      const hello = new TextEncoder().encode("hello");
      expect((await post(url, hello, await sign(f.bank, "POST", "/v1/messages", hello))).status).to.equal(400);
      const foreign = encodeMessage(
        "form",
        { chainId: 1n, contract: await f.matching.getAddress(), checkId: next, keyFingerprint: next },
        {},
      );
      expect((await post(url, foreign, await sign(f.bank, "POST", "/v1/messages", foreign))).status).to.equal(400);
      expect(await stored()).to.equal(0);
    });

    it("takes a form signed by the bank that opens the check next; refuses it signed by another party (403)", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const next = await f.matching.nextCheckId(f.bank.address);
      const form = await message(f, "form", next);
      const byOutsider = await post(url, form, await sign(f.outsider, "POST", "/v1/messages", form));
      expect(byOutsider.status).to.equal(403);
      // The provider is a member, but not a bank: and this check id is not its next one either.
      const byProvider = await post(url, form, await sign(f.provider, "POST", "/v1/messages", form));
      expect(byProvider.status).to.equal(403);
      // A signature over other bytes, or expired, is no signature (401).
      const other = await message(f, "form", next, { n: 2 });
      const swapped = await post(url, form, await sign(f.bank, "POST", "/v1/messages", other));
      expect(swapped.status).to.equal(401);
      const past = Math.floor(Date.now() / 1000) - 120;
      const expired = await post(url, form, await sign(f.bank, "POST", "/v1/messages", form, { nowSeconds: past }));
      expect(expired.status).to.equal(401);
      expect(await stored()).to.equal(0);

      const byBank = await post(url, form, await sign(f.bank, "POST", "/v1/messages", form));
      expect(byBank.status).to.equal(201);
      expect(await stored()).to.equal(1);
    });

    it("takes a response only from the check's bank on its turn; a bureau's stage never (403)", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const check = await challengedCheck(f, url);
      const before = await stored();
      const response = await message(f, "response", check.checkId);
      expect((await post(url, response)).status).to.equal(401); // unsigned
      const wrong = await post(url, response, await sign(f.outsider, "POST", "/v1/messages", response));
      expect(wrong.status).to.equal(403);
      const answer = await message(f, "answer", check.checkId);
      expect((await post(url, answer, await sign(f.bank, "POST", "/v1/messages", answer))).status).to.equal(403);
      // Another form for a check already open with its own: not that form's turn (409).
      const form = await message(f, "form", check.checkId);
      expect((await post(url, form, await sign(f.bank, "POST", "/v1/messages", form))).status).to.equal(409);
      expect(await stored()).to.equal(before);

      // The form the chain holds is taken again from the bank (it is committed).
      const committed = await service!.store.getMessage((await f.matching.checkOf(check.checkId)).formHash);
      expect((await post(url, committed!, await sign(f.bank, "POST", "/v1/messages", committed!))).status).to.equal(
        201,
      );
      expect(await stored()).to.equal(before);
    });

    it("refuses an oversized body with 413 before reading it, and stores nothing", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f, { maxMessageBytes: 4096 });
      const next = await f.matching.nextCheckId(f.bank.address);
      const big = await message(f, "form", next, { pad: "x".repeat(8192) });
      const refused = await post(url, big, await sign(f.bank, "POST", "/v1/messages", big));
      expect(refused.status).to.equal(413);
      expect(await stored()).to.equal(0);
    });
  });

  describe("POST /v1/comparison-keys", function () {
    /** A reservation asked for as the bank, at the service at `url`: the bare response. */
    async function reserveAsBank(f: Fixture, url: string): Promise<Response> {
      const path = "/v1/comparison-keys";
      return fetch(`${url}${path}`, { method: "POST", headers: await sign(f.bank, "POST", path) });
    }

    it("reserves a fresh key to a signed, active bank; refuses unsigned (401), a non-bank (403), a fifth unused reservation (429)", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const path = "/v1/comparison-keys";
      expect((await fetch(`${url}${path}`, { method: "POST" })).status).to.equal(401);
      const asSubject = await fetch(`${url}${path}`, {
        method: "POST",
        headers: await signRequest(f.subject, { method: "POST", path, chainId: 31337n, bureau: f.bureau.address }),
      });
      expect(asSubject.status).to.equal(403);
      const fingerprints = new Set<string>();
      for (let i = 0; i < DEFAULT_RESERVATIONS_PER_BANK; i++) {
        const { publicKey, expiresAt } = await reserveComparisonKey(url, { signer: f.bank, bureau: f.bureau.address });
        expect(expiresAt).to.be.greaterThan(Date.now());
        fingerprints.add(publicKey.fingerprint);
      }
      expect(fingerprints.size, "every reservation a fresh key").to.equal(DEFAULT_RESERVATIONS_PER_BANK);
      const refused = await reserveComparisonKey(url, { signer: f.bank, bureau: f.bureau.address }).catch(
        (e: unknown) => e,
      );
      expect(refused).to.be.instanceOf(BureauRefused);
      expect((refused as BureauRefused).status).to.equal(429);
      expect((refused as BureauRefused).message).to.match(/unused comparison key reservations/);
    });
    it("takes as many unused reservations per bank as the operator allows", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f, {}, false, { pool: { capacity: 1, reservationsPerBank: 6 } });
      for (let i = 0; i < 6; i++) await reserveComparisonKey(url, { signer: f.bank, bureau: f.bureau.address });
      const refused = await reserveComparisonKey(url, { signer: f.bank, bureau: f.bureau.address }).catch(
        (e: unknown) => e,
      );
      expect((refused as BureauRefused).status).to.equal(429);
      expect((refused as BureauRefused).message).to.match(/expected at most 6 unused comparison key reservations/);
    });

    it("answers 503 with the pool's retry hint when no fresh key is ready and enough callers wait", async function () {
      const f = await loadFixture(fixture);
      const busy: ComparisonKeySource = {
        fresh: () => Promise.reject(new Error("not used here")),
        claim: () => {
          throw new Error("not used here");
        },
        reserve: () => Promise.reject(new ComparisonKeysBusy(4, 4)),
      };
      const { url } = await start(f, {}, false, { source: busy });
      const response = await reserveAsBank(f, url);
      expect(response.status).to.equal(503);
      expect(response.headers.get("retry-after")).to.equal("10");
      expect(((await response.json()) as { error: string }).error).to.match(
        /no fresh comparison key is ready: expected fewer than 4 callers waiting for one, got 4/,
      );
    });
    it("answers 500, not 429, when a reservation fails for another reason than the bank's bound", async function () {
      const f = await loadFixture(fixture);
      const failing: ComparisonKeySource = {
        fresh: () => Promise.reject(new Error("not used here")),
        claim: () => Promise.reject(new Error("not used here")),
        reserve: () => Promise.reject(new Error("the store did not answer")),
      };
      const { url } = await start(f, {}, false, { source: failing });
      const response = await reserveAsBank(f, url);
      expect(response.status).to.equal(500);
      expect(((await response.json()) as { error: string }).error).to.equal("the store did not answer");
    });
    it("drops a reservation whose bank gave up waiting for it, and keeps one it answered", async function () {
      const f = await loadFixture(fixture);
      const key = fixtureComparisonKey().publicKey;
      let asked = () => {};
      let make = () => {};
      const released: string[] = [];
      const slow: ComparisonKeySource = {
        fresh: () => Promise.reject(new Error("not used here")),
        claim: () => {
          throw new Error("not used here");
        },
        reserve: () =>
          new Promise((resolve) => {
            make = () => resolve({ publicKey: key, expiresAt: Date.now() + 60_000 });
            asked();
          }),
        release: async (bank, fingerprint) => void released.push(`${bank.toLowerCase()} ${fingerprint}`),
      };
      const { url } = await start(f, {}, false, { source: slow });
      const path = "/v1/comparison-keys";
      /** A reservation asked for, once the bureau waits for its key: the answer to come. */
      const reserve = async (signal?: AbortSignal) => {
        const waiting = new Promise<void>((resolve) => (asked = resolve));
        const headers = await sign(f.bank, "POST", path);
        const answer = fetch(`${url}${path}`, { method: "POST", headers, signal }).catch((e: unknown) => e);
        await waiting;
        return { answer };
      };
      const givenUp = new AbortController();
      const abandoned = await reserve(givenUp.signal);
      givenUp.abort();
      expect(await abandoned.answer).to.be.instanceOf(Error);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the bureau sees the connection closed
      make();
      for (let i = 0; i < 50 && released.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(released).to.deep.equal([`${f.bank.address.toLowerCase()} ${key.fingerprint}`]);
      const answered = await reserve();
      make();
      expect(((await answered.answer) as Response).status).to.equal(201);
      expect(released).to.have.length(1);
    });
  });

  describe("GET /v1/messages/:hash", function () {
    it("serves a check's message to its bank; refuses another party (403) and an unsigned read (401)", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const check = await challengedCheck(f, url);
      const formHash = (await f.matching.checkOf(check.checkId)).formHash.toLowerCase();
      const path = `/v1/messages/${formHash}`;
      expect((await fetch(`${url}${path}`)).status).to.equal(401);
      const outsider = await fetch(`${url}${path}`, { headers: await sign(f.outsider, "GET", path) });
      expect(outsider.status).to.equal(403);
      const provider = await fetch(`${url}${path}`, { headers: await sign(f.provider, "GET", path) });
      expect(provider.status).to.equal(403);
      const other = `/v1/messages/0x${"ab".repeat(32)}`;
      const replayed = await fetch(`${url}${path}`, { headers: await sign(f.bank, "GET", other) });
      expect(replayed.status).to.equal(401); // a signature for another path
      const bank = await fetch(`${url}${path}`, { headers: await sign(f.bank, "GET", path) });
      expect(bank.status).to.equal(200);
      expect(messageHash(new Uint8Array(await bank.arrayBuffer()))).to.equal(formHash);
    });
  });

  describe("signed requests", function () {
    it("serves a signature once: the same request replayed is refused (401), a new signature is served", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const check = await challengedCheck(f, url);
      const path = `/v1/messages/${(await f.matching.checkOf(check.checkId)).formHash.toLowerCase()}`;
      const headers = await sign(f.bank, "GET", path);
      expect((await fetch(`${url}${path}`, { headers })).status).to.equal(200);
      const replay = await fetch(`${url}${path}`, { headers });
      expect(replay.status).to.equal(401);
      expect(((await replay.json()) as { error: string }).error).to.include("was served already");
      expect((await fetch(`${url}${path}`, { headers: await sign(f.bank, "GET", path) })).status).to.equal(200);

      // An upload replayed: refused too, though the bytes are the same.
      const next = await f.matching.nextCheckId(f.bank.address);
      const form = await message(f, "form", next);
      const upload = await sign(f.bank, "POST", "/v1/messages", form);
      expect((await post(url, form, upload)).status).to.equal(201);
      expect((await post(url, form, upload)).status).to.equal(401);
    });

    it("refuses a signature made for another bureau or another chain (401)", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const check = await challengedCheck(f, url);
      const path = `/v1/messages/${(await f.matching.checkOf(check.checkId)).formHash.toLowerCase()}`;
      const elsewhere = [
        { chainId: 31337n, bureau: f.outsider.address },
        { chainId: 1n, bureau: f.bureau.address },
      ];
      for (const other of elsewhere) {
        const headers = await signRequest(f.bank, { method: "GET", path, ...other });
        const refused = await fetch(`${url}${path}`, { headers });
        expect(refused.status).to.equal(401);
        expect(((await refused.json()) as { error: string }).error).to.include(`bureau (this is ${f.bureau.address})`);
      }
    });
  });

  describe("pruning", function () {
    it("deletes the messages of finished or never-opened checks after the retention period, not those in progress", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const check = await challengedCheck(f, url); // in progress: its form and challenge stay
      const spare = await message(f, "form", `0x${"77".repeat(32)}`); // a check that never opened
      await service!.store.putMessage(messageHash(spare), spare);
      const before = await stored();
      expect(await pruneMessages(service!.store, f.matching, 60_000)).to.equal(0); // too recent
      expect(await pruneMessages(service!.store, f.matching, 0, Date.now() + 1000)).to.equal(1);
      expect(await stored()).to.equal(before - 1);
      expect(await service!.store.getMessage((await f.matching.checkOf(check.checkId)).formHash)).not.to.equal(
        undefined,
      );

      // Refused, the check is finished: its messages go too.
      await (await f.matching.connect(f.bureau).refuseCheck(check.checkId, 0)).wait();
      expect(await pruneMessages(service!.store, f.matching, 0, Date.now() + 1000)).to.equal(before - 1);
      expect(await stored()).to.equal(0);
    });
  });

  /** A raw socket that sends `head` and then trickles a byte every `everyMs`; resolves with what came back. */
  function trickle(url: string, head: string, everyMs = 200) {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.on("error", () => undefined);
    socket.write(head);
    const timer = setInterval(() => socket.writable && socket.write("x"), everyMs);
    const answered = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (d) => (text += d.toString()));
      socket.on("close", () => {
        clearInterval(timer);
        resolve(text);
      });
    });
    return { answered, stop: () => socket.destroy() };
  }

  describe("limits", function () {
    it("holds slow unsigned bodies to their own slots (503 beyond), cuts them at their deadline (408)", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f, { maxConcurrent: 4, bodyGraceMs: 1500, minBodyBytesPerSecond: 1_000_000 });
      const { hostname } = new URL(url);
      // Four record uploads that declare a body and send a byte at a time (slow loris).
      const slow = Array.from({ length: 4 }, () =>
        trickle(url, `POST /v1/records HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: 60000\r\n\r\n{`),
      );
      await new Promise((r) => setTimeout(r, 300));
      const busy = await fetch(`${url}/v1/records`, { method: "POST", body: "{}" });
      expect(busy.status).to.equal(503);
      expect(busy.headers.get("retry-after")).to.equal("1");
      // Health holds no slot, and a bank's signed request has slots of its own.
      expect((await fetch(`${url}/health`)).status).to.equal(200);
      const path = `/v1/messages/0x${"00".repeat(32)}`;
      expect((await fetch(`${url}${path}`, { headers: await sign(f.bank, "GET", path) })).status).to.equal(404);

      // The server cuts them (408) at their deadline, and takes unsigned requests again.
      const answers = await Promise.all(slow.map((s) => s.answered));
      for (const answer of answers) expect(answer).to.match(/^HTTP\/1\.1 408/);
      expect((await fetch(`${url}/v1/records`, { method: "POST", body: "{}" })).status).to.equal(400);
      expect(await stored()).to.equal(0);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).to.match(/blindcredit_api_refusals_total\{reason="busy"\} 1/);
      expect(metrics).to.match(/blindcredit_api_refusals_total\{reason="too-slow"\} 4/);
    });

    it("an honest check completes while 8 unsigned, 8 outsider-signed and 8 record uploads trickle", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f, {}, true);
      const { hostname } = new URL(url);
      await submitSubjectRecord(f, url, { creditScore: "712", debtToIncome: "20" });
      const upload = (headers: Record<string, string>) =>
        `POST /v1/messages HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: ${47 * 1024 * 1024}\r\n` +
        Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join("") +
        "\r\n{";
      const next = await f.matching.nextCheckId(f.bank.address);
      const form = await message(f, "form", next);
      const abuse = [
        ...Array.from({ length: 8 }, () => trickle(url, upload({}))),
        ...(await Promise.all(
          Array.from({ length: 8 }, async () =>
            trickle(url, upload(await sign(f.outsider, "POST", "/v1/messages", form))),
          ),
        )),
        ...Array.from({ length: 8 }, () =>
          trickle(url, `POST /v1/records HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: 60000\r\n\r\n{`),
        ),
      ];
      try {
        await new Promise((r) => setTimeout(r, 300));
        const bank = new BankClient(
          f.matching.connect(f.bank),
          fixtureKey(2048),
          new HttpBoard(url, { signer: f.bank, bureau: f.bureau.address }),
        );
        await bank.registerKey();
        const request = {
          subject: f.subject.address,
          bureau: f.bureau.address,
          mode: "decision" as const,
          conditions: LOAN,
        };
        const { decision } = await bank.runCheck(request, { wait: { pollMs: 50, timeoutMs: 120_000 } });
        expect(decision.approved).to.equal(true);
        // The uploads nobody may make were refused from their headers, before a byte of their bodies was read.
        const refused = await Promise.all(abuse.slice(0, 16).map((a) => a.answered));
        for (const answer of refused.slice(0, 8)) expect(answer).to.match(/^HTTP\/1\.1 401/);
        for (const answer of refused.slice(8)) expect(answer).to.match(/^HTTP\/1\.1 403/);
      } finally {
        for (const a of abuse) a.stop();
      }
    });

    it("refuses 8 unsigned 47 MiB uploads without buffering them: memory stays flat", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const { hostname, port } = new URL(url);
      const size = 47 * 1024 * 1024;
      const payload = new Uint8Array(size).fill(0x7b);
      global.gc?.();
      const before = process.memoryUsage().arrayBuffers;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 20);
      try {
        const answers = await Promise.all(
          Array.from(
            { length: 8 },
            () =>
              new Promise<string>((resolve) => {
                const socket = connect(Number(port), hostname);
                let text = "";
                socket.on("error", () => undefined);
                socket.on("data", (d) => (text += d.toString()));
                socket.on("close", () => resolve(text));
                socket.write(`POST /v1/messages HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: ${size}\r\n\r\n`);
                socket.write(payload, () => socket.end());
              }),
          ),
        );
        for (const answer of answers) expect(answer).to.match(/^HTTP\/1\.1 401/);
      } finally {
        clearInterval(sampler);
      }
      // Buffered, the bodies would take 8 × 47 MiB = 376 MiB; refused from their headers, at most the socket
      // buffers of a few reads each. 64 MiB leaves room for the test's own buffers and the collector's timing.
      expect(peak - before).to.be.below(64 * 1024 * 1024);
      expect(await stored()).to.equal(0);
    });
  });

  describe("/metrics", function () {
    it("labels requests by route template: a crafted path adds no series and the text still parses", async function () {
      const f = await loadFixture(fixture);
      const { url } = await start(f);
      const { hostname, port } = new URL(url);
      // Raw path bytes, as an attacker would send them (fetch would escape them).
      const crafted = ['/x"}evil_metric{a="1', '/v1/messages/0x"}evil{', `/${"a".repeat(4000)}`, "/%0Aevil%201"];
      for (const path of crafted) {
        const answer = await new Promise<string>((resolve) => {
          const socket = connect(Number(port), hostname);
          let text = "";
          socket.on("data", (d) => (text += d.toString()));
          socket.on("error", () => resolve(text));
          socket.on("close", () => resolve(text));
          socket.end(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
        });
        expect(answer).to.match(/^HTTP\/1\.1 40[04]/);
      }
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).not.to.match(/evil/);
      // Every line is a comment or `name{label="value",…} number`.
      const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\\n])*",?)*\})? [-+0-9.eEInfa]+$/;
      for (const line of text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
        expect(line).to.match(sample);
      }
      expect(text).to.match(/blindcredit_http_requests_total\{method="GET",route="unknown",status="404"\} [1-9]/);
      expect(text).to.match(/route="\/v1\/messages\/:hash",status="400"\} 1/);
    });
  });
});
