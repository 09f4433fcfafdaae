/**
 * Gas snapshot of every operation of the six contracts a member sends (consortium, consent,
 * condition matching: every step of a check, in both modes, and a refusal), measured on the
 * in-process Hardhat network (deterministic: same compiler, same inputs, same gas). The README links
 * here rather than copying figures.
 *
 *   npm run gas:snapshot   measure and write bench/gas/snapshot.json and snapshot.md
 *   npm run gas:check      measure and fail when any figure differs from the committed snapshot
 */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { loadSuite } from "../../src/suite";
import { CheckMode, NodeType, RefusalReason } from "../../src/contractEnums";
import { Level } from "../../src/permissions";
import { signConsent } from "../../src/clients/consent";
import { decisionHash } from "../../src/protocol/chain";
import { exportDgkPublicKey } from "../../src/dgk";
import { fixtureComparisonKey } from "../../test/helpers/comparisonKey";

const SNAPSHOT_JSON = path.join(__dirname, "snapshot.json");
const SNAPSHOT_MD = path.join(__dirname, "snapshot.md");
/** The bank's Paillier key: the 3072-bit test fixture (its modulus is all the contract sees). */
const BANK_KEY_FILE = path.join(__dirname, "..", "..", "test", "fixtures", "paillier-3072.json");
/** How long each check stays open (its deadline is `openCheck`'s block time plus this). */
const CHECK_DURATION = 86_400n;

/** What each operation costs, in the order measured. */
type Snapshot = Record<string, number>;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("expected a receipt");
  return Number(receipt.gasUsed);
}

