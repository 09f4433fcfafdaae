/**
 * The package's public entry as a user gets it: `import … from "blindcredit"` resolves, through package.json's
 * `exports`, to the compiled library (`npm run build:lib`, built here when missing or older than its sources). The
 * names it offers are pinned below, values and types apart, so that widening (or narrowing) the surface is a visible
 * change; and a whole check runs through those names alone: the bureau operator's service, the provider's record,
 * the bank's check and the subject's view of it.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithGrants } from "./helpers/suite";

const ROOT = path.resolve(__dirname, "..");
const ENTRY = path.join(ROOT, "dist", "src", "index.js");
const TYPES = path.join(ROOT, "dist", "src", "index.d.ts");

/** The names the entry exports at run time: classes, functions, enums, constants. */
const PUBLIC_VALUES = [
  "DEFAULT_WEIGHT_BITS",
  "MODEL_FORMAT",
  "convertModel",
  "isScorecard",
  "parseModelFile",
  "scorecardFromModel",
  "scorecardHolds",
  "ALL_LEVELS",
  "AuditAction",
  "BankClient",
  "BureauRefused",
  "BureauUnavailable",
  "CONSENT_TYPES",
  "CREDIT_RECORD_CATEGORY",
  "CheckMode",
  "CheckState",
  "CheckWaitError",
  "DEFAULT_CHECK_DURATION",
  "DEFAULT_SCHEMA",
  "DEFAULT_STOP_TIMEOUT_MS",
  "DEFAULT_WAIT_MS",
  "DgkPrivateKey",
  "DgkPublicKey",
  "DgkRandomizerPool",
  "DgkRandomizerWorkers",
  "GrantState",
  "HttpBoard",
  "Level",
  "MAX_CONDITIONS",
  "MAX_SET_VALUES",
  "MigrationError",
  "NodeStatus",
  "NodeType",
  "OPERATORS",
  "PAGE",
  "PaillierPrivateKey",
  "PaillierPublicKey",
  "ProposalKind",
  "ProposalState",
  "RECEIPT_FORMAT",
  "RandomnessPool",
  "RecordError",
  "RefusalReason",
  "SCHEMA_ENV",
  "SUITE_CONTRACTS",
  "SealingError",
  "SealingKey",
  "SharePool",
  "ShareWorkers",
  "StoreError",
  "approve",
  "auditTrail",
  "castVote",
  "categoriesOf",
  "checkModeName",
  "checkModeNamed",
  "checksOf",
  "connectSuite",
  "consentDomain",
  "decisionRecordOf",
  "decline",
  "deliverCreditRecord",
  "deploymentSchema",
  "describeSchema",
  "encodeRecord",
  "exportDgkPrivateKey",
  "exportPrivateKey",
  "exportPublicKey",
  "exportRingPedersen",
  "fieldNamed",
  "findPermissionRecord",
  "formatFieldValue",
  "generateDgkKeyPair",
  "generateKeyPair",
  "generateRingPedersen",
  "generateSealingKey",
  "grant",
  "grantsOf",
  "identityCommitment",
  "importDgkPrivateKey",
  "importPrivateKey",
  "importPublicKey",
  "importRingPedersen",
  "isMemberAs",
  "levelNames",
  "loadDeployedSuite",
  "loadSchemaFile",
  "loadSealingKey",
  "memberOf",
  "migrateStore",
  "newRecord",
  "parseDecisionClaim",
  "parseFieldValue",
  "parseLevels",
  "parseNodeType",
  "parseReceiptLink",
  "parseRecordFields",
  "parseSchema",
  "pendingRequests",
  "readDeploymentRecords",
  "readOwnRecord",
  "readProposal",
  "receiptLink",
  "receiptOfRecord",
  "recordHash",
  "requestAdmission",
  "requestAnswer",
  "reserveComparisonKey",
  "revoke",
  "saveSealingKey",
  "sealingKeyFromHex",
  "signConsent",
  "standingOf",
  "startBureauService",
  "submitCreditRecord",
  "suiteAt",
  "verifyDecision",
  "waitForState",
];

