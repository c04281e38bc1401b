// The demo world's event log has the structure a recommender should be able to learn, and the
// logging metadata off-policy evaluation needs. Statistical checks use generous margins on a
// fixed seed, so they are deterministic, not flaky.
import { describe, expect, it } from "vitest";
import { generateDemoEvents, type DemoEvent } from "./eventStream.ts";
import { affinity } from "./groundTruth.ts";
import { LOGGING_POLICY } from "./loggingPolicy.ts";
import { DAY_MS, generateWorld, WORLD_PARAMETERS } from "./world.ts";
import { resolveDemoConfig } from "./worldConfig.ts";

const END = Date.UTC(2025, 5, 1);
const config = resolveDemoConfig("tiny", { endAtMs: END });
const world = generateWorld(config);
const events = [...generateDemoEvents(world)];

/** Identifies the slot an event belongs to: (session, request, position). */
const slotKey = (event: DemoEvent) => event.session * 1_000 + event.request * 20 + event.position;

function take<T>(iterable: Iterable<T>, count: number): T[] {
  const taken: T[] = [];
  for (const value of iterable) {
    taken.push(value);
    if (taken.length === count) break;
  }
  return taken;
}

describe("generateDemoEvents: determinism", () => {
  it("gives identical events for the same seed", () => {
    expect(take(generateDemoEvents(generateWorld(config)), 2_000)).toEqual(events.slice(0, 2_000));
  });

  it("gives different events for a different seed", () => {
    const other = take(generateDemoEvents(generateWorld({ ...config, seed: config.seed + 1 })), 2_000);
    expect(other).not.toEqual(events.slice(0, 2_000));
  });
});

describe("generateDemoEvents: shape of the log", () => {
  it("lands near the configured number of events", () => {
    expect(events.length).toBeGreaterThan(config.events * 0.8);
    expect(events.length).toBeLessThan(config.events * 1.2);
  });

  it("is in time order within the window, numbered consecutively", () => {
    const misplaced = events.filter(
      (event, index) =>
        event.sequence !== index ||
        (index > 0 && event.timeMs < events[index - 1]!.timeMs) ||
        event.timeMs < world.windowStartMs ||
        event.timeMs > world.windowEndMs,
    );
    expect(misplaced).toEqual([]);
  });

  it("only shows items that are published and not taken down, to users who have joined", () => {
    const impossible = events.filter(
      (event) =>
        event.type === "impression" &&
        (world.items.publishedAtMs[event.item]! > event.timeMs ||
          world.items.availableUntilMs[event.item]! <= event.timeMs ||
          world.users.joinedAtMs[event.user]! > event.timeMs),
    );
    expect(impossible).toEqual([]);
  });

  it("logs each request as impressions at positions 0..n−1 with surface and propensity", () => {
    const requests = new Map<string, DemoEvent[]>();
    for (const event of events) {
      if (event.type !== "impression") continue;
      const key = `${event.session}/${event.request}`;
      requests.set(key, [...(requests.get(key) ?? []), event]);
    }
    for (const impressions of requests.values()) {
      const positions = impressions.map((event) => event.position).sort((a, b) => a - b);
      expect(positions).toEqual(positions.map((_, index) => index));
      expect(positions.length).toBeLessThanOrEqual(LOGGING_POLICY.slateLength[impressions[0]!.surface]);
      expect(new Set(impressions.map((event) => event.item)).size).toBe(impressions.length);
    }
    const surfaces = new Set(events.map((event) => event.surface));
    expect(surfaces).toEqual(new Set(["home", "related"]));
  });

  it("attributes every follow-up event to an impression of the same item, with its propensity", () => {
    const impressions = new Map<number, DemoEvent>();
    for (const event of events) if (event.type === "impression") impressions.set(slotKey(event), event);
    const unattributed = events.filter((event) => {
      if (event.type === "impression") return false;
      const shown = impressions.get(slotKey(event));
      return !shown || shown.item !== event.item || shown.propensity !== event.propensity || shown.timeMs > event.timeMs;
    });
    expect(unattributed).toEqual([]);
  });

  it("has every event type, with values where they belong", () => {
    const types = new Set(events.map((event) => event.type));
    expect(types).toEqual(new Set(["impression", "click", "like", "share", "watch", "purchase", "rating", "hide", "dislike"]));
    const wrongValue = events.filter((event) => {
      if (event.type === "watch") return !(event.value !== null && event.value >= 1);
      if (event.type === "purchase") return event.value !== world.items.price[event.item];
      if (event.type === "rating") return ![1, 2, 3, 4, 5].includes(event.value ?? 0);
      return event.value !== null;
    });
    expect(wrongValue).toEqual([]);
  });

  it("logs propensities in (0, 1], never below the exploration floor", () => {
    const floor = LOGGING_POLICY.exploration / LOGGING_POLICY.maxPool;
    const outOfRange = events.filter((event) => !(event.propensity >= floor && event.propensity <= 1));
    expect(outOfRange).toEqual([]);
  });
});

