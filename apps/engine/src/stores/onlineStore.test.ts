import { describe, expect, it } from "vitest";
import { storeKey } from "./onlineStore.ts";

describe("storeKey", () => {
  it("puts the entity in a hash tag", () => {
    expect(storeKey("u:123", "recent")).toBe("{u:123}:recent");
  });

  it("rejects entities that would break the hash tag, and empty parts", () => {
    expect(() => storeKey("u:{1}", "recent")).toThrow(TypeError);
    expect(() => storeKey("u:1}", "recent")).toThrow(TypeError);
    expect(() => storeKey("", "recent")).toThrow(TypeError);
    expect(() => storeKey("u:1", "")).toThrow(TypeError);
  });
});
