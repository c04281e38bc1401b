import { apiError } from "@cascade/core";
import { connect } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pluginTimeoutMs, START_PAST_BOOT_WAIT_MS } from "./app.ts";
import { startTestEngine, type TestEngine } from "./testing/testEngine.ts";

let engine: TestEngine;
let authorization: string;

beforeAll(async () => {
  engine = await startTestEngine({ bodyLimitBytes: 4096 });
  ({ authorization } = await engine.createApiKey(["admin"]));
});

afterAll(async () => {
  await engine.close();
});

function expectError(response: { statusCode: number; json: () => unknown; headers: Record<string, unknown> }, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  expect(apiError.parse(response.json()).error.code).toBe(code);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
}

describe("the app's start bound", () => {
  it("lets the engine's start (an onReady hook) take its boot wait and two minutes past it, not Fastify's default 10 s", () => {
    // A start over a 1M-item catalogue passed 10 s on a slow moment and failed with AVV_ERR_READY_TIMEOUT.
    expect(engine.app.initialConfig.pluginTimeout).toBeGreaterThanOrEqual(START_PAST_BOOT_WAIT_MS);
    expect(pluginTimeoutMs(undefined)).toBe(5_000 + START_PAST_BOOT_WAIT_MS);
    expect(pluginTimeoutMs(60_000)).toBe(60_000 + START_PAST_BOOT_WAIT_MS);
    expect(START_PAST_BOOT_WAIT_MS).toBeGreaterThanOrEqual(60_000);
  });
});

