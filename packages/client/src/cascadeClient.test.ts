// The client against a scripted fetch: requests it sends, errors it raises, what it retries.
import { describe, expect, it } from "vitest";
import { CascadeApiError } from "./cascadeApiError.ts";
import { createCascadeClient, type CascadeClientOptions } from "./cascadeClient.ts";

type Seen = { url: string; method: string; headers: Record<string, string>; body: unknown };

/** A fetch that answers with the scripted responses in order (the last one repeats) and records each request. */
function scriptedFetch(answers: Array<() => Response | Promise<Response>>) {
  const seen: Seen[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    seen.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: init?.headers as Record<string, string>,
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    });
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    return waitOrAbort(answer(), init?.signal ?? undefined);
  };
  return { fetch: fetchImpl as typeof fetch, seen };
}

function waitOrAbort(answer: Response | Promise<Response>, signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    void Promise.resolve(answer).then(resolve, reject);
  });
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const never = () => new Promise<Response>(() => {});

function client(fetchImpl: typeof fetch, options: Partial<CascadeClientOptions> = {}) {
  return createCascadeClient({ baseUrl: "http://engine.test/", apiKey: "csk_abc_secret", fetch: fetchImpl, retryDelayMs: 0, ...options });
}

const upserted = { upserted: 1, created: 1, updated: 0 };

describe("createCascadeClient", () => {
  it("sends the bearer key and the wrapped batch, and returns the parsed answer", async () => {
    const { fetch, seen } = scriptedFetch([json(200, upserted)]);
    const answer = await client(fetch).upsertItems([{ id: "i1", category: "c", publishedAt: "2026-01-01T00:00:00Z" }]);
    expect(answer).toEqual(upserted);
    expect(seen).toEqual([
      {
        url: "http://engine.test/v1/items",
        method: "PUT",
        headers: expect.objectContaining({ authorization: "Bearer csk_abc_secret", "content-type": "application/json" }),
        body: { items: [{ id: "i1", category: "c", publishedAt: "2026-01-01T00:00:00Z" }] },
      },
    ]);
  });

  it("turns an error body into a CascadeApiError naming the field, without retrying a 4xx", async () => {
    const body = { error: { code: "validation_failed", message: "items.0.category: required", issues: [{ path: "items.0.category", message: "required" }] } };
    const { fetch, seen } = scriptedFetch([json(400, body, { "x-request-id": "req-9" })]);
    const failure = await client(fetch)
      .upsertItems([])
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CascadeApiError);
    expect(failure).toMatchObject({
      status: 400,
      code: "validation_failed",
      field: "items.0.category",
      requestId: "req-9",
      message: "items.0.category: required",
    });
    expect(seen).toHaveLength(1);
  });

  it("keeps a non-JSON error body as an http_<status> code", async () => {
    const { fetch } = scriptedFetch([() => new Response("Bad Gateway", { status: 502 })]);
    const failure = await client(fetch, { retries: 0 })
      .upsertUsers([{ id: "u1" }])
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 502, code: "http_502", field: null });
  });

  it("retries idempotent calls on 503 until an answer comes", async () => {
    const unavailable = json(503, { error: { code: "dependency_unavailable", message: "retry later" } });
    const { fetch, seen } = scriptedFetch([unavailable, unavailable, json(200, { accepted: 0, duplicates: 0, rejected: 0, results: [] })]);
    await expect(
      client(fetch).sendEvents([{ eventId: "e1", type: "click", userId: "u", itemId: "i", timestamp: "2026-01-01T00:00:00Z" }]),
    ).resolves.toMatchObject({ accepted: 0 });
    expect(seen).toHaveLength(3);
  });

  it("gives up after the configured number of retries", async () => {
    const { fetch, seen } = scriptedFetch([json(503, { error: { code: "dependency_unavailable", message: "retry later" } })]);
    await expect(client(fetch, { retries: 1 }).upsertFollows([{ userId: "u", creatorId: "c" }])).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(2);
  });

  it("does not retry recommendations", async () => {
    const { fetch, seen } = scriptedFetch([json(503, { error: { code: "dependency_unavailable", message: "retry later" } }), json(200, {})]);
    await expect(client(fetch).recommend({ userId: "u1" })).rejects.toMatchObject({ code: "dependency_unavailable" });
    expect(seen).toHaveLength(1);
  });

  it("reports a timeout as code 'timeout' with status 0, retried for idempotent calls", async () => {
    const { fetch, seen } = scriptedFetch([never]);
    await expect(client(fetch, { timeoutMs: 5, retries: 2 }).health()).rejects.toMatchObject({ status: 0, code: "timeout" });
    expect(seen).toHaveLength(3);
  });

  it("reports a refused connection as network_error", async () => {
    const { fetch } = scriptedFetch([() => Promise.reject(new TypeError("fetch failed"))]);
    await expect(client(fetch).recommend({ userId: "u1" })).rejects.toMatchObject({ status: 0, code: "network_error" });
  });

  it("rethrows the caller's own abort unchanged and does not retry it", async () => {
    const { fetch, seen } = scriptedFetch([never]);
    const controller = new AbortController();
    const pending = client(fetch).upsertItems([], { signal: controller.signal });
    const reason = new Error("user navigated away");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(seen).toHaveLength(1);
  });

  it("resolves health with the body when the engine reports itself down (503)", async () => {
    const down = { status: "down", version: "1", uptimeSeconds: 3 };
    const { fetch, seen } = scriptedFetch([json(503, down)]);
    await expect(client(fetch).health()).resolves.toMatchObject({ status: "down" });
    expect(seen).toHaveLength(1);
  });
});
