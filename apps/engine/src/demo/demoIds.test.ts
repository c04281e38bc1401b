import { describe, expect, it } from "vitest";
import { entityId } from "@cascade/core";
import { creatorId, demoEventId, demoRequestId, itemId, parseDemoIndex, userId } from "./demoIds.ts";

describe("demo ids", () => {
  it("look like item-000123, user-00042, creator-0007", () => {
    expect(itemId(123)).toBe("item-000123");
    expect(userId(42)).toBe("user-00042");
    expect(creatorId(7)).toBe("creator-0007");
    expect(itemId(1_234_567)).toBe("item-1234567");
  });

  it("sort like their indices within the padding", () => {
    const ids = [5, 40, 300, 2_000].map(demoEventId.bind(null, 42));
    expect([...ids].sort()).toEqual(ids);
    expect(demoEventId(42, 12)).toBe("demo-42-0000000012");
  });

  it("are valid API entity ids and fit the request id limit", () => {
    for (const id of [itemId(1), userId(1), creatorId(1), demoEventId(4_294_967_295, 9_999_999_999)]) {
      expect(entityId.safeParse(id).success).toBe(true);
    }
    expect(demoRequestId(4_294_967_295, 999_999_999, 11).length).toBeLessThanOrEqual(64);
  });

  it("parse back to indices", () => {
    expect(parseDemoIndex("item", itemId(123))).toBe(123);
    expect(parseDemoIndex("user", userId(9))).toBe(9);
    expect(parseDemoIndex("creator", creatorId(70))).toBe(70);
    expect(parseDemoIndex("item", userId(9))).toBe(-1);
    expect(parseDemoIndex("item", "item-abc")).toBe(-1);
  });
});
