// Which surface names /v1/recommendations and /v1/rerank serve: the built-in default surfaces
// (core DEFAULT_SURFACE_CONFIGS: `home`, `related`) and every surface in the `surfaces` table (created
// in the console or by `cascade seed`, served from its published rule set, else from the built-in
// default). Any other name is a client's mistake (a typo would otherwise be served the home feed
// silently and counted under a surface nobody looks at): 404 `not_found` naming `surface`.
//
// Lookups are cached per name for `ttlMs` (unknown names too, so random names cannot turn each
// request into a query; at most `maxEntries` names). When the database cannot be reached the name
// is accepted: recommendations must survive a database outage.
import { DEFAULT_SURFACE_CONFIGS } from "@cascade/core";
import type { Database } from "@cascade/db";
import { HttpError } from "../errors.ts";

export type KnownSurfacesOptions = { ttlMs: number; maxEntries: number; now: () => number };

const DEFAULTS: KnownSurfacesOptions = { ttlMs: 5_000, maxEntries: 1_000, now: Date.now };

export class KnownSurfaces {
  private readonly options: KnownSurfacesOptions;
  private readonly cache = new Map<string, { exists: boolean; at: number }>();

  constructor(
    private readonly db: Pick<Database, "surface">,
    options: Partial<KnownSurfacesOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Resolves when `surface` may be served; throws 404 `not_found` naming `surface` otherwise. */
  async check(surface: string): Promise<void> {
    if (Object.hasOwn(DEFAULT_SURFACE_CONFIGS, surface)) return;
    if (await this.exists(surface)) return;
    const message = `no surface "${surface}": create it (console Rules page) or use a built-in one (${Object.keys(DEFAULT_SURFACE_CONFIGS).join(", ")})`;
    throw new HttpError(404, "not_found", message, [{ path: "surface", message }]);
  }

  private async exists(surface: string): Promise<boolean> {
    const now = this.options.now();
    const cached = this.cache.get(surface);
    if (cached && now - cached.at < this.options.ttlMs) return cached.exists;
    let exists: boolean;
    try {
      exists = (await this.db.surface.findUnique({ where: { id: surface }, select: { id: true } })) !== null;
    } catch {
      return true;
    }
    this.cache.delete(surface);
    this.cache.set(surface, { exists, at: now });
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.options.maxEntries) break;
      this.cache.delete(oldest);
    }
    return exists;
  }
}

const perContext = new WeakMap<object, KnownSurfaces>();

/** One KnownSurfaces per engine (the recommendation and rerank routes share it). */
export function knownSurfacesOf(context: { deps: { db: Database } }): KnownSurfaces {
  let surfaces = perContext.get(context);
  if (!surfaces) {
    surfaces = new KnownSurfaces(context.deps.db);
    perContext.set(context, surfaces);
  }
  return surfaces;
}
