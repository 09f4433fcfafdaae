/**
 * `blindcredit provider`: an information provider asks a subject for write access, then submits
 * the subject's credit record: the record's hash is committed on-chain (consuming one use of the
 * write grant) and its bytes go to the bureau service, which stores them encrypted and checks them
 * against that hash (paper section 3.2 (4), DESIGN journey 3).
 * @module
 */
import { readFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import type { BureauParty } from "../../clients/bureauRequest";
import { Level } from "../../permissions";
import { parseAddress } from "../args";
import { action, connectSigner, deployedSchemaOf, schemaOf, type Invocation } from "../context";
import { argParser, CliError, usageError } from "../errors";
import { ExitCode } from "../exitCodes";
import {
  addPermissionRequest,
  addRequestStatus,
  bureauFailure,
  bureauOption,
  bureauUrlOption,
  refuseExisting,
  writeSecretFile,
} from "../shared";
import { parseJson } from "../../json";

export function register(program: Command): void {
  const provider = program
    .command("provider")
    .description("information providers: ask for write access, submit credit records");

  addPermissionRequest(provider, {
    name: "request-write",
    level: Level.Write,
    levelName: "write",
    role: "provider",
    subjectHelp: "the subject's address",
    uses: "records",
  });
  addRequestStatus(provider, { name: "access", role: "provider" });

  provider
    .command("submit")
    .description(
      "submit <subject>'s credit record: fields validated, hash committed on-chain (uses the write grant), bytes sent to the bureau",
    )
    .argument("<subject>", "the subject's address", argParser(parseAddress))
    .option(
      "--field <name=value>",
      "a field, repeatable: --field creditScore=720 --field debtToIncome=35.5",
      collectField,
    )
    .option("--file <record.json>", 'the fields as a JSON object, e.g. {"creditScore": "720"}')
    .option("--save <file>", "also keep the record's bytes in this file")
    .addOption(bureauOption().makeOptionMandatory())
    .addOption(bureauUrlOption())
    .action(
      action(
        async (
          inv,
          subject: string,
          opts: { field?: Record<string, string>; file?: string; save?: string; bureau: string; bureauUrl: string },
        ) => {
          const { parseRecordFields, newRecord, encodeRecord, recordHash, CREDIT_RECORD_CATEGORY, RecordError } =
            await import("../../protocol/records");
          const input = fieldInput(opts);
          const { schema: localSchema } = schemaOf(inv);
          let fields: Map<string, bigint>;
          try {
            fields = parseRecordFields(input, localSchema);
          } catch (e) {
            if (e instanceof RecordError) throw usageError(e.message);
            throw e;
          }
          if (opts.save) refuseExisting(opts.save, "--save");

          const conn = await connectSigner(inv);
          const schema = await deployedSchemaOf(inv, conn);
          const bytes = encodeRecord(newRecord({ subject, provider: conn.address, fields }, schema), schema);
          const hash = recordHash(bytes);
          if (opts.save) writeSecretFile(opts.save, Buffer.from(bytes).toString("utf8"), "--save");
          // The bureau holds the record before its hash is committed (`bureau/ingest`): a hash never reaches the
          // chain without its record. The contract's refusal (no live write grant…) comes first, before either.
          await conn.suite.ownership.commitData.staticCall(subject, CREDIT_RECORD_CATEGORY, hash);
          let stored: { version?: unknown };
          try {
            stored = await postRecord(inv, opts.bureauUrl, bytes, { signer: conn.signer, bureau: opts.bureau });
          } catch (e) {
            const error = e as CliError;
            throw new CliError(
              error.exitCode ?? ExitCode.Unexpected,
              `${error.message}; nothing was committed on-chain: submit the record again once the bureau takes it`,
              { ...(error.details ?? {}), hash },
            );
          }
          await inv.out.send("commitData", conn.suite.ownership.commitData(subject, CREDIT_RECORD_CATEGORY, hash));
          const data = {
            subject,
            provider: conn.address,
            hash,
            fields: [...fields.keys()],
            version: stored.version ?? null,
          };
          inv.out.result(
            data,
            (d) =>
              `submitted ${d.fields.join(", ")} for ${d.subject}: hash ${d.hash} committed, bureau stored version ${d.version}`,
          );
        },
      ),
    );

  provider
    .command("resend")
    .description(
      "send a saved record's bytes to the bureau again (after a failed submit; the hash is already on-chain)",
    )
    .argument("<file>", "the saved record")
    .addOption(bureauUrlOption())
    .action(
      action(async (inv, file: string, opts: { bureauUrl: string }) => {
        const { decodeRecord, recordHash, RecordError } = await import("../../protocol/records");
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(readFileSync(file));
          decodeRecord(bytes, schemaOf(inv).schema);
        } catch (e) {
          if (e instanceof RecordError) throw usageError(`${file}: ${e.message}`);
          throw usageError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        const stored = await postRecord(inv, opts.bureauUrl, bytes);
        const data = { hash: recordHash(bytes), version: stored.version ?? null };
        inv.out.result(data, (d) => `the bureau stored the record ${d.hash} (version ${d.version})`);
      }),
    );
}

/** The fields from `--field` pairs or `--file`, exactly one of them. */
function fieldInput(opts: { field?: Record<string, string>; file?: string }): Record<string, unknown> {
  const pairs = opts.field !== undefined;
  if (pairs && opts.file) throw usageError("expected fields from --field or from --file, got both");
  if (!pairs && !opts.file)
    throw usageError("expected the record's fields: --field name=value (repeatable) or --file record.json");
  if (!opts.file) return opts.field ?? {};
  let text: string;
  try {
    text = readFileSync(opts.file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(`--file ${opts.file}: cannot read it (${code === "ENOENT" ? "no such file" : code})`);
  }
  let json: unknown;
  try {
    json = parseJson(text, `--file ${opts.file}`);
  } catch (e) {
    throw usageError((e as Error).message);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw usageError(`--file ${opts.file}: expected a JSON object of field → value, e.g. {"creditScore": "720"}`);
  }
  return json as Record<string, unknown>;
}

/** Collects repeated `--field name=value` into an object, refusing a field given twice. */
function collectField(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected name=value, e.g. creditScore=720, got "${value}"`);
  const name = value.slice(0, at).trim();
  if (name in previous) throw new InvalidArgumentError(`${name} given twice`);
  return { ...previous, [name]: value.slice(at + 1).trim() };
}

/**
 * Delivers a record's bytes to the bureau service, with progress: signed by `provider` (for its bureau) before its
 * hash is committed, unsigned when it is (`provider resend`).
 * @throws CliError exit 3 when the service cannot be reached or fails, exit 4 when it refuses the record
 */
async function postRecord(
  inv: Invocation,
  baseUrl: string,
  bytes: Uint8Array,
  provider?: BureauParty,
): Promise<{ version?: unknown }> {
  const { deliverCreditRecord } = await import("../../clients/provider");
  inv.out.progress(`sending the record to the bureau at ${baseUrl}`);
  try {
    return await deliverCreditRecord(baseUrl, bytes, provider);
  } catch (e) {
    throw bureauFailure(e, baseUrl);
  }
}
