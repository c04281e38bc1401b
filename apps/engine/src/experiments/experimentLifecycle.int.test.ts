// The experiment lifecycle beyond create/start/ship, over HTTP and against real PostgreSQL:
// edits that would bias a running experiment are refused or start a new phase; a stopped variant
// serves nobody; layers stay mutually exclusive; variants pin model and rule set versions; and what RunningExperiments serves per request
// (ramp-up by the clock, context units, forced QA units, the global holdout) is core's assignment.
import {
  assignVariant,
  DEFAULT_SURFACE_CONFIGS,
  experimentView,
  feedPreviewResponse,
  recommendationsResponse,
  type ExperimentAssignmentSpec,
  type ExperimentView,
} from "@cascade/core";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishPopularSurface } from "../server/testing/popularSurface.ts";
import { startTestEngine, type TestEngine } from "../server/testing/testEngine.ts";
import { rankerOnnx, registerRankerFixture } from "../models/testing/modelFixtures.ts";
import { RunningExperiments } from "./runningExperiments.ts";

let engine: TestEngine;
let admin: string;
let recommend: string;
let surface: string;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ authorization: admin } = await engine.createApiKey(["admin"]));
  ({ authorization: recommend } = await engine.createApiKey(["recommend"]));
  surface = `${engine.run}-life`;
  await publishPopularSurface(engine, surface);
});

afterAll(async () => {
  await engine.db.surface.deleteMany({ where: { id: surface } });
  await engine.close();
});

const call = (method: "POST" | "PATCH" | "GET", url: string, payload?: object, authorization = admin) =>
  engine.app.inject({ method, url, headers: { authorization, "x-cascade-actor": "dana@example.com" }, ...(payload ? { payload } : {}) });

let keys = 0;
async function created(overrides: object = {}): Promise<ExperimentView> {
  keys += 1;
  const response = await call("POST", "/v1/admin/experiments", {
    key: `${engine.run}-e${keys}`,
    surface,
    seed: `seed-${keys}`,
    variants: [
      { key: "control", weight: 0.5, isControl: true },
      { key: "treatment", weight: 0.5, overrides: { maxCandidates: 50 } },
    ],
    ...overrides,
  });
  expect(response.statusCode, response.body).toBe(201);
  return experimentView.parse(response.json());
}

async function served(userId: string, context: Record<string, string> = {}) {
  const response = await call("POST", "/v1/recommendations", { surface, userId, count: 5, context }, recommend);
  expect(response.statusCode).toBe(200);
  return recommendationsResponse.parse(response.json());
}

const issuePaths = (body: { error: { issues?: { path: string }[] } }) => (body.error.issues ?? []).map((issue) => issue.path).sort();

