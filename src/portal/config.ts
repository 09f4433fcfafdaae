/**
 * What the subject's web portal is told at start-up (`GET /config.json`): the chain and the contract addresses of
 * the deployment, whether a consent relay is reachable, and optional labels for consortium members. Browser-safe:
 * the server writes it, the page reads it with {@link parsePortalConfig}.
 * @module
 */
import { getAddress, isAddress } from "ethers";

/** The contracts the page talks to, by the names the deployment records use. */
export const PORTAL_CONTRACTS = [
  "HistoryRecord",
  "NodeClassification",
  "PermissionSetting",
  "OwnershipJudgment",
  "ConditionMatching",
] as const;

/** The name of a contract the page talks to. */
export type PortalContract = (typeof PORTAL_CONTRACTS)[number];

/** The page's configuration. */
export interface PortalConfig {
  /** The chain the deployment is on, decimal. */
  readonly chainId: string;
  /** A name for the chain, shown to the subject and offered to the wallet. */
  readonly chainName: string;
  /** A JSON-RPC URL offered to the wallet when it does not know the chain (`wallet_addEthereumChain`). */
  readonly rpcUrl?: string;
  /** Checksummed addresses. */
  readonly contracts: Readonly<Record<PortalContract, string>>;
  /** Where signed consents go (`POST`), relative to the page; absent when no bureau relays them. */
  readonly relayPath?: string;
  /**
   * The bureau's address (checksummed) when the page's origin forwards a subject's signed read of its own record to
   * that bureau: the read is signed for it. Absent when the page offers no such read.
   */
  readonly bureau?: string;
  /** Names for consortium members, by checksummed address. */
  readonly labels: Readonly<Record<string, string>>;
  /** Names for the data categories the page knows, by category hash. */
  readonly categories: Readonly<Record<string, string>>;
  /** The block to search events from (the deployment's), so that the page does not scan the whole chain. */
  readonly fromBlock: number;
  /** The consortium's credit schema as the server knows it; the page checks its hash against the deployment's. */
  readonly schema?: { readonly id: string; readonly version: number; readonly hash: string };
}

/**
 * Checks a configuration as fetched.
 * @throws Error naming the member that is missing or malformed
 */
export function parsePortalConfig(value: unknown): PortalConfig {
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof v.chainId !== "string" || !/^\d+$/.test(v.chainId)) {
    throw new Error(`config.json: expected "chainId" as a decimal string, got ${JSON.stringify(v.chainId)}`);
  }
  const raw = (v.contracts ?? {}) as Record<string, unknown>;
  const contracts = {} as Record<PortalContract, string>;
  for (const name of PORTAL_CONTRACTS) {
    const address = raw[name];
    if (typeof address !== "string" || !isAddress(address)) {
      throw new Error(`config.json: expected an address for ${name}, got ${JSON.stringify(address)}`);
    }
    contracts[name] = getAddress(address);
  }
  const labels: Record<string, string> = {};
  for (const [address, label] of Object.entries((v.labels ?? {}) as Record<string, unknown>)) {
    if (isAddress(address) && typeof label === "string") labels[getAddress(address)] = label;
  }
  const categories: Record<string, string> = {};
  for (const [hash, name] of Object.entries((v.categories ?? {}) as Record<string, unknown>)) {
    if (/^0x[0-9a-f]{64}$/.test(hash) && typeof name === "string") categories[hash] = name;
  }
  return {
    chainId: v.chainId,
    chainName: typeof v.chainName === "string" ? v.chainName : `chain ${v.chainId}`,
    rpcUrl: typeof v.rpcUrl === "string" ? v.rpcUrl : undefined,
    contracts,
    relayPath: typeof v.relayPath === "string" ? v.relayPath : undefined,
    bureau: typeof v.bureau === "string" && isAddress(v.bureau) ? getAddress(v.bureau) : undefined,
    labels,
    categories,
    fromBlock: typeof v.fromBlock === "number" && Number.isSafeInteger(v.fromBlock) ? v.fromBlock : 0,
    schema: parseSchemaName(v.schema),
  };
}

/** The schema's name and hash, when the configuration carries a well-formed one. */
function parseSchemaName(value: unknown): PortalConfig["schema"] {
  const s = (value ?? {}) as Record<string, unknown>;
  if (typeof s.id !== "string" || typeof s.version !== "number" || typeof s.hash !== "string") return undefined;
  if (!/^0x[0-9a-f]{64}$/.test(s.hash)) return undefined;
  return { id: s.id, version: s.version, hash: s.hash };
}
