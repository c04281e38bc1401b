import { describe, expect, it } from "vitest";
import { partitionOf, splitByPartition } from "./streamPartition.ts";

describe("partitionOf", () => {
  it("is the 32-bit FNV-1a hash modulo the partition count (replicas must agree forever)", () => {
    // Reference values of FNV-1a 32: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect(partitionOf("a", 1_000_003)).toBe(0xe40c292c % 1_000_003);
    expect(partitionOf("foobar", 1_000_003)).toBe(0xbf9cf968 % 1_000_003);
    expect(partitionOf("", 7)).toBe(0x811c9dc5 % 7);
  });

  it("spreads user ids over all partitions", () => {
    const counts = new Array<number>(8).fill(0);
    for (let n = 0; n < 8_000; n += 1) counts[partitionOf(`user-${n}`, 8)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});

describe("splitByPartition", () => {
  it("keeps each user on one partition and each partition in batch order", () => {
    const events = Array.from({ length: 50 }, (_, n) => ({ userId: `u${n % 7}`, n }));
    const split = splitByPartition(events, 4);
    expect([...split.values()].flat()).toHaveLength(50);
    for (const [partition, chunk] of split) {
      for (const event of chunk) expect(partitionOf(event.userId, 4)).toBe(partition);
      const order = chunk.map((event) => event.n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });
});