async function measure(): Promise<Snapshot> {
  await hre.deployments.fixture();
  const [, voter1, voter2, voter3, , subject, bank, provider, , newVoter] = await hre.ethers.getSigners();
  const { classification, consensus, permissions, ownership, matching } = await loadSuite(hre);
  const s: Snapshot = {};

  s["NodeClassification.registerSubject"] = await gasOf(classification.connect(subject).registerSubject());
  s["NodeClassification.requestAdmission (the newcomer applies: opens a vote)"] = await gasOf(
    classification.connect(bank).requestAdmission(bank.address, NodeType.CreditAccessUser),
  );
  s["NodeClassification.requestAdmission (already a member: no-op)"] = await gasOf(
    classification.connect(subject).requestAdmission(subject.address, NodeType.CreditSubject),
  );
  s["ConsensusJudgment.vote (approval, below quorum)"] = await gasOf(consensus.connect(voter1).vote(1, true));
  s["ConsensusJudgment.vote (approval that executes an admission)"] = await gasOf(
    consensus.connect(voter2).vote(1, true),
  );
  s["ConsensusJudgment.proposeAdmission"] = await gasOf(
    consensus.connect(voter1).proposeAdmission(provider.address, NodeType.InformationProvider),
  );
  s["ConsensusJudgment.vote (rejection)"] = await gasOf(consensus.connect(voter2).vote(2, false));
  s["ConsensusJudgment.vote (rejection that defeats)"] = await gasOf(consensus.connect(voter3).vote(2, false));
  s["ConsensusJudgment.proposeVoterAddition"] = await gasOf(
    consensus.connect(voter1).proposeVoterAddition(newVoter.address),
  );
  await gasOf(consensus.connect(voter1).vote(3, true));
  s["ConsensusJudgment.vote (approval that adds a voter)"] = await gasOf(consensus.connect(voter2).vote(3, true));
  s["ConsensusJudgment.proposeRemoval"] = await gasOf(consensus.connect(voter1).proposeRemoval(bank.address));
  await gasOf(consensus.connect(voter1).vote(4, true));
  await gasOf(consensus.connect(voter2).vote(4, true));
  s["ConsensusJudgment.vote (approval that removes a node)"] = await gasOf(consensus.connect(voter3).vote(4, true));
  s["ConsensusJudgment.proposeVoterRemoval"] = await gasOf(
    consensus.connect(voter1).proposeVoterRemoval(newVoter.address),
  );

  // Consent: the subject's ownership record, grants, signed grants, uses, revocation.
  const [deployer, , , , bureau] = await hre.ethers.getSigners();
  const expiry = 4_000_000_000n; // fixed (year 2096), so that calldata and signatures are the same every run
  // The provider's admission was defeated (proposal 2): it may be proposed again after the cool-down.
  await time.increase(Number(await consensus.votingPeriod()) + Number(await consensus.DEFEAT_COOLDOWN()) + 1);
  await gasOf(consensus.connect(voter1).proposeAdmission(provider.address, NodeType.InformationProvider));
  await gasOf(consensus.connect(voter1).vote(6, true));
  await gasOf(consensus.connect(voter2).vote(6, true));
  await gasOf(consensus.connect(voter3).vote(6, true)); // four voters by now: the quorum is three
  await gasOf(consensus.connect(voter1).proposeAdmission(bank.address, NodeType.CreditAccessUser));
  await gasOf(consensus.connect(voter1).vote(7, true));
  await gasOf(consensus.connect(voter2).vote(7, true));
  await gasOf(consensus.connect(voter3).vote(7, true));
  // After deployment only a vote grants a role: here the consumer role, to measure a use directly.
  s["ConsensusJudgment.proposeRoleChange"] = await gasOf(
    consensus
      .connect(voter1)
      .proposeRoleChange(await permissions.getAddress(), await permissions.CONSUMER_ROLE(), deployer.address, true),
  );
  await gasOf(consensus.connect(voter1).vote(8, true));
  await gasOf(consensus.connect(voter2).vote(8, true));
  s["ConsensusJudgment.vote (approval that grants a role)"] = await gasOf(consensus.connect(voter3).vote(8, true));
  s["OwnershipJudgment.commitIdentity"] = await gasOf(ownership.connect(subject).commitIdentity(hre.ethers.id("c")));
  s["PermissionSetting.requestPermission"] = await gasOf(
    permissions.connect(bank).requestPermission(subject.address, Level.BlindRead, expiry, 1),
  );
  s["PermissionSetting.approveRequest (first grant to this grantee)"] = await gasOf(
    permissions.connect(subject).approveRequest(bank.address, { levels: Level.BlindRead, expiry, maxUses: 1 }),
  );
  s["PermissionSetting.setPermission (change of an existing grant)"] = await gasOf(
    permissions.connect(subject).setPermission(bank.address, Level.BlindRead, expiry, 2),
  );
  s["PermissionSetting.setPermission (same terms: no-op)"] = await gasOf(
    permissions.connect(subject).setPermission(bank.address, Level.BlindRead, expiry, 2),
  );
  const signed = await signConsent(permissions, subject, {
    grantee: provider.address,
    levels: Level.Write,
    expiry,
    maxUses: 0,
    deadline: expiry,
  });
  s["PermissionSetting.setPermissionWithConsent (signed grant, submitted by the bureau)"] = await gasOf(
    permissions.connect(bureau).setPermissionWithConsent(signed.consent, signed.signature),
  );
  s["PermissionSetting.consume (a use)"] = await gasOf(
    permissions.connect(deployer).consume(subject.address, bank.address, Level.BlindRead),
  );
  s["OwnershipJudgment.commitData (consumes a write grant)"] = await gasOf(
    ownership.connect(provider).commitData(subject.address, hre.ethers.id("score"), hre.ethers.id("data")),
  );
  s["PermissionSetting.revoke"] = await gasOf(permissions.connect(subject).revoke(bank.address));
  s["PermissionSetting.invalidateConsents"] = await gasOf(permissions.connect(subject).invalidateConsents());

  // Condition matching: keys, then one check per mode and one refused. Expiry is derived from the
  // deadline (`state`), so it costs no transaction.
  await gasOf(permissions.connect(subject).setPermission(bank.address, Level.BlindRead, expiry, 0));
  const modulus = hre.ethers.toBeArray(JSON.parse(fs.readFileSync(BANK_KEY_FILE, "utf8")).n);
  const fingerprint = await matching.connect(bank).registerKey.staticCall(modulus);
  s["ConditionMatching.registerKey (3072-bit modulus, fingerprint computed on-chain)"] = await gasOf(
    matching.connect(bank).registerKey(modulus),
  );
  const comparisonKey = hre.ethers.toUtf8Bytes(JSON.stringify(exportDgkPublicKey(fixtureComparisonKey(3072))));
  s["ConditionMatching.registerComparisonKey (3072-bit DGK key, fingerprint computed on-chain)"] = await gasOf(
    matching.connect(bureau).registerComparisonKey(comparisonKey),
  );
  /** Opens the bank's next check in `mode` and returns its id. */
  const open = async (mode: CheckMode, label: string): Promise<[string, number]> => {
    const checkId = await matching.nextCheckId(bank.address);
    const formHash = hre.ethers.id(`form ${label}`);
    const gas = await gasOf(
      matching
        .connect(bank)
        .openCheck(checkId, subject.address, bureau.address, fingerprint, mode, formHash, CHECK_DURATION),
    );
    return [checkId, gas];
  };
  const salt = hre.ethers.id("salt");

  let [checkId, gas] = await open(CheckMode.Decision, "decision");
  s["ConditionMatching.openCheck (decision mode, the bank's first check: consumes a grant use)"] = gas;
  s["ConditionMatching.postChallenge"] = await gasOf(
    matching.connect(bureau).postChallenge(checkId, hre.ethers.id("challenge")),
  );
  s["ConditionMatching.postResponse"] = await gasOf(
    matching.connect(bank).postResponse(checkId, hre.ethers.id("response")),
  );
  s["ConditionMatching.postAnswer (decision mode)"] = await gasOf(
    matching.connect(bureau).postAnswer(checkId, hre.ethers.id("answer")),
  );
  s["ConditionMatching.recordDecision (decision mode)"] = await gasOf(
    matching.connect(bank).recordDecision(checkId, decisionHash(checkId, true, salt)),
  );

  [checkId, gas] = await open(CheckMode.Paper, "paper");
  s["ConditionMatching.openCheck (paper mode, a later check)"] = gas;
  s["ConditionMatching.postAnswer (paper mode: no challenge and response)"] = await gasOf(
    matching.connect(bureau).postAnswer(checkId, hre.ethers.id("paper answer")),
  );
  s["ConditionMatching.recordDecision (paper mode)"] = await gasOf(
    matching.connect(bank).recordDecision(checkId, decisionHash(checkId, false, salt)),
  );

  [checkId] = await open(CheckMode.Decision, "refused");
  s["ConditionMatching.refuseCheck (the bureau refuses at its first step)"] = await gasOf(
    matching.connect(bureau).refuseCheck(checkId, RefusalReason.NoData),
  );
  return s;
}

