// Process roles as real processes on one PostgreSQL and one Redis: two `cascade serve` engines and
// two `cascade consume` consumers (CASCADE_CONSUMER_RECLAIM_IDLE_MS=2000 so a dead consumer's
// entries are taken over within seconds). Events posted to either engine (some ids to both) are
// stored and counted once; one consumer frozen while it holds delivered entries, then killed with
// SIGKILL, loses nothing and doubles nothing (the other reclaims its entries); a published rule set
// and a promoted model reach both engines; a cursor from one engine pages on the other; SIGTERM
// stops every role (a `cascade schedule --no-retrain` too) with exit code 0, an engine only after
// answering the request it was receiving.
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { generateApiKey, surfaceConfigSchema, type SurfaceConfigInput } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { publishRuleSet } from "@cascade/db/ruleSets";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOnlineFeatures } from "../../features/onlineFeatureReader.ts";
import { cascadeSpawnArgs } from "../../platform/engineCommand.ts";
import { rankerOnnx, registerRankerFixture } from "../../models/testing/modelFixtures.ts";
import { createRedisOnlineStore } from "../../stores/redisOnlineStore.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";

const databaseUrl = process.env.TEST_DATABASE_URL!;
const redisUrl = process.env.TEST_REDIS_URL!;
// Loopback ports of this test (18000–18099 belong to it on the shared machines).
const ENGINE_PORTS = [18021, 18022] as const;
const CONSUMER_PORTS = [18031, 18032] as const;
const run = `me${randomUUID().slice(0, 6)}`;
const surface = `${run}-feed`;
const items = Array.from({ length: 30 }, (_, n) => `${run}-i${n}`);
const users = Array.from({ length: 8 }, (_, n) => `${run}-u${n}`);

/** `exited`: the exit code, or the name of the signal that ended the process (a crash shows as e.g. "SIGSEGV", not as null). */
type Role = { name: string; child: ChildProcess; output: () => string; exited: Promise<number | string | null> };

let db: Database;
let store: OnlineStore;
let dataDir: string;
let authorization: string;
const roles: Role[] = [];

