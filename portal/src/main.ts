/**
 * The credit subject's portal: connect a wallet, register, answer permission requests (by transaction, or by a
 * signed consent the bureau relays), follow grants and checks live, verify a bank's decision and check a record
 * against its committed hash.
 * @module
 */
import "./style.css";
import {
  BrowserProvider,
  Network,
  ZeroHash,
  getAddress,
  keccak256,
  toUtf8Bytes,
  zeroPadValue,
  type JsonRpcSigner,
} from "ethers";
import { signConsent } from "../../src/clients/consent";
import { parseDecisionClaim, parseReceiptLink } from "../../src/clients/decisionRecord";
import { identityCommitment } from "../../src/clients/identity";
import { CheckMode, CheckState, GrantState, NodeStatus, NodeType, RefusalReason } from "../../src/contractEnums";
import { Level, levelNames } from "../../src/permissions";
import { parsePortalConfig, type PortalConfig } from "../../src/portal/config";
import {
  approve as approveRequest,
  categoriesOf,
  checksOf,
  decline,
  grantsOf,
  pendingRequests,
  readOwnRecord,
  revoke as revokeGrant,
  standingOf,
  verifyDecision,
  type CategoryRow,
  type CheckRow,
  type GrantRow,
  type Member,
  type PendingRequest,
  type Standing,
} from "../../src/clients/subject";
import { connectContracts, type Contracts } from "./chain";
import { byId, download, fileBytes, fill, fillTable, h, short, when } from "./dom";
import { humanError } from "./errors";
import { discoverWallets, switchChain, walletChainId, type WalletChoice } from "./wallet";

/** A connected wallet on the right chain. */
interface Session {
  readonly provider: BrowserProvider;
  readonly signer: JsonRpcSigner;
  readonly account: string;
  readonly contracts: Contracts;
  standing?: Standing;
  lastBlock: number;
  /** Check ids of the subject's checks, to recognise their later steps in the logs. */
  readonly checkIds: Set<string>;
}

let config: PortalConfig;
let wallet: WalletChoice | undefined;
let session: Session | undefined;
/** What each section last showed, so that a refresh leaves a section (and a half-filled form) alone when unchanged. */
const shown = new Map<string, string>();

const CHAIN_NAMES: Record<string, string> = {
  "1": "Ethereum Mainnet",
  "11155111": "Sepolia",
  "17000": "Holesky",
  "31337": "a local development chain",
};
const NODE_TYPE_NAMES: Record<number, string> = {
  [NodeType.None]: "not a member",
  [NodeType.CreditSubject]: "credit subject",
  [NodeType.CreditBureau]: "credit bureau",
  [NodeType.InformationProvider]: "information provider",
  [NodeType.CreditAccessUser]: "bank (credit access user)",
};
const LEVEL_TEXT: Record<string, string> = {
  Read: "read the data",
  Ownership: "ownership",
  Write: "write the data",
  BlindRead: "blind read (encrypted checks only)",
};
const GRANT_STATE_TEXT: Record<number, string> = {
  [GrantState.None]: "none",
  [GrantState.Active]: "active",
  [GrantState.Expired]: "expired",
  [GrantState.Exhausted]: "used up",
  [GrantState.Revoked]: "revoked",
};
const REFUSAL_TEXT: Record<number, string> = {
  [RefusalReason.NoData]: "the bureau holds no data on you",
  [RefusalReason.TamperedData]: "the bureau's copy failed its integrity check",
  [RefusalReason.InvalidProof]: "the bank's proof was invalid",
  [RefusalReason.GrantRevoked]: "you revoked the grant",
  [RefusalReason.InvalidMessage]: "the bank's message was malformed",
};

void boot();

async function boot(): Promise<void> {
  try {
    const response = await fetch("./config.json", { cache: "no-store" });
    if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
    config = parsePortalConfig(await response.json());
  } catch (e) {
    showAlert(`This portal is not configured: ${(e as Error).message}. Start it with \`blindcredit portal\`.`);
    fill("wallets");
    return;
  }
  discoverWallets(renderWallets);
  wireForms();
}

