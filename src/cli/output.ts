/**
 * What a command prints. Results go to stdout: human text by default, or exactly one JSON document
 * with `--json` (bigints as decimal strings), so that scripts can parse stdout whole. Progress and
 * transaction lines go to stderr, where they never mix with a result; `--quiet` silences them.
 * @module
 */
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { CliError } from "./errors";

/** JSON with bigints as decimal strings, and Maps as objects. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Map) return Object.fromEntries(v);
      return v;
    },
    indent,
  );
}

/** The printer a command writes through. */
export class Output {
  /** Whether the one-line progress display is in the middle of a line (TTY only). */
  #openLine = false;

  constructor(
    readonly json: boolean,
    readonly quiet: boolean,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  /** A progress line on stderr (silenced by `--quiet`). */
  progress(message: string): void {
    if (this.quiet) return;
    this.#closeLine();
    this.stderr.write(`${message}\n`);
  }

  /**
   * A progress line that updates in place on a terminal (key generation, waiting); elsewhere, where
   * `\r` would litter a log, only `final` updates are written.
   */
  status(message: string, final = false): void {
    if (this.quiet) return;
    if (this.stderr.isTTY) {
      this.stderr.write(`\r\x1b[2K${message}`);
      this.#openLine = true;
      if (final) this.#closeLine();
    } else if (final) {
      this.stderr.write(`${message}\n`);
    }
  }

  /** A warning on stderr, even with `--quiet`. */
  warn(message: string): void {
    this.#closeLine();
    this.stderr.write(`warning: ${message}\n`);
  }

  /**
   * The command's result: `data` as JSON with `--json`, otherwise the lines `human` makes of it.
   * Call once per command.
   */
  result<T>(data: T, human: (data: T) => string | readonly string[]): void {
    this.#closeLine();
    if (this.json) {
      this.stdout.write(`${toJson(data)}\n`);
      return;
    }
    const text = human(data);
    const lines = typeof text === "string" ? [text] : text;
    if (lines.length > 0) this.stdout.write(`${lines.join("\n")}\n`);
  }

  /**
   * A failure: on stderr (unless commander has already said it), and as the one JSON document on
   * stdout with `--json`.
   */
  failure(error: CliError, alreadyReported = false): void {
    this.#closeLine();
    if (!alreadyReported) this.stderr.write(`blindcredit: ${error.message}\n`);
    if (this.json) {
      this.stdout.write(
        `${toJson({ error: { exitCode: error.exitCode, message: error.message, ...error.details } })}\n`,
      );
    }
  }

  /**
   * Sends a transaction and waits for it to be mined, with a progress line for each.
   * @param label what the transaction does, e.g. "registerSubject"
   */
  async send(
    label: string,
    sent: Promise<ContractTransactionResponse>,
  ): Promise<{ hash: string; receipt: ContractTransactionReceipt }> {
    const tx = await sent;
    this.progress(`${label}: sent ${tx.hash}`);
    const receipt = await tx.wait();
    if (!receipt) throw new Error(`${label}: expected a receipt for ${tx.hash}, got none (transaction dropped?)`);
    this.progress(`${label}: mined in block ${receipt.blockNumber} (${receipt.gasUsed} gas)`);
    return { hash: tx.hash, receipt };
  }

  #closeLine(): void {
    if (!this.#openLine) return;
    this.stderr.write("\n");
    this.#openLine = false;
  }
}

/** Formats Unix seconds as an ISO date-time, UTC. */
export function isoTime(seconds: number | bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

/** Pads the columns of rows of text to a table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
