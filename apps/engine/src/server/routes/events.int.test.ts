import { ingestEventsResponse } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";

let engine: TestEngine;
let authorization: string;
let item: string;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ authorization } = await engine.createApiKey(["ingest"]));
  item = `${engine.run}-item`;
  const created = await engine.app.inject({
    method: "PUT",
    url: "/v1/items",
    headers: { authorization },
    payload: { items: [{ id: item, category: "c", publishedAt: "2026-01-01T00:00:00Z" }] },
  });
  expect(created.statusCode).toBe(200);
});

afterAll(async () => {
  await engine.close();
});

function postEvents(events: unknown) {
  return engine.app.inject({ method: "POST", url: "/v1/events", headers: { authorization }, payload: { events } });
}

function click(eventId: string, overrides: Record<string, unknown> = {}) {
  return { eventId, type: "click", userId: `${engine.run}-user`, itemId: item, timestamp: new Date().toISOString(), ...overrides };
}

describe("POST /v1/events", () => {
  it("judges each event on its own: accepted, duplicate within the batch, rejected with field and reason", async () => {
    const id = (n: number) => `${engine.run}-e${n}`;
    const response = await postEvents([
      click(id(1)),
      { ...click(id(2)), type: "watch" },
      click(id(1)),
      click(id(3), { itemId: `${engine.run}-missing` }),
      { ...click(id(4)), type: "watch", value: 12.5, surface: "home", position: 3, propensity: 0.5, context: { device: "ios" } },
      "not an event",
    ]);
    expect(response.statusCode).toBe(200);
    const body = ingestEventsResponse.parse(response.json());
    expect(body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 3 });
    expect(body.results).toEqual([
      { index: 0, eventId: id(1), status: "accepted" },
      { index: 1, eventId: id(2), status: "rejected", field: "value", reason: expect.any(String) },
      { index: 2, eventId: id(1), status: "duplicate" },
      { index: 3, eventId: id(3), status: "rejected", field: "itemId", reason: "unknown item" },
      { index: 4, eventId: id(4), status: "accepted" },
      { index: 5, status: "rejected", field: "event", reason: expect.any(String) },
    ]);

    const stored = await engine.db.event.findMany({ where: { eventId: { in: [id(1), id(2), id(3), id(4)] } }, orderBy: { eventId: "asc" } });
    expect(stored.map((event) => event.eventId)).toEqual([id(1), id(4)]);
    expect(stored[1]).toMatchObject({ type: "watch", value: 12.5, surface: "home", position: 3, propensity: 0.5, context: { device: "ios" } });
  });

  it("writes every rejected event to the dead-letter table with field, reason and payload", async () => {
    const eventId = `${engine.run}-dead`;
    const payload = click(eventId, { itemId: `${engine.run}-ghost` });
    await postEvents([payload]);
    const letters = await engine.db.rejectedEvent.findMany({ where: { eventId } });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ field: "itemId", reason: "unknown item", payload });
  });

  it("is idempotent: re-sending a batch stores nothing new", async () => {
    const batch = [click(`${engine.run}-r1`), click(`${engine.run}-r2`, { type: "like" })];
    const first = ingestEventsResponse.parse((await postEvents(batch)).json());
    expect(first).toMatchObject({ accepted: 2, duplicates: 0, rejected: 0 });
    const countAfterFirst = await engine.db.event.count({ where: { eventId: { startsWith: `${engine.run}-r` } } });

    const second = ingestEventsResponse.parse((await postEvents(batch)).json());
    expect(second).toMatchObject({ accepted: 0, duplicates: 2, rejected: 0 });
    expect(second.results.map((result) => result.status)).toEqual(["duplicate", "duplicate"]);
    expect(await engine.db.event.count({ where: { eventId: { startsWith: `${engine.run}-r` } } })).toBe(countAfterFirst);
  });

  it("creates unknown users from their events", async () => {
    const userId = `${engine.run}-newcomer`;
    expect(await engine.db.user.count({ where: { id: userId } })).toBe(0);
    const body = ingestEventsResponse.parse((await postEvents([click(`${engine.run}-n1`, { userId })])).json());
    expect(body.accepted).toBe(1);
    expect(await engine.db.user.count({ where: { id: userId } })).toBe(1);
  });

  it("rejects, without failing the batch, events PostgreSQL could not store or stamped in the future", async () => {
    const future = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const body = ingestEventsResponse.parse(
      (
        await postEvents([
          click(`${engine.run}-nul\u0000`),
          click(`${engine.run}-ctx`, { context: { note: "bad\u0000" } }),
          click(`${engine.run}-future`, { timestamp: future }),
          click(`${engine.run}-fine`),
        ])
      ).json(),
    );
    expect(body.results.map((result) => (result.status === "rejected" ? result.field : result.status))).toEqual([
      "eventId",
      "context.note",
      "timestamp",
      "accepted",
    ]);
    expect(await engine.db.rejectedEvent.count({ where: { eventId: `${engine.run}-ctx` } })).toBe(1);
  });

  it("checks the envelope: 400 for none, 413 for more than 1000", async () => {
    const empty = await postEvents([]);
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.issues[0].path).toBe("events");

    const missing = await engine.app.inject({ method: "POST", url: "/v1/events", headers: { authorization }, payload: { event: [] } });
    expect(missing.statusCode).toBe(400);

    const tooMany = await postEvents(Array.from({ length: 1001 }, (_, n) => click(`${engine.run}-big-${n}`)));
    expect(tooMany.statusCode).toBe(413);
    expect(await engine.db.event.count({ where: { eventId: { startsWith: `${engine.run}-big-` } } })).toBe(0);
  });
});