function renderWallets(wallets: WalletChoice[]): void {
  if (session) return;
  if (wallets.length === 0) {
    fill(
      "wallets",
      h(
        "p",
        {},
        "No wallet found in this browser. Install an Ethereum wallet extension (any that supports EIP-6963, or one " +
          "that provides window.ethereum), then reload this page.",
      ),
    );
    return;
  }
  fill(
    "wallets",
    h(
      "ul",
      { class: "wallets" },
      ...wallets.map((w) =>
        h(
          "li",
          {},
          h(
            "button",
            { type: "button", onclick: () => void connect(w) },
            w.icon ? h("img", { src: w.icon, alt: "", width: 24, height: 24 }) : "",
            `Connect ${w.name}`,
          ),
        ),
      ),
    ),
  );
}

async function connect(choice: WalletChoice): Promise<void> {
  clearAlert();
  showStatus(`Waiting for ${choice.name}…`);
  let accounts: string[];
  try {
    accounts = (await choice.provider.request({ method: "eth_requestAccounts" })) as string[];
  } catch (e) {
    showStatus("");
    showAlert(humanError(e, "Connecting the wallet"));
    return;
  }
  if (accounts.length === 0) {
    showAlert("Connecting the wallet: it shared no account. Unlock it and try again.");
    return;
  }
  if (wallet !== choice) {
    wallet?.provider.removeListener?.("chainChanged", onWalletChanged);
    wallet?.provider.removeListener?.("accountsChanged", onWalletChanged);
    wallet = choice;
    choice.provider.on?.("chainChanged", onWalletChanged);
    choice.provider.on?.("accountsChanged", onWalletChanged);
  }
  await openSession(getAddress(accounts[0]));
}

function onWalletChanged(): void {
  void (async () => {
    if (!wallet) return;
    const accounts = (await wallet.provider.request({ method: "eth_accounts" })) as string[];
    if (accounts.length === 0) return closeSession("Your wallet disconnected this page.");
    await openSession(getAddress(accounts[0]));
  })();
}

async function openSession(account: string): Promise<void> {
  closeSession();
  if (!wallet) return;
  const expected = BigInt(config.chainId);
  let chainId: bigint;
  try {
    chainId = await walletChainId(wallet.provider);
  } catch (e) {
    showAlert(humanError(e, "Asking the wallet for its network"));
    return;
  }
  byId("account").textContent = `Connected as ${account}`;
  if (chainId !== expected) {
    showStatus("");
    return showWrongNetwork(chainId);
  }
  clearAlert();
  const network = new Network(config.chainName, expected);
  const provider = new BrowserProvider(wallet.provider, network, { staticNetwork: network, pollingInterval: 1000 });
  const signer = await provider.getSigner(account);
  session = {
    provider,
    signer,
    account,
    contracts: connectContracts(config, signer),
    lastBlock: await provider.getBlockNumber(),
    checkIds: new Set(),
  };
  byId("account").textContent = `Connected as ${account} on ${config.chainName}`;
  await checkSchema(session.contracts.matching);
  byId("connect").hidden = true;
  await refresh();
  showStatus("");
  // The "Connected as" line stays in view (at phone width focusing the sections would scroll it away).
  byId("main").focus({ preventScroll: true });
  void provider.on("block", onBlock);
}

/** Names the consortium's credit schema, and warns when the deployment is fixed to another than the server's. */
async function checkSchema(matching: { schemaHash(): Promise<string> }): Promise<void> {
  const expected = config.schema;
  if (!expected) return;
  const deployed = (await matching.schemaHash()).toLowerCase();
  if (deployed === expected.hash.toLowerCase()) {
    byId("account").textContent += ` · credit schema ${expected.id} v${expected.version}`;
  } else {
    showAlert(
      `This portal expects credit schema ${expected.id} v${expected.version} (hash ${expected.hash}), but the ` +
        `deployment is fixed to schema hash ${deployed}: the records and checks shown follow another schema.`,
    );
  }
}

function closeSession(message?: string): void {
  if (session) {
    session.provider.destroy();
    session = undefined;
  }
  shown.clear();
  for (const id of ["register", "requests", "grants", "history", "verify", "data", "identity", "nav"]) {
    byId(id).hidden = true;
  }
  byId("connect").hidden = false;
  if (message) showAlert(message);
}

