/**
 * The TypeScript mirror of a check's lifecycle (src/checkLifecycle.ts) against the contract's behaviour: every call of
 * `ConditionMatching`, by either party, and the deadline passing are tried in every state the contract reaches from a
 * fresh check of each mode (a walk over snapshots of the chain); the moves it takes must be the mirror's, each
 * state it reaches must be one the mirror knows, and a final state must accept no move. Then what the mirror derives
 * (whose turn, what follows what, which party has a step ahead) is checked against its table.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployWithGrants, type Actors } from "./helpers/suite";
import { fixtureComparisonKey } from "./helpers/comparisonKey";
import { fixtureKey } from "./paillier/helpers";
import { exportDgkPublicKey } from "../src/dgk";
import {
  CHECK_STEPS,
  FINAL_STATES,
  OPEN_STATES,
  REFUSABLE_STATES,
  follows,
  hasStepAhead,
  isFinal,
  isRefusable,
  stepCommitting,
  turnOf,
  type CheckParty,
} from "../src/checkLifecycle";
import { CheckMode, CheckState, RefusalReason } from "../src/contractEnums";
import type { Suite } from "../src/suite";

/** Every state, by value. */
const STATES = Object.values(CheckState).filter((v): v is CheckState => typeof v === "number");
const PARTIES: readonly CheckParty[] = ["bank", "bureau"];
const DURATION = 3600;
const HASH = ethers.id("a commitment");

/** A move of a check: a call by a party, or the deadline passing (`by` undefined). */
interface Move {
  readonly call: string;
  readonly by?: CheckParty;
  readonly from: CheckState;
  readonly to: CheckState;
}
const moveName = (m: Move) => `${CheckState[m.from]} --${m.call}${m.by ? ` by ${m.by}` : ""}--> ${CheckState[m.to]}`;

/** The moves the mirror allows a check of `mode`: its steps, and the bureau's refusal and the deadline where a step of its goes. */
function mirroredMoves(mode: CheckMode): Move[] {
  const steps = CHECK_STEPS.filter((s) => s.modes.includes(mode));
  const stepped = new Set(steps.map((s) => s.to));
  return [
    ...steps.map((s) => ({ call: s.call, by: s.by, from: s.from, to: s.to })),
    ...REFUSABLE_STATES.filter((from) => stepped.has(from)).map((from) => ({
      call: "refuseCheck",
      by: "bureau" as const,
      from,
      to: CheckState.Refused,
    })),
    ...OPEN_STATES.filter((from) => stepped.has(from)).map((from) => ({
      call: "deadline",
      from,
      to: CheckState.Expired,
    })),
  ];
}

