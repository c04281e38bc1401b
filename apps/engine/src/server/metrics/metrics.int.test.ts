// GET /metrics on the real app: request and ingestion series from real traffic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";

let engine: TestEngine;
let authorization: string;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ authorization } = await engine.createApiKey(["ingest"]));
});

afterAll(async () => {
  await engine.close();
});

describe("GET /metrics", () => {
  it("exposes request and event-ingestion series from real traffic, without authentication", async () => {
    const item = `${engine.run}-item`;
    const upserted = await engine.app.inject({
      method: "PUT",
      url: "/v1/items",
      headers: { authorization },
      payload: { items: [{ id: item, category: "c", publishedAt: "2026-01-01T00:00:00Z" }] },
    });
    expect(upserted.statusCode).toBe(200);
    const click = (eventId: string, itemId: string) => ({ eventId, type: "click", userId: `${engine.run}-u`, itemId, timestamp: new Date().toISOString() });
    const posted = await engine.app.inject({
      method: "POST",
      url: "/v1/events",
      headers: { authorization },
      payload: { events: [click(`${engine.run}-e1`, item), click(`${engine.run}-e1`, item), click(`${engine.run}-e2`, `${engine.run}-ghost`)] },
    });
    expect(posted.json()).toMatchObject({ accepted: 1, duplicates: 1, rejected: 1 });
    const unauthorized = await engine.app.inject({ method: "PUT", url: "/v1/items", payload: { items: [] } });
    expect(unauthorized.statusCode).toBe(401);

    const response = await engine.app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    const body = response.body;
    expect(body).toContain('cascade_http_requests_total{method="PUT",route="/v1/items",status_class="2xx"} 1');
    expect(body).toContain('cascade_http_requests_total{method="PUT",route="/v1/items",status_class="4xx"} 1');
    expect(body).toContain('cascade_http_request_duration_seconds_count{method="POST",route="/v1/events"} 1');
    expect(body).toContain('cascade_events_ingested_total{outcome="accepted"} 1');
    expect(body).toContain('cascade_events_ingested_total{outcome="duplicate"} 1');
    expect(body).toContain('cascade_events_ingested_total{outcome="rejected"} 1');
    expect(body).toContain("cascade_process_resident_memory_bytes");
  });
});