describe("editing an experiment", () => {
  it("stores guardrails, ramp-up, forced users and layers, and reads them back", async () => {
    const experiment = await created({
      coverage: 0.8,
      rampUp: [{ untilHours: 24, coverage: 0.1 }],
      forced: { "qa-1": "treatment" },
      guardrails: [{ metric: "latency_p99", direction: "lowerIsBetter", threshold: 0.2 }],
      layer: { key: `${engine.run}-layer`, start: 0, end: 0.5 },
    });
    expect(experiment).toMatchObject({
      coverage: 0.8,
      effectiveCoverage: 0.8, // a draft: the ramp runs from the start
      rampUp: [{ untilHours: 24, coverage: 0.1 }],
      forced: { "qa-1": "treatment" },
      guardrails: [{ metric: "latency_p99", direction: "lowerIsBetter", threshold: 0.2, thresholdKind: "relative" }],
      layer: { key: `${engine.run}-layer`, start: 0, end: 0.5 },
      unit: "userId",
      phase: 1,
      phaseStartedAt: null,
    });
    const started = experimentView.parse((await call("POST", `/v1/admin/experiments/${experiment.id}/start`)).json());
    expect(started.effectiveCoverage).toBe(0.1);
    expect(started.phaseStartedAt).toBe(started.startedAt);
    await call("POST", `/v1/admin/experiments/${experiment.id}/stop`);
  });

  it("keeps layers mutually exclusive: an overlapping slice is refused at save (400) and at start (409)", async () => {
    const layer = `${engine.run}-excl`;
    const first = await created({ layer: { key: layer, start: 0, end: 0.6 } });
    const overlapping = await call("POST", "/v1/admin/experiments", {
      key: `${engine.run}-overlap`,
      surface,
      seed: "o",
      layer: { key: layer, start: 0.5, end: 1 },
      variants: [
        { key: "a", weight: 0.5 },
        { key: "b", weight: 0.5 },
      ],
    });
    expect(overlapping.statusCode).toBe(400);
    expect(issuePaths(overlapping.json())).toEqual(["layer"]);
    const beside = await created({ layer: { key: layer, start: 0.6, end: 1 } });
    // Widening the first draft over the second's slice is refused too.
    const widened = await call("PATCH", `/v1/admin/experiments/${first.id}`, { layer: { key: layer, start: 0, end: 0.7 } });
    expect(widened.statusCode).toBe(400);
    expect(issuePaths(widened.json())).toEqual(["layer"]);
    // A stopped experiment frees its slice; until then start refuses an overlap created meanwhile.
    await call("POST", `/v1/admin/experiments/${beside.id}/start`);
    await engine.db.experiment.update({ where: { id: first.id }, data: { layerEnd: 0.7 } }); // as if edited by hand
    const start = await call("POST", `/v1/admin/experiments/${first.id}/start`);
    expect(start.statusCode).toBe(409);
    expect(issuePaths(start.json())).toEqual(["layer"]);
    await call("POST", `/v1/admin/experiments/${beside.id}/stop`);
    expect((await call("POST", `/v1/admin/experiments/${first.id}/start`)).statusCode).toBe(200);
    await call("POST", `/v1/admin/experiments/${first.id}/stop`);
  });

  it("lets a running experiment take safe changes, refuses biasing ones naming the fields, and starts a new phase on request", async () => {
    const experiment = await created({ coverage: 0.5 });
    expect((await call("POST", `/v1/admin/experiments/${experiment.id}/start`)).statusCode).toBe(200);

    const raised = await call("PATCH", `/v1/admin/experiments/${experiment.id}`, {
      coverage: 1,
      hypothesis: "fewer candidates, same clicks",
      guardrails: [{ metric: "error_rate", direction: "lowerIsBetter", threshold: 0.01, thresholdKind: "absolute" }],
    });
    expect(raised.statusCode, raised.body).toBe(200);
    expect(raised.json()).toMatchObject({ coverage: 1, phase: 1, hypothesis: "fewer candidates, same clicks" });

    const reweighted = {
      variants: [
        { key: "control", weight: 0.3, isControl: true },
        { key: "treatment", weight: 0.7, overrides: { maxCandidates: 60 } },
      ],
    };
    const refused = await call("PATCH", `/v1/admin/experiments/${experiment.id}`, { ...reweighted, coverage: 0.4 });
    expect(refused.statusCode).toBe(409);
    expect(issuePaths(refused.json())).toEqual(["coverage", "variants", "variants.1.overrides"]);
    expect((await engine.db.experiment.findUniqueOrThrow({ where: { id: experiment.id } })).trafficFraction).toBe(1); // nothing half-written

    const removing = await call("PATCH", `/v1/admin/experiments/${experiment.id}`, {
      newPhase: true,
      variants: [
        { key: "control", weight: 0.5, isControl: true },
        { key: "other", weight: 0.5 },
      ],
    });
    expect(removing.statusCode).toBe(409);
    expect(removing.json().error.message).toContain("cannot be removed");

    await served("phase-user"); // an exposure in phase 1
    await engine.engine.serving.exposures.flush();
    const phased = await call("PATCH", `/v1/admin/experiments/${experiment.id}`, { ...reweighted, newPhase: true });
    expect(phased.statusCode, phased.body).toBe(200);
    const view = experimentView.parse(phased.json());
    expect(view.phase).toBe(2);
    expect(view.variants.map((variant) => [variant.key, variant.weight])).toEqual([
      ["control", 0.3],
      ["treatment", 0.7],
    ]);
    await served("phase-user");
    await engine.engine.serving.exposures.flush();
    const exposures = await engine.db.exposure.findMany({ where: { experimentId: experiment.id, unitId: "phase-user" }, orderBy: { phase: "asc" } });
    expect(exposures.map((row) => row.phase)).toEqual([1, 2]);

    const audit = await engine.db.auditLog.findMany({ where: { entityType: "experiment", entityId: experiment.id }, orderBy: { id: "asc" } });
    expect(audit.map((row) => row.action)).toEqual(["experiment.create", "experiment.start", "experiment.update", "experiment.new_phase"]);
    expect(audit.at(-1)!.actorId).toBe("dana@example.com");

    await call("POST", `/v1/admin/experiments/${experiment.id}/stop`);
    const afterStop = await call("PATCH", `/v1/admin/experiments/${experiment.id}`, { name: "late" });
    expect(afterStop.statusCode).toBe(409);
  });

  it("stops a variant: its users get the published config and no experiment; the last treatment stopped stops the experiment", async () => {
    const experiment = await created({
      variants: [
        { key: "control", weight: 0.34, isControl: true },
        { key: "short", weight: 0.33, overrides: { maxCandidates: 1 } },
        { key: "shorter", weight: 0.33, overrides: { maxCandidates: 2 } },
      ],
    });
    await call("POST", `/v1/admin/experiments/${experiment.id}/start`);
    const spec: ExperimentAssignmentSpec = {
      key: experiment.key,
      seed: experiment.seed,
      coverage: 1,
      variants: experiment.variants.map((variant) => ({ key: variant.key, weight: variant.weight })),
    };
    const userIn = (variant: string) => {
      for (let n = 0; ; n += 1) if (assignVariant({ experiment: spec, unitId: `v${n}` }).variant === variant) return `v${n}`;
    };
    expect((await served(userIn("short"))).variant).toBe("short");

    expect((await call("POST", `/v1/admin/experiments/${experiment.id}/variants/control/stop`, { reason: "x" })).statusCode).toBe(409);
    expect((await call("POST", `/v1/admin/experiments/${experiment.id}/variants/nope/stop`, { reason: "x" })).statusCode).toBe(404);
    expect((await call("POST", `/v1/admin/experiments/${experiment.id}/variants/short/stop`, {})).statusCode).toBe(400);
    const stopped = await call("POST", `/v1/admin/experiments/${experiment.id}/variants/short/stop`, { reason: "clicks per user fell 30%" });
    expect(stopped.statusCode).toBe(200);
    const view = experimentView.parse(stopped.json());
    expect(view.status).toBe("running");
    expect(view.variants.find((variant) => variant.key === "short")).toMatchObject({ stopReason: "clicks per user fell 30%", stoppedAt: expect.any(String) });
    expect(await served(userIn("short"))).toMatchObject({ experiment: null, variant: null });
    expect((await served(userIn("shorter"))).variant).toBe("shorter");

    const last = experimentView.parse((await call("POST", `/v1/admin/experiments/${experiment.id}/variants/shorter/stop`, { reason: "done" })).json());
    expect(last.status).toBe("stopped");
    const audit = await engine.db.auditLog.findMany({ where: { entityType: "experiment", entityId: experiment.id }, orderBy: { id: "asc" } });
    expect(audit.map((row) => row.action)).toEqual([
      "experiment.create",
      "experiment.start",
      "experiment.variant_stop",
      "experiment.variant_stop",
      "experiment.stop",
    ]);
    expect(audit[2]!.after).toMatchObject({ variant: "short", reason: "clicks per user fell 30%" });
  });

  it("counts every request served under a variant (pages and reranks, not forced QA units) in that variant's serving minutes", async () => {
    const experiment = await created({ forced: { "qa-user": "treatment" } });
    await call("POST", `/v1/admin/experiments/${experiment.id}/start`);
    const users = Array.from({ length: 12 }, (_, n) => `minute-${n}`);
    const perVariant = new Map<string, number>();
    for (const userId of users) {
      const page = await served(userId);
      perVariant.set(page.variant!, (perVariant.get(page.variant!) ?? 0) + 1);
      const reranked = await call("POST", "/v1/rerank", { surface, userId, itemIds: page.items.map((item) => item.itemId).concat(["x"]) }, recommend);
      expect(reranked.statusCode).toBe(200);
      perVariant.set(page.variant!, perVariant.get(page.variant!)! + 1);
    }
    await served("qa-user");
    await engine.engine.serving.servingMinutes.flush();
    const rows = await engine.db.experimentServingMinute.findMany({ where: { experimentId: experiment.id } });
    const byVariant = new Map<string, number>();
    for (const row of rows) {
      const key = experiment.variants.find((variant) => variant.id === row.variantId)!.key;
      byVariant.set(key, (byVariant.get(key) ?? 0) + row.requests);
      expect(row.latencyCounts.reduce((sum, count) => sum + count, 0)).toBe(row.requests);
      expect(row.errors).toBe(0);
    }
    expect(Object.fromEntries(byVariant)).toEqual(Object.fromEntries(perVariant));
    await call("POST", `/v1/admin/experiments/${experiment.id}/stop`);
  });

  it("previews a user's feed under any variant of a running experiment, and refuses an unknown one naming `variant`", async () => {
    const experiment = await created({
      variants: [
        { key: "control", weight: 0.5, isControl: true },
        { key: "one", weight: 0.5, overrides: { maxCandidates: 1 } },
      ],
    });
    await call("POST", `/v1/admin/experiments/${experiment.id}/start`);
    for (const variant of ["control", "one"]) {
      const response = await call("POST", "/v1/admin/feed-preview", { surface, userId: "preview-user", variant: { experiment: experiment.key, variant } });
      expect(response.statusCode, response.body).toBe(200);
      const preview = feedPreviewResponse.parse(response.json());
      expect(preview.config.source).toBe("variant");
      expect(preview.response).toMatchObject({ experiment: experiment.key, variant });
    }
    const unknown = await call("POST", "/v1/admin/feed-preview", { surface, userId: "preview-user", variant: { experiment: experiment.key, variant: "nope" } });
    expect(unknown.statusCode).toBe(400);
    expect(issuePaths(unknown.json())).toEqual(["variant"]);
    // A preview is not an exposure.
    await engine.engine.serving.exposures.flush();
    expect(await engine.db.exposure.count({ where: { experimentId: experiment.id, unitId: "preview-user" } })).toBe(0);
    await call("POST", `/v1/admin/experiments/${experiment.id}/stop`);
  });
});

