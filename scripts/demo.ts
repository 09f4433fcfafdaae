/**
 * The main job: the BlindCredit story on the in-process Hardhat network, narrated step by step with the gas and
 * time of each, ending with a summary table. Run with `npm run demo`.
 *
 * Consortium set-up; a provider and a bank admitted by vote (paper flow 3.3); two applicants register and grant
 * (flow 3.4); the provider writes their data to the bureau service (a real SQLite store, sealed, and a real HTTP
 * server on loopback); the bank checks both applicants in decision mode and in paper mode (flow 3.5), and the demo
 * shows what the bank saw; then it checks Alice once more with a secret scorecard, the example model's
 * (examples/scorecard/form.json, fitted by `npm run model:fit` on synthetic data): six weights and a cut-off the
 * bureau never sees, one bit out.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { connectSuite, loadSuite } from "../src/suite";
import { castVote, requestAdmission } from "../src/clients/consortium";
import { findPermissionRecord, signConsent } from "../src/clients/consent";
import { BankClient, type BankCheck, type BankStage } from "../src/clients/bankCheck";
import { identityCommitment } from "../src/clients/identity";
import { submitCreditRecord } from "../src/clients/provider";
import { HttpBoard } from "../src/clients/httpBoard";
import { parseRecordFields } from "../src/protocol/records";
import { generateSealingKey } from "../src/bureau/sealing";
import { startBureauService } from "../src/bureau/service";
import { AuditAction, CheckState, NodeType, ProposalState, type CheckModeName } from "../src/contractEnums";
import { Level, levelNames, termsOf } from "../src/permissions";
import { generateKeyPair, RandomnessPool } from "../src/paillier";
import { isScorecard, type Condition, type ThresholdCondition } from "../src/protocol/form";
import { describeScorecardShape, readFormFile } from "../src/cli/formFile";

interface StepRecord {
  readonly step: string;
  readonly gas: bigint;
  readonly ms: number;
}

const records: StepRecord[] = [];

/**
 * Runs one narrated step and records its time and gas: the gas of every block mined during the step (the
 * in-process network mines one block per transaction, and nothing else sends any meanwhile).
 */
async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  const provider = hre.ethers.provider;
  const firstBlock = (await provider.getBlockNumber()) + 1;
  const started = performance.now();
  // A long step (key generation, the first comparison) says what it is doing rather than leaving seconds of silence.
  const working = setTimeout(() => console.log(`  … ${title.trim()}: working`), 1_000);
  let result: T;
  try {
    result = await run();
  } finally {
    clearTimeout(working);
  }
  const ms = performance.now() - started;
  let gas = 0n;
  for (let n = firstBlock; n <= (await provider.getBlockNumber()); n++)
    gas += (await provider.getBlock(n))?.gasUsed ?? 0n;
  records.push({ step: title.trim(), gas, ms });
  console.log(`  ✓ ${title}  (${gas.toLocaleString("en-US")} gas, ${ms.toFixed(0)} ms)`);
  return result;
}

/** The loan the bank offers, in decision mode: thresholds the bureau never sees. */
const LOAN: ThresholdCondition[] = [
  { field: "creditScore", op: "ge", values: [650] },
  { field: "annualIncome", op: "ge", values: [40_000] },
  { field: "defaultsFiveYears", op: "eq", values: [0] },
  { field: "debtToIncome", op: "le", values: ["35"] },
];

/** The example scorecard form: a logistic-regression model fitted on synthetic applicants, as integer weights. */
const SCORECARD_FILE = join(__dirname, "..", "examples", "scorecard", "form.json");

/** Paper mode supports equality only (the paper's own flow, with its leak fixed). */
const PAPER: ThresholdCondition[] = [
  { field: "bankruptcy", op: "eq", values: [0] },
  { field: "defaultsFiveYears", op: "eq", values: [0] },
];

