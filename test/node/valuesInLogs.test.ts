/**
 * No credit value in any log line or error, ever: a whole journey through `blindcredit bureau start --log-json` as
 * its own process (a provider's record, a bank's check decided) and bad records fed to its API, then its whole log
 * and every error it answered are searched for the subject's values. A rejected record's error names the field and
 * the rule it broke; the value stays with the provider.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, toUtf8Bytes, type JsonRpcSigner } from "ethers";
import { runHardhat, startNode, type LocalNode } from "../helpers/node";
import { admitCheckParties, killProcess, startBureauProcess, type BureauProcess } from "../helpers/bureauProcess";
import { fixtureKey } from "../paillier/helpers";
import { loadDeployedSuite } from "../../src/deployments";
import { BankClient } from "../../src/clients/bankCheck";
import { BureauRefused, deliverCreditRecord, submitCreditRecord } from "../../src/clients/provider";
import { HttpBoard } from "../../src/clients/httpBoard";
import { encodeRecord, newRecord, parseRecordFields } from "../../src/protocol/records";
import { generateSealingKey, saveSealingKey } from "../../src/bureau/sealing";
import { LOAN } from "../helpers/samples";

/** The subject's record: values long enough that they cannot turn up in a log by chance (hashes, ports, times). */
const RECORD = {
  creditScore: "787",
  annualIncome: "9876543",
  defaultsFiveYears: "0",
  debtToIncome: "27.31",
  yearsOfHistory: "9",
  bankruptcy: "0",
};

/** Every spelling of a value that must not appear: as submitted and as scaled (27.31 is stored as 2731). */
const SECRETS = ["9876543", "9,876,543", "27.31", "2731", "98765432100", "0098765"];

/** `secret` as a number of its own in `text`: not inside a longer run of digits, letters or hex. */
function mentions(text: string, secret: string): boolean {
  const escaped = secret.replace(/[.]/g, "\\.");
  return new RegExp(`(?<![0-9A-Za-z.])${escaped}(?![0-9A-Za-z])`).test(text);
}

describe("Bureau service: no credit value in its log or its errors", function () {
  this.timeout(240_000);
  let node: LocalNode;
  let provider: JsonRpcProvider;
  let dir: string;
  let service: BureauProcess | undefined;

  before(async function () {
    node = await startNode("hardhat");
    await runHardhat(node, ["deploy", "--network", "localhost", "--no-compile"]);
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
    dir = mkdtempSync(path.join(tmpdir(), "blindcredit-values-"));
  });

  after(async function () {
    if (service) await killProcess(service.child);
    provider?.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs a whole journey and answers bad records without writing a value anywhere", async function () {
    const signers: JsonRpcSigner[] = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => provider.getSigner(i)));
    const suite = await loadDeployedSuite(node.deploymentsDir, signers[0]);
    const { subject, bankSigner, providerSigner } = await admitCheckParties(suite, provider, signers);
    const keyFile = path.join(dir, "sealing.key");
    saveSealingKey(keyFile, generateSealingKey());
    service = await startBureauProcess(node, dir, keyFile, ["--port", "0", "--poll", "100", "--log-json"]);

    const subjectAddress = await subject.getAddress();
    const providerAddress = await providerSigner.getAddress();
    await submitCreditRecord(
      suite.ownership.connect(providerSigner),
      service.url,
      await signers[4].getAddress(),
      subjectAddress,
      parseRecordFields(RECORD),
    );
    const bank = new BankClient(
      suite.matching.connect(bankSigner),
      fixtureKey(2048),
      new HttpBoard(service.url, { signer: bankSigner, bureau: await signers[4].getAddress() }),
    );
    await bank.registerKey();
    const { decision } = await bank.runCheck(
      { subject: subjectAddress, bureau: await signers[4].getAddress(), mode: "decision", conditions: LOAN },
      { wait: { pollMs: 100, timeoutMs: 120_000 } },
    );
    expect(decision.approved).to.equal(true);

    // Bad records as a provider's buggy client would send them: out of range, misspelled.
    const good = new TextDecoder().decode(
      encodeRecord(
        newRecord({ subject: subjectAddress, provider: providerAddress, fields: parseRecordFields(RECORD) }),
      ),
    );
    const bad: [string, string, RegExp][] = [
      [
        good.replace('"9876543"', '"98765432100"'),
        "98765432100",
        /annualIncome: expected a value between 0 and 10000000/,
      ],
      [good.replace('"9876543"', '"0098765"'), "0098765", /annualIncome: expected the canonical spelling/],
    ];
    const errors: string[] = [];
    for (const [json, secret, rule] of bad) {
      const refused = await deliverCreditRecord(service.url, toUtf8Bytes(json)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused, secret).to.be.instanceOf(BureauRefused);
      expect((refused as BureauRefused).status).to.equal(400);
      expect((refused as BureauRefused).message).to.match(rule);
      errors.push((refused as BureauRefused).message);
    }

    const log = service.output();
    expect(log, "the log shows the journey").to.match(/Answered/);
    expect(log, "and the refusals").to.match(/expected a value between 0 and 10000000/);
    for (const secret of SECRETS) {
      expect(mentions(log, secret), `the bureau's log mentions ${secret}`).to.equal(false);
      for (const error of errors) expect(mentions(error, secret), `an error mentions ${secret}`).to.equal(false);
    }
  });
});
