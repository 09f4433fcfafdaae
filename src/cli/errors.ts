/**
 * Errors as the command line reports them: every failure becomes a {@link CliError} with an exit
 * code (see exitCodes.ts) and a message that says what was expected and what came. Contract
 * refusals are decoded with the suite's interfaces and explained in words with what to do next
 * (`./revertExplanations`), the decoded error after them: `refused: This account is not a voter: …
 * [ConsensusUnauthorizedVoter(caller: 0x…)]` rather than raw revert data.
 * @module
 */
import { CommanderError, InvalidArgumentError } from "commander";
import { isError, type Interface } from "ethers";
import {
  AuditAction,
  CheckMode,
  CheckState,
  GrantState,
  NodeStatus,
  NodeType,
  ProposalKind,
  ProposalState,
  RefusalReason,
} from "../contractEnums";
import { ExitCode } from "./exitCodes";
import { REVERT_EXPLANATIONS } from "./revertExplanations";

/** A failure with the exit code it means and, for `--json`, machine-readable details. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

/** Bad input, caught before anything is sent (exit 2). */
export function usageError(message: string, details?: Record<string, unknown>): CliError {
  return new CliError(ExitCode.Usage, message, details);
}

/** The node, the chain or the deployment files are not what the command needs (exit 3). */
export function networkError(message: string, cause?: unknown): CliError {
  return new CliError(ExitCode.Network, message, {}, { cause });
}

/**
 * An argument parser for commander that turns a thrown Error into commander's own invalid-argument
 * error, so that a bad flag value is reported like any usage error, with the flag's name.
 */
export function argParser<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** A contract's custom error, decoded. */
export interface DecodedRevert {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly signature: string;
}

/**
 * Decodes revert data with the given interfaces (the first that knows the selector wins).
 * Errors can surface from a contract other than the one called (a permission check inside
 * `commitData`, say), so every interface of the suite is tried.
 */
export function decodeRevert(data: string, interfaces: readonly Interface[]): DecodedRevert | undefined {
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return { name: parsed.name, args: [...parsed.args], signature: parsed.signature };
    } catch {
      // this interface knows the selector but not the data's shape: try the next
    }
  }
  return undefined;
}

/**
 * Formats a decoded revert with its parameters' names and enum values by name, bigints in decimal:
 * `ConsensusUnexpectedProposalState(proposalId: 2, current: Executed, expected: Active)` rather than
 * `(2, 4, 1)`, so the message says what the contract expected and what it found.
 */
export function formatRevert(revert: DecodedRevert): string {
  const params = errorParams().get(revert.signature);
  const shown = revert.args.map((arg, i) => {
    const param = params?.[i];
    const names = param?.enumName ? CONTRACT_ENUMS[param.enumName] : undefined;
    const value =
      names && typeof arg === "bigint" && names[Number(arg)] !== undefined ? names[Number(arg)] : String(arg);
    return param?.name ? `${param.name}: ${value}` : value;
  });
  return `${revert.name}(${shown.join(", ")})`;
}

/** The contracts' enums by their Solidity name, value → member name (TypeScript's reverse mapping). */
const CONTRACT_ENUMS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  NodeType,
  NodeStatus,
  ProposalState,
  ProposalKind,
  AuditAction,
  CheckMode: CheckMode,
  CheckState,
  RefusalReason,
  GrantState,
};

interface ErrorParam {
  readonly name: string;
  /** The Solidity enum's name when the parameter is one (`ProposalState`), from the ABI's internalType. */
  readonly enumName?: string;
}

let errorParamsCache: Map<string, ErrorParam[]> | undefined;

/** Every suite error's parameters by signature, read from the ABI (ethers' fragments drop internalType). */
function errorParams(): Map<string, ErrorParam[]> {
  if (errorParamsCache) return errorParamsCache;
  errorParamsCache = new Map();
  for (const factory of suiteFactories()) {
    for (const entry of factory.abi as readonly AbiEntry[]) {
      if (entry.type !== "error") continue;
      const signature = `${entry.name}(${entry.inputs.map((p) => p.type).join(",")})`;
      errorParamsCache.set(
        signature,
        entry.inputs.map((p) => ({ name: p.name, enumName: /^enum (?:\w+\.)?(\w+)$/.exec(p.internalType ?? "")?.[1] })),
      );
    }
  }
  return errorParamsCache;
}

