import { describe, expect, it } from "vitest";
import { GenerationalMap } from "./generationalMap.ts";

describe("GenerationalMap", () => {
  it("updates a key in place and reads it back", () => {
    const map = new GenerationalMap<number>(10);
    map.set("a", 1);
    map.set("a", 2);
    expect(map.get("a")).toBe(2);
    expect(map.size).toBe(1);
    expect(map.get("missing")).toBeUndefined();
  });

  it("holds at most maxEntries keys, dropping the least recently used generation", () => {
    const map = new GenerationalMap<number>(4);
    for (const key of ["a", "b", "c", "d"]) map.set(key, 1);
    // "a" read now: copied into the young generation, so it outlives the next drop.
    expect(map.get("a")).toBe(1);
    map.set("e", 1);
    map.set("f", 1);
    expect(map.size).toBeLessThanOrEqual(4);
    expect(map.get("a")).toBe(1);
    expect(map.get("f")).toBe(1);
    expect(map.get("b")).toBeUndefined();
  });

  it("never holds more than maxEntries however many keys pass through", () => {
    const map = new GenerationalMap<number>(100);
    for (let index = 0; index < 10_000; index += 1) {
      map.set(`k${index}`, index);
      expect(map.size).toBeLessThanOrEqual(100);
    }
    expect(map.get("k9999")).toBe(9999);
  });

  it("forgets everything on clear", () => {
    const map = new GenerationalMap<number>(10);
    map.set("a", 1);
    map.clear();
    expect(map.get("a")).toBeUndefined();
    expect(map.size).toBe(0);
  });
});
