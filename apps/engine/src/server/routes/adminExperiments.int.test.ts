// The experiments admin API over HTTP: validation naming fields, the lifecycle (draft → running →
// stopped, ship), what the engine serves after each step, and the audit trail.
import { experimentView, recommendationsResponse, shipVariantResponse, surfaceConfigSchema } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";

let engine: TestEngine;
let admin: string;
let recommend: string;
let surface: string;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ authorization: admin } = await engine.createApiKey(["admin"]));
  ({ authorization: recommend } = await engine.createApiKey(["recommend"]));
  surface = `${engine.run}-ab`;
  await engine.publishSurface(surface, {
    sources: [{ id: "popularity", quota: 500, budgetMs: 1000 }],
    maxCandidates: 500,
    blend: { click: 1 },
    exploration: { policy: "none" },
  });
});

afterAll(async () => {
  await engine.db.auditLog.deleteMany({ where: { entityType: "experiment", after: { path: ["surfaceId"], equals: surface } } });
  await engine.db.surface.deleteMany({ where: { id: surface } });
  await engine.close();
});

const post = (url: string, payload?: object, authorization = admin) =>
  engine.app.inject({ method: "POST", url, headers: { authorization, "x-cascade-actor": "ana@example.com" }, ...(payload ? { payload } : {}) });

const experiment = (overrides: object = {}) => ({
  key: `${engine.run}-shorter`,
  surface,
  seed: "shorter-1",
  variants: [
    { key: "control", weight: 0.5, isControl: true },
    { key: "treatment", weight: 0.5, overrides: { maxCandidates: 50 } },
  ],
  ...overrides,
});

describe("experiments admin API", () => {
  it("refuses what cannot be served with a 400 naming each field, and non-admin keys with 403", async () => {
    const weights = await post(
      "/v1/admin/experiments",
      experiment({
        variants: [
          { key: "a", weight: 0.5 },
          { key: "b", weight: 0.4 },
        ],
      }),
    );
    expect(weights.statusCode).toBe(400);
    expect(weights.json().error.issues.map((issue: { path: string }) => issue.path)).toContain("variants");

    const unknown = await post(
      "/v1/admin/experiments",
      experiment({ surface: `${engine.run}-nowhere`, guardrails: [{ metric: "nope", direction: "lowerIsBetter", threshold: 0.1 }] }),
    );
    expect(unknown.statusCode).toBe(400);
    expect(
      unknown
        .json()
        .error.issues.map((issue: { path: string }) => issue.path)
        .sort(),
    ).toEqual(["guardrails.0.metric", "surface"]);

    const overrides = await post(
      "/v1/admin/experiments",
      experiment({
        variants: [
          { key: "a", weight: 0.5 },
          { key: "b", weight: 0.5, overrides: { models: { ranker: "cm_x" }, maxCandidates: 0 } },
        ],
      }),
    );
    expect(overrides.statusCode).toBe(400);
    expect(overrides.json().error.issues.some((issue: { path: string }) => issue.path.startsWith("variants.1.overrides"))).toBe(true);

    expect((await post("/v1/admin/experiments", experiment(), recommend)).statusCode).toBe(403);
    expect(await engine.db.experiment.count({ where: { surfaceId: surface } })).toBe(0);
  });

  it("creates a draft, starts it (the engine serves its variants at once), refuses a second start, ships a variant", async () => {
    const created = await post("/v1/admin/experiments", experiment());
    expect(created.statusCode).toBe(201);
    const draft = experimentView.parse(created.json());
    expect(draft).toMatchObject({ status: "draft", surface, seed: "shorter-1", coverage: 1 });
    expect(draft.variants.map((variant) => variant.key)).toEqual(["control", "treatment"]);
    expect((await post("/v1/admin/experiments", experiment())).json().error.issues).toEqual([expect.objectContaining({ path: "key" })]);

    const listed = await engine.app.inject({ method: "GET", url: `/v1/admin/experiments?surface=${surface}`, headers: { authorization: admin } });
    expect(listed.json().experiments.map((entry: { id: string }) => entry.id)).toEqual([draft.id]);

    const served = async (userId: string) =>
      recommendationsResponse.parse(
        (
          await engine.app.inject({ method: "POST", url: "/v1/recommendations", headers: { authorization: recommend }, payload: { surface, userId, count: 5 } })
        ).json(),
      );
    expect((await served("someone")).variant).toBeNull(); // a draft serves no one

    const started = await post(`/v1/admin/experiments/${draft.id}/start`);
    expect(started.statusCode).toBe(200);
    expect(started.json()).toMatchObject({ status: "running", startedAt: expect.any(String) });
    expect((await served("someone")).experiment).toBe(`${engine.run}-shorter`);
    expect((await post(`/v1/admin/experiments/${draft.id}/start`)).statusCode).toBe(409);

    expect((await post(`/v1/admin/experiments/${draft.id}/ship`, { variant: "nope" })).statusCode).toBe(400);
    const shipped = await post(`/v1/admin/experiments/${draft.id}/ship`, { variant: "treatment" });
    expect(shipped.statusCode).toBe(200);
    const result = shipVariantResponse.parse(shipped.json());
    expect(result.experiment).toMatchObject({ status: "shipped", shippedVariant: "treatment", stoppedAt: expect.any(String) });
    expect(result.ruleSetVersion).toBe(2);
    const published = await engine.db.ruleSet.findFirstOrThrow({ where: { surfaceId: surface, status: "published" } });
    expect(surfaceConfigSchema.parse(published.config).maxCandidates).toBe(50);
    await engine.engine.serving.rules.refresh();
    const after = await served("someone");
    expect(after).toMatchObject({ experiment: null, variant: null, ruleSetVersion: 2 });

    expect((await post(`/v1/admin/experiments/${draft.id}/stop`)).statusCode).toBe(409);
    expect((await post(`/v1/admin/experiments/${draft.id}/ship`, { variant: "control" })).statusCode).toBe(409); // ships once
    expect((await engine.app.inject({ method: "GET", url: "/v1/admin/experiments/missing-id", headers: { authorization: admin } })).statusCode).toBe(404);

    const audit = await engine.db.auditLog.findMany({ where: { entityType: "experiment", entityId: draft.id }, orderBy: { id: "asc" } });
    expect(audit.map((row) => row.action)).toEqual(["experiment.create", "experiment.start", "experiment.ship"]);
    expect(audit.every((row) => row.actorId === "ana@example.com")).toBe(true);
  });
});
