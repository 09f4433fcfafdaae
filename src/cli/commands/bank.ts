/**
 * `blindcredit bank`: a credit access user makes and registers its Paillier key, asks a subject for
 * blind-read access, writes condition forms, runs blind credit checks against the bureau service,
 * and reads decisions back (paper flow 3.5). The private key never leaves the bank's machine: it is
 * read from a file, used in this process, and only its public half goes on-chain.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import type { Signer } from "ethers";
import type {
  BankStage,
  CheckOutcome,
  CheckRequest,
  CheckWaitError,
  RunCheckOptions,
  SavedCheck,
} from "../../clients/bankCheck";
import { parseJson } from "../../json";
import type { DecisionClaim } from "../../clients/decisionRecord";
import type { PaillierPrivateKey } from "../../paillier";
import { comparisonCountOf, isScorecard, type ParsedCondition } from "../../protocol/form";
import { fieldNamed, formatFieldValue, type CreditSchema } from "../../protocol/schema";
import { convertModel, parseModelFile, type ModelConversion } from "../../protocol/model";
import { OPERATOR_RULES } from "../../protocol/operators";
import { DEFAULT_WEIGHT_BITS, MAX_WEIGHT_BITS } from "../../protocol/scorecard";
import { CheckState, checkModeName, RefusalReason, type CheckModeName } from "../../contractEnums";
import { Level } from "../../permissions";
import { parseAddress, parseBytes32, parseDuration } from "../args";
import {
  action,
  connectReader,
  connectSigner,
  deployedSchemaOf,
  readSecretFile,
  schemaOf,
  type Invocation,
} from "../context";
import { argParser, CliError, usageError } from "../errors";
import { ExitCode } from "../exitCodes";
import { REFUSAL_EXPLANATIONS } from "../revertExplanations";
import { describeScorecardShape, readFormFile } from "../formFile";
import { isoTime, toJson } from "../output";
import {
  addPermissionRequest,
  addRequestStatus,
  bureauFailure,
  bureauOption,
  bureauUrlOption,
  grantUnusable,
  refuseExisting,
  standingOf,
  writeSecretFile,
} from "../shared";

/** Key sizes `keygen` makes: the engine's and the contract's (2048 the minimum, 3072 the default). */
const KEY_BITS = [2048, 3072, 4096] as const;

/** Where `bank check` keeps the bank's records of its checks: private, mode 0700, ignored by git. */
const CHECKS_DIR = "checks";

/** How often the bank looks at the check's state while it waits for the bureau. */
const POLL_MS = 1000;

