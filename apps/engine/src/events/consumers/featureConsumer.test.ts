import type { StreamEvent } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { fixedClock } from "../../platform/clock.ts";
import { createMemoryOnlineStore } from "../../stores/memoryOnlineStore.ts";
import { createFeatureConsumer } from "./featureConsumer.ts";
import { FreshnessHistogram } from "./freshnessHistogram.ts";

const T1998 = Date.parse("1998-04-22T12:00:00Z");

describe("feature consumer", () => {
  it("writes features at business time and measures freshness on the wall clock", async () => {
    const store = createMemoryOnlineStore();
    const freshness = new FreshnessHistogram();
    const writtenAt: number[] = [];
    const consume = createFeatureConsumer({
      store,
      freshness,
      clock: fixedClock(T1998),
      now: () => 10_250,
      write: async (_store, _events, now) => {
        writtenAt.push(now!.getTime());
      },
    });
    const event: StreamEvent = { eventId: "e1", type: "click", userId: "u1", itemId: "i1", occurredAt: T1998 - 60_000, receivedAt: 10_000 };
    await consume({ entries: [], events: [event] });
    expect(writtenAt).toEqual([T1998]);
    expect(freshness.summary()).toMatchObject({ count: 1, maxMs: 250 });
    await store.close();
  });
});