/** The names the entry exports as types only. */
const PUBLIC_TYPES = [
  "ModelConversion",
  "ModelOptions",
  "ModelScorecard",
  "Scorecard",
  "ScorecardCondition",
  "ScorecardModel",
  "AdmissionRequest",
  "ApiLimits",
  "AuditRow",
  "BankCheck",
  "BankClientOptions",
  "BankDecision",
  "BankStage",
  "BankView",
  "BureauParty",
  "BureauService",
  "BureauServiceOptions",
  "CategoryRow",
  "CheckModeName",
  "CheckOutcome",
  "CheckRequest",
  "CheckRow",
  "Condition",
  "Consent",
  "CreditField",
  "CreditRecord",
  "CreditSchema",
  "DecisionCheck",
  "DecisionClaim",
  "DecisionRecord",
  "DeploymentRecord",
  "DeploymentRecords",
  "GrantRow",
  "GrantTerms",
  "IdentityCommitment",
  "Member",
  "MessageBoard",
  "MigrateStoreOptions",
  "MigrationReport",
  "Operator",
  "OwnRecord",
  "PaillierKeyPair",
  "PaillierPrivateKeyJson",
  "PaillierPublicKeyJson",
  "PendingRequest",
  "ProposalView",
  "RandomizerSource",
  "RequestAnswer",
  "RetryPolicy",
  "RingPedersenSecret",
  "RunCheckOptions",
  "SavedCheck",
  "Standing",
  "StoredRecordReceipt",
  "SubjectContracts",
  "SubjectReceipt",
  "Suite",
  "SuiteAddresses",
  "SuiteContract",
  "Terms",
  "WaitOptions",
];

/** The newest modification time of the files under `entries` (files or folders), in ms. */
function newestMtime(entries: readonly string[]): number {
  let newest = 0;
  for (const entry of entries) {
    const stat = statSync(entry);
    newest = Math.max(
      newest,
      stat.isDirectory() ? newestMtime(readdirSync(entry).map((name) => path.join(entry, name))) : stat.mtimeMs,
    );
  }
  return newest;
}

/** Builds the library as `npm run build:lib` does, unless dist/ is newer than every input of the build. */
function buildLibrary(): void {
  const inputs = ["src", "typechain-types", "schemas", "tsconfig.json", "tsconfig.build.json"];
  const built = existsSync(ENTRY) && existsSync(TYPES) ? statSync(ENTRY).mtimeMs : 0;
  if (built > newestMtime(inputs.map((input) => path.join(ROOT, input)))) return;
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: "inherit",
  });
}

/** This file's fixture (loadFixture's snapshots are per function): the suite with its members and grants. */
function fixture() {
  return deployWithGrants();
}