function showWrongNetwork(actual: bigint): void {
  const name = CHAIN_NAMES[actual.toString()] ?? `chain ${actual}`;
  byId("connect").hidden = false;
  fill(
    "alert",
    h(
      "div",
      { class: "alert" },
      h("h2", {}, "Wrong network"),
      h(
        "p",
        {},
        `Your wallet is on ${name} (chain id ${actual}). This portal's contracts are on ${config.chainName} ` +
          `(chain id ${config.chainId}). Nothing was read or sent.`,
      ),
      h(
        "button",
        {
          type: "button",
          onclick: async () => {
            try {
              await switchChain(wallet!.provider, config);
            } catch (e) {
              showAlert(humanError(e, "Switching the network"));
              return;
            }
            onWalletChanged();
          },
        },
        `Switch to ${config.chainName}`,
      ),
    ),
  );
}

/** Re-reads everything and redraws the sections whose data changed. */
async function refresh(): Promise<void> {
  const s = session;
  if (!s) return;
  const standing = await standingOf(s.contracts, s.account);
  s.standing = standing;
  byId("register").hidden = standing.registered;
  for (const id of ["requests", "grants", "history", "verify", "data", "identity", "nav"]) {
    byId(id).hidden = !standing.registered;
  }
  if (!standing.registered) return renderRegister(standing);
  const c = s.contracts;
  const [requests, grants, checks, categories, nonce] = await Promise.all([
    pendingRequests(c, s.account, config.fromBlock),
    grantsOf(c, s.account),
    checksOf(c, s.account),
    categoriesOf(c, s.account, config.fromBlock),
    c.permissions.nonces(s.account),
  ]);
  if (session !== s) return;
  for (const check of checks) s.checkIds.add(check.checkId);
  renderIfChanged("requests", requests, () => renderRequests(requests));
  renderIfChanged("grants", { grants, nonce }, () => renderGrants(grants, nonce));
  renderIfChanged("history", checks, () => renderHistory(checks));
  renderIfChanged("data", categories, () => renderCategories(categories));
  byId("identity-commitment").textContent = standing.commitment;
  openReceiptLink();
}

function renderIfChanged(key: string, data: unknown, render: () => void): void {
  const text = JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  if (shown.get(key) === text) return;
  shown.set(key, text);
  render();
}

let refreshing: Promise<void> | undefined;
let again = false;

/** One refresh at a time; a change seen meanwhile gets one more. */
function scheduleRefresh(): void {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = refresh()
    .catch((e) => showAlert(humanError(e, "Reading your data")))
    .finally(() => {
      refreshing = undefined;
      if (again) {
        again = false;
        scheduleRefresh();
      }
    });
}

/** Live updates: the logs of the new blocks that concern the subject or one of its checks. */
async function onBlock(block: number): Promise<void> {
  const s = session;
  if (!s || block <= s.lastBlock) return;
  const from = s.lastBlock + 1;
  s.lastBlock = block;
  const c = config.contracts;
  const logs = await s.provider.getLogs({
    fromBlock: from,
    toBlock: block,
    address: [c.PermissionSetting, c.ConditionMatching, c.OwnershipJudgment, c.NodeClassification],
  });
  const me = zeroPadValue(s.account, 32).toLowerCase();
  const mine = logs.filter((log) =>
    log.topics.slice(1).some((t) => t.toLowerCase() === me || s.checkIds.has(t.toLowerCase())),
  );
  if (mine.length === 0) return;
  const names = new Set<string>();
  for (const log of mine) {
    const iface = [s.contracts.permissions, s.contracts.matching, s.contracts.ownership].find(
      (x) => x.target.toString().toLowerCase() === log.address.toLowerCase(),
    )?.interface;
    const name = iface?.parseLog(log)?.name;
    if (name && UPDATE_TEXT[name]) names.add(UPDATE_TEXT[name]);
  }
  // Apart from the status line, so that a live update never hides the result of the person's own action.
  if (names.size > 0) {
    byId("updates").textContent = `Live update at ${new Date().toLocaleTimeString()}: ${[...names].join("; ")}.`;
  }
  scheduleRefresh();
}

const UPDATE_TEXT: Record<string, string> = {
  PermissionRequested: "a new permission request",
  PermissionSet: "a grant was set",
  PermissionRevoked: "a grant was revoked",
  RequestDeclined: "a request was declined",
  PermissionUsed: "a grant was used",
  ConsentsInvalidated: "your signed consents were voided",
  CheckRequested: "a bank opened a check of your data",
  CheckDecided: "a bank recorded its decision",
  CheckRefused: "the bureau refused a check",
  DataCommitted: "a provider committed new data",
};

