/**
 * A check as the condition-matching contract holds it, read the same way by the bank and the bureau: its state, the
 * context its messages are bound to, the commitments its middle messages left in the log, and the commitment to a
 * decision.
 * @module
 */
import { AbiCoder, keccak256 } from "ethers";
import type { ConditionMatching } from "../../typechain-types";
import { CheckState } from "../contractEnums";
import type { CheckContext } from "./messages";
import { DEFAULT_SCHEMA, expectDeployedSchema, type CreditSchema } from "./schema";

/** The check's state now (`ConditionMatching.state`), as the enum. */
export async function stateOf(matching: ConditionMatching, checkId: string): Promise<CheckState> {
  return Number(await matching.state(checkId)) as CheckState;
}

/**
 * The check's record, once it is in `state`.
 * @throws Error naming the state it is in otherwise
 */
export async function checkInState(matching: ConditionMatching, checkId: string, state: CheckState) {
  const current = await stateOf(matching, checkId);
  if (current !== state)
    throw new Error(`check ${checkId}: expected state ${CheckState[state]}, got ${CheckState[current]}`);
  return matching.checkOf(checkId);
}

/**
 * The context every message of a check is bound to, with the credit schema its form is written against.
 * @param schema the party's schema (the default schema when omitted)
 * @throws Error "the deployment: expected schema X (hash …), got …" when the contract is fixed to another schema
 */
export async function contextOf(
  matching: ConditionMatching,
  checkId: string,
  keyFingerprint: string,
  schema: CreditSchema = DEFAULT_SCHEMA,
): Promise<CheckContext> {
  const [network, contract, deployed] = await Promise.all([
    matching.runner!.provider!.getNetwork(),
    matching.getAddress(),
    matching.schemaHash(),
  ]);
  expectDeployedSchema(schema, deployed);
  return { chainId: network.chainId, contract, checkId, keyFingerprint, schema };
}

/** The commitment to a decision: keccak256(abi.encode(checkId, approved, salt)). */
export function decisionHash(checkId: string, approved: boolean, salt: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bool", "bytes32"], [checkId, approved, salt]));
}

/**
 * The commitment a decision-mode middle message left in the log (it is not kept in storage).
 * @throws Error when the log holds no such commitment, or more than one
 */
export async function loggedHash(
  matching: ConditionMatching,
  event: "CheckChallenged" | "CheckResponded",
  checkId: string,
): Promise<string> {
  const filter =
    event === "CheckChallenged" ? matching.filters.CheckChallenged(checkId) : matching.filters.CheckResponded(checkId);
  const logs = await matching.queryFilter(filter);
  if (logs.length !== 1) throw new Error(`check ${checkId}: expected one ${event} log, found ${logs.length}`);
  return logs[0].args[1];
}
