/**
 * The one redaction function: credentials in a URL's userinfo, path and query never reach what is printed, and a
 * known URL's secrets are removed wherever they stand (an upstream body that echoes the key).
 */
import { expect } from "chai";
import { redactText, redactUrl } from "../src/redact";

describe("redact", function () {
  const KEY = "9aa3d95b3bc440fa88ea12eaa4456161";

  describe("redactUrl", function () {
    const cases: [string, string][] = [
      [`https://mainnet.infura.io/v3/${KEY}`, "https://mainnet.infura.io/v3/***"],
      [`https://eth-mainnet.g.alchemy.com/v2/${KEY}`, "https://eth-mainnet.g.alchemy.com/v2/***"],
      ["https://user:s3cret-pass@rpc.example:8545/", "https://user:***@rpc.example:8545/"],
      [`https://${KEY}@rpc.example/`, "https://***@rpc.example/"],
      [`https://rpc.example/rpc?apikey=${KEY}&chain=1`, "https://rpc.example/rpc?apikey=***&chain=***"],
      ["postgres://bureau:pw@db.example:5432/bureau", "postgres://bureau:***@db.example:5432/bureau"],
      ["http://127.0.0.1:8545", "http://127.0.0.1:8545"],
      ["http://127.0.0.1:8545/", "http://127.0.0.1:8545/"],
    ];
    for (const [url, shown] of cases) {
      it(`shows ${url} as ${shown}`, function () {
        expect(redactUrl(url)).to.equal(shown);
      });
    }

    it("keeps a message hash in a bureau path: it is data, not a credential", function () {
      const path = `http://127.0.0.1:8600/v1/messages/0x${"ab".repeat(32)}`;
      expect(redactUrl(path)).to.equal(path);
    });
  });

  describe("redactText", function () {
    it("redacts every URL in an ethers error and the key wherever the upstream body echoes it", function () {
      const rpcUrl = `https://mainnet.infura.io/v3/${KEY}`;
      const message =
        `server response 401 Unauthorized (request={ }, response={ }, error=null, info={ "requestUrl": "${rpcUrl}", ` +
        `"responseBody": "invalid project id ${KEY}\\n", "responseStatus": "401 Unauthorized" }, code=SERVER_ERROR)`;
      const shown = redactText(message, [rpcUrl]);
      expect(shown).not.to.include(KEY);
      expect(shown).to.include("https://mainnet.infura.io/v3/***");
      expect(shown).to.include("invalid project id ***");
    });

    it("redacts URLs it was not told about, and leaves text without secrets as it was", function () {
      expect(redactText("cannot reach https://u:hunter22@node.example/x (ECONNREFUSED)")).to.equal(
        "cannot reach https://u:***@node.example/x (ECONNREFUSED)",
      );
      const plain = "cannot reach a JSON-RPC node at http://127.0.0.1:8545 (ECONNREFUSED)";
      expect(redactText(plain, ["http://127.0.0.1:8545", undefined])).to.equal(plain);
    });
  });
});
