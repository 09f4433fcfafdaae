/**
 * `/health` and `/metrics` when what they ask is down: a chain node whose connection accepts and never answers, a node
 * that answers with an error echoing its API key, a PostgreSQL server stopped under the bureau. Both answer within
 * their bound (each call 800 ms), say what is wrong, and never show a credential of the node's URL.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { JsonRpcProvider, Network } from "ethers";
import { deployWithGrants } from "../helpers/suite";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { freshPostgresDatabase } from "../helpers/postgres";
import { startBureauApi, type BureauApi } from "../../src/bureau/http";
import { generateSealingKey } from "../../src/bureau/sealing";
import { startBureauService, type BureauService } from "../../src/bureau/service";
import { connectSuite } from "../../src/suite";

/** A credential as a node provider puts it in its URL's path. */
const KEY = "9aa3d95b3bc440fa88ea12eaa4456161";

/** Far longer than the bound: the old code hung here until the node's own timeout. */
const PATIENCE_MS = 10_000;

interface Health {
  status: string;
  problems: string[];
}

describe("Bureau health under outages", function () {
  let dir: string;
  let service: BureauService | undefined;
  let api: BureauApi | undefined;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "blindcredit-health-"));
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    // The relays and holes first: a store whose connection hangs closes once its socket is gone.
    for (const close of closers.splice(0)) await close();
    await service?.stop().catch(() => undefined);
    service = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function fixture() {
    return deployWithGrants();
  }

  async function startService(f: Awaited<ReturnType<typeof fixture>>, databasePath = join(dir, "bureau.db")) {
    service = await startBureauService({
      suite: connectSuite(f, f.bureau),
      databasePath,
      comparisonKeyFile: join(dir, "bureau.comparison-key"),
      sealingKey: generateSealingKey(),
      comparisonKey: fixtureComparisonKey(),
      ringPedersen: fixtureRingPedersen(),
      port: 0,
      watch: false,
      threads: 1,
    });
    return service;
  }

  /** The service's store and evaluator, behind an API whose chain is at `rpcUrl`. */
  async function apiWithChainAt(f: Awaited<ReturnType<typeof fixture>>, rpcUrl: string): Promise<BureauApi> {
    const { store, evaluator, bureau } = await startService(f);
    const provider = new JsonRpcProvider(rpcUrl, Network.from(31337n), { staticNetwork: true });
    closers.push(async () => provider.destroy());
    api = await startBureauApi({
      host: "127.0.0.1",
      port: 0,
      store,
      suite: connectSuite(f, provider),
      bureau,
      evaluator,
    });
    return api;
  }

  async function get(url: string): Promise<{ status: number; text: string; ms: number }> {
    const started = Date.now();
    const response = await fetch(url, { signal: AbortSignal.timeout(PATIENCE_MS) });
    return { status: response.status, text: await response.text(), ms: Date.now() - started };
  }

  it("answers within its bound when the chain's connection accepts and never answers, and says so", async function () {
    const f = await loadFixture(fixture);
    const held: Socket[] = [];
    const hole = createServer((socket) => void held.push(socket)); // accepts, reads nothing, answers nothing
    await new Promise<void>((resolve) => hole.listen(0, "127.0.0.1", resolve));
    closers.push(async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => hole.close(resolve));
    });
    const { url } = await apiWithChainAt(f, `http://127.0.0.1:${(hole.address() as AddressInfo).port}/v3/${KEY}`);

    const health = await get(`${url}/health`);
    expect(health.status).to.equal(503);
    const body = JSON.parse(health.text) as Health;
    expect(body.status).to.equal("unavailable");
    expect(body.problems).to.deep.equal(["chain unreachable: chain: no answer within 800 ms"]);
    // Twice at once: one probe, both answered.
    const [a, b] = await Promise.all([get(`${url}/health`), get(`${url}/health`)]);
    expect([a.status, b.status]).to.deep.equal([503, 503]);

    const metrics = await get(`${url}/metrics`);
    expect(metrics.status).to.equal(200);
    expect(metrics.text).to.include("# problem: chain unreachable");
    expect(metrics.text).to.match(/blindcredit_up\{part="chain"\} 0/);
    expect(metrics.text).to.match(/blindcredit_up\{part="store"\} 1/);
    expect(health.text + metrics.text).not.to.include(KEY);
  });

  it("never shows the node's credentials: an error echoing the key is redacted", async function () {
    const f = await loadFixture(fixture);
    const node = createHttpServer((_req, res) => {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end(`invalid project id ${KEY}`);
    });
    await new Promise<void>((resolve) => node.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => node.close(() => resolve())));
    const { url } = await apiWithChainAt(f, `http://127.0.0.1:${(node.address() as AddressInfo).port}/v3/${KEY}`);
    const health = await get(`${url}/health`);
    expect(health.status).to.equal(503);
    const [problem] = (JSON.parse(health.text) as Health).problems;
    expect(problem).to.match(/^chain unreachable: /);
    expect(health.text).not.to.include(KEY);
  });

  /**
   * A TCP relay in front of the run's PostgreSQL, so that this test can take the server away from the bureau without
   * stopping the server other suites share: `stop()` closes every connection and refuses new ones (what a stopped
   * server looks like on the wire), `stall()` keeps accepting and forwards nothing (a silently dropped connection).
   */
  async function relayTo(databaseUrl: string) {
    const target = new URL(databaseUrl);
    const sockets = new Set<Socket>();
    let stalled = false;
    const relay = createServer((client) => {
      sockets.add(client);
      client.on("close", () => sockets.delete(client));
      client.on("error", () => undefined);
      if (stalled) return;
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const url = new URL(databaseUrl);
    url.hostname = "127.0.0.1";
    url.port = String((relay.address() as AddressInfo).port);
    const close = async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    };
    closers.push(close);
    return {
      url: url.href,
      stop: close,
      stall: () => {
        stalled = true;
        for (const socket of sockets) socket.destroy();
      },
    };
  }

  async function expectStoreDown(url: string, problem: RegExp) {
    const health = await get(`${url}/health`);
    expect(health.status).to.equal(503);
    expect((JSON.parse(health.text) as Health).problems).to.have.length(1);
    expect((JSON.parse(health.text) as Health).problems[0]).to.match(problem);
    const metrics = await get(`${url}/metrics`);
    expect(metrics.status).to.equal(200);
    expect(metrics.text).to.include("# problem: store down");
    expect(metrics.text).to.match(/blindcredit_up\{part="store"\} 0/);
    expect(metrics.text).to.match(/blindcredit_up\{part="chain"\} 1/);
  }

  it("answers /health and /metrics within their bound with PostgreSQL stopped, naming the store", async function () {
    const f = await loadFixture(fixture);
    const database = await relayTo(await freshPostgresDatabase());
    const { url } = await startService(f, database.url);
    expect((await get(`${url}/health`)).status).to.equal(200);
    await database.stop();
    await expectStoreDown(url, /^store down: /);
  });

  it("answers within its bound when the store's connection is silently dropped", async function () {
    const f = await loadFixture(fixture);
    const database = await relayTo(await freshPostgresDatabase());
    const { url } = await startService(f, database.url);
    expect((await get(`${url}/health`)).status).to.equal(200);
    database.stall();
    await expectStoreDown(url, /^store down: (store: no answer within 800 ms|.*)$/);
  });
});