function memberName(member: Member | string): string {
  const address = typeof member === "string" ? member : member.address;
  return config.labels[getAddress(address)] ?? `${address.slice(0, 6)}…${address.slice(-4)}`;
}

function memberCell(member: Member): HTMLElement {
  return h(
    "span",
    { class: "member" },
    h("strong", {}, config.labels[member.address] ?? NODE_TYPE_NAMES[member.nodeType]),
    h("span", { class: "mono addr" }, member.address),
    config.labels[member.address] ? h("span", { class: "hint" }, NODE_TYPE_NAMES[member.nodeType]) : "",
    member.active ? "" : h("span", { class: "badge bad" }, "no longer a member"),
  );
}

function levelsText(levels: number): string {
  return levelNames(levels)
    .map((n) => LEVEL_TEXT[n] ?? n)
    .join(", ");
}

function usesText(maxUses: number): string {
  return maxUses === 0 ? "unlimited" : maxUses === 1 ? "1 use" : `${maxUses} uses`;
}

/* Registration */

let loadedSalt: { salt: string; identity: string } | undefined;

function renderRegister(standing: Standing): void {
  const why =
    standing.status === NodeStatus.Removed
      ? "This account was removed from the consortium by vote: it cannot register again."
      : standing.nodeType !== NodeType.None && standing.nodeType !== NodeType.CreditSubject
        ? `This account is a ${NODE_TYPE_NAMES[standing.nodeType]}: use another account for your own credit data.`
        : standing.nodeType === NodeType.CreditSubject
          ? "This account is registered but has not committed to an identity yet."
          : "This account is not registered yet: register it to manage who may use your credit data.";
  byId("register-why").textContent = why;
  byId("register-title").focus();
}

async function register(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const s = session;
  if (!s?.standing) return;
  const input = byId<HTMLInputElement>("identity-input");
  const identity = input.value.trim();
  if (identity === "") {
    showAlert("Registering: enter your identity first.");
    input.focus();
    return;
  }
  const { salt, commitment } = identityCommitment(
    identity,
    loadedSalt && loadedSalt.identity === identity ? loadedSalt.salt : undefined,
  );
  // The salt is offered before the commitment is sent: a commitment nobody can open is worthless.
  download(
    `identity-${s.account}.json`,
    `${JSON.stringify(
      {
        subject: s.account,
        identity,
        salt,
        commitment,
        chainId: config.chainId,
        ownership: config.contracts.OwnershipJudgment,
      },
      null,
      2,
    )}\n`,
  );
  await act(event.submitter as HTMLButtonElement | null, "Registering", async () => {
    const { classification, ownership } = s.contracts;
    if (s.standing!.nodeType === NodeType.None) {
      showStatus("Confirm the registration in your wallet (1 of 2)…");
      await (await classification.registerSubject()).wait();
    }
    showStatus("Confirm the identity commitment in your wallet (2 of 2)…");
    await (await ownership.commitIdentity(commitment)).wait();
    return "Registered. Keep the salt file you downloaded: it proves the commitment is yours.";
  });
}

async function loadRegisterSalt(): Promise<void> {
  const file = await readSaltFile(byId<HTMLInputElement>("register-salt"));
  if (!file) return;
  loadedSalt = file;
  byId<HTMLInputElement>("identity-input").value = file.identity;
  showStatus("Salt file loaded: registering will commit with its salt.");
}

async function readSaltFile(input: HTMLInputElement): Promise<{ salt: string; identity: string } | undefined> {
  const bytes = await fileBytes(input);
  if (!bytes) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { salt?: unknown; identity?: unknown };
    if (typeof parsed.salt !== "string" || typeof parsed.identity !== "string") throw new Error("no salt or identity");
    identityCommitment(parsed.identity, parsed.salt);
    return { salt: parsed.salt, identity: parsed.identity };
  } catch (e) {
    showAlert(`That file is not a salt file (${(e as Error).message}): expected { "identity", "salt" }.`);
    return undefined;
  }
}

async function checkIdentitySalt(): Promise<void> {
  const s = session;
  const file = await readSaltFile(byId<HTMLInputElement>("identity-salt"));
  if (!s || !file) return;
  const opens = await s.contracts.ownership.identityMatches(s.account, file.salt, toUtf8Bytes(file.identity));
  byId("identity-result").textContent = opens
    ? `This salt file opens your commitment: it is your proof for "${file.identity}".`
    : "This salt file does not open your commitment: it belongs to another account or another identity.";
}

