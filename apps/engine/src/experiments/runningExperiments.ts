// The experiments running on each surface, loaded from Postgres and refreshed in the background,
// and the variant a unit is served: the serving assembly asks `resolve` for every request's config
// (RecommendationService.configFor). Assignment is core's (deterministic, stateless: every replica
// and any client hashing the same way agree); this module only maps stored rows onto it and builds
// each variant's SurfaceConfig from the surface's published one, once per published config.
//
// Per request: the unit (the user id, or a request context value for `context.<key>` units; a
// request without it is in no experiment), the coverage in effect now (ramp-up), the layer slice,
// forced QA units and the global holdout (engine setting, the same on every replica) all go through
// core's assignVariant. Forced units are served their variant but not logged as exposures (QA, not
// analysis). A stopped variant (a guardrail or a person stopped it) serves nobody: its units get the
// published config and no experiment. A unit in several running experiments of a surface (different
// layers, or none) is served the one started first.
//
// A variant may pin model versions (retrieval, ranker): PinnedModels loads them beside the active
// ones and the request runs with them. A variant may pin a rule-set version of its surface: its
// overrides apply to that version's config instead of the published one. When a pinned model fails
// to load, or a pinned version does not exist, the experiment is not served (logged, and listed in
// `skipped`), never served half-applied. Variant order, which fixes each variant's hash range, is
// the variant key's (rows have no order).
import {
  assignmentSpecProblems,
  assignVariant,
  effectiveCoverage,
  rampStepSchema,
  surfaceConfigSchema,
  type VariantOverrides,
  type HoldoutSpec,
  type RampStep,
  safeApplyVariantOverrides,
  variantOverridesSchema,
  type ExperimentAssignmentSpec,
  type SurfaceConfig,
} from "@cascade/core";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import { z } from "zod";
import type { PinnedModels } from "../models/pinnedModels.ts";
import type { ServingRanker } from "../ranking/servingRanker.ts";
import type { LoadedModel, ServingRetrieval } from "../models/servingModels.ts";

/** The model versions a variant serves instead of the active ones. */
export type VariantModels = { ranker?: LoadedModel<ServingRanker>; retrieval?: LoadedModel<ServingRetrieval> };

export type ServedVariant = {
  experimentId: string;
  phase: number;
  experiment: string;
  variantId: string;
  variant: string;
  config: SurfaceConfig;
  /** The unit hashed (the user id or the context value). */
  unitId: string;
  /** A forced QA unit: served, but not an exposure. */
  forced: boolean;
  /** Pinned model versions (absent: the active ones). */
  models?: VariantModels;
};

/** Who is asking: the user, and the request context a `context.<key>` unit reads. */
export type ExperimentUnitSource = { userId: string; context?: Readonly<Record<string, string | number | boolean>> };

type LoadedVariant = {
  id: string;
  key: string;
  overrides: VariantOverrides;
  stopped: boolean;
  /** The pinned rule-set version's config, the base of this variant's overrides (absent: the published one). */
  baseConfig?: SurfaceConfig;
};
type LoadedExperiment = {
  id: string;
  key: string;
  phase: number;
  unit: string;
  /** The phase's start (ms), from which the ramp-up runs. */
  phaseStartMs: number;
  rampUp: RampStep[];
  spec: ExperimentAssignmentSpec;
  variants: Map<string, LoadedVariant>;
};

export type SkippedExperiment = { experiment: string; reason: string };

export type RunningExperimentsOptions = {
  db: Database;
  logger: Pick<Logger, "warn" | "error">;
  /** How often the running set is re-read (ms); default 10 s. 0: only by refresh(). */
  refreshIntervalMs?: number;
  /** The global holdout: this share of units is in no experiment (the same on every replica). */
  holdout?: HoldoutSpec | null;
  /** Holds variants' pinned model versions; without it experiments pinning models are not served. */
  pinned?: PinnedModels | null;
};

