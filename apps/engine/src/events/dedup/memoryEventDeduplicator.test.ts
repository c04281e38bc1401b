import { describe, expect, it } from "vitest";
import { describeEventDeduplicatorContract } from "./testing/eventDeduplicatorContract.ts";
import { createMemoryEventDeduplicator } from "./memoryEventDeduplicator.ts";

describeEventDeduplicatorContract("memory", async () => createMemoryEventDeduplicator());

describe("memory event deduplicator", () => {
  it("forgets a claim once its TTL has passed", async () => {
    let now = 0;
    const deduplicator = createMemoryEventDeduplicator({ ttlMs: 1_000, now: () => now });
    await deduplicator.claim(["a"]);
    now = 999;
    expect(await deduplicator.claim(["a", "b"])).toEqual([false, true]);
    now = 1_000;
    expect(await deduplicator.claim(["a", "b"])).toEqual([true, false]);
    now = 1_999;
    // "a" was claimed again at 1000, so it lives until 2000; "b" (claimed at 999) has expired.
    expect(await deduplicator.claim(["a", "b"])).toEqual([false, true]);
  });

  it("forgets the oldest claims first past its capacity", async () => {
    const deduplicator = createMemoryEventDeduplicator({ maxClaims: 2, now: () => 0 });
    await deduplicator.claim(["a", "b", "c"]);
    // The next call sweeps down to 2 claims: "a" is forgotten, "b" and "c" remain.
    expect(await deduplicator.claim(["b"])).toEqual([false]);
    expect(await deduplicator.claim(["a"])).toEqual([true]);
  });
});
