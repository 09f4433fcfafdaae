/**
 * Property test against the real contracts on the in-process EVM, over random sequences of
 * grants, revocations, uses, removals and readmissions by vote, signed consents and time jumps:
 *
 *   an access is allowed  ⇔  a live (not expired), unrevoked, unexhausted grant of the right level
 *                            is held by an active node whose type may hold that level, from an
 *                            active subject;
 *   a signed consent is accepted  ⇔  the subject changed nothing since it was signed (and its terms
 *                                    are valid now).
 *
 * A plain model predicts every outcome (success or the exact custom error); `hasPermission` and
 * `grantState` are checked for every grantee and level after every step.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { admitByVote, deployWithMembers, grantRoleByVote, outcome, removeByVote } from "../helpers/suite";
import { Level } from "../../src/permissions";
import { GrantState, NodeType } from "../../src/contractEnums";
import { signConsent, type Consent } from "../../src/clients/consent";

const GAS = { gasLimit: 1_000_000 }; // sent without estimation, so every revert is mined at the model's time
const LEVELS = [Level.Read, Level.Ownership, Level.Write, Level.BlindRead];
/** The levels each node type may hold (PermissionSetting.allowedLevels). */
const ALLOWED: Record<number, number> = {
  [NodeType.CreditBureau]: Level.Write, // read and ownership: no one (nothing enforces them)
  [NodeType.InformationProvider]: Level.Write,
  [NodeType.CreditAccessUser]: Level.BlindRead,
};
const TYPES = [NodeType.CreditBureau, NodeType.InformationProvider, NodeType.CreditAccessUser];

type Command =
  | { kind: "set"; grantee: number; levelsPick: number; expiresIn: number; maxUses: number }
  | { kind: "revoke"; grantee: number }
  | { kind: "use"; grantee: number; level: number }
  | { kind: "wait"; seconds: number }
  | { kind: "remove"; grantee: number }
  | { kind: "readmit"; grantee: number; nodeType: number }
  | { kind: "removeSubject"; roll: number }
  | { kind: "sign"; grantee: number; levelsPick: number; expiresIn: number; maxUses: number }
  | { kind: "submit"; pick: number }
  | { kind: "invalidate" };

interface ModelGrant {
  levels: number;
  expiry: number;
  maxUses: number;
  uses: number;
}

interface ModelNode {
  active: boolean;
  nodeType: number;
}

interface SignedConsent {
  consent: Consent;
  signature: string;
  grantee: number;
  changesAtSigning: number; // the subject's changes to its grants when it signed
}

const terms = {
  grantee: fc.nat(2),
  levelsPick: fc.integer({ min: 1, max: 15 }),
  expiresIn: fc.constantFrom(1, 60, 3600),
  maxUses: fc.nat(3),
};

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("set" as const), ...terms }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("revoke" as const), grantee: fc.nat(2) }) },
  {
    weight: 8,
    // Read and Ownership are never grantable now: asked for rarely, so that enough accesses are allowed to test.
    arbitrary: fc.record({
      kind: fc.constant("use" as const),
      grantee: fc.nat(2),
      level: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(Level.Write, Level.BlindRead) },
        { weight: 1, arbitrary: fc.constantFrom(Level.Read, Level.Ownership) },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: fc.constantFrom(1, 30, 600, 4000) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("remove" as const), grantee: fc.nat(2) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("readmit" as const),
      grantee: fc.nat(2),
      nodeType: fc.constantFrom(...TYPES),
    }),
  },
  // Rare: the subject's removal ends every access, so most runs should keep it.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("removeSubject" as const), roll: fc.nat(9) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("sign" as const), ...terms }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("submit" as const), pick: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "invalidate" as const }) },
);

