import { describe, expect, it } from "vitest";
import { describeEventDeduplicatorContract } from "./testing/eventDeduplicatorContract.ts";
import { createMemoryEventDeduplicator } from "./memoryEventDeduplicator.ts";

describeEventDeduplicatorContract("memory", async () => createMemoryEventDeduplicator());

describe("memory event deduplicator", () => {
  it("forgets an id once its TTL has passed", async () => {
    let now = 0;
    const deduplicator = createMemoryEventDeduplicator({ ttlMs: 1_000, now: () => now });
    await deduplicator.remember(["a"]);
    now = 999;
    expect(await deduplicator.unseen(["a", "b"])).toEqual([false, true]);
    await deduplicator.remember(["b"]);
    now = 1_000;
    expect(await deduplicator.unseen(["a", "b"])).toEqual([true, false]);
    now = 1_999;
    expect(await deduplicator.unseen(["a", "b"])).toEqual([true, true]);
  });

  it("forgets the oldest ids first past its capacity", async () => {
    const deduplicator = createMemoryEventDeduplicator({ maxClaims: 2, now: () => 0 });
    await deduplicator.remember(["a", "b", "c"]);
    expect(await deduplicator.unseen(["a", "b", "c"])).toEqual([true, false, false]);
  });
});
