// Issue 13, hostile input: generated POST /v1/events bodies — malformed JSON, wrong types, huge
// strings and arrays, nesting up to 20,000 levels, NUL and lone surrogates, extreme numbers,
// duplicate ids — mixed with valid events in random order. Properties: no 5xx, ever; every valid
// event of a batch is accepted whatever its neighbours (a later copy of its id is a duplicate);
// and after the consumers settle, every accepted event is in the event log.
import { eventTypes, ingestEventsResponse, MAX_CONTEXT_KEYS, MAX_PURCHASE_VALUE } from "@cascade/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deepJson, raw, spliceRaw, unicodeEdges } from "../testing/hostileArbitraries.ts";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";

let engine: TestEngine;
let authorization: string;
let item: string;
const BODY_LIMIT = 1024 * 1024;

beforeAll(async () => {
  engine = await startTestEngine({ bodyLimitBytes: BODY_LIMIT });
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

const post = (body: string) =>
  engine.app.inject({ method: "POST", url: "/v1/events", headers: { authorization, "content-type": "application/json" }, payload: body });

let sequence = 0;
const freshId = () => `${engine.run}-p${(sequence += 1)}`;

type Built = { valid: boolean; event: Record<string, unknown> | unknown };

const validEvent: fc.Arbitrary<Built> = fc
  .record({
    type: fc.constantFrom(...eventTypes),
    value: fc.double({ min: 0, max: 10, noNaN: true }),
    purchase: fc.double({ min: 0, max: MAX_PURCHASE_VALUE, noNaN: true }),
    ageMs: fc.integer({ min: 0, max: 30 * 86_400_000 }),
    context: fc.option(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()), { maxKeys: 5 }), {
      nil: undefined,
    }),
    surface: fc.option(fc.constantFrom("home", "shop-1"), { nil: undefined }),
  })
  .map(({ type, value, purchase, ageMs, context, surface }) => {
    const event: Record<string, unknown> = {
      eventId: "",
      type,
      userId: `${engine.run}-u`,
      itemId: item,
      timestamp: new Date(Date.now() - ageMs).toISOString(),
    };
    if (type === "purchase") event.value = purchase;
    else if (type === "watch" || type === "rating") event.value = value;
    if (context) event.context = context;
    if (surface) event.surface = surface;
    return { valid: true, event };
  });

const base = () => ({ eventId: freshId(), type: "click", userId: `${engine.run}-u`, itemId: item, timestamp: new Date().toISOString() });

