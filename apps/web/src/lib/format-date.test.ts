import { describe, expect, it } from "vitest";
import {
  formatIsoDayLong,
  formatIsoDayShort,
  formatUtcDate,
  formatUtcDateTime,
  formatUtcDateTimeSeconds,
  formatUtcDayTime,
  formatUtcTime,
} from "./format-date.ts";

describe("UTC date formatting", () => {
  const date = new Date("2026-03-05T07:04:59.999Z");

  it("prints UTC whatever the machine's time zone", () => {
    expect(formatUtcDateTime(date)).toBe("2026-03-05 07:04 UTC");
    expect(formatUtcDate(date)).toBe("5 Mar 2026");
    expect(formatUtcTime(date)).toBe("07:04");
    expect(formatUtcDayTime(date)).toBe("Mar 5 07:04");
    expect(formatUtcDateTimeSeconds(date)).toBe("2026-03-05 07:04:59 UTC");
  });

  it("formats chart days", () => {
    expect(formatIsoDayShort("2026-11-20")).toBe("Nov 20");
    expect(formatIsoDayLong("2026-11-20")).toBe("20 Nov 2026");
    expect(formatIsoDayShort("not a day")).toBe("not a day");
  });
});
