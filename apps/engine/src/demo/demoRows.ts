// The demo world as database rows, built with the shared seed factories so the demo and the
// tests describe catalogue rows the same way. Generators: rows are produced one at a time while
// COPY consumes them, so a million items never exist as a million objects at once.
import { createSeedFactories, type CreatorSeed, type EventSeed, type FollowSeed, type ItemSeed, type UserSeed } from "@cascade/db/factories";
import { creatorId, demoEventId, demoRequestId, itemId, userId } from "./demoIds.ts";
import { creatorName, itemFormatTag, itemTitle, userCountry } from "./demoNames.ts";
import type { DemoEvent } from "./eventStream.ts";
import { DAY_MS, type DemoWorld } from "./world.ts";

// Every column is set explicitly below, so the prefix never shows; it only names the source.
const factories = createSeedFactories("demo");

/** Creators exist before anything they published (the backlog starts 180 days before the window). */
const CREATORS_SINCE_DAYS = 240;

export function* creatorRows(world: DemoWorld): Generator<CreatorSeed> {
  const createdAt = new Date(world.windowStartMs - CREATORS_SINCE_DAYS * DAY_MS);
  for (let c = 0; c < world.creators.count; c += 1) {
    yield factories.buildCreator({
      id: creatorId(c),
      name: creatorName(c),
      attributes: { category: world.categories.names[world.creators.category[c]!]! },
      createdAt,
    });
  }
}

export function* itemRows(world: DemoWorld): Generator<ItemSeed> {
  const { items } = world;
  for (let i = 0; i < items.count; i += 1) {
    const category = world.categories.names[items.category[i]!]!;
    const price = items.price[i]!;
    const publishedAt = new Date(items.publishedAtMs[i]!);
    yield factories.buildItem({
      id: itemId(i),
      title: itemTitle(i, category),
      category,
      creatorId: creatorId(items.creator[i]!),
      tags: [category, itemFormatTag(i)],
      publishedAt,
      available: items.availableUntilMs[i] === Number.POSITIVE_INFINITY,
      attributes: price > 0 ? { durationSeconds: items.durationSeconds[i]!, price } : { durationSeconds: items.durationSeconds[i]! },
      createdAt: publishedAt,
    });
  }
}

export function* userRows(world: DemoWorld): Generator<UserSeed> {
  for (let u = 0; u < world.users.count; u += 1) {
    yield factories.buildUser({ id: userId(u), attributes: { country: userCountry(u) }, createdAt: new Date(world.users.joinedAtMs[u]!) });
  }
}

export function* followRows(world: DemoWorld): Generator<FollowSeed> {
  const { followOffsets, followCreators, followedAtMs } = world.users;
  for (let u = 0; u < world.users.count; u += 1) {
    for (let f = followOffsets[u]!; f < followOffsets[u + 1]!; f += 1) {
      yield factories.buildFollow({ userId: userId(u), creatorId: creatorId(followCreators[f]!), createdAt: new Date(followedAtMs[f]!) });
    }
  }
}

/**
 * A simulated event as an event-log row, e.g. to send it through the ingestion API. (The bulk
 * loader formats COPY lines straight from DemoEvent instead: 10M row objects would cost seconds.)
 */
export function eventRow(world: DemoWorld, event: DemoEvent): EventSeed {
  const row: EventSeed = {
    eventId: demoEventId(world.config.seed, event.sequence),
    type: event.type,
    userId: userId(event.user),
    itemId: itemId(event.item),
    occurredAt: new Date(event.timeMs),
    value: event.value,
    requestId: demoRequestId(world.config.seed, event.session, event.request),
    position: event.position,
    surface: event.surface,
    propensity: event.propensity,
  };
  if (event.anchorItem >= 0) row.context = { anchorItemId: itemId(event.anchorItem) };
  return row;
}
