// Model versions that running experiments pin (a variant's `overrides.models`), held beside the
// active ones so a request in that variant ranks or retrieves with its own version. The running
// experiments say which ids they want (`sync`); versions no longer wanted are let go (a ranker's
// session after the grace period and its in-flight calls, as on a hot swap).
//
// Loading reuses the active models' loaders (digest checked, contract checked), so a pinned version
// is served exactly as it would be once promoted. A version that fails to load is remembered with
// its reason and not retried while it stays wanted (a corrupt file does not heal); the experiment
// that pins it is not served (runningExperiments.ts), never served half-applied.
//
// Memory: each pinned retrieval version holds its vectors and HNSW index, like the active one.
import type { Database, ModelVersion } from "@cascade/db";
import type { Logger } from "pino";
import type { ServingRanker } from "../ranking/servingRanker.ts";
import { describeLoadFailure } from "./activeModels.ts";
import { defaultModelLoaders, type ModelLoaders } from "./modelLoaders.ts";
import type { LoadedModel, ServingRetrieval } from "./servingModels.ts";
import { DeferredReleases, trackRanker, type TrackedRanker } from "./trackedRanker.ts";

export type PinnedSlot = "ranker" | "retrieval";

export type PinnedModelIds = Record<PinnedSlot, ReadonlySet<string>>;

export type PinnedModelsOptions = {
  db: Database;
  logger: Pick<Logger, "info" | "warn">;
  loaders?: Partial<ModelLoaders>;
  /** How long a ranker no longer wanted stays usable before its session is released; default 30 s. */
  releaseGraceMs?: number;
};

const RANKER_KINDS = new Set(["ranker", "external_ranker"]);

export class PinnedModels {
  private readonly loaders: ModelLoaders;
  private readonly rankers = new Map<string, LoadedModel<TrackedRanker>>();
  private readonly retrievals = new Map<string, LoadedModel<ServingRetrieval>>();
  private readonly failures = new Map<string, string>();
  private readonly releases: DeferredReleases;

  constructor(private readonly options: PinnedModelsOptions) {
    this.loaders = { ...defaultModelLoaders, ...options.loaders };
    this.releases = new DeferredReleases(options.logger, options.releaseGraceMs ?? 30_000);
  }

  ranker(id: string): LoadedModel<ServingRanker> | null {
    return this.rankers.get(id) ?? null;
  }

  retrieval(id: string): LoadedModel<ServingRetrieval> | null {
    return this.retrievals.get(id) ?? null;
  }

  /** Why a wanted version is not loaded (unknown id, wrong kind, corrupt artifact…), if it failed. */
  failure(id: string): string | undefined {
    return this.failures.get(id);
  }

  /** Loads what is wanted and not held, lets go of what is held and not wanted. Never throws. */
  async sync(wanted: PinnedModelIds): Promise<void> {
    for (const [id, loaded] of this.rankers) {
      if (wanted.ranker.has(id)) continue;
      this.rankers.delete(id);
      this.releases.releaseLater(loaded.model);
    }
    for (const id of this.retrievals.keys()) if (!wanted.retrieval.has(id)) this.retrievals.delete(id);
    for (const id of this.failures.keys()) if (!wanted.ranker.has(id) && !wanted.retrieval.has(id)) this.failures.delete(id);

    const missing = [...wanted.ranker].filter((id) => !this.rankers.has(id) && !this.failures.has(id));
    const missingRetrieval = [...wanted.retrieval].filter((id) => !this.retrievals.has(id) && !this.failures.has(id));
    if (missing.length + missingRetrieval.length === 0) return;
    let versions: ModelVersion[];
    try {
      versions = await this.options.db.modelVersion.findMany({ where: { id: { in: [...missing, ...missingRetrieval] } } });
    } catch (error) {
      this.options.logger.warn({ err: error }, "could not read pinned model versions; trying again at the next refresh");
      return;
    }
    const byId = new Map(versions.map((version) => [version.id, version]));
    for (const [slot, ids] of [
      ["ranker", missing],
      ["retrieval", missingRetrieval],
    ] as const) {
      for (const id of ids) await this.load(slot, id, byId.get(id));
    }
  }

  private async load(slot: PinnedSlot, id: string, version: ModelVersion | undefined): Promise<void> {
    if (!version) return void this.failures.set(id, `unknown model version "${id}"`);
    if (slot === "ranker" ? !RANKER_KINDS.has(version.kind) : version.kind !== "two_tower")
      return void this.failures.set(id, `model version "${id}" is a ${version.kind}, not a ${slot} model`);
    if (version.status === "retired") return void this.failures.set(id, `model version "${id}" is retired`);
    try {
      if (slot === "ranker") this.rankers.set(id, { version, loadedAt: new Date(), model: trackRanker(await this.loaders.ranker(version)) });
      else this.retrievals.set(id, { version, loadedAt: new Date(), model: await this.loaders.retrieval(version) });
      this.options.logger.info({ slot, modelId: id, kind: version.kind, version: version.version }, "pinned model version loaded for an experiment");
    } catch (error) {
      const reason = describeLoadFailure(error);
      this.failures.set(id, reason);
      this.options.logger.warn({ slot, modelId: id, reason }, "pinned model version refused");
    }
  }

  async close(): Promise<void> {
    for (const loaded of this.rankers.values()) this.releases.releaseLater(loaded.model);
    this.rankers.clear();
    this.retrievals.clear();
    await this.releases.releaseAllNow();
  }
}
