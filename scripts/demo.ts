/**
 * The main job: the BlindCredit story on the in-process Hardhat network, narrated step by step
 * with the gas and time of each. Run with `npm run demo`.
 *
 * It covers consortium set-up, paper flow 3.3 (admitting a bank by vote), flow 3.4 (the
 * subject's consent) and flow 3.5 (blind credit checks in decision and paper mode).
 */
import hre from "hardhat";
import { loadSuite } from "../src/suite";
import { castVote, isMemberAs, requestAdmission } from "../src/clients/consortium";
import { AuditAction, NodeType, ProposalState } from "../src/nodeTypes";
import { findPermissionRecord, signConsent } from "../src/clients/consent";
import { Level, levelNames } from "../src/permissions";
import { generateKeyPair, RandomnessPool } from "../src/paillier";
import { BankClient, BureauClient } from "../src/clients/creditCheck";
import { MemoryBoard } from "../src/protocol/board";
import type { CheckMode, Condition } from "../src/protocol/form";

interface StepRecord {
  readonly step: string;
  readonly gas: bigint;
  readonly ms: number;
}

const records: StepRecord[] = [];

/**
 * Runs one narrated step and records its time and gas: the gas of every block mined during the
 * step (the in-process network mines one block per transaction).
 */
async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  const provider = hre.ethers.provider;
  const firstBlock = (await provider.getBlockNumber()) + 1;
  const started = performance.now();
  const result = await run();
  const ms = performance.now() - started;
  let gas = 0n;
  for (let n = firstBlock; n <= (await provider.getBlockNumber()); n++)
    gas += (await provider.getBlock(n))?.gasUsed ?? 0n;
  records.push({ step: title, gas, ms });
  console.log(`  ✓ ${title}  (${gas.toLocaleString("en-US")} gas, ${ms.toFixed(0)} ms)`);
  return result;
}

