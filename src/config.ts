/**
 * Consortium parameters, read from the environment so that no deployment needs a code edit.
 * @module
 */

/** Parameters of the consensus judgment contract. */
export interface ConsortiumParameters {
  /** Quorum numerator: approvals needed are ceil(voters × numerator / denominator). */
  readonly quorumNumerator: number;
  /** Quorum denominator. */
  readonly quorumDenominator: number;
  /** Seconds a proposal stays open for votes. */
  readonly votingPeriodSeconds: number;
}

/** Two thirds of the voters, rounded up, within three days. */
export const DEFAULT_CONSORTIUM: ConsortiumParameters = {
  quorumNumerator: 2,
  quorumDenominator: 3,
  votingPeriodSeconds: 3 * 24 * 60 * 60,
};

/**
 * Reads the consortium parameters from `BLINDCREDIT_QUORUM` (e.g. `"2/3"`) and
 * `BLINDCREDIT_VOTING_PERIOD` (seconds), falling back to {@link DEFAULT_CONSORTIUM}.
 * @param env the environment to read (defaults to `process.env`)
 * @throws Error when a value is malformed or out of range
 */
export function consortiumParameters(env: NodeJS.ProcessEnv = process.env): ConsortiumParameters {
  let { quorumNumerator, quorumDenominator, votingPeriodSeconds } = DEFAULT_CONSORTIUM;
  if (env.BLINDCREDIT_QUORUM !== undefined) {
    const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(env.BLINDCREDIT_QUORUM);
    if (!match)
      throw new Error(`BLINDCREDIT_QUORUM: expected a fraction such as "2/3", got "${env.BLINDCREDIT_QUORUM}"`);
    quorumNumerator = Number(match[1]);
    quorumDenominator = Number(match[2]);
    if (quorumNumerator * 2 <= quorumDenominator || quorumNumerator > quorumDenominator) {
      throw new Error(`BLINDCREDIT_QUORUM: expected a fraction in (1/2, 1], got "${env.BLINDCREDIT_QUORUM}"`);
    }
  }
  if (env.BLINDCREDIT_VOTING_PERIOD !== undefined) {
    votingPeriodSeconds = Number(env.BLINDCREDIT_VOTING_PERIOD);
    if (!Number.isSafeInteger(votingPeriodSeconds) || votingPeriodSeconds < 1) {
      throw new Error(
        `BLINDCREDIT_VOTING_PERIOD: expected a positive number of seconds, got "${env.BLINDCREDIT_VOTING_PERIOD}"`,
      );
    }
  }
  return { quorumNumerator, quorumDenominator, votingPeriodSeconds };
}