const badEvent: fc.Arbitrary<Built> = fc
  .oneof(
    // wrong types
    fc.constantFrom<unknown>(null, 0, "event", [], true, { eventId: 5 }, { type: "click" }),
    fc
      .record({ field: fc.constantFrom("eventId", "type", "userId", "itemId", "timestamp", "position", "surface", "context", "value"), value: fc.anything() })
      .map(({ field, value }) => ({ ...base(), type: "watch", value: 3, [field]: value === undefined ? null : value })),
    // huge strings and arrays
    fc.integer({ min: 129, max: 100_000 }).map((length) => ({ ...base(), eventId: "x".repeat(length) })),
    fc.integer({ min: 257, max: 100_000 }).map((length) => ({ ...base(), context: { note: "y".repeat(length) } })),
    fc
      .integer({ min: MAX_CONTEXT_KEYS + 1, max: 5_000 })
      .map((keys) => ({ ...base(), context: Object.fromEntries(Array.from({ length: keys }, (_, n) => [`k${n}`, n])) })),
    fc.integer({ min: 1, max: 50_000 }).map((length) => ({ ...base(), context: { list: raw(`[${new Array(length).fill(0).join(",")}]`) } })),
    fc.integer({ min: 1, max: 50_000 }).map((length) => raw(`[${new Array(length).fill(0).join(",")}]`)),
    // deep nesting, as the event, in context, or in an unknown field (ignored, so the event itself is fine there: see below)
    fc
      .record({ depth: fc.integer({ min: 2, max: 20_000 }), kind: fc.constantFrom<"array" | "object">("array", "object") })
      .map(({ depth, kind }) => raw(deepJson(depth, kind))),
    fc.integer({ min: 2, max: 20_000 }).map((depth) => ({ ...base(), context: raw(deepJson(depth, "object")) })),
    // unicode edge cases in ids, keys and values
    fc.record({ edge: unicodeEdges, where: fc.constantFrom("eventId", "userId", "contextKey", "contextValue", "surface") }).map(({ edge, where }) => {
      const event: Record<string, unknown> = base();
      if (where === "contextKey") event.context = { [`k${edge}`]: 1 };
      else if (where === "contextValue") event.context = { k: `v${edge}` };
      else event[where] = `${String(event[where] ?? "s")}${edge}`;
      return event;
    }),
    // extreme numbers
    fc
      .record({
        type: fc.constantFrom("purchase", "watch", "rating"),
        value: fc.constantFrom(1e308, -1e308, MAX_PURCHASE_VALUE * 2, -1, 86_401, 10.0001, -0.0001, 1e21),
      })
      .map(({ type, value }) => ({ ...base(), type, value })),
    fc.constantFrom(2 ** 53 + 1, -1, 10_001, 0.5, 1e308).map((position) => ({ ...base(), position })),
    fc.constantFrom(0, -0.1, 1.0001, 1e308).map((propensity) => ({ ...base(), propensity })),
    // implausible times
    fc
      .constantFrom("0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "+275760-09-13T00:00:00Z", "9999-12-31T23:59:59Z", "2026-13-01T00:00:00Z", "yesterday")
      .map((timestamp) => ({ ...base(), timestamp })),
    // an item nobody upserted
    fc.constant(null).map(() => ({ ...base(), itemId: `${engine.run}-ghost` })),
  )
  .map((event) => ({ valid: false, event }));

/** Valid events with fresh ids, bad ones, duplicates of valid ones (placed after their original), shuffled. */
const batches = fc
  .record({ good: fc.array(validEvent, { minLength: 1, maxLength: 8 }), bad: fc.array(badEvent, { minLength: 1, maxLength: 6 }), duplicates: fc.nat(3) })
  .chain(({ good, bad, duplicates }) =>
    fc.shuffledSubarray([...good, ...bad], { minLength: good.length + bad.length }).map((order) => ({ order, duplicates })),
  );

describe("POST /v1/events, generated hostile batches (issue 13)", () => {
  const acceptedIds: string[] = [];

  it("never answers 5xx; every valid event is accepted whatever its neighbours", async () => {
    await fc.assert(
      fc.asyncProperty(batches, async ({ order, duplicates }) => {
        const events: unknown[] = [];
        const validIndexes: number[] = [];
        for (const { valid, event } of order) {
          if (valid) {
            (event as Record<string, unknown>).eventId = freshId();
            validIndexes.push(events.length);
          }
          events.push(event);
        }
        // Copies of valid events, after them: the first occurrence counts, the copy is a duplicate.
        const copies = validIndexes.slice(0, duplicates).map((index) => ({ ...(events[index] as object) }));
        const duplicateIndexes = copies.map((_, n) => events.length + n);
        events.push(...copies);
        const body = spliceRaw(JSON.stringify({ events }));
        const response = await post(body);
        expect(response.statusCode, response.body.slice(0, 300)).toBeLessThan(500);
        if (Buffer.byteLength(body) > BODY_LIMIT) {
          expect(response.statusCode).toBe(413);
          return;
        }
        expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
        const result = ingestEventsResponse.parse(response.json());
        expect(result.results).toHaveLength(events.length);
        for (const index of validIndexes) {
          expect(result.results[index], JSON.stringify(events[index])).toMatchObject({ status: "accepted" });
          acceptedIds.push((events[index] as { eventId: string }).eventId);
        }
        for (const index of duplicateIndexes) expect(result.results[index]!.status).toBe("duplicate");
        // Everything else is a bad event: rejected with a field, or (an odd field ignored) accepted.
        for (const entry of result.results) if (entry.status === "rejected") expect(entry.field.length).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  }, 300_000);

  it("answers 4xx (never 5xx) to bodies that are not JSON or not the envelope", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(
            '{"events":[',
            '{"events":[1,]}',
            "nul",
            '{"events":"x"}',
            "[]",
            '"\\ud800"',
            "{}",
            '{"events":[{"eventId":"a"}]',
            "\u0000",
            '{"events":null}',
          ),
          fc.string({ maxLength: 200 }),
          fc.integer({ min: 2, max: 20_000 }).map((depth) => deepJson(depth, "array")),
          fc.integer({ min: 2, max: 20_000 }).map((depth) => `{"events":${deepJson(depth, "object")}}`),
        ),
        async (body) => {
          const response = await post(body);
          expect(response.statusCode, `${body.slice(0, 80)} → ${response.body.slice(0, 200)}`).toBeLessThan(500);
          if (response.statusCode !== 200) expect(response.statusCode).toBeGreaterThanOrEqual(400);
        },
      ),
      { numRuns: 60 },
    );
  }, 300_000);

  it("after the consumers settle, every accepted valid event is in the event log", async () => {
    expect(acceptedIds.length).toBeGreaterThan(50);
    await engine.settleEvents();
    const stored = await engine.db.event.count({ where: { eventId: { in: acceptedIds } } });
    expect(stored).toBe(acceptedIds.length);
  });
});
