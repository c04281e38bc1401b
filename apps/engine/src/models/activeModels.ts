// The model versions this engine serves with, one per slot (retrieval, ranker, itemToItem), kept in
// step with the registry's active versions.
//
// Hot swap: a new version is loaded completely off to the side (artifact read, digest checked,
// contract checked, session created); only then does one reference change. A request takes the
// reference once (`ranker()` / `retrieval()`) and uses that object to the end, so in-flight requests
// finish on the version they started with. The replaced ranker's ONNX session is released only
// after `releaseGraceMs` and once its in-flight `score` calls have finished.
//
// A version that fails to load (missing or corrupt file, wrong shape, features this engine does
// not compute) is refused: logged, counted, reported as `lastError` in /v1/health, and the old
// version keeps serving. It is not retried until the registry's active version for that slot
// changes again (a corrupt file does not heal by itself; re-hashing it every poll would only burn
// CPU).
//
// Changes arrive by `LISTEN cascade_model_changed` (when a database URL is given) and, as a
// fallback for lost notifications, by polling every `pollIntervalMs`.
import { getActiveModelVersions, modelSlots, type Database, type ModelSlot, type ModelVersion } from "@cascade/db";
import type { Logger } from "pino";
import { ArtifactError } from "./artifactStore.ts";
import { defaultModelLoaders, type ModelLoaders } from "./modelLoaders.ts";
import { listenForModelChanges, type ModelChangeListener } from "./modelChangeListener.ts";
import type { ServingRanker } from "../ranking/servingRanker.ts";
import type { LoadedModel, ServingItemToItem, ServingRetrieval } from "./servingModels.ts";
import { DeferredReleases, trackRanker, type TrackedRanker } from "./trackedRanker.ts";

export type ActiveModelSummary = { id: string; kind: string; version: number; name: string; loadedAt: string };

export type ModelLoadError = { slot: ModelSlot; modelId: string; version: number; message: string; at: string };

export type ActiveModelsStatus = {
  retrieval: ActiveModelSummary | null;
  ranker: ActiveModelSummary | null;
  /** optional for status objects built elsewhere (tests, benchmarks); ActiveModels always sets it */
  itemToItem?: ActiveModelSummary | null;
  /** the most recent refused version, while the slot still has not loaded a newer one */
  lastError?: ModelLoadError;
  /** versions refused since start */
  loadFailures: number;
};

export type ActiveModelsOptions = {
  db: Database;
  logger: Pick<Logger, "info" | "warn" | "error" | "debug">;
  /** enables LISTEN/NOTIFY; without it changes are seen by polling only */
  databaseUrl?: string;
  loaders?: Partial<ModelLoaders>;
  /** default 10 s; 0 disables polling */
  pollIntervalMs?: number;
  /** how long a swapped-out ranker stays usable before its session is released; default 30 s */
  releaseGraceMs?: number;
  listenReconnectDelayMs?: number;
  /** Called after a slot starts serving another version (or none), e.g. to update metrics. */
  onServingChange?: (slot: ModelSlot, model: ActiveModelSummary | null) => void;
};

type Slots = { retrieval: LoadedModel<ServingRetrieval> | null; ranker: LoadedModel<TrackedRanker> | null; itemToItem: LoadedModel<ServingItemToItem> | null };

export class ActiveModels {
  private readonly loaders: ModelLoaders;
  private readonly loaded: Slots = { retrieval: null, ranker: null, itemToItem: null };
  /** per slot, the version id last refused, so polling does not retry it */
  private readonly refused = new Map<ModelSlot, string>();
  private lastError: ModelLoadError | undefined;
  private loadFailures = 0;
  private refreshing: Promise<void> = Promise.resolve();
  private refreshQueued = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private listener: ModelChangeListener | null = null;
  /** swapped-out rankers waiting for their grace period and in-flight calls before release */
  private readonly releases: DeferredReleases;
  private stopped = false;

  constructor(private readonly options: ActiveModelsOptions) {
    this.loaders = { ...defaultModelLoaders, ...options.loaders };
    this.releases = new DeferredReleases(options.logger, options.releaseGraceMs ?? 30_000);
  }

  /** The ranker to use for one request (hold on to it for the whole request), or null. */
  ranker(): LoadedModel<ServingRanker> | null {
    return this.loaded.ranker;
  }

  /** The retrieval model to use for one request, or null. */
  retrieval(): LoadedModel<ServingRetrieval> | null {
    return this.loaded.retrieval;
  }

  /** The item-to-item model to use for one request, or null. */
  itemToItem(): LoadedModel<ServingItemToItem> | null {
    return this.loaded.itemToItem;
  }

  status(): ActiveModelsStatus {
    return {
      retrieval: summary(this.loaded.retrieval),
      ranker: summary(this.loaded.ranker),
      itemToItem: summary(this.loaded.itemToItem),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      loadFailures: this.loadFailures,
    };
  }

  /** Loads the registry's active versions, then follows changes (LISTEN + poll). */
  async start(): Promise<void> {
    await this.refresh();
    if (this.stopped) return;
    if (this.options.databaseUrl) {
      this.listener = listenForModelChanges({
        databaseUrl: this.options.databaseUrl,
        logger: this.options.logger,
        onChange: () => void this.refresh(),
        ...(this.options.listenReconnectDelayMs !== undefined ? { reconnectDelayMs: this.options.listenReconnectDelayMs } : {}),
      });
    }
    const interval = this.options.pollIntervalMs ?? 10_000;
    if (interval > 0) {
      this.pollTimer = setInterval(() => void this.refresh(), interval);
      this.pollTimer.unref();
    }
  }

