/**
 * A throwaway PostgreSQL server for tests: `initdb` and `pg_ctl` from the machine's PostgreSQL (Debian's
 * `/usr/lib/postgresql/<version>/bin`, the newest there, or `$BLINDCREDIT_PG_BIN`), in a temporary directory, on a
 * free loopback port, with its unix socket in that directory, trusting local connections. Started once per test
 * run, on the first {@link freshPostgresDatabase}, and stopped after the run (a root `after` hook, and at exit).
 *
 * As root (CI runs so) the server runs as the `postgres` user (`runuser -u postgres --`), which owns the
 * directory: PostgreSQL refuses to run as root. As any other user it runs as that user.
 *
 * Nothing here skips: when PostgreSQL cannot be started, every suite that asks for a database fails, with the
 * server's own output in the message.
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";

/** A running throwaway server. */
interface Server {
  readonly dir: string;
  readonly data: string;
  readonly port: number;
  readonly bin: string;
  /** The prefix that runs a command as the server's user (empty when that is us). */
  readonly as: readonly string[];
}

let server: Promise<Server> | undefined;
let databases = 0;

/**
 * A new empty database on the run's throwaway server (started on the first call).
 * @returns its URL, `postgres://postgres@127.0.0.1:<port>/<name>`
 * @throws Error when the server cannot be started, with what `initdb` or `pg_ctl` said
 */
export async function freshPostgresDatabase(): Promise<string> {
  server ??= start();
  const { port } = await server;
  const name = `blindcredit_test_${process.pid}_${++databases}`;
  const admin = new Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return `postgres://postgres@127.0.0.1:${port}/${name}`;
}

/** Stops the server when this run started one. */
export async function stopPostgres(): Promise<void> {
  if (server === undefined) return;
  const started = server;
  server = undefined;
  let s: Server;
  try {
    s = await started;
  } catch {
    return; // it never ran
  }
  stop(s);
}

/**
 * Stops the run's server as an outage would (`pg_ctl stop -m fast`: open connections are cut), keeping its data;
 * {@link resumePostgres} starts it again on the same port.
 */
export async function pausePostgres(): Promise<void> {
  if (server === undefined) throw new Error("pausePostgres: no server was started in this run");
  const s = await server;
  run(s, "pg_ctl", ["-D", s.data, "-m", "fast", "-w", "-t", "60", "stop"]);
}

/** Starts the server {@link pausePostgres} stopped, on the same port and data. */
export async function resumePostgres(): Promise<void> {
  if (server === undefined) throw new Error("resumePostgres: no server was started in this run");
  const s = await server;
  run(s, "pg_ctl", ["-D", s.data, "-o", serverOptions(s), "-l", join(s.dir, "server.log"), "-w", "-t", "60", "start"]);
}

/** The options the server runs with: its port, its socket in its directory, loopback only, no fsync. */
function serverOptions(s: Server): string {
  return `-p ${s.port} -k ${s.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
}

// One server per run: stopped after the last suite (a root hook, since this module is loaded with the test files).
if (typeof after === "function") after(stopPostgres);

function postgresBin(): string {
  const given = process.env.BLINDCREDIT_PG_BIN;
  if (given) return given;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL for the store tests: expected initdb under ${root}/<version>/bin (Debian's postgresql package: ` +
        "apt-get install -y postgresql) or BLINDCREDIT_PG_BIN, found none",
    );
  }
  return join(root, versions[0], "bin");
}

async function start(): Promise<Server> {
  const bin = postgresBin();
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "blindcredit-pg-"));
  const as = root ? ["runuser", "-u", "postgres", "--"] : [];
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, "data");
  const port = await freePort();
  const s: Server = { dir, data, port, bin, as };
  try {
    run(s, "initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
    run(s, "pg_ctl", ["-D", data, "-o", serverOptions(s), "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  } catch (e) {
    const log = existsSync(join(dir, "server.log")) ? readFileSync(join(dir, "server.log"), "utf8") : "";
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}${log && `\nserver log:\n${log}`}`, { cause: e });
  }
  process.once("exit", () => stop(s));
  return s;
}

function stop(s: Server): void {
  if (!existsSync(s.data)) return;
  const [program, ...args] = command(s, "pg_ctl", ["-D", s.data, "-m", "immediate", "-w", "stop"]);
  spawnSync(program, args, { stdio: "ignore", cwd: s.dir });
  rmSync(s.dir, { recursive: true, force: true });
}

/** The argv that runs one of the server's programs as its user. */
function command(s: Server, program: string, args: readonly string[]): string[] {
  return [...s.as, join(s.bin, program), ...args];
}

/** Runs one of the server's programs as its user; throws with its output when it fails. */
function run(s: Server, program: string, args: readonly string[]): void {
  const argv = command(s, program, args);
  const result = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", cwd: s.dir, timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(
      `PostgreSQL for the store tests: \`${argv.join(" ")}\` failed (${result.error?.message ?? `exit ${result.status}`}):\n` +
        `${result.stdout ?? ""}${result.stderr ?? ""}`,
    );
  }
}

/** A loopback TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
