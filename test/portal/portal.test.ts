/**
 * The credit subject's web portal in a real browser (Chromium from npm, headless, through playwright-core) against
 * a `hardhat node`, with a wallet injected into the page that holds one of the node's unlocked accounts. The
 * journey: the subject registers; a bank asks; the subject approves by signature through the bureau's relay; the
 * bank runs a check, which shows in the subject's history and whose decision the subject verifies; the subject
 * revokes, and the bank's next check is refused. Then the error screens: wrong network, a wallet that refuses.
 *
 * Screenshots of the main screens go to a temporary directory, or to the folder PORTAL_SCREENSHOTS names (relative
 * to the project's root): `npm run screenshots:portal` writes them to the git-ignored `screenshots/portal`, and only
 * `PORTAL_SCREENSHOTS=docs/portal npm run screenshots:portal` replaces the committed ones the README shows.
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { signConsent } from "../../src/clients/consent";
import { deliverCreditRecord } from "../../src/clients/provider";
import { toJson } from "../../src/cli/output";
import { BankClient, type BankCheck } from "../../src/clients/bankCheck";
import { CheckState } from "../../src/contractEnums";
import { HttpBoard } from "../../src/clients/httpBoard";
import {
  encodeRecord,
  newRecord,
  parseRecordFields,
  recordHash,
  CREDIT_RECORD_CATEGORY,
} from "../../src/protocol/records";
import { Level } from "../../src/permissions";
import { GrantState } from "../../src/contractEnums";
import type { Condition } from "../../src/protocol/form";
import { buildPortal, injectWallet, launchChromium, type WalletOptions } from "../helpers/browser";
import { PROJECT_ROOT } from "../helpers/node";
import { chainNow, LABELS, startPortalWorld, type PortalWorld } from "../helpers/portal";
import { fixtureKey } from "../paillier/helpers";

const LOAN: Condition[] = [
  { field: "creditScore", op: "ge", values: [650] },
  { field: "debtToIncome", op: "le", values: ["35"] },
];

const SHOTS = process.env.PORTAL_SCREENSHOTS
  ? path.resolve(PROJECT_ROOT, process.env.PORTAL_SCREENSHOTS)
  : mkdtempSync(path.join(tmpdir(), "blindcredit-portal-shots-"));

/** How long the page may take to show what the chain did (the wallet polls every second). */
const SHOWS = { timeout: 30_000 };

