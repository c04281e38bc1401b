// The experiments running on each surface, loaded from Postgres and refreshed in the background,
// and the variant a unit is served: the serving assembly asks `resolve` for every request's config
// (RecommendationService.configFor). Assignment is core's (deterministic, stateless: every replica
// and any client hashing the same way agree); this module only maps stored rows onto it and builds
// each variant's SurfaceConfig from the surface's published one, once per published config.
//
// Served today: variants that override the surface config (rules, sources, quotas, fusion, blend,
// exploration, candidate count). Variants that pin model versions or a rule-set version need the
// serving stack to hold several models or configs at once; an experiment with such a variant is not
// served (logged, and listed in `skipped`), never served half-applied.
// Variant order, which fixes each variant's hash range, is the variant key's (rows have no order).
// Until layers are stored, a unit in two running experiments of one surface is served the one
// started first.
import {
  assignmentSpecProblems,
  assignVariant,
  safeApplyVariantOverrides,
  variantOverridesSchema,
  type ExperimentAssignmentSpec,
  type SurfaceConfig,
} from "@cascade/core";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";

export type ServedVariant = {
  experimentId: string;
  phase: number;
  experiment: string;
  variantId: string;
  variant: string;
  config: SurfaceConfig;
};

type LoadedVariant = { id: string; key: string; overrides: unknown };
type LoadedExperiment = { id: string; key: string; phase: number; spec: ExperimentAssignmentSpec; variants: Map<string, LoadedVariant> };

export type SkippedExperiment = { experiment: string; reason: string };

export type RunningExperimentsOptions = {
  db: Database;
  logger: Pick<Logger, "warn" | "error">;
  /** How often the running set is re-read (ms); default 10 s. 0: only by refresh(). */
  refreshIntervalMs?: number;
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
    for (const row of rows) {
      const spec: ExperimentAssignmentSpec = {
        key: row.key,
        seed: row.salt,
        coverage: row.trafficFraction,
        variants: row.variants.map((variant) => ({ key: variant.key, weight: variant.weight })),
      };
      const reason = unservableReason(spec, row.variants);
      if (reason) {
        skipped.push({ experiment: row.key, reason });
        continue;
      }
      const loaded: LoadedExperiment = {
        id: row.id,
        key: row.key,
        phase: row.phase,
        spec,
        variants: new Map(row.variants.map((variant) => [variant.key, variant])),
      };
      bySurface.set(row.surfaceId, [...(bySurface.get(row.surfaceId) ?? []), loaded]);
    }
    for (const entry of skipped) {
      if (!this.skippedNow.some((previous) => previous.experiment === entry.experiment)) this.options.logger.warn(entry, "running experiment not served");
    }
    this.bySurface = bySurface;
    this.skippedNow = skipped;
  }

  /** The variant `unitId` is served on `surface`, built on `base` (the surface's published config); null when in no served experiment. */
  resolve(surface: string, unitId: string, base: SurfaceConfig): ServedVariant | null {
    for (const experiment of this.bySurface.get(surface) ?? []) {
      const { variant: key } = assignVariant({ experiment: experiment.spec, unitId });
      if (key === null) continue;
      const variant = experiment.variants.get(key)!;
      const config = this.variantConfig(base, experiment, variant);
      // A variant whose overrides do not apply to today's published config serves no one (logged once per config).
      if (!config) return null;
      return { experimentId: experiment.id, phase: experiment.phase, experiment: experiment.key, variantId: variant.id, variant: variant.key, config };
    }
    return null;
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

function unservableReason(spec: ExperimentAssignmentSpec, variants: readonly LoadedVariant[]): string | null {
  const problems = assignmentSpecProblems(spec);
  if (problems.length > 0) return problems.join("; ");
  for (const variant of variants) {
    const parsed = variantOverridesSchema.safeParse(variant.overrides);
    if (!parsed.success)
      return `variant ${variant.key}: overrides do not validate (${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")})`;
    if (parsed.data.models) return `variant ${variant.key} pins model versions, which serving cannot hold side by side yet`;
    if (parsed.data.ruleSetVersion !== undefined) return `variant ${variant.key} pins a rule-set version, which serving cannot hold side by side yet`;
  }
  return null;
}
