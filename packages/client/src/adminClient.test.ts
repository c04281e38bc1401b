// The admin client against a scripted fetch: the requests it sends, that answers are checked
// against the @cascade/core contracts, and what it retries.
import { describe, expect, it } from "vitest";
import { createCascadeAdminClient, type CascadeAdminClientOptions } from "./adminClient.ts";
import { CascadeApiError } from "./cascadeApiError.ts";

type Seen = { url: string; method: string; headers: Record<string, string>; body: unknown };

function scriptedFetch(answers: Array<() => Response>) {
  const seen: Seen[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    seen.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: init?.headers as Record<string, string>,
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    });
    return answers[Math.min(seen.length - 1, answers.length - 1)]!();
  };
  return { fetch: fetchImpl as typeof fetch, seen };
}

const json = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function admin(fetchImpl: typeof fetch, options: Partial<CascadeAdminClientOptions> = {}) {
  return createCascadeAdminClient({ baseUrl: "http://engine.test", apiKey: "csk_admin_secret", fetch: fetchImpl, retryDelayMs: 0, ...options });
}

const version = {
  id: "mv_2",
  kind: "external_ranker",
  version: 2,
  name: "partner ranker",
  status: "active",
  artifactPath: "models/mv_2.onnx",
  artifactDigest: "sha256:ab",
  indexPath: null,
  indexDigest: null,
  buildDigest: null,
  trainingWindowStart: null,
  trainingWindowEnd: null,
  features: ["position"],
  outputs: ["p_click"],
  config: {},
  metrics: null,
  notes: "",
  createdAt: "2026-12-01T00:00:00.000Z",
  promotedAt: "2026-12-02T00:00:00.000Z",
  retiredAt: null,
};
const serving = { retrieval: null, ranker: { id: "mv_2", kind: "external_ranker", version: 2, name: "partner ranker", loadedAt: "2026-12-02T00:00:01.000Z" } };

