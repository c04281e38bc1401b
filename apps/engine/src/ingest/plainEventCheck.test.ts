import { eventInput, eventTypes, MAX_CONTEXT_KEYS, MAX_PURCHASE_VALUE } from "@cascade/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findUnstorableStrings, timestampProblem } from "../postgres/storableValues.ts";
import { plainEventCheck, plainEventCheckEnabled } from "./plainEventCheck.ts";

/** What the careful path (zod + storability) accepts, without keys zod keeps as undefined. */
function carefulAccepts(payload: unknown): Record<string, unknown> | null {
  const parsed = eventInput.safeParse(payload);
  if (!parsed.success) return null;
  if (findUnstorableStrings(parsed.data).length > 0 || timestampProblem(parsed.data.timestamp)) return null;
  return Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined));
}

const nearBoundaryString = (maxLength: number, alphabet: fc.Arbitrary<string>) =>
  fc.oneof(fc.string({ unit: alphabet, minLength: 0, maxLength: 4 }), fc.string({ unit: alphabet, minLength: maxLength - 1, maxLength: maxLength + 1 }));
const idCharacters = fc.oneof(fc.constantFrom(..."Aa09._:@-".split("")), fc.constantFrom(" ", "{", "/", "é", "\u0000", "\uD800", "\uDC00", "😀"));
const anyCharacters = fc.oneof(fc.constantFrom(..."ab. {}".split("")), fc.constantFrom("\u0000", "\uD800", "\uDFFF", "😀", "\uD83D"));
const timestamps = fc.oneof(
  fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    "2026-03-01T12:00:00Z",
    "2026-03-01T12:00:00.123456789+15:59",
    "2026-03-01T12:00:00+16:00",
    "2026-03-01T12:00:00-23:59",
    "2026-03-01T12:00:00+0100",
    "2026-03-01T12:00:00",
    "2026-03-01t12:00:00z",
    "0000-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999Z",
    "1970-01-01T00:00:00Z",
    "1970-01-01T00:59:59+01:00",
    "1970-01-01T01:00:00+01:00",
    "2024-02-29T00:00:00Z",
    "2026-02-29T00:00:00Z",
    "2026-03-01T24:00:00Z",
  ),
  fc.string({ maxLength: 30 }),
);
const numbers = fc.oneof(
  fc.constantFrom(
    -1,
    -0,
    0,
    0.5,
    1,
    1.0000001,
    9.99,
    10,
    10.5,
    86_400,
    86_401,
    10_000,
    10_001,
    2 ** 53,
    1e12,
    1e12 + 0.001,
    1e308,
    Number.MAX_VALUE,
    Infinity,
    NaN,
  ),
  fc.double(),
  fc.integer({ min: -5, max: 20_000 }),
);
const odd = fc.constantFrom(null, "3", true, [], {});

/** Mostly-valid values first, so that a good share of payloads pass and the property has teeth. */
const mostly = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: other, weight: 1 });
const validId = fc.stringMatching(/^[A-Za-z0-9._:@-]{1,20}$/);

const payloads = fc.record(
  {
    eventId: mostly(validId, fc.oneof(nearBoundaryString(128, anyCharacters), odd)),
    type: mostly(fc.constantFrom(...eventTypes), fc.constantFrom("teleport", "Click", "")),
    userId: mostly(validId, fc.oneof(nearBoundaryString(128, idCharacters), odd)),
    itemId: mostly(validId, fc.oneof(nearBoundaryString(128, idCharacters), odd)),
    timestamp: mostly(fc.constant("2026-03-01T12:00:00.5+01:00"), timestamps),
    value: mostly(fc.double({ min: 0, max: 10, noNaN: true }), fc.oneof(numbers, odd)),
    requestId: mostly(fc.string({ maxLength: 10 }), fc.oneof(nearBoundaryString(64, anyCharacters), odd)),
    position: mostly(fc.integer({ min: 0, max: 10_000 }), fc.oneof(numbers, odd)),
    surface: mostly(fc.stringMatching(/^[a-z0-9_-]{1,10}$/), fc.oneof(nearBoundaryString(64, fc.constantFrom(..."az09_-A ".split(""))), odd)),
    propensity: mostly(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.oneof(numbers, odd)),
    context: mostly(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()), {
        maxKeys: 3,
      }),
      fc.oneof(
        fc.dictionary(nearBoundaryString(64, anyCharacters), fc.oneof(nearBoundaryString(256, anyCharacters), numbers, fc.boolean(), odd), { maxKeys: 4 }),
        odd,
      ),
    ),
    extra: fc.anything(),
  },
  { requiredKeys: ["eventId", "type", "userId", "itemId", "timestamp"] },
);
let fastAccepted = 0;