export class RunningExperiments {
  private bySurface = new Map<string, LoadedExperiment[]>();
  private skippedNow: SkippedExperiment[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Variant configs per published config object (a publish replaces the object, so stale entries go with it). */
  private readonly configs = new WeakMap<SurfaceConfig, Map<string, SurfaceConfig | null>>();

  constructor(private readonly options: RunningExperimentsOptions) {}

  /** Experiments that are running but not served, and why. */
  get skipped(): readonly SkippedExperiment[] {
    return this.skippedNow;
  }

  async start(): Promise<void> {
    await this.refresh().catch((error: unknown) => this.options.logger.error({ err: error }, "running experiments could not be loaded; serving without them"));
    const every = this.options.refreshIntervalMs ?? 10_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        this.refresh().catch((error: unknown) => this.options.logger.warn({ err: error }, "running experiments refresh failed; keeping the last set"));
      }, every);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async refresh(): Promise<void> {
    const rows = await this.options.db.experiment.findMany({
      where: { status: "running" },
      include: { variants: { orderBy: { key: "asc" } } },
      orderBy: [{ startedAt: "asc" }, { createdAt: "asc" }],
    });
    const bySurface = new Map<string, LoadedExperiment[]>();
    const skipped: SkippedExperiment[] = [];
    const candidates: { surfaceId: string; experiment: LoadedExperiment }[] = [];
    for (const row of rows) {
      const layer =
        row.layerKey !== null && row.layerStart !== null && row.layerEnd !== null ? { key: row.layerKey, start: row.layerStart, end: row.layerEnd } : null;
      const forced = z.record(z.string(), z.string()).safeParse(row.forced);
      const rampUp = z.array(rampStepSchema).safeParse(row.rampUp);
      const spec: ExperimentAssignmentSpec = {
        key: row.key,
        seed: row.salt,
        coverage: row.trafficFraction,
        variants: row.variants.map((variant) => ({ key: variant.key, weight: variant.weight })),
        layer,
        forced: forced.success ? forced.data : {},
      };
      const parsed = parseVariants(spec, row.variants);
      const reason = !forced.success ? "forced units do not parse" : !rampUp.success ? "the ramp-up does not parse" : parsed.reason;
      if (reason || !rampUp.success || !parsed.variants) {
        skipped.push({ experiment: row.key, reason: reason ?? "the ramp-up does not parse" });
        continue;
      }
      const variants = new Map<string, LoadedVariant>();
      for (const variant of row.variants) {
        variants.set(variant.key, { id: variant.id, key: variant.key, overrides: parsed.variants.get(variant.key)!, stopped: variant.stoppedAt !== null });
      }
      candidates.push({
        surfaceId: row.surfaceId,
        experiment: {
          id: row.id,
          key: row.key,
          phase: row.phase,
          unit: row.unit,
          phaseStartMs: (row.phaseStartedAt ?? row.startedAt ?? row.createdAt).getTime(),
          rampUp: rampUp.data,
          spec,
          variants,
        },
      });
    }

    // Pinned model versions: held while a running variant wants them.
    const wanted = { ranker: new Set<string>(), retrieval: new Set<string>() };
    for (const { experiment } of candidates)
      for (const variant of experiment.variants.values()) {
        if (variant.overrides.models?.ranker) wanted.ranker.add(variant.overrides.models.ranker);
        if (variant.overrides.models?.retrieval) wanted.retrieval.add(variant.overrides.models.retrieval);
      }
    await this.options.pinned?.sync(wanted);

    for (const { surfaceId, experiment } of candidates) {
      const reason = await this.pinsUnservable(surfaceId, experiment);
      if (reason) skipped.push({ experiment: experiment.key, reason });
      else bySurface.set(surfaceId, [...(bySurface.get(surfaceId) ?? []), experiment]);
    }
    for (const entry of skipped) {
      if (!this.skippedNow.some((previous) => previous.experiment === entry.experiment)) this.options.logger.warn(entry, "running experiment not served");
    }
    this.bySurface = bySurface;
    this.skippedNow = skipped;
  }

  /** Why an experiment's pins cannot be served (null: they can); sets each variant's pinned base config. */
  private async pinsUnservable(surfaceId: string, experiment: LoadedExperiment): Promise<string | null> {
    for (const variant of experiment.variants.values()) {
      const { models, ruleSetVersion } = variant.overrides;
      for (const slot of ["ranker", "retrieval"] as const) {
        const id = models?.[slot];
        if (id === undefined) continue;
        const pinned = this.options.pinned;
        if (!pinned) return `variant ${variant.key} pins model versions, which this engine does not hold side by side`;
        if (!(slot === "ranker" ? pinned.ranker(id) : pinned.retrieval(id)))
          return `variant ${variant.key}: pinned ${slot} "${id}" is not loaded (${pinned.failure(id) ?? "not loaded yet"})`;
      }
      if (ruleSetVersion !== undefined) {
        const row = await this.options.db.ruleSet.findUnique({ where: { surfaceId_version: { surfaceId, version: ruleSetVersion } } });
        const config = row ? surfaceConfigSchema.safeParse(row.config) : null;
        if (!config?.success) return `variant ${variant.key}: surface "${surfaceId}" has no servable rule set version ${ruleSetVersion}`;
        variant.baseConfig = config.data;
      }
    }
    return null;
  }

