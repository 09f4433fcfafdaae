/**
 * The portal's configuration (`/config.json`): the bureau's address a subject's read of its own record is signed for
 * is the operator's `--bureau`, offered only with the bureau's URL, and checked when written and when read.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SUITE_CONTRACTS } from "../../src/deployments";
import { parsePortalConfig } from "../../src/portal/config";
import { portalConfig } from "../../src/portal/server";

const BUREAU = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";

describe("portal configuration", function () {
  let deploymentsDir: string;

  before(function () {
    // Deployment records as hardhat-deploy writes them: the chain id, and each contract's address.
    deploymentsDir = mkdtempSync(path.join(tmpdir(), "blindcredit-portal-config-"));
    writeFileSync(path.join(deploymentsDir, ".chainId"), "31337");
    SUITE_CONTRACTS.forEach((name, i) => {
      const address = `0x${(i + 1).toString(16).padStart(40, "0")}`;
      writeFileSync(path.join(deploymentsDir, `${name}.json`), JSON.stringify({ address }));
    });
  });
  after(function () {
    rmSync(deploymentsDir, { recursive: true, force: true });
  });

  it("names the bureau for the subject's own record only when it has the bureau's URL too", function () {
    const bureauUrl = "http://127.0.0.1:8600";
    const both = portalConfig({ deploymentsDir, bureauUrl, bureau: BUREAU.toLowerCase() });
    expect(both.bureau).to.equal(BUREAU);
    expect(both.relayPath).to.equal("/v1/consents");
    expect(portalConfig({ deploymentsDir, bureauUrl }).bureau).to.equal(undefined);
    expect(portalConfig({ deploymentsDir, bureau: BUREAU }).bureau).to.equal(undefined);
  });

  it("refuses a bureau that is not an address", function () {
    expect(() => portalConfig({ deploymentsDir, bureauUrl: "http://127.0.0.1:8600", bureau: "nope" })).to.throw(
      "bureau: expected the bureau's address, got nope",
    );
  });

  it("reads the bureau back checksummed, and drops one that is not an address", function () {
    const config = portalConfig({ deploymentsDir, bureauUrl: "http://127.0.0.1:8600", bureau: BUREAU });
    const read = parsePortalConfig(JSON.parse(JSON.stringify({ ...config, bureau: BUREAU.toLowerCase() })));
    expect(read.bureau).to.equal(BUREAU);
    expect(parsePortalConfig({ ...config, bureau: "0x1234" }).bureau).to.equal(undefined);
  });
});
