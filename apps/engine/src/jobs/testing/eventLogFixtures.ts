// Helpers for integration tests of the offline jobs: write events straight into the Postgres log.
import type { EventType } from "@cascade/core";
import type { Database } from "@cascade/db";

export type FixtureEvent = {
  eventId: string;
  type: EventType;
  userId: string;
  itemId: string;
  occurredAt: number;
  value?: number | null;
  requestId?: string;
  position?: number;
  surface?: string;
  propensity?: number;
};

export async function insertEvents(db: Database, events: readonly FixtureEvent[]): Promise<void> {
  await db.event.createMany({
    data: events.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      userId: event.userId,
      itemId: event.itemId,
      occurredAt: new Date(event.occurredAt),
      value: event.value ?? null,
      requestId: event.requestId ?? null,
      position: event.position ?? null,
      surface: event.surface ?? null,
      propensity: event.propensity ?? null,
    })),
  });
}

export async function insertItems(db: Database, items: Readonly<Record<string, string>>): Promise<void> {
  await db.item.createMany({
    data: Object.entries(items).map(([id, category]) => ({ id, category, publishedAt: new Date(0) })),
    skipDuplicates: true,
  });
}