export function register(program: Command): void {
  const bank = program
    .command("bank")
    .description("credit access users: keys, access requests, condition forms, blind credit checks");

  bank
    .command("keygen")
    .description("generate a Paillier key pair and write the private key (JSON, mode 0600) to --out")
    .requiredOption("--out <file>", "where to write the private key; an existing file is never overwritten")
    .option(
      "--bits <bits>",
      "modulus size: 2048 (minimum), 3072 or 4096",
      argParser((v) => parseKeyBits(v)),
      3072,
    )
    .action(
      action(async ({ out }, opts: { out: string; bits: number }) => {
        refuseExisting(opts.out, "--out");
        const { exportPrivateKey, generateKeyPair } = await import("../../paillier");
        out.progress(`generating a ${opts.bits}-bit Paillier key (two ${opts.bits / 2}-bit primes)…`);
        const { privateKey } = await generateKeyPair({
          bits: opts.bits,
          onProgress: (p) => {
            const elapsed = `${(p.elapsedMs / 1000).toFixed(1)} s`;
            if (p.stage === "prime") out.progress(`  prime ${p.primesFound}/2 found (${elapsed})`);
            if (p.stage === "retry")
              out.progress(`  the pair failed a check: drawing again (attempt ${p.attempt + 1})`);
            if (p.stage === "done") out.progress(`  key ready in ${elapsed}`);
          },
        });
        writeSecretFile(opts.out, `${JSON.stringify(exportPrivateKey(privateKey), null, 2)}\n`, "--out");
        const data = {
          file: path.resolve(opts.out),
          bits: privateKey.publicKey.bits,
          fingerprint: privateKey.publicKey.fingerprint,
        };
        out.result(data, (d) => [
          `wrote a ${d.bits}-bit private key to ${d.file} (mode 0600: keep it secret)`,
          `fingerprint ${d.fingerprint}`,
          `next: blindcredit bank register-key --key ${opts.out}`,
        ]);
      }),
    );

  bank
    .command("register-key")
    .description("register the public half of a key file on-chain (once per key)")
    .requiredOption("--key <file>", "the bank's private key file (from bank keygen)")
    .action(
      action(async (inv, opts: { key: string }) => {
        const key = await loadKeyFile(opts.key);
        const conn = await connectSigner(inv);
        const { BankClient } = await import("../../clients/bankCheck");
        const { MemoryBoard } = await import("../../protocol/board");
        const { fingerprint, bits } = key.publicKey;
        const already = (await conn.suite.matching.keyBits(conn.address, fingerprint)) !== 0n;
        if (!already) inv.out.progress(`registerKey: registering the ${bits}-bit key ${fingerprint}`);
        // The board is not used to register a key.
        await new BankClient(conn.suite.matching, key, new MemoryBoard()).registerKey();
        inv.out.result({ bank: conn.address, fingerprint, bits, alreadyRegistered: already }, (d) =>
          d.alreadyRegistered
            ? `the key ${d.fingerprint} is already registered for ${d.bank}: nothing to do`
            : `registered the ${d.bits}-bit key ${d.fingerprint} for ${d.bank}`,
        );
      }),
    );

  addPermissionRequest(bank, {
    name: "request-access",
    level: Level.BlindRead,
    levelName: "blind-read",
    role: "bank",
    subjectHelp: "the applicant's address",
    uses: "checks",
  });
  addRequestStatus(bank, { name: "access", role: "bank" });

  bank
    .command("form")
    .description("validate a condition-form file against the credit schema and print its conditions (no network)")
    .requiredOption("--file <form.json>", "the form file")
    .addOption(modeOption())
    .action(
      action(async (inv, opts: { file: string; mode?: CheckModeName }) => {
        const { out } = inv;
        const { schema } = schemaOf(inv);
        const form = readFormFile(opts.file, opts.mode, schema);
        const conditions = form.parsed.map((c) => describeCondition(c, schema));
        const comparisons = form.parsed.reduce((n, c) => n + comparisonCountOf(c), 0);
        out.result({ file: form.file, mode: form.mode, conditions, comparisons }, (d) => [
          `${d.file}: a valid ${d.mode}-mode form with ${d.conditions.length} condition(s), ${d.comparisons} comparison(s)`,
          ...d.conditions.map((c, i) => `  ${i + 1}. ${c.text}`),
        ]);
      }),
    );

  bank
    .command("model")
    .description(
      "turn a fitted logistic-regression model (JSON: intercept, coefficients per field, threshold) into a " +
        "scorecard form file (no network); the weights and cut-off are secret: the file is written mode 0600",
    )
    .requiredOption("--model <model.json>", "the model file (format blindcredit.scorecard-model.v1)")
    .requiredOption("--out <form.json>", "where to write the form; an existing file is never overwritten")
    .option(
      "--weight-bits <bits>",
      `the weights' width: every |weight| < 2^bits (1 to ${MAX_WEIGHT_BITS})`,
      argParser((v) => parseWeightBits(v)),
      DEFAULT_WEIGHT_BITS,
    )
    .action(
      action(async (inv, opts: { model: string; out: string; weightBits: number }) => {
        const { schema } = schemaOf(inv);
        refuseExisting(opts.out, "--out");
        const conversion = readModelFile(opts.model, opts.weightBits, schema);
        const form = { mode: "decision", conditions: [{ scorecard: conversion.scorecard }] };
        writeSecretFile(opts.out, `${JSON.stringify(form, null, 2)}\n`, "--out");
        const { scorecard } = conversion;
        // The bank's own output, but one that lands in terminals and CI logs: the shape and the precision only.
        const data = {
          file: path.resolve(opts.out),
          fields: Object.keys(scorecard.weights),
          clamp: scorecard.clamp ?? {},
          weightBits: scorecard.weightBits,
          scaleBits: conversion.scaleBits,
          errorBound: conversion.errorBound,
          unusedFields: conversion.unusedFields,
        };
        inv.out.result(data, (d) => [
          `wrote a scorecard form to ${d.file} (mode 0600: its weights and cut-off are yours only)`,
          `  scorecard over ${describeScorecardShape({ fields: d.fields, clamp: d.clamp }, schema)}; weights and cut-off: secret`,
          `  weights below 2^${d.weightBits}, scale 2^${d.scaleBits} per stored unit; rounding error at most ` +
            `${d.errorBound.toExponential(2)} in log-odds: the scorecard decides as the model for every applicant ` +
            "farther than that from the cut-off",
          ...(d.unusedFields.length > 0 ? [`  left out (coefficient zero): ${d.unusedFields.join(", ")}`] : []),
          `next: blindcredit bank form --file ${opts.out}`,
        ]);
      }),
    );

  bank
    .command("check")
    .description(
      "run a blind credit check: encrypt the form under your key, open the check, answer the bureau, decide; " +
        "saves the bank's own record of it (private, mode 0600) to --out (default checks/<checkId>.json); " +
        "give the subject its receipt with bank receipt",
    )
    .requiredOption("--subject <address>", "the applicant", argParser(parseAddress))
    .addOption(bureauOption().makeOptionMandatory())
    .requiredOption("--form <form.json>", "the condition form")
    .requiredOption("--key <file>", "the bank's private key file (registered with bank register-key)")
    .addOption(modeOption())
    .addOption(bureauUrlOption())
    .addOption(
      new Option("--timeout <duration>", "give up waiting for the bureau after this long in all: seconds, or 5m, 1h")
        .argParser(argParser(parseDuration))
        .default(300, "300 s"),
    )
    .addOption(
      new Option("--duration <duration>", "how long the check stays open on-chain (its deadline)")
        .argParser(argParser(parseDuration))
        .default(3600, "1h"),
    )
    .option("--out <file>", "where to save the bank's record of the check (never overwritten)")
    .action(action(runCheck));

  bank
    .command("resume")
    .description(
      "finish a check you opened that is still open (your bank check was stopped, or gave up waiting): from the " +
        "state bank check kept in checks/<checkId>.open.json",
    )
    .argument("<checkId>", "the check id (0x + 64 hex digits)", argParser(parseBytes32))
    .requiredOption("--key <file>", "the bank's private key file (the one the check was opened with)")
    .option("--state <file>", "the check's kept state (default checks/<checkId>.open.json)")
    .addOption(bureauUrlOption())
    .addOption(
      new Option("--timeout <duration>", "give up waiting for the bureau after this long in all: seconds, or 5m, 1h")
        .argParser(argParser(parseDuration))
        .default(300, "300 s"),
    )
    .option("--out <file>", "where to save the bank's record of the check (never overwritten)")
    .action(action(resumeCheck));

  bank
    .command("receipt")
    .description(
      "export what the subject gets of a decided check: its id, the decision and the salt that opens the on-chain " +
        "commitment (never your conditions or shares), as a small file and, with --portal-url, a link",
    )
    .argument("<checkId>", "the check id (0x + 64 hex digits)", argParser(parseBytes32))
    .option("--record <file>", "the bank's record of the check (default checks/<checkId>.json)")
    .option("--out <file>", "where to write the receipt (default receipt-<checkId>.json; never overwritten)")
    .option("--portal-url <url>", "the subject's portal, to print a link that opens the receipt there")
    .action(
      action(async (inv, checkId: string, opts: { record?: string; out?: string; portalUrl?: string }) => {
        const recordFile = opts.record ?? path.join(CHECKS_DIR, `${checkId}.json`);
        const { receiptLink, receiptOfRecord } = await import("../../clients/decisionRecord");
        let text: string;
        try {
          text = readFileSync(recordFile, "utf8");
        } catch (e) {
          throw usageError(
            `--record ${recordFile}: cannot read it (${(e as NodeJS.ErrnoException).code}); ` +
              "give the record bank check saved with --record <file>",
          );
        }
        let receipt;
        try {
          receipt = receiptOfRecord(text, checkId);
        } catch (e) {
          throw usageError(`--record ${recordFile}: ${(e as Error).message}`);
        }
        const file = opts.out ?? `receipt-${checkId}.json`;
        writeSecretFile(file, `${JSON.stringify(receipt, null, 2)}\n`, "--out");
        const link = opts.portalUrl ? receiptLink(opts.portalUrl, receipt) : undefined;
        inv.out.result({ ...receipt, receipt: path.resolve(file), ...(link ? { link } : {}) }, (d) => [
          `receipt of check ${d.checkId} (${d.approved ? "approved" : "declined"}) for the subject written to ${d.receipt}`,
          "it holds the check id, the decision and the salt only: give it to the subject",
          ...(d.link ? [`or send the subject this link to its portal: ${d.link}`] : []),
        ]);
      }),
    );

  bank
    .command("decision")
    .description("read a check's on-chain record; with --record, verify that its salt opens the recorded decision")
    .argument("<checkId>", "the check id (0x + 64 hex digits)", argParser(parseBytes32))
    .option("--record <file>", "a check record saved by bank check (or given to the subject by the bank)")
    .action(
      action(async (inv, checkId: string, opts: { record?: string }) => {
        const claim = opts.record ? await readCheckRecord(opts.record, checkId) : undefined;
        const conn = await connectReader(inv);
        const { matching } = conn.suite;
        const [record, state] = await Promise.all([matching.checkOf(checkId), matching.state(checkId)]);
        if (Number(state) === CheckState.None) {
          throw usageError(
            `no check ${checkId} on chain ${conn.chainId} (condition matching ${await matching.getAddress()})`,
          );
        }
        const data: Record<string, unknown> = {
          checkId,
          state: CheckState[Number(state)],
          mode: checkModeName(record.mode),
          bank: record.bank,
          subject: record.subject,
          bureau: record.bureau,
          deadline: isoTime(record.deadline),
          decisionHash: record.decisionHash,
        };
        if (claim) {
          const verified =
            Number(state) === CheckState.Decided &&
            (await matching.verifyDecision(checkId, claim.approved, claim.salt));
          Object.assign(data, { approved: claim.approved, verified });
          if (!verified) {
            throw new CliError(
              ExitCode.VerificationFailed,
              Number(state) === CheckState.Decided
                ? `${opts.record}: "approved": ${claim.approved} with its salt does not open the decision recorded for ${checkId}`
                : `${opts.record}: check ${checkId} is ${data.state}, no decision is recorded to verify`,
              data,
            );
          }
        }
        inv.out.result(data, (d) => [
          `check ${d.checkId}: ${d.state} (${d.mode} mode), bank ${d.bank}, subject ${d.subject}, deadline ${d.deadline}`,
          `decision commitment ${d.decisionHash}`,
          ...(d.verified ? [`verified: the record opens it: ${d.approved ? "APPROVED" : "DECLINED"}`] : []),
        ]);
      }),
    );
}