describe("PermissionSetting property", function () {
  async function fixture() {
    const f = await deployWithMembers();
    await grantRoleByVote(f, f.permissions, await f.permissions.CONSUMER_ROLE(), f.outsider.address);
    // The grantees, as admitted at the start: bank, provider, bureau.
    const grantees = [
      { signer: f.bank, nodeType: NodeType.CreditAccessUser },
      { signer: f.provider, nodeType: NodeType.InformationProvider },
      { signer: f.bureau, nodeType: NodeType.CreditBureau },
    ];
    return { ...f, grantees };
  }

  it("allows an access iff an active node of the right type holds a live grant of the right level from an active subject, and accepts a consent iff the subject changed nothing since signing", async function () {
    const seen = { allowed: 0, refused: 0, consentsAccepted: 0, consentsStale: 0, removed: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 10, maxLength: 40 }), async (commands) => {
        const f = await loadFixture(fixture);
        const model = new Map<number, ModelGrant>();
        const nodes: ModelNode[] = f.grantees.map((g) => ({ active: true, nodeType: g.nodeType }));
        let subjectActive = true;
        let changes = 0; // every change the subject made to its grants (its consents' only clock)
        const consents: SignedConsent[] = [];
        let now = await time.latest();
        const grantLive = (g: ModelGrant | undefined, level: number) =>
          g !== undefined && (g.levels & level) === level && now <= g.expiry && (g.maxUses === 0 || g.uses < g.maxUses);
        const live = (i: number, level: number) =>
          grantLive(model.get(i), level) &&
          subjectActive &&
          nodes[i].active &&
          (ALLOWED[nodes[i].nodeType] & level) === level;
        /** The outcome of setting a grant's terms, as `_set` decides it; applies it when "ok". */
        const set = (i: number, levels: number, expiry: number, maxUses: number): string => {
          if (!nodes[i].active) return "PermissionUnknownNode";
          if ((levels & ALLOWED[nodes[i].nodeType]) !== levels) return "PermissionLevelsNotAllowed";
          if (expiry <= now) return "PermissionExpiryInPast";
          const current = model.get(i);
          const same = current && current.levels === levels && current.expiry === expiry && current.maxUses === maxUses;
          const usedUp = current && current.maxUses !== 0 && current.uses >= current.maxUses;
          if (!same || usedUp) model.set(i, { levels, expiry, maxUses, uses: 0 }); // the same terms renew a used-up grant
          return "ok";
        };

        for (const c of commands) {
          if (c.kind === "wait") {
            now += c.seconds;
            continue;
          }
          if (c.kind === "remove" || c.kind === "readmit" || c.kind === "removeSubject") {
            // Consortium votes: several transactions; the model's clock follows the chain's.
            await time.setNextBlockTimestamp(now + 1);
            if (c.kind === "removeSubject") {
              if (subjectActive && c.roll === 0) {
                await removeByVote(f, f.subject.address);
                subjectActive = false;
              }
            } else if (c.kind === "remove" && nodes[c.grantee].active) {
              await removeByVote(f, f.grantees[c.grantee].signer.address);
              nodes[c.grantee].active = false;
              seen.removed++;
            } else if (c.kind === "readmit" && !nodes[c.grantee].active) {
              await admitByVote(f, f.grantees[c.grantee].signer.address, c.nodeType);
              nodes[c.grantee] = { active: true, nodeType: c.nodeType };
            }
            now = Math.max(now, await time.latest());
            continue;
          }
          if (c.kind === "sign") {
            // Terms the grantee's type allows now (they may be stale by the time it is submitted).
            const allowed = ALLOWED[nodes[c.grantee].nodeType];
            const levels = c.levelsPick & allowed || allowed;
            const signed = await signConsent(f.permissions, f.subject, {
              grantee: f.grantees[c.grantee].signer.address,
              levels,
              expiry: BigInt(now + 1 + c.expiresIn),
              maxUses: c.maxUses,
              deadline: BigInt(now + 100_000),
            });
            consents.push({ ...signed, grantee: c.grantee, changesAtSigning: changes });
            continue;
          }
          if (c.kind === "submit" && consents.length === 0) continue;
          now += 1;
          await time.setNextBlockTimestamp(now);
          let expected: string;
          let actual: string;
          if (c.kind === "submit") {
            const s = consents[c.pick % consents.length];
            const t = s.consent;
            if (!subjectActive) expected = "PermissionNotSubject";
            else if (changes !== s.changesAtSigning) expected = "InvalidAccountNonce";
            else expected = set(s.grantee, Number(t.levels), Number(t.expiry), Number(t.maxUses));
            if (expected === "ok") {
              changes++;
              seen.consentsAccepted++;
            }
            if (expected === "InvalidAccountNonce") seen.consentsStale++;
            actual = await outcome([f.permissions], () =>
              f.permissions.connect(f.bureau).setPermissionWithConsent(s.consent, s.signature, GAS),
            );
          } else if (c.kind === "invalidate") {
            expected = "ok";
            changes++;
            actual = await outcome([f.permissions], () => f.permissions.connect(f.subject).invalidateConsents(GAS));
          } else if (c.kind === "set") {
            const allowed = ALLOWED[nodes[c.grantee].nodeType];
            // A subset of what the grantee's type allows, never empty.
            const levels = c.levelsPick & allowed || allowed;
            expected = subjectActive ? set(c.grantee, levels, now + c.expiresIn, c.maxUses) : "PermissionNotSubject";
            if (expected === "ok") changes++;
            actual = await outcome([f.permissions], () =>
              f.permissions
                .connect(f.subject)
                .setPermission(f.grantees[c.grantee].signer.address, levels, now + c.expiresIn, c.maxUses, GAS),
            );
          } else if (c.kind === "revoke") {
            // A removed subject may still revoke.
            expected = model.has(c.grantee) ? "ok" : "PermissionNoGrant";
            if (expected === "ok") changes++;
            model.delete(c.grantee);
            actual = await outcome([f.permissions], () =>
              f.permissions.connect(f.subject).revoke(f.grantees[c.grantee].signer.address, GAS),
            );
          } else {
            const current = model.get(c.grantee);
            const node = nodes[c.grantee];
            if (!current) expected = "PermissionNoGrant";
            else if ((current.levels & c.level) !== c.level) expected = "PermissionMissingLevel";
            else if (now > current.expiry) expected = "PermissionGrantExpired";
            else if (current.maxUses !== 0 && current.uses >= current.maxUses) expected = "PermissionGrantExhausted";
            else if (!subjectActive) expected = "PermissionSubjectNotActive";
            else if (!node.active) expected = "PermissionUnknownNode";
            else if ((ALLOWED[node.nodeType] & c.level) !== c.level) expected = "PermissionLevelsNotAllowed";
            else {
              expected = "ok";
              current.uses += 1;
            }
            if (expected === "ok") seen.allowed++;
            else seen.refused++;
            actual = await outcome([f.permissions], () =>
              f.permissions
                .connect(f.outsider)
                .consume(f.subject.address, f.grantees[c.grantee].signer.address, c.level, GAS),
            );
          }
          expect(actual, `${JSON.stringify(c)} at ${now}`).to.equal(expected);

          // The views agree with the model for every grantee and level, at the block just mined.
          for (const [i, g] of f.grantees.entries()) {
            for (const level of LEVELS) {
              const view = await f.permissions.hasPermission(f.subject.address, g.signer.address, level, {
                blockTag: "latest",
              });
              expect(view, `grantee ${i}, level ${level}, at ${now}`).to.equal(live(i, level));
            }
            const grant = model.get(i);
            const state = Number(await f.permissions.grantState(f.subject.address, g.signer.address));
            if (grant === undefined) expect([GrantState.None, GrantState.Revoked]).to.include(state);
            else if (now > grant.expiry) expect(state).to.equal(GrantState.Expired);
            else if (grant.maxUses !== 0 && grant.uses >= grant.maxUses) expect(state).to.equal(GrantState.Exhausted);
            else expect(state).to.equal(GrantState.Active);
          }
        }
      }),
      { numRuns: 80 },
    );
    expect(seen.allowed, "accesses allowed").to.be.greaterThan(15);
    expect(seen.refused, "accesses refused").to.be.greaterThan(50);
    expect(seen.consentsAccepted, "consents accepted").to.be.greaterThan(5);
    expect(seen.consentsStale, "stale consents refused").to.be.greaterThan(5);
    expect(seen.removed, "grantees removed").to.be.greaterThan(5);
  });
});