/* Requests */

function renderRequests(requests: PendingRequest[]): void {
  if (requests.length === 0) {
    fill(
      "requests-list",
      h("p", {}, "No pending requests. When a member asks for access to your data, it shows here."),
    );
    return;
  }
  fill("requests-list", ...requests.map(requestCard));
}

function requestCard(request: PendingRequest): HTMLElement {
  const key = request.grantee.address.toLowerCase();
  const levelIds = Object.values(Level).filter((bit) => (request.allowed & bit) !== 0);
  const title = `${memberName(request.grantee)} asks for access`;
  const form = h(
    "form",
    { class: "terms", "aria-label": `Terms for ${memberName(request.grantee)}` },
    h(
      "fieldset",
      {},
      h("legend", {}, "Levels to grant"),
      ...levelIds.map((bit) => {
        const name = levelNames(bit)[0];
        return h(
          "label",
          { class: "check" },
          h("input", { type: "checkbox", name: "level", value: bit, checked: (request.levels & bit) !== 0 }),
          ` ${LEVEL_TEXT[name] ?? name}`,
        );
      }),
    ),
    h("label", { for: `expiry-${key}` }, "Valid until"),
    h("input", {
      id: `expiry-${key}`,
      name: "expiry",
      type: "datetime-local",
      required: true,
      value: localInput(request.expiry),
    }),
    h("label", { for: `uses-${key}` }, "Number of uses (0 for unlimited)"),
    h("input", {
      id: `uses-${key}`,
      name: "uses",
      type: "number",
      min: 0,
      max: 4294967295,
      required: true,
      value: request.maxUses,
    }),
    h(
      "div",
      { class: "actions" },
      config.relayPath ? h("button", { type: "submit", name: "how", value: "sign" }, "Approve without gas (sign)") : "",
      h(
        "button",
        { type: "submit", name: "how", value: "transaction", class: config.relayPath ? "secondary" : "" },
        "Approve by transaction",
      ),
      h(
        "button",
        {
          type: "button",
          class: "danger",
          "aria-label": `Decline the request of ${memberName(request.grantee)}`,
          onclick: (e: Event) => void declineRequest(e.currentTarget as HTMLButtonElement, request),
        },
        "Decline",
      ),
    ),
  );
  form.addEventListener("submit", (event) => void approve(event, request, form));
  return h(
    "article",
    { class: "card", "aria-label": title },
    h("h3", {}, title),
    h(
      "dl",
      {},
      h("dt", {}, "Who"),
      h("dd", {}, memberCell(request.grantee)),
      h("dt", {}, "Asks for"),
      h("dd", {}, levelsText(request.levels)),
      h("dt", {}, "Until"),
      h("dd", {}, when(request.expiry)),
      h("dt", {}, "Uses"),
      h("dd", {}, usesText(request.maxUses)),
    ),
    form,
  );
}

async function approve(event: SubmitEvent, request: PendingRequest, form: HTMLFormElement): Promise<void> {
  event.preventDefault();
  const s = session;
  if (!s) return;
  const data = new FormData(form);
  const levels = data.getAll("level").reduce((acc: number, v) => acc | Number(v), 0);
  // The input has minutes only: the request's own expiry, to the second, when the person left it as it was.
  const expiryInput = String(data.get("expiry"));
  const expiry =
    expiryInput === localInput(request.expiry)
      ? request.expiry
      : BigInt(Math.floor(new Date(expiryInput).getTime() / 1000));
  const maxUses = Number(data.get("uses"));
  const how = (event.submitter as HTMLButtonElement | null)?.value ?? "transaction";
  const who = memberName(request.grantee);
  if (levels === 0) return showAlert("Approving: choose at least one level, or leave the request unanswered.");
  if (!Number.isSafeInteger(maxUses) || maxUses < 0 || maxUses > 0xffffffff) {
    return showAlert("Approving: the number of uses must be a whole number from 0 (unlimited) up.");
  }
  const { permissions } = s.contracts;
  if (how === "sign") {
    await act(event.submitter as HTMLButtonElement, "Approving by signature", async () => {
      const now = (await s.provider.getBlock("latest"))!.timestamp;
      showStatus("Sign the consent in your wallet…");
      const { consent, signature } = await signConsent(permissions, s.signer, {
        grantee: request.grantee.address,
        levels,
        expiry,
        maxUses,
        deadline: BigInt(now + 3600),
      });
      showStatus("Sending the signed consent to the bureau, which submits it…");
      const response = await fetch(config.relayPath!, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ consent, signature }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      });
      const answer = (await response.json().catch(() => ({}))) as { txHash?: string; error?: string };
      if (!response.ok) throw new Error(`the bureau did not submit it: ${answer.error ?? `HTTP ${response.status}`}`);
      return `Approved ${who} without gas: the bureau submitted your consent in transaction ${answer.txHash}.`;
    });
    return;
  }
  await act(event.submitter as HTMLButtonElement, "Approving", async () => {
    showStatus("Confirm the grant in your wallet…");
    const tx = await approveRequest(
      s.contracts,
      { ...request, grantee: request.grantee.address },
      { levels, expiry, maxUses },
    );
    await tx.wait();
    return `Approved ${who} (transaction ${tx.hash}).`;
  });
}