/** The whole bank side of a check, from the form file to the saved decision. */
async function runCheck(
  inv: Invocation,
  opts: {
    subject: string;
    bureau: string;
    form: string;
    key: string;
    mode?: CheckModeName;
    bureauUrl: string;
    timeout: number;
    duration: number;
    out?: string;
  },
): Promise<void> {
  // Everything local first: a bad form, key or output path costs no transaction.
  const { schema: localSchema } = schemaOf(inv);
  const form = readFormFile(opts.form, opts.mode, localSchema);
  const key = await loadKeyFile(opts.key);
  if (opts.out) refuseExisting(opts.out, "--out");

  const conn = await connectSigner(inv);
  const schema = await deployedSchemaOf(inv, conn);
  const { matching, permissions } = conn.suite;
  const fingerprint = key.publicKey.fingerprint;
  // Refuse early what openCheck would refuse, before the form is encrypted and published.
  if ((await matching.keyBits(conn.address, fingerprint)) === 0n) {
    throw new CliError(
      ExitCode.Refused,
      `refused: the key ${fingerprint} of ${opts.key} is not registered for ${conn.address}: ` +
        `blindcredit bank register-key --key ${opts.key}`,
      { reason: "key-not-registered", fingerprint },
    );
  }
  if (!(await permissions.hasPermission(opts.subject, conn.address, Level.BlindRead))) {
    const standing = standingOf(await permissions.grantState(opts.subject, conn.address));
    throw new CliError(
      ExitCode.Refused,
      `refused: ${conn.address} holds no live blind-read grant from ${opts.subject}: the grant ` +
        `${grantUnusable(standing, "blind-read")}; ask with blindcredit bank request-access ${opts.subject}`,
      { reason: "no-live-grant", standing },
    );
  }

  const { BankClient } = await import("../../clients/bankCheck");
  const { HttpBoard } = await import("../../clients/httpBoard");
  const client = new BankClient(
    matching,
    key,
    new HttpBoard(opts.bureauUrl, { signer: matching.runner as Signer, bureau: opts.bureau }),
    { schema },
  );
  const comparisons = form.parsed.reduce((n, c) => n + comparisonCountOf(c), 0);
  const request = {
    subject: opts.subject,
    bureau: opts.bureau,
    mode: form.mode,
    conditions: form.conditions,
    durationSeconds: opts.duration,
  };
  const opening =
    `encrypting the ${form.mode}-mode form (${form.parsed.length} condition(s), ${comparisons} comparison(s)) ` +
    `and opening the check with ${opts.bureau}…`;
  await driveCheck(inv, conn.address, request, { ...opts, opening }, (options) => client.runCheck(request, options));
}

