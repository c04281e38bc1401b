// @cascade/client against the real app over HTTP (ephemeral loopback port).
import { CascadeApiError, createCascadeClient, type CascadeClient } from "@cascade/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";

let engine: TestEngine;
let client: CascadeClient;
let baseUrl: string;

beforeAll(async () => {
  engine = await startTestEngine();
  baseUrl = await engine.app.listen({ host: "127.0.0.1", port: 0 });
  const { authorization } = await engine.createApiKey(["ingest", "recommend"]);
  client = createCascadeClient({ baseUrl, apiKey: authorization.replace(/^Bearer /, ""), timeoutMs: 10_000 });
});

afterAll(async () => {
  await engine.close();
});

describe("@cascade/client against the engine", () => {
  it("upserts, sends events and gets them back as recommendations", async () => {
    const item = (name: string) => `${engine.run}-${name}`;
    const publishedAt = "2026-01-01T00:00:00Z";
    await expect(
      client.upsertItems([
        // A category of its own: the default surface's diversity caps (at most 2 per 5 by category)
        // are never broken, so a feed of one-category items is cut short before reaching it.
        { id: item("liked"), category: item("c"), creatorId: item("creator"), publishedAt },
        { id: item("ignored"), category: "c", publishedAt },
      ]),
    ).resolves.toEqual({ upserted: 2, created: 2, updated: 0 });
    await expect(client.upsertUsers([{ id: item("user") }])).resolves.toMatchObject({ upserted: 1 });
    await expect(client.upsertFollows([{ userId: item("user"), creatorId: item("creator") }])).resolves.toMatchObject({ created: 1 });

    const now = new Date().toISOString();
    const sent = await client.sendEvents([
      { eventId: item("e1"), type: "like", userId: item("user"), itemId: item("liked"), timestamp: now },
      { eventId: item("e2"), type: "watch", userId: item("user"), itemId: item("liked"), timestamp: now, value: 60 },
      { eventId: item("e3"), type: "click", userId: item("user"), itemId: item("missing"), timestamp: now },
    ]);
    expect(sent).toMatchObject({ accepted: 2, duplicates: 0, rejected: 1 });
    expect(sent.results[2]).toMatchObject({ status: "rejected", field: "itemId" });
    await engine.settleEvents();
    await engine.ranking.refresh();

    const feed = await client.recommend({ userId: item("someone-new"), count: 200 });
    expect(feed.degraded).toBe(false);
    expect(feed.items.map((entry) => entry.itemId)).toContain(item("liked"));
    expect(feed.items.map((entry) => entry.itemId)).not.toContain(item("ignored"));

    const supplied = [item("ignored"), item("liked"), item("never-upserted")];
    const reranked = await client.rerank({ userId: item("user"), itemIds: supplied });
    const returned = reranked.items.map((entry) => entry.itemId);
    const dropped = reranked.removed.map((entry) => entry.itemId);
    // Every supplied candidate is either ranked or dropped with a reason; nothing else comes back.
    expect([...returned, ...dropped].sort()).toEqual([...supplied].sort());
    expect(returned.length).toBeGreaterThan(0);
    expect(dropped).toContain(item("never-upserted"));
  });

  it("surfaces a 400 as a CascadeApiError naming the field", async () => {
    const failure = await client.recommend({ userId: "has spaces" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CascadeApiError);
    expect(failure).toMatchObject({ status: 400, code: "validation_failed", field: "userId" });
    expect((failure as CascadeApiError).requestId).toEqual(expect.any(String));
  });

  it("surfaces a missing key as 401 and reads health without one", async () => {
    const anonymous = createCascadeClient({ baseUrl });
    await expect(anonymous.recommend({ userId: "u1" })).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    await expect(anonymous.health()).resolves.toMatchObject({ version: "test", database: { status: "ok" } });
  });
});
