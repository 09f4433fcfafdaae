/**
 * The bureau's consent relay (`POST /v1/consents`): a subject's signed EIP-712 consent is checked and submitted from
 * the bureau's account, so that the subject pays no gas; malformed requests, signatures by someone else, stale
 * nonces, passed deadlines and terms the contract refuses are answered with a status and a message, and cost the
 * bureau nothing.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithMembers } from "../helpers/suite";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { signConsent } from "../../src/clients/consent";
import { toJson } from "../../src/cli/output";
import { CONSENT_TYPES, consentDomain } from "../../src/protocol/consent";
import {
  ConsentRateLimit,
  ConsentRelayError,
  parseConsentSubmission,
  relayConsent,
} from "../../src/bureau/consentRelay";
import { generateSealingKey } from "../../src/bureau/sealing";
import { TransactionSender } from "../../src/bureau/transactionSender";
import { startBureauService } from "../../src/bureau/service";
import { GrantState } from "../../src/contractEnums";
import { Level } from "../../src/permissions";
import { connectSuite } from "../../src/suite";
import { rejectionOf } from "../helpers/rejection";

describe("Bureau consent relay", function () {
  async function fixture() {
    const f = await deployWithMembers();
    const now = BigInt(await time.latest());
    const terms = {
      grantee: f.bank.address,
      levels: Level.BlindRead,
      expiry: now + 30n * 86_400n,
      maxUses: 3,
      deadline: now + 3600n,
    };
    // The bank asked (and paid for asking): the relay answers members' requests only.
    await (
      await f.permissions
        .connect(f.bank)
        .requestPermission(f.subject.address, terms.levels, terms.expiry, terms.maxUses)
    ).wait();
    return { ...f, terms, relay: f.permissions.connect(f.bureau), policy: { classification: f.classification } };
  }

  /** The body the portal posts. */
  function body(signed: unknown): Uint8Array {
    return new TextEncoder().encode(toJson(signed, 0));
  }

  async function refusal(promise: Promise<unknown>): Promise<ConsentRelayError> {
    const e = await rejectionOf(promise);
    expect(e).to.be.instanceOf(ConsentRelayError);
    return e as ConsentRelayError;
  }

  describe("parseConsentSubmission", function () {
    it("reads the portal's JSON: numbers as decimal strings, addresses checksummed", async function () {
      const f = await loadFixture(fixture);
      const signed = await signConsent(f.permissions, f.subject, f.terms);
      const parsed = parseConsentSubmission(body(signed));
      expect(parsed.consent.subject).to.equal(f.subject.address);
      expect(parsed.consent.expiry).to.equal(f.terms.expiry);
      expect(parsed.signature).to.equal(signed.signature);
    });

    const cases: [string, unknown, RegExp][] = [
      ["a body that is not JSON", "{", /does not parse/],
      ["no consent", { signature: `0x${"11".repeat(65)}` }, /"consent" to be an object/],
      ["a short signature", { consent: {}, signature: "0x1234" }, /"signature" as 0x and 130 hex digits/],
    ];
    for (const [what, value, message] of cases) {
      it(`refuses ${what} with 400`, function () {
        const bytes = new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
        expect(() => parseConsentSubmission(bytes))
          .to.throw(ConsentRelayError, message)
          .with.property("status", 400);
      });
    }

    it("refuses a malformed address and an out-of-range number with 400, naming the member", async function () {
      const f = await loadFixture(fixture);
      const { consent, signature } = await signConsent(f.permissions, f.subject, f.terms);
      const bad = (patch: Record<string, unknown>) => body({ consent: { ...consent, ...patch }, signature });
      expect(() => parseConsentSubmission(bad({ grantee: "0x1234" }))).to.throw(/"consent.grantee" to be an address/);
      expect(() => parseConsentSubmission(bad({ levels: 256 }))).to.throw(/"consent.levels" to be a uint8/);
      expect(() => parseConsentSubmission(bad({ maxUses: "-1" }))).to.throw(/"consent.maxUses" to be a uint32/);
      expect(() => parseConsentSubmission(bad({ expiry: 1.5 }))).to.throw(/"consent.expiry" to be a uint64/);
    });
  });

  describe("relayConsent", function () {
    it("submits the consent from the bureau's account: the grant is set, the subject paid nothing", async function () {
      const f = await loadFixture(fixture);
      const signed = await signConsent(f.permissions, f.subject, f.terms);
      const balance = await f.subject.provider.getBalance(f.subject.address);
      const receipt = await relayConsent(f.relay, parseConsentSubmission(body(signed)), f.policy);
      expect(receipt.grantId).to.equal(await f.permissions.grantId(f.subject.address, f.bank.address));
      expect(Number(await f.permissions.grantState(f.subject.address, f.bank.address))).to.equal(GrantState.Active);
      expect(await f.subject.provider.getBalance(f.subject.address)).to.equal(balance);
      const tx = await f.subject.provider.getTransaction(receipt.txHash);
      expect(tx?.from).to.equal(f.bureau.address);
    });

    it("sends through the account's sender, after the transactions given to it before (the evaluator's)", async function () {
      const f = await loadFixture(fixture);
      const signed = await signConsent(f.permissions, f.subject, f.terms);
      const sender = new TransactionSender();
      let release!: () => void;
      const earlier = sender.send(() => new Promise<void>((resolve) => (release = resolve)));
      const nonce = await f.bureau.provider.getTransactionCount(f.bureau.address);
      const relayed = relayConsent(f.relay, parseConsentSubmission(body(signed)), f.policy, sender);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Checked and simulated, but not sent while the earlier transaction is being sent.
      expect(await f.bureau.provider.getTransactionCount(f.bureau.address)).to.equal(nonce);
      release();
      await earlier;
      const receipt = await relayed;
      expect((await f.subject.provider.getTransaction(receipt.txHash))?.nonce).to.equal(nonce);
      expect(Number(await f.permissions.grantState(f.subject.address, f.bank.address))).to.equal(GrantState.Active);
    });

    it("refuses a consent signed by someone else than its subject with 422", async function () {
      const f = await loadFixture(fixture);
      const signed = await signConsent(f.permissions, f.outsider, f.terms);
      const forged = { ...signed, consent: { ...signed.consent, subject: f.subject.address } };
      const e = await refusal(relayConsent(f.relay, parseConsentSubmission(body(forged)), f.policy));
      expect(e.status).to.equal(422);
      // Changing the subject changes what was signed: the signature recovers to neither of them.
      expect(e.message).to.include(`signed by its subject ${f.subject.address}`);
    });

    it("refuses a consent the subject voided since (stale nonce) with 409", async function () {
      const f = await loadFixture(fixture);
      const signed = await signConsent(f.permissions, f.subject, f.terms);
      await (await f.permissions.connect(f.subject).invalidateConsents()).wait();
      const e = await refusal(relayConsent(f.relay, parseConsentSubmission(body(signed)), f.policy));
      expect(e.status).to.equal(409);
      expect(e.message).to.include("sign again");
    });

    it("refuses a consent past its deadline with 422", async function () {
      const f = await loadFixture(fixture);
      const signed = await signConsent(f.permissions, f.subject, f.terms);
      await time.increaseTo(f.terms.deadline + 1n);
      const e = await refusal(relayConsent(f.relay, parseConsentSubmission(body(signed)), f.policy));
      expect(e.status).to.equal(422);
      expect(e.message).to.include("deadline");
    });

    it("refuses terms the contract would refuse with 422 and its error, before sending anything", async function () {
      const f = await loadFixture(fixture);
      const signed = await signConsent(f.permissions, f.subject, { ...f.terms, levels: Level.Read });
      const nonce = await f.bureau.provider.getTransactionCount(f.bureau.address);
      const e = await refusal(relayConsent(f.relay, parseConsentSubmission(body(signed)), f.policy));
      expect(e.status).to.equal(422);
      expect(e.message).to.match(/PermissionLevelsNotAllowed\(/);
      expect(await f.bureau.provider.getTransactionCount(f.bureau.address)).to.equal(nonce);
    });
  });

  describe("the relay's policy: no free gas", function () {
    it("refuses every consent that answers no member's request: 12 pre-signed consents cost the bureau nothing", async function () {
      const f = await loadFixture(fixture);
      // One free self-registration, then consents with the nonces to come, to an active member that asked nothing.
      await (await f.classification.connect(f.outsider).registerSubject()).wait();
      const sent = await f.bureau.provider.getTransactionCount(f.bureau.address);
      const domain = await consentDomain(f.permissions);
      for (let nonce = 0n; nonce < 12n; nonce++) {
        const consent = { subject: f.outsider.address, ...f.terms, nonce };
        const signature = await f.outsider.signTypedData(domain, CONSENT_TYPES, consent);
        const e = await refusal(relayConsent(f.relay, parseConsentSubmission(body({ consent, signature })), f.policy));
        if (nonce === 0n) {
          expect(e.status).to.equal(403);
          expect(e.message).to.include(`expected a pending request from ${f.bank.address}`);
        } else expect(e.status).to.equal(409); // the first was never submitted: the nonce never moved
      }
      expect(await f.bureau.provider.getTransactionCount(f.bureau.address)).to.equal(sent);
    });

    it("refuses a grantee that is not an active member (403), before sending anything", async function () {
      const f = await loadFixture(fixture);
      const signed = await signConsent(f.permissions, f.subject, { ...f.terms, grantee: f.outsider.address });
      const sent = await f.bureau.provider.getTransactionCount(f.bureau.address);
      const e = await refusal(relayConsent(f.relay, parseConsentSubmission(body(signed)), f.policy));
      expect(e.status).to.equal(403);
      expect(e.message).to.include("active member");
      expect(await f.bureau.provider.getTransactionCount(f.bureau.address)).to.equal(sent);
    });

    it("relays at most the subject's rate (429 after), and counts the gas it spent", async function () {
      const f = await loadFixture(fixture);
      const rate = new ConsentRateLimit(2, 3_600_000);
      let gas = 0n;
      const policy = { ...f.policy, rate, onGas: (used: bigint) => void (gas += used) };
      // A relayed grant answers the bank's request (and clears it): the bank asks again before each consent, so that
      // only the rate stands in the way.
      const ask = async () =>
        (
          await f.permissions
            .connect(f.bank)
            .requestPermission(f.subject.address, f.terms.levels, f.terms.expiry, f.terms.maxUses)
        ).wait();
      const sent = await f.bureau.provider.getTransactionCount(f.bureau.address);
      for (let i = 0; i < 2; i++) {
        if (i > 0) await ask();
        const signed = await signConsent(f.permissions, f.subject, { ...f.terms, maxUses: 3 + i });
        await relayConsent(f.relay, parseConsentSubmission(body(signed)), policy);
      }
      expect(gas > 0n).to.equal(true);
      await ask();
      const third = await signConsent(f.permissions, f.subject, { ...f.terms, maxUses: 9 });
      const e = await refusal(relayConsent(f.relay, parseConsentSubmission(body(third)), policy));
      expect(e.status).to.equal(429);
      expect(e.message).to.include("submit the consent from its own account");
      expect(await f.bureau.provider.getTransactionCount(f.bureau.address)).to.equal(sent + 2);
      // An hour on, one more.
      expect(() => rate.take(f.subject.address, Date.now() + 3_600_000)).not.to.throw();
    });
  });

  describe("POST /v1/consents", function () {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "blindcredit-relay-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("answers 201 with the transaction, and 400 with a JSON error for a malformed consent", async function () {
      const f = await loadFixture(fixture);
      const service = await startBureauService({
        suite: connectSuite(f, f.bureau),
        databasePath: join(dir, "bureau.db"),
        sealingKey: generateSealingKey(),
        comparisonKey: fixtureComparisonKey(),
        ringPedersen: fixtureRingPedersen(),
        port: 0,
        threads: 1,
        watch: false,
      });
      try {
        const post = (bytes: Uint8Array) =>
          fetch(`${service.url}/v1/consents`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: bytes,
          });
        const signed = await signConsent(f.permissions, f.subject, f.terms);
        const ok = await post(body(signed));
        expect(ok.status).to.equal(201);
        const answer = (await ok.json()) as { txHash: string; grantId: string };
        expect(answer.txHash).to.match(/^0x[0-9a-f]{64}$/);
        expect(answer.grantId).to.equal(await f.permissions.grantId(f.subject.address, f.bank.address));

        const bad = await post(new TextEncoder().encode('{"consent": 1, "signature": "0x"}'));
        expect(bad.status).to.equal(400);
        expect(((await bad.json()) as { error: string }).error).to.include('"consent" to be an object');

        // Submitted once: the same consent again is stale.
        expect((await post(body(signed))).status).to.equal(409);
      } finally {
        await service.stop();
      }
    });

    it("64 consents at once cost nothing, wait in the relay's own bounded queue, and leave /health answering 200", async function () {
      const f = await loadFixture(fixture);
      await (await f.classification.connect(f.outsider).registerSubject()).wait();
      const service = await startBureauService({
        suite: connectSuite(f, f.bureau),
        databasePath: join(dir, "burst.db"),
        sealingKey: generateSealingKey(),
        comparisonKey: fixtureComparisonKey(),
        port: 0,
        threads: 1,
        watch: false,
      });
      try {
        const sent = await f.bureau.provider.getTransactionCount(f.bureau.address);
        const signed = body(await signConsent(f.permissions, f.outsider, f.terms)); // to a bank that asked nothing
        const burst = Array.from({ length: 64 }, () =>
          fetch(`${service.url}/v1/consents`, { method: "POST", body: signed }).then((r) => r.status),
        );
        const health = await fetch(`${service.url}/health`);
        expect(health.status).to.equal(200);
        const statuses = await Promise.all(burst);
        // Refused by the policy (403) or, beyond the relay's queue of 4, at once (429): never a transaction.
        expect(statuses.every((s) => s === 403 || s === 429 || s === 503)).to.equal(true);
        expect(await f.bureau.provider.getTransactionCount(f.bureau.address)).to.equal(sent);
        expect((await fetch(`${service.url}/health`)).status).to.equal(200);
      } finally {
        await service.stop();
      }
    });
  });
});