function toMarkdown(s: Snapshot): string {
  const rows = Object.entries(s).map(([op, gas]) => `| ${op} | ${gas.toLocaleString("en-US")} |`);
  return [
    "# Gas snapshot",
    "",
    "Measured on the in-process Hardhat network (solc 0.8.28, optimizer 200 runs, EVM cancun) by",
    "`npm run gas:snapshot`; `npm run gas:check` (run in CI) fails when a figure moves. Every",
    "operation a member sends, in the order of bench/gas/snapshot.ts; what contracts call in each",
    "other (`HistoryRecord.relate` and `appendAudit`, `NodeClassification.admit` and `remove`, the",
    "grant use `openCheck` consumes) is in the figure of the operation that calls it, and a check's",
    "expiry is derived from its deadline: no transaction.",
    "",
    "| operation | gas |",
    "| --- | ---: |",
    ...rows,
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const measured = await measure();
  if (process.env.GAS_SNAPSHOT === "write") {
    fs.writeFileSync(SNAPSHOT_JSON, JSON.stringify(measured, null, 2) + "\n");
    fs.writeFileSync(SNAPSHOT_MD, toMarkdown(measured));
    console.log(toMarkdown(measured));
    return;
  }
  const committed: Snapshot = fs.existsSync(SNAPSHOT_JSON) ? JSON.parse(fs.readFileSync(SNAPSHOT_JSON, "utf8")) : {};
  const names = new Set([...Object.keys(committed), ...Object.keys(measured)]);
  const changes: string[] = [];
  for (const name of names) {
    const before = committed[name];
    const now = measured[name];
    if (before === now) continue;
    const ratio = before && now ? ` (${((now / before - 1) * 100).toFixed(2)} %)` : "";
    changes.push(`  ${name}: committed ${before ?? "none"}, measured ${now ?? "none"}${ratio}`);
  }
  if (changes.length > 0) {
    console.error(`gas snapshot differs from bench/gas/snapshot.json:\n${changes.join("\n")}`);
    console.error("If the change is intended, run `npm run gas:snapshot` and commit the result.");
    process.exitCode = 1;
    return;
  }
  console.log(`gas snapshot: ${names.size} operations match bench/gas/snapshot.json`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
