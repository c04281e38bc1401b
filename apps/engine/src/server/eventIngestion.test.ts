import { describe, expect, it } from "vitest";
import { MAX_FUTURE_SKEW_MS, screenEvents } from "./eventIngestion.ts";

const now = new Date("2026-03-01T12:00:00Z");
const click = (overrides: Record<string, unknown> = {}) => ({
  eventId: "e1",
  type: "click",
  userId: "u1",
  itemId: "i1",
  timestamp: "2026-03-01T11:00:00Z",
  ...overrides,
});

describe("screenEvents", () => {
  it("keeps valid events and rejects each bad one with its field", () => {
    const { valid, rejected } = screenEvents(
      [
        click(),
        click({ type: "teleport" }),
        click({ type: "rating" }),
        click({ userId: "has space" }),
        click({ eventId: "x\u0000" }),
        click({ timestamp: new Date(now.getTime() + MAX_FUTURE_SKEW_MS + 1_000).toISOString() }),
        click({ timestamp: new Date(now.getTime() + MAX_FUTURE_SKEW_MS - 1_000).toISOString() }),
        null,
      ],
      now,
    );
    expect(valid.map((entry) => entry.index)).toEqual([0, 6]);
    expect(rejected.map(({ index, field }) => [index, field])).toEqual([
      [1, "type"],
      [2, "value"],
      [3, "userId"],
      [4, "eventId"],
      [5, "timestamp"],
      [7, "event"],
    ]);
    expect(rejected[0]).toMatchObject({ eventId: "e1", payload: click({ type: "teleport" }) });
    expect(rejected[5]!.eventId).toBeUndefined();
  });
});
