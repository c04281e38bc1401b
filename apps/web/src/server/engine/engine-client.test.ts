// The console's engine calls over @cascade/client: every failure becomes a value with a sentence a
// console user can act on, and the admin key is required before anything is sent.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("server-only", () => ({}));
const env = { ENGINE_URL: "http://engine.test:4000", ENGINE_API_KEY: "csk_console" as string | undefined };
vi.mock("../../env.ts", () => ({ serverEnv: () => env }));

const { callEngine, callEngineAdmin } = await import("./engine-client.ts");

type Seen = { url: string; headers: Record<string, string>; cache: RequestCache | undefined };
let seen: Seen[] = [];

function answer(respond: () => Response | Promise<Response>) {
  vi.stubGlobal("fetch", async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(input), headers: init?.headers as Record<string, string>, cache: init?.cache });
    return respond();
  });
}
const json = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

beforeEach(() => {
  seen = [];
  env.ENGINE_API_KEY = "csk_console";
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("callEngineAdmin", () => {
  it("sends the console's key, uncached, and returns the parsed answer", async () => {
    answer(json(200, { models: [], serving: { retrieval: null, ranker: null }, availableFeatures: [{ name: "position", description: "" }] }));
    const result = await callEngineAdmin({ name: "GET /v1/admin/models" }, (admin, options) => admin.listModels({ status: "active" }, options));
    expect(result).toMatchObject({ ok: true, data: { availableFeatures: [{ name: "position" }] } });
    expect(seen).toEqual([
      {
        url: "http://engine.test:4000/v1/admin/models?status=active",
        headers: expect.objectContaining({ authorization: "Bearer csk_console" }),
        cache: "no-store",
      },
    ]);
  });

  it("refuses to call without ENGINE_API_KEY", async () => {
    env.ENGINE_API_KEY = undefined;
    answer(json(200, {}));
    const result = await callEngineAdmin({ name: "GET /v1/admin/models" }, (admin) => admin.listModels());
    expect(result).toMatchObject({ ok: false, status: null, code: "missing_api_key" });
    expect(seen).toHaveLength(0);
  });

  it("passes the engine's 4xx message through with its code and field, and explains a refused key", async () => {
    answer(
      json(400, {
        error: { code: "validation_failed", message: "features: unknown feature nope", issues: [{ path: "features", message: "unknown feature nope" }] },
      }),
    );
    const refused = await callEngineAdmin({ name: "POST /v1/admin/models/external-rankers" }, (admin) =>
      admin.registerExternalRanker({ name: "r", features: ["nope"], outputs: ["p"], onnxBase64: "AAAA" }),
    );
    expect(refused).toEqual({
      ok: false,
      status: 400,
      code: "validation_failed",
      message: "features: unknown feature nope",
      field: "features",
      issues: [{ path: "features", message: "unknown feature nope" }],
    });

    answer(json(401, { error: { code: "unauthorized", message: "unknown key" } }));
    const unauthorized = await callEngineAdmin({ name: "GET /v1/admin/models" }, (admin) => admin.listModels());
    expect(unauthorized).toMatchObject({ ok: false, status: 401, message: expect.stringContaining("ENGINE_API_KEY") });
  });

  it("says the engine speaks another version when the answer breaks the contract", async () => {
    answer(json(200, { models: "nope" }));
    const result = await callEngineAdmin({ name: "GET /v1/admin/models" }, (admin) => admin.listModels());
    expect(result).toMatchObject({ ok: false, status: 200, code: "unexpected_response", message: expect.stringContaining("different version") });
  });
});

describe("callEngine", () => {
  it("turns a refused connection into 'not reachable' and never retries", async () => {
    answer(() => Promise.reject(new TypeError("fetch failed")));
    const result = await callEngine({ name: "GET /v1/health" }, (client, options) => client.health(options));
    expect(result).toMatchObject({
      ok: false,
      status: null,
      code: "unreachable",
      message: "The engine at http://engine.test:4000 is not reachable. Check that it is running (cascade start).",
    });
    expect(seen).toHaveLength(1);
  });

  it("turns a timeout into 'did not answer within' the call's budget", async () => {
    vi.stubGlobal(
      "fetch",
      (_input: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))),
    );
    const result = await callEngine({ name: "GET /v1/health", timeoutMs: 20 }, (client, options) => client.health(options));
    expect(result).toMatchObject({ ok: false, status: null, code: "timeout", message: "The engine at http://engine.test:4000 did not answer within 0 s." });
  });

  it("keeps health's 503 body as the answer (the engine reports itself down)", async () => {
    answer(json(503, { status: "down" }));
    const result = await callEngine({ name: "GET /v1/health" }, (client, options) => client.health(options));
    expect(result).toEqual({ ok: true, data: { status: "down" } });
  });
});
