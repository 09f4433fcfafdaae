/**
 * The subject portal's weight and speed: the built page's JavaScript (raw and gzipped), and the time from opening
 * the page to the subject's grants being shown, against a local `hardhat node`, in headless Chromium with the
 * test wallet injected (the click on "Connect" is part of the time, as it is for a person).
 *
 * Run: `npm run bench:portal`. Writes bench/portal/results.json and bench/portal/results.md.
 * @module
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { identityCommitment } from "../../src/clients/identity";
import { Level } from "../../src/permissions";
import { PORTAL_DIST } from "../../src/portal/server";
import { buildPortal, injectWallet, launchChromium } from "../../test/helpers/browser";
import { chainNow, startPortalWorld } from "../../test/helpers/portal";

/** Page loads measured (the first, with a cold browser cache, is reported apart). */
const RUNS = 9;

async function main(): Promise<void> {
  buildPortal();
  const assets = path.join(PORTAL_DIST, "assets");
  const scripts = readdirSync(assets).filter((f) => f.endsWith(".js"));
  const js = scripts.map((f) => readFileSync(path.join(assets, f)));
  const jsBytes = js.reduce((n, b) => n + b.length, 0);
  const jsGzipBytes = js.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
  console.log(`JavaScript: ${scripts.length} file(s), ${jsBytes} bytes, ${jsGzipBytes} bytes gzipped`);

  const world = await startPortalWorld();
  const browser = await launchChromium();
  const loads: number[] = [];
  try {
    // A registered subject with two grants to show.
    const subject = world.signer("subject");
    const { classification, ownership, permissions } = world.suite;
    await (await classification.connect(subject).registerSubject()).wait();
    await (await ownership.connect(subject).commitIdentity(identityCommitment("bench").commitment)).wait();
    const expiry = (await chainNow(world.provider)) + 30n * 86_400n;
    await (await permissions.connect(subject).setPermission(world.address("bank"), Level.BlindRead, expiry, 5)).wait();
    await (await permissions.connect(subject).setPermission(world.address("provider"), Level.Write, expiry, 1)).wait();

    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    for (let run = 0; run < RUNS; run++) {
      const page = await context.newPage();
      await injectWallet(page, {
        nodeUrl: world.node.url,
        account: world.address("subject"),
        chainId: world.node.chainId,
      });
      await page.goto(world.portal.url);
      await page.getByRole("button", { name: "Connect Test Wallet" }).click();
      await page.locator("tr[data-grantee]").nth(1).waitFor({ timeout: 30_000 });
      // The page's own clock, from the start of navigation.
      const ms = (await page.evaluate("performance.now()")) as number;
      loads.push(ms);
      console.log(`load ${run + 1}: grants shown after ${ms.toFixed(0)} ms`);
      await page.close();
    }
    await context.close();
  } finally {
    await browser.close();
    await world.stop();
  }

  const warm = loads.slice(1);
  const results = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "unknown", node: process.version },
    javascript: { files: scripts.length, bytes: jsBytes, gzipBytes: jsGzipBytes, gzipLevel: 9 },
    grantsShownMs: {
      runs: RUNS,
      first: Math.round(loads[0]),
      median: Math.round(median(warm)),
      min: Math.round(Math.min(...warm)),
      max: Math.round(Math.max(...warm)),
    },
  };
  const dir = __dirname;
  writeFileSync(path.join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const t = results.grantsShownMs;
  writeFileSync(
    path.join(dir, "results.md"),
    [
      "# Subject portal: size and time to grants",
      "",
      `Measured by \`npm run bench:portal\` on ${results.machine.cpus} × ${results.machine.cpu}, Node ${results.machine.node},`,
      "headless Chromium (the npm package @sparticuz/chromium), against a local `hardhat node` with the wallet injected into the page.",
      "",
      "| what | value |",
      "| --- | --- |",
      `| JavaScript of the built page | ${kb(jsBytes)} (${scripts.length} file) |`,
      `| the same, gzipped (level 9) | ${kb(jsGzipBytes)} |`,
      `| open the page → grants shown, first load (cold cache) | ${t.first} ms |`,
      `| open the page → grants shown, median of ${RUNS - 1} warm loads | ${t.median} ms (min ${t.min}, max ${t.max}) |`,
      "",
      "The time runs from the start of navigation to the second grant row in the table, and includes finding the",
      "wallet (EIP-6963), the click on Connect, the chain check and every read the dashboard makes (standing, requests,",
      "grants, checks, data categories) through the wallet's provider.",
      "",
    ].join("\n"),
  );
  console.log(JSON.stringify(results, null, 2));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