interface AbiEntry {
  readonly type: string;
  readonly name: string;
  readonly inputs: readonly { readonly name: string; readonly type: string; readonly internalType?: string }[];
}

/**
 * Maps anything thrown to a {@link CliError}.
 * @param interfaces the suite's contract interfaces, to decode reverts with
 */
export function classify(error: unknown, interfaces?: readonly Interface[]): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof CommanderError) return new CliError(ExitCode.Usage, error.message, { code: error.code });
  const message = error instanceof Error ? error.message : String(error);

  // A node may also wrap a revert in a generic JSON-RPC error; its data still names the custom error.
  if (isError(error, "CALL_EXCEPTION") || (isError(error, "UNKNOWN_ERROR") && revertDataOf(error) !== undefined)) {
    const data = revertDataOf(error);
    const revert = data ? decodeRevert(data, interfaces ?? suiteInterfaces()) : undefined;
    if (revert) {
      const explained = REVERT_EXPLANATIONS[revert.name];
      const text = explained ? `${explained} [${formatRevert(revert)}]` : formatRevert(revert);
      return new CliError(ExitCode.Refused, `refused: ${text}`, {
        error: revert.name,
        args: revert.args,
        signature: revert.signature,
      });
    }
    const reason = (error as { reason?: string }).reason;
    return new CliError(
      ExitCode.Refused,
      `refused: the transaction reverted ${reason ? `("${reason}")` : data ? `with unknown data ${data}` : "without a reason"}`,
      { data: data ?? null },
    );
  }
  if (isNetworkFailure(error)) {
    return new CliError(ExitCode.Network, `network: ${shortMessage(error)}`, {}, { cause: error });
  }
  if (isError(error, "INSUFFICIENT_FUNDS")) {
    return new CliError(ExitCode.Refused, "refused: the signer's account cannot pay for the transaction's gas", {
      error: "INSUFFICIENT_FUNDS",
    });
  }
  return new CliError(ExitCode.Unexpected, message, {}, { cause: error });
}

/** The revert data carried by an ethers error, wherever the node put it. */
function revertDataOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (value: unknown, depth: number): string | undefined => {
    if (typeof value !== "object" || value === null || seen.has(value) || depth > 5) return undefined;
    seen.add(value);
    const record = value as Record<string, unknown>;
    const data = record.data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
    if (typeof data === "object" && data !== null) {
      const nested = (data as { data?: unknown }).data;
      if (typeof nested === "string" && /^0x[0-9a-fA-F]{8}/.test(nested)) return nested;
    }
    for (const key of ["error", "info", "cause"]) {
      const found = walk(record[key], depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return walk(error, 0);
}

const NETWORK_CODES = ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "EAI_AGAIN"];

function isNetworkFailure(error: unknown): boolean {
  if (isError(error, "NETWORK_ERROR") || isError(error, "TIMEOUT") || isError(error, "SERVER_ERROR")) return true;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.includes(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function shortMessage(error: unknown): string {
  const short = (error as { shortMessage?: string }).shortMessage;
  return short ?? (error instanceof Error ? error.message : String(error));
}

/** The TypeChain factories of every suite contract, loaded only when a revert must be decoded. */
export function suiteFactories() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const t = require("../../typechain-types") as typeof import("../../typechain-types");
  return [
    t.ConsensusJudgment__factory,
    t.NodeClassification__factory,
    t.HistoryRecord__factory,
    t.PermissionSetting__factory,
    t.OwnershipJudgment__factory,
    t.ConditionMatching__factory,
  ];
}

/** The interfaces of every suite contract. */
function suiteInterfaces(): Interface[] {
  return suiteFactories().map((factory) => factory.createInterface() as unknown as Interface);
}