function spawnRole(name: string, args: string[], env: Record<string, string>): Role {
  const child = spawn(process.execPath, cascadeSpawnArgs(args), {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      CASCADE_DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      // The engines' own limits are not under test here.
      CASCADE_RATE_LIMIT_MAX: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  const role = { name, child, output: () => output, exited };
  roles.push(role);
  return role;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const engineUrl = (index: number) => `http://127.0.0.1:${ENGINE_PORTS[index]}`;

async function post(index: number, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${engineUrl(index)}${path}`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

type Recommendations = { items: { itemId: string }[]; cursor: string | null; ruleSetVersion: number | null };
async function recommend(index: number, body: Record<string, unknown> = {}): Promise<Recommendations> {
  // A new reader each time: what one page served is not filtered out of the next as seen.
  const answer = await post(index, "/v1/recommendations", { userId: `${run}-reader-${randomUUID().slice(0, 8)}`, surface, count: 50, ...body });
  if (answer.status !== 200) throw new Error(`engine ${index}: ${answer.status} ${JSON.stringify(answer.json)}`);
  return answer.json as unknown as Recommendations;
}

function clicks(tag: string, count: number): { eventId: string; type: "click"; userId: string; itemId: string; timestamp: string }[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, n) => ({
    eventId: `${run}-${tag}${n}`,
    type: "click" as const,
    userId: users[n % users.length]!,
    itemId: items[n % 5]!,
    timestamp: new Date(now - 60_000 + n).toISOString(),
  }));
}

type GroupStatus = { group: string; pending: number; lag: number };
async function consumerHealth(port: number): Promise<{ status: string; groups: GroupStatus[] | null }> {
  return (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string; groups: GroupStatus[] | null };
}

/** Every event of this run in the log, and both groups with nothing pending or undelivered. */
async function drained(port: number, expected: number): Promise<true | null> {
  const stored = await db.event.count({ where: { eventId: { startsWith: `${run}-` } } });
  if (stored > expected) throw new Error(`${stored} events stored, expected ${expected}`);
  const health = await consumerHealth(port);
  const quiet = health.groups?.length === 2 && health.groups.every((group) => group.pending === 0 && group.lag === 0);
  return stored === expected && quiet ? true : null;
}

async function userClicks(userId: string): Promise<number> {
  const [vector] = await readOnlineFeatures(store, { userId, itemIds: [items[0]!], at: new Date() });
  return vector!.features.user_clicks_24h!;
}

const baseConfig: SurfaceConfigInput = {
  sources: [{ id: "fresh", quota: 500, budgetMs: 500 }],
  hydrationBudgetMs: 1000,
  scoringBudgetMs: 1000,
  // Only this run's items: the suite's database holds other files' items too (the fresh list would serve them).
  filters: { seenWindowHours: 72, expressions: [{ id: "this-run", keep: `category in ("${run}-c0", "${run}-c1", "${run}-c2")` }] },
  blend: { click: 1 },
  rules: [],
  exploration: { policy: "none" },
};

beforeAll(async () => {
  db = createPrismaClient(databaseUrl, { poolSize: 4 });
  store = await createRedisOnlineStore({ url: redisUrl });
  dataDir = await mkdtemp(join(tmpdir(), "cascade-multi-engine-"));
  const now = Date.now();
  await db.item.createMany({ data: items.map((id, n) => ({ id, category: `${run}-c${n % 3}`, publishedAt: new Date(now - (n + 1) * 60_000) })) });
  await db.surface.create({ data: { id: surface, name: surface } });
  await publishRuleSet(db, { surfaceId: surface, config: surfaceConfigSchema.parse(baseConfig), note: "v1" }, { type: "test", id: null });
  const { key, prefix, hashedKey } = generateApiKey();
  await db.apiKey.create({ data: { name: `${run} admin`, prefix, hashedKey, scopes: ["admin"] } });
  authorization = `Bearer ${key}`;

  for (const [index, port] of ENGINE_PORTS.entries()) spawnRole(`serve ${index}`, ["serve"], { ENGINE_PORT: String(port) });
  for (const [index, port] of CONSUMER_PORTS.entries())
    spawnRole(`consume ${index}`, ["consume"], { CONSUMER_PORT: String(port), CASCADE_CONSUMER_RECLAIM_IDLE_MS: "2000" });
  // The periodic jobs only (no retraining): the guardrail watcher and the feature status measurement.
  const scheduler = spawnRole("schedule", ["schedule", "--no-retrain"], {});
  await Promise.all([
    until("scheduler running", async () => scheduler.output().includes("running the periodic jobs only"), 60_000),
    ...ENGINE_PORTS.map((port) => until(`engine on ${port} healthy`, async () => (await fetch(`http://127.0.0.1:${port}/v1/health`)).ok, 60_000)),
    ...CONSUMER_PORTS.map((port) => until(`consumer on ${port} healthy`, async () => (await consumerHealth(port)).status === "ok", 60_000)),
  ]).catch((error: unknown) => {
    for (const role of roles) process.stderr.write(`--- ${role.name}\n${role.output().slice(-3000)}\n`);
    throw error;
  });
}, 90_000);

afterAll(async () => {
  for (const role of roles) if (role.child.exitCode === null && role.child.signalCode === null) role.child.kill("SIGKILL");
  await Promise.all(roles.map((role) => role.exited));
  await db.event.deleteMany({ where: { eventId: { startsWith: `${run}-` } } });
  await db.modelVersion.deleteMany({ where: { name: { startsWith: run } } });
  await db.apiKey.deleteMany({ where: { name: { startsWith: run } } });
  await db.surface.deleteMany({ where: { id: surface } });
  await db.item.deleteMany({ where: { id: { startsWith: `${run}-` } } });
  await db.user.deleteMany({ where: { id: { startsWith: `${run}-` } } });
  await store.close();
  await db.$disconnect();
  await rm(dataDir, { recursive: true, force: true });
});

