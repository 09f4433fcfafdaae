/**
 * Paper flow 3.4, "credit information access user permission settings", end to end: the bank
 * asks, the subject goes history record → ownership record → permission record and grants
 * blind-read with an expiry and a use limit, then lists its grants, sees the access and revokes.
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithMembers, grantRoleByVote } from "../helpers/suite";
import { findPermissionRecord } from "../../src/clients/consent";
import { Level, termsOf } from "../../src/permissions";
import { AuditAction } from "../../src/contractEnums";

describe("Flow 3.4: granting a bank blind-read", function () {
  it("runs from the bank's request to the subject's grant, use, listing and revocation", async function () {
    const f = await loadFixture(deployWithMembers);
    const expiry = BigInt(await time.latest()) + 7n * 86_400n;

    // (1) The bank asks the subject for single-use blind-read.
    await f.permissions.connect(f.bank).requestPermission(f.subject.address, Level.BlindRead, expiry, 1);

    // (2)–(6) The subject finds its permission record through the history and ownership records.
    const { ownership, permissions } = await findPermissionRecord(f.history, f.subject.address, f.subject);
    expect(await ownership.getAddress()).to.equal(await f.ownership.getAddress());
    expect(await permissions.getAddress()).to.equal(await f.permissions.getAddress());

    // (7) It reads the request and grants it.
    const request = await permissions.requestOf(f.subject.address, f.bank.address);
    expect(Number(request.levels)).to.equal(Level.BlindRead);
    await permissions.approveRequest(f.bank.address, termsOf(request));
    expect(await permissions.hasPermission(f.subject.address, f.bank.address, Level.BlindRead)).to.equal(true);

    // Asking for exactly the same permission again changes nothing (paper: "no operation").
    const id = await permissions.grantId(f.subject.address, f.bank.address);
    await expect(permissions.setPermission(f.bank.address, Level.BlindRead, expiry, 1)).not.to.emit(
      permissions,
      "PermissionSet",
    );

    // A contract that performs the access uses the grant once; a second use fails.
    await grantRoleByVote(f, f.permissions, await f.permissions.CONSUMER_ROLE(), f.deployer.address);
    await f.permissions.connect(f.deployer).consume(f.subject.address, f.bank.address, Level.BlindRead);
    await expect(
      f.permissions.connect(f.deployer).consume(f.subject.address, f.bank.address, Level.BlindRead),
    ).to.be.revertedWithCustomError(f.permissions, "PermissionGrantExhausted");

    // The subject lists its grants and sees every access in its history.
    const [grants] = await permissions.grantsOf(f.subject.address, 0, 10);
    expect(grants.map((g) => [g.grantee, g.grantId, Number(g.grant.uses)])).to.deep.equal([[f.bank.address, id, 1]]);
    const [trail] = await f.history.auditTrail(f.subject.address, 0, 100);
    const bankEntries = trail.filter((e) => e.actor === f.bank.address).map((e) => Number(e.action));
    expect(bankEntries).to.deep.equal([AuditAction.PermissionRequested, AuditAction.PermissionGranted]);

    // And revokes at once.
    await permissions.revoke(f.bank.address);
    expect(await permissions.hasPermission(f.subject.address, f.bank.address, Level.BlindRead)).to.equal(false);
  });

  it("refuses to look up the permission record of a subject without an ownership record", async function () {
    const f = await loadFixture(deployWithMembers);
    let message = "";
    await findPermissionRecord(f.history, f.bank.address, f.bank).catch((e: Error) => (message = e.message));
    expect(message).to.match(/expected an ownership record for 0x[0-9a-fA-F]{40}, found none/);
  });
});
