// The offline-log consumer's experiment rollups on real PostgreSQL: each newly stored event counts
// once for every exposure of its user (current phase, from the exposure on, up to the experiment's
// or the variant's stop) into experiment_unit_days, experiment_variant_items and
// experiment_source_clicks; redelivered events add nothing; concurrent batches neither deadlock
// nor lose counts; and rebuildExperimentRollups recomputes exactly the same rows from the logs
// (and counts what the consumer could not: events stored before their user's exposure).
import { randomUUID } from "node:crypto";
import type { StreamEvent } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { rebuildExperimentRollups } from "@cascade/db/experimentResults";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventLogPool, writeToEventLog } from "./offlineLogConsumer.ts";

const run = `xr${randomUUID().slice(0, 8)}`;
const logger = pino({ level: "silent" });
let db: Database;
let pool: ReturnType<typeof createEventLogPool>;

const DAY = 86_400_000;
const T0 = Date.parse("2026-11-02T20:00:00Z");

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
  pool = createEventLogPool(process.env.TEST_DATABASE_URL!, 4, logger);
  await db.surface.create({ data: { id: run, name: run } });
});

afterAll(async () => {
  await db.surface.deleteMany({ where: { id: run } }); // experiments, variants and exposures cascade
  for (const table of ["experiment_unit_days", "experiment_variant_items", "experiment_source_clicks"])
    await db.$executeRawUnsafe(`DELETE FROM ${table} WHERE experiment_id LIKE $1`, `${run}%`);
  await db.event.deleteMany({ where: { userId: { startsWith: run } } });
  await pool.end();
  await db.$disconnect();
});

type ExposureSeed = { unitId: string; userId: string; variant: "a" | "b"; exposedAt: number; phase?: number };
type Setup = { id: string; phase: number; stoppedAt: number | null; variantStops: Record<"a" | "b", number | null>; variantIds: Record<"a" | "b", string> };

async function createExperiment(
  name: string,
  options: { phase?: number; stoppedAt?: number | null; variantStops?: Partial<Record<"a" | "b", number>> } = {},
): Promise<Setup> {
  const id = `${run}-${name}`;
  const phase = options.phase ?? 1;
  await db.experiment.create({
    data: {
      id,
      key: id,
      name,
      surfaceId: run,
      status: options.stoppedAt ? "stopped" : "running",
      salt: name,
      phase,
      startedAt: new Date(T0 - DAY),
      phaseStartedAt: new Date(T0 - DAY),
      stoppedAt: options.stoppedAt ? new Date(options.stoppedAt) : null,
      variants: {
        create: (["a", "b"] as const).map((key) => ({
          id: `${id}-${key}`,
          key,
          name: key,
          weight: 0.5,
          isControl: key === "a",
          stoppedAt: options.variantStops?.[key] ? new Date(options.variantStops[key]) : null,
          stopReason: options.variantStops?.[key] ? "guardrail" : null,
        })),
      },
    },
  });
  return {
    id,
    phase,
    stoppedAt: options.stoppedAt ?? null,
    variantStops: { a: options.variantStops?.a ?? null, b: options.variantStops?.b ?? null },
    variantIds: { a: `${id}-a`, b: `${id}-b` },
  };
}

async function expose(experiment: Setup, exposures: readonly ExposureSeed[]): Promise<void> {
  await db.exposure.createMany({
    data: exposures.map((exposure) => ({
      experimentId: experiment.id,
      phase: exposure.phase ?? experiment.phase,
      variantId: experiment.variantIds[exposure.variant],
      unitId: exposure.unitId,
      userId: exposure.userId,
      exposedAt: new Date(exposure.exposedAt),
    })),
  });
}

type UnitDay = {
  variantId: string;
  impressions: number;
  clicks: number;
  likes: number;
  watchSeconds: number;
  purchases: number;
  revenue: number;
  negativeFeedback: number;
};
type Rollups = { unitDays: Map<string, UnitDay>; items: Set<string>; sourceClicks: Map<string, number> };

