// `cascade start` as real processes: a start whose port is taken stops before it starts anything
// (never after its engine began serving), and a clean shutdown — a terminal's Ctrl-C, which signals
// the whole process group, embedded PostgreSQL included — logs no warning.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { cascadeSpawnArgs } from "../platform/engineCommand.ts";

/** A server on a free loopback port (the test's stand-in for whatever holds a port). */
async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
  return { server, port: (server.address() as { port: number }).port };
}

async function freePort(): Promise<number> {
  const { server, port } = await listening();
  await new Promise((resolvePromise) => server.close(resolvePromise));
  return port;
}

/** `cascade start` in a process group of its own (as a terminal runs it), JSON logs collected. */
function start(env: Record<string, string | undefined>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const merged: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: "info", CASCADE_DEMO_TRAIN: "false", ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, cascadeSpawnArgs(["start"]), {
    env: merged,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolvePromise) => child.once("exit", (code) => resolvePromise(code)));
  return { child, output: () => output, exited };
}

function logLines(output: string): { level: number; msg: string }[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  for (const started = Date.now(); Date.now() - started < timeoutMs;) {
    if (condition()) return;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  }
  throw new Error(`${what} within ${timeoutMs / 1000} s`);
}

describe("cascade start", () => {
  it("refuses to start, touching nothing, when the console port is taken", { timeout: 120_000 }, async () => {
    const holder = await listening();
    const databaseUrl = new URL(process.env.TEST_DATABASE_URL!);
    const databaseName = `${databaseUrl.pathname.slice(1)}_start_refused`;
    databaseUrl.pathname = `/${databaseName}`;
    const admin = new pg.Client({ connectionString: new URL("/postgres", databaseUrl).toString() });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
      const run = start({
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: undefined,
        ENGINE_PORT: String(await freePort()),
        CONSOLE_PORT: String(holder.port),
        CASCADE_CONSOLE: "true",
        CASCADE_DEMO: "false",
      });
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`127.0.0.1:${holder.port} (CONSOLE_PORT) is already in use`);
      // Nothing was started: not even the database was created.
      expect((await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName])).rowCount).toBe(0);
      // The process holding the port is untouched.
      expect(holder.server.listening).toBe(true);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
      await admin.end();
      holder.server.close();
    }
  });

  it("logs no warning on a Ctrl-C shutdown with the embedded PostgreSQL", { timeout: 240_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "cascade-start-"));
    const run = start({
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      CASCADE_DATA_DIR: dataDir,
      CASCADE_EMBEDDED_PG_PORT: String(await freePort()),
      ENGINE_PORT: String(await freePort()),
      CASCADE_CONSOLE: "false",
      CASCADE_DEMO: "false",
    });
    try {
      await until(() => logLines(run.output()).some((line) => line.msg.startsWith("Server listening")), "the engine did not listen", 180_000);
      // A terminal's Ctrl-C (SIGINT to every process of the foreground group) while the engine is busy
      // (stopped for a second here): whatever else is in its group gets the signal first.
      process.kill(run.child.pid!, "SIGSTOP");
      process.kill(-run.child.pid!, "SIGINT");
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_000));
      process.kill(run.child.pid!, "SIGCONT");
      expect(await run.exited).toBe(0);
      const lines = logLines(run.output());
      expect(lines.at(-1)?.msg).toBe("stopped");
      expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) process.kill(-run.child.pid!, "SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("after the engine is killed with SIGKILL, its embedded PostgreSQL stops too, so the next start finds its port free", { timeout: 240_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "cascade-start-"));
    const pgPort = await freePort();
    const run = start({
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      CASCADE_DATA_DIR: dataDir,
      CASCADE_EMBEDDED_PG_PORT: String(pgPort),
      ENGINE_PORT: String(await freePort()),
      CASCADE_CONSOLE: "false",
      CASCADE_DEMO: "false",
    });
    let postgresPid = 0;
    try {
      await until(() => logLines(run.output()).some((line) => line.msg.startsWith("Server listening")), "the engine did not listen", 180_000);
      postgresPid = Number((await readFile(join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);
      expect(isAlive(postgresPid)).toBe(true);
      process.kill(run.child.pid!, "SIGKILL");
      await until(() => !isAlive(postgresPid), `PostgreSQL (pid ${postgresPid}) outlived its killed engine`, 30_000);
      const probe = createServer();
      await new Promise<void>((resolvePromise, reject) => probe.once("error", reject).listen(pgPort, "127.0.0.1", resolvePromise));
      probe.close();
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) process.kill(-run.child.pid!, "SIGKILL");
      if (postgresPid && isAlive(postgresPid)) process.kill(postgresPid, "SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