describe("error responses", () => {
  it("400 invalid_json for malformed or empty JSON", async () => {
    for (const payload of ['{"users": [', ""]) {
      const response = await engine.app.inject({
        method: "PUT",
        url: "/v1/users",
        headers: { authorization, "content-type": "application/json" },
        payload,
      });
      expectError(response, 400, "invalid_json");
    }
  });

  it("415 for a body that is not JSON", async () => {
    const response = await engine.app.inject({
      method: "PUT",
      url: "/v1/users",
      headers: { authorization, "content-type": "text/plain" },
      payload: "users=1",
    });
    expectError(response, 415, "unsupported_media_type");
  });

  it("413 payload_too_large above the body limit", async () => {
    const response = await engine.app.inject({
      method: "PUT",
      url: "/v1/users",
      headers: { authorization },
      payload: { users: [{ id: "u", attributes: { blob: "x".repeat(8_000) } }] },
    });
    expectError(response, 413, "payload_too_large");
  });

  it("404 not_found for unknown routes, even without a key", async () => {
    expectError(await engine.app.inject({ method: "GET", url: "/v1/nothing-here" }), 404, "not_found");
    expectError(await engine.app.inject({ method: "DELETE", url: "/v1/items" }), 404, "not_found");
  });

  it("400 validation_failed with dotted paths", async () => {
    const response = await engine.app.inject({
      method: "PUT",
      url: "/v1/users",
      headers: { authorization },
      payload: { users: [{ id: "ok" }, { id: "has space" }] },
    });
    expectError(response, 400, "validation_failed");
    expect(apiError.parse(response.json()).error.issues).toEqual([{ path: "users.1.id", message: expect.any(String) }]);
  });

  it("echoes a request id for log correlation", async () => {
    const response = await engine.app.inject({ method: "GET", url: "/v1/nothing", headers: { "x-request-id": "client-req-1" } });
    expect(response.headers["x-request-id"]).toBe("client-req-1");
    const generated = await engine.app.inject({ method: "GET", url: "/v1/nothing", headers: { "x-request-id": "bad id\n" } });
    expect(generated.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("every error body has the documented shape", () => {
  // Requests a client or a fuzzer can send that Fastify itself refuses before any route runs.
  const hostile: {
    name: string;
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";
    url: string;
    headers?: Record<string, string>;
    payload?: string;
    status: number;
  }[] = [
    { name: "unknown route", method: "GET", url: "/nope", status: 404 },
    { name: "method not allowed", method: "PATCH", url: "/v1/recommendations", status: 404 },
    { name: "OPTIONS preflight", method: "OPTIONS", url: "/v1/recommendations", status: 404 },
    { name: "text/plain body", method: "POST", url: "/v1/recommendations", headers: { "content-type": "text/plain" }, payload: "x", status: 415 },
    { name: "xml body", method: "POST", url: "/v1/recommendations", headers: { "content-type": "application/xml" }, payload: "<a/>", status: 415 },
    { name: "no content type", method: "POST", url: "/v1/recommendations", headers: { "content-type": "" }, payload: "{}", status: 415 },
    { name: "malformed JSON", method: "POST", url: "/v1/recommendations", headers: { "content-type": "application/json" }, payload: "{", status: 400 },
    { name: "empty JSON body", method: "POST", url: "/v1/recommendations", headers: { "content-type": "application/json" }, payload: "", status: 400 },
    {
      name: "prototype poisoning",
      method: "POST",
      url: "/v1/recommendations",
      headers: { "content-type": "application/json" },
      payload: '{"userId":"u","__proto__":{"admin":true}}',
      status: 400,
    },
    {
      name: "constructor poisoning",
      method: "POST",
      url: "/v1/recommendations",
      headers: { "content-type": "application/json" },
      payload: '{"userId":"u","constructor":{"prototype":{"admin":true}}}',
      status: 400,
    },
    {
      name: "body above the limit",
      method: "PUT",
      url: "/v1/users",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ users: [{ id: "u", attributes: { blob: "x".repeat(8_000) } }] }),
      status: 413,
    },
    {
      name: "bad charset",
      method: "POST",
      url: "/v1/recommendations",
      headers: { "content-type": "application/json; charset=utf-16" },
      payload: "{}",
      status: 400,
    },
    { name: "malformed percent-encoding", method: "GET", url: "/v1/items/%E0%A4%A", status: 400 },
    { name: "malformed percent-encoding in a parameter", method: "GET", url: "/v1/admin/experiments/%ZZ", status: 400 },
  ];

  for (const request of hostile) {
    it(`${request.name} → ${request.status} {error: {code, message}}`, async () => {
      const response = await engine.app.inject({
        method: request.method,
        url: request.url,
        headers: { authorization, ...request.headers },
        ...(request.payload !== undefined ? { payload: request.payload } : {}),
      });
      expect(response.statusCode).toBe(request.status);
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
      const body = response.json() as Record<string, unknown>;
      // Exactly the documented shape: nothing of Fastify's own `{statusCode, error, message}`.
      expect(Object.keys(body)).toEqual(["error"]);
      const parsed = apiError.strict().parse(body);
      expect(parsed.error.code).toMatch(/^[a-z_]+$/);
      expect(parsed.error.message.length).toBeGreaterThan(0);
    });
  }

  it("a malformed HTTP request on the socket gets the documented shape too", async () => {
    const address = await engine.app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = new URL(address);
    const raw = await new Promise<string>((resolvePromise, reject) => {
      const socket = connect({ host: "127.0.0.1", port: Number(port) }, () => socket.end("GET /v1/health HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n"));
      let text = "";
      socket.on("data", (chunk) => (text += chunk.toString()));
      socket.on("end", () => resolvePromise(text));
      socket.on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    const body = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["error"]);
    expect(apiError.strict().parse(body).error.code).toBe("bad_request");
  });
});

describe("response hygiene", () => {
  it("sends the security headers a JSON API needs, on successes and errors alike, and no X-Powered-By", async () => {
    for (const response of [
      await engine.app.inject({ method: "GET", url: "/v1/health" }),
      await engine.app.inject({ method: "GET", url: "/nope" }),
      await engine.app.inject({ method: "GET", url: "/v1/admin/experiments/%ZZ" }),
    ]) {
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["x-frame-options"]).toBe("DENY");
      expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(response.headers["x-powered-by"]).toBeUndefined();
    }
  });

  it("logs each request once, with its status and time", async () => {
    const lines: { msg?: string; reqId?: string; res?: { statusCode?: number } }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        callback();
      },
    });
    const logged = await startTestEngine({ logger: pino({ level: "info" }, sink) });
    try {
      const response = await logged.app.inject({ method: "GET", url: "/v1/nothing-here", headers: { "x-request-id": "log-once-1" } });
      expect(response.statusCode).toBe(404);
      const mine = lines.filter((line) => line.reqId === "log-once-1");
      expect(mine).toHaveLength(1);
      expect(mine[0]!.res?.statusCode).toBe(404);
    } finally {
      await logged.close();
    }
  });
});