/**
 * `bank resume <checkId>`: finishes a check this bank opened and did not decide (its process was stopped, or it gave
 * up waiting), from the state `bank check` kept in `checks/<checkId>.open.json`.
 */
async function resumeCheck(
  inv: Invocation,
  checkId: string,
  opts: { key: string; bureauUrl: string; timeout: number; state?: string; out?: string },
): Promise<void> {
  const stateFile = opts.state ?? openStateFile(checkId);
  let saved: SavedCheck;
  try {
    saved = parseJson(readFileSync(stateFile, "utf8"), `--state ${stateFile}`) as SavedCheck;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(
      code
        ? `--state ${stateFile}: cannot read it (${code === "ENOENT" ? "no such file" : code}); bank check keeps ` +
            `the state of an open check in ${openStateFile("<checkId>")}, in the folder it ran in`
        : (e as Error).message,
    );
  }
  if (saved.checkId?.toLowerCase() !== checkId)
    throw usageError(`--state ${stateFile}: it is the state of check ${saved.checkId}, not of ${checkId}`);
  const key = await loadKeyFile(opts.key);
  const conn = await connectSigner(inv);
  const schema = await deployedSchemaOf(inv, conn);
  const { BankClient } = await import("../../clients/bankCheck");
  const { HttpBoard } = await import("../../clients/httpBoard");
  const { matching } = conn.suite;
  const client = new BankClient(
    matching,
    key,
    new HttpBoard(opts.bureauUrl, { signer: matching.runner as Signer, bureau: saved.request.bureau }),
    { schema },
  );
  const { request } = saved;
  await driveCheck(inv, conn.address, request, { ...opts, opening: "" }, async (options) => {
    try {
      return await client.resumeCheck(saved, options);
    } catch (e) {
      if (e instanceof CliError || !/nothing to resume|nothing left to do|not yours/.test((e as Error).message))
        throw e;
      throw new CliError(ExitCode.Refused, `cannot resume: ${(e as Error).message}`, { checkId });
    }
  });
}

