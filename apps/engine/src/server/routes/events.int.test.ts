import { ingestEventsResponse, MAX_CONTEXT_KEYS, MAX_PURCHASE_VALUE } from "@cascade/core";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventStream } from "../../events/stream/eventStream.ts";
import { claimKey } from "../../events/dedup/redisEventDeduplicator.ts";
import { buildEngineApp } from "../../composition/engine.ts";
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
    await engine.settleEvents();
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

  it("writes every rejected event to the dead-letter table with field, reason and payload, before answering", async () => {
    const eventId = `${engine.run}-dead`;
    const payload = click(eventId, { itemId: `${engine.run}-ghost` });
    await postEvents([payload]);
    // No settleEvents(): dead letters do not go through the stream.
    const letters = await engine.db.rejectedEvent.findMany({ where: { eventId } });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ field: "itemId", reason: "unknown item", payload });
  });

  it("is idempotent: re-sending a batch stores nothing new", async () => {
    const batch = [click(`${engine.run}-r1`), click(`${engine.run}-r2`, { type: "like" })];
    const first = ingestEventsResponse.parse((await postEvents(batch)).json());
    expect(first).toMatchObject({ accepted: 2, duplicates: 0, rejected: 0 });

    const second = ingestEventsResponse.parse((await postEvents(batch)).json());
    expect(second).toMatchObject({ accepted: 0, duplicates: 2, rejected: 0 });
    expect(second.results.map((result) => result.status)).toEqual(["duplicate", "duplicate"]);
    await engine.settleEvents();
    expect(await engine.db.event.count({ where: { eventId: { startsWith: `${engine.run}-r` } } })).toBe(2);
  });

  it("is idempotent past the dedup window: the event log's unique key drops the duplicate, rollups do not move", async () => {
    const surface = `${engine.run}-late`;
    const batch = [click(`${engine.run}-late1`, { surface }), click(`${engine.run}-late2`, { surface, type: "impression" })];
    expect(ingestEventsResponse.parse((await postEvents(batch)).json()).accepted).toBe(2);
    await engine.settleEvents();
    const rollupBefore = await engine.db.metricRollup.findMany({ where: { surface } });
    expect(rollupBefore.map(({ clicks, impressions, distinctUsers }) => ({ clicks, impressions, distinctUsers }))).toEqual([
      { clicks: 1, impressions: 1, distinctUsers: 1 },
    ]);

    // The claims expire (simulated): the API accepts the events again…
    await engine.eventDeduplicator.forget(batch.map((event) => event.eventId));
    expect(ingestEventsResponse.parse((await postEvents(batch)).json()).accepted).toBe(2);
    await engine.settleEvents();
    // …and the log and the rollups still count them once.
    expect(await engine.db.event.count({ where: { surface } })).toBe(2);
    expect(await engine.db.metricRollup.findMany({ where: { surface } })).toEqual(rollupBefore.map((row) => ({ ...row, updatedAt: expect.any(Date) })));
  });

  it("rolls accepted events up per surface, experiment variant and minute", async () => {
    const surface = `${engine.run}-feed`;
    const minute = "2026-02-01T10:15";
    const at = (seconds: number) => `${minute}:${String(seconds).padStart(2, "0")}.000Z`;
    const variant = { experiment: "ranker", variant: "b" };
    const user = (n: number) => `${engine.run}-viewer${n}`;
    const body = ingestEventsResponse.parse(
      (
        await postEvents([
          click(`${engine.run}-m1`, { surface, type: "impression", userId: user(1), timestamp: at(1), context: variant }),
          click(`${engine.run}-m2`, { surface, type: "impression", userId: user(2), timestamp: at(2), context: variant }),
          click(`${engine.run}-m3`, { surface, userId: user(1), timestamp: at(3), context: variant }),
          click(`${engine.run}-m4`, { surface, type: "watch", value: 30.5, userId: user(1), timestamp: at(4), context: variant }),
          click(`${engine.run}-m5`, { surface, type: "purchase", value: 9.99, userId: user(2), timestamp: at(5), context: variant }),
          click(`${engine.run}-m6`, { surface, type: "dislike", userId: user(3), timestamp: at(6), context: variant }),
          click(`${engine.run}-m7`, { surface, type: "like", userId: user(1), timestamp: at(59) }),
          click(`${engine.run}-m8`, { surface, type: "share", userId: user(1), timestamp: "2026-02-01T10:16:00Z", context: variant }),
        ])
      ).json(),
    );
    expect(body.accepted).toBe(8);
    await engine.settleEvents();
    const rows = await engine.db.metricRollup.findMany({ where: { surface }, orderBy: [{ bucketStart: "asc" }, { variantKey: "asc" }] });
    const zero = { impressions: 0, clicks: 0, likes: 0, shares: 0, hides: 0, purchases: 0, purchaseValue: 0, watchSeconds: 0 };
    expect(rows).toEqual([
      { surface, experimentKey: "", variantKey: "", bucketStart: new Date(`${minute}:00Z`), ...zero, likes: 1, distinctUsers: 1, updatedAt: expect.any(Date) },
      {
        surface,
        experimentKey: "ranker",
        variantKey: "b",
        bucketStart: new Date(`${minute}:00Z`),
        ...zero,
        impressions: 2,
        clicks: 1,
        hides: 1,
        purchases: 1,
        purchaseValue: 9.99,
        watchSeconds: 30.5,
        distinctUsers: 3,
        updatedAt: expect.any(Date),
      },
      {
        surface,
        experimentKey: "ranker",
        variantKey: "b",
        bucketStart: new Date("2026-02-01T10:16:00Z"),
        ...zero,
        shares: 1,
        distinctUsers: 1,
        updatedAt: expect.any(Date),
      },
    ]);
  });

  it("answers 503 and accepts nothing when the stream fails; the retry is accepted, not a duplicate", async () => {
    let failures = 1;
    const flakyPublish: EventStream["publish"] = async (events) => {
      if (failures-- > 0) throw new Error("stream down");
      return engine.eventStream.publish(events);
    };
    const flakyStream = new Proxy(engine.eventStream, {
      get: (target, property) => (property === "publish" ? flakyPublish : Reflect.get(target, property)),
    });
    const { app } = await buildEngineApp({
      db: engine.db,
      store: engine.store,
      logger: pino({ level: "silent" }),
      info: { version: "test", databaseMode: "external", storeMode: "redis" },
      eventStream: flakyStream,
      eventDeduplicator: engine.eventDeduplicator,
      bodyLimitBytes: 1024 * 1024,
      popularityRanking: engine.ranking,
    });
    try {
      const batch = [click(`${engine.run}-f1`), click(`${engine.run}-f2`)];
      const post = () => app.inject({ method: "POST", url: "/v1/events", headers: { authorization }, payload: { events: batch } });
      const failed = await post();
      expect(failed.statusCode).toBe(503);
      expect(failed.json().error.code).toBe("dependency_unavailable");

      const retried = ingestEventsResponse.parse((await post()).json());
      expect(retried).toMatchObject({ accepted: 2, duplicates: 0 });
      await engine.settleEvents();
      expect(await engine.db.event.count({ where: { eventId: { in: batch.map((event) => event.eventId) } } })).toBe(2);
    } finally {
      await app.close();
    }
  });

  it("remembers accepted event ids in Redis under hash-tagged keys", async () => {
    const eventId = `${engine.run}-claimed`;
    await postEvents([click(eventId)]);
    expect(await engine.eventDeduplicator.unseen([eventId])).toEqual([false]);
    expect(claimKey(eventId)).toBe(`cascade:{evt:${eventId}}`);
  });

  it("creates unknown users from their events", async () => {
    const userId = `${engine.run}-newcomer`;
    expect(await engine.db.user.count({ where: { id: userId } })).toBe(0);
    const body = ingestEventsResponse.parse((await postEvents([click(`${engine.run}-n1`, { userId })])).json());
    expect(body.accepted).toBe(1);
    await engine.settleEvents();
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
    await engine.settleEvents();
    expect(await engine.db.event.count({ where: { eventId: { startsWith: `${engine.run}-big-` } } })).toBe(0);
  });
});

