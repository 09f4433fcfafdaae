/**
 * The bureau's refusals: why it will not answer a check. Each carries a reason of the condition-matching contract
 * (`RefusalReason`), which the bureau records on-chain with `refuseCheck`, so the subject sees it and the bank
 * learns it at once.
 * @module
 */
import { RefusalReason } from "../contractEnums";

export { RefusalReason };

/** Thrown by the bureau's protocol steps for input it refuses: retrying would give the same answer. */
export class CheckRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = "CheckRefusal";
  }
}

/** Runs `read`, turning any plain error it throws into a refusal for `reason` (a refusal passes unchanged). */
export function refusing<T>(reason: RefusalReason, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof CheckRefusal) throw e;
    throw new CheckRefusal(reason, (e as Error).message);
  }
}
