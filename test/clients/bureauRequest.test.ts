/**
 * One request to a bureau's API: what may be made again (unreachable, 5xx, a body cut at its deadline: 408) is told
 * apart from what will not help (any other 4xx), and the bureau's reason is in the message.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { BureauRefused, BureauUnavailable, requestBureau } from "../../src/clients/bureauRequest";

describe("clients/bureauRequest", function () {
  let server: Server;
  let url: string;
  before(async function () {
    // answers /<status> with that status and the bureau's JSON error
    server = createServer((req, res) => {
      const status = Number(req.url!.slice(1));
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(status < 400 ? { ok: true } : { error: `reason ${status}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  async function failure(status: number): Promise<unknown> {
    return requestBureau(url, `/${status}`, { method: "POST" }).then(
      () => undefined,
      (e: unknown) => e,
    );
  }

  it("says a timed-out body (408) and a failure (5xx) may be made again, another 4xx will not help", async function () {
    expect((await requestBureau(url, "/200", { method: "GET" })).status).to.equal(200);
    for (const status of [408, 500, 503]) {
      const e = await failure(status);
      expect(e, String(status)).to.be.instanceOf(BureauUnavailable);
      expect((e as Error).message).to.include(`POST /${status} answered ${status}: reason ${status}`);
    }
    for (const status of [400, 401, 403, 409, 413, 429]) {
      const e = await failure(status);
      expect(e, String(status)).to.be.instanceOf(BureauRefused);
      expect((e as BureauRefused).status).to.equal(status);
      expect((e as Error).message).to.include(`reason ${status}`);
    }
  });

  it("says an unreachable bureau may be tried again", async function () {
    const e = await requestBureau("http://127.0.0.1:1", "/x", { method: "GET" }).catch((err: unknown) => err);
    expect(e).to.be.instanceOf(BureauUnavailable);
    expect((e as Error).message).to.match(/cannot reach the bureau at http:\/\/127\.0\.0\.1:1/);
  });
});
