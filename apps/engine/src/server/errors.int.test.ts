import { apiError } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
