// Per-key rate limits (server/app.ts, @fastify/rate-limit): 429 `rate_limited` with Retry-After in
// the documented error shape, counted per API key (per client IP without one).
import { apiError } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "./testing/testEngine.ts";

const MAX = 5;
let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine({ rateLimit: { max: MAX, windowMs: 60_000 } });
});

afterAll(async () => {
  await engine.close();
});

describe("rate limits", () => {
  it("answers 429 with Retry-After past the limit of a key, while another key and anonymous requests keep their own budgets", async () => {
    const first = await engine.createApiKey(["admin"]);
    const second = await engine.createApiKey(["admin"]);
    const list = (authorization: string) => engine.app.inject({ method: "GET", url: "/v1/admin/models", headers: { authorization } });

    for (let i = 0; i < MAX; i += 1) {
      const response = await list(first.authorization);
      expect(response.statusCode).toBe(200);
      expect(response.headers["x-ratelimit-remaining"]).toBe(String(MAX - 1 - i));
    }
    const limited = await list(first.authorization);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(limited.headers["retry-after"])).toBeLessThanOrEqual(60);
    const body = limited.json() as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["error"]);
    expect(apiError.strict().parse(body).error).toEqual({ code: "rate_limited", message: expect.stringMatching(/API key.*retry after/) });

    expect((await list(second.authorization)).statusCode).toBe(200);
    expect((await engine.app.inject({ method: "GET", url: "/v1/health" })).statusCode).not.toBe(429);
  });

  it("counts requests without a key per client address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < MAX + 1; i += 1) {
      statuses.push((await engine.app.inject({ method: "GET", url: "/v1/openapi.json", remoteAddress: "10.0.0.7" })).statusCode);
    }
    expect(statuses).toEqual([...Array<number>(MAX).fill(200), 429]);
    expect((await engine.app.inject({ method: "GET", url: "/v1/openapi.json", remoteAddress: "10.0.0.8" })).statusCode).toBe(200);
  });
});
