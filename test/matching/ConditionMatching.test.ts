import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { admitByVote, deployWithMembers, removeByVote } from "../helpers/suite";
import { shouldBehaveLikeAStep, UNKNOWN_ID } from "./ConditionMatching.behavior";
import { fixtureComparisonKey } from "../helpers/comparisonKey";
import { fixtureKey, readFixture, type KnownAnswerFile } from "../paillier/helpers";
import { exportDgkPublicKey } from "../../src/dgk";
import { Level } from "../../src/permissions";
import { DEFAULT_SCHEMA } from "../../src/protocol/schema";
import { AuditAction, CheckMode, CheckState, GrantState, NodeType, RefusalReason } from "../../src/contractEnums";

const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;
const MIN_DURATION = 5 * MINUTE;
const MAX_DURATION = 30 * DAY;
/** The duration of the checks opened by {@link open} unless told otherwise. */
const DURATION = DAY;

const coder = ethers.AbiCoder.defaultAbiCoder();
const FORM = ethers.id("form");
const CHALLENGE = ethers.id("challenge");
const RESPONSE = ethers.id("response");
const ANSWER = ethers.id("answer");
const SALT = ethers.id("salt of the decision");
/** The bureau's comparison key as it registers it: the canonical JSON of the fixture DGK public key. */
const COMPARISON_KEY = ethers.toUtf8Bytes(JSON.stringify(exportDgkPublicKey(fixtureComparisonKey())));

/** The decision commitment: keccak256(abi.encode(checkId, approved, salt)). */
function decisionHash(checkId: string, approved: boolean, salt: string): string {
  return ethers.keccak256(coder.encode(["bytes32", "bool", "bytes32"], [checkId, approved, salt]));
}

/**
 * The fingerprint computed here, independently of the engine: SHA-256 of
 * `{"kty":"Paillier","n":"0x<minimal lowercase hex>"}`.
 */
function referenceFingerprint(n: bigint): string {
  return ethers.sha256(ethers.toUtf8Bytes(`{"kty":"Paillier","n":"0x${n.toString(16)}"}`));
}

/** An odd `bits`-bit number with the top bit set (not a Paillier modulus, but shaped like one). */
function oddNumber(bits: number): bigint {
  const chunk = BigInt(ethers.sha256(ethers.toUtf8Bytes(`modulus ${bits}`)));
  let n = 0n;
  while (n < 1n << BigInt(bits - 1)) n = (n << 256n) | chunk;
  n >>= BigInt(n.toString(2).length - bits);
  return n | (1n << BigInt(bits - 1)) | 1n;
}

