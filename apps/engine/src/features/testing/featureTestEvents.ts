// A small deterministic event history for feature tests: a few users and items in two categories,
// impressions followed by clicks, likes, watches, hides and purchases over a couple of days.
import type { EventType } from "@cascade/core";
import type { FeatureEvent } from "../featureEvent.ts";
import { fixedItemCategories } from "../itemCategories.ts";

export const TEST_CATEGORIES = { "item-a": "music", "item-b": "music", "item-c": "sports", "item-d": "news" } as const;
export const testItemCategories = fixedItemCategories(TEST_CATEGORIES);

/** Park–Miller: a tiny seeded generator so the history is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return state / 2_147_483_647;
  };
}

export function testEventHistory(options: { startMs: number; count: number; seed?: number }): FeatureEvent[] {
  const random = seeded(options.seed ?? 7);
  const users = ["user-1", "user-2", "user-3"];
  const items = Object.keys(TEST_CATEGORIES);
  const outcomes: EventType[] = ["click", "like", "watch", "hide", "purchase", "share", "rating", "dislike"];
  const events: FeatureEvent[] = [];
  let time = options.startMs;
  for (let index = 0; events.length < options.count; index += 1) {
    // Gaps from a second to a few hours, so every window and era sees traffic and silence.
    time += Math.floor(1_000 + random() ** 4 * 4 * 3_600_000);
    const userId = users[Math.floor(random() * users.length)]!;
    const itemId = items[Math.floor(random() * items.length)]!;
    events.push({ eventId: `ev-${index}-i`, type: "impression", userId, itemId, occurredAt: time });
    if (random() < 0.5) {
      const type = outcomes[Math.floor(random() * outcomes.length)]!;
      const value = type === "watch" ? Math.round(random() * 300) : type === "rating" ? Math.round(random() * 10) : type === "purchase" ? 20 : undefined;
      events.push({
        eventId: `ev-${index}-o`,
        type,
        userId,
        itemId,
        occurredAt: time + Math.floor(random() * 5_000),
        ...(value === undefined ? {} : { value }),
      });
    }
  }
  return events.sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : 1));
}