/** Where `bank check` keeps the bank's state of an open check until it is decided. */
function openStateFile(checkId: string): string {
  return path.join(CHECKS_DIR, `${checkId}.open.json`);
}

/**
 * Runs a check to its decision with progress on stderr, keeping the bank's state in its open-state file at each
 * step, then saves the bank's record and prints the result.
 */
async function driveCheck(
  inv: Invocation,
  bank: string,
  request: CheckRequest,
  opts: { bureauUrl: string; timeout: number; out?: string; opening: string },
  run: (options: RunCheckOptions) => Promise<CheckOutcome>,
): Promise<void> {
  const { out } = inv;
  const { CheckWaitError } = await import("../../clients/bankCheck");
  const { decisionRecordOf } = await import("../../clients/decisionRecord");
  const { BureauRefused, BureauUnavailable } = await import("../../clients/httpBoard");
  /** What the bank waits for at each waiting stage, as the messages name it. */
  const waits: Partial<Record<BankStage, string>> = {
    challenge: "the bureau's challenge",
    answer: "the bureau's answer",
  };
  let what = "";
  let lastLine = -1;
  let outcome: CheckOutcome;
  try {
    outcome = await run({
      wait: {
        timeoutMs: opts.timeout * 1000,
        pollMs: POLL_MS,
        onWait: (state, waitedMs) => {
          const waited = Math.floor(waitedMs / 1000);
          out.status(`waiting for ${what} (check ${CheckState[state]}, ${waited} s)`);
          // Off a terminal, one line every ten seconds rather than a line per poll.
          if (!out.stderr.isTTY && waited >= lastLine + 10) {
            lastLine = waited;
            out.progress(`waiting for ${what} (check ${CheckState[state]}, ${waited} s)`);
          }
        },
      },
      opened: (check) =>
        out.progress(`check ${check.checkId} open; its state is kept in ${openStateFile(check.checkId)}`),
      keep: (saved) => {
        privateFolder(CHECKS_DIR);
        replaceSecretFile(openStateFile(saved.checkId), `${toJson(saved)}\n`);
      },
      stage: async (stage, run) => {
        if (stage === "open") out.progress(opts.opening);
        if (stage === "respond") out.progress("answering the bureau's blinded comparisons…");
        if (stage === "decide") out.progress("decrypting the answer and recording the decision…");
        const waiting = waits[stage];
        if (waiting === undefined) return run();
        what = waiting;
        lastLine = -1;
        const started = Date.now();
        try {
          await run();
        } catch (e) {
          if (e instanceof CheckWaitError) throw waitFailure(e, waiting);
          throw e;
        }
        out.status(`waiting for ${waiting}: arrived after ${((Date.now() - started) / 1000).toFixed(0)} s`, true);
      },
    });
  } catch (e) {
    // The form is published before the check is opened: an unreachable bureau costs no grant use.
    if (e instanceof BureauUnavailable || e instanceof BureauRefused) throw bureauFailure(e, opts.bureauUrl);
    throw e;
  }
  const { check, decision } = outcome;

  const file = opts.out ?? path.join(CHECKS_DIR, `${check.checkId}.json`);
  if (!opts.out) privateFolder(CHECKS_DIR);
  const saved = decisionRecordOf(outcome, request, bank);
  try {
    writeSecretFile(file, `${toJson(saved)}\n`, "--out");
  } catch (e) {
    // The decision is on-chain already: the salt must not be lost with the file.
    throw new CliError(
      ExitCode.Unexpected,
      `${(e as Error).message}; the check was decided (${decision.approved ? "approved" : "declined"}) with salt ` +
        `${decision.salt}: keep it, it opens the on-chain decision`,
      { checkId: check.checkId, approved: decision.approved, salt: decision.salt },
    );
  }
  // Decided and recorded: the open state has served its purpose.
  rmSync(openStateFile(check.checkId), { force: true });

  const result = {
    checkId: check.checkId,
    approved: decision.approved,
    mode: request.mode,
    subject: request.subject,
    bureau: request.bureau,
    record: path.resolve(file),
    saw:
      request.mode === "decision"
        ? { kind: "one bit", approved: decision.approved }
        : {
            kind: "shuffled per-condition results",
            met: decision.view.matches.filter(Boolean).length,
            of: decision.view.matches.length,
          },
  };
  out.result(result, (d) => [
    `${d.approved ? "APPROVED" : "DECLINED"}: check ${d.checkId} of ${d.subject}`,
    d.mode === "decision"
      ? "what the bank saw: one bit (all conditions met or not), nothing about the applicant's values"
      : `what the bank saw: ${decision.view.matches.filter(Boolean).length} of ${decision.view.matches.length} ` +
        "equality conditions met, in shuffled order; no value, no difference",
    `the bank's own record (private: it holds your conditions) saved to ${d.record}`,
    `give the subject its receipt (the decision and the salt only): blindcredit bank receipt ${d.checkId}`,
  ]);
}