describe("checkLifecycle: the mirror of ConditionMatching's check lifecycle", function () {
  async function fixture() {
    const f = await deployWithGrants();
    await (await f.matching.connect(f.bank).registerKey(ethers.toBeArray(fixtureKey(2048).publicKey.n))).wait();
    const comparisonKey = ethers.toUtf8Bytes(JSON.stringify(exportDgkPublicKey(fixtureComparisonKey())));
    await (await f.matching.connect(f.bureau).registerComparisonKey(comparisonKey)).wait();
    return f;
  }
  type Fixture = Suite & Actors;

  /** Sends `call` for check `id` of `mode` as `caller`; true when the contract took it. */
  async function tried(f: Fixture, call: string, caller: HardhatEthersSigner, id: string, mode: CheckMode) {
    const matching = f.matching.connect(caller);
    const sent = {
      openCheck: () =>
        matching.openCheck(
          id,
          f.subject.address,
          f.bureau.address,
          fixtureKey(2048).publicKey.fingerprint,
          mode,
          HASH,
          DURATION,
        ),
      postChallenge: () => matching.postChallenge(id, HASH),
      postResponse: () => matching.postResponse(id, HASH),
      postAnswer: () => matching.postAnswer(id, HASH),
      recordDecision: () => matching.recordDecision(id, HASH),
      refuseCheck: () => matching.refuseCheck(id, RefusalReason.InvalidMessage),
    }[call]!;
    try {
      await (await sent()).wait();
      return true;
    } catch (e) {
      // A revert with one of the contract's errors: any other failure is the test's own.
      expect((e as Error).message).to.match(/reverted with custom error/);
      return false;
    }
  }

  /**
   * Every move the contract takes from a fresh check of `mode`: each call by each party, and the deadline, tried in
   * each state reached, from a snapshot of the chain in that state.
   */
  async function contractMoves(f: Fixture, mode: CheckMode): Promise<{ moves: Move[]; reached: Set<CheckState> }> {
    const id = await f.matching.nextCheckId(f.bank.address);
    const calls = [...new Set(CHECK_STEPS.map((s) => s.call)), "refuseCheck"];
    const moves: Move[] = [];
    const reached = new Set<CheckState>();
    const state = async () => Number(await f.matching.state(id)) as CheckState;
    const walk = async (): Promise<void> => {
      const from = await state();
      if (reached.has(from)) return;
      reached.add(from);
      const here = await takeSnapshot();
      for (const call of calls) {
        for (const by of PARTIES) {
          if (await tried(f, call, f[by], id, mode)) {
            moves.push({ call, by, from, to: await state() });
            await walk();
          }
          await here.restore();
        }
      }
      await time.increase(DURATION + 1);
      const to = await state();
      if (to !== from) {
        moves.push({ call: "deadline", from, to });
        await walk();
      }
      await here.restore();
    };
    await walk();
    return { moves, reached };
  }

  for (const mode of [CheckMode.Decision, CheckMode.Paper]) {
    it(`takes in ${CheckMode[mode]} mode exactly the moves the mirror allows, and none from a final state`, async function () {
      const f = await loadFixture(fixture);
      const { moves, reached } = await contractMoves(f, mode);
      expect(moves.map(moveName).sort()).to.deep.equal(mirroredMoves(mode).map(moveName).sort());
      for (const state of reached) {
        expect(STATES, CheckState[state]).to.include(state);
        if (isFinal(state))
          expect(moves.filter((m) => m.from === state).map(moveName), CheckState[state]).to.deep.equal([]);
      }
      // Every state but one of the other mode's is reached: the mirror names no state the contract cannot reach.
      const otherModeOnly = mode === CheckMode.Paper ? [CheckState.Challenged, CheckState.Responded] : [];
      expect([...reached].sort((a, b) => a - b)).to.deep.equal(STATES.filter((s) => !otherModeOnly.includes(s)));
    });
  }

  describe("what it derives from its table", function () {
    it("names every state: None, open or final, one of each", function () {
      for (const state of STATES) {
        const kinds = [state === CheckState.None, OPEN_STATES.includes(state), FINAL_STATES.includes(state)];
        expect(kinds.filter(Boolean), CheckState[state]).to.have.length(1);
      }
    });

    it("gives each state one party whose turn it is, none in a final state", function () {
      for (const state of STATES) {
        const parties = new Set(CHECK_STEPS.filter((s) => s.from === state).map((s) => s.by));
        expect(parties.size, CheckState[state]).to.equal(isFinal(state) ? 0 : 1);
        expect(turnOf(state)).to.equal([...parties][0]);
      }
      expect(turnOf(CheckState.None)).to.equal("bank");
      expect(turnOf(CheckState.Challenged)).to.equal("bank");
      expect(turnOf(CheckState.Responded)).to.equal("bureau");
      expect(turnOf(CheckState.Refused)).to.equal(undefined);
    });

    it("orders the states as the enum does along a run, with no order between the endings", function () {
      const run = [
        CheckState.Requested,
        CheckState.Challenged,
        CheckState.Responded,
        CheckState.Answered,
        CheckState.Decided,
      ];
      run.forEach((earlier, i) =>
        run.forEach((state, j) =>
          expect(follows(state, earlier), `${CheckState[state]} after ${CheckState[earlier]}`).to.equal(j >= i),
        ),
      );
      expect(follows(CheckState.Expired, CheckState.Answered)).to.equal(true);
      expect(follows(CheckState.Refused, CheckState.Answered)).to.equal(false); // refused only before the answer
      expect(follows(CheckState.Decided, CheckState.Expired)).to.equal(false);
      for (const state of STATES)
        expect(follows(CheckState.None, state), CheckState[state]).to.equal(state === CheckState.None);
    });

    it("says which party still has a step ahead, and which states the bureau may refuse", function () {
      const ahead = (party: CheckParty) => STATES.filter((s) => hasStepAhead(s, party));
      expect(ahead("bureau")).to.deep.equal([CheckState.Requested, CheckState.Challenged, CheckState.Responded]);
      expect(ahead("bank")).to.deep.equal(OPEN_STATES);
      expect(STATES.filter(isRefusable)).to.deep.equal(REFUSABLE_STATES);
    });

    it("names the step each message commits to; the decision commits to none", function () {
      expect(stepCommitting("form")).to.include({ call: "openCheck", by: "bank", from: CheckState.None });
      expect(stepCommitting("response")).to.include({ call: "postResponse", by: "bank", from: CheckState.Challenged });
      expect(stepCommitting("challenge")?.by).to.equal("bureau");
      expect(stepCommitting("answer")?.by).to.equal("bureau");
      expect(stepCommitting("decision")).to.equal(undefined);
    });
  });
});
