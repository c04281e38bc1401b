import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor.ts";

const encodeRaw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("feed cursors", () => {
  it("round-trip", () => {
    const cursor = { snapshotId: "abc123", offset: 40, served: 37 };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it("reject text that is not one of ours", () => {
    for (const text of ["", "not base64!", "bm90IGpzb24", encodeRaw({ v: 2, s: "x", o: 1, n: 1 }), encodeRaw({ v: 1, s: "x", o: -1, n: 0 })]) {
      expect(decodeCursor(text), text).toBeNull();
    }
  });

  it("reject a cursor claiming more served items than it read", () => {
    expect(decodeCursor(encodeRaw({ v: 1, s: "x", o: 3, n: 4 }))).toBeNull();
    expect(decodeCursor(encodeRaw({ v: 1, s: "x", o: 4, n: 4 }))).toEqual({ snapshotId: "x", offset: 4, served: 4 });
  });
});
