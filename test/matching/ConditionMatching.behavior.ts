/**
 * What every step of a check has in common, as a shared behaviour suite (after OpenZeppelin's
 * `shouldBehaveLike…`): only the check's party may take it, only in its stage, with a non-zero
 * commitment, while the party is still a member and (before the answer) while the other party and the
 * subject are still members and the grant the check consumed stands. `ConditionMatching.test.ts` runs it once per step; what is particular to a step
 * (the mode check of `postChallenge`, the order of the errors) stays there.
 * @module
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { removeByVote, type Actors } from "../helpers/suite";
import type { Suite } from "../../src/suite";
import { CheckMode, CheckState, GrantState } from "../../src/contractEnums";

/** A check no one opened. */
export const UNKNOWN_ID = ethers.id("no such check");

/** The fixture's members and contracts, as the behaviour needs them. */
export type StepFixture = Suite & Actors;

/** How the test file opens and advances checks. */
export interface CheckDriver<F extends StepFixture> {
  /** The fixture: members, a live grant to the bank, the keys registered. */
  readonly fixture: () => Promise<F>;
  /** The bank opens a check in `mode`; returns its id. */
  open(f: F, options: { mode: CheckMode }): Promise<{ id: string }>;
  /** Takes the protocol's steps with the right parties up to `until`. */
  advance(f: F, id: string, until: CheckState): Promise<void>;
}

/** One step of a check. */
export interface StepSpec {
  /** Whose step it is. */
  readonly party: "bank" | "bureau";
  /**
   * Each mode the step belongs to: the stage the check must be in, and the other stages a check of
   * that mode can be brought to, in which the step reverts. The first mode's stage is the one an
   * unknown check (mode 0, decision) is reported against.
   */
  readonly modes: readonly { mode: CheckMode; stage: CheckState; wrongStages: readonly CheckState[] }[];
  /** Whether a revoked grant stops it (every step before the answer); if not, it goes through. */
  readonly stopsOnRevocation: boolean;
  /** A valid commitment for check `id`. */
  commitment(id: string): string;
  /** Sends the step as `caller`. */
  send(f: StepFixture, caller: HardhatEthersSigner, id: string, hash: string): Promise<ContractTransactionResponse>;
}

/**
 * The reverts every step shares, each with its custom error and arguments.
 * @param driver the test file's fixture and helpers
 * @param spec the step
 */
export function shouldBehaveLikeAStep<F extends StepFixture>(driver: CheckDriver<F>, spec: StepSpec): void {
  const { fixture, open, advance } = driver;
  const partyOf = (f: F) => f[spec.party];
  const otherParty = (f: F) => (spec.party === "bank" ? f.bureau : f.bank);
  const modeName = (mode: CheckMode) => (mode === CheckMode.Decision ? "decision" : "paper");

  /** A check of each of the step's modes, brought to the stage in which the step is taken. */
  async function checksAtTheirStage(f: F) {
    const checks = [];
    for (const { mode, stage } of spec.modes) {
      const { id } = await open(f, { mode });
      await advance(f, id, stage);
      checks.push({ id, mode });
    }
    return checks;
  }

  describe("as a step of a check", function () {
    it(`reverts when the caller is not the check's ${spec.party}, in ${spec.modes.map((m) => modeName(m.mode)).join(" and ")} mode`, async function () {
      const f = await loadFixture(fixture);
      for (const { id } of await checksAtTheirStage(f)) {
        for (const caller of [otherParty(f), f.subject, f.outsider]) {
          await expect(spec.send(f, caller, id, spec.commitment(id)))
            .to.be.revertedWithCustomError(f.matching, "MatchingWrongParty")
            .withArgs(id, caller.address, partyOf(f).address);
        }
      }
    });

    const stages = spec.modes.map((m) => `${CheckState[m.stage]} (${modeName(m.mode)} mode)`).join(" or ");
    it(`reverts unless the check is ${stages}, an unknown check included`, async function () {
      const f = await loadFixture(fixture);
      await expect(spec.send(f, partyOf(f), UNKNOWN_ID, spec.commitment(UNKNOWN_ID)))
        .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
        .withArgs(UNKNOWN_ID, CheckState.None, spec.modes[0].stage);
      for (const { mode, stage, wrongStages } of spec.modes) {
        for (const wrong of wrongStages) {
          const { id } = await open(f, { mode });
          await advance(f, id, wrong);
          await expect(spec.send(f, partyOf(f), id, spec.commitment(id)))
            .to.be.revertedWithCustomError(f.matching, "MatchingUnexpectedState")
            .withArgs(id, wrong, stage);
        }
      }
    });

    it("reverts on a zero hash, whoever calls", async function () {
      const f = await loadFixture(fixture);
      for (const { id } of await checksAtTheirStage(f)) {
        for (const caller of [partyOf(f), otherParty(f), f.outsider]) {
          await expect(spec.send(f, caller, id, ethers.ZeroHash)).to.be.revertedWithCustomError(
            f.matching,
            "MatchingZeroHash",
          );
        }
      }
    });

    it(`reverts once the ${spec.party} was removed from the consortium by vote`, async function () {
      const f = await loadFixture(fixture);
      const checks = await checksAtTheirStage(f);
      await removeByVote(f, partyOf(f).address);
      const error = spec.party === "bank" ? "MatchingNotBank" : "MatchingNotBureau";
      for (const { id } of checks) {
        await expect(spec.send(f, partyOf(f), id, spec.commitment(id)))
          .to.be.revertedWithCustomError(f.matching, error)
          .withArgs(partyOf(f).address);
      }
    });

    if (spec.stopsOnRevocation) {
      it("reverts once the other party or the subject was removed by vote, in every mode (issue 20)", async function () {
        const removals = [
          { who: (f: F) => otherParty(f), error: spec.party === "bank" ? "MatchingNotBureau" : "MatchingNotBank" },
          { who: (f: F) => f.subject, error: "MatchingNotSubject" },
        ];
        for (const { mode, stage } of spec.modes) {
          for (const { who, error } of removals) {
            const f = await loadFixture(fixture);
            const { id } = await open(f, { mode });
            await advance(f, id, stage);
            await removeByVote(f, who(f).address);
            await expect(spec.send(f, partyOf(f), id, spec.commitment(id)), `${modeName(mode)} mode`)
              .to.be.revertedWithCustomError(f.matching, error)
              .withArgs(who(f).address);
          }
        }
      });

      it("reverts once the subject revoked the grant the check consumed (issue 11)", async function () {
        for (const { mode, stage } of spec.modes) {
          const f = await loadFixture(fixture);
          const { id } = await open(f, { mode });
          await advance(f, id, stage);
          const grantId = (await f.matching.checkOf(id)).grantId;
          await f.permissions.connect(f.subject).revoke(f.bank.address);
          await expect(spec.send(f, partyOf(f), id, spec.commitment(id)))
            .to.be.revertedWithCustomError(f.matching, "MatchingGrantWithdrawn")
            .withArgs(id, grantId, GrantState.Revoked);
        }
      });
    } else {
      it("goes through after the subject revoked the grant: the bank already holds the answer", async function () {
        for (const { mode, stage } of spec.modes) {
          const f = await loadFixture(fixture);
          const { id } = await open(f, { mode });
          await advance(f, id, stage);
          await f.permissions.connect(f.subject).revoke(f.bank.address);
          await spec.send(f, partyOf(f), id, spec.commitment(id));
          expect(await f.matching.state(id)).to.equal(stage + 1);
        }
      });
    }
  });
}