async function declineRequest(button: HTMLButtonElement, request: PendingRequest): Promise<void> {
  const s = session;
  if (!s) return;
  await act(button, "Declining the request", async () => {
    showStatus("Confirm that you decline, in your wallet…");
    await (await decline(s.contracts, request.grantee.address)).wait();
    return `Declined the request of ${memberName(request.grantee)}: nothing was granted, and it is told so.`;
  });
}

/* Grants */

function renderGrants(grants: GrantRow[], nonce: bigint): void {
  byId("void-consents").setAttribute("data-nonce", nonce.toString());
  fillTable(
    "grants-list",
    "You have granted nothing yet.",
    "Everyone you have granted access to",
    ["Member", "Levels", "Until", "Uses", "State", ""],
    grants.map((g) => {
      const left = g.maxUses === 0 ? "unlimited" : `${Math.max(0, g.maxUses - g.uses)} of ${g.maxUses} left`;
      const live = g.state !== GrantState.Revoked && g.state !== GrantState.None;
      return h(
        "tr",
        { "data-grantee": g.grantee.address },
        h("td", { "data-label": "Member" }, memberCell(g.grantee)),
        h("td", { "data-label": "Levels" }, g.levels === 0 ? "—" : levelsText(g.levels)),
        h("td", { "data-label": "Until" }, g.expiry === 0n ? "—" : when(g.expiry)),
        h("td", { "data-label": "Uses" }, g.state === GrantState.Revoked ? "—" : `${g.uses} used, ${left}`),
        h("td", { "data-label": "State" }, h("span", { class: `badge state-${g.state}` }, GRANT_STATE_TEXT[g.state])),
        h(
          "td",
          {},
          live
            ? h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  "aria-label": `Revoke the grant of ${memberName(g.grantee)}`,
                  onclick: (e: Event) => void revoke(e.currentTarget as HTMLButtonElement, g),
                },
                "Revoke",
              )
            : "",
        ),
      );
    }),
  );
}

async function revoke(button: HTMLButtonElement, grant: GrantRow): Promise<void> {
  const s = session;
  if (!s) return;
  await act(button, "Revoking the grant", async () => {
    showStatus("Confirm the revocation in your wallet…");
    const tx = await revokeGrant(s.contracts, grant.grantee.address);
    await tx.wait();
    return `Revoked the grant of ${memberName(grant.grantee)}: it cannot be used any more.`;
  });
}

async function voidConsents(button: HTMLButtonElement): Promise<void> {
  const s = session;
  if (!s) return;
  await act(button, "Voiding signed consents", async () => {
    showStatus("Confirm in your wallet…");
    await (await s.contracts.permissions.invalidateConsents()).wait();
    return "Every consent you signed and nobody submitted yet is now void.";
  });
}

/* Who checked me */

