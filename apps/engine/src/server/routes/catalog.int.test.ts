import { apiError, upsertResponse } from "@cascade/core";
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

function put(url: string, payload: unknown) {
  return engine.app.inject({ method: "PUT", url, headers: { authorization }, payload: payload as object });
}

const at = "2026-01-15T10:00:00.000Z";

describe("PUT /v1/items", () => {
  it("creates, then updates only what changed, creating unknown creators", async () => {
    const id = (n: number) => `${engine.run}-item-${n}`;
    const creator = `${engine.run}-creator`;
    const first = await put("/v1/items", {
      items: [
        { id: id(1), category: "news", publishedAt: at, creatorId: creator, tags: ["a", "b"], attributes: { lang: "en" } },
        { id: id(2), category: "sport", publishedAt: at },
      ],
    });
    expect(first.statusCode).toBe(200);
    expect(upsertResponse.parse(first.json())).toEqual({ upserted: 2, created: 2, updated: 0 });

    const second = await put("/v1/items", {
      items: [
        { id: id(1), category: "news", publishedAt: at, creatorId: creator, tags: ["a", "b"], attributes: { lang: "en" } },
        { id: id(2), category: "politics", publishedAt: at },
        { id: id(3), category: "sport", publishedAt: at },
      ],
    });
    expect(second.json()).toEqual({ upserted: 3, created: 1, updated: 1 });

    const stored = await engine.db.item.findMany({ where: { id: { in: [id(1), id(2), id(3)] } }, orderBy: { id: "asc" } });
    expect(stored.map((item) => [item.id, item.category, item.creatorId, item.tags])).toEqual([
      [id(1), "news", creator, ["a", "b"]],
      [id(2), "politics", null, []],
      [id(3), "sport", null, []],
    ]);
    expect(stored[0]!.attributes).toEqual({ lang: "en" });
    expect(await engine.db.creator.findUnique({ where: { id: creator } })).toMatchObject({ id: creator, name: creator });
  });

  it("replaces the whole item: fields left out return to their defaults", async () => {
    const id = `${engine.run}-replaced`;
    await put("/v1/items", { items: [{ id, category: "c", publishedAt: at, title: "Old", available: false, tags: ["x"] }] });
    const response = await put("/v1/items", { items: [{ id, category: "c", publishedAt: at }] });
    expect(response.json()).toEqual({ upserted: 1, created: 0, updated: 1 });
    expect(await engine.db.item.findUnique({ where: { id } })).toMatchObject({ title: "", available: true, tags: [] });
  });

  it("writes nothing when one item is invalid, and names every bad field", async () => {
    const good = `${engine.run}-good`;
    const response = await put("/v1/items", {
      items: [
        { id: good, category: "news", publishedAt: at },
        { id: `${engine.run}-bad`, category: "", publishedAt: "yesterday" },
      ],
    });
    expect(response.statusCode).toBe(400);
    const body = apiError.parse(response.json());
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.issues?.map((issue) => issue.path)).toEqual(["items.1.category", "items.1.publishedAt"]);
    expect(await engine.db.item.count({ where: { id: good } })).toBe(0);
  });

  it("rejects text PostgreSQL cannot store with a 400, not a 500", async () => {
    const response = await put("/v1/items", { items: [{ id: `${engine.run}-nul`, category: "c", publishedAt: at, title: "a\u0000b" }] });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues).toEqual([{ path: "items.0.title", message: expect.stringContaining("NUL") }]);
  });

  it("rejects duplicate ids in one batch and batches over 1000", async () => {
    const id = `${engine.run}-dup`;
    const duplicate = await put("/v1/items", { items: [0, 1].map(() => ({ id, category: "c", publishedAt: at })) });
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.json().error.issues[0].path).toBe("items.1");

    const tooMany = await put("/v1/items", {
      items: Array.from({ length: 1001 }, (_, n) => ({ id: `${engine.run}-many-${n}`, category: "c", publishedAt: at })),
    });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().error.code).toBe("payload_too_large");
  });
});

describe("PUT /v1/users", () => {
  it("counts created and changed users", async () => {
    const id = (n: number) => `${engine.run}-user-${n}`;
    expect((await put("/v1/users", { users: [{ id: id(1) }, { id: id(2), attributes: { tier: "gold" } }] })).json()).toEqual({
      upserted: 2,
      created: 2,
      updated: 0,
    });
    const again = await put("/v1/users", {
      users: [{ id: id(1) }, { id: id(2), attributes: { tier: "silver" } }, { id: id(3) }],
    });
    expect(again.json()).toEqual({ upserted: 3, created: 1, updated: 1 });
    expect((await engine.db.user.findUnique({ where: { id: id(2) } }))?.attributes).toEqual({ tier: "silver" });
  });
});

describe("PUT /v1/follows", () => {
  const creator = () => `${engine.run}-followed`;

  beforeAll(async () => {
    await put("/v1/items", { items: [{ id: `${engine.run}-by-followed`, category: "c", publishedAt: at, creatorId: creator() }] });
  });

  it("creates follows and their unknown users, then removes them with active:false", async () => {
    const user = `${engine.run}-follower`;
    const created = await put("/v1/follows", { follows: [{ userId: user, creatorId: creator(), at }] });
    expect(created.json()).toEqual({ upserted: 1, created: 1, updated: 0 });
    expect(await engine.db.user.count({ where: { id: user } })).toBe(1);
    expect((await engine.db.follow.findUnique({ where: { userId_creatorId: { userId: user, creatorId: creator() } } }))?.createdAt.toISOString()).toBe(at);

    expect((await put("/v1/follows", { follows: [{ userId: user, creatorId: creator() }] })).json()).toEqual({ upserted: 1, created: 0, updated: 0 });

    const removed = await put("/v1/follows", { follows: [{ userId: user, creatorId: creator(), active: false }] });
    expect(removed.json()).toEqual({ upserted: 1, created: 0, updated: 1 });
    expect(await engine.db.follow.count({ where: { userId: user } })).toBe(0);

    expect((await put("/v1/follows", { follows: [{ userId: user, creatorId: creator(), active: false }] })).json()).toEqual({
      upserted: 1,
      created: 0,
      updated: 0,
    });
  });

  it("answers 400 naming the field for an unknown creator, writing nothing", async () => {
    const user = `${engine.run}-lonely`;
    const response = await put("/v1/follows", {
      follows: [
        { userId: user, creatorId: creator() },
        { userId: user, creatorId: `${engine.run}-nobody` },
      ],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues).toEqual([{ path: "follows.1.creatorId", message: expect.stringContaining("unknown creator") }]);
    expect(await engine.db.user.count({ where: { id: user } })).toBe(0);
    expect(await engine.db.follow.count({ where: { userId: user } })).toBe(0);
  });
});
