// A redis-server of a test's own on a loopback port (never the shared 6379), started daemonized,
// stopped by SHUTDOWN (SAVE: restarted with its data; NOSAVE: empty) or, at the end, by its pid.
// Used by the Redis restart test (events/consumers/eventPipeline.restart.int.test.ts) and the fault
// tests with real processes (apps/engine/test/faults).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a Redis answers PING on this loopback port. */
export async function redisAnswers(port: number): Promise<boolean> {
  const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export type RedisServer = {
  readonly port: number;
  readonly url: string;
  /** The running server's pid (changes on every start). */
  pid(): number;
  start(): Promise<void>;
  /** SHUTDOWN SAVE writes dump.rdb (loaded by the next start: "restarted with data"); NOSAVE leaves nothing. */
  stop(options: { save: boolean }): Promise<void>;
  /** Stops it if it runs (by pid if it does not answer) and removes its directory. */
  dispose(): Promise<void>;
};

/** A redis-server on `port` (not started yet); no persistence besides an explicit SHUTDOWN SAVE. */
export function redisServer(port: number): RedisServer {
  const dir = mkdtempSync(join(tmpdir(), "cascade-redis-"));
  const pidFile = join(dir, "redis.pid");
  let pid = 0;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    pid: () => pid,
    async start() {
      execFileSync("redis-server", [
        ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        ...["--daemonize", "yes", "--dir", dir, "--pidfile", pidFile],
      ]);
      for (let attempt = 0; !(await redisAnswers(port)); attempt += 1) {
        if (attempt > 100) throw new Error(`redis-server on ${port} did not come up`);
        await sleep(50);
      }
      pid = Number(readFileSync(pidFile, "utf8").trim());
    },
    async stop({ save }) {
      try {
        execFileSync("redis-cli", ["-p", String(port), "shutdown", save ? "save" : "nosave"], { stdio: "ignore" });
      } catch {
        // redis-cli reports the dropped connection as an error on some versions.
      }
      if (!save) rmSync(join(dir, "dump.rdb"), { force: true });
      for (let attempt = 0; await redisAnswers(port); attempt += 1) {
        if (attempt > 100) throw new Error(`redis-server on ${port} did not stop`);
        await sleep(50);
      }
    },
    async dispose() {
      if (await redisAnswers(port)) await server.stop({ save: false });
      if (pid) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