  private modelsOf(variant: LoadedVariant): VariantModels | null | undefined {
    const pins = variant.overrides.models;
    if (!pins) return undefined;
    const models: VariantModels = {};
    if (pins.ranker) {
      const ranker = this.options.pinned?.ranker(pins.ranker);
      if (!ranker) return null;
      models.ranker = ranker;
    }
    if (pins.retrieval) {
      const retrieval = this.options.pinned?.retrieval(pins.retrieval);
      if (!retrieval) return null;
      models.retrieval = retrieval;
    }
    return models;
  }

  /**
   * The variant the asking unit is served on `surface` at `nowMs`, built on `base` (the surface's
   * published config); null when in no served experiment.
   */
  resolve(surface: string, who: ExperimentUnitSource, base: SurfaceConfig, nowMs: number): ServedVariant | null {
    for (const experiment of this.bySurface.get(surface) ?? []) {
      const unitId = unitOf(experiment.unit, who);
      if (unitId === null) continue;
      const coverage = effectiveCoverage(experiment.rampUp, experiment.spec.coverage, nowMs - experiment.phaseStartMs);
      const spec = coverage === experiment.spec.coverage ? experiment.spec : { ...experiment.spec, coverage };
      const assignment = assignVariant({ experiment: spec, unitId, holdout: this.options.holdout ?? null });
      // In the holdout: in no experiment at all.
      if (assignment.reason === "holdout") return null;
      if (assignment.variant === null) continue;
      const variant = experiment.variants.get(assignment.variant)!;
      if (variant.stopped) return null;
      return this.served(experiment, variant, base, unitId, assignment.reason === "forced");
    }
    return null;
  }

  /** A named variant of a running experiment on `surface`, whoever asks (the feed debugger's preview); null when there is none. */
  variantFor(surface: string, experimentKey: string, variantKey: string, base: SurfaceConfig): ServedVariant | null {
    const experiment = (this.bySurface.get(surface) ?? []).find((candidate) => candidate.key === experimentKey);
    const variant = experiment?.variants.get(variantKey);
    if (!experiment || !variant) return null;
    return this.served(experiment, variant, base, "", true);
  }

  /**
   * The variant as served: its config built on `base` (or on the rule-set version it pins) and its
   * pinned models. null when its overrides do not apply to today's published config (logged once
   * per config) or a pinned version was let go since the last refresh: the published config then.
   */
  private served(experiment: LoadedExperiment, variant: LoadedVariant, base: SurfaceConfig, unitId: string, forced: boolean): ServedVariant | null {
    const config = this.variantConfig(variant.baseConfig ?? base, experiment, variant);
    const models = this.modelsOf(variant);
    if (!config || models === null) return null;
    return {
      ...(models ? { models } : {}),
      experimentId: experiment.id,
      phase: experiment.phase,
      experiment: experiment.key,
      variantId: variant.id,
      variant: variant.key,
      config,
      unitId,
      forced,
    };
  }

  private variantConfig(base: SurfaceConfig, experiment: LoadedExperiment, variant: LoadedVariant): SurfaceConfig | null {
    let built = this.configs.get(base);
    if (!built) this.configs.set(base, (built = new Map()));
    const cacheKey = `${experiment.id}/${variant.id}`;
    if (built.has(cacheKey)) return built.get(cacheKey)!;
    const result = safeApplyVariantOverrides(base, variant.overrides);
    if (!result.ok)
      this.options.logger.warn(
        { experiment: experiment.key, variant: variant.key, issues: result.issues },
        "variant overrides do not apply to the published config; serving the published config",
      );
    built.set(cacheKey, result.ok ? result.config : null);
    return result.ok ? result.config : null;
  }
}

function unitOf(unit: string, who: ExperimentUnitSource): string | null {
  if (unit === "userId") return who.userId;
  const value = who.context?.[unit.slice("context.".length)];
  if (value === undefined || value === "") return null;
  return String(value);
}

function parseVariants(
  spec: ExperimentAssignmentSpec,
  variants: readonly { key: string; overrides: unknown }[],
): { reason: string | null; variants?: Map<string, VariantOverrides> } {
  const problems = assignmentSpecProblems(spec);
  if (problems.length > 0) return { reason: problems.join("; ") };
  const parsedVariants = new Map<string, VariantOverrides>();
  for (const variant of variants) {
    const parsed = variantOverridesSchema.safeParse(variant.overrides);
    if (!parsed.success)
      return {
        reason: `variant ${variant.key}: overrides do not validate (${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")})`,
      };
    parsedVariants.set(variant.key, parsed.data);
  }
  return { reason: null, variants: parsedVariants };
}
