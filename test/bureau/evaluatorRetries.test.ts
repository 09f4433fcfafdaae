/**
 * The evaluator outlasts failures: a check whose steps fail is retried with a backoff that doubles up to a bound and
 * starts over once a step succeeds, however many times it failed (it is never abandoned while the chain still waits
 * for it); a refusal whose transaction fails is retried until it is recorded. Time is the evaluator's own clock,
 * moved by hand, so nothing here depends on how fast the machine is.
 */
import { expect } from "chai";
import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithGrants, openLoanCheck } from "../helpers/suite";
import { fixtureComparisonKey, testComparisonKeys } from "../helpers/comparisonKey";
import { fixtureRingPedersen } from "../helpers/ringPedersen";
import { APPLICANT } from "../helpers/samples";
import { CheckState, RefusalReason } from "../../src/contractEnums";
import { MemoryBoard } from "../../src/protocol/board";
import { CheckRefusal } from "../../src/protocol/refusal";
import { Evaluator } from "../../src/bureau/evaluator";
import { BureauClient } from "../../src/bureau/steps";
import { MemoryJournal, type BureauJournal } from "../../src/bureau/journal";
import { connectSuite } from "../../src/suite";

const RETRY = { baseMs: 1000, maxMs: 8000 };

describe("Evaluator retries", function () {
  function fixture() {
    return deployWithGrants();
  }

  /**
   * An evaluator on its own clock, whose bureau reads the subject's values through `values`, and a check opened for
   * it; with `options.journal`, the bureau journals there; with `options.reserved`, the check names a key the bureau
   * reserved to the bank.
   */
  async function setup(
    values: () => Promise<Map<string, bigint>>,
    options: { journal?: (board: MemoryBoard) => BureauJournal; reserved?: boolean } = {},
  ) {
    const f = await loadFixture(fixture);
    const board = new MemoryBoard();
    const keys = testComparisonKeys();
    const bureau = new BureauClient(f.matching.connect(f.bureau), board, values, keys, fixtureRingPedersen(), {
      journal: options.journal?.(board),
    });
    board.publishParameters(f.bureau.address, await bureau.parametersDocument());
    await bureau.registerComparisonKey(fixtureComparisonKey().publicKey);
    let now = 1_000_000;
    const evaluator = new Evaluator(connectSuite(f, f.bureau), bureau, f.bureau.address, {
      retry: RETRY,
      clock: () => now,
    });
    const reserved = options.reserved ? (await keys.reserve(f.bank.address)).publicKey : undefined;
    const { bank, check } = await openLoanCheck(f, board, reserved);
    return { f, evaluator, keys, bank, check, checkId: check.checkId, advance: (ms: number) => (now += ms) };
  }

  it("retries a failing check with a doubling backoff up to its bound, past three failures, and starts over after a success", async function () {
    let calls = 0;
    let failures = 5;
    const { f, evaluator, checkId, advance } = await setup(async () => {
      calls++;
      if (failures-- > 0) throw new Error("the store is unreachable");
      return APPLICANT;
    });
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      await evaluator.tick();
      expect(calls, `attempt ${attempt}`).to.equal(attempt);
      await evaluator.tick(); // within the backoff: not tried
      expect(calls, `attempt ${attempt}, within its backoff`).to.equal(attempt);
      const wait = evaluator.retryInMs(checkId)!;
      waits.push(wait);
      advance(wait);
    }
    expect(waits).to.deep.equal([1000, 2000, 4000, 8000, 8000]); // doubling, bounded
    expect(evaluator.metrics.failures).to.equal(5);
    expect(evaluator.metrics.abandoned).to.equal(0);
    await evaluator.tick();
    expect(Number(await f.matching.state(checkId))).to.equal(CheckState.Challenged);
    expect(evaluator.retryInMs(checkId)).to.equal(undefined); // a success forgets the failures
  });

  it("challenges a check under the key its bank reserved when the attempt that claimed the key failed", async function () {
    let failures = 1;
    /** A journal whose first write fails, as a store or chain node that did not answer. */
    class FailingOnce extends MemoryJournal {
      override async record(...args: Parameters<MemoryJournal["record"]>): Promise<void> {
        if (failures-- > 0) throw new Error("the store did not answer");
        return super.record(...args);
      }
    }
    const { f, evaluator, keys, bank, check, checkId, advance } = await setup(async () => APPLICANT, {
      journal: (board) => new FailingOnce(board),
      reserved: true,
    });
    await evaluator.tick(); // claims the reserved key, then fails to journal its challenge
    expect(Number(await f.matching.state(checkId))).to.equal(CheckState.Requested);
    expect(evaluator.metrics.failures).to.equal(1);
    expect(await keys.reservationsOf(f.bank.address)).to.equal(0);
    advance(evaluator.retryInMs(checkId)!);
    await evaluator.tick();
    expect(Number(await f.matching.state(checkId))).to.equal(CheckState.Challenged); // not refused
    await bank.respond(check); // the bank answers only a challenge under the key it reserved
    await evaluator.tick();
    expect((await bank.decide(check)).approved).to.equal(true);
    expect(evaluator.metrics.refused).to.equal(0);
  });

  it("retries a refusal whose transaction failed until it is recorded on-chain", async function () {
    const { f, evaluator, checkId, advance } = await setup(async () => {
      throw new CheckRefusal(RefusalReason.NoData, "no record of the subject");
    });
    const funds = await f.bureau.provider.getBalance(f.bureau.address);
    await setBalance(f.bureau.address, 0); // the refusal's transaction cannot be paid for
    await evaluator.tick();
    expect(Number(await f.matching.state(checkId))).to.equal(CheckState.Requested);
    expect(evaluator.activeChecks).to.equal(1);
    await setBalance(f.bureau.address, funds);
    advance(evaluator.retryInMs(checkId)!);
    await evaluator.tick();
    expect(Number(await f.matching.state(checkId))).to.equal(CheckState.Refused);
    const [log] = await f.matching.queryFilter(f.matching.filters.CheckRefused(checkId));
    expect(Number(log.args.reason)).to.equal(RefusalReason.NoData);
    expect(evaluator.metrics.refused).to.equal(1);
    expect(evaluator.activeChecks).to.equal(0);
  });
});
