import { MAX_CONTEXT_KEYS, MAX_PURCHASE_VALUE, type StreamEvent } from "@cascade/core";
import type { Database } from "@cascade/db";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { EventDeduplicator } from "../events/dedup/eventDeduplicator.ts";
import type { EventStream } from "../events/stream/eventStream.ts";
import { KnownItemCache } from "./knownItemCache.ts";
import { createMemoryEventDeduplicator } from "../events/dedup/memoryEventDeduplicator.ts";
import { createMemoryEventStream } from "../events/stream/memoryEventStream.ts";
import { ingestEvents, MAX_FUTURE_SKEW_MS, screenEvents, type EventIngestionDeps } from "./eventIngestion.ts";
import { IngestUnavailableError } from "./inputErrors.ts";

const now = new Date("2026-03-01T12:00:00Z");
const click = (overrides: Record<string, unknown> = {}) => ({
  eventId: "e1",
  type: "click",
  userId: "u1",
  itemId: "i1",
  timestamp: "2026-03-01T11:00:00Z",
  ...overrides,
});

describe("screenEvents", () => {
  it("keeps valid events and rejects each bad one with its field", () => {
    const { valid, rejected } = screenEvents(
      [
        click(),
        click({ type: "teleport" }),
        click({ type: "rating" }),
        click({ userId: "has space" }),
        click({ eventId: "x\u0000" }),
        click({ timestamp: new Date(now.getTime() + MAX_FUTURE_SKEW_MS + 1_000).toISOString() }),
        click({ timestamp: new Date(now.getTime() + MAX_FUTURE_SKEW_MS - 1_000).toISOString() }),
        null,
      ],
      now,
    );
    expect(valid.map((entry) => entry.index)).toEqual([0, 6]);
    expect(rejected.map(({ index, field }) => [index, field])).toEqual([
      [1, "type"],
      [2, "value"],
      [3, "userId"],
      [4, "eventId"],
      [5, "timestamp"],
      [7, "event"],
    ]);
    expect(rejected[0]).toMatchObject({ eventId: "e1", payload: click({ type: "teleport" }) });
    expect(rejected[5]!.eventId).toBeUndefined();
  });
});

describe("screenEvents bounds (issue 13)", () => {
  it("rejects pre-1970 timestamps, purchases above MAX_PURCHASE_VALUE and contexts over MAX_CONTEXT_KEYS keys, naming the field", () => {
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, n) => [`k${n}`, n]));
    const { valid, rejected } = screenEvents(
      [
        click({ timestamp: "0001-01-01T00:00:00Z" }),
        click({ timestamp: "1970-01-01T00:30:00+01:00" }),
        click({ timestamp: "1970-01-01T00:00:00Z" }),
        click({ type: "purchase", value: 1e308 }),
        click({ type: "purchase", value: MAX_PURCHASE_VALUE }),
        click({ context: keys(MAX_CONTEXT_KEYS + 1) }),
        click({ context: keys(MAX_CONTEXT_KEYS) }),
      ],
      now,
    );
    expect(valid.map((entry) => entry.index)).toEqual([2, 4, 6]);
    expect(rejected.map(({ index, field }) => [index, field])).toEqual([
      [0, "timestamp"],
      [1, "timestamp"],
      [3, "value"],
      [5, "context"],
    ]);
  });
});

