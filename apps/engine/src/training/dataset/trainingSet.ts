// Point-in-time-correct training sets: one row per impression in [from, to), with the features as
// they were at the impression time t and the labels observed in [t, t + W).
//
// How it stays correct and bounded:
// - The event log is streamed in (occurred_at, id) order with keyset pagination (eventLog.ts; the
//   next page is fetched while this one is replayed, so at most two pages are in memory), from the
//   beginning of the log (or `warmupFrom`) so that decayed and windowed state is warmed up exactly
//   as the online store's was.
// - Events are handled in runs of equal timestamp t: first the features of the impressions stamped
//   t are read from the replay state, which holds exactly the events with occurred_at < t (nothing
//   at or after t — an event at exactly t is never a feature); then the run's events label the open
//   examples (label windows start at t inclusive, see trainingLabels.ts); then the run is applied to
//   the state. So no feature can see its own label, or anything later.
// - Features come from FeatureReplay: the online writer and reader over an in-process store on the
//   replay clock — the same code the engine serves with (featureReplay.ts). Item categories are read
//   once up front (itemCategorySnapshot.ts) instead of one query per batch of unseen items.
// Speed (default demo world, 985k events → 808k examples): ~2.5× less CPU than the first version,
// byte-identical output; what remains is mostly the online store and feature reader themselves.
// - An example is written as soon as its label window closes; memory holds the feature state plus
//   W worth of impressions.
// Events are read up to to + W so the last examples get complete label windows (if the log ends
// earlier, those examples are labelled with what exists).
import type { Database } from "@cascade/db";
import { silentProgress, type ProgressReporter } from "../../telemetry/progress.ts";
import type { ItemCategoryLookup } from "../../features/itemCategories.ts";
import { featureRegistry, type FeatureRegistry } from "../../features/registry.ts";
import { countEventLog, groupByTimestamp, readEventLog, type LoggedEvent } from "./eventLog.ts";
import { FeatureReplay } from "./featureReplay.ts";
import { snapshotItemCategories } from "./itemCategorySnapshot.ts";
import { openTableWriter, type ColumnSpec, type TableFormat } from "./tableWriters.ts";
import type { SampledExample, SampledNegativeExamples } from "./sampledNegatives.ts";
import { LABELS, labelOfEvent, PendingExamples, type Label, type PendingExample } from "./trainingLabels.ts";

export const DEFAULT_LABEL_WINDOW_MS = 30 * 60_000;

export type TrainingSetOptions = {
  /** Impressions at or after this time… */
  from: Date;
  /** …and before this one become examples. */
  to: Date;
  out: string;
  format: TableFormat;
  /** W: how long after an impression an outcome still counts (default 30 min). */
  labelWindowMs?: number;
  /** Where the replay starts (default: the first event in the log; later is faster but approximate). */
  warmupFrom?: Date;
  pageSize?: number;
  progress?: ProgressReporter;
  itemCategories?: ItemCategoryLookup;
  registry?: FeatureRegistry;
  /**
   * Where examples come from: logged impressions labelled by what followed (default), or, for logs
   * without impressions, each positive event with sampled negatives (sampledNegatives.ts).
   */
  examples?: { kind: "impressions" } | { kind: "sampledNegatives"; sampler: SampledNegativeExamples };
};

export type TrainingSetSummary = {
  out: string;
  format: TableFormat;
  examples: number;
  eventsRead: number;
  /** Examples with each label set. */
  positives: Record<Label, number>;
  columns: string[];
  labelWindowMs: number;
};

const META_COLUMNS: readonly ColumnSpec[] = [
  { name: "request_id", kind: "string", nullable: true },
  { name: "user_id", kind: "string", nullable: false },
  { name: "item_id", kind: "string", nullable: false },
  { name: "impression_at", kind: "timestamp", nullable: false },
  { name: "surface", kind: "string", nullable: true },
  { name: "position", kind: "int", nullable: true },
  { name: "propensity", kind: "float", nullable: true },
];
const LABEL_COLUMNS: readonly ColumnSpec[] = [
  ...LABELS.map((label): ColumnSpec => ({ name: `label_${label}`, kind: "int", nullable: false })),
  { name: "watch_seconds", kind: "float", nullable: false },
];

/** Columns that describe an example or label it; every other column of a training set is a feature. */
export const TRAINING_SET_META_COLUMN_NAMES: readonly string[] = META_COLUMNS.map((column) => column.name);
export const TRAINING_SET_LABEL_COLUMN_NAMES: readonly string[] = LABEL_COLUMNS.map((column) => column.name);

/** The columns of a training set: metadata, labels, then one column per registered feature. */
export function trainingSetColumns(registry: FeatureRegistry = featureRegistry): ColumnSpec[] {
  return [...META_COLUMNS, ...LABEL_COLUMNS, ...registry.names.map((name): ColumnSpec => ({ name, kind: "float", nullable: false }))];
}

