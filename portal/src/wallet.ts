/**
 * The subject's own wallet: EIP-6963 discovery (every wallet extension announces itself), `window.ethereum` as the
 * fallback for wallets that predate it, and the chain check against the deployment with a switch request.
 * @module
 */
import type { Eip1193Provider } from "ethers";

/** An EIP-1193 provider with the events the page listens to. */
export interface WalletProvider extends Eip1193Provider {
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** A wallet the page found: EIP-6963's provider info and the provider. */
export interface WalletChoice {
  readonly uuid: string;
  readonly name: string;
  readonly icon: string;
  readonly rdns: string;
  readonly provider: WalletProvider;
}

/**
 * Asks every installed wallet to announce itself (EIP-6963) and calls `onChange` with the list each time one
 * does; a wallet that only sets `window.ethereum` is offered when none announces within `graceMs`.
 * @returns a function that stops listening
 */
export function discoverWallets(onChange: (wallets: WalletChoice[]) => void, graceMs = 150): () => void {
  const found = new Map<string, WalletChoice>();
  const onAnnounce = (event: Event) => {
    const detail = (event as CustomEvent).detail as
      | { info?: { uuid?: string; name?: string; icon?: string; rdns?: string }; provider?: WalletProvider }
      | undefined;
    const info = detail?.info;
    if (!info?.uuid || typeof detail?.provider?.request !== "function") return;
    found.set(info.uuid, {
      uuid: info.uuid,
      name: info.name ?? "Wallet",
      icon: info.icon ?? "",
      rdns: info.rdns ?? "",
      provider: detail.provider,
    });
    onChange([...found.values()]);
  };
  window.addEventListener("eip6963:announceProvider", onAnnounce);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  const timer = setTimeout(() => {
    const legacy = (window as unknown as { ethereum?: WalletProvider }).ethereum;
    if (found.size === 0 && legacy && typeof legacy.request === "function") {
      onChange([{ uuid: "window.ethereum", name: "Browser wallet", icon: "", rdns: "", provider: legacy }]);
    } else if (found.size === 0) {
      onChange([]);
    }
  }, graceMs);
  return () => {
    clearTimeout(timer);
    window.removeEventListener("eip6963:announceProvider", onAnnounce);
  };
}

/** The chain the wallet is on, as a bigint. */
export async function walletChainId(wallet: WalletProvider): Promise<bigint> {
  return BigInt((await wallet.request({ method: "eth_chainId" })) as string);
}

/**
 * Asks the wallet to switch to `chainId`; when it does not know the chain (error 4902) and an RPC URL is known,
 * asks it to add the chain first.
 * @throws the wallet's error (code 4001 when the person declined)
 */
export async function switchChain(
  wallet: WalletProvider,
  chain: { chainId: string; chainName: string; rpcUrl?: string },
): Promise<void> {
  const chainId = `0x${BigInt(chain.chainId).toString(16)}`;
  try {
    await wallet.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  } catch (e) {
    if (errorCode(e) !== 4902 || !chain.rpcUrl) throw e;
    await wallet.request({
      method: "wallet_addEthereumChain",
      params: [
        {
          chainId,
          chainName: chain.chainName,
          rpcUrls: [chain.rpcUrl],
          nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        },
      ],
    });
  }
}

/** The EIP-1193 error code of a wallet error, wherever ethers put it. */
export function errorCode(e: unknown): number | undefined {
  const err = e as { code?: unknown; info?: { error?: { code?: unknown } }; error?: { code?: unknown } };
  for (const code of [err?.code, err?.info?.error?.code, err?.error?.code]) {
    if (typeof code === "number") return code;
  }
  return undefined;
}
