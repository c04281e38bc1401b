// The offline side of the feature store: replays the event log, in time order, into an in-process
// OnlineStore whose clock is the replay time, using the online writer and reader themselves.
//
// Why this is the same computation as serving: the state is built by `applyEventsToOnlineStore`
// (same counters, same `opsFor`, same expiry rules, evaluated at the replay clock) in a store held
// to the same contract suite as Redis, and read back by `readOnlineFeatures` (same `reads`, same
// `compute`). The only things that differ are the clock (event time instead of wall time) and the
// ledger (off: the log is already unique by event id).
//
// Point in time: the caller reads at t before applying the events stamped t, so a read at t sees
// exactly the events with occurred_at < t.
import { createMemoryOnlineStore } from "../../stores/memoryOnlineStore.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import type { FeatureEvent } from "../../features/featureEvent.ts";
import type { ItemCategoryLookup } from "../../features/itemCategories.ts";
import { readOnlineFeatures, type ItemFeatureVector } from "../../features/onlineFeatureReader.ts";
import { applyEventsToOnlineStore } from "../../features/onlineFeatureWriter.ts";
import { featureRegistry, type FeatureRegistry } from "../../features/registry.ts";
import { withMemoizedUserFeatures } from "./userFeatureMemo.ts";

export type FeatureReplayOptions = { itemCategories: ItemCategoryLookup; registry?: FeatureRegistry };

export class FeatureReplay {
  private clockMs = Number.NEGATIVE_INFINITY;
  private readonly store: OnlineStore;
  private readonly registry: FeatureRegistry;

  constructor(private readonly options: FeatureReplayOptions) {
    this.registry = withMemoizedUserFeatures(options.registry ?? featureRegistry);
    // Expired-key sweeps follow the replay clock too; once an hour of wall time is plenty.
    this.store = createMemoryOnlineStore({ now: () => this.clockMs, sweepIntervalMs: 3_600_000 });
  }

  /** Applies events that all happened at `atMs` (never earlier than anything applied or read before). */
  async apply(events: readonly FeatureEvent[], atMs: number): Promise<void> {
    this.advance(atMs);
    await applyEventsToOnlineStore(this.store, events, new Date(atMs), {
      itemCategories: this.options.itemCategories,
      registry: this.registry,
      idempotent: false,
      recordFreshness: false,
    });
  }

  /** Feature vectors as of `atMs`: the state holds the events applied so far (all before `atMs`). */
  async read(userId: string, itemIds: readonly string[], atMs: number): Promise<ItemFeatureVector[]> {
    this.advance(atMs);
    return readOnlineFeatures(this.store, { userId, itemIds, at: new Date(atMs) }, { itemCategories: this.options.itemCategories, registry: this.registry });
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  private advance(atMs: number): void {
    if (atMs < this.clockMs) throw new RangeError(`replay time went backwards: ${atMs} < ${this.clockMs}`);
    this.clockMs = atMs;
  }
}