export async function buildTrainingSet(db: Database, options: TrainingSetOptions): Promise<TrainingSetSummary> {
  const fromMs = options.from.getTime();
  const toMs = options.to.getTime();
  if (!(fromMs < toMs)) throw new RangeError("training set: --from must be before --to");
  const windowMs = options.labelWindowMs ?? DEFAULT_LABEL_WINDOW_MS;
  const registry = options.registry ?? featureRegistry;
  const progress = options.progress ?? silentProgress;
  const columns = trainingSetColumns(registry);
  const range = { ...(options.warmupFrom ? { from: options.warmupFrom } : {}), to: new Date(toMs + windowMs), pageSize: options.pageSize ?? 5_000 };

  const sampler = options.examples?.kind === "sampledNegatives" ? options.examples.sampler : null;
  const replay = new FeatureReplay({ itemCategories: options.itemCategories ?? (await snapshotItemCategories(db)), registry });
  const pending = new PendingExamples(windowMs);
  const writer = openTableWriter(options.out, options.format, columns);
  const positives = Object.fromEntries(LABELS.map((label) => [label, 0])) as Record<Label, number>;
  let examples = 0;
  let eventsRead = 0;
  const values: (string | number | null)[] = new Array<string | number | null>(columns.length).fill(null);
  const write = async (example: PendingExample) => {
    examples += 1;
    for (const label of LABELS) positives[label] += example.labels[label];
    fillValues(example, registry.names, values);
    await writer.writeValues(values);
  };

  progress.start("training set: events", await countEventLog(db, range));
  try {
    for await (const group of groupByTimestamp(readEventLog(db, range))) {
      eventsRead += group.events.length;
      progress.increment(group.events.length);
      for (const example of pending.closeBefore(group.atMs)) await write(example);
      const inRange = group.atMs >= fromMs && group.atMs < toMs;
      if (sampler) {
        if (inRange) for (const example of await sampledExamples(replay, sampler, group.events, group.atMs)) await write(example);
        sampler.observe(group.events);
      } else {
        if (inRange) await addExamples(replay, pending, group.events, group.atMs);
        for (const event of group.events) pending.observe(event);
      }
      // Later events only label; the state is not needed past `to`.
      if (group.atMs < toMs) await replay.apply(group.events, group.atMs);
    }
    for (const example of pending.drain()) await write(example);
  } finally {
    progress.stop();
    await writer.close();
    await replay.close();
  }
  return { out: options.out, format: options.format, examples, eventsRead, positives, columns: columns.map((column) => column.name), labelWindowMs: windowMs };
}

/** The impressions stamped `atMs`, with features read before this run is applied (one read per user). */
async function addExamples(replay: FeatureReplay, pending: PendingExamples, events: readonly LoggedEvent[], atMs: number): Promise<void> {
  const byUser = new Map<string, LoggedEvent[]>();
  for (const event of events) {
    if (event.type !== "impression") continue;
    const list = byUser.get(event.userId);
    if (list) list.push(event);
    else byUser.set(event.userId, [event]);
  }
  for (const [userId, impressions] of byUser) {
    const vectors = await replay.read(
      userId,
      impressions.map((impression) => impression.itemId),
      atMs,
    );
    impressions.forEach((impression, index) => pending.add(impression, vectors[index]!.features));
  }
}

/**
 * The sampled examples of the positives stamped `atMs` (features read before this run is applied,
 * one read per user). A positive's labels say what the event was; its negatives are all zero.
 */
async function sampledExamples(
  replay: FeatureReplay,
  sampler: SampledNegativeExamples,
  events: readonly LoggedEvent[],
  atMs: number,
): Promise<PendingExample[]> {
  const out: PendingExample[] = [];
  for (const [userId, rows] of sampler.examplesAt(events, atMs)) {
    const vectors = await replay.read(
      userId,
      rows.map((row) => row.itemId),
      atMs,
    );
    rows.forEach((row, index) => out.push(sampledExample(row, vectors[index]!.features)));
  }
  return out;
}

function sampledExample(row: SampledExample, features: Record<string, number>): PendingExample {
  const labels = Object.fromEntries(LABELS.map((label) => [label, 0])) as Record<Label, 0 | 1>;
  let watchSeconds = 0;
  if (row.positive) {
    // Every positive is at least a click (a rating, a play, a purchase all began with choosing the item).
    labels.click = 1;
    const label = labelOfEvent(row.event.type);
    if (label && label !== "negative") labels[label] = 1;
    if (row.event.type === "watch") watchSeconds = row.event.value ?? 0;
  }
  const { event } = row;
  return {
    impression: {
      ...event,
      type: "impression",
      itemId: row.itemId,
      requestId: `sampled:${event.eventId}`,
      position: null,
      surface: null,
      propensity: row.propensity,
    },
    features,
    labels,
    watchSeconds,
  };
}

/** One example's cells in trainingSetColumns order: metadata, labels, then the registry's features. */
function fillValues(example: PendingExample, featureNames: readonly string[], values: (string | number | null)[]): void {
  const { impression, labels, features } = example;
  let index = 0;
  values[index++] = impression.requestId;
  values[index++] = impression.userId;
  values[index++] = impression.itemId;
  values[index++] = impression.occurredAt;
  values[index++] = impression.surface;
  values[index++] = impression.position;
  values[index++] = impression.propensity;
  for (const label of LABELS) values[index++] = labels[label];
  values[index++] = example.watchSeconds;
  for (const name of featureNames) values[index++] = features[name] ?? null;
}