describe("generateDemoEvents: learnable structure", () => {
  const clickedSlots = new Set(events.filter((event) => event.type === "click").map(slotKey));
  const impressions = events.filter((event) => event.type === "impression");

  it("clicks high-affinity impressions several times more often than low-affinity ones", () => {
    const byAffinity = impressions
      .map((event) => ({ a: affinity(world, event.user, event.item), clicked: clickedSlots.has(slotKey(event)) }))
      .sort((x, y) => x.a - y.a);
    const decile = Math.floor(byAffinity.length / 10);
    const rate = (slice: typeof byAffinity) => slice.filter((entry) => entry.clicked).length / slice.length;
    const bottom = rate(byAffinity.slice(0, decile));
    const top = rate(byAffinity.slice(-decile));
    expect(top).toBeGreaterThan(4 * bottom);
  });

  it("shows position bias: the first slot is clicked more than the tenth", () => {
    const ctrAt = (position: number) => {
      const shown = impressions.filter((event) => event.position === position);
      return shown.filter((event) => clickedSlots.has(slotKey(event))).length / shown.length;
    };
    expect(ctrAt(0)).toBeGreaterThan(2 * ctrAt(9));
  });

  it("hides low-affinity items more than high-affinity ones", () => {
    const hidden = events.filter((event) => event.type === "hide" || event.type === "dislike");
    const meanAffinity = (list: DemoEvent[]) => list.reduce((sum, event) => sum + affinity(world, event.user, event.item), 0) / list.length;
    expect(meanAffinity(hidden)).toBeLessThan(meanAffinity(impressions) - 0.2);
  });

  it("has a long tail: the top 10% of items take a large share of clicks, the top 1% not most", () => {
    const perItem = new Array<number>(world.items.count).fill(0);
    let clicks = 0;
    for (const event of events) {
      if (event.type !== "click") continue;
      perItem[event.item]! += 1;
      clicks += 1;
    }
    perItem.sort((a, b) => b - a);
    const shareOfTop = (fraction: number) => perItem.slice(0, Math.ceil(world.items.count * fraction)).reduce((sum, count) => sum + count, 0) / clicks;
    // Popular items are still popular (several times their share), but personal taste spreads the
    // rest over the catalogue instead of a handful of hits taking everything.
    expect(shareOfTop(0.1)).toBeGreaterThan(0.35);
    expect(shareOfTop(0.01)).toBeLessThan(0.25);
  });

  it("has fresh items (last 2 days) with few events", () => {
    const freshSince = END - WORLD_PARAMETERS.freshDays * DAY_MS;
    const fresh = new Set<number>();
    for (let i = 0; i < world.items.count; i += 1) if (world.items.publishedAtMs[i]! >= freshSince) fresh.add(i);
    expect(fresh.size).toBeGreaterThan(0);
    const freshEvents = events.filter((event) => fresh.has(event.item)).length;
    const meanFresh = freshEvents / fresh.size;
    const meanOther = (events.length - freshEvents) / (world.items.count - fresh.size);
    expect(meanFresh).toBeLessThan(meanOther / 2);
  });
});
