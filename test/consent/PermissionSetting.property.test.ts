/**
 * Property test against the real contract on the in-process EVM, over random sequences of
 * grants, revocations, uses and time jumps:
 *
 *   an access is allowed  ⇔  a live (not expired), unrevoked, unexhausted grant of the right level exists.
 *
 * A plain model predicts every outcome (success or the exact custom error); `hasPermission` is
 * checked for every grantee and level after every step.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithMembers, outcome } from "../helpers/suite";
import { Level } from "../../src/permissions";

const GAS = { gasLimit: 1_000_000 }; // sent without estimation, so every revert is mined at the model's time
const LEVELS = [Level.Read, Level.Ownership, Level.Write, Level.BlindRead];

type Command =
  | { kind: "set"; grantee: number; levelsPick: number; expiresIn: number; maxUses: number }
  | { kind: "revoke"; grantee: number }
  | { kind: "use"; grantee: number; level: number }
  | { kind: "wait"; seconds: number };

interface ModelGrant {
  levels: number;
  expiry: number;
  maxUses: number;
  uses: number;
}

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("set" as const),
      grantee: fc.nat(2),
      levelsPick: fc.integer({ min: 1, max: 7 }),
      expiresIn: fc.constantFrom(1, 60, 3600),
      maxUses: fc.nat(3),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("revoke" as const), grantee: fc.nat(2) }) },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("use" as const), grantee: fc.nat(2), level: fc.constantFrom(...LEVELS) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: fc.constantFrom(1, 30, 600, 4000) }),
  },
);

describe("PermissionSetting property", function () {
  async function fixture() {
    const f = await deployWithMembers();
    await f.permissions.grantRole(await f.permissions.CONSUMER_ROLE(), f.outsider.address);
    // Grantees and the levels their node types may hold: bank, provider, bureau.
    const grantees = [
      { signer: f.bank, allowed: Level.BlindRead },
      { signer: f.provider, allowed: Level.Write },
      { signer: f.bureau, allowed: Level.Read | Level.Ownership | Level.Write },
    ];
    return { ...f, grantees };
  }

  it("allows an access iff a live, unrevoked, unexhausted grant of the right level exists", async function () {
    const seen = { allowed: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 10, maxLength: 40 }), async (commands) => {
        const f = await loadFixture(fixture);
        const model = new Map<number, ModelGrant>();
        let now = await time.latest();
        const live = (g: ModelGrant | undefined, level: number) =>
          g !== undefined && (g.levels & level) === level && now <= g.expiry && (g.maxUses === 0 || g.uses < g.maxUses);

        for (const c of commands) {
          if (c.kind === "wait") {
            now += c.seconds;
            continue;
          }
          now += 1;
          await time.setNextBlockTimestamp(now);
          const grantee = f.grantees[c.grantee];
          const current = model.get(c.grantee);
          let expected: string;
          let actual: string;
          if (c.kind === "set") {
            // A subset of what the grantee's type allows, never empty.
            const levels = c.levelsPick & grantee.allowed || grantee.allowed;
            const expiry = now + c.expiresIn;
            expected = "ok";
            const same =
              current && current.levels === levels && current.expiry === expiry && current.maxUses === c.maxUses;
            if (!same) model.set(c.grantee, { levels, expiry, maxUses: c.maxUses, uses: 0 });
            actual = await outcome([f.permissions], () =>
              f.permissions.connect(f.subject).setPermission(grantee.signer.address, levels, expiry, c.maxUses, GAS),
            );
          } else if (c.kind === "revoke") {
            expected = current ? "ok" : "PermissionNoGrant";
            model.delete(c.grantee);
            actual = await outcome([f.permissions], () =>
              f.permissions.connect(f.subject).revoke(grantee.signer.address, GAS),
            );
          } else {
            if (!current) expected = "PermissionNoGrant";
            else if ((current.levels & c.level) !== c.level) expected = "PermissionMissingLevel";
            else if (now > current.expiry) expected = "PermissionGrantExpired";
            else if (current.maxUses !== 0 && current.uses >= current.maxUses) expected = "PermissionGrantExhausted";
            else {
              expected = "ok";
              current.uses += 1;
            }
            if (expected === "ok") seen.allowed++;
            else seen.refused++;
            actual = await outcome([f.permissions], () =>
              f.permissions.connect(f.outsider).consume(f.subject.address, grantee.signer.address, c.level, GAS),
            );
          }
          expect(actual, `${JSON.stringify(c)} at ${now}`).to.equal(expected);

          // The view agrees with the model for every grantee and level, at the block just mined.
          for (const [i, g] of f.grantees.entries()) {
            for (const level of LEVELS) {
              const view = await f.permissions.hasPermission(f.subject.address, g.signer.address, level, {
                blockTag: "latest",
              });
              expect(view, `grantee ${i}, level ${level}, at ${now}`).to.equal(live(model.get(i), level));
            }
          }
        }
      }),
      { numRuns: 80 },
    );
    expect(seen.allowed, "accesses allowed").to.be.greaterThan(30);
    expect(seen.refused, "accesses refused").to.be.greaterThan(50);
  });
});