/** Every name the entry's declarations export, as the TypeScript compiler reads them. */
function declaredNames(): string[] {
  const program = ts.createProgram([TYPES], { noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(TYPES);
  if (source === undefined) throw new Error(`expected the entry's declarations at ${TYPES}, found none`);
  return checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).map((symbol) => symbol.name);
}

describe("The public API (the package entry)", function () {
  let api: typeof import("blindcredit");

  before(async function () {
    buildLibrary();
    api = await import("blindcredit");
  });

  it("is what package.json's exports, main and types name: the compiled src/index.ts", function () {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      name: string;
      main: string;
      types: string;
      exports: Record<string, { types: string; default: string }>;
    };
    expect(manifest.name).to.equal("blindcredit");
    expect(path.resolve(ROOT, manifest.exports["."].default)).to.equal(ENTRY);
    expect(path.resolve(ROOT, manifest.main)).to.equal(ENTRY);
    expect(path.resolve(ROOT, manifest.exports["."].types)).to.equal(TYPES);
    expect(path.resolve(ROOT, manifest.types)).to.equal(TYPES);
    expect(require.resolve("blindcredit")).to.equal(ENTRY);
  });

  it("offers exactly the pinned names: values at run time, and types in its declarations", function () {
    const values = Object.keys(api).sort();
    expect(values).to.deep.equal([...PUBLIC_VALUES].sort());
    const declared = declaredNames();
    expect(declared.filter((name) => !values.includes(name)).sort()).to.deep.equal([...PUBLIC_TYPES].sort());
    expect(values.filter((name) => !declared.includes(name))).to.deep.equal([]); // every value is typed
  });

  describe("a whole check through the entry alone", function () {
    let dir: string;
    let f: Awaited<ReturnType<typeof fixture>>;
    let service: Awaited<ReturnType<typeof api.startBureauService>>;

    /** A test fixture file (test/fixtures), as text. */
    const fixtureText = (name: string) => readFileSync(path.join(ROOT, "test", "fixtures", name), "utf8");

    // One bureau service for these tests: the bureau operator's, with the fixture keys it would otherwise make on
    // its first start.
    before(async function () {
      dir = mkdtempSync(path.join(tmpdir(), "blindcredit-api-"));
      f = await loadFixture(fixture);
      service = await api.startBureauService({
        suite: api.connectSuite(f, f.bureau),
        databasePath: path.join(dir, "bureau.db"),
        sealingKey: api.generateSealingKey(),
        comparisonKey: api.importDgkPrivateKey(fixtureText("dgk-2048.json")),
        ringPedersen: api.importRingPedersen(fixtureText("ring-pedersen-2048.json")),
        comparisonKeyBits: 2048,
        port: 0,
        pollIntervalMs: 50,
        threads: 1,
      });
    });
    after(async function () {
      await service?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("runs a check: the bureau serves, the provider writes, the bank is approved, the subject sees it", async function () {
      const { url, bureau } = service;
      expect(bureau).to.equal(f.bureau.address);

      // The provider: the subject's record to the bureau, its hash on-chain.
      const fields = api.parseRecordFields({ creditScore: "712", debtToIncome: "20" });
      const stored = await api.submitCreditRecord(
        f.ownership.connect(f.provider),
        url,
        bureau,
        f.subject.address,
        fields,
      );
      expect(stored.version).to.equal(1);

      // The bank: its key registered, a decision-mode check run to its decision.
      const board = new api.HttpBoard(url, { signer: f.bank, bureau });
      const bank = new api.BankClient(
        f.matching.connect(f.bank),
        api.importPrivateKey(fixtureText("paillier-2048.json")),
        board,
      );
      await bank.registerKey();
      const conditions = [{ field: "creditScore", op: "ge" as const, values: [650] }];
      const request = { subject: f.subject.address, bureau, mode: "decision" as const, conditions };
      const { check, decision } = await bank.runCheck(request, { wait: { pollMs: 50, timeoutMs: 120_000 } });
      expect(decision.approved).to.equal(true);

      // The subject: who checked it, the decision the bank's salt opens, and its own record at the bureau.
      const [row] = await api.checksOf(f, f.subject.address);
      expect(row).to.include({ checkId: check.checkId, bank: f.bank.address, state: api.CheckState.Decided });
      const opened = await api.verifyDecision(f, check.checkId, decision.salt);
      expect(opened).to.deep.equal({ kind: "opens", approved: true, bank: f.bank.address, subject: f.subject.address });
      const own = await api.readOwnRecord(url, { signer: f.subject, bureau });
      expect(own).to.include({ subject: f.subject.address, hash: stored.hash });
      expect(own.fields).to.include({ creditScore: "712" });
    });

    it("signs a request for the bureau its caller names: refused by another, and a non-address at once", async function () {
      const { url } = service;
      // Signed for another bureau (the bank's account, say): this one recovers another signer and refuses it.
      const elsewhere = await api.readOwnRecord(url, { signer: f.subject, bureau: f.bank.address }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(elsewhere).to.be.instanceOf(api.BureauRefused);
      expect((elsewhere as InstanceType<typeof api.BureauRefused>).status).to.equal(401);
      await expect(api.readOwnRecord(url, { signer: f.subject, bureau: "the bureau" })).to.be.rejectedWith(
        `bureau: expected the bureau's address, got the bureau`,
      );
      expect(() => new api.HttpBoard(url, { signer: f.bank, bureau: "nope" })).to.throw(
        "bureau: expected the bureau's address, got nope",
      );
    });
  });
});
