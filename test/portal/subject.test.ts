/**
 * The credit subject through both of its clients against one chain, one bureau and one portal: the command line
 * (`blindcredit subject …`, a real process) and the portal (a real browser with a wallet). Both go through the one
 * subject client (`src/clients/subject.ts`), and the test compares what they show after each step: pending requests
 * (also after a grant on other terms, and after a decline), grants, and who checked the subject. On the way: the
 * requester sees the decline; the bank gives the subject a receipt that holds no condition and no share, which
 * the portal opens from a link; the subject reads its own record from the bureau, and nobody else can (another
 * account, a replay, a bank); and the portal's messages show where the person is looking.
 */
import { spawn } from "node:child_process";
import { copyFileSync, chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { signRequest } from "../../src/protocol/signedRequest";
import { buildPortal, injectWallet, launchChromium } from "../helpers/browser";
import { PROJECT_ROOT } from "../helpers/node";
import { LABELS, startPortalWorld, type PortalWorld, ACCOUNT } from "../helpers/portal";
import { APPLICANT_RECORD, LOAN_FORM_FILE } from "../helpers/samples";
import { BIN, cli, expectExit, scratchDir, type CliRun } from "../cli/helpers";

const SHOWS = { timeout: 30_000 };

describe("The subject's one client: the CLI and the portal agree", function () {
  this.timeout(240_000);

  let world: PortalWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const work = scratchDir("subject");
  let env: Record<string, string>;
  let subject: string;
  let bank: string;
  let provider: string;

  type Role = keyof typeof ACCOUNT;
  const as = (role: Role, args: readonly string[]): Promise<CliRun> =>
    cli(["--account", String(ACCOUNT[role]), ...args], { env, cwd: work });
  const okAs = async <T = Record<string, unknown>>(role: Role, args: readonly string[]): Promise<T> =>
    expectExit(await as(role, [...args, "--json"]), 0).json<T>();

  /** The bureau a provider's or subject's signed request is for, and where its service is. */
  const bureauFlags = () => ["--bureau", world.address("bureau"), "--bureau-url", world.bureau.url];

  /** What the portal lists now, once it shows `ready`. */
  const portalRequests = async () =>
    (await page.locator("#requests-list article").evaluateAll((cards) => cards.map((c) => c.textContent ?? "")))
      .map((text) => [bank, provider].find((a) => text.includes(a)))
      .sort();
  const cliRequests = async () =>
    (await okAs<{ requests: { grantee: string }[] }>("subject", ["subject", "requests"])).requests
      .map((r) => r.grantee)
      .sort();

  before(async function () {
    buildPortal();
    world = await startPortalWorld();
    env = { BLINDCREDIT_RPC_URL: world.node.url, BLINDCREDIT_DEPLOYMENTS: world.node.deploymentsDir };
    [subject, bank, provider] = [world.address("subject"), world.address("bank"), world.address("provider")];
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    await injectWallet(page, { nodeUrl: world.node.url, account: subject, chainId: world.node.chainId });
    const identity = path.join(work, "identity.txt");
    writeFileSync(identity, "ID 110101199003070000, Zhang San\n");
    await okAs("subject", ["subject", "register", "--identity-file", identity]);
    await page.goto(world.portal.url);
    await page.getByRole("button", { name: "Connect Test Wallet" }).click();
    await page.getByRole("heading", { name: "Permission requests" }).waitFor(SHOWS);
  });

  after(async function () {
    await context?.close();
    await browser?.close();
    await world?.stop();
  });

  it("lists the same pending requests in both, and a grant on other terms answers the request in both", async function () {
    await okAs("bank", ["bank", "request-access", subject, "--max-uses", "3"]);
    await okAs("provider", ["provider", "request-write", subject]);
    await page.getByRole("article", { name: `${LABELS.provider} asks for access` }).waitFor(SHOWS);
    await page.getByRole("article", { name: `${LABELS.bank} asks for access` }).waitFor(SHOWS);
    expect(await cliRequests()).to.deep.equal([bank, provider].sort());
    expect(await portalRequests()).to.deep.equal(await cliRequests());

    // The subject grants the bank other terms than it asked: the request is answered, in both clients.
    await okAs("subject", ["subject", "grant", bank, "--levels", "blind-read", "--max-uses", "5"]);
    await page
      .getByRole("article", { name: `${LABELS.bank} asks for access` })
      .waitFor({ state: "detached", ...SHOWS });
    expect(await cliRequests()).to.deep.equal([provider]);
    expect(await portalRequests()).to.deep.equal([provider]);
  });

  it("declines in the portal: the requester sees it declined, both clients list nothing pending", async function () {
    expect((await okAs("provider", ["provider", "access", subject])).request).to.equal("pending");
    await page.getByRole("button", { name: `Decline the request of ${LABELS.provider}` }).click();
    await page.getByText(`Declined the request of ${LABELS.provider}`).waitFor(SHOWS);
    expect(await okAs("provider", ["provider", "access", subject])).to.include({ request: "declined", grant: "none" });
    expect(await cliRequests()).to.deep.equal([]);
    expect(await portalRequests()).to.deep.equal([]);
    const events = await world.suite.permissions.queryFilter(world.suite.permissions.filters.RequestDeclined(subject));
    expect(events.map((e) => e.args.requester)).to.deep.equal([provider]);
  });

  it("declines in the CLI; declining nothing is refused in words", async function () {
    await okAs("provider", ["provider", "request-write", subject]);
    expect(await okAs("subject", ["subject", "decline", provider])).to.include({ outcome: "declined" });
    expect((await okAs("provider", ["provider", "access", subject])).request).to.equal("declined");
    const again = expectExit(await as("subject", ["subject", "decline", provider]), 4);
    expect(again.stderr).to.include("This member has no pending request to answer");
    expect(again.stderr).to.include("[PermissionNoRequest(");
    // The provider asks once more, and this time the subject says yes.
    await okAs("provider", ["provider", "request-write", subject]);
    await okAs("subject", ["subject", "approve", provider]);
  });

  describe("a bank's check, its receipt, and who checked me", function () {
    let checkId: string;
    let bankRecord: string;

    before(async function () {
      const fields = Object.entries(APPLICANT_RECORD).flatMap(([k, v]) => ["--field", `${k}=${v}`]);
      await okAs("provider", ["provider", "submit", subject, ...fields, ...bureauFlags()]);
      const key = path.join(work, "bank.key.json");
      copyFileSync(path.join(PROJECT_ROOT, "test", "fixtures", "paillier-2048.json"), key);
      chmodSync(key, 0o600);
      const form = path.join(work, "loan.json");
      writeFileSync(form, JSON.stringify(LOAN_FORM_FILE));
      await okAs("bank", ["bank", "register-key", "--key", key]);
      const result = await okAs<{ checkId: string; approved: boolean; record: string }>("bank", [
        "bank",
        "check",
        "--subject",
        subject,
        "--bureau",
        world.address("bureau"),
        "--form",
        form,
        "--key",
        key,
        "--bureau-url",
        world.bureau.url,
      ]);
      expect(result.approved).to.equal(true);
      ({ checkId, record: bankRecord } = result);
    });

    it("shows the same checks and grants in both", async function () {
      await page.locator(`tr[data-check="${checkId}"]`).getByText("decided").waitFor(SHOWS);
      const { checks } = await okAs<{ checks: { checkId: string; bank: string; state: string }[] }>("subject", [
        "subject",
        "checks",
      ]);
      expect(checks.map((c) => [c.checkId, c.bank, c.state])).to.deep.equal([[checkId, bank, "Decided"]]);
      const shown = await page
        .locator("#history-list tr[data-check]")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-check")));
      expect(shown).to.deep.equal(checks.map((c) => c.checkId));

      const { grants } = await okAs<{ grants: { grantee: string; standing: string; uses: number }[] }>("subject", [
        "subject",
        "grants",
      ]);
      expect(grants.map((g) => [g.grantee, g.standing, g.uses])).to.deep.equal([
        [bank, "live", 1],
        [provider, "exhausted", 1], // its one write: the record it submitted
      ]);
      await page.locator(`tr[data-grantee="${bank}"]`).getByText("1 used, 4 of 5 left").waitFor(SHOWS);
      const rows = await page
        .locator("#grants-list tr[data-grantee]")
        .evaluateAll((trs) => trs.map((r) => r.getAttribute("data-grantee")));
      expect(rows).to.deep.equal(grants.map((g) => g.grantee));
    });

    it("keeps the bank's own record private, and exports a receipt without conditions or shares", async function () {
      expect(statSync(bankRecord).mode & 0o777).to.equal(0o600);
      expect(readFileSync(path.join(work, "checks", ".gitignore"), "utf8")).to.match(/^\*$/m);
      const own = JSON.parse(readFileSync(bankRecord, "utf8"));
      expect(own).to.have.property("conditions"); // the bank keeps its conditions for itself

      const receipt = await okAs<{ receipt: string; link: string }>("bank", [
        "bank",
        "receipt",
        checkId,
        "--portal-url",
        world.portal.url,
      ]);
      const given = readFileSync(receipt.receipt, "utf8");
      expect(Object.keys(JSON.parse(given)).sort()).to.deep.equal(
        ["approved", "chainId", "checkId", "contract", "format", "salt"].sort(),
      );
      // Outside its hex values (a salt and a contract address may hold any digits), nothing of the form.
      const outsideHex = (text: string) => text.replace(/0x[0-9a-fA-F]+/g, "0x…");
      for (const secret of ["conditions", "creditScore", "650", "shares", "view", "keyFingerprint"]) {
        expect(outsideHex(given), secret).to.not.include(secret);
      }
      expect(outsideHex(receipt.link)).to.not.include("650");

      // The subject verifies it with the CLI, and in the portal from the link.
      const verified = expectExit(
        await cli(["bank", "decision", checkId, "--record", receipt.receipt, "--json"], { env }),
        0,
      );
      expect(verified.json()).to.include({ verified: true, approved: true });
      await page.goto("about:blank");
      await page.goto(receipt.link);
      await page.getByRole("button", { name: "Connect Test Wallet" }).click();
      await page.getByText(`Verified: ${LABELS.bank} recorded "approved"`).waitFor(SHOWS);
    });
  });

  describe("a bank that never loses a check", function () {
    it("resumes a check whose bank process was killed mid-check, to its decision, on the same grant use", async function () {
      const key = path.join(work, "bank.key.json");
      const form = path.join(work, "loan.json");
      const usesBefore = (await world.suite.permissions.grantOf(subject, bank)).uses;
      // The bank's own process, killed as soon as its check is open (before the bureau's challenge is answered).
      const child = spawn(
        process.execPath,
        [
          BIN,
          "--account",
          String(ACCOUNT.bank),
          "bank",
          "check",
          "--subject",
          subject,
          "--bureau",
          world.address("bureau"),
          "--form",
          form,
          "--key",
          key,
          "--bureau-url",
          world.bureau.url,
        ],
        { cwd: work, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] },
      );
      const checkId = await new Promise<string>((resolve, reject) => {
        let stderr = "";
        child.stderr!.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          const opened = /check (0x[0-9a-f]{64}) open/.exec(stderr);
          if (opened) {
            child.kill("SIGKILL");
            resolve(opened[1]);
          }
        });
        child.once("exit", () => reject(new Error(`bank check exited before its check opened:\n${stderr}`)));
      });
      await new Promise((resolve) => child.once("close", resolve));
      expect(statSync(path.join(work, "checks", `${checkId}.open.json`)).mode & 0o777).to.equal(0o600);
      expect(Number(await world.suite.matching.state(checkId))).to.be.oneOf([1, 2]); // Requested or Challenged

      const resumed = await okAs<{ checkId: string; approved: boolean; record: string }>("bank", [
        "bank",
        "resume",
        checkId,
        "--key",
        key,
        "--bureau-url",
        world.bureau.url,
      ]);
      expect(resumed).to.include({ checkId, approved: true });
      expect(readFileSync(resumed.record, "utf8")).to.include(checkId);
      expect(() => statSync(path.join(work, "checks", `${checkId}.open.json`))).to.throw();
      expect((await world.suite.permissions.grantOf(subject, bank)).uses).to.equal(usesBefore + 1n);
      const { checks } = await okAs<{ checks: { checkId: string; state: string }[] }>("subject", ["subject", "checks"]);
      expect(checks.find((c) => c.checkId === checkId)?.state).to.equal("Decided");

      // A decided check has nothing left to resume.
      const again = expectExit(
        await as("bank", ["bank", "resume", checkId, "--key", key, "--state", path.join(work, "state-copy.json")]),
        2,
      );
      expect(again.stderr).to.include("cannot read it (no such file)");
    });
  });

  describe("the subject's right of access", function () {
    const recordPath = () => `/v1/subjects/${subject}/record`;

    it("reads its own record in the CLI", async function () {
      const record = await okAs<{ subject: string; hash: string; fields: Record<string, string> }>("subject", [
        "subject",
        "record",
        ...bureauFlags(),
      ]);
      expect(record.subject).to.equal(subject);
      expect(record.hash).to.equal(
        (await world.suite.ownership.dataHashOf(subject, await creditCategory())).toLowerCase(),
      );
      expect(record.fields).to.include({ creditScore: "712", annualIncome: "58000" });
    });

    it("reads its own record in the portal, signing in its wallet", async function () {
      await page.getByRole("button", { name: "Read my record from the bureau" }).click();
      const cell = page.locator("#own-record-list").getByRole("cell", { name: "creditScore" });
      const alert = page.locator("#alert .alert");
      await Promise.race([cell.waitFor(SHOWS), alert.waitFor(SHOWS)]);
      expect(await alert.count(), await alert.allInnerTexts().then((t) => t.join())).to.equal(0);
      expect(await page.locator("#own-record-list").innerText()).to.include("712");
    });

    it("refuses another account, a bank, an unsigned request and a replay", async function () {
      const read = (headers: Record<string, string>) => fetch(`${world.bureau.url}${recordPath()}`, { headers });
      const target = { method: "GET", path: recordPath(), chainId: 31337n, bureau: world.address("bureau") };
      const stranger = await read(await signRequest(world.signer("stranger"), target));
      expect(stranger.status).to.equal(403);
      expect(((await stranger.json()) as { error: string }).error).to.include("served to its subject only");
      expect((await read(await signRequest(world.signer("bank"), target))).status).to.equal(403);
      expect((await read({})).status).to.equal(401);
      const headers = await signRequest(world.signer("subject"), target);
      expect((await read(headers)).status).to.equal(200);
      const replay = await read(headers);
      expect(replay.status).to.equal(401);
      expect(((await replay.json()) as { error: string }).error).to.match(/nonce .*served already|replay/i);
      // The bank through the CLI gets nothing of the subject's either: it can only ask for its own.
      const banks = expectExit(await as("bank", ["subject", "record", ...bureauFlags()]), 4);
      expect(banks.stderr).to.include(`no credit record of ${bank} is committed`);
    });
  });

  describe("messages where the person is looking", function () {
    it("keeps 'Connected as' in view after Connect on a phone", async function () {
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
      try {
        const small = await phone.newPage();
        await injectWallet(small, { nodeUrl: world.node.url, account: subject, chainId: world.node.chainId });
        await small.goto(world.portal.url);
        await small.getByRole("button", { name: "Connect Test Wallet" }).click();
        await small.getByText(/Connected as .* on /).waitFor(SHOWS);
        await small.getByRole("heading", { name: "Your grants" }).waitFor(SHOWS);
        expect(await inViewport(small, "#account"), "the Connected as line").to.equal(true);
        await small.screenshot({ path: path.join(work, "phone-connected.png") });
      } finally {
        await phone.close();
      }
    });

    it("shows the revoke confirmation in the viewport, scrolled down to the grant", async function () {
      const button = page.getByRole("button", { name: `Revoke the grant of ${LABELS.provider}` });
      await button.scrollIntoViewIfNeeded();
      await button.click();
      await page.getByText(`Revoked the grant of ${LABELS.provider}`).waitFor(SHOWS);
      expect(await inViewport(page, "#status"), "the confirmation").to.equal(true);
      await page.screenshot({ path: path.join(work, "revoked.png") });
    });
  });
});

/** Whether the element is inside the viewport (entirely). */
async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight;
  });
}

async function creditCategory(): Promise<string> {
  const { CREDIT_RECORD_CATEGORY } = await import("../../src/protocol/records");
  return CREDIT_RECORD_CATEGORY;
}