async function main(): Promise<void> {
  const signers = await hre.ethers.getSigners();
  const [, voter1, voter2, voter3, bureau, alice, bank, bob, provider] = signers;
  const name = new Map<string, string>([
    [voter1.address, "voter 1"],
    [voter2.address, "voter 2"],
    [voter3.address, "voter 3"],
    [alice.address, "Alice"],
    [bob.address, "Bob"],
    [bank.address, "the bank"],
    [provider.address, "the provider"],
    [bureau.address, "the bureau"],
  ]);
  const workdir = mkdtempSync(join(tmpdir(), "blindcredit-demo-"));

  console.log("\nBlindCredit demo on the in-process Hardhat network\n");
  console.log("1. Consortium set-up");
  await step("deploy the six contracts of the paper (history, classification, consensus, …)", async () => {
    await hre.deployments.fixture();
  });
  const suite = await loadSuite(hre);
  const voters = await suite.consensus.voterCount();
  console.log(
    `     voters ${[voter1, voter2, voter3].map((v) => v.address.slice(0, 8)).join(", ")}; quorum ` +
      `${await suite.consensus.quorumFor(voters)} of ${voters}; bureau ${bureau.address.slice(0, 8)} active from genesis`,
  );

  const service = await step(
    "the bureau starts its service (SQLite sealed with AES-256-GCM, HTTP, a new DGK comparison key on-chain, " +
      "new ring-Pedersen parameters: two safe primes, seconds to minutes)",
    () =>
      startBureauService({
        suite: connectSuite(suite, bureau),
        databasePath: join(workdir, "bureau.db"),
        sealingKey: generateSealingKey(),
        port: 0,
        watch: false, // the demo hands the bureau its turns, to narrate them; `blindcredit bureau start` polls
      }),
  );
  console.log(`     listening on ${service.url} (loopback only)`);

  try {
    console.log("\n2. The applicants register as credit subjects");
    for (const subject of [alice, bob]) {
      const who = name.get(subject.address)!;
      await step(`${who} registers and commits to an identity (a salted hash)`, async () => {
        await (await suite.classification.connect(subject).registerSubject()).wait();
        const { commitment } = identityCommitment(`${who}'s passport`);
        await (await suite.ownership.connect(subject).commitIdentity(commitment)).wait();
      });
    }

    console.log("\n3. Paper flow 3.3: admission by vote");
    // Only a voter or the newcomer itself may ask: a voter proposes the provider, the bank applies itself.
    for (const [who, type, proposer] of [
      [provider, NodeType.InformationProvider, voter1],
      [bank, NodeType.CreditAccessUser, bank],
    ] as const) {
      const request = await step(
        proposer === who
          ? `${name.get(who.address)} applies to join as ${NodeType[type]}`
          : `${name.get(proposer.address)} proposes ${name.get(who.address)} as ${NodeType[type]}`,
        () => requestAdmission(suite.classification.connect(proposer), who.address, type),
      );
      if (request.status !== "vote-opened") throw new Error(`expected ${name.get(who.address)} to go to a vote`);
      for (const voter of [voter1, voter2]) {
        const view = await step(`  ${name.get(voter.address)} approves proposal ${request.proposalId}`, () =>
          castVote(suite.consensus.connect(voter), request.proposalId, true),
        );
        console.log(`     ${view.approvals} of ${view.quorum} approvals: ${ProposalState[view.state]}`);
      }
    }

    console.log("\n4. Paper flow 3.4: the applicants grant");
    const expiry = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp) + 30n * 86_400n;
    for (const subject of [alice, bob]) {
      const who = name.get(subject.address)!;
      const { permissions } = await findPermissionRecord(suite.history, subject.address, subject);
      // The provider's write grant comes as an EIP-712 consent the provider submits: the subject pays no gas.
      const consent = await signConsent(permissions, subject, {
        grantee: provider.address,
        levels: Level.Write,
        expiry,
        maxUses: 2,
        deadline: expiry,
      });
      await step(`  the provider submits ${who}'s signed consent to write (no gas for the subject)`, async () => {
        await (await permissions.connect(provider).setPermissionWithConsent(consent.consent, consent.signature)).wait();
      });
      const uses = subject === alice ? 3 : 2; // Alice's third: the scorecard check
      await step(`  the bank asks ${who} for blind-read, ${uses} uses, 30 days`, async () => {
        await (
          await suite.permissions.connect(bank).requestPermission(subject.address, Level.BlindRead, expiry, uses)
        ).wait();
      });
      await step(`  ${who} approves the bank's request`, async () => {
        const asked = await permissions.requestOf(subject.address, bank.address);
        await (await permissions.approveRequest(bank.address, termsOf(asked))).wait();
      });
      const grant = await suite.permissions.grantOf(subject.address, bank.address);
      console.log(`     the bank holds ${levelNames(Number(grant.levels)).join(", ")}, ${grant.maxUses} uses`);
    }

    console.log("\n5. The provider writes the applicants' data: hash on-chain, record to the bureau");
    const data = {
      Alice: {
        creditScore: "712",
        annualIncome: "58000",
        defaultsFiveYears: "0",
        debtToIncome: "28.5",
        yearsOfHistory: "9",
        bankruptcy: "0",
      },
      Bob: {
        creditScore: "604",
        annualIncome: "31000",
        defaultsFiveYears: "2",
        debtToIncome: "41.25",
        yearsOfHistory: "3",
        bankruptcy: "0",
      },
    };
    for (const subject of [alice, bob]) {
      const who = name.get(subject.address) as keyof typeof data;
      const stored = await step(`the provider commits and submits ${who}'s record`, () =>
        submitCreditRecord(
          suite.ownership.connect(provider),
          service.url,
          bureau.address,
          subject.address,
          parseRecordFields(data[who]),
        ),
      );
      console.log(
        `     stored as version ${stored.version}; on-chain only its salted hash ${stored.hash.slice(0, 18)}…`,
      );
    }

    console.log("\n6. Paper flow 3.5: blind credit checks");
    const { privateKey } = await step("the bank makes its 3072-bit Paillier key", () => generateKeyPair());
    const bankPool = new RandomnessPool(privateKey, { capacity: 256 });
    const bankClient = new BankClient(
      suite.matching.connect(bank),
      privateKey,
      new HttpBoard(service.url, { signer: bank, bureau: bureau.address }),
      {
        pool: bankPool,
      },
    );
    await step("the bank registers its public key on-chain", () => bankClient.registerKey());
    const views: { check: string; approved: boolean; saw: string }[] = [];

    const scorecard = readFormFile(SCORECARD_FILE);
    const checks: {
      mode: CheckModeName;
      conditions: readonly Condition[];
      subjects: (typeof alice)[];
      shown: string;
    }[] = [
      { mode: "decision", conditions: LOAN, subjects: [alice, bob], shown: describeConditions(LOAN) },
      { mode: "paper", conditions: PAPER, subjects: [alice, bob], shown: describeConditions(PAPER) },
      {
        mode: "decision",
        conditions: scorecard.conditions,
        subjects: [alice],
        shown:
          "a secret scorecard (examples/scorecard/form.json) over " +
          scorecard.parsed
            .flatMap((c) => (isScorecard(c) ? [describeScorecardShape(c.scorecard.shape)] : []))
            .join("; ") +
          ": its weights and cut-off stay with the bank",
      },
    ];
    for (const { mode, conditions, subjects, shown } of checks) {
      const scorecardCheck = conditions.some(isScorecard);
      console.log(`\n   ${mode} mode: ${shown}`);
      for (const subject of subjects) {
        const who = name.get(subject.address)!;
        const titles: Record<BankStage, string> = {
          open: scorecardCheck
            ? `  the bank sends its scorecard (its fields, and its weights encrypted under its own key, proven in range), opens a check of ${who}`
            : `  the bank sends its form (${mode === "decision" ? "shape only: the thresholds stay with it" : "values encrypted"}), opens a check of ${who}`,
          challenge: scorecardCheck
            ? "  the bureau's evaluator computes the masked score under the bank's key and sends its comparison bits"
            : "  the bureau's evaluator sends the bits of its values, encrypted under its DGK key",
          respond: scorecardCheck
            ? "  the bank decrypts its masked score, blinds the comparison with it, proves its share a bit and its quotient in range"
            : "  the bank blinds the comparisons with its thresholds, proves its shares are bits",
          answer: "  the bureau's evaluator answers",
          decide: "  the bank decrypts and commits to its decision",
        };
        const { decision } = await bankClient.runCheck(
          { subject: subject.address, bureau: bureau.address, mode, conditions },
          { waitForBureau: turn, stage: (stage, run) => step(titles[stage], run) },
        );
        const saw =
          mode === "decision"
            ? `one bit (its shares ${decision.view.shares.join("")} are its own coin flips)`
            : `${decision.view.matches.filter(Boolean).length} of ${decision.view.matches.length} shuffled equalities met; no values`;
        console.log(`     ${who}: ${decision.approved ? "APPROVED" : "DECLINED"}. The bank saw ${saw}`);
        views.push({ check: `${scorecardCheck ? "scorecard" : mode}, ${who}`, approved: decision.approved, saw });
      }
    }
    await bankPool.close();

    /** Hands the bureau its turn and checks that it took it. */
    async function turn(check: BankCheck): Promise<void> {
      const before = Number(await suite.matching.state(check.checkId));
      await service.evaluator.tick();
      const after = Number(await suite.matching.state(check.checkId));
      if (after === before)
        throw new Error(`the bureau did not move check ${check.checkId}: ${service.evaluator.metrics.lastError}`);
      if (after !== CheckState.Challenged && after !== CheckState.Answered)
        throw new Error(`unexpected state ${CheckState[after]}`);
    }

    console.log("\n7. What Alice sees: every access to her data, from the history record");
    const [trail] = await suite.history.auditTrail(alice.address, 0, 100);
    for (const entry of trail) {
      const at = new Date(Number(entry.timestamp) * 1000).toISOString().slice(11, 19);
      console.log(
        `     ${at}  ${AuditAction[Number(entry.action)].padEnd(20)} ${name.get(entry.actor) ?? entry.actor}`,
      );
    }

    console.log("\nWhat the bank saw");
    console.table(
      views.map((v) => ({ check: v.check, decision: v.approved ? "approved" : "declined", "the bank saw": v.saw })),
    );
    console.log("Summary");
    console.table(
      records.map((r) => ({ step: r.step, gas: r.gas.toLocaleString("en-US"), "time (ms)": Math.round(r.ms) })),
    );
    const totalGas = records.reduce((sum, r) => sum + r.gas, 0n);
    console.log(
      `Total: ${totalGas.toLocaleString("en-US")} gas, ${(records.reduce((s, r) => s + r.ms, 0) / 1000).toFixed(1)} s`,
    );
  } finally {
    await service.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

/** A form's conditions as the demo prints them: `creditScore ge 650, debtToIncome le 35`. */
function describeConditions(conditions: readonly ThresholdCondition[]): string {
  return conditions.map((c) => `${c.field} ${c.op} ${c.values.join("..")}`).join(", ");
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