/** Writes `contents` to `file` with mode 0600, replacing it whole (a crash leaves the old or the new, never half). */
function replaceSecretFile(file: string, contents: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Makes `dir` for the bank's private files: mode 0700, with a .gitignore that keeps all of it out of git. */
function privateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ignore = path.join(dir, ".gitignore");
  if (!existsSync(ignore)) writeFileSync(ignore, "# the bank's private check records: never commit them\n*\n");
}

/** A wait for the bureau that ended without what it waited for, as the CLI reports it (exit 3 or 5). */
function waitFailure(e: CheckWaitError, what: string): CliError {
  const { checkId } = e;
  if (e.kind === "refused") {
    const reason = e.reason === undefined ? "unknown" : RefusalReason[e.reason];
    const why = REFUSAL_EXPLANATIONS[reason] ?? "the bureau gave no reason the chain knows";
    return new CliError(ExitCode.Refused, `the bureau refused check ${checkId} (${reason}): ${why}`, {
      checkId,
      state: "Refused",
      reason,
    });
  }
  if (e.kind === "expired") {
    return new CliError(
      ExitCode.TimedOut,
      `check ${checkId} expired on-chain at ${isoTime(e.deadline!)} before ${what} came`,
      { checkId, state: "Expired" },
    );
  }
  return new CliError(
    ExitCode.TimedOut,
    `timed out after waiting ${Math.floor(e.waitedMs / 1000)} s for ${what} on check ${checkId} ` +
      `(state ${CheckState[e.state]}); is the bureau service running (blindcredit bureau start)? ` +
      `The check stays open until its deadline: finish it with blindcredit bank resume ${checkId} --key <file>`,
    { checkId, state: CheckState[e.state] },
  );
}

