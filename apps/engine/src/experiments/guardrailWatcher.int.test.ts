// Guardrails act, through the real path: users are served under a running experiment (exposures),
// their events flow through /v1/events and the consumer (rollups), the watcher analyses the
// experiment and stops the treatment whose guardrail regressed — naming why on the variant and in
// the audit log — and the engine stops serving it. A treatment that does no harm is left running.
import { assignVariant, experimentView, recommendationsResponse, type ExperimentView } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishPopularSurface } from "../server/testing/popularSurface.ts";
import { startTestEngine, type TestEngine } from "../server/testing/testEngine.ts";

let engine: TestEngine;
let admin: string;
let recommend: string;
let ingest: string;
let surface: string;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ authorization: admin } = await engine.createApiKey(["admin"]));
  ({ authorization: recommend } = await engine.createApiKey(["recommend"]));
  ({ authorization: ingest } = await engine.createApiKey(["ingest"]));
  surface = `${engine.run}-guard`;
  await publishPopularSurface(engine, surface);
});

afterAll(async () => {
  await engine.db.surface.deleteMany({ where: { id: surface } });
  await engine.close();
});

function post(url: string, payload: object, authorization = ingest) {
  return engine.app.inject({ method: "POST", url, headers: { authorization }, payload });
}

async function runningExperiment(key: string, guardrailMetric: string): Promise<ExperimentView> {
  const created = await post(
    "/v1/admin/experiments",
    {
      key: `${engine.run}-${key}`,
      surface,
      seed: key,
      variants: [
        { key: "control", weight: 0.5, isControl: true },
        { key: "treatment", weight: 0.5, overrides: { maxCandidates: 400 } },
      ],
      guardrails: [{ metric: guardrailMetric, direction: "higherIsBetter", threshold: 0.1 }],
    },
    admin,
  );
  expect(created.statusCode, created.body).toBe(201);
  const experiment = experimentView.parse(created.json());
  expect((await post(`/v1/admin/experiments/${experiment.id}/start`, {}, admin)).statusCode).toBe(200);
  return experiment;
}

/** Serves `users` (exposures), then sends each one impressions and `clicksOf(variant, n)` clicks. */
async function exposeAndRespond(experiment: ExperimentView, users: number, clicksOf: (variant: string, n: number) => number): Promise<void> {
  const events: object[] = [];
  for (let n = 0; n < users; n += 1) {
    const userId = `${experiment.key}-u${n}`;
    const response = recommendationsResponse.parse((await post("/v1/recommendations", { surface, userId, count: 3 }, recommend)).json());
    expect(response.experiment).toBe(experiment.key);
    const itemId = response.items[0]!.itemId;
    const clicks = clicksOf(response.variant!, n);
    for (let k = 0; k < 3; k += 1) events.push({ eventId: `${userId}-i${k}`, itemId, userId, type: "impression", timestamp: new Date().toISOString() });
    for (let k = 0; k < clicks; k += 1) events.push({ eventId: `${userId}-c${k}`, itemId, userId, type: "click", timestamp: new Date().toISOString() });
  }
  await engine.engine.serving.exposures.flush();
  // Exposures are written; the events come after them (as a real client's would).
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (let start = 0; start < events.length; start += 500) {
    const sent = await post("/v1/events", { events: events.slice(start, start + 500) });
    expect(sent.statusCode).toBe(200);
  }
  await engine.settleEvents();
}

describe("guardrail watcher", () => {
  it("stops a treatment whose guardrail metric regressed beyond its threshold, says why, and stops serving it", async () => {
    const experiment = await runningExperiment("harm", "clicks");
    // Control users click 1–4 times, treatment users never: clicks per user fall by 100%.
    await exposeAndRespond(experiment, 160, (variant, n) => (variant === "control" ? 1 + (n % 4) : 0));

    const stops = await engine.engine.guardrails!.check();
    expect(stops).toEqual([
      { experiment: experiment.key, variant: "treatment", metric: "clicks", reason: expect.stringContaining("guardrail clicks regressed") },
    ]);

    const after = experimentView.parse(
      (await engine.app.inject({ method: "GET", url: `/v1/admin/experiments/${experiment.id}`, headers: { authorization: admin } })).json(),
    );
    // The only treatment stopped: the experiment stopped with it.
    expect(after.status).toBe("stopped");
    expect(after.variants.find((variant) => variant.key === "treatment")!.stopReason).toContain("clicks");
    const audit = await engine.db.auditLog.findMany({ where: { entityType: "experiment", entityId: experiment.id }, orderBy: { id: "asc" } });
    expect(audit.map((row) => [row.action, row.actorType])).toEqual([
      ["experiment.create", "api_key"],
      ["experiment.start", "api_key"],
      ["experiment.variant_stop", "system"],
      ["experiment.stop", "system"],
    ]);
    expect(audit[2]!.after).toMatchObject({ variant: "treatment", reason: expect.stringContaining("clicks") });

    const spec = { key: experiment.key, seed: experiment.seed, coverage: 1, variants: experiment.variants.map(({ key, weight }) => ({ key, weight })) };
    const treated = Array.from({ length: 50 }, (_, n) => `later-${n}`).find(
      (userId) => assignVariant({ experiment: spec, unitId: userId }).variant === "treatment",
    )!;
    const served = recommendationsResponse.parse((await post("/v1/recommendations", { surface, userId: treated, count: 3 }, recommend)).json());
    expect(served).toMatchObject({ experiment: null, variant: null });

    // A second pass finds nothing more to do.
    expect(await engine.engine.guardrails!.check()).toEqual([]);
  });

  it("leaves a treatment that does no harm running", async () => {
    const experiment = await runningExperiment("harmless", "clicks");
    await exposeAndRespond(experiment, 120, (_variant, n) => 1 + (n % 4));
    expect(await engine.engine.guardrails!.check()).toEqual([]);
    const row = await engine.db.experiment.findUniqueOrThrow({ where: { id: experiment.id }, include: { variants: true } });
    expect(row.status).toBe("running");
    expect(row.variants.every((variant) => variant.stoppedAt === null)).toBe(true);
    await post(`/v1/admin/experiments/${experiment.id}/stop`, {}, admin);
  });
});

describe("guardrail watcher across replicas", () => {
  it("lets one replica check at a time: a pass while another holds the lock does nothing", async () => {
    const experiment = await runningExperiment("locked", "clicks");
    await exposeAndRespond(experiment, 120, (variant, n) => (variant === "control" ? 1 + (n % 4) : 0));
    // Another replica mid-pass: it holds the advisory lock in an open transaction.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const otherReplica = engine.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${0x6361_7363_6764}::bigint)`; // the watcher's lock key
        locked();
        await held;
      },
      { timeout: 60_000 },
    );
    await lockTaken;
    expect(await engine.engine.guardrails!.check()).toEqual([]);
    release();
    await otherReplica;
    expect(await engine.engine.guardrails!.check()).toEqual([expect.objectContaining({ experiment: experiment.key, variant: "treatment", metric: "clicks" })]);
  });
});
