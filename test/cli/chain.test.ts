/**
 * The command line against a running `hardhat node`, as users in each role drive it: deploy, the
 * subject registers, voters admit a bank and a provider, the subject grants and revokes, the
 * provider submits a record, the bank runs blind credit checks; and the refusals a user meets on
 * the way (a non-voter voting, a non-member asking for access, a wrong chain), each with its exit
 * code and the contract's own error.
 *
 * The steps build on each other in order, as they do for users: no fixtures.
 */
import { chmodSync, cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { AbiCoder, JsonRpcProvider, keccak256, toUtf8Bytes } from "ethers";
import { startNode, type LocalNode } from "../helpers/node";
import { APPLICANT_RECORD, LOAN_FORM_FILE } from "../helpers/samples";
import { cli, closedPort, expectExit, ok, scratchDir, startCli, type CliRun, type LongRun } from "./helpers";
import { saveRingPedersen } from "../../src/bureau/ringPedersen";
import { loadSealingKey } from "../../src/bureau/sealing";
import { fixtureRingPedersen } from "../helpers/ringPedersen";

/** Accounts by role: hardhat.config.ts's named accounts (0–4) and the tests' actors. */
const ROLE = {
  voter1: 1,
  voter2: 2,
  voter3: 3,
  bureau: 4,
  subject: 5,
  bank: 6,
  outsider: 7,
  provider: 8,
  idleBureau: 9,
} as const;
type Role = keyof typeof ROLE;

const IDENTITY = "ID 110101199003070000, Zhang San";

/** `subject register` with `identity` in a file (never a flag value: it would show in `ps`). */
function register(identity: string, saltFile: string): string[] {
  const file = path.join(scratchDir("identity"), "identity.txt");
  writeFileSync(file, `${identity}\n`, { mode: 0o600 });
  return ["subject", "register", "--identity-file", file, "--salt-file", saltFile];
}

describe("blindcredit against a running hardhat node", function () {
  this.timeout(180_000);

  let node: LocalNode;
  /** The bureau service, run with `blindcredit bureau start`, and its URL. */
  let service: LongRun | undefined;
  let bureauUrl: string;
  let env: Record<string, string>;
  const work = scratchDir("chain");
  const address = {} as Record<Role, string>;

  /** Runs the command as `role`, against the node, in the scratch directory. */
  const as = (role: Role, args: readonly string[]): Promise<CliRun> =>
    cli(["--account", String(ROLE[role]), ...args], { env, cwd: work });
  const okAs = async (role: Role, args: readonly string[]) => expectExit(await as(role, args), 0);
  /** Asserts a refusal by the contracts: exit 4 and the custom error's name and arguments. */
  const refused = async (
    role: Role,
    args: readonly string[],
    error: string,
    errorArgs: unknown[],
    shown: unknown[] = errorArgs, // as printed: enum values by name
  ) => {
    const run = expectExit(await as(role, [...args, "--json"]), 4);
    // In words first, then with the parameters' names: `refused: There is no live grant … [PermissionNoGrant(subject: 0x…, grantee: 0x…)]`.
    expect(run.stderr).to.match(
      new RegExp(`refused: [A-Z].*\\[${error}\\(${shown.map((a) => `\\w+: ${a}`).join(", ")}\\)\\]`),
    );
    expect(run.json<{ error: { error: string; args: unknown[] } }>().error).to.deep.include({ error, args: errorArgs });
  };

  before(async function () {
    node = await startNode("hardhat");
    env = { BLINDCREDIT_RPC_URL: node.url, BLINDCREDIT_DEPLOYMENTS: node.deploymentsDir };
    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    const accounts = await provider.listAccounts();
    for (const role of Object.keys(ROLE) as Role[]) address[role] = accounts[ROLE[role]].address;
    provider.destroy();
  });

  after(async function () {
    await service?.stop("SIGKILL");
    await node?.stop();
  });

  describe("deploy and configuration", function () {
    it("deploys the suite with `blindcredit deploy`", async function () {
      // The node helper's config moves hardhat-deploy's records out of the working tree.
      const run = await ok(["deploy", "--network", "localhost", "--config", node.configFile, "--json"], {
        env,
        cwd: work,
      });
      const result = run.json<{ chainId: string; contracts: Record<string, string> }>();
      expect(result.chainId).to.equal(String(node.chainId));
      expect(Object.keys(result.contracts)).to.include.members(["HistoryRecord", "ConditionMatching"]);
      expect(run.stderr).to.match(/deploying "ConditionMatching"/);
      const recorded = JSON.parse(readFileSync(path.join(node.deploymentsDir, "ConditionMatching.json"), "utf8"));
      expect(recorded.address).to.equal(result.contracts.ConditionMatching);
    });

    it("refuses deployments written for another chain (exit 3)", async function () {
      const other = path.join(scratchDir("otherchain"), "localhost");
      cpSync(node.deploymentsDir, other, { recursive: true });
      writeFileSync(path.join(other, ".chainId"), "1\n");
      const run = expectExit(await cli(["--deployments", other, "member", "status", address.subject], { env }), 3);
      expect(run.stderr).to.include(`are for chain 1, the node is chain ${node.chainId}`);
    });

    it("refuses a directory without deployments (exit 3)", async function () {
      const empty = path.join(scratchDir("nodeploy"), "localhost");
      mkdirSync(empty);
      const run = expectExit(await cli(["--deployments", empty, "voter", "list"], { env }), 3);
      expect(run.stderr).to.include(`no .chainId in ${empty}`);
    });

    it("refuses an account the node does not have (exit 2)", async function () {
      const run = expectExit(await cli(["--account", "99", "voter", "vote", "1", "--yes"], { env }), 2);
      expect(run.stderr).to.match(/--account 99: the node at .* has 20 unlocked account\(s\) \(0 to 19\)/);
    });
  });

  describe("the bureau service", function () {
    const sealingKey = path.join(work, "sealing.hex");

    it("makes a sealing key with mode 0600, and never overwrites it", async function () {
      const made = (await ok(["bureau", "sealing-key", "--out", sealingKey, "--json"])).json<{ keyId: string }>();
      expect(made.keyId).to.match(/^0x[0-9a-f]{16}$/);
      expect(statSync(sealingKey).mode & 0o777).to.equal(0o600);
      expectExit(await cli(["bureau", "sealing-key", "--out", sealingKey]), 2);
    });

    it("starts as the bureau and answers /health", async function () {
      // Its ring-Pedersen parameters made beforehand (the fixture's), not two safe primes on its first start.
      const parameters = path.join(work, "fixture.ring-pedersen");
      saveRingPedersen(parameters, loadSealingKey(sealingKey), fixtureRingPedersen());
      service = startCli(
        [
          "--account",
          String(ROLE.bureau),
          "bureau",
          "start",
          "--port",
          "0",
          "--sealing-key-file",
          sealingKey,
          "--ring-pedersen-file",
          parameters,
          "--json",
        ],
        { env, cwd: work },
      );
      const ready = await service.ready<{ url: string; bureau: string }>();
      expect(ready.bureau).to.equal(address.bureau);
      bureauUrl = ready.url;
      const health = (await (await fetch(`${bureauUrl}/health`)).json()) as { status: string; chainId: string };
      expect(health).to.include({ status: "ok", chainId: String(node.chainId) });
    });

    it("refuses to serve as an address that is not a bureau (exit 4)", async function () {
      const run = expectExit(
        await as("outsider", ["bureau", "start", "--port", "0", "--db", "other.db", "--sealing-key-file", sealingKey]),
        4,
      );
      expect(run.stderr).to.include(`${address.outsider} is not an active credit bureau`);
    });

    it("refuses a sealing key file that others can read (exit 2)", async function () {
      const loose = path.join(work, "loose.hex");
      writeFileSync(loose, readFileSync(sealingKey));
      chmodSync(loose, 0o644);
      const run = expectExit(
        await as("bureau", ["bureau", "start", "--port", "0", "--db", "loose.db", "--sealing-key-file", loose]),
        2,
      );
      expect(run.stderr).to.include("expected permissions 0600 or stricter");
    });
  });

  describe("a subject registers", function () {
    it("registers, commits a salted identity and saves the salt with mode 0600", async function () {
      const saltFile = path.join(work, "subject-salt.json");
      const result = (await okAs("subject", [...register(IDENTITY, saltFile), "--json"])).json<{
        subject: string;
        commitment: string;
      }>();
      expect(result.subject).to.equal(address.subject);
      expect(statSync(saltFile).mode & 0o777).to.equal(0o600);
      const saved = JSON.parse(readFileSync(saltFile, "utf8"));
      const commitment = keccak256(
        AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes"], [saved.salt, toUtf8Bytes(IDENTITY)]),
      );
      expect(result.commitment).to.equal(commitment);

      const status = (await ok(["member", "status", address.subject, "--json"], { env })).json();
      expect(status).to.include({ type: "subject", status: "Active", voter: false });
    });

    it("refuses to overwrite the salt file, and refuses a second commitment on-chain", async function () {
      const saltFile = path.join(work, "subject-salt.json");
      expectExit(await as("subject", register(IDENTITY, saltFile)), 2);
      const second = path.join(work, "second-salt.json");
      await refused("subject", register("someone else", second), "OwnershipIdentityAlreadyCommitted", [
        address.subject,
      ]);
      // Nothing was committed, so the new salt was not kept.
      expect(() => statSync(second)).to.throw();
    });
  });

  describe("voters admit a bank (paper flow 3.3)", function () {
    let proposalId: string;

    it("refuses a subject asking for a bank: only the newcomer or a voter may (exit 4)", async function () {
      await refused(
        "subject",
        ["member", "apply", address.bank, "--type", "bank"],
        "NodeClassificationUnauthorizedRequester",
        [address.subject, address.bank],
      );
    });

    it("opens a vote when the bank applies for itself", async function () {
      const result = (await okAs("bank", ["member", "apply", address.bank, "--type", "bank", "--json"])).json<{
        status: string;
        proposalId: string;
      }>();
      expect(result.status).to.equal("vote-opened");
      proposalId = result.proposalId;
      const { proposals } = (await okAs("voter1", ["voter", "list", "--json"])).json<{
        proposals: Record<string, unknown>[];
      }>();
      expect(proposals).to.have.length(1);
      expect(proposals[0]).to.include({
        id: proposalId,
        kind: "AdmitNode",
        nodeType: "bank",
        account: address.bank,
        state: "Active",
      });
      expect(proposals[0]).to.include({ approvals: 0, quorum: 2, eligibleVoters: 3, voted: false });
    });

    it("refuses the vote of an address that is not a voter (exit 4), and nothing changes", async function () {
      await refused("outsider", ["voter", "vote", proposalId, "--yes"], "ConsensusUnauthorizedVoter", [
        address.outsider,
      ]);
      const { proposals } = (await okAs("voter1", ["voter", "list", "--json"])).json<{
        proposals: { approvals: number }[];
      }>();
      expect(proposals[0].approvals).to.equal(0);
    });

    it("admits the bank once two of the three voters approve", async function () {
      const first = (await okAs("voter1", ["voter", "vote", proposalId, "--yes", "--json"])).json();
      expect(first).to.include({ state: "Active", approvals: 1, quorum: 2 });
      await refused("voter1", ["voter", "vote", proposalId, "--no"], "ConsensusAlreadyVoted", [
        proposalId,
        address.voter1,
      ]);
      const second = await okAs("voter2", ["voter", "vote", proposalId, "--yes"]);
      expect(second.stdout).to.include(`voted yes on proposal ${proposalId}: Executed`);

      const status = (await ok(["member", "status", address.bank, "--json"], { env })).json();
      expect(status).to.include({ type: "bank", status: "Active" });
      expect((await okAs("voter3", ["voter", "list"])).stdout).to.match(/no open proposals/);
    });

    it("admits a provider through `voter propose`", async function () {
      const opened = (
        await okAs("voter1", ["voter", "propose", "admit-node", address.provider, "--type", "provider", "--json"])
      ).json<{
        proposalId: string;
      }>();
      await okAs("voter1", ["voter", "vote", opened.proposalId, "--yes"]);
      await okAs("voter3", ["voter", "vote", opened.proposalId, "--yes"]);
      expect((await ok(["member", "status", address.provider, "--json"], { env })).json()).to.include({
        type: "provider",
        status: "Active",
      });
    });
  });

  describe("the subject grants and revokes (paper flow 3.4)", function () {
    it("refuses an access request from an address that is not a member (exit 4)", async function () {
      await refused("outsider", ["bank", "request-access", address.subject], "PermissionUnknownNode", [
        address.outsider,
      ]);
    });

    it("shows the bank's request, approves it, and lists the grant", async function () {
      await okAs("bank", ["bank", "request-access", address.subject, "--max-uses", "3", "--expires-in", "7d"]);
      const { requests } = (await okAs("subject", ["subject", "requests", "--json"])).json<{
        requests: Record<string, unknown>[];
      }>();
      expect(requests).to.have.length(1);
      expect(requests[0]).to.include({ grantee: address.bank, granteeType: "bank", levels: "blind-read", maxUses: 3 });

      const granted = (await okAs("subject", ["subject", "approve", address.bank, "--json"])).json();
      expect(granted).to.include({ outcome: "granted", levels: "blind-read", maxUses: 3, uses: 0, standing: "live" });
      const { grants } = (await okAs("subject", ["subject", "grants", "--json"])).json<{
        grants: Record<string, unknown>[];
      }>();
      expect(grants).to.have.length(1);
      expect(grants[0]).to.include({
        grantee: address.bank,
        levels: "blind-read",
        uses: 0,
        maxUses: 3,
        standing: "live",
      });
      expect((await okAs("subject", ["subject", "requests"])).stdout).to.include("no pending requests");
    });

    it("refuses a level the bank may not hold (exit 4)", async function () {
      // PermissionLevelsNotAllowed(grantee, nodeType CreditAccessUser = 4, levels Read = 1, allowed BlindRead = 8)
      await refused(
        "subject",
        ["subject", "grant", address.bank, "--levels", "read"],
        "PermissionLevelsNotAllowed",
        [address.bank, "4", "1", "8"],
        [address.bank, "CreditAccessUser", "1", "8"],
      );
    });

    it("revokes at once, and shows the whole story in the history", async function () {
      const revoked = (await okAs("subject", ["subject", "revoke", address.bank, "--json"])).json();
      expect(revoked).to.include({ grantee: address.bank });
      const { grants } = (await okAs("subject", ["subject", "grants", "--json"])).json<{
        grants: Record<string, unknown>[];
      }>();
      expect(grants[0]).to.include({ standing: "revoked", levels: "none" });
      await refused("subject", ["subject", "revoke", address.bank], "PermissionNoGrant", [
        address.subject,
        address.bank,
      ]);

      const history = (await okAs("subject", ["subject", "history", "--json"])).json<{
        total: string;
        entries: { action: string; actor: string }[];
      }>();
      expect(history.entries.filter((e) => e.actor === address.bank).map((e) => e.action)).to.deep.equal([
        "PermissionRequested",
        "PermissionGranted",
        "PermissionRevoked",
      ]);
      // Pages: by default the latest entries; --offset and --limit pick any page.
      const page = (await okAs("subject", ["subject", "history", "--offset", "1", "--limit", "2", "--json"])).json<{
        offset: string;
        entries: { index: string; action: string }[];
      }>();
      expect(page.offset).to.equal("1");
      expect(page.entries.map((e) => [e.index, e.action])).to.deep.equal([
        ["1", history.entries[1].action],
        ["2", history.entries[2].action],
      ]);
    });
  });

  describe("a provider submits a record", function () {
    it("is refused on-chain without a write grant (exit 4)", async function () {
      await refused(
        "provider",
        [
          "provider",
          "submit",
          address.subject,
          "--field",
          "creditScore=712",
          "--bureau",
          address.bureau,
          "--bureau-url",
          bureauUrl,
        ],
        "PermissionNoGrant",
        [address.subject, address.provider],
      );
    });

    it("commits the record's hash and hands the record to the bureau", async function () {
      await okAs("provider", ["provider", "request-write", address.subject]);
      await okAs("subject", ["subject", "approve", address.provider]);
      const file = path.join(work, "record.json");
      writeFileSync(file, JSON.stringify(APPLICANT_RECORD));
      const fields = ["--field", "creditScore=712"];
      // One source of fields at a time.
      expectExit(await as("provider", ["provider", "submit", address.subject, ...fields, "--file", file]), 2);
      const result = (
        await okAs("provider", [
          "provider",
          "submit",
          address.subject,
          "--file",
          file,
          "--bureau",
          address.bureau,
          "--bureau-url",
          bureauUrl,
          "--json",
        ])
      ).json<{
        hash: string;
        version: number;
      }>();
      expect(result).to.include({ version: 1 });
      expect(result.hash).to.match(/^0x[0-9a-f]{64}$/);
    });
  });

  describe("the bank runs blind credit checks (paper flow 3.5)", function () {
    const keyFile = path.join(work, "bank.key.json");
    const formFile = path.join(work, "loan.json");
    let checkId: string;
    let recordFile: string;

    /**
     * `bank check` of `form` for the subject, with the bank's key, addressed to `bureau` at `url` (by default the
     * bureau and its service), then `extra`.
     */
    const checkWith = (form: string, extra: string[] = [], { bureau = address.bureau, url = bureauUrl } = {}) => [
      "bank",
      "check",
      "--subject",
      address.subject,
      "--bureau",
      bureau,
      "--form",
      form,
      "--key",
      keyFile,
      "--bureau-url",
      url,
      ...extra,
    ];

    before(async function () {
      await ok(["bank", "keygen", "--out", keyFile, "--bits", "2048"]);
      writeFileSync(formFile, JSON.stringify(LOAN_FORM_FILE));
    });

    it("refuses to register a key from an address that is not a bank (exit 4)", async function () {
      await refused("outsider", ["bank", "register-key", "--key", keyFile], "MatchingNotBank", [address.outsider]);
    });

    it("registers the key once", async function () {
      expect((await okAs("bank", ["bank", "register-key", "--key", keyFile, "--json"])).json()).to.include({
        alreadyRegistered: false,
        bits: 2048,
      });
      expect((await okAs("bank", ["bank", "register-key", "--key", keyFile, "--json"])).json()).to.include({
        alreadyRegistered: true,
      });
    });

    it("refuses a check without a live grant before encrypting anything (exit 4)", async function () {
      const run = expectExit(await as("bank", checkWith(formFile)), 4);
      expect(run.stderr).to.include(`holds no live blind-read grant from ${address.subject}`);
      expect(run.stderr).to.include("the grant was revoked by the subject");
    });

    it("approves a qualifying applicant, saves the salt, and the subject sees the check", async function () {
      await okAs("subject", ["subject", "grant", address.bank, "--levels", "blind-read", "--max-uses", "6"]);
      const run = await okAs("bank", checkWith(formFile, ["--json"]));
      const result = run.json<{ checkId: string; approved: boolean; record: string; saw: Record<string, unknown> }>();
      expect(result.approved).to.equal(true);
      expect(result.saw).to.deep.equal({ kind: "one bit", approved: true });
      expect(run.stderr).to.match(/waiting for the bureau's challenge/);
      ({ checkId, record: recordFile } = result);
      expect(recordFile).to.equal(path.join(work, "checks", `${checkId}.json`));
      expect(statSync(recordFile).mode & 0o777).to.equal(0o600);

      const history = (await okAs("subject", ["subject", "history", "--json"])).json<{
        entries: { action: string; checkId?: string }[];
      }>();
      expect(history.entries.slice(-3).map((e) => [e.action, e.checkId])).to.deep.equal([
        ["CheckRequested", checkId],
        ["CheckAnswered", checkId],
        ["CheckDecided", checkId],
      ]);
    });

    it("verifies the saved decision against the chain, and catches a forged one (exit 6)", async function () {
      const verified = (await ok(["bank", "decision", checkId, "--record", recordFile, "--json"], { env })).json();
      expect(verified).to.include({ state: "Decided", approved: true, verified: true });
      const forged = path.join(work, "forged.json");
      writeFileSync(forged, JSON.stringify({ ...JSON.parse(readFileSync(recordFile, "utf8")), approved: false }));
      const run = expectExit(await cli(["bank", "decision", checkId, "--record", forged, "--json"], { env }), 6);
      expect(run.json<{ error: { verified: boolean } }>().error.verified).to.equal(false);
    });

    it("exits 3 with a hint when the bureau's API cannot be reached, before opening a check", async function () {
      const grants = async () => (await okAs("subject", ["subject", "grants", "--json"])).stdout;
      const before = await grants();
      const closedUrl = `http://127.0.0.1:${await closedPort()}`;
      const run = expectExit(await as("bank", checkWith(formFile, [], { url: closedUrl })), 3);
      expect(run.stderr).to.include(`is the bureau service running at ${closedUrl} (blindcredit bureau start)?`);
      expect(await grants()).to.equal(before); // no use of the grant consumed
    });

    it("declines an applicant who misses a condition, with exit 0", async function () {
      const strict = path.join(work, "strict.json");
      writeFileSync(strict, JSON.stringify({ conditions: [{ field: "creditScore", op: "ge", value: "800" }] }));
      const out = path.join(work, "declined.json");
      const run = await okAs("bank", checkWith(strict, ["--out", out]));
      expect(run.stdout).to.match(/^DECLINED: check 0x[0-9a-f]{64}/);
      expect(JSON.parse(readFileSync(out, "utf8")).approved).to.equal(false);
    });

    it("runs a secret scorecard made by bank model: approved, and no weight or cut-off printed", async function () {
      const scorecard = path.join(work, "scorecard.json");
      const model = path.join(__dirname, "..", "..", "examples", "scorecard", "model.json");
      await ok(["bank", "model", "--model", model, "--weight-bits", "32", "--out", scorecard]);
      const run = await okAs("bank", checkWith(scorecard));
      expect(run.stdout).to.match(/^APPROVED: check 0x[0-9a-f]{64}/);
      expect(run.stderr).to.include("(1 condition(s), 1 comparison(s))");
      const { weights, cutoff } = (
        JSON.parse(readFileSync(scorecard, "utf8")) as {
          conditions: { scorecard: { weights: Record<string, number>; cutoff: number | string } }[];
        }
      ).conditions[0].scorecard;
      // As numbers of their own (not inside a check id or a longer number).
      for (const secret of [...Object.values(weights), cutoff])
        expect(run.stdout + run.stderr).not.to.match(
          new RegExp(`(?<![\\w.-])-?${String(secret).replace("-", "")}(?![\\w.])`),
        );
    });

    it("runs a paper-mode check: the bank sees how many equality conditions hold, in shuffled order", async function () {
      const paper = path.join(work, "paper.json");
      writeFileSync(
        paper,
        JSON.stringify({
          mode: "paper",
          conditions: [
            { field: "creditScore", op: "eq", value: "712" },
            { field: "bankruptcy", op: "eq", value: "1" },
          ],
        }),
      );
      const run = await okAs("bank", checkWith(paper, ["--json"]));
      const result = run.json<{ approved: boolean; mode: string; saw: Record<string, unknown> }>();
      expect(result).to.include({ approved: false, mode: "paper" });
      expect(result.saw).to.deep.equal({ kind: "shuffled per-condition results", met: 1, of: 2 });
    });

    it("refuses at once (exit 4) a check addressed to a bureau other than the one at --bureau-url", async function () {
      // A second bureau, admitted by vote, that runs no service. The bank's requests are signed for the bureau it
      // addresses: the first bureau's board refuses them (they name another bureau), before any check is opened.
      const opened = (
        await okAs("voter1", ["voter", "propose", "admit-node", address.idleBureau, "--type", "bureau", "--json"])
      ).json<{ proposalId: string }>();
      await okAs("voter1", ["voter", "vote", opened.proposalId, "--yes"]);
      await okAs("voter2", ["voter", "vote", opened.proposalId, "--yes"]);
      // It never started its service, so it has no comparison key: a decision-mode check is refused at once.
      const refused = expectExit(await as("bank", checkWith(formFile, ["--json"], { bureau: address.idleBureau })), 4);
      expect(refused.stderr).to.include(`bureau (this is ${address.bureau})`);
      const paper = path.join(work, "idle-paper.json");
      writeFileSync(
        paper,
        JSON.stringify({ mode: "paper", conditions: [{ field: "bankruptcy", op: "eq", value: "0" }] }),
      );
      const run = expectExit(
        await as("bank", checkWith(paper, ["--timeout", "2", "--json"], { bureau: address.idleBureau })),
        4,
      );
      expect(run.stderr).to.include(`bureau (this is ${address.bureau})`);
    });

    it("stops the bureau service cleanly on SIGTERM", async function () {
      const stopped = await service!.stop("SIGTERM");
      service = undefined;
      expect(stopped.code, stopped.stderr).to.equal(0);
      expect(stopped.stderr).to.include("bureau stopped");
    });
  });
});