/**
 * Reads a bank's private key file (the engine's JSON export) and checks it as the engine does.
 * @throws CliError exit 2 naming the file and the problem: missing, not JSON, wrong kty, a public
 *   key only, a modulus under 2048 bits or of an unsupported size, factors that do not check out
 */
export async function loadKeyFile(file: string): Promise<PaillierPrivateKey> {
  const text = readSecretFile(file, "key file");
  const { importPrivateKey, PaillierError } = await import("../../paillier");
  try {
    return importPrivateKey(text);
  } catch (e) {
    if (e instanceof PaillierError) throw usageError(`key file ${file}: ${e.message}`, { code: e.code });
    throw e;
  }
}

/** A saved check record's claim: the decision and the salt that should open it. */
async function readCheckRecord(file: string, checkId: string): Promise<DecisionClaim> {
  if (!existsSync(file)) throw usageError(`--record ${file}: no such file`);
  const { parseDecisionClaim } = await import("../../clients/decisionRecord");
  try {
    return parseDecisionClaim(readFileSync(file, "utf8"), checkId);
  } catch (e) {
    throw usageError(`--record ${file}: ${(e as Error).message}`);
  }
}

/**
 * One condition as people read it: `creditScore ≥ 650`, `debtToIncome between 0.00 and 35.50`; a scorecard as its
 * public shape, `scorecard over creditScore, annualIncome (clamped to 0..250000); weights and cut-off: secret` (its
 * weights and cut-off are never printed: output lands in terminals, logs and tickets).
 */
function describeCondition(
  c: ParsedCondition,
  schema: CreditSchema,
):
  | { field: string; op: string; values: string[]; text: string }
  | {
      scorecard: {
        fields: readonly string[];
        clamp: Readonly<Record<string, readonly [string, string]>>;
        weightBits: number;
      };
      text: string;
    } {
  if (isScorecard(c)) {
    const { fields, clamp, weightBits } = c.scorecard.shape;
    return {
      scorecard: { fields, clamp, weightBits },
      text: `scorecard over ${describeScorecardShape({ fields, clamp }, schema)}; weights and cut-off: secret`,
    };
  }
  const field = fieldNamed(c.field, schema);
  const values = c.values.map((v) => formatFieldValue(field, v));
  return { field: c.field, op: c.op, values, text: OPERATOR_RULES[c.op].describe(c.field, values) };
}

/**
 * Reads a model file and converts it (src/protocol/model.ts).
 * @throws CliError exit 2 naming the file: unreadable, not JSON, or a model the scorecard cannot represent (with the
 *   numbers the conversion gives)
 */
function readModelFile(file: string, weightBits: number, schema: CreditSchema): ModelConversion {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(`--model ${file}: cannot read it (${code === "ENOENT" ? "no such file" : code})`);
  }
  try {
    const { model, clamp } = parseModelFile(parseJson(text, `--model ${file}`), `--model ${file}`);
    return convertModel(model, { weightBits, clamp, schema });
  } catch (e) {
    const message = (e as Error).message;
    throw usageError(message.startsWith("--model") ? message : `--model ${file}: ${message}`);
  }
}

function parseWeightBits(value: string): number {
  const bits = Number(value);
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_WEIGHT_BITS)
    throw new Error(`expected an integer from 1 to ${MAX_WEIGHT_BITS}, got "${value}"`);
  return bits;
}

function parseKeyBits(value: string): number {
  const bits = Number(value);
  if (!(KEY_BITS as readonly number[]).includes(bits)) {
    throw new Error(
      `expected ${KEY_BITS.join(", ")} bits, got "${value}"` +
        (Number.isFinite(bits) && bits < 2048 ? " (keys under 2048 bits are refused)" : ""),
    );
  }
  return bits;
}

function modeOption(): Option {
  return new Option(
    "--mode <mode>",
    "decision (one bit, the default) or paper (per-condition, equality only); overrides the form's",
  ).choices(["decision", "paper"]);
}
