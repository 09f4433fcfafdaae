/**
 * The exit codes of `blindcredit`, one meaning each, so that scripts can branch on them.
 * A declined loan is not a failure: `bank check` exits 0 and reports `approved: false`.
 * @module
 */

/** What a `blindcredit` exit status means. */
export enum ExitCode {
  /** The command did what was asked. */
  Ok = 0,
  /** Something nobody planned for: a bug, or a failure no other code describes. */
  Unexpected = 1,
  /** Bad input: an unknown flag or field, a malformed or undersized key file. Caught before any transaction. */
  Usage = 2,
  /** Network or configuration: the node is unreachable, the chain is not the deployments', files are missing. */
  Network = 3,
  /** A contract refused the transaction (a custom error, printed with its arguments); the chain is unchanged. */
  Refused = 4,
  /** Waiting ran out: the other party did not act before `--timeout`, or the check expired on-chain. */
  TimedOut = 5,
  /** A verification failed: a record does not open the commitment the chain holds. */
  VerificationFailed = 6,
}

/** One line per code, for `blindcredit --help`. */
export const EXIT_CODE_HELP: readonly (readonly [ExitCode, string])[] = [
  [ExitCode.Ok, "done (a declined loan is a result too: approved false)"],
  [ExitCode.Unexpected, "unexpected failure"],
  [ExitCode.Usage, "bad input: flag, field, form or key file; nothing was sent"],
  [ExitCode.Network, "network or configuration: node unreachable, wrong chain, no deployments"],
  [ExitCode.Refused, "refused on-chain by a contract error (printed with its arguments); nothing changed"],
  [ExitCode.TimedOut, "timed out waiting for the other party, or the check expired"],
  [ExitCode.VerificationFailed, "verification failed: a record does not open its on-chain commitment"],
];
