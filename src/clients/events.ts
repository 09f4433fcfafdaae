/**
 * Reading a contract's events out of a transaction receipt.
 * @module
 */
import type { BaseContract, ContractTransactionResponse, LogDescription } from "ethers";

/**
 * Waits for `tx` and returns the events of `contract` it emitted, decoded.
 * @param contract the contract whose interface decodes the logs
 * @param tx the sent transaction
 * @throws Error when the transaction reverted or was dropped
 */
export async function eventsOf(contract: BaseContract, tx: ContractTransactionResponse): Promise<LogDescription[]> {
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`expected a receipt for ${tx.hash}, got none (transaction dropped?)`);
  const address = (await contract.getAddress()).toLowerCase();
  const events: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed) events.push(parsed);
  }
  return events;
}

/**
 * The single event named `name` that `tx` emitted from `contract`, if any.
 * @throws Error when the event was emitted more than once
 */
export async function findEvent(
  contract: BaseContract,
  tx: ContractTransactionResponse,
  name: string,
): Promise<LogDescription | undefined> {
  const matches = (await eventsOf(contract, tx)).filter((e) => e.name === name);
  if (matches.length > 1) throw new Error(`expected at most one ${name} event in ${tx.hash}, got ${matches.length}`);
  return matches[0];
}
