/**
 * `loadDeployedSuite`: hardhat-deploy's files on disk, checked against the node before use. The
 * files are written here as `hardhat deploy` writes them (from the in-process network's records), in
 * a scratch `…/localhost` directory, then broken one way at a time.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet } from "ethers";
import { loadDeployedSuite, readDeploymentRecords, SUITE_CONTRACTS } from "../../src/deployments";

describe("loadDeployedSuite", function () {
  const scratchDirs: string[] = [];
  after(() => scratchDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function deployed() {
    await hre.deployments.fixture();
    const records = Object.fromEntries(
      await Promise.all(SUITE_CONTRACTS.map(async (name) => [name, await hre.deployments.get(name)] as const)),
    );
    return { records };
  }

  /** A fresh `<scratch>/localhost` directory with the suite's files as hardhat-deploy writes them. */
  async function deploymentsDir(): Promise<string> {
    const { records } = await loadFixture(deployed);
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "blindcredit-deployments-")), "localhost");
    scratchDirs.push(path.dirname(dir));
    mkdirSync(dir);
    writeFileSync(path.join(dir, ".chainId"), "31337");
    for (const [name, record] of Object.entries(records)) {
      writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(record, null, 2));
    }
    return dir;
  }

  async function failure(dir: string, runner = ethers.provider): Promise<string> {
    try {
      await loadDeployedSuite(dir, runner);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`expected loadDeployedSuite(${dir}) to throw, it returned`);
  }

  it("connects every contract at its recorded address, with a signer or read-only", async function () {
    const dir = await deploymentsDir();
    const { records } = await loadFixture(deployed);
    const [deployer] = await ethers.getSigners();

    const suite = await loadDeployedSuite(dir, deployer);
    expect(await suite.history.getAddress()).to.equal(records.HistoryRecord.address);
    expect(await suite.classification.getAddress()).to.equal(records.NodeClassification.address);
    expect(await suite.consensus.getAddress()).to.equal(records.ConsensusJudgment.address);
    expect(await suite.permissions.getAddress()).to.equal(records.PermissionSetting.address);
    expect(await suite.ownership.getAddress()).to.equal(records.OwnershipJudgment.address);
    expect(await suite.matching.getAddress()).to.equal(records.ConditionMatching.address);
    expect(suite.matching.runner).to.equal(deployer);
    expect(await suite.consensus.voterCount()).to.equal(3n);

    const readOnly = await loadDeployedSuite(dir, ethers.provider);
    expect(await readOnly.classification.consensus()).to.equal(records.ConsensusJudgment.address);
  });

  it("reads the records without a node", async function () {
    const dir = await deploymentsDir();
    const { records } = await loadFixture(deployed);
    const read = readDeploymentRecords(dir);
    expect(read.chainId).to.equal(31337n);
    expect(read.contracts.ConditionMatching.address).to.equal(records.ConditionMatching.address);
    expect(read.contracts.ConditionMatching.deployedBytecode).to.equal(records.ConditionMatching.deployedBytecode);
  });

  it("throws when the directory does not exist", async function () {
    const dir = path.join(tmpdir(), "blindcredit-no-such-dir", "sepolia");
    expect(await failure(dir)).to.equal(`no deployments in ${dir}: run \`npx hardhat deploy --network sepolia\` first`);
  });

  it("throws when a contract's file is missing", async function () {
    const dir = await deploymentsDir();
    unlinkSync(path.join(dir, "ConditionMatching.json"));
    expect(await failure(dir)).to.equal(
      `no deployment of ConditionMatching in ${dir}: run \`npx hardhat deploy --network localhost\` first`,
    );
  });

  it("throws when .chainId is missing or not a number", async function () {
    const dir = await deploymentsDir();
    writeFileSync(path.join(dir, ".chainId"), "0x7a69");
    expect(await failure(dir)).to.equal(`expected a decimal chain id in ${path.join(dir, ".chainId")}, got "0x7a69"`);
    unlinkSync(path.join(dir, ".chainId"));
    expect(await failure(dir)).to.match(/^no \.chainId in .*: it was not written by `hardhat deploy`/);
  });

  it("throws when a file is not JSON or has no address", async function () {
    const dir = await deploymentsDir();
    const file = path.join(dir, "PermissionSetting.json");
    writeFileSync(file, "{ not json");
    expect(await failure(dir)).to.match(
      new RegExp(`^expected JSON in ${escape(file)}, got a file that does not parse`),
    );
    writeFileSync(file, JSON.stringify({ address: "0x1234" }));
    expect(await failure(dir)).to.equal(`expected an "address" in ${file}, got "0x1234"`);
    writeFileSync(file, "null");
    expect(await failure(dir)).to.equal(`expected an "address" in ${file}, got undefined`);
  });

  it("throws when the records are for another chain", async function () {
    const dir = await deploymentsDir();
    writeFileSync(path.join(dir, ".chainId"), "1337\n");
    expect(await failure(dir)).to.match(
      new RegExp(`^deployments in ${escape(dir)} are for chain 1337, the node is chain 31337: `),
    );
  });

  it("throws when a recorded address has no code (a restarted node)", async function () {
    const dir = await deploymentsDir();
    const empty = Wallet.createRandom().address;
    writeFileSync(path.join(dir, "OwnershipJudgment.json"), JSON.stringify({ address: empty }));
    expect(await failure(dir)).to.equal(
      `no contract code at ${empty} on chain 31337, where ${dir} records OwnershipJudgment: the node was ` +
        "restarted or reset since the deployment; run `npx hardhat deploy --network localhost` again",
    );
  });

  it("throws when a recorded address holds a contract of another size", async function () {
    const dir = await deploymentsDir();
    const { records } = await loadFixture(deployed);
    const file = path.join(dir, "ConditionMatching.json");
    writeFileSync(file, JSON.stringify({ ...records.ConditionMatching, address: records.HistoryRecord.address }));
    expect(await failure(dir)).to.match(
      new RegExp(
        `^the code at ${records.HistoryRecord.address} on chain 31337 is \\d+ bytes, the ConditionMatching ` +
          `recorded in ${escape(dir)} is \\d+ bytes: another contract is there`,
      ),
    );
  });

  it("throws when the signer has no provider", async function () {
    const dir = await deploymentsDir();
    let message = "";
    await loadDeployedSuite(dir, Wallet.createRandom()).catch((e: Error) => (message = e.message));
    expect(message).to.match(/^expected a signer connected to a provider/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
