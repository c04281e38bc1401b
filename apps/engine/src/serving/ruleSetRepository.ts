// The published rule set (SurfaceConfig) of every surface, held in memory and kept current
// without a restart: `LISTEN cascade_rules_changed` (when a database URL is given) plus a poll
// fallback for lost notifications. Publishers (the console) commit the RuleSet row and then
// `NOTIFY cascade_rules_changed, '<surfaceId>'` (see notifyRulesChanged).
//
// A request reads the map once (`configFor`), so it runs on one config from start to end. A stored
// config that no longer parses (schema moved on) is refused with a warning and the surface keeps
// what it served before (or the built-in default). A surface with nothing published serves
// DEFAULT_SURFACE_CONFIGS (defaultSurfaceConfig).
import { RULES_CHANGED_CHANNEL, defaultSurfaceConfig, surfaceConfigSchema, type SurfaceConfig } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import { listenOnChannel, type ChannelListener } from "../postgres/channelListener.ts";

export type ResolvedSurfaceConfig = {
  config: SurfaceConfig;
  /** The published RuleSet's version; null for the built-in default. */
  ruleSetVersion: number | null;
  ruleSetId: string | null;
};

export type RuleSetRepositoryOptions = {
  db: Database;
  logger: Pick<Logger, "info" | "warn" | "debug">;
  databaseUrl?: string;
  /** Poll for changes this often, ms (default 5 s; 0 disables). */
  pollIntervalMs?: number;
};

type PublishedRow = { id: string; surfaceId: string; version: number; config: unknown };

export class RuleSetRepository {
  private published = new Map<string, ResolvedSurfaceConfig>();
  /** surface → "id@version" of what is loaded (or refused), to skip unchanged rows on each poll. */
  private fingerprint = "";
  private refreshing: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private listener: ChannelListener | null = null;
  private lastRefreshFailed = false;

  constructor(private readonly options: RuleSetRepositoryOptions) {}

  /** The config to run for `surfaceId` right now. */
  configFor(surfaceId: string): ResolvedSurfaceConfig {
    return this.published.get(surfaceId) ?? { config: defaultSurfaceConfig(surfaceId), ruleSetVersion: null, ruleSetId: null };
  }

  /** True while the last attempt to read the rule sets failed (serving the previous ones). */
  get stale(): boolean {
    return this.lastRefreshFailed;
  }

  async start(): Promise<void> {
    await this.refresh();
    if (this.options.databaseUrl) {
      this.listener = listenOnChannel({
        databaseUrl: this.options.databaseUrl,
        channel: RULES_CHANGED_CHANNEL,
        logger: this.options.logger,
        onChange: () => void this.refresh(),
      });
    }
    const interval = this.options.pollIntervalMs ?? 5_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.refresh(), interval);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.listener?.stop();
    await this.refreshing;
  }

  /** Re-reads the published rule sets (calls while one runs collapse into one more). Never throws. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          await this.load();
          this.lastRefreshFailed = false;
        } catch (error) {
          this.lastRefreshFailed = true;
          this.options.logger.warn({ err: error }, "could not read the published rule sets; serving the previous ones");
        }
      } while (this.again);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    // Cheap check first: the newest published (id, version) per surface.
    const heads = await this.options.db.$queryRaw<{ surfaceId: string; id: string; version: number }[]>`
      SELECT DISTINCT ON (surface_id) surface_id AS "surfaceId", id, version
      FROM rule_sets WHERE status = 'published'
      ORDER BY surface_id, version DESC`;
    const fingerprint = heads.map((head) => `${head.surfaceId}=${head.id}@${head.version}`).join(",");
    if (fingerprint === this.fingerprint) return;
    const rows = await this.options.db.$queryRaw<PublishedRow[]>`
      SELECT id, surface_id AS "surfaceId", version, config FROM rule_sets WHERE id = ANY(${heads.map((head) => head.id)}::text[])`;
    const next = new Map<string, ResolvedSurfaceConfig>();
    for (const row of rows) {
      const parsed = surfaceConfigSchema.safeParse(row.config);
      if (parsed.success) {
        next.set(row.surfaceId, { config: parsed.data, ruleSetVersion: row.version, ruleSetId: row.id });
        const before = this.published.get(row.surfaceId);
        if (before?.ruleSetId !== row.id) this.options.logger.info({ surface: row.surfaceId, version: row.version }, "serving rule set");
      } else {
        const kept = this.published.get(row.surfaceId);
        if (kept) next.set(row.surfaceId, kept);
        this.options.logger.warn(
          { surface: row.surfaceId, version: row.version, issues: parsed.error.issues.slice(0, 5) },
          "published rule set does not validate; keeping the previous config for this surface",
        );
      }
    }
    this.published = next;
    this.fingerprint = fingerprint;
  }
}

/** What a publisher runs after committing a RuleSet change (inside or after its transaction). */
export async function notifyRulesChanged(db: Database, surfaceId: string): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${RULES_CHANGED_CHANNEL}, ${surfaceId})`;
}