function renderHistory(checks: CheckRow[]): void {
  fillTable(
    "history-list",
    "Nobody has checked your data.",
    "Every check of your data, newest first",
    ["When", "Bank", "Mode", "Outcome", "Check"],
    checks.map((c) =>
      h(
        "tr",
        { "data-check": c.checkId },
        h("td", { "data-label": "When" }, when(c.time)),
        h("td", { "data-label": "Bank" }, h("span", { class: "mono", title: c.bank }, memberName(c.bank))),
        h("td", { "data-label": "Mode" }, c.mode === CheckMode.Decision ? "one-bit decision" : "per-condition (paper)"),
        h("td", { "data-label": "Outcome" }, outcome(c)),
        h(
          "td",
          { "data-label": "Check" },
          short(c.checkId),
          " ",
          c.state === CheckState.Decided
            ? h(
                "button",
                {
                  type: "button",
                  class: "link",
                  "aria-label": `Verify the decision of check ${c.checkId}`,
                  onclick: () => {
                    byId<HTMLInputElement>("verify-check").value = c.checkId;
                    byId<HTMLInputElement>("verify-salt").focus();
                  },
                },
                "Verify",
              )
            : "",
        ),
      ),
    ),
  );
}

function outcome(c: CheckRow): HTMLElement {
  switch (c.state) {
    case CheckState.Decided:
      return h("span", { class: "badge state-1" }, "decided");
    case CheckState.Expired:
      return h("span", { class: "badge state-2" }, "expired");
    case CheckState.Refused:
      return h(
        "span",
        {},
        h("span", { class: "badge state-4" }, "refused"),
        c.refusal !== undefined ? ` (${REFUSAL_TEXT[c.refusal]})` : "",
      );
    default:
      return h("span", { class: "badge" }, `in progress (${CheckState[c.state].toLowerCase()})`);
  }
}

async function verify(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const s = session;
  if (!s) return;
  const checkId = byId<HTMLInputElement>("verify-check").value.trim().toLowerCase();
  const salt = byId<HTMLInputElement>("verify-salt").value.trim().toLowerCase();
  const result = byId("verify-result");
  try {
    const found = await verifyDecision(s.contracts, checkId, salt);
    if (found.kind === "not-decided") {
      result.textContent =
        found.state === CheckState.None
          ? "No check with this id on this chain."
          : `This check has no decision to verify: it is ${CheckState[found.state].toLowerCase()}.`;
    } else if (found.kind === "no-match") {
      result.textContent =
        "This salt does not open the decision recorded on-chain: it is not the bank's salt for this check.";
    } else {
      const about = getAddress(found.subject) === s.account ? "your data" : `another subject's data (${found.subject})`;
      result.textContent =
        `Verified: ${memberName(found.bank)} recorded "${found.approved ? "approved" : "declined"}" for this check of ` +
        `${about}. The salt opens the on-chain commitment; the bank cannot claim the other outcome.`;
    }
  } catch (e) {
    result.textContent = humanError(e, "Verifying the decision");
  }
}

async function loadCheckRecord(): Promise<void> {
  const bytes = await fileBytes(byId<HTMLInputElement>("verify-record"));
  if (!bytes) return;
  try {
    const text = new TextDecoder().decode(bytes);
    const { checkId } = JSON.parse(text) as { checkId?: unknown };
    if (typeof checkId !== "string") throw new Error('expected "checkId" as 0x and 64 hex digits');
    fillVerify(checkId, parseDecisionClaim(text).salt);
  } catch (e) {
    showAlert(
      `That file is not a receipt of a check (${(e as Error).message}): expected the file the bank exported with ` +
        "blindcredit bank receipt.",
    );
  }
}

/** Fills the verification form and verifies at once (a receipt's file or link). */
function fillVerify(checkId: string, salt: string): void {
  byId<HTMLInputElement>("verify-check").value = checkId;
  byId<HTMLInputElement>("verify-salt").value = salt;
  byId<HTMLFormElement>("verify-form").requestSubmit();
}

/** A receipt link (`#verify?check=…&salt=…`) opens the verification once the subject is connected. */
function openReceiptLink(): void {
  const link = parseReceiptLink(location.hash);
  if (!link || byId("verify").hidden) return;
  history.replaceState(null, "", `${location.pathname}${location.search}#verify`);
  fillVerify(link.checkId, link.salt);
  byId("verify").scrollIntoView({ block: "start" });
}

/* Data categories */

function categoryName(category: string): string {
  return config.categories[category.toLowerCase()] ?? `Category ${category.slice(0, 10)}…`;
}

