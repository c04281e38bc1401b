// Everything a fault test runs against, as real processes on loopback ports of its own: a
// redis-server (by pid), a TCP proxy in front of it (the engine's REDIS_URL: slowed down at will),
// a scratch database beside TEST_DATABASE_URL reached through a TCP proxy in front of the shared
// PostgreSQL (the engine's DATABASE_URL: cut and restored at will), an API key with every scope, a
// few items, and the engine as a child process. Ports come from FAULT_PORT_BASE (default 19000)
// upwards, skipping ports in use. Nothing touches the shared servers beyond the scratch database.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { generateApiKey } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { createScratchDatabase, type ScratchDatabase } from "../../../src/testing/scratchDatabase.ts";
import { redisServer, type RedisServer } from "../../../src/testing/redisServer.ts";
import { isLoopbackPortFree } from "../../../src/testing/loopbackPorts.ts";
import { TcpProxy } from "./tcpProxy.ts";
import { startEngine, waitForHealth, type EngineProcess } from "./engineProcess.ts";

async function freePorts(count: number): Promise<number[]> {
  const base = Number(process.env.FAULT_PORT_BASE ?? 19_000);
  const ports: number[] = [];
  for (let port = base; ports.length < count; port += 1) {
    if (port >= base + 100) throw new Error(`no ${count} free loopback ports in ${base}…${base + 99} (FAULT_PORT_BASE)`);
    if (await isLoopbackPortFree(port)) ports.push(port);
  }
  return ports;
}

/** CASCADE_CONSUMER_RECLAIM_IDLE_MS of the fault tests' engines. */
export const RECLAIM_IDLE_MS = 5_000;

export type FaultWorld = {
  run: string;
  db: Database;
  redis: RedisServer;
  redisProxy: TcpProxy;
  pgProxy: TcpProxy;
  /** The engine's DATABASE_URL (through pgProxy). */
  engineDatabaseUrl: string;
  enginePort: number;
  dataDir: string;
  authorization: string;
  itemIds: string[];
  engine: EngineProcess;
  /** Starts an engine (the previous one must have exited) and waits until its health answers `ok`. */
  startEngine(): Promise<EngineProcess>;
  dispose(): Promise<void>;
};

export async function createFaultWorld(name: string): Promise<FaultWorld> {
  const run = `${name}${randomUUID().slice(0, 6)}`;
  const [redisPort, redisProxyPort, pgProxyPort, enginePort] = await freePorts(4);
  const redis = redisServer(redisPort!);
  await redis.start();
  const redisProxy = new TcpProxy(redisProxyPort!, { host: "127.0.0.1", port: redisPort! });
  await redisProxy.start();
  const scratch: ScratchDatabase = await createScratchDatabase(`faults_${name}`);
  const direct = new URL(scratch.url);
  const pgProxy = new TcpProxy(pgProxyPort!, { host: direct.hostname, port: Number(direct.port || 5432) });
  await pgProxy.start();
  const proxied = new URL(scratch.url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(pgProxyPort);
  const db = createPrismaClient(scratch.url, { poolSize: 4 });
  const { key, prefix, hashedKey } = generateApiKey();
  await db.apiKey.create({ data: { name: `${run} faults`, prefix, hashedKey, scopes: ["admin", "ingest", "recommend"] } });
  const itemIds = Array.from({ length: 30 }, (_, n) => `${run}-item-${n}`);
  await db.item.createMany({
    data: itemIds.map((id, n) => ({ id, category: `c${n % 3}`, publishedAt: new Date(Date.now() - n * 3_600_000) })),
  });
  const dataDir = await mkdtemp(join(tmpdir(), "cascade-faults-"));

  const world: FaultWorld = {
    run,
    db,
    redis,
    redisProxy,
    pgProxy,
    engineDatabaseUrl: proxied.toString(),
    enginePort: enginePort!,
    dataDir,
    authorization: `Bearer ${key}`,
    itemIds,
    engine: null as unknown as EngineProcess,
    async startEngine() {
      const engine = startEngine({
        databaseUrl: world.engineDatabaseUrl,
        redisUrl: `redis://127.0.0.1:${redisProxyPort}/0`,
        port: world.enginePort,
        dataDir,
        // A dead consumer's entries are taken over after 5 s idle instead of the default 30 s (keeps the suite short).
        env: { CASCADE_CONSUMER_RECLAIM_IDLE_MS: String(RECLAIM_IDLE_MS) },
      });
      world.engine = engine;
      await waitForHealth(engine, (answer) => answer.body.status === "ok", "status ok after a start", 90_000);
      return engine;
    },
    async dispose() {
      const engine = world.engine as EngineProcess | null;
      if (engine) {
        engine.signal("SIGKILL");
        await engine.exited;
      }
      await Promise.allSettled([redisProxy.close(), pgProxy.close()]);
      await redis.dispose();
      await db.$disconnect();
      await scratch.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return world;
}

/** How many times each id is in the event log (ids absent from the log are absent from the map). */
export async function logCounts(db: Database, eventIds: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let start = 0; start < eventIds.length; start += 5_000) {
    const rows = await db.$queryRaw<{ event_id: string; copies: bigint }[]>`
      SELECT event_id, count(*) AS copies FROM events WHERE event_id = ANY(${eventIds.slice(start, start + 5_000)}::text[]) GROUP BY event_id`;
    for (const row of rows) counts.set(row.event_id, Number(row.copies));
  }
  return counts;
}

/** Polls the log (bounded) until every id is in it; returns the ids still missing and those stored more than once. */
export async function waitForLog(db: Database, eventIds: readonly string[], boundMs: number): Promise<{ missing: string[]; repeated: string[] }> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const counts = await logCounts(db, eventIds);
    const missing = eventIds.filter((id) => !counts.has(id));
    const repeated = [...counts].filter(([, copies]) => copies > 1).map(([id]) => id);
    if (missing.length === 0 || Date.now() > deadline) return { missing, repeated };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