describe("what RunningExperiments serves per request", () => {
  const logger = pino({ level: "silent" });
  const base = DEFAULT_SURFACE_CONFIGS.home;
  let surfaceId: string;
  let startedAt: Date;

  beforeAll(async () => {
    surfaceId = `${engine.run}-resolve`;
    await engine.publishSurface(surfaceId, {
      sources: [{ id: "popularity", quota: 100, budgetMs: 1000 }],
      blend: { click: 1 },
      exploration: { policy: "none" },
    });
    startedAt = new Date("2026-12-01T00:00:00Z");
    await engine.db.experiment.create({
      data: {
        key: `${engine.run}-device`,
        name: "device",
        surfaceId,
        status: "running",
        salt: "device-seed",
        trafficFraction: 1,
        rampUp: [{ untilHours: 24, coverage: 0.2 }],
        unit: "context.deviceId",
        forced: { "qa-device": "b" },
        startedAt,
        phaseStartedAt: startedAt,
        variants: {
          create: [
            { key: "a", name: "a", weight: 0.5, isControl: true },
            { key: "b", name: "b", weight: 0.5, overrides: { maxCandidates: 7 } },
          ],
        },
      },
    });
  });

  const spec = (coverage: number): ExperimentAssignmentSpec => ({
    key: `${engine.run}-device`,
    seed: "device-seed",
    coverage,
    variants: [
      { key: "a", weight: 0.5 },
      { key: "b", weight: 0.5 },
    ],
  });

  it("hashes the context unit, ramps coverage up by the clock, serves forced QA units without counting them", async () => {
    const running = new RunningExperiments({ db: engine.db, logger, refreshIntervalMs: 0 });
    await running.refresh();
    const during = startedAt.getTime() + 3_600_000;
    const after = startedAt.getTime() + 25 * 3_600_000;
    const devices = Array.from({ length: 300 }, (_, n) => `device-${n}`);
    let inDuring = 0;
    for (const deviceId of devices) {
      const resolved = running.resolve(surfaceId, { userId: "same-user", context: { deviceId } }, base, during);
      expect(resolved?.variant ?? null).toBe(assignVariant({ experiment: spec(0.2), unitId: deviceId }).variant);
      if (resolved) {
        inDuring += 1;
        expect(resolved.unitId).toBe(deviceId);
        expect(resolved.config.maxCandidates).toBe(resolved.variant === "b" ? 7 : base.maxCandidates);
        // Raising coverage never moves an assigned unit.
        expect(running.resolve(surfaceId, { userId: "same-user", context: { deviceId } }, base, after)?.variant).toBe(resolved.variant);
      }
      expect(running.resolve(surfaceId, { userId: "same-user", context: { deviceId } }, base, after)?.variant ?? null).toBe(
        assignVariant({ experiment: spec(1), unitId: deviceId }).variant,
      );
    }
    expect(inDuring).toBeGreaterThan(30);
    expect(inDuring).toBeLessThan(100);
    // No context value: in no experiment.
    expect(running.resolve(surfaceId, { userId: "same-user" }, base, after)).toBeNull();
    expect(running.resolve(surfaceId, { userId: "same-user", context: { deviceId: "qa-device" } }, base, during)).toMatchObject({
      variant: "b",
      forced: true,
    });
  });

  it("keeps the global holdout's users out of every experiment, and only them", async () => {
    const holdout = { seed: "h1", fraction: 0.3 };
    const running = new RunningExperiments({ db: engine.db, logger, refreshIntervalMs: 0, holdout });
    await running.refresh();
    const after = startedAt.getTime() + 25 * 3_600_000;
    let held = 0;
    for (let n = 0; n < 300; n += 1) {
      const deviceId = `h-${n}`;
      const expected = assignVariant({ experiment: spec(1), unitId: deviceId, holdout });
      if (expected.reason === "holdout") held += 1;
      expect(running.resolve(surfaceId, { userId: "u", context: { deviceId } }, base, after)?.variant ?? null).toBe(expected.variant);
    }
    expect(held).toBeGreaterThan(60);
    expect(held).toBeLessThan(120);
  });
});