describe("POST /v1/events under hostile input (issue 13)", () => {
  const deep = (depth: number, leaf = "x") => "[".repeat(depth) + JSON.stringify(leaf) + "]".repeat(depth);
  const deepObject = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  const postRaw = (body: string) =>
    engine.app.inject({ method: "POST", url: "/v1/events", headers: { authorization, "content-type": "application/json" }, payload: body });
  const stored = async (eventIds: string[]) =>
    (await engine.db.event.findMany({ where: { eventId: { in: eventIds } }, select: { eventId: true } })).map((row) => row.eventId).sort();

  it("rejects only the event nested 20,000 levels deep (in context, in an unknown field, or as the event); its neighbours are accepted and logged", async () => {
    const good = [`${engine.run}-deep-good1`, `${engine.run}-deep-good2`];
    const body = `{"events":[${JSON.stringify(click(good[0]!))},${JSON.stringify(click(`${engine.run}-deep-ctx`)).slice(0, -1)},"context":${deepObject(20_000)}},${deep(20_000)},${JSON.stringify(click(`${engine.run}-deep-extra`)).slice(0, -1)},"extra":${deep(20_000)}},${JSON.stringify(click(good[1]!))}]}`;
    const response = await postRaw(body);
    expect(response.statusCode).toBe(200);
    const result = ingestEventsResponse.parse(response.json());
    expect(result.results.map((entry) => (entry.status === "rejected" ? entry.field : entry.status))).toEqual([
      "accepted",
      "context.a",
      "event",
      // Unknown fields are ignored (not stored), however deep.
      "accepted",
      "accepted",
    ]);
    await engine.settleEvents();
    expect(await stored([...good, `${engine.run}-deep-extra`])).toEqual([...good, `${engine.run}-deep-extra`].sort());
    // The dead letters hold the rejected events, their depth bounded.
    expect(await engine.db.rejectedEvent.count({ where: { eventId: `${engine.run}-deep-ctx` } })).toBe(1);
  });

  it("answers 400 (not 500) for a body nested 20,000 levels deep; an events array of one such event rejects that event", async () => {
    const response = await postRaw(`{"events":${deep(20_000)}}`);
    expect(response.statusCode).toBe(200);
    expect(ingestEventsResponse.parse(response.json()).results).toEqual([{ index: 0, status: "rejected", field: "event", reason: expect.any(String) }]);
    const whole = await postRaw(deep(20_000));
    expect(whole.statusCode).toBe(400);
  });

  it("rejects an event with NUL or a lone surrogate in a context key or value, naming the field; the rest of the batch is accepted", async () => {
    const good = `${engine.run}-uni-good`;
    const response = await postEvents([
      click(`${engine.run}-uni-k1`, { context: { "bad\u0000key": 1 } }),
      click(`${engine.run}-uni-k2`, { context: { "lone\uD800": "x" } }),
      click(`${engine.run}-uni-v1`, { context: { note: "lone\uDC00" } }),
      click(good),
    ]);
    expect(response.statusCode).toBe(200);
    const result = ingestEventsResponse.parse(response.json());
    expect(result.results.map((entry) => (entry.status === "rejected" ? entry.field : entry.status))).toEqual([
      "context.bad\u0000key",
      "context.lone\uD800",
      "context.note",
      "accepted",
    ]);
    await engine.settleEvents();
    expect(await stored([good])).toEqual([good]);
  });

  it("bounds purchase values: 1e308 is rejected naming value; two maximal purchases are both stored and rolled up", async () => {
    const surface = `${engine.run}-rich`;
    const response = await postEvents([
      click(`${engine.run}-buy-huge1`, { type: "purchase", value: 1e308, surface }),
      click(`${engine.run}-buy-huge2`, { type: "purchase", value: 1e308, surface }),
      click(`${engine.run}-buy-max1`, { type: "purchase", value: MAX_PURCHASE_VALUE, surface }),
      click(`${engine.run}-buy-max2`, { type: "purchase", value: MAX_PURCHASE_VALUE, surface }),
    ]);
    const result = ingestEventsResponse.parse(response.json());
    expect(result.results.map((entry) => (entry.status === "rejected" ? entry.field : entry.status))).toEqual(["value", "value", "accepted", "accepted"]);
    await engine.settleEvents();
    // Everything answered "accepted" is in the log: nothing accepted is dropped later.
    expect(await stored([`${engine.run}-buy-max1`, `${engine.run}-buy-max2`])).toEqual([`${engine.run}-buy-max1`, `${engine.run}-buy-max2`]);
    const rollups = await engine.db.metricRollup.findMany({ where: { surface } });
    expect(rollups.reduce((sum, row) => sum + row.purchaseValue, 0)).toBe(2 * MAX_PURCHASE_VALUE);
  });

  it("rejects timestamps before 1970 (0001-01-01 included) naming the field, and still accepts 1998", async () => {
    const response = await postEvents([
      click(`${engine.run}-ts-0001`, { timestamp: "0001-01-01T00:00:00Z" }),
      click(`${engine.run}-ts-1969`, { timestamp: "1969-12-31T23:59:59.999Z" }),
      click(`${engine.run}-ts-1998`, { timestamp: "1998-04-22T23:10:38Z" }),
    ]);
    const result = ingestEventsResponse.parse(response.json());
    expect(result.results.map((entry) => (entry.status === "rejected" ? entry.field : entry.status))).toEqual(["timestamp", "timestamp", "accepted"]);
  });

  it("caps context maps: more than MAX_CONTEXT_KEYS keys is rejected naming context", async () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_CONTEXT_KEYS + 1 }, (_, n) => [`k${n}`, n]));
    const fits = Object.fromEntries(Array.from({ length: MAX_CONTEXT_KEYS }, (_, n) => [`k${n}`, n]));
    const response = await postEvents([click(`${engine.run}-ctx-wide`, { context: wide }), click(`${engine.run}-ctx-fits`, { context: fits })]);
    const result = ingestEventsResponse.parse(response.json());
    expect(result.results.map((entry) => (entry.status === "rejected" ? entry.field : entry.status))).toEqual(["context", "accepted"]);
  });
});
