// The time picker's round trip: a datetime-local value read as UTC, the URL's ISO instant back into
// the picker, and the labels the two served lists carry.
import { describe, expect, it } from "vitest";
import { asOfSchema, formatBusinessTime, isoToUtcInput, parseAsOf, utcInputToIso } from "./as-of.ts";
import { compareFeeds, describeMove } from "./feed-comparison.ts";

describe("the as-of picker", () => {
  it("reads the picker in UTC and writes it back the same", () => {
    expect(utcInputToIso("")).toBeNull();
    const iso = asOfSchema.parse(utcInputToIso("2020-11-22T02:00"));
    expect(iso).toBe("2020-11-22T02:00:00.000Z");
    expect(isoToUtcInput(iso)).toBe("2020-11-22T02:00");
    expect(isoToUtcInput(asOfSchema.parse(utcInputToIso("2020-11-22T02:00:07")))).toBe("2020-11-22T02:00:07");
    expect(isoToUtcInput("2020-11-22T03:00:00+01:00")).toBe("2020-11-22T02:00");
    expect(isoToUtcInput("garbage")).toBe("");
    expect(parseAsOf("2020-11-22T02:00:00Z")).toBe(Date.UTC(2020, 10, 22, 2, 0, 0));
  });

  it("labels business times in UTC, with seconds only when there are any", () => {
    expect(formatBusinessTime(Date.UTC(2020, 10, 22, 2, 0, 0))).toBe("2020-11-22 02:00 UTC");
    expect(formatBusinessTime(Date.UTC(2020, 10, 22, 2, 0, 7))).toBe("2020-11-22 02:00:07 UTC");
  });
});

describe("compareFeeds", () => {
  const served = (...ids: string[]) => ids.map((itemId, position) => ({ itemId, position }));

  it("marks items served in one list only and where shared items sit in the other", () => {
    const comparison = compareFeeds(served("a", "b", "c"), served("c", "d", "a"));
    expect(comparison.shared).toBe(2);
    expect(comparison.asOf).toEqual([
      { itemId: "a", position: 0, otherPosition: 2 },
      { itemId: "b", position: 1, otherPosition: null },
      { itemId: "c", position: 2, otherPosition: 0 },
    ]);
    expect(comparison.now.filter((row) => row.otherPosition === null).map((row) => row.itemId)).toEqual(["d"]);
    expect(describeMove(comparison.asOf[0]!, "now")).toBe("#3 now");
    expect(describeMove(comparison.asOf[1]!, "now")).toBe("");
    expect(describeMove(compareFeeds(served("a"), served("a")).asOf[0]!, "now")).toBe("same place");
  });

  it("keeps each list in served order whatever order it arrives in", () => {
    const comparison = compareFeeds(
      [
        { itemId: "y", position: 1 },
        { itemId: "x", position: 0 },
      ],
      [],
    );
    expect(comparison.asOf.map((row) => row.itemId)).toEqual(["x", "y"]);
    expect(comparison.shared).toBe(0);
  });
});
