import { describe, expect, it } from "vitest";
import { eventInput, MAX_CONTEXT_KEYS, MAX_PURCHASE_VALUE, recommendationsRequest, upsertFollowsRequest, upsertItemsRequest } from "../index.ts";

const item = { id: "item-1", category: "cooking", publishedAt: "2026-11-01T10:00:00Z" };

describe("catalogue contracts", () => {
  it("fills defaults for optional item fields", () => {
    const parsed = upsertItemsRequest.parse({ items: [item] });
    expect(parsed.items[0]).toMatchObject({ title: "", tags: [], available: true, attributes: {} });
  });

  it("names the index of a duplicate id in a batch", () => {
    const result = upsertItemsRequest.safeParse({ items: [item, { ...item }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["items", 1]);
  });

  it("rejects ids with spaces and batches over 1000", () => {
    expect(upsertItemsRequest.safeParse({ items: [{ ...item, id: "a b" }] }).success).toBe(false);
    const tooMany = Array.from({ length: 1001 }, (_, index) => ({ ...item, id: `item-${index}` }));
    expect(upsertItemsRequest.safeParse({ items: tooMany }).success).toBe(false);
  });

  it("treats the same user→creator pair twice as a duplicate follow", () => {
    const follow = { userId: "u1", creatorId: "c1" };
    expect(upsertFollowsRequest.safeParse({ follows: [follow, follow] }).success).toBe(false);
    expect(upsertFollowsRequest.safeParse({ follows: [follow, { ...follow, creatorId: "c2" }] }).success).toBe(true);
  });
});

describe("event contract", () => {
  const base = { eventId: "e1", userId: "u1", itemId: "i1", timestamp: "2026-11-01T10:00:00.000Z" };

  it("requires a value for watch, purchase and rating only", () => {
    expect(eventInput.safeParse({ ...base, type: "click" }).success).toBe(true);
    expect(eventInput.safeParse({ ...base, type: "watch" }).success).toBe(false);
    expect(eventInput.safeParse({ ...base, type: "watch", value: 12.5 }).success).toBe(true);
    expect(eventInput.safeParse({ ...base, type: "rating", value: 11 }).success).toBe(false);
  });

  it("rejects unknown types and timestamps without an offset", () => {
    expect(eventInput.safeParse({ ...base, type: "teleport" }).success).toBe(false);
    expect(eventInput.safeParse({ ...base, type: "click", timestamp: "yesterday" }).success).toBe(false);
  });

  it("bounds what the rollups and the console must hold (issue 13): purchase value, context keys, times from 1970", () => {
    expect(eventInput.safeParse({ ...base, type: "purchase", value: MAX_PURCHASE_VALUE }).success).toBe(true);
    expect(eventInput.safeParse({ ...base, type: "purchase", value: 1e308 }).error?.issues[0]?.path).toEqual(["value"]);
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, n) => [`k${n}`, n]));
    expect(eventInput.safeParse({ ...base, type: "click", context: keys(MAX_CONTEXT_KEYS) }).success).toBe(true);
    expect(eventInput.safeParse({ ...base, type: "click", context: keys(MAX_CONTEXT_KEYS + 1) }).error?.issues[0]?.path).toEqual(["context"]);
    expect(eventInput.safeParse({ ...base, type: "click", timestamp: "1998-04-22T23:10:38Z" }).success).toBe(true);
    expect(eventInput.safeParse({ ...base, type: "click", timestamp: "0001-01-01T00:00:00Z" }).error?.issues[0]?.path).toEqual(["timestamp"]);
    expect(eventInput.safeParse({ ...base, type: "click", context: { nested: { deeper: 1 } } }).error?.issues[0]?.path).toEqual(["context", "nested"]);
  });

  it("keeps propensities inside (0, 1]", () => {
    expect(eventInput.safeParse({ ...base, type: "impression", propensity: 0 }).success).toBe(false);
    expect(eventInput.safeParse({ ...base, type: "impression", propensity: 1 }).success).toBe(true);
  });
});

describe("recommendations request", () => {
  it("defaults surface and count and bounds count", () => {
    expect(recommendationsRequest.parse({ userId: "u1" })).toMatchObject({ surface: "home", count: 20, debug: false });
    expect(recommendationsRequest.safeParse({ userId: "u1", count: 0 }).success).toBe(false);
    expect(recommendationsRequest.safeParse({ userId: "u1", count: 201 }).success).toBe(false);
  });
});