async function main(): Promise<void> {
  const signers = await hre.ethers.getSigners();
  const [, voter1, voter2, voter3, bureau, subject, bank, provider] = signers;
  const name = new Map<string, string>([
    [voter1.address, "voter 1"],
    [voter2.address, "voter 2"],
    [voter3.address, "voter 3"],
    [subject.address, "the subject"],
    [bank.address, "the bank"],
    [provider.address, "the provider"],
    [bureau.address, "the bureau"],
  ]);

  console.log("\nBlindCredit demo on the in-process Hardhat network\n");
  console.log("1. Consortium set-up");
  await step("deploy the suite: history, classification, consensus, permissions, ownership", async () => {
    await hre.deployments.fixture();
  });
  const suite = await loadSuite(hre);
  console.log(
    `     voters: ${[voter1, voter2, voter3].map((v) => v.address.slice(0, 10)).join(", ")}; ` +
      `quorum ${await suite.consensus.quorumFor(await suite.consensus.voterCount())} of ${await suite.consensus.voterCount()}; ` +
      `bureau ${bureau.address.slice(0, 10)} active from genesis`,
  );

  console.log("\n2. Paper flow 3.3: a bank asks to check a subject and is admitted by vote");
  await step("the subject registers itself as a credit subject", async () => {
    await (await suite.classification.connect(subject).registerSubject()).wait();
  });
  const request = await step("the subject approves the bank and submits its address", async () =>
    requestAdmission(suite.classification.connect(subject), bank.address, NodeType.CreditAccessUser),
  );
  if (request.status !== "vote-opened") throw new Error("expected the unknown bank to go to a vote");
  console.log(`     the bank is unknown to node classification: proposal ${request.proposalId} opened`);
  for (const voter of [voter1, voter2]) {
    const view = await step(`${name.get(voter.address)} approves`, async () =>
      castVote(suite.consensus.connect(voter), request.proposalId, true),
    );
    console.log(`     ${view.approvals} of ${view.quorum} approvals, proposal ${ProposalState[view.state]}`);
  }
  console.log(
    `     the bank is an active credit access user: ${await isMemberAs(suite.classification, bank.address, NodeType.CreditAccessUser)}`,
  );

  console.log("\n3. A vote that fails leaves no membership behind");
  const rejected = await step("voter 1 asks to admit an information provider", async () =>
    requestAdmission(suite.classification.connect(voter1), provider.address, NodeType.InformationProvider),
  );
  if (rejected.status !== "vote-opened") throw new Error("expected the unknown provider to go to a vote");
  for (const voter of [voter2, voter3]) {
    const view = await step(`${name.get(voter.address)} refuses`, async () =>
      castVote(suite.consensus.connect(voter), rejected.proposalId, false),
    );
    console.log(`     proposal ${ProposalState[view.state]}`);
  }
  console.log(`     the provider is a member: ${await suite.classification.isActive(provider.address)}`);

  console.log("\n4. Paper flow 3.4: the subject grants the bank blind-read");
  await step("the subject commits to its identity (salted hash, no identity on-chain)", async () => {
    const commitment = hre.ethers.keccak256(
      hre.ethers.AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "bytes"],
        [hre.ethers.id("salt"), hre.ethers.toUtf8Bytes("subject")],
      ),
    );
    await (await suite.ownership.connect(subject).commitIdentity(commitment)).wait();
  });
  const latest = await hre.ethers.provider.getBlock("latest");
  const expiry = BigInt(latest!.timestamp) + 7n * 24n * 3600n;
  await step("the bank asks for blind-read, four uses, for seven days", async () => {
    await (await suite.permissions.connect(bank).requestPermission(subject.address, Level.BlindRead, expiry, 4)).wait();
  });
  const { permissions } = await findPermissionRecord(suite.history, subject.address, subject);
  console.log(
    `     the subject finds its permission record: history → ownership → ${(await permissions.getAddress()).slice(0, 10)}`,
  );
  await step("the subject approves the request", async () => {
    await (await permissions.approveRequest(bank.address)).wait();
  });
  const grant = await permissions.grantOf(subject.address, bank.address);
  console.log(
    `     the bank holds ${levelNames(Number(grant.levels)).join(", ")}, ${grant.maxUses} use, ` +
      `until ${new Date(Number(grant.expiry) * 1000).toISOString()}`,
  );

  console.log("\n5. A consent signed by the subject, submitted by the bureau: the subject pays no gas");
  const signed = await signConsent(permissions, subject, {
    grantee: bureau.address,
    levels: Level.Read | Level.Write,
    expiry,
    maxUses: 0,
    deadline: expiry,
  });
  const balanceBefore = await hre.ethers.provider.getBalance(subject.address);
  await step("the bureau submits the subject's EIP-712 consent", async () => {
    await (await permissions.connect(bureau).setPermissionWithConsent(signed.consent, signed.signature)).wait();
  });
  console.log(
    `     the subject's balance changed by ${balanceBefore - (await hre.ethers.provider.getBalance(subject.address))} wei`,
  );
  await step("the subject revokes the bureau's grant (and voids unused consents)", async () => {
    await (await permissions.revoke(bureau.address)).wait();
  });

  console.log("\n6. Paper flow 3.5: blind credit checks");
  const { privateKey } = await step("the bank makes its 3072-bit Paillier key", async () => generateKeyPair());
  const board = new MemoryBoard();
  const bankPool = new RandomnessPool(privateKey, { capacity: 128 });
  const bureauPool = new RandomnessPool(privateKey.publicKey, { capacity: 128 });
  const applicant = new Map<string, bigint>([
    ["creditScore", 712n],
    ["annualIncome", 58_000n],
    ["defaultsFiveYears", 0n],
    ["debtToIncome", 2850n],
    ["bankruptcy", 0n],
  ]);
  const bankClient = new BankClient(suite.matching.connect(bank), privateKey, board, bankPool);
  const bureauClient = new BureauClient(suite.matching.connect(bureau), board, async () => applicant, {
    poolFor: () => bureauPool,
  });
  await step("the bank registers its public key on-chain", async () => bankClient.registerKey());
  console.log(
    `     key fingerprint ${privateKey.publicKey.fingerprint.slice(0, 18)}…; the bureau holds the applicant's data`,
  );

  const checks: { title: string; mode: CheckMode; conditions: Condition[] }[] = [
    {
      title: "decision mode, a loan the applicant qualifies for",
      mode: "decision",
      conditions: [
        { field: "creditScore", op: "ge", values: [650] },
        { field: "annualIncome", op: "ge", values: [40_000] },
        { field: "defaultsFiveYears", op: "eq", values: [0] },
        { field: "debtToIncome", op: "le", values: ["35"] },
      ],
    },
    {
      title: "decision mode, a loan the applicant does not qualify for",
      mode: "decision",
      conditions: [
        { field: "creditScore", op: "ge", values: [750] },
        { field: "annualIncome", op: "ge", values: [40_000] },
        { field: "debtToIncome", op: "le", values: ["35"] },
      ],
    },
    {
      title: "paper mode (equality, leak fixed), met",
      mode: "paper",
      conditions: [
        { field: "bankruptcy", op: "eq", values: [0] },
        { field: "defaultsFiveYears", op: "eq", values: [0] },
      ],
    },
    {
      title: "paper mode, one condition not met",
      mode: "paper",
      conditions: [
        { field: "bankruptcy", op: "eq", values: [0] },
        { field: "creditScore", op: "eq", values: [700] },
      ],
    },
  ];
  for (const { title, mode, conditions } of checks) {
    console.log(`   ${title}: ${conditions.map((c) => `${c.field} ${c.op} ${c.values.join("..")}`).join(", ")}`);
    const check = await step("  the bank encrypts its form and opens the check", async () =>
      bankClient.openCheck({ subject: subject.address, bureau: bureau.address, mode, conditions }),
    );
    if (mode === "decision") {
      await step("  the bureau sends its blinded comparisons (DGK)", async () => bureauClient.step(check.checkId));
      await step("  the bank answers with its encrypted shares", async () => bankClient.respond(check));
    }
    await step("  the bureau answers", async () => bureauClient.step(check.checkId));
    const decision = await step("  the bank decrypts and commits to its decision", async () =>
      bankClient.decide(check),
    );
    console.log(`     the bank decided: ${decision.approved ? "APPROVED" : "DECLINED"}`);
    console.log(
      mode === "decision"
        ? `     what the bank saw: one bit, and per comparison a share that is a coin flip (${decision.view.shares.join("")})`
        : `     what the bank saw: ${decision.view.matches.filter(Boolean).length} of ${decision.view.matches.length} shuffled equality results met; no value, no difference`,
    );
  }
  await Promise.all([bankPool.close(), bureauPool.close()]);

  console.log("\n7. The history record: what the subject can see");
  const [related] = await suite.history.relatedNodes(subject.address, 0, 10);
  console.log(`     related nodes: ${related.map((a) => name.get(a) ?? a).join(", ")}`);
  const [trail] = await suite.history.auditTrail(subject.address, 0, 100);
  for (const entry of trail) {
    console.log(`     ${AuditAction[Number(entry.action)].padEnd(20)} ${name.get(entry.actor) ?? entry.actor}`);
  }

  console.log("\nSummary");
  console.table(
    records.map((r) => ({ step: r.step, gas: r.gas.toLocaleString("en-US"), "time (ms)": Math.round(r.ms) })),
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