describe("ConditionMatching", function () {
  /**
   * The members; the subject's blind-read grant to the bank (10 uses, a week); the bank's 2048-bit
   * key, the committed test key, registered.
   */
  async function fixture() {
    const f = await deployWithMembers();
    const expiry = BigInt(await time.latest()) + 7n * BigInt(DAY);
    await (await f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, expiry, 10)).wait();
    const key = fixtureKey(2048).publicKey;
    const modulus = ethers.toBeArray(key.n);
    await (await f.matching.connect(f.bank).registerKey(modulus)).wait();
    await (await f.matching.connect(f.bureau).registerComparisonKey(COMPARISON_KEY)).wait();
    return { ...f, expiry, key, modulus, fingerprint: key.fingerprint };
  }

  type Fixture = Awaited<ReturnType<typeof fixture>>;

  interface OpenOptions {
    readonly mode?: CheckMode;
    readonly duration?: number;
  }

  /** The bank opens a check of the subject at a known block time; returns its id and deadline. */
  async function open(f: Fixture, options: OpenOptions = {}) {
    const { mode = CheckMode.Decision, duration = DURATION } = options;
    const id = await f.matching.nextCheckId(f.bank.address);
    const at = (await time.latest()) + 1;
    await time.setNextBlockTimestamp(at);
    await (
      await f.matching
        .connect(f.bank)
        .openCheck(
          await f.matching.nextCheckId(f.bank.address),
          f.subject.address,
          f.bureau.address,
          f.fingerprint,
          mode,
          FORM,
          duration,
        )
    ).wait();
    return { id, deadline: BigInt(at + duration) };
  }

  /**
   * Takes the protocol's steps, with the right parties, from the check's current stage up to `until`
   * (a decision is recorded as approved under {@link SALT}).
   */
  async function advance(f: Fixture, id: string, until: CheckState): Promise<void> {
    const paper = Number((await f.matching.checkOf(id)).mode) === CheckMode.Paper;
    const steps: [CheckState, () => Promise<unknown>][] = [
      [CheckState.Challenged, () => f.matching.connect(f.bureau).postChallenge(id, CHALLENGE)],
      [CheckState.Responded, () => f.matching.connect(f.bank).postResponse(id, RESPONSE)],
      [CheckState.Answered, () => f.matching.connect(f.bureau).postAnswer(id, ANSWER)],
      [CheckState.Decided, () => f.matching.connect(f.bank).recordDecision(id, decisionHash(id, true, SALT))],
    ];
    const current = Number(await f.matching.state(id));
    for (const [stage, step] of steps) {
      if (paper && (stage === CheckState.Challenged || stage === CheckState.Responded)) continue;
      if (stage > current && stage <= until) await step();
    }
    expect(await f.matching.state(id)).to.equal(until);
  }

  /** The stored record of `id`, field by field, as a plain object (enums as numbers). */
  async function record(f: Pick<Fixture, "matching">, id: string) {
    const check = await f.matching.checkOf(id);
    return {
      bank: check.bank,
      deadline: check.deadline,
      mode: Number(check.mode),
      stage: Number(check.stage),
      subject: check.subject,
      bureau: check.bureau,
      grantId: check.grantId,
      keyFingerprint: check.keyFingerprint,
      formHash: check.formHash,
      answerHash: check.answerHash,
      decisionHash: check.decisionHash,
    };
  }

  /** The (checkId, hash) of every CheckChallenged and CheckResponded log of `id`. */
  async function loggedCommitments(f: Pick<Fixture, "matching">, id: string) {
    const challenged = await f.matching.queryFilter(f.matching.filters.CheckChallenged(id));
    const responded = await f.matching.queryFilter(f.matching.filters.CheckResponded(id));
    return {
      challenged: challenged.map((log) => [...log.args]),
      responded: responded.map((log) => [...log.args]),
    };
  }

  /** The last `count` entries of the subject's audit trail, as [actor, action, ref]. */
  async function lastAudit(f: Fixture, count: number): Promise<[string, number, string][]> {
    const length = await f.history.auditLength(f.subject.address);
    const [page] = await f.history.auditTrail(f.subject.address, length - BigInt(count), count);
    return page.map((e): [string, number, string] => [e.actor, Number(e.action), e.ref]);
  }

  describe("constants", function () {
    it("bounds check durations to [5 minutes, 30 days]", async function () {
      const f = await loadFixture(fixture);
      expect(await f.matching.MIN_DURATION()).to.equal(MIN_DURATION);
      expect(await f.matching.MAX_DURATION()).to.equal(MAX_DURATION);
    });
  });

  describe("constructor", function () {
    it("fixes the deployment to the default credit schema's hash", async function () {
      const f = await loadFixture(fixture);
      expect(await f.matching.schemaHash()).to.equal(DEFAULT_SCHEMA.hash);
    });

    it("fixes another schema's hash when given one", async function () {
      const f = await loadFixture(fixture);
      const hash = ethers.id("another schema");
      const factory = await ethers.getContractFactory("ConditionMatching");
      const other = await factory.deploy(f.classification, f.permissions, f.history, hash);
      expect(await other.schemaHash()).to.equal(hash);
    });

    it("reverts when the schema hash is zero", async function () {
      const f = await loadFixture(fixture);
      const factory = await ethers.getContractFactory("ConditionMatching");
      await expect(
        factory.deploy(f.classification, f.permissions, f.history, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(factory, "MatchingZeroSchemaHash");
    });
  });

  describe("registerComparisonKey", function () {
    it("registers the bureau's comparison key under the SHA-256 of its bytes, and replaces it", async function () {
      const f = await loadFixture(fixture);
      const fingerprint = ethers.sha256(COMPARISON_KEY);
      expect(fingerprint).to.equal(fixtureComparisonKey().publicKey.fingerprint);
      expect(await f.matching.comparisonKeyOf(f.bureau.address)).to.equal(fingerprint);
      const next = ethers.toUtf8Bytes(JSON.stringify(exportDgkPublicKey(fixtureComparisonKey(3072))));
      expect(await f.matching.connect(f.bureau).registerComparisonKey.staticCall(next)).to.equal(ethers.sha256(next));
      await expect(f.matching.connect(f.bureau).registerComparisonKey(next))
        .to.emit(f.matching, "ComparisonKeyRegistered")
        .withArgs(f.bureau.address, ethers.sha256(next), ethers.hexlify(next));
      expect(await f.matching.comparisonKeyOf(f.bureau.address)).to.equal(ethers.sha256(next));
    });

    it("refuses a caller that is not an active credit bureau", async function () {
      const f = await loadFixture(fixture);
      for (const caller of [f.bank, f.outsider, f.subject]) {
        await expect(f.matching.connect(caller).registerComparisonKey(COMPARISON_KEY))
          .to.be.revertedWithCustomError(f.matching, "MatchingNotBureau")
          .withArgs(caller.address);
      }
    });

    it("refuses an empty key and one longer than MAX_COMPARISON_KEY_BYTES", async function () {
      const f = await loadFixture(fixture);
      const max = Number(await f.matching.MAX_COMPARISON_KEY_BYTES());
      await expect(f.matching.connect(f.bureau).registerComparisonKey("0x"))
        .to.be.revertedWithCustomError(f.matching, "MatchingMalformedComparisonKey")
        .withArgs(0);
      await expect(f.matching.connect(f.bureau).registerComparisonKey(new Uint8Array(max + 1)))
        .to.be.revertedWithCustomError(f.matching, "MatchingMalformedComparisonKey")
        .withArgs(max + 1);
      await expect(f.matching.connect(f.bureau).registerComparisonKey(new Uint8Array(max).fill(1))).to.emit(
        f.matching,
        "ComparisonKeyRegistered",
      );
    });

    it("a decision-mode check needs the bureau's comparison key; a paper-mode check does not", async function () {
      const f = await loadFixture(fixture);
      const bureau = f.newVoter; // a second bureau, admitted by vote, that has registered no comparison key
      await admitByVote(f, bureau.address, NodeType.CreditBureau);
      const openAs = async (mode: CheckMode) =>
        f.matching
          .connect(f.bank)
          .openCheck(
            await f.matching.nextCheckId(f.bank.address),
            f.subject.address,
            bureau.address,
            f.fingerprint,
            mode,
            FORM,
            DURATION,
          );
      await expect(openAs(CheckMode.Decision))
        .to.be.revertedWithCustomError(f.matching, "MatchingNoComparisonKey")
        .withArgs(bureau.address);
      await expect(openAs(CheckMode.Paper)).to.emit(f.matching, "CheckRequested");
    });
  });

  describe("registerKey", function () {
    it("registered the fixture's 2048-bit key under the engine's fingerprint, logging the modulus", async function () {
      const f = await loadFixture(fixture);
      const kat = readFixture<KnownAnswerFile>("paillier-kat.json");
      expect(f.fingerprint).to.equal(kat.fingerprints["2048"]);
      expect(f.fingerprint).to.equal(referenceFingerprint(f.key.n));
      expect(f.modulus.length).to.equal(256);
      const logs = await f.matching.queryFilter(f.matching.filters.KeyRegistered(f.bank.address));
      expect(logs.map((log) => [...log.args])).to.deep.equal([
        [f.bank.address, f.fingerprint, 2048n, ethers.hexlify(f.modulus)],
      ]);
      expect(await f.matching.keyBits(f.bank.address, f.fingerprint)).to.equal(2048n);
    });

    it("registers the committed 3072-bit key under the engine's and the KAT file's fingerprint", async function () {
      const f = await loadFixture(fixture);
      const kat = readFixture<KnownAnswerFile>("paillier-kat.json");
      const { n, fingerprint } = fixtureKey(3072).publicKey;
      expect(fingerprint).to.equal(kat.fingerprints["3072"]);
      expect(fingerprint).to.equal(referenceFingerprint(n));
      const modulus = ethers.toBeArray(n);
      expect(modulus.length).to.equal(384);
      expect(await f.matching.connect(f.bank).registerKey.staticCall(modulus)).to.equal(fingerprint);
      await expect(f.matching.connect(f.bank).registerKey(modulus))
        .to.emit(f.matching, "KeyRegistered")
        .withArgs(f.bank.address, fingerprint, 3072, ethers.hexlify(modulus));
      expect(await f.matching.keyBits(f.bank.address, fingerprint)).to.equal(3072n);
    });

    it("accepts a 4096-bit modulus and fingerprints it as the reference does", async function () {
      const f = await loadFixture(fixture);
      const n = oddNumber(4096);
      const modulus = ethers.toBeArray(n);
      expect(modulus.length).to.equal(512);
      await expect(f.matching.connect(f.bank).registerKey(modulus))
        .to.emit(f.matching, "KeyRegistered")
        .withArgs(f.bank.address, referenceFingerprint(n), 4096, ethers.hexlify(modulus));
      expect(await f.matching.keyBits(f.bank.address, referenceFingerprint(n))).to.equal(4096n);
    });

    it("reverts when the caller is not an active credit access user", async function () {
      const f = await loadFixture(fixture);
      for (const caller of [f.outsider, f.subject, f.bureau, f.provider, f.voters[0]]) {
        await expect(f.matching.connect(caller).registerKey(f.modulus))
          .to.be.revertedWithCustomError(f.matching, "MatchingNotBank")
          .withArgs(caller.address);
      }
    });

    it("reverts once the bank has been removed from the consortium", async function () {
      const f = await loadFixture(fixture);
      await (await f.consensus.connect(f.voters[0]).proposeRemoval(f.bank.address)).wait();
      const proposal = await f.consensus.proposalCount();
      await (await f.consensus.connect(f.voters[0]).vote(proposal, true)).wait();
      await (await f.consensus.connect(f.voters[1]).vote(proposal, true)).wait();
      expect(await f.classification.isActiveAs(f.bank.address, NodeType.CreditAccessUser)).to.equal(false);
      await expect(f.matching.connect(f.bank).registerKey(f.modulus))
        .to.be.revertedWithCustomError(f.matching, "MatchingNotBank")
        .withArgs(f.bank.address);
    });

    it("reverts on a modulus of any size but 2048, 3072 or 4096 bits, with its exact bit length", async function () {
      const f = await loadFixture(fixture);
      for (const bits of [1024, 2040, 2047, 2049, 2056, 3071, 4097, 5000]) {
        await expect(f.matching.connect(f.bank).registerKey(ethers.toBeArray(oddNumber(bits))))
          .to.be.revertedWithCustomError(f.matching, "MatchingUnsupportedKeySize")
          .withArgs(bits);
      }
    });

    it("reverts on an empty or all-zero modulus as zero bits", async function () {
      const f = await loadFixture(fixture);
      for (const modulus of [new Uint8Array(0), new Uint8Array(1), new Uint8Array(256)]) {
        await expect(f.matching.connect(f.bank).registerKey(modulus))
          .to.be.revertedWithCustomError(f.matching, "MatchingUnsupportedKeySize")
          .withArgs(0);
      }
    });

    it("counts bits after leading zero bytes", async function () {
      const f = await loadFixture(fixture);
      // 256 bytes, but only 2040 significant bits: a size error, not a malformed one.
      const short = ethers.getBytes(ethers.concat(["0x00", ethers.toBeArray(oddNumber(2040))]));
      expect(short.length).to.equal(256);
      await expect(f.matching.connect(f.bank).registerKey(short))
        .to.be.revertedWithCustomError(f.matching, "MatchingUnsupportedKeySize")
        .withArgs(2040);
    });

    it("reverts on a leading zero byte before a 2048-bit modulus", async function () {
      const f = await loadFixture(fixture);
      for (const zeros of ["0x00", "0x0000"]) {
        const padded = ethers.concat([zeros, f.modulus]);
        await expect(f.matching.connect(f.bank).registerKey(padded)).to.be.revertedWithCustomError(
          f.matching,
          "MatchingMalformedKey",
        );
      }
    });

    it("reverts on an even modulus", async function () {
      const f = await loadFixture(fixture);
      for (const n of [f.key.n - 1n, f.key.n + 1n, oddNumber(3072) ^ 1n]) {
        await expect(f.matching.connect(f.bank).registerKey(ethers.toBeArray(n))).to.be.revertedWithCustomError(
          f.matching,
          "MatchingMalformedKey",
        );
      }
    });

    it("reverts when the same bank registers the same key again", async function () {
      const f = await loadFixture(fixture);
      await expect(f.matching.connect(f.bank).registerKey(f.modulus))
        .to.be.revertedWithCustomError(f.matching, "MatchingKeyAlreadyRegistered")
        .withArgs(f.bank.address, f.fingerprint);
      expect(await f.matching.keyBits(f.bank.address, f.fingerprint)).to.equal(2048n);
    });

    it("lets another bank register the same modulus, as its own key", async function () {
      const f = await loadFixture(fixture);
      await admitByVote(f, f.outsider.address, NodeType.CreditAccessUser);
      expect(await f.matching.connect(f.outsider).registerKey.staticCall(f.modulus)).to.equal(f.fingerprint);
      await expect(f.matching.connect(f.outsider).registerKey(f.modulus))
        .to.emit(f.matching, "KeyRegistered")
        .withArgs(f.outsider.address, f.fingerprint, 2048, ethers.hexlify(f.modulus));
      expect(await f.matching.keyBits(f.outsider.address, f.fingerprint)).to.equal(2048n);
      expect(await f.matching.keyBits(f.bank.address, f.fingerprint)).to.equal(2048n);
      // Each registration is its owner's alone: the second bank, too, may not register it twice.
      await expect(f.matching.connect(f.outsider).registerKey(f.modulus))
        .to.be.revertedWithCustomError(f.matching, "MatchingKeyAlreadyRegistered")
        .withArgs(f.outsider.address, f.fingerprint);
    });

    it("cannot be squatted: another bank registering a modulus first does not lock its owner out", async function () {
      const f = await loadFixture(fixture);
      const { n, fingerprint } = fixtureKey(3072).publicKey;
      const modulus = ethers.toBeArray(n);
      // A squatter, itself a credit access user, registers a modulus the bank has published but not yet registered.
      await admitByVote(f, f.outsider.address, NodeType.CreditAccessUser);
      await expect(f.matching.connect(f.outsider).registerKey(modulus))
        .to.emit(f.matching, "KeyRegistered")
        .withArgs(f.outsider.address, fingerprint, 3072, ethers.hexlify(modulus));
      // The squatter's registration is not the bank's: the bank cannot open a check under it ...
      expect(await f.matching.keyBits(f.bank.address, fingerprint)).to.equal(0n);
      await expect(
        f.matching
          .connect(f.bank)
          .openCheck(
            await f.matching.nextCheckId(f.bank.address),
            f.subject.address,
            f.bureau.address,
            fingerprint,
            CheckMode.Decision,
            FORM,
            DURATION,
          ),
      )
        .to.be.revertedWithCustomError(f.matching, "MatchingUnknownKey")
        .withArgs(f.bank.address, fingerprint);
      // ... but can still register the modulus as its own, and then use it.
      await expect(f.matching.connect(f.bank).registerKey(modulus))
        .to.emit(f.matching, "KeyRegistered")
        .withArgs(f.bank.address, fingerprint, 3072, ethers.hexlify(modulus));
      expect(await f.matching.keyBits(f.bank.address, fingerprint)).to.equal(3072n);
      expect(await f.matching.keyBits(f.outsider.address, fingerprint)).to.equal(3072n);
      const id = await f.matching.nextCheckId(f.bank.address);
      await expect(
        f.matching
          .connect(f.bank)
          .openCheck(
            await f.matching.nextCheckId(f.bank.address),
            f.subject.address,
            f.bureau.address,
            fingerprint,
            CheckMode.Decision,
            FORM,
            DURATION,
          ),
      )
        .to.emit(f.matching, "CheckRequested")
        .withArgs(
          id,
          f.bank.address,
          f.subject.address,
          f.bureau.address,
          CheckMode.Decision,
          fingerprint,
          await f.permissions.grantId(f.subject.address, f.bank.address),
          FORM,
          anyValue,
        );
      expect((await f.matching.checkOf(id)).keyFingerprint).to.equal(fingerprint);
      expect(await f.matching.state(id)).to.equal(CheckState.Requested);
    });
  });

  describe("keyBits", function () {
    it("is zero for an unknown fingerprint", async function () {
      const f = await loadFixture(fixture);
      for (const fingerprint of [fixtureKey(3072).publicKey.fingerprint, ethers.ZeroHash]) {
        expect(await f.matching.keyBits(f.bank.address, fingerprint)).to.equal(0n);
      }
    });

    it("is zero for an owner that has not registered the key, whoever else has", async function () {
      const f = await loadFixture(fixture);
      for (const owner of [f.outsider.address, f.bureau.address, f.subject.address, ethers.ZeroAddress]) {
        expect(await f.matching.keyBits(owner, f.fingerprint)).to.equal(0n);
      }
    });
  });

  describe("nextCheckId", function () {
    it("is keccak256(abi.encode(chainid, this, bank, checks opened)), per bank", async function () {
      const f = await loadFixture(fixture);
      const { chainId } = await ethers.provider.getNetwork();
      const matching = await f.matching.getAddress();
      const expected = (bank: string, count: number) =>
        ethers.keccak256(coder.encode(["uint256", "address", "address", "uint256"], [chainId, matching, bank, count]));
      expect(await f.matching.nextCheckId(f.bank.address)).to.equal(expected(f.bank.address, 0));
      expect(await f.matching.nextCheckId(f.outsider.address)).to.equal(expected(f.outsider.address, 0));
      await open(f);
      expect(await f.matching.nextCheckId(f.bank.address)).to.equal(expected(f.bank.address, 1));
    });
  });

  describe("openCheck", function () {
    it("refuses a check id other than nextCheckId, before spending a grant use", async function () {
      const f = await loadFixture(fixture);
      const stale = await f.matching.nextCheckId(f.bank.address);
      await open(f); // another check of the same bank takes that id first
      const expected = await f.matching.nextCheckId(f.bank.address);
      const usesBefore = (await f.permissions.grantOf(f.subject.address, f.bank.address)).uses;
      await expect(
        f.matching
          .connect(f.bank)
          .openCheck(stale, f.subject.address, f.bureau.address, f.fingerprint, CheckMode.Decision, FORM, DURATION),
      )
        .to.be.revertedWithCustomError(f.matching, "MatchingCheckIdMismatch")
        .withArgs(expected, stale);
      expect((await f.permissions.grantOf(f.subject.address, f.bank.address)).uses).to.equal(usesBefore);
    });

    it("opens a check under nextCheckId, consuming one use of the grant", async function () {
      const f = await loadFixture(fixture);
      const grantId = await f.permissions.grantId(f.subject.address, f.bank.address);
      const id = await f.matching.nextCheckId(f.bank.address);
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      const deadline = at + DURATION;
      await expect(
        f.matching
          .connect(f.bank)
          .openCheck(id, f.subject.address, f.bureau.address, f.fingerprint, CheckMode.Decision, FORM, DURATION),
      )
        .to.emit(f.matching, "CheckRequested")
        .withArgs(
          id,
          f.bank.address,
          f.subject.address,
          f.bureau.address,
          CheckMode.Decision,
          f.fingerprint,
          grantId,
          FORM,
          deadline,
        )
        .and.to.emit(f.permissions, "PermissionUsed")
        .withArgs(f.subject.address, f.bank.address, grantId, Level.BlindRead, 1, await f.matching.getAddress());

      expect(await record(f, id)).to.deep.equal({
        bank: f.bank.address,
        deadline: BigInt(deadline),
        mode: CheckMode.Decision,
        stage: CheckState.Requested,
        subject: f.subject.address,
        bureau: f.bureau.address,
        grantId,
        keyFingerprint: f.fingerprint,
        formHash: FORM,
        answerHash: ethers.ZeroHash,
        decisionHash: ethers.ZeroHash,
      });
      expect(await f.matching.state(id)).to.equal(CheckState.Requested);
      expect((await f.permissions.grantOf(f.subject.address, f.bank.address)).uses).to.equal(1);
    });

    it("stores the record's fields only: no challenge or response commitment", async function () {
      const f = await loadFixture(fixture);
      const fields = f.matching.interface.getFunction("checkOf").outputs[0].components?.map((c) => c.name);
      expect(fields).to.deep.equal([
        "bank",
        "deadline",
        "mode",
        "stage",
        "subject",
        "bureau",
        "grantId",
        "keyFingerprint",
        "formHash",
        "answerHash",
        "decisionHash",
      ]);
    });

    it("adds exactly one entry to the subject's trail: the check, by the bank (the grant's use is not audited twice)", async function () {
      const f = await loadFixture(fixture);
      const before = await f.history.auditLength(f.subject.address);
      const [last] = await lastAudit(f, 1);
      const { id } = await open(f);
      expect(await f.history.auditLength(f.subject.address)).to.equal(before + 1n);
      expect(await lastAudit(f, 2)).to.deep.equal([last, [f.bank.address, AuditAction.CheckRequested, id]]);
    });

    it("gives each check its own id and record", async function () {
      const f = await loadFixture(fixture);
      const first = await open(f);
      const second = await open(f, { mode: CheckMode.Paper });
      expect(second.id).not.to.equal(first.id);
      expect((await f.matching.checkOf(first.id)).mode).to.equal(CheckMode.Decision);
      expect((await f.matching.checkOf(second.id)).mode).to.equal(CheckMode.Paper);
      expect((await f.permissions.grantOf(f.subject.address, f.bank.address)).uses).to.equal(2);
    });

    it("reverts when the caller is not an active credit access user", async function () {
      const f = await loadFixture(fixture);
      for (const caller of [f.outsider, f.subject, f.bureau, f.provider]) {
        await expect(
          f.matching
            .connect(caller)
            .openCheck(
              await f.matching.nextCheckId(f.bank.address),
              f.subject.address,
              f.bureau.address,
              f.fingerprint,
              CheckMode.Decision,
              FORM,
              DURATION,
            ),
        )
          .to.be.revertedWithCustomError(f.matching, "MatchingNotBank")
          .withArgs(caller.address);
      }
    });

    it("reverts when the bureau is not an active credit bureau", async function () {
      const f = await loadFixture(fixture);
      for (const bureau of [f.outsider, f.bank, f.provider, f.subject]) {
        await expect(
          f.matching
            .connect(f.bank)
            .openCheck(
              await f.matching.nextCheckId(f.bank.address),
              f.subject.address,
              bureau.address,
              f.fingerprint,
              CheckMode.Decision,
              FORM,
              DURATION,
            ),
        )
          .to.be.revertedWithCustomError(f.matching, "MatchingNotBureau")
          .withArgs(bureau.address);
      }
    });

    it("reverts on a key that is unknown or registered by another bank", async function () {
      const f = await loadFixture(fixture);
      const other = fixtureKey(3072).publicKey;
      await admitByVote(f, f.outsider.address, NodeType.CreditAccessUser);
      await (await f.matching.connect(f.outsider).registerKey(ethers.toBeArray(other.n))).wait();
      for (const fingerprint of [ethers.ZeroHash, ethers.id("no such key"), other.fingerprint]) {
        await expect(
          f.matching
            .connect(f.bank)
            .openCheck(
              await f.matching.nextCheckId(f.bank.address),
              f.subject.address,
              f.bureau.address,
              fingerprint,
              CheckMode.Decision,
              FORM,
              DURATION,
            ),
        )
          .to.be.revertedWithCustomError(f.matching, "MatchingUnknownKey")
          .withArgs(f.bank.address, fingerprint);
      }
    });

    it("reverts on a zero form hash", async function () {
      const f = await loadFixture(fixture);
      await expect(
        f.matching
          .connect(f.bank)
          .openCheck(
            await f.matching.nextCheckId(f.bank.address),
            f.subject.address,
            f.bureau.address,
            f.fingerprint,
            CheckMode.Paper,
            ethers.ZeroHash,
            DURATION,
          ),
      ).to.be.revertedWithCustomError(f.matching, "MatchingZeroHash");
    });

    it("reverts on a duration outside [MIN_DURATION, MAX_DURATION]", async function () {
      const f = await loadFixture(fixture);
      for (const duration of [0, MIN_DURATION - 1, MAX_DURATION + 1, 2n ** 64n - 1n]) {
        await expect(
          f.matching
            .connect(f.bank)
            .openCheck(
              await f.matching.nextCheckId(f.bank.address),
              f.subject.address,
              f.bureau.address,
              f.fingerprint,
              CheckMode.Decision,
              FORM,
              duration,
            ),
        )
          .to.be.revertedWithCustomError(f.matching, "MatchingInvalidDuration")
          .withArgs(duration, MIN_DURATION, MAX_DURATION);
      }
    });

    it("accepts a duration of exactly MIN_DURATION or MAX_DURATION", async function () {
      const f = await loadFixture(fixture);
      for (const duration of [MIN_DURATION, MAX_DURATION]) {
        const { id, deadline } = await open(f, { duration });
        expect((await f.matching.checkOf(id)).deadline).to.equal(deadline);
        expect(await f.matching.state(id)).to.equal(CheckState.Requested);
      }
    });

    it("reverts when the subject is not an active credit subject, removed ones included (issue 11)", async function () {
      const f = await loadFixture(fixture);
      const attempt = async (subject: string) =>
        f.matching
          .connect(f.bank)
          .openCheck(
            await f.matching.nextCheckId(f.bank.address),
            subject,
            f.bureau.address,
            f.fingerprint,
            CheckMode.Decision,
            FORM,
            DURATION,
          );
      for (const subject of [f.outsider, f.provider]) {
        await expect(attempt(subject.address))
          .to.be.revertedWithCustomError(f.matching, "MatchingNotSubject")
          .withArgs(subject.address);
      }
      // The subject's grant to the bank is live, but the subject was removed by vote.
      await removeByVote(f, f.subject.address);
      await expect(attempt(f.subject.address))
        .to.be.revertedWithCustomError(f.matching, "MatchingNotSubject")
        .withArgs(f.subject.address);
    });

    it("reverts when the bank holds no grant from the subject", async function () {
      const f = await loadFixture(fixture);
      await f.classification.connect(f.outsider).registerSubject();
      for (const subject of [f.outsider]) {
        await expect(
          f.matching
            .connect(f.bank)
            .openCheck(
              await f.matching.nextCheckId(f.bank.address),
              subject.address,
              f.bureau.address,
              f.fingerprint,
              CheckMode.Decision,
              FORM,
              DURATION,
            ),
        )
          .to.be.revertedWithCustomError(f.permissions, "PermissionNoGrant")
          .withArgs(subject.address, f.bank.address);
      }
    });

    it("reverts when a single-use grant has served a check", async function () {
      const f = await loadFixture(fixture);
      await (await f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, f.expiry, 1)).wait();
      await open(f);
      const nextId = await f.matching.nextCheckId(f.bank.address);
      await expect(
        f.matching
          .connect(f.bank)
          .openCheck(
            await f.matching.nextCheckId(f.bank.address),
            f.subject.address,
            f.bureau.address,
            f.fingerprint,
            CheckMode.Decision,
            FORM,
            DURATION,
          ),
      )
        .to.be.revertedWithCustomError(f.permissions, "PermissionGrantExhausted")
        .withArgs(f.subject.address, f.bank.address, 1);
      // The failed attempt neither counted a check nor consumed anything.
      expect(await f.matching.nextCheckId(f.bank.address)).to.equal(nextId);
      expect((await f.permissions.grantOf(f.subject.address, f.bank.address)).uses).to.equal(1);
    });

    it("reverts when the grant has expired", async function () {
      const f = await loadFixture(fixture);
      await time.increaseTo(f.expiry + 1n);
      await expect(
        f.matching
          .connect(f.bank)
          .openCheck(
            await f.matching.nextCheckId(f.bank.address),
            f.subject.address,
            f.bureau.address,
            f.fingerprint,
            CheckMode.Decision,
            FORM,
            DURATION,
          ),
      )
        .to.be.revertedWithCustomError(f.permissions, "PermissionGrantExpired")
        .withArgs(f.subject.address, f.bank.address, f.expiry);
    });

    it("reverts when the subject has revoked the grant", async function () {
      const f = await loadFixture(fixture);
      await (await f.permissions.connect(f.subject).revoke(f.bank.address)).wait();
      await expect(
        f.matching
          .connect(f.bank)
          .openCheck(
            await f.matching.nextCheckId(f.bank.address),
            f.subject.address,
            f.bureau.address,
            f.fingerprint,
            CheckMode.Decision,
            FORM,
            DURATION,
          ),
      )
        .to.be.revertedWithCustomError(f.permissions, "PermissionNoGrant")
        .withArgs(f.subject.address, f.bank.address);
    });
  });

  describe("revocation to the last step (issue 11)", function () {
    // A revoked grant stops each step before the answer: see each step's "as a step of a check" suite.
    it("refuses a step before the answer once the subject changed the grant (narrowed it), naming the new grant's state", async function () {
      const f = await loadFixture(fixture);
      const { id } = await open(f);
      await advance(f, id, CheckState.Challenged);
      const grantId = (await f.matching.checkOf(id)).grantId;
      await f.permissions
        .connect(f.subject)
        .setPermission(f.bank.address, Level.BlindRead, BigInt(await time.latest()) + 3600n, 1);
      await expect(f.matching.connect(f.bank).postResponse(id, RESPONSE))
        .to.be.revertedWithCustomError(f.matching, "MatchingGrantWithdrawn")
        .withArgs(id, grantId, GrantState.Active);
    });

    it("lets the check finish when the grant merely expired or was used up after it opened", async function () {
      const f = await loadFixture(fixture);
      const expiry = BigInt(await time.latest()) + 600n;
      await f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, expiry, 1);
      const { id } = await open(f);
      expect(await f.permissions.grantState(f.subject.address, f.bank.address)).to.equal(GrantState.Exhausted);
      await time.increaseTo(expiry + 1n);
      expect(await f.permissions.grantState(f.subject.address, f.bank.address)).to.equal(GrantState.Expired);
      await advance(f, id, CheckState.Decided);
    });
  });

  describe("refuseCheck", function () {
    it("ends the check as Refused from Requested, Challenged or Responded, with its reason and an audit entry", async function () {
      const f = await loadFixture(fixture);
      const stages = [CheckState.Requested, CheckState.Challenged, CheckState.Responded];
      const reasons = [RefusalReason.NoData, RefusalReason.TamperedData, RefusalReason.InvalidMessage];
      for (const [i, stage] of stages.entries()) {
        const { id, deadline } = await open(f);
        await advance(f, id, stage);
        const uses = (await f.permissions.grantOf(f.subject.address, f.bank.address)).uses;
        await expect(f.matching.connect(f.bureau).refuseCheck(id, reasons[i]))
          .to.emit(f.matching, "CheckRefused")
          .withArgs(id, reasons[i]);
        expect(await f.matching.state(id)).to.equal(CheckState.Refused);
        expect(await lastAudit(f, 1)).to.deep.equal([[f.bureau.address, AuditAction.CheckRefused, id]]);
        // The grant use is not given back.
        expect((await f.permissions.grantOf(f.subject.address, f.bank.address)).uses).to.equal(uses);
        // Refused is final: it stays after the deadline, and every step reverts.
        await time.increaseTo(deadline + 1n);
        expect(await f.matching.state(id)).to.equal(CheckState.Refused);
        await expect(f.matching.connect(f.bureau).postAnswer(id, ANSWER))
          .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
          .withArgs(id, CheckState.Refused, CheckState.Responded);
      }
    });

    it("lets the bureau refuse a check whose grant was revoked, and a removed bureau close its checks", async function () {
      const f = await loadFixture(fixture);
      const first = await open(f);
      const second = await open(f);
      await f.permissions.connect(f.subject).revoke(f.bank.address);
      await expect(f.matching.connect(f.bureau).refuseCheck(first.id, RefusalReason.GrantRevoked))
        .to.emit(f.matching, "CheckRefused")
        .withArgs(first.id, RefusalReason.GrantRevoked);
      await removeByVote(f, f.bureau.address);
      await expect(f.matching.connect(f.bureau).refuseCheck(second.id, RefusalReason.InvalidProof))
        .to.emit(f.matching, "CheckRefused")
        .withArgs(second.id, RefusalReason.InvalidProof);
    });

    it("reverts unless the check is Requested, Challenged or Responded", async function () {
      const f = await loadFixture(fixture);
      await expect(f.matching.connect(f.bureau).refuseCheck(UNKNOWN_ID, RefusalReason.NoData))
        .to.be.revertedWithCustomError(f.matching, "MatchingNotRefusable")
        .withArgs(UNKNOWN_ID, CheckState.None);
      for (const stage of [CheckState.Answered, CheckState.Decided]) {
        const { id } = await open(f, { mode: CheckMode.Paper });
        await advance(f, id, stage);
        await expect(f.matching.connect(f.bureau).refuseCheck(id, RefusalReason.NoData))
          .to.be.revertedWithCustomError(f.matching, "MatchingNotRefusable")
          .withArgs(id, stage);
      }
      const refused = await open(f);
      await f.matching.connect(f.bureau).refuseCheck(refused.id, RefusalReason.NoData);
      await expect(f.matching.connect(f.bureau).refuseCheck(refused.id, RefusalReason.NoData))
        .to.be.revertedWithCustomError(f.matching, "MatchingNotRefusable")
        .withArgs(refused.id, CheckState.Refused);
      const expired = await open(f);
      await time.increaseTo(expired.deadline + 1n);
      await expect(f.matching.connect(f.bureau).refuseCheck(expired.id, RefusalReason.NoData))
        .to.be.revertedWithCustomError(f.matching, "MatchingNotRefusable")
        .withArgs(expired.id, CheckState.Expired);
    });

    it("reverts on an unknown reason", async function () {
      const f = await loadFixture(fixture);
      const { id } = await open(f);
      for (const reason of [5, 255]) {
        await expect(f.matching.connect(f.bureau).refuseCheck(id, reason))
          .to.be.revertedWithCustomError(f.matching, "MatchingUnknownRefusalReason")
          .withArgs(reason);
      }
    });

    it("reverts when the caller is not the check's bureau", async function () {
      const f = await loadFixture(fixture);
      const { id } = await open(f);
      for (const caller of [f.bank, f.subject, f.outsider]) {
        await expect(f.matching.connect(caller).refuseCheck(id, RefusalReason.NoData))
          .to.be.revertedWithCustomError(f.matching, "MatchingWrongParty")
          .withArgs(id, caller.address, f.bureau.address);
      }
    });
  });

  describe("decision mode", function () {
    it("runs Requested → Challenged → Responded → Answered → Decided, with events, records and audit", async function () {
      const f = await loadFixture(fixture);
      const { id, deadline } = await open(f);

      await expect(f.matching.connect(f.bureau).postChallenge(id, CHALLENGE))
        .to.emit(f.matching, "CheckChallenged")
        .withArgs(id, CHALLENGE);
      expect(await f.matching.state(id)).to.equal(CheckState.Challenged);

      await expect(f.matching.connect(f.bank).postResponse(id, RESPONSE))
        .to.emit(f.matching, "CheckResponded")
        .withArgs(id, RESPONSE);
      expect(await f.matching.state(id)).to.equal(CheckState.Responded);

      await expect(f.matching.connect(f.bureau).postAnswer(id, ANSWER))
        .to.emit(f.matching, "CheckAnswered")
        .withArgs(id, ANSWER);
      expect(await f.matching.state(id)).to.equal(CheckState.Answered);
      expect((await f.matching.checkOf(id)).answerHash).to.equal(ANSWER);
      expect(await lastAudit(f, 1)).to.deep.equal([[f.bureau.address, AuditAction.CheckAnswered, id]]);

      const decision = decisionHash(id, true, SALT);
      await expect(f.matching.connect(f.bank).recordDecision(id, decision))
        .to.emit(f.matching, "CheckDecided")
        .withArgs(id, decision);
      expect(await f.matching.state(id)).to.equal(CheckState.Decided);
      // The challenge and response commitments live in the logs only; the record holds the rest.
      expect(await loggedCommitments(f, id)).to.deep.equal({
        challenged: [[id, CHALLENGE]],
        responded: [[id, RESPONSE]],
      });
      expect(await record(f, id)).to.deep.equal({
        bank: f.bank.address,
        deadline,
        mode: CheckMode.Decision,
        stage: CheckState.Decided,
        subject: f.subject.address,
        bureau: f.bureau.address,
        grantId: await f.permissions.grantId(f.subject.address, f.bank.address),
        keyFingerprint: f.fingerprint,
        formHash: FORM,
        answerHash: ANSWER,
        decisionHash: decision,
      });
      expect(await lastAudit(f, 3)).to.deep.equal([
        [f.bank.address, AuditAction.CheckRequested, id],
        [f.bureau.address, AuditAction.CheckAnswered, id],
        [f.bank.address, AuditAction.CheckDecided, id],
      ]);
    });

    it("logs each check's challenge and response under its own id only", async function () {
      const f = await loadFixture(fixture);
      const first = await open(f);
      const second = await open(f);
      await advance(f, first.id, CheckState.Responded);
      expect(await loggedCommitments(f, second.id)).to.deep.equal({ challenged: [], responded: [] });
      const challenge = ethers.id("second challenge");
      const response = ethers.id("second response");
      await (await f.matching.connect(f.bureau).postChallenge(second.id, challenge)).wait();
      await (await f.matching.connect(f.bank).postResponse(second.id, response)).wait();
      expect(await loggedCommitments(f, first.id)).to.deep.equal({
        challenged: [[first.id, CHALLENGE]],
        responded: [[first.id, RESPONSE]],
      });
      expect(await loggedCommitments(f, second.id)).to.deep.equal({
        challenged: [[second.id, challenge]],
        responded: [[second.id, response]],
      });
    });

    it("audits nothing on the challenge and the response", async function () {
      const f = await loadFixture(fixture);
      const { id } = await open(f);
      const before = await f.history.auditLength(f.subject.address);
      await advance(f, id, CheckState.Responded);
      expect(await f.history.auditLength(f.subject.address)).to.equal(before);
    });
  });

  describe("paper mode", function () {
    it("runs Requested → Answered → Decided, with events and audit", async function () {
      const f = await loadFixture(fixture);
      const { id, deadline } = await open(f, { mode: CheckMode.Paper });

      await expect(f.matching.connect(f.bureau).postAnswer(id, ANSWER))
        .to.emit(f.matching, "CheckAnswered")
        .withArgs(id, ANSWER);
      expect(await f.matching.state(id)).to.equal(CheckState.Answered);

      const decision = decisionHash(id, false, SALT);
      await expect(f.matching.connect(f.bank).recordDecision(id, decision))
        .to.emit(f.matching, "CheckDecided")
        .withArgs(id, decision);
      expect(await f.matching.state(id)).to.equal(CheckState.Decided);
      expect(await loggedCommitments(f, id)).to.deep.equal({ challenged: [], responded: [] });
      expect(await record(f, id)).to.deep.equal({
        bank: f.bank.address,
        deadline,
        mode: CheckMode.Paper,
        stage: CheckState.Decided,
        subject: f.subject.address,
        bureau: f.bureau.address,
        grantId: await f.permissions.grantId(f.subject.address, f.bank.address),
        keyFingerprint: f.fingerprint,
        formHash: FORM,
        answerHash: ANSWER,
        decisionHash: decision,
      });
      expect(await lastAudit(f, 3)).to.deep.equal([
        [f.bank.address, AuditAction.CheckRequested, id],
        [f.bureau.address, AuditAction.CheckAnswered, id],
        [f.bank.address, AuditAction.CheckDecided, id],
      ]);
    });
  });

  /** How the shared step suites open and advance checks. */
  const driver = { fixture, open, advance };

  describe("postChallenge", function () {
    shouldBehaveLikeAStep(driver, {
      party: "bureau",
      modes: [
        {
          mode: CheckMode.Decision,
          stage: CheckState.Requested,
          wrongStages: [CheckState.Challenged, CheckState.Responded, CheckState.Answered, CheckState.Decided],
        },
      ],
      stopsOnRevocation: true,
      commitment: () => CHALLENGE,
      send: (f, caller, id, hash) => f.matching.connect(caller).postChallenge(id, hash),
    });

    it("reverts on a paper-mode check", async function () {
      const f = await loadFixture(fixture);
      const { id } = await open(f, { mode: CheckMode.Paper });
      await expect(f.matching.connect(f.bureau).postChallenge(id, CHALLENGE))
        .to.be.revertedWithCustomError(f.matching, "MatchingWrongMode")
        .withArgs(id, CheckMode.Paper);
    });

    it("checks the state, then the mode, then the commitment, then the caller", async function () {
      const f = await loadFixture(fixture);
      const paper = await open(f, { mode: CheckMode.Paper });
      // Every check fails for a wrong caller with a zero hash on a paper-mode check: the mode is reported ...
      await expect(f.matching.connect(f.outsider).postChallenge(paper.id, ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.matching, "MatchingWrongMode")
        .withArgs(paper.id, CheckMode.Paper);
      // ... unless the state is wrong too: an expired one, or an unknown check.
      await time.increaseTo(paper.deadline + 1n);
      await expect(f.matching.connect(f.outsider).postChallenge(paper.id, ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
        .withArgs(paper.id, CheckState.Expired, CheckState.Requested);
      await expect(f.matching.connect(f.outsider).postChallenge(UNKNOWN_ID, ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
        .withArgs(UNKNOWN_ID, CheckState.None, CheckState.Requested);
      // On the right mode, the zero hash comes before the caller.
      const decision = await open(f);
      await expect(
        f.matching.connect(f.outsider).postChallenge(decision.id, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.matching, "MatchingZeroHash");
      await expect(f.matching.connect(f.outsider).postChallenge(decision.id, CHALLENGE))
        .to.be.revertedWithCustomError(f.matching, "MatchingWrongParty")
        .withArgs(decision.id, f.outsider.address, f.bureau.address);
    });
  });

  describe("postResponse", function () {
    shouldBehaveLikeAStep(driver, {
      party: "bank",
      modes: [
        {
          mode: CheckMode.Decision,
          stage: CheckState.Challenged,
          wrongStages: [CheckState.Requested, CheckState.Responded, CheckState.Answered, CheckState.Decided],
        },
      ],
      stopsOnRevocation: true,
      commitment: () => RESPONSE,
      send: (f, caller, id, hash) => f.matching.connect(caller).postResponse(id, hash),
    });

    it("reports the state, not the mode, on a paper-mode check (which is never Challenged)", async function () {
      const f = await loadFixture(fixture);
      const { id } = await open(f, { mode: CheckMode.Paper });
      await expect(f.matching.connect(f.bank).postResponse(id, RESPONSE))
        .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
        .withArgs(id, CheckState.Requested, CheckState.Challenged);
      for (const until of [CheckState.Requested, CheckState.Answered]) {
        await advance(f, id, until);
        await expect(f.matching.connect(f.outsider).postResponse(id, ethers.ZeroHash))
          .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
          .withArgs(id, until, CheckState.Challenged);
      }
    });
  });

  describe("postAnswer", function () {
    shouldBehaveLikeAStep(driver, {
      party: "bureau",
      modes: [
        {
          mode: CheckMode.Decision,
          stage: CheckState.Responded,
          wrongStages: [CheckState.Requested, CheckState.Challenged, CheckState.Answered, CheckState.Decided],
        },
        { mode: CheckMode.Paper, stage: CheckState.Requested, wrongStages: [CheckState.Answered, CheckState.Decided] },
      ],
      stopsOnRevocation: true,
      commitment: () => ANSWER,
      send: (f, caller, id, hash) => f.matching.connect(caller).postAnswer(id, hash),
    });
  });

  describe("recordDecision", function () {
    shouldBehaveLikeAStep(driver, {
      party: "bank",
      modes: [
        {
          mode: CheckMode.Decision,
          stage: CheckState.Answered,
          wrongStages: [CheckState.Requested, CheckState.Challenged, CheckState.Responded, CheckState.Decided],
        },
        { mode: CheckMode.Paper, stage: CheckState.Answered, wrongStages: [CheckState.Requested, CheckState.Decided] },
      ],
      stopsOnRevocation: false,
      commitment: (id) => decisionHash(id, true, SALT),
      send: (f, caller, id, hash) => f.matching.connect(caller).recordDecision(id, hash),
    });
  });

  describe("error order", function () {
    it("reports the state first, the mode only for a challenge on a paper-mode check, then the caller", async function () {
      const f = await loadFixture(fixture);
      const cases = [
        ...[
          CheckState.Requested,
          CheckState.Challenged,
          CheckState.Responded,
          CheckState.Answered,
          CheckState.Decided,
        ].map((stage) => ({ mode: CheckMode.Decision, stage })),
        ...[CheckState.Requested, CheckState.Answered, CheckState.Decided].map((stage) => ({
          mode: CheckMode.Paper,
          stage,
        })),
      ];
      for (const { mode, stage } of cases) {
        const { id } = await open(f, { mode });
        await advance(f, id, stage);
        const steps = [
          {
            name: "postChallenge",
            expected: CheckState.Requested,
            party: f.bureau,
            call: () => f.matching.connect(f.outsider).postChallenge(id, CHALLENGE),
          },
          {
            name: "postResponse",
            expected: CheckState.Challenged,
            party: f.bank,
            call: () => f.matching.connect(f.outsider).postResponse(id, RESPONSE),
          },
          {
            name: "postAnswer",
            expected: mode === CheckMode.Decision ? CheckState.Responded : CheckState.Requested,
            party: f.bureau,
            call: () => f.matching.connect(f.outsider).postAnswer(id, ANSWER),
          },
          {
            name: "recordDecision",
            expected: CheckState.Answered,
            party: f.bank,
            call: () => f.matching.connect(f.outsider).recordDecision(id, decisionHash(id, true, SALT)),
          },
        ];
        for (const { name, expected, party, call } of steps) {
          const what = `${name} on a ${CheckMode[mode]} check in ${CheckState[stage]}`;
          if (stage !== expected) {
            await expect(call(), what)
              .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
              .withArgs(id, stage, expected);
          } else if (name === "postChallenge" && mode === CheckMode.Paper) {
            await expect(call(), what)
              .to.be.revertedWithCustomError(f.matching, "MatchingWrongMode")
              .withArgs(id, mode);
          } else {
            await expect(call(), what)
              .to.be.revertedWithCustomError(f.matching, "MatchingWrongParty")
              .withArgs(id, f.outsider.address, party.address);
          }
        }
      }
    });
  });

  describe("deadline", function () {
    it("allows a step exactly at the deadline", async function () {
      const f = await loadFixture(fixture);
      const decision = await open(f, { duration: MIN_DURATION });
      await time.setNextBlockTimestamp(decision.deadline);
      await expect(f.matching.connect(f.bureau).postChallenge(decision.id, CHALLENGE))
        .to.emit(f.matching, "CheckChallenged")
        .withArgs(decision.id, CHALLENGE);
      expect(await f.matching.state(decision.id)).to.equal(CheckState.Challenged);

      const paper = await open(f, { mode: CheckMode.Paper, duration: MIN_DURATION });
      await time.setNextBlockTimestamp(paper.deadline);
      await expect(f.matching.connect(f.bureau).postAnswer(paper.id, ANSWER))
        .to.emit(f.matching, "CheckAnswered")
        .withArgs(paper.id, ANSWER);
      expect(await f.matching.state(paper.id)).to.equal(CheckState.Answered);
    });

    it("expires each open stage one second after the deadline, and every step then reverts", async function () {
      const f = await loadFixture(fixture);
      const cases = [
        { mode: CheckMode.Decision, stage: CheckState.Requested },
        { mode: CheckMode.Decision, stage: CheckState.Challenged },
        { mode: CheckMode.Decision, stage: CheckState.Responded },
        { mode: CheckMode.Decision, stage: CheckState.Answered },
        { mode: CheckMode.Paper, stage: CheckState.Requested },
        { mode: CheckMode.Paper, stage: CheckState.Answered },
      ];
      for (const { mode, stage } of cases) {
        await loadFixture(fixture);
        const { id, deadline } = await open(f, { mode });
        await advance(f, id, stage);
        await time.increaseTo(deadline);
        expect(await f.matching.state(id)).to.equal(stage);
        await time.increaseTo(deadline + 1n);
        expect(await f.matching.state(id)).to.equal(CheckState.Expired);
        expect(Number((await f.matching.checkOf(id)).stage)).to.equal(stage);

        await expect(f.matching.connect(f.bureau).postChallenge(id, CHALLENGE))
          .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
          .withArgs(id, CheckState.Expired, CheckState.Requested);
        await expect(f.matching.connect(f.bank).postResponse(id, RESPONSE))
          .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
          .withArgs(id, CheckState.Expired, CheckState.Challenged);
        await expect(f.matching.connect(f.bureau).postAnswer(id, ANSWER))
          .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
          .withArgs(id, CheckState.Expired, mode === CheckMode.Decision ? CheckState.Responded : CheckState.Requested);
        await expect(f.matching.connect(f.bank).recordDecision(id, decisionHash(id, true, SALT)))
          .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
          .withArgs(id, CheckState.Expired, CheckState.Answered);
      }
    });

    it("keeps a decided check Decided, and verifiable, after its deadline", async function () {
      const f = await loadFixture(fixture);
      const { id, deadline } = await open(f, { mode: CheckMode.Paper, duration: MIN_DURATION });
      await advance(f, id, CheckState.Answered);
      await time.setNextBlockTimestamp(deadline);
      await (await f.matching.connect(f.bank).recordDecision(id, decisionHash(id, true, SALT))).wait();
      await time.increaseTo(deadline + BigInt(MAX_DURATION));
      expect(await f.matching.state(id)).to.equal(CheckState.Decided);
      expect(await f.matching.verifyDecision(id, true, SALT)).to.equal(true);
    });
  });

  describe("verifyDecision", function () {
    it("opens the decision with the right (approved, salt) only", async function () {
      const f = await loadFixture(fixture);
      for (const approved of [true, false]) {
        const { id } = await open(f, { mode: CheckMode.Paper });
        await advance(f, id, CheckState.Answered);
        await (await f.matching.connect(f.bank).recordDecision(id, decisionHash(id, approved, SALT))).wait();
        expect(await f.matching.verifyDecision(id, approved, SALT)).to.equal(true);
        expect(await f.matching.verifyDecision(id, !approved, SALT)).to.equal(false);
        expect(await f.matching.verifyDecision(id, approved, ethers.id("another salt"))).to.equal(false);
        expect(await f.matching.verifyDecision(UNKNOWN_ID, approved, SALT)).to.equal(false);
      }
    });

    it("is false for a check that is not decided, whatever is asked", async function () {
      const f = await loadFixture(fixture);
      const { id } = await open(f);
      for (const until of [CheckState.Requested, CheckState.Answered]) {
        await advance(f, id, until);
        for (const approved of [true, false]) {
          expect(await f.matching.verifyDecision(id, approved, SALT)).to.equal(false);
          expect(await f.matching.verifyDecision(id, approved, ethers.ZeroHash)).to.equal(false);
        }
      }
    });
  });

  describe("state and checkOf", function () {
    it("are None and all zero for an unknown check", async function () {
      const f = await loadFixture(fixture);
      expect(await f.matching.state(UNKNOWN_ID)).to.equal(CheckState.None);
      const check = await f.matching.checkOf(UNKNOWN_ID);
      expect([check.bank, check.deadline, check.stage, check.grantId, check.formHash]).to.deep.equal([
        ethers.ZeroAddress,
        0n,
        0n,
        ethers.ZeroHash,
        ethers.ZeroHash,
      ]);
    });
  });
});