/** The rollups the rules give, computed in JavaScript independently of the SQL. */
function expectedRollups(experiment: Setup, exposures: readonly ExposureSeed[], events: readonly StreamEvent[]): Rollups {
  const rollups: Rollups = { unitDays: new Map(), items: new Set(), sourceClicks: new Map() };
  for (const exposure of exposures) {
    if ((exposure.phase ?? experiment.phase) !== experiment.phase) continue;
    const variantId = experiment.variantIds[exposure.variant];
    const variantStop = experiment.variantStops[exposure.variant];
    for (const event of events) {
      if (event.userId !== exposure.userId || event.occurredAt < exposure.exposedAt) continue;
      if (experiment.stoppedAt !== null && event.occurredAt > experiment.stoppedAt) continue;
      if (variantStop !== null && event.occurredAt > variantStop) continue;
      const key = `${exposure.unitId}/${new Date(event.occurredAt).toISOString().slice(0, 10)}`;
      const row = rollups.unitDays.get(key) ?? {
        variantId,
        impressions: 0,
        clicks: 0,
        likes: 0,
        watchSeconds: 0,
        purchases: 0,
        revenue: 0,
        negativeFeedback: 0,
      };
      rollups.unitDays.set(key, row);
      if (event.type === "impression") {
        row.impressions += 1;
        rollups.items.add(`${variantId}/${event.itemId}`);
      }
      if (event.type === "click") {
        row.clicks += 1;
        const source = `${variantId}/${(event.context?.source as string | undefined) ?? ""}`;
        rollups.sourceClicks.set(source, (rollups.sourceClicks.get(source) ?? 0) + 1);
      }
      if (event.type === "like") row.likes += 1;
      if (event.type === "watch") row.watchSeconds += event.value!;
      if (event.type === "purchase") {
        row.purchases += 1;
        row.revenue += event.value!;
      }
      if (event.type === "hide" || event.type === "dislike") row.negativeFeedback += 1;
    }
  }
  return rollups;
}

async function storedRollups(experiment: Setup): Promise<Rollups> {
  const where = { experimentId: experiment.id, phase: experiment.phase };
  const [unitDays, items, sources] = await Promise.all([
    db.experimentUnitDay.findMany({ where }),
    db.experimentVariantItem.findMany({ where }),
    db.experimentSourceClicks.findMany({ where }),
  ]);
  return {
    unitDays: new Map(
      unitDays.map((row) => [
        `${row.unitId}/${row.day.toISOString().slice(0, 10)}`,
        {
          variantId: row.variantId,
          impressions: row.impressions,
          clicks: row.clicks,
          likes: row.likes,
          watchSeconds: row.watchSeconds,
          purchases: row.purchases,
          revenue: row.revenue,
          negativeFeedback: row.negativeFeedback,
        },
      ]),
    ),
    items: new Set(items.map((row) => `${row.variantId}/${row.itemId}`)),
    sourceClicks: new Map(sources.map((row) => [`${row.variantId}/${row.source}`, row.clicks])),
  };
}

const TYPES = ["impression", "impression", "impression", "click", "like", "watch", "purchase", "hide", "dislike", "rating", "share"] as const;

/** n events spread over four days around T0 for the given users; clicks carry a source half the time. */
function makeEvents(tag: string, users: readonly string[], n: number, from = T0 - 6 * 3_600_000): StreamEvent[] {
  return Array.from({ length: n }, (_, k) => {
    const type = TYPES[k % TYPES.length]!;
    const event: StreamEvent = {
      eventId: `${run}-${tag}-${k}`,
      type,
      userId: users[(k * 7) % users.length]!,
      itemId: `${run}-i${(k * 3) % 17}`,
      occurredAt: from + Math.floor((k * 4 * DAY) / n),
      receivedAt: T0 + 5 * DAY,
    };
    if (type === "watch") event.value = 5 + (k % 9);
    if (type === "purchase") event.value = 1.25 * (1 + (k % 4));
    if (type === "rating") event.value = 3;
    if (type === "click" && k % 2 === 0) event.context = { source: k % 4 === 0 ? "popularity" : "similar" };
    return event;
  });
}

