import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { admitByVote, deployWithMembers, grantRoleByVote, removeByVote } from "../helpers/suite";
import { Level, termsOf } from "../../src/permissions";
import { CONSENT_TYPES, consentDomain, signConsent } from "../../src/clients/consent";
import { AuditAction, GrantState, NodeType } from "../../src/contractEnums";

const DAY = 24 * 60 * 60;
/** secp256k1's group order: s and n − s both verify, only the low one is accepted. */
const SECP256K1_N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

describe("PermissionSetting", function () {
  async function fixture() {
    const f = await deployWithMembers();
    // A test account with the consumer role stands for the contracts that perform accesses.
    const consumer = f.outsider;
    await grantRoleByVote(f, f.permissions, await f.permissions.CONSUMER_ROLE(), consumer.address);
    const now = BigInt(await time.latest());
    return { ...f, consumer, expiry: now + 30n * BigInt(DAY), deadline: now + BigInt(DAY) };
  }

  /** The subject grants the bank blind-read, with `maxUses` uses, and returns the grant id. */
  async function grantBank(f: Awaited<ReturnType<typeof fixture>>, maxUses = 0) {
    await f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, f.expiry, maxUses);
    return f.permissions.grantId(f.subject.address, f.bank.address);
  }

  describe("requestPermission", function () {
    it("records the request and audits it on the subject's trail", async function () {
      const f = await loadFixture(fixture);
      await expect(f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 1))
        .to.emit(f.permissions, "PermissionRequested")
        .withArgs(f.subject.address, f.bank.address, Level.BlindRead, f.expiry, 1);
      const request = await f.permissions.requestOf(f.subject.address, f.bank.address);
      expect([request.levels, request.expiry, request.maxUses]).to.deep.equal([BigInt(Level.BlindRead), f.expiry, 1n]);
      const length = await f.history.auditLength(f.subject.address);
      const [[last]] = await f.history.auditTrail(f.subject.address, length - 1n, 1);
      expect([last.actor, Number(last.action)]).to.deep.equal([f.bank.address, AuditAction.PermissionRequested]);
    });

    it("reverts when the target is not a credit subject", async function () {
      const f = await loadFixture(fixture);
      await expect(f.permissions.connect(f.bank).requestPermission(f.bureau.address, Level.BlindRead, f.expiry, 1))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.bureau.address);
    });

    it("reverts when the requester is not a member", async function () {
      const f = await loadFixture(fixture);
      await expect(f.permissions.connect(f.newVoter).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 1))
        .to.be.revertedWithCustomError(f.permissions, "PermissionUnknownNode")
        .withArgs(f.newVoter.address);
    });

    it("reverts when a bank asks for more than blind-read", async function () {
      const f = await loadFixture(fixture);
      for (const levels of [Level.Read, Level.Write, Level.Ownership, Level.BlindRead | Level.Read]) {
        await expect(f.permissions.connect(f.bank).requestPermission(f.subject.address, levels, f.expiry, 1))
          .to.be.revertedWithCustomError(f.permissions, "PermissionLevelsNotAllowed")
          .withArgs(f.bank.address, NodeType.CreditAccessUser, levels, Level.BlindRead);
      }
    });

    it("reverts on unknown levels and on an expiry not in the future", async function () {
      const f = await loadFixture(fixture);
      for (const levels of [0, 16, 255]) {
        await expect(f.permissions.connect(f.bank).requestPermission(f.subject.address, levels, f.expiry, 1))
          .to.be.revertedWithCustomError(f.permissions, "PermissionUnknownLevels")
          .withArgs(levels);
      }
      const now = await time.latest();
      await time.setNextBlockTimestamp(now + 5);
      await expect(f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, now + 5, 1))
        .to.be.revertedWithCustomError(f.permissions, "PermissionExpiryInPast")
        .withArgs(now + 5, now + 5);
    });
  });

  describe("approveRequest", function () {
    it("grants exactly the terms it names and clears the request", async function () {
      const f = await loadFixture(fixture);
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 2);
      const terms = { levels: Level.BlindRead, expiry: f.expiry, maxUses: 2 };
      await expect(f.permissions.connect(f.subject).approveRequest(f.bank.address, terms))
        .to.emit(f.permissions, "PermissionSet")
        .withArgs(f.subject.address, f.bank.address, anyBytes32, Level.BlindRead, f.expiry, 2, f.subject.address);
      const grant = await f.permissions.grantOf(f.subject.address, f.bank.address);
      expect([grant.levels, grant.expiry, grant.maxUses, grant.uses]).to.deep.equal([8n, f.expiry, 2n, 0n]);
      expect((await f.permissions.requestOf(f.subject.address, f.bank.address)).levels).to.equal(0);
    });

    it("reverts when the requester changed its terms after the subject read them (issue 20)", async function () {
      const f = await loadFixture(fixture);
      const day = BigInt(await time.latest()) + BigInt(DAY);
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, day, 1);
      const seen = await f.permissions.requestOf(f.subject.address, f.bank.address);
      // Just before the approval lands, the bank swaps its 1-use, 1-day request for unlimited uses, no expiry.
      const forever = 2n ** 64n - 1n;
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, forever, 0);
      await expect(f.permissions.connect(f.subject).approveRequest(f.bank.address, termsOf(seen)))
        .to.be.revertedWithCustomError(f.permissions, "PermissionRequestChanged")
        .withArgs(f.subject.address, f.bank.address, Level.BlindRead, forever, 0);
      expect(await f.permissions.grantState(f.subject.address, f.bank.address)).to.equal(GrantState.None);
    });

    it("reverts on any term that differs: levels, expiry or uses", async function () {
      const f = await loadFixture(fixture);
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 1);
      const asked = { levels: Level.BlindRead, expiry: f.expiry, maxUses: 1 };
      for (const named of [
        { ...asked, levels: Level.Write },
        { ...asked, expiry: f.expiry - 1n },
        { ...asked, maxUses: 0 },
      ]) {
        await expect(f.permissions.connect(f.subject).approveRequest(f.bank.address, named))
          .to.be.revertedWithCustomError(f.permissions, "PermissionRequestChanged")
          .withArgs(f.subject.address, f.bank.address, Level.BlindRead, f.expiry, 1);
      }
    });

    it("reverts without a pending request, or for a non-subject", async function () {
      const f = await loadFixture(fixture);
      const terms = { levels: Level.BlindRead, expiry: f.expiry, maxUses: 1 };
      await expect(f.permissions.connect(f.subject).approveRequest(f.bank.address, terms))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNoRequest")
        .withArgs(f.subject.address, f.bank.address);
      await expect(f.permissions.connect(f.bank).approveRequest(f.bank.address, terms))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.bank.address);
    });
  });

  describe("declineRequest", function () {
    it("clears the pending request, tells the requester and audits it (issue 21)", async function () {
      const f = await loadFixture(fixture);
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 1);
      await expect(f.permissions.connect(f.subject).declineRequest(f.bank.address))
        .to.emit(f.permissions, "RequestDeclined")
        .withArgs(f.subject.address, f.bank.address);
      const request = await f.permissions.requestOf(f.subject.address, f.bank.address);
      expect([request.levels, request.expiry, request.maxUses]).to.deep.equal([0n, 0n, 0n]);
      expect(await f.permissions.grantState(f.subject.address, f.bank.address)).to.equal(GrantState.None);
      const length = await f.history.auditLength(f.subject.address);
      const [[last]] = await f.history.auditTrail(f.subject.address, length - 1n, 1);
      expect([last.actor, Number(last.action), BigInt(last.ref)]).to.deep.equal([
        f.bank.address,
        AuditAction.PermissionDeclined,
        BigInt(Level.BlindRead),
      ]);
    });

    it("leaves the grant and the signed consents as they were", async function () {
      const f = await loadFixture(fixture);
      const id = await grantBank(f, 1);
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 0);
      await f.permissions.connect(f.subject).declineRequest(f.bank.address);
      expect(await f.permissions.grantId(f.subject.address, f.bank.address)).to.equal(id);
      expect((await f.permissions.grantOf(f.subject.address, f.bank.address)).maxUses).to.equal(1);
      expect(await f.permissions.nonces(f.subject.address)).to.equal(1);
    });

    it("reverts without a pending request: none asked, or already declined and so not approvable", async function () {
      const f = await loadFixture(fixture);
      const decline = () => f.permissions.connect(f.subject).declineRequest(f.bank.address);
      await expect(decline())
        .to.be.revertedWithCustomError(f.permissions, "PermissionNoRequest")
        .withArgs(f.subject.address, f.bank.address);
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 1);
      await decline();
      await expect(decline())
        .to.be.revertedWithCustomError(f.permissions, "PermissionNoRequest")
        .withArgs(f.subject.address, f.bank.address);
      const asked = { levels: Level.BlindRead, expiry: f.expiry, maxUses: 1 };
      await expect(f.permissions.connect(f.subject).approveRequest(f.bank.address, asked))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNoRequest")
        .withArgs(f.subject.address, f.bank.address);
    });

    it("lets a subject removed by vote still decline, but no node that is not a subject", async function () {
      const f = await loadFixture(fixture);
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 1);
      await expect(f.permissions.connect(f.bank).declineRequest(f.subject.address))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.bank.address);
      await removeByVote(f, f.subject.address);
      await expect(f.permissions.connect(f.subject).declineRequest(f.bank.address))
        .to.emit(f.permissions, "RequestDeclined")
        .withArgs(f.subject.address, f.bank.address);
    });
  });

  describe("setPermission", function () {
    it("creates a grant, relates the nodes and audits it", async function () {
      const f = await loadFixture(fixture);
      const id = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(
          ["address", "address", "uint32"],
          [f.subject.address, f.bank.address, 1],
        ),
      );
      await expect(f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, f.expiry, 1))
        .to.emit(f.permissions, "PermissionSet")
        .withArgs(f.subject.address, f.bank.address, id, Level.BlindRead, f.expiry, 1, f.subject.address);
      expect(await f.permissions.grantId(f.subject.address, f.bank.address)).to.equal(id);
      expect(await f.permissions.hasPermission(f.subject.address, f.bank.address, Level.BlindRead)).to.equal(true);
      expect(await f.history.isRelated(f.subject.address, f.bank.address)).to.equal(true);
    });

    it("changes nothing when the grantee already has exactly these terms", async function () {
      const f = await loadFixture(fixture);
      const id = await grantBank(f, 3);
      await f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead);
      const auditBefore = await f.history.auditLength(f.subject.address);
      await expect(
        f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, f.expiry, 3),
      ).not.to.emit(f.permissions, "PermissionSet");
      expect(await f.permissions.grantId(f.subject.address, f.bank.address)).to.equal(id);
      expect((await f.permissions.grantOf(f.subject.address, f.bank.address)).uses).to.equal(1);
      expect(await f.history.auditLength(f.subject.address)).to.equal(auditBefore);
    });

    it("replaces different terms with a new grant id and a fresh use count", async function () {
      const f = await loadFixture(fixture);
      const first = await grantBank(f, 1);
      await f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead);
      await f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, f.expiry, 2);
      const grant = await f.permissions.grantOf(f.subject.address, f.bank.address);
      expect([grant.maxUses, grant.uses, grant.version]).to.deep.equal([2n, 0n, 2n]);
      expect(await f.permissions.grantId(f.subject.address, f.bank.address)).not.to.equal(first);
    });

    it("answers the grantee's pending request, on any terms (issue 21)", async function () {
      const f = await loadFixture(fixture);
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 5);
      await grantBank(f, 1);
      expect((await f.permissions.requestOf(f.subject.address, f.bank.address)).levels).to.equal(0);
    });

    it("reverts when a grantee extends its own grant", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f, 1);
      await expect(f.permissions.connect(f.bank).setPermission(f.bank.address, Level.BlindRead, f.expiry + 1n, 0))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.bank.address);
    });

    it("reverts when the bureau changes a grant without the subject's consent", async function () {
      const f = await loadFixture(fixture);
      await expect(f.permissions.connect(f.bureau).setPermission(f.bank.address, Level.BlindRead, f.expiry, 0))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.bureau.address);
    });

    it("reverts for a grantee that is not a member, or levels its type may not hold", async function () {
      const f = await loadFixture(fixture);
      await expect(f.permissions.connect(f.subject).setPermission(f.newVoter.address, Level.BlindRead, f.expiry, 0))
        .to.be.revertedWithCustomError(f.permissions, "PermissionUnknownNode")
        .withArgs(f.newVoter.address);
      await expect(f.permissions.connect(f.subject).setPermission(f.provider.address, Level.Read, f.expiry, 0))
        .to.be.revertedWithCustomError(f.permissions, "PermissionLevelsNotAllowed")
        .withArgs(f.provider.address, NodeType.InformationProvider, Level.Read, Level.Write);
    });

    it("reverts on an unknown level value in raw calldata", async function () {
      const f = await loadFixture(fixture);
      const to = await f.permissions.getAddress();
      for (const levels of [16, 0x80, 0xff]) {
        const data = f.permissions.interface.encodeFunctionData("setPermission", [f.bank.address, levels, f.expiry, 0]);
        await expect(f.subject.sendTransaction({ to, data }))
          .to.be.revertedWithCustomError(f.permissions, "PermissionUnknownLevels")
          .withArgs(levels);
      }
    });
  });

  describe("setPermissionWithConsent", function () {
    async function signed(f: Awaited<ReturnType<typeof fixture>>, overrides: { deadline?: bigint } = {}) {
      return signConsent(f.permissions, f.subject, {
        grantee: f.bank.address,
        levels: Level.BlindRead,
        expiry: f.expiry,
        maxUses: 1,
        deadline: overrides.deadline ?? f.deadline,
      });
    }

    it("sets the grant on a consent submitted by the bureau; the subject pays nothing", async function () {
      const f = await loadFixture(fixture);
      const { consent, signature } = await signed(f);
      const balance = await ethers.provider.getBalance(f.subject.address);
      await expect(f.permissions.connect(f.bureau).setPermissionWithConsent(consent, signature))
        .to.emit(f.permissions, "PermissionSet")
        .withArgs(f.subject.address, f.bank.address, anyBytes32, Level.BlindRead, f.expiry, 1, f.bureau.address);
      expect(await ethers.provider.getBalance(f.subject.address)).to.equal(balance);
      expect(await f.permissions.nonces(f.subject.address)).to.equal(1);
    });

    it("reverts on a replayed signature", async function () {
      const f = await loadFixture(fixture);
      const { consent, signature } = await signed(f);
      await f.permissions.connect(f.bureau).setPermissionWithConsent(consent, signature);
      await expect(f.permissions.connect(f.bank).setPermissionWithConsent(consent, signature))
        .to.be.revertedWithCustomError(f.permissions, "InvalidAccountNonce")
        .withArgs(f.subject.address, 1);
    });

    it("accepts a signature at its deadline and refuses it one second later", async function () {
      const f = await loadFixture(fixture);
      const first = await signed(f);
      await time.setNextBlockTimestamp(first.consent.deadline as bigint);
      await expect(f.permissions.connect(f.bureau).setPermissionWithConsent(first.consent, first.signature)).to.emit(
        f.permissions,
        "PermissionSet",
      );
      const deadline = BigInt(await time.latest()) + 100n;
      const late = await signConsent(f.permissions, f.subject, {
        grantee: f.bank.address,
        levels: Level.BlindRead,
        expiry: f.expiry,
        maxUses: 2,
        deadline,
      });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.permissions.connect(f.bureau).setPermissionWithConsent(late.consent, late.signature))
        .to.be.revertedWithCustomError(f.permissions, "PermissionConsentExpired")
        .withArgs(deadline, deadline + 1n);
    });

    it("reverts on a signature for another chain id or another deployment", async function () {
      const f = await loadFixture(fixture);
      const { consent } = await signed(f);
      const domain = await consentDomain(f.permissions);
      const otherChain = await f.subject.signTypedData({ ...domain, chainId: 1n }, CONSENT_TYPES, consent);
      const otherDeployment = await f.subject.signTypedData(
        { ...domain, verifyingContract: await f.history.getAddress() },
        CONSENT_TYPES,
        consent,
      );
      for (const signature of [otherChain, otherDeployment]) {
        await expect(f.permissions.connect(f.bureau).setPermissionWithConsent(consent, signature))
          .to.be.revertedWithCustomError(f.permissions, "PermissionInvalidSigner")
          .withArgs(f.subject.address, anyAddressBut(f.subject.address));
      }
    });

    it("reverts on a wrong signer", async function () {
      const f = await loadFixture(fixture);
      const { consent } = await signed(f);
      const forged = await f.bank.signTypedData(await consentDomain(f.permissions), CONSENT_TYPES, consent);
      await expect(f.permissions.connect(f.bank).setPermissionWithConsent(consent, forged))
        .to.be.revertedWithCustomError(f.permissions, "PermissionInvalidSigner")
        .withArgs(f.subject.address, f.bank.address);
    });

    it("reverts on a signature issued before a revocation and submitted after it", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f, 5);
      const { consent, signature } = await signed(f);
      await f.permissions.connect(f.subject).revoke(f.bank.address);
      await expect(f.permissions.connect(f.bureau).setPermissionWithConsent(consent, signature))
        .to.be.revertedWithCustomError(f.permissions, "InvalidAccountNonce")
        .withArgs(f.subject.address, 2);
    });

    it("reverts on a consent signed before the subject narrowed the grant (issue 11)", async function () {
      const f = await loadFixture(fixture);
      // The subject signs unlimited uses for a year and hands the consent to the bank…
      const year = BigInt(await time.latest()) + 365n * BigInt(DAY);
      const old = await signConsent(f.permissions, f.subject, {
        grantee: f.bank.address,
        levels: Level.BlindRead,
        expiry: year,
        maxUses: 0,
        deadline: f.deadline,
      });
      // …then narrows the grant itself to one use within an hour.
      const hour = BigInt(await time.latest()) + 3600n;
      await f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, hour, 1);
      await expect(f.permissions.connect(f.bank).setPermissionWithConsent(old.consent, old.signature))
        .to.be.revertedWithCustomError(f.permissions, "InvalidAccountNonce")
        .withArgs(f.subject.address, 1);
      const grant = await f.permissions.grantOf(f.subject.address, f.bank.address);
      expect([grant.expiry, grant.maxUses]).to.deep.equal([hour, 1n]);
    });

    it("reverts on a consent signed before the subject approved a request", async function () {
      const f = await loadFixture(fixture);
      const { consent, signature } = await signed(f);
      await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, f.expiry, 3);
      const terms = await f.permissions.requestOf(f.subject.address, f.bank.address);
      await f.permissions.connect(f.subject).approveRequest(f.bank.address, termsOf(terms));
      await expect(f.permissions.connect(f.bureau).setPermissionWithConsent(consent, signature))
        .to.be.revertedWithCustomError(f.permissions, "InvalidAccountNonce")
        .withArgs(f.subject.address, 1);
    });

    it("reverts on a consent signed before another consent of the subject was submitted", async function () {
      const f = await loadFixture(fixture);
      const first = await signed(f);
      const second = await signConsent(f.permissions, f.subject, {
        grantee: f.provider.address,
        levels: Level.Write,
        expiry: f.expiry,
        maxUses: 0,
        deadline: f.deadline,
      });
      await f.permissions.connect(f.bureau).setPermissionWithConsent(first.consent, first.signature);
      await expect(f.permissions.connect(f.bureau).setPermissionWithConsent(second.consent, second.signature))
        .to.be.revertedWithCustomError(f.permissions, "InvalidAccountNonce")
        .withArgs(f.subject.address, 1);
    });

    it("reverts on a high-s (malleable) signature", async function () {
      const f = await loadFixture(fixture);
      const { consent, signature } = await signed(f);
      const sig = ethers.Signature.from(signature);
      const highS = SECP256K1_N - BigInt(sig.s);
      const malleable = ethers.concat([sig.r, ethers.toBeHex(highS, 32), ethers.toBeHex(sig.v === 27 ? 28 : 27, 1)]);
      await expect(f.permissions.connect(f.bureau).setPermissionWithConsent(consent, malleable))
        .to.be.revertedWithCustomError(f.permissions, "ECDSAInvalidSignatureS")
        .withArgs(ethers.toBeHex(highS, 32));
    });

    it("reverts on a signature of the wrong length", async function () {
      const f = await loadFixture(fixture);
      const { consent, signature } = await signed(f);
      await expect(
        f.permissions.connect(f.bureau).setPermissionWithConsent(consent, ethers.dataSlice(signature, 0, 64)),
      )
        .to.be.revertedWithCustomError(f.permissions, "ECDSAInvalidSignatureLength")
        .withArgs(64);
    });

    it("reverts when the signer is not a credit subject", async function () {
      const f = await loadFixture(fixture);
      const consent = {
        subject: f.bank.address,
        grantee: f.provider.address,
        levels: Level.Write,
        expiry: f.expiry,
        maxUses: 0,
        nonce: 0,
        deadline: f.deadline,
      };
      const signature = await f.bank.signTypedData(await consentDomain(f.permissions), CONSENT_TYPES, consent);
      await expect(f.permissions.connect(f.bank).setPermissionWithConsent(consent, signature))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.bank.address);
    });

    it("signs the digest the contract computes", async function () {
      const f = await loadFixture(fixture);
      const { consent } = await signed(f);
      const expected = ethers.TypedDataEncoder.hash(await consentDomain(f.permissions), CONSENT_TYPES, consent);
      expect(await f.permissions.consentDigest(consent)).to.equal(expected);
    });
  });

  describe("revoke", function () {
    it("ends the grant at once and voids outstanding consents", async function () {
      const f = await loadFixture(fixture);
      const id = await grantBank(f);
      await expect(f.permissions.connect(f.subject).revoke(f.bank.address))
        .to.emit(f.permissions, "PermissionRevoked")
        .withArgs(f.subject.address, f.bank.address, id);
      expect(await f.permissions.hasPermission(f.subject.address, f.bank.address, Level.BlindRead)).to.equal(false);
      expect(await f.permissions.nonces(f.subject.address)).to.equal(2); // one for the grant, one for the revocation
      await expect(f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNoGrant")
        .withArgs(f.subject.address, f.bank.address);
    });

    it("reverts without a grant, and for a non-subject", async function () {
      const f = await loadFixture(fixture);
      await expect(f.permissions.connect(f.subject).revoke(f.bank.address))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNoGrant")
        .withArgs(f.subject.address, f.bank.address);
      await expect(f.permissions.connect(f.bank).revoke(f.subject.address))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.bank.address);
      await expect(f.permissions.connect(f.outsider).revoke(f.bank.address))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.outsider.address);
    });

    it("lets a subject removed by vote still revoke (issue 11), but not grant", async function () {
      const f = await loadFixture(fixture);
      const id = await grantBank(f);
      await removeByVote(f, f.subject.address);
      await expect(f.permissions.connect(f.subject).revoke(f.bank.address))
        .to.emit(f.permissions, "PermissionRevoked")
        .withArgs(f.subject.address, f.bank.address, id);
      await expect(f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, f.expiry, 0))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.subject.address);
    });

    it("reverts for a removed node that is not a subject", async function () {
      const f = await loadFixture(fixture);
      await removeByVote(f, f.bank.address);
      await expect(f.permissions.connect(f.bank).revoke(f.subject.address))
        .to.be.revertedWithCustomError(f.permissions, "PermissionNotSubject")
        .withArgs(f.bank.address);
    });
  });

  describe("invalidateConsents", function () {
    it("voids every outstanding consent without a grant, with an event (issue 11)", async function () {
      const f = await loadFixture(fixture);
      const { consent, signature } = await signConsent(f.permissions, f.subject, {
        grantee: f.bank.address,
        levels: Level.BlindRead,
        expiry: f.expiry,
        maxUses: 0,
        deadline: f.deadline,
      });
      // No grant exists, so revoke cannot help; invalidateConsents does.
      await expect(f.permissions.connect(f.subject).invalidateConsents())
        .to.emit(f.permissions, "ConsentsInvalidated")
        .withArgs(f.subject.address, 1);
      await expect(f.permissions.connect(f.bank).setPermissionWithConsent(consent, signature))
        .to.be.revertedWithCustomError(f.permissions, "InvalidAccountNonce")
        .withArgs(f.subject.address, 1);
      expect(await f.permissions.grantState(f.subject.address, f.bank.address)).to.equal(GrantState.None);
    });
  });

  describe("grantState", function () {
    it("derives None, Active, Exhausted, Expired and Revoked", async function () {
      const f = await loadFixture(fixture);
      const state = () => f.permissions.grantState(f.subject.address, f.bank.address);
      expect(await state()).to.equal(GrantState.None);
      await grantBank(f, 1);
      expect(await state()).to.equal(GrantState.Active);
      await f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead);
      expect(await state()).to.equal(GrantState.Exhausted);
      await grantBank(f, 0);
      await time.increaseTo(f.expiry + 1n);
      expect(await state()).to.equal(GrantState.Expired);
      await f.permissions.connect(f.subject).revoke(f.bank.address);
      expect(await state()).to.equal(GrantState.Revoked);
    });
  });

  describe("consume", function () {
    it("counts a use and emits it", async function () {
      const f = await loadFixture(fixture);
      const id = await grantBank(f, 2);
      await expect(f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead))
        .to.emit(f.permissions, "PermissionUsed")
        .withArgs(f.subject.address, f.bank.address, id, Level.BlindRead, 1, f.consumer.address);
    });

    it("leaves the audit entry to the consuming contract: one access, one entry", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f, 2);
      const before = await f.history.auditLength(f.subject.address);
      await f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead);
      expect(await f.history.auditLength(f.subject.address)).to.equal(before);
    });

    it("reverts for a caller without the consumer role", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f);
      await expect(f.permissions.connect(f.bank).consume(f.subject.address, f.bank.address, Level.BlindRead))
        .to.be.revertedWithCustomError(f.permissions, "PermissionUnauthorizedConsumer")
        .withArgs(f.bank.address);
    });

    it("is valid at the expiry and invalid one second later", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f);
      await time.setNextBlockTimestamp(f.expiry);
      await f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead);
      await time.setNextBlockTimestamp(f.expiry + 1n);
      await expect(f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead))
        .to.be.revertedWithCustomError(f.permissions, "PermissionGrantExpired")
        .withArgs(f.subject.address, f.bank.address, f.expiry);
    });

    it("refuses a second use of a single-use grant", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f, 1);
      await f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead);
      expect(await f.permissions.hasPermission(f.subject.address, f.bank.address, Level.BlindRead)).to.equal(false);
      await expect(f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead))
        .to.be.revertedWithCustomError(f.permissions, "PermissionGrantExhausted")
        .withArgs(f.subject.address, f.bank.address, 1);
    });

    it("refuses the grant of a subject removed by vote (issue 11)", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f);
      await removeByVote(f, f.subject.address);
      expect(await f.permissions.hasPermission(f.subject.address, f.bank.address, Level.BlindRead)).to.equal(false);
      await expect(f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead))
        .to.be.revertedWithCustomError(f.permissions, "PermissionSubjectNotActive")
        .withArgs(f.subject.address);
    });

    it("refuses the grant of a grantee removed by vote, and grants to it (issue 11)", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f);
      await removeByVote(f, f.bank.address);
      expect(await f.permissions.hasPermission(f.subject.address, f.bank.address, Level.BlindRead)).to.equal(false);
      await expect(f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead))
        .to.be.revertedWithCustomError(f.permissions, "PermissionUnknownNode")
        .withArgs(f.bank.address);
      await expect(f.permissions.connect(f.subject).setPermission(f.bank.address, Level.BlindRead, f.expiry, 1))
        .to.be.revertedWithCustomError(f.permissions, "PermissionUnknownNode")
        .withArgs(f.bank.address);
    });

    it("refuses a grant whose holder was readmitted as a type that may not hold its level", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f);
      await removeByVote(f, f.bank.address);
      await admitByVote(f, f.bank.address, NodeType.InformationProvider);
      expect(await f.permissions.hasPermission(f.subject.address, f.bank.address, Level.BlindRead)).to.equal(false);
      await expect(f.permissions.connect(f.consumer).consume(f.subject.address, f.bank.address, Level.BlindRead))
        .to.be.revertedWithCustomError(f.permissions, "PermissionLevelsNotAllowed")
        .withArgs(f.bank.address, NodeType.InformationProvider, Level.BlindRead, Level.Write);
    });

    it("refuses a read grant used for write or blind-read, and level zero", async function () {
      const f = await loadFixture(fixture);
      await f.permissions.connect(f.subject).setPermission(f.bureau.address, Level.Read, f.expiry, 0);
      for (const level of [Level.Write, Level.BlindRead, 0]) {
        await expect(f.permissions.connect(f.consumer).consume(f.subject.address, f.bureau.address, level))
          .to.be.revertedWithCustomError(f.permissions, "PermissionMissingLevel")
          .withArgs(f.subject.address, f.bureau.address, Level.Read, level);
      }
      expect(await f.permissions.hasPermission(f.subject.address, f.bureau.address, 0)).to.equal(false);
    });
  });

  describe("grantsOf", function () {
    it("lists every grantee with its current grant, by page", async function () {
      const f = await loadFixture(fixture);
      await grantBank(f, 1);
      await f.permissions.connect(f.subject).setPermission(f.provider.address, Level.Write, f.expiry, 0);
      await f.permissions.connect(f.subject).setPermission(f.bureau.address, Level.Read | Level.Ownership, f.expiry, 0);
      await f.permissions.connect(f.subject).revoke(f.provider.address);
      const [first, total] = await f.permissions.grantsOf(f.subject.address, 0, 2);
      const [rest] = await f.permissions.grantsOf(f.subject.address, 2, 2);
      expect(total).to.equal(3);
      expect([...first, ...rest].map((g) => [g.grantee, Number(g.grant.levels)])).to.deep.equal([
        [f.bank.address, Level.BlindRead],
        [f.provider.address, 0],
        [f.bureau.address, Level.Read | Level.Ownership],
      ]);
      const [past] = await f.permissions.grantsOf(f.subject.address, 9, 2);
      expect(past.length).to.equal(0);
      await expect(f.permissions.grantsOf(f.subject.address, 0, 0))
        .to.be.revertedWithCustomError(f.permissions, "PermissionInvalidPageSize")
        .withArgs(0, 100);
      await expect(f.permissions.grantsOf(f.subject.address, 0, 101))
        .to.be.revertedWithCustomError(f.permissions, "PermissionInvalidPageSize")
        .withArgs(101, 100);
    });
  });

  describe("allowedLevels", function () {
    it("gives a bank only blind-read, a provider only write, a subject nothing", async function () {
      const f = await loadFixture(fixture);
      expect(await f.permissions.allowedLevels(NodeType.CreditAccessUser)).to.equal(Level.BlindRead);
      expect(await f.permissions.allowedLevels(NodeType.InformationProvider)).to.equal(Level.Write);
      expect(await f.permissions.allowedLevels(NodeType.CreditBureau)).to.equal(
        Level.Read | Level.Ownership | Level.Write,
      );
      expect(await f.permissions.allowedLevels(NodeType.CreditSubject)).to.equal(0);
    });
  });
});

/** Matches any 32-byte hex value in a `withArgs` list. */
function anyBytes32(value: string): boolean {
  return ethers.isHexString(value, 32);
}

/** Matches any address other than `excluded`. */
function anyAddressBut(excluded: string) {
  return (value: string) => ethers.isAddress(value) && value !== excluded;
}