describe("variants that pin a model version or a rule set version", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "cascade-pinned-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("serves a treatment with its pinned ranker beside the active one, refuses unknown versions, lets go when stopped", async () => {
    const pinned = await registerRankerFixture(engine.db, dataDir, { name: `${engine.run}-pinned`, bytes: rankerOnnx(undefined, 11) });
    const unknown = await call("POST", "/v1/admin/experiments", {
      key: `${engine.run}-unknown-model`,
      surface,
      seed: "u",
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5, overrides: { models: { ranker: "no-such-model" } } },
      ],
    });
    expect(unknown.statusCode).toBe(400);
    expect(issuePaths(unknown.json())).toEqual(["variants.1.overrides.models.ranker"]);

    const experiment = await created({
      variants: [
        { key: "control", weight: 0.5, isControl: true },
        { key: "treatment", weight: 0.5, overrides: { models: { ranker: pinned.id } } },
      ],
    });
    expect((await call("POST", `/v1/admin/experiments/${experiment.id}/start`)).statusCode).toBe(200);
    expect(engine.engine.serving.pinnedModels!.ranker(pinned.id)?.version.id).toBe(pinned.id);
    const spec = { key: experiment.key, seed: experiment.seed, coverage: 1, variants: experiment.variants.map(({ key, weight }) => ({ key, weight })) };
    const userIn = (variant: string) =>
      Array.from({ length: 200 }, (_, n) => `m${n}`).find((userId) => assignVariant({ experiment: spec, unitId: userId }).variant === variant)!;
    const treated = await served(userIn("treatment"));
    expect(treated).toMatchObject({ variant: "treatment", modelVersion: pinned.id });
    const control = await served(userIn("control"));
    expect(control.variant).toBe("control");
    expect(control.modelVersion).not.toBe(pinned.id);

    // Shipping cannot carry a model version (the registry's, shared by every surface).
    const ship = await call("POST", `/v1/admin/experiments/${experiment.id}/ship`, { variant: "treatment" });
    expect(ship.statusCode).toBe(409);
    expect(ship.json().error.message).toContain("promote them in the model registry");

    await call("POST", `/v1/admin/experiments/${experiment.id}/stop`);
    expect(engine.engine.serving.pinnedModels!.ranker(pinned.id)).toBeNull();
  });

  it("applies a variant's overrides to the rule set version it pins, and ships onto that version", async () => {
    // Version 2 of the surface, never published: a variant may try it.
    const published = await engine.db.ruleSet.findFirstOrThrow({ where: { surfaceId: surface, status: "published" } });
    const nextVersion = (await engine.db.ruleSet.count({ where: { surfaceId: surface } })) + 1;
    await engine.db.ruleSet.create({
      data: { surfaceId: surface, version: nextVersion, status: "draft", config: { ...(published.config as object), maxCandidates: 1 } },
    });
    const experiment = await created({
      variants: [
        { key: "control", weight: 0.5, isControl: true },
        { key: "pinned", weight: 0.5, overrides: { ruleSetVersion: nextVersion, blend: { like: 2 } } },
      ],
    });
    await call("POST", `/v1/admin/experiments/${experiment.id}/start`);
    const spec = { key: experiment.key, seed: experiment.seed, coverage: 1, variants: experiment.variants.map(({ key, weight }) => ({ key, weight })) };
    const userIn = (variant: string) =>
      Array.from({ length: 200 }, (_, n) => `r${n}`).find((userId) => assignVariant({ experiment: spec, unitId: userId }).variant === variant)!;
    const pinnedPage = await served(userIn("pinned"));
    expect(pinnedPage.variant).toBe("pinned");
    expect(pinnedPage.items).toHaveLength(1); // version 2's one candidate
    expect((await served(userIn("control"))).items.length).toBeGreaterThan(1);

    const shipped = await call("POST", `/v1/admin/experiments/${experiment.id}/ship`, { variant: "pinned" });
    expect(shipped.statusCode, shipped.body).toBe(200);
    const latest = await engine.db.ruleSet.findFirstOrThrow({ where: { surfaceId: surface, status: "published" } });
    expect(latest.config).toMatchObject({ maxCandidates: 1, blend: { like: 2 } });
  });
});
