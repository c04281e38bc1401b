import { healthResponse } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";
import { startEventPipeline } from "../../events/consumers/eventPipeline.ts";

describe("GET /v1/health", () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startTestEngine();
  });

  afterAll(async () => {
    await engine.close();
  });

  it("reports ok with latencies when the database and store answer; no model yet", async () => {
    const response = await engine.app.inject({ method: "GET", url: "/v1/health" });
    expect(response.statusCode).toBe(200);
    const body = healthResponse.parse(response.json());
    expect(body).toMatchObject({
      status: "ok",
      version: "test",
      database: { status: "ok", mode: "external" },
      store: { status: "ok", mode: "redis" },
      model: { status: "down", active: null },
    });
    expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.store.latencyMs).toBeGreaterThanOrEqual(0);
    // No start-up warm-up in this engine: features kept by Redis; no background training.
    expect(body.onlineFeatures).toMatchObject({ status: "ready", source: "redis", progress: 1 });
    expect(body.training).toMatchObject({ state: "idle", step: null, progress: null });
  });

  it("says which sources of each surface can serve and how candidates are ranked", async () => {
    const body = healthResponse.parse((await engine.app.inject({ method: "GET", url: "/v1/health" })).json());
    const home = body.serving.surfaces.find((surface) => surface.surfaceId === "home");
    expect(home).toBeDefined();
    expect(home!.ranking).toBe("ordered by retrieval rank (no active ranker)");
    // No active two-tower model in this engine: the ANN source cannot serve.
    expect(home!.sources.find((source) => source.id === "ann")).toMatchObject({ serving: false, detail: "needs an active two-tower model" });
    expect(home!.sources.find((source) => source.id === "trending")).toMatchObject({ serving: true });
  });
});

describe("while the online features warm up", () => {
  let engine: TestEngine;
  const warming = { status: "warming" as const, source: "snapshot" as const, eventsReplayed: 1_200, progress: 0.4, snapshotAt: "2026-12-01T00:00:00.000Z" };

  beforeAll(async () => {
    engine = await startTestEngine({
      startup: {
        onlineFeatures: () => warming,
        training: () => ({
          state: "running",
          step: "ranker — ranker epoch 2/4",
          progress: 0.8,
          stepEtaSeconds: 30,
          startedAt: "2026-12-01T00:00:00.000Z",
          finishedAt: null,
        }),
      },
    });
  });

  afterAll(async () => {
    await engine.close();
  });

  it("is degraded (not down), with the replay's and the training's progress", async () => {
    const response = await engine.app.inject({ method: "GET", url: "/v1/health" });
    expect(response.statusCode).toBe(200);
    const body = healthResponse.parse(response.json());
    expect(body.status).toBe("degraded");
    expect(body.onlineFeatures).toEqual(warming);
    expect(body.training).toMatchObject({ state: "running", progress: 0.8, stepEtaSeconds: 30 });
    const home = body.serving.surfaces.find((surface) => surface.surfaceId === "home")!;
    expect(home.sources.find((source) => source.id === "covisitation")).toMatchObject({
      serving: true,
      detail: "online features warming: recent items incomplete",
    });
  });
});

describe("with the database down", () => {
  let engine: TestEngine;

  beforeAll(async () => {
    // Nothing listens on port 1: every query fails at once with "connection refused".
    engine = await startTestEngine({ databaseUrl: "postgresql://postgres@127.0.0.1:1/none" });
  });

  afterAll(async () => {
    await engine.app.close();
    await engine.store.close();
    await engine.db.$disconnect();
  });

  it("health answers 503 with the database down and no internals", async () => {
    const response = await engine.app.inject({ method: "GET", url: "/v1/health" });
    expect(response.statusCode).toBe(503);
    const body = healthResponse.parse(response.json());
    expect(body).toMatchObject({ status: "down", database: { status: "down", detail: "unreachable" }, store: { status: "ok" } });
    expect(response.body).not.toContain("127.0.0.1:1");
  });

  it("authenticated routes answer 503 dependency_unavailable without internals", async () => {
    const response = await engine.app.inject({
      method: "POST",
      url: "/v1/events",
      headers: { authorization: "Bearer csk_abcdef012345_0123456789abcdef0123456789abcdef" },
      payload: { events: [{}] },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: { code: "dependency_unavailable", message: expect.any(String) } });
    expect(response.body).not.toMatch(/prisma|127\.0\.0\.1|ECONNREFUSED/i);
  });
});

describe("with event consumers that keep failing (issue 13: health tells the pipeline's truth)", () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startTestEngine();
  });

  afterAll(async () => {
    await engine.close();
  });

  it("is degraded while this engine's offline-log consumers fail, and says so without internals; ok again once they are gone", async () => {
    expect(healthResponse.parse((await engine.app.inject({ method: "GET", url: "/v1/health" })).json()).status).toBe("ok");
    // The log's PostgreSQL does not answer (nothing listens on port 1): every offline-log batch fails.
    const pipeline = await startEventPipeline({
      stream: engine.eventStream,
      databaseUrl: "postgresql://postgres@127.0.0.1:1/none",
      store: engine.store,
      logger: pino({ level: "silent" }),
      runners: { blockMs: 50, backoffInitialMs: 10, backoffMaxMs: 50 },
      drainOnStopMs: 0,
    });
    try {
      const now = Date.now();
      await engine.eventStream.publish(
        Array.from({ length: engine.eventStream.partitions * 4 }, (_, n) => ({
          eventId: `${engine.run}-h${n}`,
          type: "click" as const,
          userId: `${engine.run}-u${n}`,
          itemId: "i",
          occurredAt: now,
          receivedAt: now,
        })),
      );
      let body = healthResponse.parse((await engine.app.inject({ method: "GET", url: "/v1/health" })).json());
      for (let attempt = 0; body.status === "ok" && attempt < 200; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        body = healthResponse.parse((await engine.app.inject({ method: "GET", url: "/v1/health" })).json());
      }
      expect(body.status).toBe("degraded");
      expect(body.store).toMatchObject({ status: "degraded", detail: expect.stringMatching(/^event pipeline: .*offline-log consumers are failing/) });
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    } finally {
      await pipeline.stop();
    }
    // This engine runs no consumers any more: nothing to report about them.
    expect(healthResponse.parse((await engine.app.inject({ method: "GET", url: "/v1/health" })).json()).status).toBe("ok");
  });
});
