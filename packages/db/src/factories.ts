// Seed factories: plain rows for the catalogue, users, follows and events, with defaults for every
// column and overrides for what a test cares about. Shared by tests and the demo generator
// (DESIGN.md convention 5), so both build rows the same way. The rows fit Prisma's createMany
// inputs (`db.item.createMany({ data: [buildItem()] })`) and the demo's COPY writer.
//
// Ids are `<prefix>-<kind>-<n>`: unique within a factory set, and across test files that share a
// database as long as each file uses its own prefix (the default prefix is random per module
// load for exactly that reason). Pass a fixed prefix when a test needs predictable ids.
import { randomBytes } from "node:crypto";
import type { EventType, Prisma } from "./generated/prisma/client.ts";

export type CreatorSeed = {
  id: string;
  name: string;
  attributes: Prisma.InputJsonObject;
  createdAt: Date;
};

export type ItemSeed = {
  id: string;
  title: string;
  category: string;
  creatorId: string | null;
  tags: string[];
  publishedAt: Date;
  available: boolean;
  attributes: Prisma.InputJsonObject;
  createdAt: Date;
};

export type UserSeed = {
  id: string;
  attributes: Prisma.InputJsonObject;
  createdAt: Date;
};

export type FollowSeed = {
  userId: string;
  creatorId: string;
  createdAt: Date;
};

export type EventSeed = {
  eventId: string;
  type: EventType;
  userId: string;
  itemId: string;
  occurredAt: Date;
  /** watch seconds, purchase value or rating; null for other types */
  value: number | null;
  requestId: string | null;
  position: number | null;
  surface: string | null;
  propensity: number | null;
  /** Omitted (not null) when absent: Prisma's createMany wants JsonNull, not null, for JSON. */
  context?: Prisma.InputJsonObject;
};

export type SeedFactories = {
  readonly prefix: string;
  /** A new id `<prefix>-<kind>-<n>`; n counts per factory set. */
  nextId(kind: string): string;
  buildCreator(overrides?: Partial<CreatorSeed>): CreatorSeed;
  buildItem(overrides?: Partial<ItemSeed>): ItemSeed;
  buildUser(overrides?: Partial<UserSeed>): UserSeed;
  /** A follow needs a user and a creator; fresh ids are made up when not given. */
  buildFollow(overrides?: Partial<FollowSeed>): FollowSeed;
  /** An impression by default; pass userId/itemId to link it to rows you created. */
  buildEvent(overrides?: Partial<EventSeed>): EventSeed;
};

export function createSeedFactories(prefix: string = randomPrefix()): SeedFactories {
  if (!/^[A-Za-z0-9._:@-]+$/.test(prefix)) throw new Error(`factory prefix ${JSON.stringify(prefix)} is not a valid id part`);
  let counter = 0;
  const nextId = (kind: string): string => `${prefix}-${kind}-${++counter}`;

  return {
    prefix,
    nextId,
    buildCreator(given = {}) {
      const overrides = definedOnly(given);
      const id = overrides.id ?? nextId("creator");
      return { id, name: `Creator ${id}`, attributes: {}, createdAt: new Date(), ...overrides };
    },
    buildItem(given = {}) {
      const overrides = definedOnly(given);
      const id = overrides.id ?? nextId("item");
      const publishedAt = overrides.publishedAt ?? new Date();
      return {
        id,
        title: `Item ${id}`,
        category: "general",
        creatorId: null,
        tags: [],
        publishedAt,
        available: true,
        attributes: {},
        createdAt: publishedAt,
        ...overrides,
      };
    },
    buildUser(given = {}) {
      const overrides = definedOnly(given);
      return { id: overrides.id ?? nextId("user"), attributes: {}, createdAt: new Date(), ...overrides };
    },
    buildFollow(given = {}) {
      const overrides = definedOnly(given);
      return {
        userId: overrides.userId ?? nextId("user"),
        creatorId: overrides.creatorId ?? nextId("creator"),
        createdAt: new Date(),
        ...overrides,
      };
    },
    buildEvent(given = {}) {
      const overrides = definedOnly(given);
      return {
        eventId: overrides.eventId ?? nextId("event"),
        type: "impression",
        userId: overrides.userId ?? nextId("user"),
        itemId: overrides.itemId ?? nextId("item"),
        occurredAt: new Date(),
        value: null,
        requestId: null,
        position: null,
        surface: null,
        propensity: null,
        ...overrides,
      };
    },
  };
}

/**
 * Drops keys whose value is undefined, so `{ id: undefined }` keeps the default id. A plain loop
 * (not Object.entries/fromEntries): the demo builds a million rows through these factories.
 */
function definedOnly<T extends object>(overrides: Partial<T>): Partial<T> {
  let hasUndefined = false;
  for (const key in overrides) if (overrides[key] === undefined) hasUndefined = true;
  if (!hasUndefined) return overrides;
  const defined: Partial<T> = {};
  for (const key in overrides) if (overrides[key] !== undefined) defined[key] = overrides[key];
  return defined;
}

function randomPrefix(): string {
  return `t${randomBytes(4).toString("hex")}`;
}

const defaultFactories = createSeedFactories();

/** Factories with this module's random prefix; use createSeedFactories(prefix) for your own. */
export const buildCreator = defaultFactories.buildCreator;
export const buildItem = defaultFactories.buildItem;
export const buildUser = defaultFactories.buildUser;
export const buildFollow = defaultFactories.buildFollow;
export const buildEvent = defaultFactories.buildEvent;
