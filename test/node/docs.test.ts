/**
 * The documentation's commands run as written. Every ```sh block of the README and of docs/ names, in the comment
 * before it, what runs it; this file checks that each such runner exists and names the page, and runs the blocks
 * that name it: the consortium deployment of docs/deploy.md (against a local hardhat node, with its URL, chain id
 * and dev keys in the block's variables and key file) and the portal of docs/portal.md.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { HDNodeWallet, Mnemonic } from "ethers";
import {
  blockRunBy,
  cleanEnv,
  documentedPages,
  makeProjectLike,
  shellBlocks,
  startBash,
  type RunningScript,
} from "../helpers/docBlocks";
import { buildPortal } from "../helpers/browser";
import { freePort, PROJECT_ROOT, runHardhat, startNode, type LocalNode } from "../helpers/node";

const THIS_FILE = "test/node/docs.test.ts";

/** The dev node's account `index` (hardhat node and anvil share the mnemonic). */
function devKey(index: number): string {
  const mnemonic = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
  return HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${index}`).privateKey;
}

/** Polls `url` until it answers 200, the script ends, or `timeoutMs` passes; returns the body. */
async function fetchWhenUp(url: string, script: RunningScript, timeoutMs: number): Promise<string> {
  let ended = false;
  void script.ended.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (!ended && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return await response.text();
      last = `status ${response.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url}: ${ended ? "the block ended" : "timed out"} (${last}); its output:\n${script.output()}`);
}

describe("Documentation: every shell block runs as written", function () {
  this.timeout(600_000);

  describe("each block names what runs it", function () {
    for (const page of documentedPages()) {
      for (const block of shellBlocks(page)) {
        it(`${page}:${block.line} is run by a test or CI, which names the page`, function () {
          expect(
            block.runsIn,
            `${page}:${block.line}: expected a "<!-- runs-in: … -->" comment before the block`,
          ).to.be.a("string");
          const runner = path.join(PROJECT_ROOT, block.runsIn!);
          expect(existsSync(runner), `${page}:${block.line} names ${block.runsIn}, which does not exist`).to.equal(
            true,
          );
          const source = readFileSync(runner, "utf8");
          const named = page === "README.md" ? /README|npm test/ : new RegExp(page.replace(/[.]/g, "\\."));
          expect(source, `${block.runsIn} never mentions ${page}`).to.match(named);
        });
      }
    }

    it("CI runs the README's two commands (npm ci, the demo, the tests)", function () {
      const ci = readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8");
      for (const command of ["npm ci", "npm run demo", "npm test"]) expect(ci, ".ci/run").to.include(command);
    });
  });

  describe("docs/deploy.md: a consortium chain", function () {
    let node: LocalNode;
    let dir: string;
    let run: { code: number | null; output: string };

    before(async function () {
      node = await startNode("hardhat");
      dir = path.dirname(node.configFile);
      makeProjectLike(dir);
      // The deployer, three genesis voters and the bureau: the dev node's accounts 0 to 4.
      writeFileSync(path.join(dir, "consortium.keys"), [0, 1, 2, 3, 4].map(devKey).join(","), { mode: 0o600 });
      const block = blockRunBy("docs/deploy.md", THIS_FILE);
      const env = { ...cleanEnv(), BLINDCREDIT_RPC_URL: node.url, BLINDCREDIT_CHAIN_ID: String(node.chainId) };
      run = await startBash(block.body, dir, env, 540_000).ended;
    });

    after(async function () {
      await node?.stop();
    });

    it("deploys the suite with the keys from the file", async function () {
      expect(run.code, `the block exited with ${run.code}; its output:\n${run.output}`).to.equal(0);
      const record = path.join(dir, "deployments", "consortium", "ConditionMatching.json");
      expect(existsSync(record), `${record} after the block`).to.equal(true);
      const { address } = JSON.parse(readFileSync(record, "utf8")) as { address: string };
      const response = await fetch(node.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getCode", params: [address, "latest"] }),
      });
      const { result } = (await response.json()) as { result: string };
      expect(result.length, `code at ConditionMatching ${address}`).to.be.greaterThan(2);
    });
  });

  describe("docs/portal.md: the portal", function () {
    let node: LocalNode;
    let dir: string;
    let script: RunningScript | undefined;

    before(async function () {
      buildPortal();
      node = await startNode("hardhat");
      await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile"]);
      dir = path.dirname(node.configFile);
      makeProjectLike(dir);
    });

    after(async function () {
      script?.kill();
      await node?.stop();
    });

    it("serves the page and its configuration from the deployment", async function () {
      const port = await freePort();
      const env = { ...cleanEnv(), BLINDCREDIT_RPC_URL: node.url, PORTAL_PORT: String(port) };
      script = startBash(blockRunBy("docs/portal.md", THIS_FILE).body, dir, env, 300_000);
      const config = JSON.parse(await fetchWhenUp(`http://127.0.0.1:${port}/config.json`, script, 180_000)) as {
        chainId: string;
        contracts: Record<string, string>;
      };
      expect(BigInt(config.chainId)).to.equal(node.chainId);
      const deployed = JSON.parse(readFileSync(path.join(node.deploymentsDir, "PermissionSetting.json"), "utf8")) as {
        address: string;
      };
      expect(config.contracts.PermissionSetting.toLowerCase()).to.equal(deployed.address.toLowerCase());
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(await page.text()).to.match(/<html/i);
    });
  });
});