  /**
   * Brings every slot in line with the registry. Calls are serialised; calls made while one runs
   * collapse into one more run after it. Never throws: a database outage keeps the current models.
   */
  refresh(): Promise<void> {
    if (this.refreshQueued) return this.refreshing;
    this.refreshQueued = true;
    this.refreshing = this.refreshing.then(async () => {
      this.refreshQueued = false;
      if (this.stopped) return;
      try {
        await this.syncWithRegistry();
      } catch (error) {
        this.options.logger.warn({ err: error }, "could not read the active model versions; keeping the loaded ones");
      }
    });
    return this.refreshing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.listener?.stop();
    await this.refreshing;
    const ranker = this.loaded.ranker;
    this.loaded.ranker = null;
    this.loaded.retrieval = null;
    this.loaded.itemToItem = null;
    if (ranker) await ranker.model.drainAndRelease();
    // Shutting down: no new request will pick these up, so only in-flight calls are waited for.
    await this.releases.releaseAllNow();
  }

  private async syncWithRegistry(): Promise<void> {
    const active = await getActiveModelVersions(this.options.db);
    for (const slot of modelSlots) {
      const target = active[slot];
      const current = this.loaded[slot];
      if (!target) {
        if (current) {
          this.options.logger.info({ slot, modelId: current.version.id }, "no active version in the registry any more; unloading");
          this.replace(slot, null);
        }
        continue;
      }
      if (current?.version.id === target.id) {
        // The registry is back on what we serve (e.g. rolled back past a refused version): a later
        // promote of the refused version gets a fresh attempt, and the error is no longer current.
        this.refused.delete(slot);
        if (this.lastError?.slot === slot) this.lastError = undefined;
        continue;
      }
      if (this.refused.get(slot) === target.id) continue;
      await this.load(slot, target);
    }
  }

  private async load(slot: ModelSlot, version: ModelVersion): Promise<void> {
    const began = performance.now();
    try {
      if (slot === "ranker") {
        const model = trackRanker(await this.loaders.ranker(version));
        if (this.stopped) return void (await model.drainAndRelease());
        this.replace(slot, { version, loadedAt: new Date(), model });
      } else if (slot === "itemToItem") {
        const model = await this.loaders.itemToItem(version);
        if (this.stopped) return;
        this.replace(slot, { version, loadedAt: new Date(), model });
      } else {
        const model = await this.loaders.retrieval(version);
        if (this.stopped) return;
        this.replace(slot, { version, loadedAt: new Date(), model });
      }
      this.refused.delete(slot);
      if (this.lastError?.slot === slot) this.lastError = undefined;
      this.options.logger.info(
        { slot, modelId: version.id, kind: version.kind, version: version.version, name: version.name, loadMs: Math.round(performance.now() - began) },
        "model version loaded and serving",
      );
    } catch (error) {
      const message = describeLoadFailure(error);
      this.refused.set(slot, version.id);
      this.loadFailures += 1;
      this.lastError = { slot, modelId: version.id, version: version.version, message, at: new Date().toISOString() };
      const keeping = this.loaded[slot]?.version.id ?? null;
      this.options.logger.error({ err: error, slot, modelId: version.id, keeping }, "refused model version; the previous one keeps serving");
    }
  }

  private replace(slot: ModelSlot, next: Slots[ModelSlot]): void {
    if (slot === "ranker") {
      const previous = this.loaded.ranker;
      this.loaded.ranker = next as Slots["ranker"];
      if (previous) this.releaseLater(previous.model);
    } else if (slot === "itemToItem") {
      this.loaded.itemToItem = next as Slots["itemToItem"];
    } else {
      // Retrieval models hold no native sessions; the garbage collector frees them once the last
      // in-flight request lets go.
      this.loaded.retrieval = next as Slots["retrieval"];
    }
    try {
      this.options.onServingChange?.(slot, summary(next));
    } catch (error) {
      this.options.logger.warn({ err: error, slot }, "onServingChange failed");
    }
  }

  private releaseLater(ranker: TrackedRanker): void {
    this.releases.releaseLater(ranker);
  }
}

/** A load failure as one line without server paths (health, logs, skipped experiments). */
export function describeLoadFailure(error: unknown): string {
  if (error instanceof ArtifactError) {
    return error.reason === "missing"
      ? "an artifact file is missing"
      : error.reason === "digest_mismatch"
        ? "an artifact file is corrupt (sha256 differs from the registry)"
        : "the artifact is invalid";
  }
  const message = error instanceof Error ? error.message : String(error);
  // keep file names, drop the directories they live in
  return message.replace(/\/(?:[^\s/:"'()]+\/)+([^\s/:"'()]+)/g, "$1");
}

function summary(loaded: LoadedModel<unknown> | null): ActiveModelSummary | null {
  if (!loaded) return null;
  const { id, kind, version, name } = loaded.version;
  return { id, kind, version, name, loadedAt: loaded.loadedAt.toISOString() };
}