describe("plainEventCheck", () => {
  it("is switched on (it found zod's timestamp pattern)", () => {
    expect(plainEventCheckEnabled).toBe(true);
  });

  it("accepts only what the careful path accepts, with the same result", () => {
    fc.assert(
      fc.property(payloads, (payload) => {
        const fast = plainEventCheck(payload);
        if (fast === null) return;
        fastAccepted += 1;
        expect(fast).toEqual(carefulAccepts(payload));
      }),
      { numRuns: 20_000 },
    );
    // The generator is tuned so that many payloads pass: otherwise the property says little.
    expect(fastAccepted).toBeGreaterThan(1_000);
    // 20k generated payloads take ~1 s on an idle core; CI machines can be far busier.
  }, 60_000);

  it("accepts plainly valid events of every type (the fast path is not a no-op)", () => {
    const base = { eventId: "e-1", userId: "user-1", itemId: "item:1", timestamp: "2026-03-01T12:00:00.123+02:00" };
    for (const type of eventTypes) {
      const payload = { ...base, type, value: 3, surface: "home", position: 0, propensity: 1, requestId: "", context: { device: "ios", n: 1, beta: false } };
      const fast = plainEventCheck(payload);
      expect(fast, type).not.toBeNull();
      expect(fast).toEqual(carefulAccepts(payload));
    }
  });

  it("agrees with the careful path at the bounds of issue 13 (context keys, purchase value, 1970)", () => {
    const base = { eventId: "e-1", type: "click", userId: "u", itemId: "i", timestamp: "2026-03-01T12:00:00Z" };
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, n) => [`k${n}`, n]));
    const cases = [
      { ...base, context: keys(MAX_CONTEXT_KEYS) },
      { ...base, context: keys(MAX_CONTEXT_KEYS + 1) },
      { ...base, type: "purchase", value: MAX_PURCHASE_VALUE },
      { ...base, type: "purchase", value: MAX_PURCHASE_VALUE * (1 + Number.EPSILON) },
      { ...base, timestamp: "1970-01-01T00:00:00Z" },
      { ...base, timestamp: "1969-12-31T23:59:59.999Z" },
      { ...base, timestamp: "0001-01-01T00:00:00Z" },
    ];
    expect(cases.map((payload) => carefulAccepts(payload) !== null)).toEqual([true, false, true, false, true, false, false]);
    // Past a bound the fast path never accepts; within, it answers what the careful path answers.
    for (const payload of cases) {
      const fast = plainEventCheck(payload);
      if (fast !== null) expect(fast).toEqual(carefulAccepts(payload));
    }
    // The plain in-range ones do take the fast path.
    expect(plainEventCheck(cases[0]!)).not.toBeNull();
    expect(plainEventCheck(cases[2]!)).not.toBeNull();
    expect(plainEventCheck(cases[4]!)).not.toBeNull();
  });

  it("leaves odd-but-valid events to the careful path", () => {
    const base = { eventId: "e-1", type: "click", userId: "u", itemId: "i", timestamp: "2026-03-01T12:00:00Z" };
    for (const payload of [
      { ...base, eventId: "emoji 😀" },
      { ...base, context: { note: "😀" } },
    ]) {
      expect(plainEventCheck(payload)).toBeNull();
    }
    // …which accepts them: only speed differs.
    expect(carefulAccepts({ ...base, eventId: "emoji 😀" })).not.toBeNull();
  });
});
