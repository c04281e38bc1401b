import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedMap } from "./shapedMap.ts";

describe("ShapedMap", () => {
  it("property: answers every read as a Map of the same names and values does", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 4 }), { maxLength: 6 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 8 }), (names, probes) => {
        const values = names.map((name, index) => ({ name, index }));
        const shaped = new ShapedMap(names, values);
        const map = new Map(names.map((name, index) => [name, values[index]!]));
        for (const probe of [...probes, ...names]) {
          expect(shaped.get(probe)).toBe(map.get(probe));
          expect(shaped.has(probe)).toBe(map.has(probe));
        }
        expect(shaped.size).toBe(map.size);
        expect([...shaped]).toEqual([...map]);
        expect([...shaped.keys()]).toEqual([...map.keys()]);
        expect([...shaped.values()]).toEqual([...map.values()]);
        expect([...shaped.entries()]).toEqual([...map.entries()]);
        const seen: [string, unknown, unknown][] = [];
        shaped.forEach((value, key, owner) => seen.push([key, value, owner]));
        expect(seen).toEqual(names.map((name, index) => [name, values[index], shaped]));
      }),
    );
  });

  it("shares its names: two maps over one name list keep their own values", () => {
    const names = ["d21600", "d259200"];
    const first = new ShapedMap(names, [{ a: 1 }, { b: 2 }]);
    const second = new ShapedMap(names, [{ a: 3 }, { b: 4 }]);
    expect(first.get("d259200")).toEqual({ b: 2 });
    expect(second.get("d259200")).toEqual({ b: 4 });
  });
});
