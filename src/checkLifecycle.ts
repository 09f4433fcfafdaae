/**
 * The lifecycle of a credit check as `ConditionMatching` encodes it, in one table: which call takes a check from which
 * state to which, by whom and in which mode; where the bureau may refuse it; which states its deadline ends; which are
 * final. Whose turn it is, whether a party still has a step ahead, and whether one state comes after another are read
 * from it, by the bureau (its steps, the uploads it admits, the messages it prunes) and by the bank (what it waits
 * for). `test/checkLifecycle.test.ts` walks the contract's states and keeps this table in step with it.
 * @module
 */
import { CheckMode, CheckState } from "./contractEnums";

/** Who takes a step of a check. */
export type CheckParty = "bank" | "bureau";

/** One step of the protocol: a call of the contract that moves a check on. */
export interface CheckStep {
  /** The contract's function. */
  readonly call: "openCheck" | "postChallenge" | "postResponse" | "postAnswer" | "recordDecision";
  /** The stage of the message the step commits to (`protocol/messages`); the decision has no message. */
  readonly message?: "form" | "challenge" | "response" | "answer";
  /** Who may call it. */
  readonly by: CheckParty;
  /** The state it is taken in. */
  readonly from: CheckState;
  /** The state it leads to. */
  readonly to: CheckState;
  /** The modes of check it belongs to. */
  readonly modes: readonly CheckMode[];
}

const BOTH_MODES = [CheckMode.Decision, CheckMode.Paper] as const;

/** The protocol's steps, in the order a check takes them. */
export const CHECK_STEPS: readonly CheckStep[] = [
  {
    call: "openCheck",
    message: "form",
    by: "bank",
    from: CheckState.None,
    to: CheckState.Requested,
    modes: BOTH_MODES,
  },
  {
    call: "postChallenge",
    message: "challenge",
    by: "bureau",
    from: CheckState.Requested,
    to: CheckState.Challenged,
    modes: [CheckMode.Decision],
  },
  {
    call: "postResponse",
    message: "response",
    by: "bank",
    from: CheckState.Challenged,
    to: CheckState.Responded,
    modes: [CheckMode.Decision],
  },
  {
    call: "postAnswer",
    message: "answer",
    by: "bureau",
    from: CheckState.Responded,
    to: CheckState.Answered,
    modes: [CheckMode.Decision],
  },
  {
    call: "postAnswer",
    message: "answer",
    by: "bureau",
    from: CheckState.Requested,
    to: CheckState.Answered,
    modes: [CheckMode.Paper],
  },
  { call: "recordDecision", by: "bank", from: CheckState.Answered, to: CheckState.Decided, modes: BOTH_MODES },
];

/** The states in which the bureau may refuse a check (`refuseCheck`, to `Refused`): before its answer. */
export const REFUSABLE_STATES: readonly CheckState[] = [
  CheckState.Requested,
  CheckState.Challenged,
  CheckState.Responded,
];

/** The states a check's deadline ends (`state()` reads `Expired` past it): every open one. */
export const OPEN_STATES: readonly CheckState[] = [
  CheckState.Requested,
  CheckState.Challenged,
  CheckState.Responded,
  CheckState.Answered,
];

/** The states a check never leaves: no step, no refusal, no expiry. */
export const FINAL_STATES: readonly CheckState[] = [CheckState.Decided, CheckState.Expired, CheckState.Refused];

/** Whether a check in `state` is over (decided, expired or refused). */
export function isFinal(state: CheckState): boolean {
  return FINAL_STATES.includes(state);
}

/** Whether the bureau may refuse a check in `state`. */
export function isRefusable(state: CheckState): boolean {
  return REFUSABLE_STATES.includes(state);
}

/**
 * Whose step a check in `state` waits for, whatever its mode (`None`: the bank's, which opens it); undefined when
 * it is over.
 * @example turnOf(CheckState.Challenged) // "bank"
 */
export function turnOf(state: CheckState): CheckParty | undefined {
  return CHECK_STEPS.find((step) => step.from === state)?.by;
}

/** The step that commits to a message of `stage`, or undefined when no step does. */
export function stepCommitting(stage: string): CheckStep | undefined {
  return CHECK_STEPS.find((step) => step.message === stage);
}

/** The states a check can move to from `state` in one move: a step, a refusal or its deadline passing. */
function nextStates(state: CheckState): CheckState[] {
  const next = CHECK_STEPS.filter((step) => step.from === state).map((step) => step.to);
  if (isRefusable(state)) next.push(CheckState.Refused);
  if (OPEN_STATES.includes(state)) next.push(CheckState.Expired);
  return next;
}

/**
 * Whether a check now in `state` is in `earlier` or past it: `state` can follow `earlier` in a check's life (a check
 * waited on in `Challenged` may be `Responded` already). `None` follows nothing.
 * @example follows(CheckState.Decided, CheckState.Answered) // true
 */
export function follows(state: CheckState, earlier: CheckState): boolean {
  const seen = new Set<CheckState>();
  const frontier = [earlier];
  for (let current = frontier.pop(); current !== undefined; current = frontier.pop()) {
    if (current === state) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    frontier.push(...nextStates(current));
  }
  return false;
}

/**
 * Whether `party` still has a step to take in a check now in `state` (in one mode or the other): false once the check
 * is over, or not open (`None`).
 * @example hasStepAhead(CheckState.Challenged, "bureau") // true: the answer
 */
export function hasStepAhead(state: CheckState, party: CheckParty): boolean {
  if (!OPEN_STATES.includes(state)) return false;
  return CHECK_STEPS.some((step) => step.by === party && follows(step.from, state));
}