describe("two engines and two consumers on one PostgreSQL and Redis", () => {
  it("stores and counts events posted to either engine once, also after a consumer holding delivered entries is killed", { timeout: 60_000 }, async () => {
    // Ten batches of 8, alternately to each engine; every other batch sent again to the other engine.
    const first = clicks("a", 80);
    let accepted = 0;
    let duplicates = 0;
    for (let batch = 0; batch < 10; batch += 1) {
      const events = first.slice(batch * 8, batch * 8 + 8);
      const answers = [await post(batch % 2, "/v1/events", { events })];
      if (batch % 2 === 0) answers.push(await post((batch + 1) % 2, "/v1/events", { events }));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        accepted += answer.json.accepted as number;
        duplicates += answer.json.duplicates as number;
      }
    }
    expect({ accepted, duplicates }).toEqual({ accepted: 80, duplicates: 40 });
    await until("first events consumed", () => drained(CONSUMER_PORTS[1], 80));
    // u0 clicked events 0, 8, …, 72: ten.
    expect(await userClicks(users[0]!)).toBe(10);

    // Freeze consumer 0 while its reads are blocked on Redis: entries published now are delivered
    // to it (and stay pending with it); then kill it. The other consumer must take them over.
    const victim = roles.find((role) => role.name === "consume 0")!;
    victim.child.kill("SIGSTOP");
    const second = clicks("b", 48);
    await Promise.all([0, 1, 2].map((part) => post(part % 2, "/v1/events", { events: second.slice(part * 16, part * 16 + 16) })));
    const redis = new Redis(redisUrl);
    let heldByVictim = 0;
    try {
      for (let partition = 0; partition < 4; partition += 1)
        for (const group of ["offline-log", "online-features"]) {
          const [, , , consumers] = (await redis.xpending(`cascade:{events:${partition}}`, group)) as [number, string, string, [string, string][] | null];
          heldByVictim += Number((consumers ?? []).find(([name]) => name === `${hostname()}-${victim.child.pid}`)?.[1] ?? 0);
        }
    } finally {
      redis.disconnect();
    }
    victim.child.kill("SIGKILL");
    expect(await victim.exited).toBe("SIGKILL");
    expect(heldByVictim).toBeGreaterThan(0);
    // More events after the kill, to both engines, one of them resent.
    const third = clicks("c", 16);
    expect((await post(0, "/v1/events", { events: third })).json).toMatchObject({ accepted: 16 });
    expect((await post(1, "/v1/events", { events: third.slice(0, 4) })).json).toMatchObject({ accepted: 0, duplicates: 4 });

    await until("all events consumed by the surviving consumer", () => drained(CONSUMER_PORTS[1], 80 + 48 + 16), 30_000);
    // u0: 10 + 6 (b0, b8, …, b40) + 2 (c0, c8).
    expect(await userClicks(users[0]!)).toBe(18);
    expect(await userClicks(users[7]!)).toBe(10 + 6 + 2);
    const metrics = await (await fetch(`http://127.0.0.1:${CONSUMER_PORTS[1]}/metrics`)).text();
    const reclaimed = [...metrics.matchAll(/^cascade_consumer_reclaimed_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(reclaimed).toBeGreaterThanOrEqual(heldByVictim);
  });

  it("serves a newly published rule set from both engines", { timeout: 30_000 }, async () => {
    const before = await Promise.all([recommend(0), recommend(1)]);
    for (const page of before) {
      expect(page.ruleSetVersion).toBe(1);
      expect(page.items.map((item) => item.itemId)).toContain(items[0]);
    }
    const blocked = { ...baseConfig, filters: { ...baseConfig.filters, blocked: { itemIds: [items[0]!], categories: [], creators: [] } } };
    await publishRuleSet(db, { surfaceId: surface, config: surfaceConfigSchema.parse(blocked), note: "block i0" }, { type: "test", id: null });
    for (const index of [0, 1]) {
      const page = await until(`engine ${index} serves rule set 2`, async () => {
        const answer = await recommend(index);
        return answer.ruleSetVersion === 2 ? answer : null;
      });
      expect(page.items.length).toBe(items.length - 1);
      expect(page.items.map((item) => item.itemId)).not.toContain(items[0]);
    }
  });

  it("serves a model promoted through one engine from both", { timeout: 30_000 }, async () => {
    const version = await registerRankerFixture(db, dataDir, { name: `${run}-ranker`, bytes: rankerOnnx() });
    const promoted = await post(0, `/v1/admin/models/${version.id}/promote`, {});
    expect(promoted.status).toBe(200);
    for (const index of [0, 1])
      await until(`engine ${index} reports the promoted ranker`, async () => {
        const health = (await (await fetch(`${engineUrl(index)}/v1/health`)).json()) as { models: { ranker: { id: string } | null } };
        return health.models.ranker?.id === version.id;
      });
    // …and ranks with it.
    const page = await post(1, "/v1/recommendations", { userId: `${run}-reader`, surface, count: 5 });
    expect(page.json.modelVersion).toBe(version.id);
  });

  it("serves a cursor issued by one engine from the other (page sessions in Redis)", { timeout: 30_000 }, async () => {
    const reader = `${run}-pager`;
    const first = await recommend(0, { userId: reader, count: 5 });
    expect(first.items).toHaveLength(5);
    expect(first.cursor).not.toBeNull();
    const second = await recommend(1, { userId: reader, count: 5, cursor: first.cursor });
    const third = await recommend(0, { userId: reader, count: 5, cursor: second.cursor });
    const pages = [first, second, third].map((page) => page.items.map((item) => item.itemId));
    expect(pages.map((page) => page.length)).toEqual([5, 5, 5]);
    // No page repeats an item of another.
    expect(new Set(pages.flat()).size).toBe(15);
  });

  it("stops every role on SIGTERM with exit code 0, an engine after finishing the request in flight", { timeout: 45_000 }, async () => {
    // A request whose headers arrived before the SIGTERM and whose body arrives after it.
    const engine = roles.find((role) => role.name === "serve 0")!;
    const body = JSON.stringify({ events: clicks("d", 4) });
    const request = httpRequest({
      host: "127.0.0.1",
      port: ENGINE_PORTS[0],
      path: "/v1/events",
      method: "POST",
      headers: { authorization, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    const response = new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      request.on("error", reject);
      request.on("response", (incoming) => {
        let text = "";
        incoming.on("data", (chunk: Buffer) => (text += chunk.toString()));
        incoming.on("end", () => resolve({ status: incoming.statusCode, body: text }));
      });
    });
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));
    engine.child.kill("SIGTERM");
    await until("engine 0 shutting down", async () => engine.output().includes('"msg":"shutting down"'));
    request.end(body.slice(10));
    const answered = await response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toMatchObject({ accepted: 4 });
    const engineExit = await engine.exited;
    // On a failure, the end of its log (a native abort writes only to stderr; CI saw SIGABRT here).
    expect(engineExit, `serve 0 exited ${String(engineExit)}:\n${engine.output().slice(-6_000)}`).toBe(0);
    await until("the drained request's events consumed", () => drained(CONSUMER_PORTS[1], 80 + 48 + 16 + 4));

    const running = roles.filter((role) => role.child.exitCode === null && role.child.signalCode === null);
    expect(running.map((role) => role.name)).toEqual(["serve 1", "consume 1", "schedule"]);
    for (const role of running) role.child.kill("SIGTERM");
    const codes = await Promise.all(running.map((role) => role.exited));
    // A role that did not exit 0 is named with the end of its log (CI once saw an engine end by a signal here).
    const unclean = running.flatMap((role, index) => (codes[index] === 0 ? [] : [`${role.name}: ${String(codes[index])}\n${role.output().slice(-3000)}`]));
    expect(unclean).toEqual([]);
    for (const role of [engine, ...running.filter((role) => role.name !== "schedule")]) expect(role.output()).toContain('"msg":"stopped"');
    expect(roles.find((role) => role.name === "schedule")!.output()).toMatch(
      /guardrail watcher: running experiments checked every 60 s[\s\S]*feature status: measured every 60 s/,
    );
  });
});