describe("Portal: a credit subject in a real browser", function () {
  let world: PortalWorld;
  let browser: Browser;
  let bank: BankClient;

  before(async function () {
    buildPortal();
    mkdirSync(SHOTS, { recursive: true });
    world = await startPortalWorld();
    browser = await launchChromium();
    bank = new BankClient(
      world.suite.matching.connect(world.signer("bank")),
      fixtureKey(2048),
      new HttpBoard(world.bureau.url, world.signer("bank")),
    );
    await bank.registerKey();
  });

  after(async function () {
    await browser?.close();
    await world?.stop();
  });

  /** A fresh browser context (phone-sized with `phone`) with the wallet of `role`. */
  async function open(
    role: "subject" | "stranger",
    wallet: Partial<WalletOptions> = {},
    phone = false,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: phone ? { width: 390, height: 844 } : { width: 1100, height: 900 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    await injectWallet(page, {
      nodeUrl: world.node.url,
      account: world.address(role),
      chainId: world.node.chainId,
      ...wallet,
    });
    await page.goto(world.portal.url);
    return { context, page };
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

  async function requestAccess(role: "bank" | "provider", level: number, maxUses: number): Promise<void> {
    const expiry = (await chainNow(world.provider)) + 30n * 86_400n;
    const permissions = world.suite.permissions.connect(world.signer(role));
    await (await permissions.requestPermission(world.address("subject"), level, expiry, maxUses)).wait();
  }

  async function until(check: BankCheck, state: CheckState): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Number(await world.suite.matching.state(check.checkId)) !== state) {
      if (Date.now() > deadline) throw new Error(`check ${check.checkId} did not reach ${CheckState[state]}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  describe("the journey", function () {
    let context: BrowserContext;
    let page: Page;
    let decided: { checkId: string; salt: string; approved: boolean };

    before(async function () {
      ({ context, page } = await open("subject"));
    });
    after(async function () {
      await context?.close();
    });

    it("finds the wallet by EIP-6963 and says the account is not registered yet", async function () {
      await page.getByRole("button", { name: "Connect Test Wallet" }).waitFor(SHOWS);
      await shot(page, "1-connect");
      await page.getByRole("button", { name: "Connect Test Wallet" }).click();
      await page.getByText("This account is not registered yet").waitFor(SHOWS);
    });

    it("registers: the commitment is computed in the page, and the salt file opens it", async function () {
      await page.getByRole("textbox", { name: /Your identity/ }).fill("ID 110101199003070000, Zhang San");
      await shot(page, "2-register");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Register and commit my identity" }).click(),
      ]);
      const saltFile = JSON.parse(readFileSync((await download.path())!, "utf8")) as {
        identity: string;
        salt: string;
        commitment: string;
      };
      await page.getByRole("heading", { name: "Permission requests" }).waitFor(SHOWS);
      const subject = world.address("subject");
      expect(await world.suite.ownership.identityCommitmentOf(subject)).to.equal(saltFile.commitment);
      expect(saltFile.identity).to.equal("ID 110101199003070000, Zhang San");
      // The identity never left the browser: only the commitment is on-chain.
      const opens = await world.suite.ownership.identityMatches(subject, saltFile.salt, Buffer.from(saltFile.identity));
      expect(opens).to.equal(true);

      await page.getByLabel("Check a salt file against it").setInputFiles((await download.path())!);
      await page.getByText("This salt file opens your commitment").waitFor(SHOWS);
    });

    it("shows a bank's request as it arrives: who asks, its type and label, and for what", async function () {
      await requestAccess("bank", Level.BlindRead, 2);
      const card = page.getByRole("article", { name: `${LABELS.bank} asks for access` });
      await card.waitFor(SHOWS);
      const text = await card.innerText();
      expect(text).to.include(world.address("bank"));
      expect(text).to.include("bank (credit access user)");
      expect(text).to.include("blind read");
      expect(text).to.include("2 uses");
      await shot(page, "3-request");
    });

    it("approves by signature: the bureau's relay submits the consent, the subject pays no gas", async function () {
      const subject = world.address("subject");
      const balance = await world.provider.getBalance(subject);
      const card = page.getByRole("article", { name: `${LABELS.bank} asks for access` });
      await card.getByRole("button", { name: "Approve without gas (sign)" }).click();
      await page.getByText("without gas: the bureau submitted your consent").waitFor(SHOWS);
      expect(await world.provider.getBalance(subject)).to.equal(balance);
      expect(Number(await world.suite.permissions.grantState(subject, world.address("bank")))).to.equal(
        GrantState.Active,
      );
      const row = page.locator(`tr[data-grantee="${world.address("bank")}"]`);
      await row.getByText("active").waitFor(SHOWS);
      expect(await row.innerText()).to.include("0 used, 2 of 2 left");
      await card.waitFor({ state: "detached", ...SHOWS });
    });

    it("approves a provider's request by transaction; the committed record checks against its hash", async function () {
      await requestAccess("provider", Level.Write, 1);
      const card = page.getByRole("article", { name: `${LABELS.provider} asks for access` });
      await card.getByRole("button", { name: "Approve by transaction" }).click();
      await page.getByText(`Approved ${LABELS.provider}`).waitFor(SHOWS);

      const bytes = encodeRecord(
        newRecord({
          subject: world.address("subject"),
          provider: world.address("provider"),
          fields: parseRecordFields({ creditScore: "712", debtToIncome: "20" }),
        }),
      );
      const ownership = world.suite.ownership.connect(world.signer("provider"));
      await (await ownership.commitData(world.address("subject"), CREDIT_RECORD_CATEGORY, recordHash(bytes))).wait();
      await deliverCreditRecord(world.bureau.url, bytes);

      await page.getByRole("cell", { name: /Credit record/ }).waitFor(SHOWS);
      const text = Buffer.from(bytes).toString("utf8");
      await page.getByLabel("or paste it").fill(text);
      await page.getByRole("button", { name: "Check it against the committed hash" }).click();
      await page.getByText("This record is exactly what was committed").waitFor(SHOWS);
      await page.getByLabel("or paste it").fill(text.replace('"712"', '"812"'));
      await page.getByRole("button", { name: "Check it against the committed hash" }).click();
      await page.getByText("This record differs from what was committed").waitFor(SHOWS);
    });

    it("shows the bank's check in 'who checked me' once decided, and verifies the decision the bank shares", async function () {
      const check = await bank.openCheck({
        subject: world.address("subject"),
        bureau: world.address("bureau"),
        mode: "decision",
        conditions: LOAN,
      });
      await until(check, CheckState.Challenged);
      await bank.respond(check);
      await until(check, CheckState.Answered);
      const decision = await bank.decide(check);
      decided = { checkId: check.checkId, salt: decision.salt, approved: decision.approved };
      expect(decision.approved).to.equal(true);

      const row = page.locator(`tr[data-check="${check.checkId}"]`);
      await row.getByText("decided").waitFor(SHOWS);
      const text = await row.innerText();
      expect(text).to.include(LABELS.bank);
      expect(text).to.include("one-bit decision");
      const grant = page.locator(`tr[data-grantee="${world.address("bank")}"]`);
      await grant.getByText("1 used, 1 of 2 left").waitFor(SHOWS);

      await row.getByRole("button", { name: `Verify the decision of check ${check.checkId}` }).click();
      await page.getByLabel("Salt", { exact: true }).fill(decided.salt);
      await page.getByRole("button", { name: "Verify", exact: true }).click();
      await page.getByText(`Verified: ${LABELS.bank} recorded "approved"`).waitFor(SHOWS);
      await shot(page, "4-history");

      // A wrong salt opens nothing.
      await page.getByLabel("Salt", { exact: true }).fill(`0x${"11".repeat(32)}`);
      await page.getByRole("button", { name: "Verify", exact: true }).click();
      await page.getByText("This salt does not open the decision").waitFor(SHOWS);
    });

    it("revokes the bank's grant; the bank's next check is refused", async function () {
      await page.getByRole("button", { name: `Revoke the grant of ${LABELS.bank}` }).click();
      await page.getByText(`Revoked the grant of ${LABELS.bank}`).waitFor(SHOWS);
      const row = page.locator(`tr[data-grantee="${world.address("bank")}"]`);
      await row.getByText("revoked").waitFor(SHOWS);
      await shot(page, "5-grants");

      const refused = await bank
        .openCheck({
          subject: world.address("subject"),
          bureau: world.address("bureau"),
          mode: "decision",
          conditions: LOAN,
        })
        .then(
          () => undefined,
          (e: { data?: string }) => e,
        );
      expect(refused, "the bank's check after the revocation").to.not.equal(undefined);
      const reason = world.suite.permissions.interface.parseError(refused!.data ?? "0x");
      expect(reason?.name).to.equal("PermissionNoGrant");
    });

    it("voids every signed consent: a consent signed before can no longer be submitted", async function () {
      const signed = await signConsent(world.suite.permissions, world.signer("subject"), {
        grantee: world.address("bank"),
        levels: Level.BlindRead,
        expiry: (await chainNow(world.provider)) + 86_400n,
        maxUses: 1,
        deadline: (await chainNow(world.provider)) + 3600n,
      });
      await page.getByRole("button", { name: "Void all signed consents" }).click();
      await page.getByText("Every consent you signed and nobody submitted yet is now void").waitFor(SHOWS);
      const nonce = await world.suite.permissions.nonces(world.address("subject"));
      expect(await page.locator("#void-consents").getAttribute("data-nonce")).to.equal(nonce.toString());
      const relayed = await fetch(`${world.portal.url}/v1/consents`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: toJson(signed, 0),
      });
      expect(relayed.status).to.equal(409);
      expect(((await relayed.json()) as { error: string }).error).to.include("sign again");
    });

    it("works at phone width", async function () {
      const phone = await open("subject", {}, true);
      try {
        await phone.page.getByRole("button", { name: "Connect Test Wallet" }).click();
        await phone.page.locator(`tr[data-grantee="${world.address("bank")}"]`).waitFor(SHOWS);
        const width = await phone.page.evaluate("document.documentElement.scrollWidth");
        expect(width, "no sideways scrolling").to.be.at.most(390);
        await shot(phone.page, "6-phone");
      } finally {
        await phone.context.close();
      }
    });
  });

  describe("error screens", function () {
    it("wrong network: says which chain the wallet is on and which it needs, and switches on request", async function () {
      const { context, page } = await open("stranger", { startChainId: 1n, eip6963: false });
      try {
        await page.getByRole("button", { name: "Connect Browser wallet" }).click();
        const alert = page.getByRole("alert");
        await alert.getByText("Wrong network").waitFor(SHOWS);
        const text = await alert.innerText();
        expect(text).to.include("Ethereum Mainnet (chain id 1)");
        expect(text).to.include(`(chain id ${world.node.chainId})`);
        await shot(page, "7-wrong-network");
        await alert.getByRole("button", { name: "Switch to BlindCredit test chain" }).click();
        await page.getByText("This account is not registered yet").waitFor(SHOWS);
      } finally {
        await context.close();
      }
    });

    it("a wallet that refuses to sign: says so, and nothing is sent", async function () {
      await requestAccess("bank", Level.BlindRead, 1);
      const { context, page } = await open("subject", { refuse: ["eth_signTypedData_v4", "eth_sendTransaction"] });
      try {
        await page.getByRole("button", { name: "Connect Test Wallet" }).click();
        const card = page.getByRole("article", { name: `${LABELS.bank} asks for access` });
        await card.getByRole("button", { name: "Approve without gas (sign)" }).click();
        await page
          .getByRole("alert")
          .getByText("Approving by signature: you declined it in your wallet. Nothing was sent.")
          .waitFor(SHOWS);
        await shot(page, "8-refused");
        await card.getByRole("button", { name: "Approve by transaction" }).click();
        await page.getByRole("alert").getByText("Approving: you declined it in your wallet").waitFor(SHOWS);
        expect(
          Number(await world.suite.permissions.grantState(world.address("subject"), world.address("bank"))),
        ).to.equal(GrantState.Revoked);
      } finally {
        await context.close();
      }
    });
  });
});
