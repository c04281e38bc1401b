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
import { createFaultWorld, RECLAIM_IDLE_MS, waitForLog, type FaultWorld } from "./harness/faultWorld.ts";
import { LoadGenerator, inFlightAt, post, summarize, type Outcome, type Summary } from "./harness/load.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let world: FaultWorld;
const results: Record<string, unknown> = {};

beforeAll(async () => {
  world = await createFaultWorld("engine");
  await world.startEngine();
  // Warm-up (compilation, caches, the known-items cache), so the first scenario's "before" is steady state.
  const warmUp = load("warm");
  warmUp.start();
  await sleep(3_000);
  await warmUp.stop();
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
  const store = body.store.detail ? `store ${body.store.status}: ${body.store.detail.slice(0, 120)}` : `store ${body.store.status}`;
  return `${answer.statusCode} ${body.status} (database ${body.database.status}, ${store}, model ${body.model.status})`;
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

/**
 * Codes a client may see from the engine at all (README, docs/api.md): never 500, never a response cut short, never a
 * hang. `503 overloaded` is load shedding on the funnel routes (server/funnelAdmission.ts), which a freshly started or
 * starved engine may answer while its event loop lags.
 */
function expectDocumentedCodes(outcomes: readonly Outcome[], allowed: readonly string[], resetsIn: readonly string[] = []): void {
  const unexpected = outcomes.filter((outcome) => !allowed.includes(outcome.code) && !(outcome.code === RESET && resetsIn.includes(outcome.phase)));
  expect(unexpected.map((outcome) => `${outcome.phase} ${outcome.kind} ${outcome.code}`)).toEqual([]);
}

/**
 * Connection resets before any response, allowed only in the phases that name them: while an engine closes, a
 * connection still in the listening socket's backlog when the listener closes (or accepted but not yet read when
 * idle connections are closed) is reset; while a new engine starts, `cascade start` first checks that ENGINE_PORT
 * is free by listening on it for a moment (boot/ports.ts), and a client connecting in that moment is reset. In both
 * cases no request was read, nothing was processed, and a retry is safe (event ids make it idempotent).
 */
const RESET = "reset before response";

/** Clients recovered: after the restart every event batch is accepted and the last pages are served. */
function expectRecovered(outcomes: readonly Outcome[]): void {
  const after = outcomes.filter((outcome) => outcome.phase === "after");
  expect(after.filter((outcome) => outcome.kind === "events" && outcome.code !== "200")).toEqual([]);
  const pages = after.filter((outcome) => outcome.kind === "recommend").sort((a, b) => a.sentAt - b.sentAt);
  expect(pages.slice(-5).map((outcome) => outcome.code)).toEqual(["200", "200", "200", "200", "200"]);
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

    expectDocumentedCodes(generator.outcomes, ["200", "503 dependency_unavailable", "503 overloaded"]);
    // Recommendations never fail outright: while PostgreSQL is gone they are served degraded.
    const pagesDuring = generator.outcomes.filter((outcome) => outcome.phase === "during" && outcome.kind === "recommend");
    expect(pagesDuring.filter((outcome) => outcome.code !== "200" && outcome.code !== "503 overloaded")).toEqual([]);
    expect(pagesDuring.some((outcome) => outcome.degraded)).toBe(true);
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

    expectDocumentedCodes(generator.outcomes, ["200", "503 dependency_unavailable", "503 overloaded"]);
    expect(during?.statusCode).toBe(200);
    expect(during?.body.store.latencyMs).toBeGreaterThanOrEqual(50);
    await expectLoggedOnce(generator);
  });

  let corruptRanker = "";

  it("a corrupt model promoted: the engine refuses to load it, keeps serving the previous ranker, health names the refused load", async () => {
    const good = await registerRankerFixture(world.db, world.dataDir, { name: "faults-good", bytes: rankerOnnx(FIXTURE_FEATURES, 1) });
    const promotedGood = await post(world.engine.url, `/v1/admin/models/${good.id}/promote`, world.authorization, {}, 15_000);
    expect(promotedGood.status).toBe(200);
    await waitForHealth(world.engine, (answer) => answer.body.models.ranker?.id === good.id, "the good ranker serving", 15_000);
    const generator = load("model");
    generator.start();
    await sleep(2_000);
    // Garbage bytes where an ONNX file should be, registered with their own digest (not bit rot: a file that was never a model).
    const garbage = Buffer.from(Array.from({ length: 4_096 }, (_, n) => (n * 7919 + 13) % 251));
    const corrupt = await registerRankerFixture(world.db, world.dataDir, { name: "faults-corrupt", bytes: garbage });
    corruptRanker = corrupt.id;
    generator.phase = "during";
    const promotedCorrupt = await post(world.engine.url, `/v1/admin/models/${corrupt.id}/promote`, world.authorization, {}, 15_000);
    const during = await health(world.engine.url);
    await sleep(3_000);
    await generator.stop();
    record("corrupt model promoted", generator, {
      promoteAnswer: promotedCorrupt.code,
      promoteServing: (promotedCorrupt.body as { serving?: unknown }).serving,
      health: describeHealth(during),
      modelHealth: during?.body.model,
      lastError: during?.body.models.lastError,
    });

    expect(promotedCorrupt.status).toBe(200);
    expect(during?.statusCode).toBe(200);
    expect(during?.body.models.ranker?.id).toBe(good.id);
    expect(during?.body.models.lastError).toMatchObject({ slot: "ranker", modelId: corrupt.id });
    expect(during?.body.model.status).toBe("degraded");
    expect(during?.body.model.detail).toMatch(/refused ranker version/);
    expectDocumentedCodes(generator.outcomes, ["200", "503 overloaded"]);
    const pages = generator.outcomes.filter((outcome) => outcome.kind === "recommend" && outcome.code === "200");
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((outcome) => outcome.modelVersion === good.id)).toBe(true);
    await expectLoggedOnce(generator);
  });

  it("engine restarted under load (SIGTERM): in-flight requests complete, new ones get 503 shutting_down or are refused, clients recover; the refused model stays refused", async () => {
    const generator = load("term");
    generator.start();
    await sleep(1_500);
    // Slow Redis down so requests are in flight when the signal arrives.
    world.redisProxy.delay = () => 300;
    await sleep(1_500);
    const old = world.engine;
    generator.phase = "closing";
    const signalledAt = Date.now();
    old.signal("SIGTERM");
    const exit = await old.exited;
    const stoppedMs = Date.now() - signalledAt;
    world.redisProxy.delay = () => 0;
    generator.phase = "restarting";
    await world.startEngine();
    const restartedMs = Date.now() - signalledAt;
    generator.phase = "after";
    await sleep(3_000);
    await generator.stop();
    const after = await health(world.engine.url);
    const inFlight = inFlightAt(generator.outcomes, signalledAt);
    record("engine SIGTERM under load", generator, {
      inFlightAtSignal: inFlight.length,
      inFlightCodes: summarize(inFlight).codes,
      exit,
      stoppedMs,
      restartedMs,
      healthAfter: describeHealth(after),
      modelHealthAfter: after?.body.model,
      lastErrorAfter: after?.body.models.lastError,
    });

    // On a failure, what the process printed last (a native abort's message goes to stderr only).
    expect(exit, `exit ${exit}; the engine's last output:\n${old.output().slice(-6_000)}`).toBe(0);
    // Graceful: the requests in flight when the signal arrived were answered in full.
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.map((outcome) => outcome.code).filter((code) => code !== "200" && code !== "503 dependency_unavailable")).toEqual([]);
    // Never cut mid-response, never a hang: answered in full, 503 shutting_down, refused (nothing listening), or — for a
    // connection made after the signal — reset before its request was read (RESET).
    expectDocumentedCodes(
      generator.outcomes,
      ["200", "503 shutting_down", "503 dependency_unavailable", "503 overloaded", "refused"],
      ["closing", "restarting"],
    );
    expectRecovered(generator.outcomes);
    // The registry's active ranker is still the corrupt one: the new process refuses it too and says so.
    expect(after?.body.models.ranker).toBeNull();
    expect(after?.body.models.lastError).toMatchObject({ slot: "ranker", modelId: corruptRanker });
    expect(after?.body.model.detail).toMatch(/refused ranker version/);
    await expectLoggedOnce(generator);
  });

  it("consumer killed mid-batch (SIGKILL while it holds delivered, unacknowledged entries): after a restart every accepted event is in the log once", async () => {
    const streams = new Redis(world.redis.url);
    const pendingOf = async (consumer: string): Promise<number> => {
      let total = 0;
      for (let partition = 0; partition < 4; partition += 1) {
        for (const group of ["offline-log", "online-features"]) {
          const summary = (await streams.xpending(`cascade:{events:${partition}}`, group).catch(() => null)) as
            [number, string, string, [string, string][] | null] | null;
          for (const [name, count] of summary?.[3] ?? []) if (name === consumer) total += Number(count);
        }
      }
      return total;
    };
    try {
      const generator = load("kill");
      generator.start();
      await sleep(1_500);
      // Hold PostgreSQL's answers for 3 s, so a consumer that has read a batch sits in its insert, the entries
      // delivered and unacknowledged, when the kill comes.
      world.pgProxy.delay = () => 3_000;
      const victim = world.engine;
      const consumer = `${hostname()}-${victim.pid}`;
      const deadline = Date.now() + 15_000;
      while ((await pendingOf(consumer)) === 0 && Date.now() < deadline) await sleep(50);
      generator.phase = "killed";
      const killedAt = Date.now();
      victim.signal("SIGKILL");
      await victim.exited;
      const diedAt = Date.now();
      const pendingAtKill = await pendingOf(consumer);
      world.pgProxy.delay = () => 0;
      generator.phase = "restarting";
      await world.startEngine();
      const restartedMs = Date.now() - killedAt;
      generator.phase = "after";
      await sleep(3_000);
      await generator.stop();
      const recovering = await health(world.engine.url);
      // Every accepted event reaches the log: the dead consumer's entries either were written before the kill (and
      // only their acknowledgement was lost) or are taken over by another consumer once idle for
      // CASCADE_CONSUMER_RECLAIM_IDLE_MS (RECLAIM_IDLE_MS here; XAUTOCLAIM).
      await expectLoggedOnce(generator, 60_000);
      const loggedAllMs = Date.now() - killedAt;
      for (const deadline = Date.now() + 60_000; (await pendingOf(consumer)) > 0 && Date.now() < deadline;) await sleep(250);
      const leftPending = await pendingOf(consumer);
      const takenOverMs = Date.now() - killedAt;
      // Taken over and processed again: still once in the log.
      const again = await waitForLog(world.db, [...generator.answeredAccepted], 0);
      expect({ missing: again.missing.length, repeated: again.repeated.length }).toEqual({ missing: 0, repeated: 0 });
      const after = await waitForHealth(world.engine, (answer) => answer.body.status === "ok", "ok after the take-over", 30_000);
      // In flight while the process died: sent before it was gone, not answered before the signal.
      const cut = generator.outcomes.filter((outcome) => outcome.sentAt < diedAt && outcome.sentAt + outcome.ms > killedAt);
      record("consumer SIGKILLed mid-batch", generator, {
        inFlightAtKill: cut.length,
        inFlightCodes: summarize(cut).codes,
        pendingAtKill,
        restartedMs,
        loggedAllMs,
        takenOverMs,
        reclaimIdleMs: RECLAIM_IDLE_MS,
        healthWhileRecovering: describeHealth(recovering),
        healthAfter: describeHealth(after),
      });

      expect(pendingAtKill).toBeGreaterThan(0);
      expect(leftPending).toBe(0);
      // A killed process cuts what it was answering (those event batches were retried with the same ids and are in
      // the log once); every other request got a documented answer or found nothing listening.
      expect(cut.filter((outcome) => outcome.code === "timeout")).toEqual([]);
      expectDocumentedCodes(
        generator.outcomes.filter((outcome) => !cut.includes(outcome)),
        ["200", "503 dependency_unavailable", "503 overloaded", "refused"],
        ["restarting"],
      );
      expectRecovered(generator.outcomes);
    } finally {
      streams.disconnect();
    }
  });
});