function renderCategories(categories: CategoryRow[]): void {
  const select = byId<HTMLSelectElement>("data-category");
  select.replaceChildren(...categories.map((c) => h("option", { value: c.category }, categoryName(c.category))));
  byId("data-form").hidden = categories.length === 0;
  fillTable(
    "data-list",
    "No provider has committed data about you yet.",
    "Categories of your credit data with a committed hash",
    ["Category", "Committed hash", "By", "When"],
    categories.map((c) =>
      h(
        "tr",
        {},
        h("td", { "data-label": "Category" }, categoryName(c.category)),
        h("td", { "data-label": "Hash" }, short(c.dataHash)),
        h("td", { "data-label": "By" }, memberName(c.writer)),
        h("td", { "data-label": "When" }, when(c.time)),
      ),
    ),
  );
}

async function readRecord(button: HTMLButtonElement): Promise<void> {
  const s = session;
  if (!s) return;
  await act(button, "Reading your record", async () => {
    showStatus("Sign the request in your wallet: it proves to the bureau that you are asking for your own record…");
    const record = await readOwnRecord(location.origin, { signer: s.signer, bureau: config.bureau! });
    fillTable(
      "own-record-list",
      "The bureau holds no field of your record.",
      `Your record at the bureau (hash ${record.hash})`,
      ["Field", "Value"],
      Object.entries(record.fields).map(([name, value]) =>
        h("tr", {}, h("td", { "data-label": "Field" }, name), h("td", { "data-label": "Value" }, value)),
      ),
    );
    return "Your record as the bureau holds it is shown under Your credit data.";
  });
}

async function checkRecord(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const s = session;
  if (!s) return;
  const category = byId<HTMLSelectElement>("data-category").value;
  const bytes =
    (await fileBytes(byId<HTMLInputElement>("data-file"))) ?? toUtf8Bytes(byId<HTMLTextAreaElement>("data-text").value);
  const result = byId("data-result");
  if (bytes.length === 0) {
    result.textContent = "Choose the record's file or paste it first.";
    return;
  }
  const committed = await s.contracts.ownership.dataHashOf(s.account, category);
  if (committed === ZeroHash) {
    result.textContent = `Nothing is committed for ${categoryName(category)}.`;
    return;
  }
  const matches =
    keccak256(bytes) === committed && (await s.contracts.ownership.verifyData(s.account, category, bytes));
  result.textContent = matches
    ? `This record is exactly what was committed for ${categoryName(category)} (${committed}).`
    : `This record differs from what was committed for ${categoryName(category)}: its hash is ${keccak256(bytes)}, ` +
      `the chain holds ${committed}. Even one changed character or space makes it differ.`;
}

/* Shared */

function wireForms(): void {
  byId("register-form").addEventListener("submit", (e) => void register(e as SubmitEvent));
  byId("register-salt").addEventListener("change", () => void loadRegisterSalt());
  byId("identity-salt").addEventListener("change", () => void checkIdentitySalt());
  byId("verify-form").addEventListener("submit", (e) => void verify(e as SubmitEvent));
  byId("verify-record").addEventListener("change", () => void loadCheckRecord());
  byId("data-form").addEventListener("submit", (e) => void checkRecord(e as SubmitEvent));
  byId("void-consents").addEventListener("click", (e) => void voidConsents(e.currentTarget as HTMLButtonElement));
  byId("own-record").hidden = config.bureau === undefined;
  window.addEventListener("hashchange", openReceiptLink);
  byId("own-record-read").addEventListener("click", (e) => void readRecord(e.currentTarget as HTMLButtonElement));
}

/** Runs a wallet action with its button busy; shows its result, or an error a person understands. */
async function act(button: HTMLButtonElement | null, what: string, run: () => Promise<string>): Promise<void> {
  clearAlert();
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    const message = await run();
    await refresh();
    showStatus(message);
  } catch (e) {
    showStatus("");
    showAlert(humanError(e, what));
  } finally {
    if (button?.isConnected) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

function showAlert(message: string): void {
  fill(
    "alert",
    h(
      "div",
      { class: "alert" },
      h("p", {}, message),
      h("button", { type: "button", class: "secondary", onclick: clearAlert }, "Dismiss"),
    ),
  );
}

function clearAlert(): void {
  fill("alert");
}

function showStatus(message: string): void {
  byId("status").textContent = message;
}

/** A Unix time as a `datetime-local` input value, in local time. */
function localInput(seconds: bigint): string {
  const date = new Date(Number(seconds) * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}