describe("experiment rollups written with the event log", () => {
  it("count each new event once per exposure of its user, within the phase and stops, and equal a rebuild from the logs", async () => {
    const users = Array.from({ length: 8 }, (_, k) => `${run}-u${k}`);
    // Variant b is stopped 2.5 days in; the experiment itself 3.5 days in.
    const experiment = await createExperiment("main", { phase: 2, stoppedAt: T0 + 3.5 * DAY, variantStops: { b: T0 + 2.5 * DAY } });
    const exposures: ExposureSeed[] = [
      ...users.slice(0, 6).map((userId, k) => ({ unitId: userId, userId, variant: (k % 2 === 0 ? "a" : "b") as "a" | "b", exposedAt: T0 + k * 3_600_000 })),
      // A unit other than the user (e.g. context.session): its user's events count for it too.
      { unitId: `${run}-session-x`, userId: users[1]!, variant: "a", exposedAt: T0 + DAY },
      // An exposure from the previous phase counts for nothing now.
      { unitId: users[6]!, userId: users[6]!, variant: "b", exposedAt: T0 - DAY, phase: 1 },
    ];
    await expose(experiment, exposures);
    // Another experiment sharing users (a different layer): its rollups are its own.
    const other = await createExperiment("other");
    const otherExposures: ExposureSeed[] = users.slice(2, 8).map((userId, k) => ({ unitId: userId, userId, variant: k % 2 === 0 ? "b" : "a", exposedAt: T0 }));
    await expose(other, otherExposures);

    const first = makeEvents("first", users, 400);
    const second = makeEvents("second", users, 300, T0 - 2 * 3_600_000);
    await writeToEventLog(pool, first);
    // Redelivery of the whole first batch plus a new one: only the new events count.
    const redelivered = await writeToEventLog(pool, [...first, ...second]);
    expect(redelivered).toEqual({ inserted: second.length, duplicates: first.length });
    // Concurrent batches over the same unit-days: no deadlock, nothing lost.
    const concurrent = [0, 1, 2, 3].map((k) => makeEvents(`par${k}`, users, 150, T0 + k * 3_600_000));
    await Promise.all(concurrent.map((batch) => writeToEventLog(pool, batch)));

    const events = [...first, ...second, ...concurrent.flat()];
    const expected = expectedRollups(experiment, exposures, events);
    const stored = await storedRollups(experiment);
    expect(stored.unitDays.size).toBeGreaterThan(10);
    expect(stored.unitDays).toEqual(expected.unitDays);
    expect(stored.items).toEqual(expected.items);
    expect(stored.sourceClicks).toEqual(expected.sourceClicks);
    expect([...stored.sourceClicks.keys()].some((key) => key.endsWith("/"))).toBe(true); // clicks without a source
    // The rules cut something: the stopped variant, the stopped experiment and events before exposure.
    const everything = expectedRollups({ ...experiment, stoppedAt: null, variantStops: { a: null, b: null } }, exposures, events);
    expect(everything.unitDays.size).toBeGreaterThan(expected.unitDays.size);
    expect(await storedRollups(other)).toEqual(expectedRollups(other, otherExposures, events));

    // A rebuild from the logs gives the very same rows.
    const rebuilt = await rebuildExperimentRollups(db, experiment.id);
    expect(rebuilt).toEqual({ phase: 2, unitDays: expected.unitDays.size, items: expected.items.size, sources: expected.sourceClicks.size });
    expect(await storedRollups(experiment)).toEqual(expected);

    // Events stored before a user's exposure row existed are missed by the consumer; a rebuild counts them.
    const late: ExposureSeed = { unitId: users[7]!, userId: users[7]!, variant: "a", exposedAt: T0 };
    await expose(experiment, [late]);
    const withLate = expectedRollups(experiment, [...exposures, late], events);
    expect((await storedRollups(experiment)).unitDays).toEqual(expected.unitDays);
    expect(withLate.unitDays.size).toBeGreaterThan(expected.unitDays.size);
    await rebuildExperimentRollups(db, experiment.id);
    expect(await storedRollups(experiment)).toEqual(withLate);
    // …and events arriving after the rebuild add on top of it exactly once.
    const after = makeEvents("after", users, 120, T0 + 3_600_000);
    await writeToEventLog(pool, after);
    await writeToEventLog(pool, after);
    expect(await storedRollups(experiment)).toEqual(expectedRollups(experiment, [...exposures, late], [...events, ...after]));
  });

  it("a rebuild running beside the consumer neither deadlocks nor double-counts", async () => {
    const users = Array.from({ length: 5 }, (_, k) => `${run}-r${k}`);
    const experiment = await createExperiment("race");
    const exposures: ExposureSeed[] = users.map((userId, k) => ({ unitId: userId, userId, variant: k % 2 === 0 ? "a" : "b", exposedAt: T0 - DAY }));
    await expose(experiment, exposures);
    const batches = Array.from({ length: 6 }, (_, k) => makeEvents(`race${k}`, users, 80, T0 - 12 * 3_600_000 + k * 60_000));
    await Promise.all([
      ...batches.map((batch) => writeToEventLog(pool, batch)),
      rebuildExperimentRollups(db, experiment.id),
      rebuildExperimentRollups(db, experiment.id),
    ]);
    expect(await storedRollups(experiment)).toEqual(expectedRollups(experiment, exposures, batches.flat()));
  });
});