describe("createCascadeAdminClient", () => {
  it("lists models with the query's filters and returns the parsed answer", async () => {
    const listed = { models: [version], serving, availableFeatures: [{ name: "position", description: "rank in the candidate list" }] };
    const { fetch, seen } = scriptedFetch([json(200, listed)]);
    await expect(admin(fetch).listModels({ slot: "ranker", status: "active" })).resolves.toEqual(listed);
    expect(seen).toEqual([
      {
        url: "http://engine.test/v1/admin/models?slot=ranker&status=active",
        method: "GET",
        headers: expect.objectContaining({ authorization: "Bearer csk_admin_secret" }),
        body: undefined,
      },
    ]);
  });

  it("refuses an answer that does not match the contract as invalid_response", async () => {
    const { fetch } = scriptedFetch([json(200, { models: [{ id: "mv_1" }], serving, availableFeatures: [] })]);
    const failure = await admin(fetch)
      .listModels()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CascadeApiError);
    expect(failure).toMatchObject({ status: 200, code: "invalid_response" });
  });

  it("promotes and rolls back with the actor header, sending each once even on 503", async () => {
    const { fetch, seen } = scriptedFetch([
      json(200, { promoted: version, retired: null, serving }),
      json(503, { error: { code: "dependency_unavailable", message: "database down" } }),
    ]);
    const client = admin(fetch);
    await expect(client.promoteModel("mv 2", { actor: "ada@example.com" })).resolves.toMatchObject({ promoted: { id: "mv_2" }, retired: null });
    await expect(client.rollbackModel("ranker", { actor: "ada@example.com" })).rejects.toMatchObject({ status: 503, code: "dependency_unavailable" });
    expect(seen.map((request) => [request.method, request.url, request.headers["x-cascade-actor"], request.body])).toEqual([
      ["POST", "http://engine.test/v1/admin/models/mv%202/promote", "ada@example.com", undefined],
      ["POST", "http://engine.test/v1/admin/models/rollback", "ada@example.com", { slot: "ranker" }],
    ]);
  });

  it("registers an external ranker and names the offending field of a refusal", async () => {
    const refusal = {
      error: { code: "validation_failed", message: "features: unknown feature nope", issues: [{ path: "features", message: "unknown feature nope" }] },
    };
    const registered = {
      model: version,
      validation: { inputName: "input", featureCount: 1, outputs: [{ name: "p_click", shape: ["N", 1] }], dryRunSample: { p_click: 0.4 } },
      promoted: false,
    };
    const { fetch, seen } = scriptedFetch([json(400, refusal), json(201, registered)]);
    const client = admin(fetch);
    const body = { name: "partner ranker", features: ["nope"], outputs: ["p_click"], onnxBase64: "AAAA" };
    await expect(client.registerExternalRanker(body)).rejects.toMatchObject({ status: 400, code: "validation_failed", field: "features" });
    await expect(client.registerExternalRanker({ ...body, features: ["position"] })).resolves.toEqual(registered);
    expect(seen[1]).toMatchObject({ method: "POST", url: "http://engine.test/v1/admin/models/external-rankers", body: { ...body, features: ["position"] } });
  });

  it("runs the experiment lifecycle: create, start, ship, each sent once with the actor and checked against its contract", async () => {
    const view = (status: string) => ({
      id: "exp1",
      key: "shorter",
      name: "shorter",
      hypothesis: "",
      surface: "home",
      status,
      seed: "s1",
      coverage: 1,
      rampUp: [],
      effectiveCoverage: 1,
      unit: "userId",
      layer: null,
      forced: {},
      primaryMetric: "ctr",
      guardrails: [],
      phase: 1,
      phaseStartedAt: status === "draft" ? null : "2026-12-06T01:00:00.000Z",
      shippedVariant: null,
      createdAt: "2026-12-06T00:00:00.000Z",
      startedAt: status === "draft" ? null : "2026-12-06T01:00:00.000Z",
      stoppedAt: null,
      variants: [
        { id: "v1", key: "control", name: "control", weight: 0.5, isControl: true, overrides: {}, stoppedAt: null, stopReason: null },
        { id: "v2", key: "treatment", name: "treatment", weight: 0.5, isControl: false, overrides: { maxCandidates: 50 }, stoppedAt: null, stopReason: null },
      ],
    });
    const { fetch, seen } = scriptedFetch([
      json(201, view("draft")),
      json(200, view("running")),
      json(200, { experiment: view("stopped"), ruleSetVersion: 4 }),
      json(200, { experiments: "not a list" }),
    ]);
    const client = admin(fetch);
    const experiment = {
      key: "shorter",
      surface: "home",
      seed: "s1",
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5, overrides: { maxCandidates: 50 } },
      ],
    };
    expect((await client.createExperiment(experiment, { actor: "ana@example.com" })).status).toBe("draft");
    expect((await client.startExperiment("exp1", { actor: "ana@example.com" })).status).toBe("running");
    expect((await client.shipVariant("exp1", "treatment")).ruleSetVersion).toBe(4);
    await expect(client.listExperiments({ surface: "home" })).rejects.toMatchObject({ code: "invalid_response" });
    expect(seen.map((call) => [call.method, call.url])).toEqual([
      ["POST", "http://engine.test/v1/admin/experiments"],
      ["POST", "http://engine.test/v1/admin/experiments/exp1/start"],
      ["POST", "http://engine.test/v1/admin/experiments/exp1/ship"],
      ["GET", "http://engine.test/v1/admin/experiments?surface=home"],
    ]);
    expect(seen[0]).toMatchObject({ body: experiment, headers: expect.objectContaining({ "x-cascade-actor": "ana@example.com" }) });
    expect(seen[2]!.body).toEqual({ variant: "treatment" });
  });

  it("asks for a feed preview and keeps the trace as the engine sent it", async () => {
    const preview = {
      response: {
        requestId: "req-1",
        surface: "home",
        items: [{ itemId: "i1", position: 0, score: 0.9, sources: [{ id: "popular", rank: 0 }], propensity: 1 }],
        cursor: null,
        modelVersion: null,
        ruleSetVersion: null,
        experiment: null,
        variant: null,
        degraded: false,
        degradedCauses: [],
      },
      trace: { stages: ["anything"] },
      history: [{ itemId: "i0", type: "click", occurredAt: "2026-12-01T00:00:00.000Z", value: null }],
      config: { source: "draft", ruleSetVersion: null },
    };
    const { fetch, seen } = scriptedFetch([json(200, preview)]);
    const answer = await admin(fetch).feedPreview({ userId: "u1", surface: "home", count: 5, asOf: "2026-12-01T00:00:00.000Z" });
    expect(answer.trace).toEqual({ stages: ["anything"] });
    expect(answer.config.source).toBe("draft");
    expect(seen[0]).toMatchObject({
      method: "POST",
      url: "http://engine.test/v1/admin/feed-preview",
      body: { userId: "u1", surface: "home", count: 5, asOf: "2026-12-01T00:00:00.000Z" },
    });
  });
});

describe("client-side assignment", () => {
  it("is the engine's: a spec built from an experiment view assigns as the engine does, stably", async () => {
    const { assignVariant } = await import("./index.ts");
    const spec = {
      key: "shorter",
      seed: "s1",
      coverage: 0.5,
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
    };
    const assigned = Array.from({ length: 400 }, (_, n) => assignVariant({ experiment: spec, unitId: `u${n}` }).variant);
    expect(assigned).toEqual(Array.from({ length: 400 }, (_, n) => assignVariant({ experiment: spec, unitId: `u${n}` }).variant));
    const inExperiment = assigned.filter((variant) => variant !== null).length;
    expect(inExperiment).toBeGreaterThan(150);
    expect(inExperiment).toBeLessThan(250);
    // Pinned by the golden file in core: the same function, not a copy.
    const { assignVariant: coreAssign } = await import("@cascade/core");
    expect(assignVariant).toBe(coreAssign);
  });
});
