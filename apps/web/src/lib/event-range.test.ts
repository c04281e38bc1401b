import { describe, expect, it } from "vitest";
import {
  bucketForSpan,
  bucketLabel,
  bucketStarts,
  DEFAULT_EVENTS_QUERY,
  eventsHref,
  MAX_AUTO_BUCKETS,
  parseEventsQuery,
  resolveEventWindow,
} from "./event-range.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const now = new Date("2026-11-24T10:37:12.345Z");

describe("resolveEventWindow", () => {
  it("starts fixed ranges on a bucket boundary at least a span back, and ends now", () => {
    expect(resolveEventWindow("1h", now)).toEqual({
      range: "1h",
      from: new Date("2026-11-24T09:37:00Z"),
      to: now,
      bucketMs: MINUTE,
      chartFrom: new Date("2026-11-24T09:37:00Z"),
    });
    const day = resolveEventWindow("24h", now);
    expect(day.from).toEqual(new Date("2026-11-23T10:30:00Z"));
    expect(day.bucketMs).toBe(15 * MINUTE);
    const week = resolveEventWindow("7d", now);
    expect(week.from).toEqual(new Date("2026-11-17T10:00:00Z"));
    expect(week.bucketMs).toBe(HOUR);
  });

  it("gives fixed ranges span/bucket + 1 buckets, the last one partial", () => {
    for (const [range, count] of [
      ["1h", 61],
      ["24h", 97],
      ["7d", 169],
    ] as const) {
      const window = resolveEventWindow(range, now);
      expect(bucketStarts(window.from!.getTime(), now.getTime(), window.bucketMs)).toHaveLength(count);
    }
  });

  it("leaves all time unbounded, with buckets sized from the earliest hint", () => {
    const window = resolveEventWindow("all", now, new Date(now.getTime() - 28 * DAY));
    expect(window.from).toBeNull();
    expect(window.bucketMs).toBe(6 * HOUR);
    expect(window.chartFrom).toEqual(new Date("2026-10-27T06:00:00Z"));
    // Nothing received yet: a minute-sized chart ending now.
    expect(resolveEventWindow("all", now, null).bucketMs).toBe(MINUTE);
  });
});

describe("bucketForSpan", () => {
  it("picks the finest bucket that keeps the chart within MAX_AUTO_BUCKETS points", () => {
    expect(bucketForSpan(0)).toBe(MINUTE);
    expect(bucketForSpan(MAX_AUTO_BUCKETS * MINUTE)).toBe(MINUTE);
    expect(bucketForSpan(MAX_AUTO_BUCKETS * MINUTE + 1)).toBe(5 * MINUTE);
    expect(bucketForSpan(3 * DAY)).toBe(HOUR);
    expect(bucketForSpan(30 * DAY)).toBe(6 * HOUR);
    expect(bucketForSpan(365 * DAY)).toBe(7 * DAY);
    expect(bucketForSpan(5 * 365 * DAY)).toBe(28 * DAY);
    expect(bucketForSpan(100 * 365 * DAY)).toBe(364 * DAY);
    expect(bucketForSpan(1000 * 365 * DAY)).toBe(364 * DAY); // the coarsest
  });

  it("labels buckets in words", () => {
    expect(bucketLabel(MINUTE)).toBe("minute");
    expect(bucketLabel(15 * MINUTE)).toBe("15 minutes");
    expect(bucketLabel(6 * HOUR)).toBe("6 hours");
    expect(bucketLabel(DAY)).toBe("day");
    expect(bucketLabel(7 * DAY)).toBe("week");
    expect(bucketLabel(28 * DAY)).toBe("4 weeks");
    expect(bucketLabel(364 * DAY)).toBe("52 weeks");
  });

  it("aligns weeks on Mondays and days on UTC midnight", () => {
    const [week] = bucketStarts(now.getTime(), now.getTime() + 1, 7 * DAY);
    expect(new Date(week!).toISOString()).toBe("2026-11-23T00:00:00.000Z");
    expect(new Date(week!).getUTCDay()).toBe(1);
    const [day] = bucketStarts(now.getTime(), now.getTime() + 1, DAY);
    expect(new Date(day!).toISOString()).toBe("2026-11-24T00:00:00.000Z");
  });
});

describe("events query in the URL", () => {
  const parse = (search: string) => {
    const params = new URLSearchParams(search);
    return parseEventsQuery((name) => params.get(name));
  };

  it("reads the range and a (field, reason) filter", () => {
    expect(parse("")).toEqual(DEFAULT_EVENTS_QUERY);
    expect(parse("range=7d&field=itemId&reason=unknown+item")).toEqual({
      range: "7d",
      field: "itemId",
      reason: "unknown item",
    });
  });

  it("ignores unknown ranges and half filters", () => {
    expect(parse("range=2y").range).toBe("24h");
    expect(parse("field=itemId")).toEqual(DEFAULT_EVENTS_QUERY);
  });

  it("round-trips, leaving defaults out", () => {
    const query = { range: "1h" as const, field: "value", reason: "a & b = c" };
    expect(parse(eventsHref(query).split("?")[1] ?? "")).toEqual(query);
    expect(eventsHref(DEFAULT_EVENTS_QUERY)).toBe("/events");
    expect(eventsHref({ ...DEFAULT_EVENTS_QUERY, range: "all" })).toBe("/events?range=all");
  });
});
