/**
 * The main job: the BlindCredit story on the in-process Hardhat network, narrated step by step
 * with the gas and time of each. Run with `npm run demo`.
 *
 * For now it covers consortium set-up and paper flow 3.3 (admitting a bank by vote); later
 * issues extend it to consent and the blind credit check.
 */
import hre from "hardhat";
import { loadSuite } from "../src/suite";
import { castVote, isMemberAs, requestAdmission } from "../src/clients/consortium";
import { NodeType, ProposalState } from "../src/nodeTypes";

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
  ]);

  console.log("\nBlindCredit demo on the in-process Hardhat network\n");
  console.log("1. Consortium set-up");
  await step("deploy history record, node classification and consensus judgment", async () => {
    await hre.deployments.fixture(["consortium"]);
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

  console.log("\n4. The history record: what the subject can see");
  const [related] = await suite.history.relatedNodes(subject.address, 0, 10);
  console.log(`     related nodes of the subject: ${related.map((a) => name.get(a) ?? a).join(", ")}`);

  console.log("\nSummary");
  console.table(
    records.map((r) => ({ step: r.step, gas: r.gas.toLocaleString("en-US"), "time (ms)": Math.round(r.ms) })),
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