describe("ingestEvents", () => {
  type Setup = { deps: EventIngestionDeps; deadLetters: unknown[][]; stream: EventStream; deduplicator: EventDeduplicator };
  async function setUp(options: { failPublish?: number; items?: string[] } = {}): Promise<Setup> {
    const stream = createMemoryEventStream({ partitions: 2 });
    await stream.ensureGroup("g");
    let failures = options.failPublish ?? 0;
    const publishing: EventStream = new Proxy(stream, {
      get: (target, property) =>
        property === "publish"
          ? async (events: Parameters<EventStream["publish"]>[0]) => {
              if (failures-- > 0) throw new Error("stream down");
              return target.publish(events);
            }
          : Reflect.get(target, property),
    });
    const deduplicator = createMemoryEventDeduplicator();
    const deadLetters: unknown[][] = [];
    // The only database call on this path is the dead-letter insert (parameters: 4 arrays).
    const db = { $executeRaw: async (_sql: TemplateStringsArray, ...values: unknown[]) => deadLetters.push(values) } as unknown as Database;
    const items = new Set(options.items ?? ["i1"]);
    const knownItems = new KnownItemCache(async (ids) => ids.filter((id) => items.has(id)));
    const logger = pino({ level: "silent" });
    return { deps: { db, stream: publishing, deduplicator, knownItems, logger }, deadLetters, stream, deduplicator };
  }

  async function published(stream: EventStream): Promise<StreamEvent[]> {
    const events: StreamEvent[] = [];
    for (let partition = 0; partition < stream.partitions; partition += 1) {
      for (const entry of await stream.read("g", "c", { partition, count: 100, from: "new" })) events.push(...entry.events);
    }
    return events;
  }

  it("publishes accepted events as stream events, answers duplicates and rejections per event", async () => {
    const { deps, deadLetters, stream } = await setUp();
    const receivedAt = now.getTime();
    const response = await ingestEvents(
      deps,
      [click(), click({ eventId: "e2", itemId: "ghost" }), click(), click({ eventId: "e3", type: "watch", value: 7, context: { a: 1 } }), 42],
      receivedAt,
    );
    expect(response).toEqual({
      accepted: 2,
      duplicates: 1,
      rejected: 2,
      results: [
        { index: 0, eventId: "e1", status: "accepted" },
        { index: 1, eventId: "e2", status: "rejected", field: "itemId", reason: "unknown item" },
        { index: 2, eventId: "e1", status: "duplicate" },
        { index: 3, eventId: "e3", status: "accepted" },
        { index: 4, eventId: undefined, status: "rejected", field: "event", reason: expect.any(String) },
      ],
    });
    const occurredAt = Date.parse("2026-03-01T11:00:00Z");
    expect((await published(stream)).sort((a, b) => a.eventId.localeCompare(b.eventId))).toEqual([
      { eventId: "e1", type: "click", userId: "u1", itemId: "i1", occurredAt, receivedAt },
      { eventId: "e3", type: "watch", userId: "u1", itemId: "i1", occurredAt, receivedAt, value: 7, context: { a: 1 } },
    ]);
    // One dead-letter insert with both rejections (event ids column first; screening rejections come first).
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]![0]).toEqual([null, "e2"]);

    const again = await ingestEvents(deps, [click(), click({ eventId: "e3", type: "watch", value: 7 })], receivedAt);
    expect(again).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await published(stream)).toEqual([]);
  });

  it("refuses as unavailable when publishing fails and remembers nothing, so the retry is accepted", async () => {
    const { deps, stream } = await setUp({ failPublish: 1 });
    await expect(ingestEvents(deps, [click()])).rejects.toBeInstanceOf(IngestUnavailableError);
    expect(await published(stream)).toEqual([]);
    expect(await ingestEvents(deps, [click()])).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await published(stream)).toHaveLength(1);
  });

  it("never answers duplicate for an event that did not reach the stream, even when Redis drops between claim and publish (issue 13)", async () => {
    const { deps, stream, deduplicator } = await setUp({ failPublish: 1 });
    // Redis went away right after the duplicate check: publishing fails, and nothing can be written or deleted any more.
    const cannotGiveBack = new Proxy(deduplicator, {
      get: (target, property) =>
        property === "release" || property === "forget" ? async () => Promise.reject(new Error("redis down")) : Reflect.get(target, property),
    });
    const flaky = { ...deps, deduplicator: cannotGiveBack };
    await expect(ingestEvents(flaky, [click(), click({ eventId: "e2" })])).rejects.toBeInstanceOf(IngestUnavailableError);
    expect(await published(stream)).toEqual([]);
    // The client's retry is accepted and published; a later re-send is a duplicate (it is on the stream now).
    expect(await ingestEvents(flaky, [click(), click({ eventId: "e2" })])).toMatchObject({ accepted: 2, duplicates: 0 });
    expect((await published(stream)).map((event) => event.eventId).sort()).toEqual(["e1", "e2"]);
    expect(await ingestEvents(flaky, [click()])).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("answers accepted when the events are published but cannot be remembered (a re-send is accepted again)", async () => {
    const { deps, stream, deduplicator } = await setUp();
    const forgetful = new Proxy(deduplicator, {
      get: (target, property) => (property === "remember" ? async () => Promise.reject(new Error("redis down")) : Reflect.get(target, property)),
    });
    expect(await ingestEvents({ ...deps, deduplicator: forgetful }, [click()])).toMatchObject({ accepted: 1 });
    expect(await published(stream)).toHaveLength(1);
    expect(await ingestEvents(deps, [click()])).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it("refuses as unavailable when the duplicate check fails, and publishes nothing", async () => {
    const { deps, stream, deduplicator } = await setUp();
    const failing: EventDeduplicator = {
      unseen: async () => Promise.reject(new Error("redis down")),
      remember: (ids) => deduplicator.remember(ids),
      forget: (ids) => deduplicator.forget(ids),
      close: async () => undefined,
    };
    await expect(ingestEvents({ ...deps, deduplicator: failing }, [click()])).rejects.toBeInstanceOf(IngestUnavailableError);
    expect(await published(stream)).toEqual([]);
  });

  it("writes no dead letters when every event is fine", async () => {
    const { deps, deadLetters } = await setUp();
    await ingestEvents(deps, [click()]);
    expect(deadLetters).toEqual([]);
  });
});
