/**
 * `blindcredit subject`: a credit subject registers and commits to its identity, answers
 * permission requests, grants, limits and revokes, and reads who accessed its data (paper flow
 * 3.4 and the history record of section 3.2 (3)).
 * @module
 */
import { readFileSync, unlinkSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { identityCommitment } from "../../clients/identity";
import {
  approve,
  auditTrail,
  checksOf,
  decline,
  grant,
  grantsOf,
  pendingRequests,
  revoke,
  PAGE,
  type SubjectContracts,
} from "../../clients/subject";
import { AuditAction, CheckMode, CheckState, NodeStatus, NodeType, RefusalReason } from "../../contractEnums";
import type { PermissionSetting } from "../../../typechain-types";
import { nodeTypeName, parseAddress, parseInteger, parseLevelList, parseMaxUses } from "../args";
import { action, connectReader, connectSigner, eventsNamed, subjectAddress, type SigningConnection } from "../context";
import { argParser, usageError } from "../errors";
import { isoTime, table, type Output } from "../output";
import {
  addExpiryOptions,
  bureauFailure,
  bureauOption,
  bureauUrlOption,
  standingOf,
  levelText,
  refuseExisting,
  resolveExpiry,
  writeSecretFile,
  type ExpiryOptions,
} from "../shared";

export function register(program: Command): void {
  const subject = program
    .command("subject")
    .description("credit subjects: register, answer requests, grant and revoke, see who checked you");

  subject
    .command("register")
    .description(
      "register as a credit subject and commit to your identity (a salted hash goes on-chain, never the identity); " +
        "the salt is saved to --salt-file",
    )
    .option(
      "--identity-file <file>",
      "a file holding your identity string, e.g. a national id and name (without it, a prompt on the terminal; " +
        "never a flag value, which others could read in `ps`)",
    )
    .option("--salt-file <file>", "where to save the salt that opens the commitment (default identity-<address>.json)")
    .action(
      action(async (inv, opts: { identityFile?: string; saltFile?: string }) => {
        const identity = await readIdentity(opts);
        if (opts.saltFile) refuseExisting(opts.saltFile, "--salt-file");
        const conn = await connectSigner(inv);
        const { classification, ownership } = conn.suite;
        const saltFile = opts.saltFile ?? `identity-${conn.address}.json`;
        refuseExisting(saltFile, "--salt-file");

        const node = await classification.nodeOf(conn.address);
        const registered =
          Number(node.status) === NodeStatus.Active && Number(node.nodeType) === NodeType.CreditSubject;
        if (!registered) await inv.out.send("registerSubject", classification.registerSubject());
        else inv.out.progress(`registerSubject: ${conn.address} is already an active credit subject`);

        const { salt, commitment } = identityCommitment(identity);
        // The salt is saved before the commitment is sent: a commitment nobody can open is worthless.
        writeSecretFile(
          saltFile,
          `${JSON.stringify(
            {
              subject: conn.address,
              identity,
              salt,
              commitment,
              chainId: conn.chainId.toString(),
              ownership: await ownership.getAddress(),
            },
            null,
            2,
          )}\n`,
          "--salt-file",
        );
        try {
          await inv.out.send("commitIdentity", ownership.commitIdentity(commitment));
        } catch (e) {
          unlinkSync(saltFile); // nothing was committed: the salt opens nothing
          throw e;
        }
        inv.out.result({ subject: conn.address, commitment, saltFile }, (d) => [
          `registered ${d.subject} as a credit subject; identity commitment ${d.commitment}`,
          `salt saved to ${d.saltFile} (keep it: it proves the commitment is yours)`,
        ]);
      }),
    );

  subject
    .command("requests")
    .description("pending permission requests: who asked for what, until when")
    .argument("[subject]", "the subject (default: the signer)", argParser(parseAddress))
    .option(
      "--from-block <n>",
      "search request events from this block",
      argParser((v) => parseInteger(v)),
      0,
    )
    .action(
      action(async (inv, given: string | undefined, opts: { fromBlock: number }) => {
        const conn = await connectReader(inv);
        const address = subjectAddress(conn, given, "a subject address");
        const requests = (await pendingRequests(conn.suite, address, opts.fromBlock)).map((r) => ({
          grantee: r.grantee.address,
          granteeType: nodeTypeName(r.grantee.nodeType),
          levels: levelText(BigInt(r.levels)),
          expiry: isoTime(r.expiry),
          maxUses: r.maxUses,
        }));
        inv.out.result({ subject: address, requests }, (d) =>
          d.requests.length === 0
            ? `no pending requests for ${d.subject}`
            : [
                ...table(
                  ["grantee", "type", "levels", "until", "uses"],
                  d.requests.map((r) => [r.grantee, r.granteeType, r.levels, r.expiry, usesText(r.maxUses)]),
                ),
                "approve with: blindcredit subject approve <grantee>, or say no with: blindcredit subject decline <grantee>",
              ],
        );
      }),
    );

  subject
    .command("approve")
    .description("grant exactly what <grantee> asked for (see subject requests)")
    .argument("<grantee>", "who asked", argParser(parseAddress))
    .action(
      action(async (inv, grantee: string) => {
        const conn = await connectSigner(inv);
        const permissions = await permissionRecord(inv.out, conn);
        const request = await permissions.requestOf(conn.address, grantee);
        if (request.levels !== 0n) {
          inv.out.progress(
            `approving ${grantee}: ${levelText(request.levels)} until ${isoTime(request.expiry)}, ${usesText(Number(request.maxUses))}`,
          );
        }
        const { receipt } = await inv.out.send(
          "approveRequest",
          // The terms just shown: if the requester changes them meanwhile, the approval reverts.
          approve(clientOf(conn, permissions), {
            grantee,
            levels: Number(request.levels),
            expiry: request.expiry,
            maxUses: Number(request.maxUses),
          }),
        );
        const [set] = await eventsNamed(permissions, receipt, "PermissionSet");
        await printGrant(inv.out, conn, permissions, grantee, set ? "granted" : "unchanged");
      }),
    );

  subject
    .command("decline")
    .description("say no to <requester>'s pending request: it is cleared, and the requester sees that you declined")
    .argument("<requester>", "who asked", argParser(parseAddress))
    .action(
      action(async (inv, requester: string) => {
        const conn = await connectSigner(inv);
        const permissions = await permissionRecord(inv.out, conn);
        await inv.out.send("declineRequest", decline(clientOf(conn, permissions), requester));
        inv.out.result(
          { subject: conn.address, requester, outcome: "declined" },
          (d) => `declined the request of ${d.requester}: nothing was granted, and it sees RequestDeclined`,
        );
      }),
    );

  addExpiryOptions(
    subject
      .command("grant")
      .description("set <grantee>'s grant: levels, expiry and use limit (replaces its current grant)")
      .argument("<grantee>", "who gets it", argParser(parseAddress))
      .requiredOption(
        "--levels <levels>",
        "write or blind-read (a bank only ever gets blind-read, a provider or the bureau write; read and ownership are granted to no one)",
        argParser(parseLevelList),
      )
      .option(
        "--max-uses <n>",
        'uses allowed, or "unlimited" (default 1: a one-time grant)',
        argParser(parseMaxUses),
        1,
      ),
    "30d",
  ).action(
    action(async (inv, grantee: string, opts: ExpiryOptions & { levels: number; maxUses: number }) => {
      const conn = await connectSigner(inv);
      const permissions = await permissionRecord(inv.out, conn);
      const expiry = await resolveExpiry(conn.provider, opts);
      const { receipt } = await inv.out.send(
        "setPermission",
        grant(clientOf(conn, permissions), grantee, { levels: opts.levels, expiry, maxUses: opts.maxUses }),
      );
      const [set] = await eventsNamed(permissions, receipt, "PermissionSet");
      await printGrant(inv.out, conn, permissions, grantee, set ? "granted" : "unchanged");
    }),
  );

  subject
    .command("revoke")
    .description("revoke <grantee>'s grant at once (and void every consent you signed and it has not used)")
    .argument("<grantee>", "whose grant", argParser(parseAddress))
    .action(
      action(async (inv, grantee: string) => {
        const conn = await connectSigner(inv);
        const permissions = await permissionRecord(inv.out, conn);
        const { receipt } = await inv.out.send("revoke", revoke(clientOf(conn, permissions), grantee));
        const [event] = await eventsNamed(permissions, receipt, "PermissionRevoked");
        const data = { subject: conn.address, grantee, revokedGrantId: event?.args.grantId as string };
        inv.out.result(data, (d) => `revoked the grant of ${d.grantee} (grant ${d.revokedGrantId})`);
      }),
    );

  subject
    .command("grants")
    .description("everyone you have granted to: levels, expiry, uses, and whether the grant is live")
    .argument("[subject]", "the subject (default: the signer)", argParser(parseAddress))
    .action(
      action(async (inv, given: string | undefined) => {
        const conn = await connectReader(inv);
        const address = subjectAddress(conn, given, "a subject address");
        const grants = (await grantsOf(conn.suite, address)).map((g) => ({
          grantee: g.grantee.address,
          grantId: g.grantId,
          levels: levelText(BigInt(g.levels)),
          expiry: g.expiry === 0n ? null : isoTime(g.expiry),
          uses: g.uses,
          maxUses: g.maxUses,
          standing: standingOf(g.state),
        }));
        inv.out.result({ subject: address, grants }, (d) =>
          d.grants.length === 0
            ? `${d.subject} has granted nothing`
            : table(
                ["grantee", "levels", "until", "uses", "standing"],
                d.grants.map((g) => [
                  g.grantee,
                  g.levels,
                  g.expiry ?? "-",
                  `${g.uses}/${g.maxUses === 0 ? "unlimited" : g.maxUses}`,
                  g.standing,
                ]),
              ),
        );
      }),
    );

  subject
    .command("history")
    .description("who checked you: your audit trail (requests, grants, data commits, checks), oldest first")
    .argument("[subject]", "the subject (default: the signer)", argParser(parseAddress))
    .option(
      "--offset <n>",
      "first entry to show (default: the last --limit entries)",
      argParser((v) => parseInteger(v)),
    )
    .option(
      "--limit <n>",
      "entries to show, 1 to 100",
      argParser((v) => parseInteger(v, 1, PAGE)),
      20,
    )
    .action(
      action(async (inv, given: string | undefined, opts: { offset?: number; limit: number }) => {
        const conn = await connectReader(inv);
        const address = subjectAddress(conn, given, "a subject address");
        const trail = await auditTrail(
          conn.suite,
          address,
          opts.limit,
          opts.offset !== undefined ? BigInt(opts.offset) : undefined,
        );
        const { total, offset } = trail;
        const entries = trail.entries.map((e) => ({
          index: e.index,
          time: isoTime(BigInt(e.time)),
          action: AuditAction[e.action],
          actor: e.actor,
          ...refOf(e.action, e.ref),
        }));
        inv.out.result({ subject: address, total, offset, entries }, (d) =>
          d.total === 0n
            ? `no history for ${d.subject}`
            : [
                `${d.subject}: entries ${d.offset} to ${d.offset + BigInt(d.entries.length) - 1n} of ${d.total}`,
                ...table(
                  ["#", "time", "action", "by", "reference"],
                  d.entries.map((e) => [String(e.index), e.time, e.action, e.actor, `${e.refKind} ${e.refValue}`]),
                ),
              ],
        );
      }),
    );
  subject
    .command("record")
    .description(
      "your right of access: read your current credit record from the bureau (a request signed by your account; " +
        "the bureau serves it to you only)",
    )
    .addOption(bureauOption().makeOptionMandatory())
    .addOption(bureauUrlOption())
    .action(
      action(async (inv, opts: { bureau: string; bureauUrl: string }) => {
        const conn = await connectSigner(inv);
        const { readOwnRecord } = await import("../../clients/subject");
        const party = { signer: conn.signer, bureau: opts.bureau };
        const record = await readOwnRecord(opts.bureauUrl, party).catch((e: unknown) => {
          throw bureauFailure(e, opts.bureauUrl);
        });
        inv.out.result(record, (d) => [
          `your credit record at the bureau (hash ${d.hash}, the one committed on-chain):`,
          ...table(
            ["field", "value"],
            Object.entries(d.fields).map(([name, value]) => [name, value]),
          ),
        ]);
      }),
    );

  subject
    .command("checks")
    .description("who checked you: every check of your data, newest first, with how it ended (as the portal shows it)")
    .argument("[subject]", "the subject (default: the signer)", argParser(parseAddress))
    .action(
      action(async (inv, given: string | undefined) => {
        const conn = await connectReader(inv);
        const address = subjectAddress(conn, given, "a subject address");
        const checks = (await checksOf(conn.suite, address)).map((c) => ({
          checkId: c.checkId,
          bank: c.bank,
          time: isoTime(BigInt(c.time)),
          mode: c.mode === CheckMode.Decision ? "decision" : "paper",
          state: CheckState[c.state],
          ...(c.refusal !== undefined ? { refusal: RefusalReason[c.refusal] } : {}),
        }));
        inv.out.result({ subject: address, checks }, (d) =>
          d.checks.length === 0
            ? `nobody has checked ${d.subject}`
            : table(
                ["time", "bank", "mode", "state", "check"],
                d.checks.map((c) => [
                  c.time,
                  c.bank,
                  c.mode,
                  c.refusal ? `${c.state} (${c.refusal})` : c.state,
                  c.checkId,
                ]),
              ),
        );
      }),
    );
}

/** Paper flow 3.4 steps (2)–(6): history record → ownership record → permission record. */
async function permissionRecord(out: Output, conn: SigningConnection): Promise<PermissionSetting> {
  const { findPermissionRecord } = await import("../../clients/consent");
  const { permissions } = await findPermissionRecord(conn.suite.history, conn.address, conn.signer).catch(
    (e: Error) => {
      throw usageError(`${e.message} (blindcredit subject register --identity-file …)`);
    },
  );
  out.progress(`permission record of ${conn.address}: ${await permissions.getAddress()}`);
  return permissions;
}

async function printGrant(
  out: Output,
  conn: SigningConnection,
  permissions: PermissionSetting,
  grantee: string,
  outcome: "granted" | "unchanged",
): Promise<void> {
  const [grant, grantId, state] = await Promise.all([
    permissions.grantOf(conn.address, grantee),
    permissions.grantId(conn.address, grantee),
    permissions.grantState(conn.address, grantee),
  ]);
  const data = {
    outcome,
    subject: conn.address,
    grantee,
    grantId,
    levels: levelText(grant.levels),
    expiry: isoTime(grant.expiry),
    maxUses: Number(grant.maxUses),
    uses: Number(grant.uses),
    standing: standingOf(state),
  };
  out.result(
    data,
    (d) =>
      `${d.outcome === "granted" ? "granted" : "no change (same terms):"} ${d.grantee}: ${d.levels} until ${d.expiry}, ` +
      `${usesText(d.maxUses)} (grant ${d.grantId})`,
  );
}

/** What an audit entry's reference is, by its action. */
function refOf(action: AuditAction, ref: string): { refKind: string; refValue: string; checkId?: string } {
  switch (action) {
    case AuditAction.AdmissionRequested:
    case AuditAction.NodeAdmitted:
    case AuditAction.NodeRemoved:
      // Zero for genesis members and self-registered subjects: no vote admitted them.
      return { refKind: "proposal", refValue: BigInt(ref) === 0n ? "none" : BigInt(ref).toString() };
    case AuditAction.PermissionRequested:
    case AuditAction.PermissionDeclined:
      return { refKind: "levels", refValue: levelText(BigInt(ref)) };
    case AuditAction.PermissionGranted:
    case AuditAction.PermissionRevoked:
      return { refKind: "grant", refValue: ref };
    case AuditAction.IdentityCommitted:
      return { refKind: "commitment", refValue: ref };
    case AuditAction.DataCommitted:
      return { refKind: "data hash", refValue: ref };
    case AuditAction.CheckRequested:
    case AuditAction.CheckAnswered:
    case AuditAction.CheckDecided:
    case AuditAction.CheckRefused:
      return { refKind: "check", refValue: ref, checkId: ref };
    default:
      return { refKind: "ref", refValue: ref };
  }
}

function usesText(maxUses: number): string {
  return maxUses === 0 ? "unlimited uses" : maxUses === 1 ? "1 use" : `${maxUses} uses`;
}

/** The subject client's contracts, with the permission record found through the history and ownership records. */
function clientOf(conn: SigningConnection, permissions: PermissionSetting): SubjectContracts {
  return { ...conn.suite, permissions };
}

/**
 * The identity to commit to: from `--identity-file` (its first line) or a prompt on the terminal, never from a flag
 * value, so that it does not appear in the process list or the shell's history.
 * @throws CliError exit 2 for an unreadable or empty file, an empty answer, or no terminal to prompt on
 */
async function readIdentity(opts: { identityFile?: string }): Promise<string> {
  let identity: string;
  let from: string;
  if (opts.identityFile !== undefined) {
    from = `--identity-file ${opts.identityFile}`;
    try {
      identity = readFileSync(opts.identityFile, "utf8").split(/\r?\n/)[0];
    } catch (e) {
      throw usageError(`${from}: cannot read it (${(e as NodeJS.ErrnoException).code})`);
    }
  } else if (process.stdin.isTTY) {
    from = "the prompt";
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      identity = await prompt.question("your identity (e.g. a national id and name): ");
    } finally {
      prompt.close();
    }
  } else {
    throw usageError("expected --identity-file <file> (or a terminal to prompt on), got neither");
  }
  if (identity.trim() === "") throw usageError(`${from}: expected a non-empty identity string, got an empty one`);
  return identity;
}
