// One user session: a few recommendation requests, each logged as impressions with request id,
// position, surface and propensity, followed by what the user did with them (behaviour model in
// groundTruth.ts). A session's events depend only on the world and the session's own random
// stream, so any session can be regenerated on its own.
import {
  BEHAVIOUR_PARAMETERS,
  affinity,
  examinationProbability,
  followsCreatorAt,
  hideProbability,
  likeProbability,
  purchaseProbability,
  ratingStars,
  relevanceFrom,
  watchedShare,
} from "./groundTruth.ts";
import type { DemoSurface, LoggingPolicy } from "./loggingPolicy.ts";
import type { Random } from "@cascade/core";
import type { DemoWorld } from "./world.ts";

export type SimulatedEventType = "impression" | "click" | "like" | "share" | "watch" | "purchase" | "rating" | "hide" | "dislike";

/** An event with indices instead of ids (cheap to produce; ids are formatted when written). */
export type SimulatedEvent = {
  type: SimulatedEventType;
  user: number;
  item: number;
  timeMs: number;
  /** watch seconds, purchase price or rating stars; null otherwise */
  value: number | null;
  session: number;
  /** The request's number within its session (the request id is built from both). */
  request: number;
  position: number;
  surface: DemoSurface;
  /** The logging policy's propensity for this slot (copied onto the slot's follow-up events). */
  propensity: number;
  /** The item a `related` request was anchored on, -1 otherwise. */
  anchorItem: number;
  /** Generation order within the whole stream; breaks timestamp ties when merging sessions. */
  order: number;
  /** Position in the emitted stream (the event id is demo-<seed>-<sequence>); -1 until emitted. */
  sequence: number;
};

export type ScheduledSession = { index: number; user: number; startMs: number };

export const SESSION_PARAMETERS = {
  /** Requests per session = 1 + Geometric with this mean, capped. */
  meanExtraRequests: 2,
  maxRequests: 12,
  /** After a request with a click, the next one is `related` (anchored on that click) this often. */
  relatedAfterClick: 0.35,
  /** Milliseconds: browsing before a click, pause between requests, delays of follow-ups. */
  meanBrowseBeforeClickMs: 5_000,
  meanPauseBetweenRequestsMs: 15_000,
  meanPurchaseDelayMs: 20_000,
} as const;

/**
 * Simulates `session` and hands each event to `emit` (not in time order: the stream merges
 * sessions by timestamp). `nextOrder` numbers the events for tie-breaking.
 */
export function simulateSession(
  world: DemoWorld,
  policy: LoggingPolicy,
  random: Random,
  session: ScheduledSession,
  emit: (event: SimulatedEvent) => void,
  nextOrder: () => number,
): void {
  const S = SESSION_PARAMETERS;
  const B = BEHAVIOUR_PARAMETERS;
  const { user } = session;
  const requests = Math.min(S.maxRequests, 1 + geometric(random, S.meanExtraRequests));
  let cursor = session.startMs;
  let lastClicked = -1;

  for (let request = 0; request < requests; request += 1) {
    const related = request > 0 && lastClicked >= 0 && random.chance(S.relatedAfterClick);
    const surface: DemoSurface = related ? "related" : "home";
    const anchorItem = related ? lastClicked : -1;
    const requestMs = cursor;
    const slate = policy.serve(random, { user, timeMs: requestMs, surface, anchorItem });

    // One object literal with every field in a fixed order: all events share one hidden class,
    // which keeps this hot path fast (a spread of a shared base object was 3x slower).
    const event = (type: SimulatedEventType, item: number, position: number, timeMs: number, value: number | null = null) =>
      emit({
        type,
        user,
        item,
        timeMs: Math.floor(timeMs),
        value,
        session: session.index,
        request,
        position,
        surface,
        propensity: slate.propensities[position]!,
        anchorItem,
        order: nextOrder(),
        sequence: -1,
      });

    const clicked: number[] = [];
    for (let position = 0; position < slate.items.length; position += 1) {
      const item = slate.items[position]!;
      // A slate's impressions all carry the serve time: features "as of" an impression must not
      // include the same slate's other impressions, which did not exist when it was served.
      event("impression", item, position, requestMs);
      if (!random.chance(examinationProbability(position))) continue;
      const a = affinity(world, user, item);
      const follow = followsCreatorAt(world, user, world.items.creator[item]!, requestMs) ? 1 : 0;
      if (random.chance(relevanceFrom(a, world.items.quality[item]!, follow))) {
        clicked.push(position);
      } else {
        const hide = hideProbability(a);
        const roll = random.next();
        const seenAtMs = requestMs + 1_500 + 700 * position;
        if (roll < hide) event("hide", item, position, seenAtMs);
        else if (roll < hide * (1 + B.dislikeShareOfHide)) event("dislike", item, position, seenAtMs);
      }
    }

    cursor = requestMs + 1_000;
    for (const position of clicked) {
      const item = slate.items[position]!;
      const a = affinity(world, user, item);
      const follow = followsCreatorAt(world, user, world.items.creator[item]!, requestMs) ? 1 : 0;
      cursor += 1_000 + random.exponential(S.meanBrowseBeforeClickMs);
      event("click", item, position, cursor);
      if (random.chance(B.watchAfterClick)) {
        const seconds = Math.max(1, Math.round(world.items.durationSeconds[item]! * watchedShare(a, random.normal())));
        cursor += seconds * 1_000;
        event("watch", item, position, cursor, seconds);
      }
      if (random.chance(likeProbability(a, follow))) {
        event("like", item, position, cursor + 500);
        if (random.chance(B.shareOfLikes)) event("share", item, position, cursor + 800);
      }
      const price = world.items.price[item]!;
      if (price > 0 && random.chance(purchaseProbability(a, world.items.quality[item]!))) {
        event("purchase", item, position, cursor + 2_000 + random.exponential(S.meanPurchaseDelayMs), price);
      }
      if (random.chance(B.ratingAfterClick)) event("rating", item, position, cursor + 1_500, ratingStars(a, random.normal()));
      cursor += 3_000;
      lastClicked = item;
    }
    cursor += 2_000 + random.exponential(S.meanPauseBetweenRequestsMs);
  }
}

/** Number of failures before the first success, with the given mean. */
function geometric(random: Random, mean: number): number {
  const success = 1 / (1 + mean);
  return Math.floor(Math.log(1 - random.next()) / Math.log(1 - success));
}
