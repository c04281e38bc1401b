// Throwaway funnels run when the engine starts, before it takes traffic: the first requests after a
// start otherwise run the request path's code before the JIT has optimised it and its caches are
// empty (item attributes, item states), and queue behind each other. Measured at 1M items, 100
// requests/s from a cold engine: the first second's p99 0.66 s, 0.4–1% of the run's pages degraded
// (docs/benchmarks.md). The funnels serve the built-in surfaces' published configs to users read from
// the catalogue, with `record: false`: no metrics, served-feature or impression log, no page
// session, no experiment exposure. A failure (a dependency down at start) is ignored: requests fail
// open on their own.
import { randomUUID } from "node:crypto";
import { DEFAULT_SURFACE_CONFIGS } from "@cascade/core";
import type { ServingStack } from "./servingStack.ts";
import { runSurface } from "./surfaceRun.ts";

export type WarmUpResult = { requests: number; failed: number; ms: number };

export async function warmUpRequestPath(stack: ServingStack, requests: number): Promise<WarmUpResult> {
  const startedAt = performance.now();
  if (requests <= 0) return { requests: 0, failed: 0, ms: 0 };
  const users = await stack.sql.rows<{ id: string }>("SELECT id FROM users LIMIT $1", [requests]).catch(() => []);
  const userIds = users.length > 0 ? users.map((user) => user.id) : ["warm-up"];
  const surfaces = Object.keys(DEFAULT_SURFACE_CONFIGS);
  let failed = 0;
  for (let index = 0; index < requests; index += 1) {
    const surface = surfaces[index % surfaces.length]!;
    const published = stack.rules.configFor(surface);
    try {
      await runSurface(stack, {
        requestId: randomUUID(),
        userId: userIds[index % userIds.length]!,
        surface,
        count: 20,
        nowMs: stack.clock.nowMs(),
        context: {},
        excludeItemIds: [],
        config: published.config,
        ruleSetVersion: published.ruleSetVersion,
        detail: "summary",
        record: false,
      });
    } catch {
      failed += 1;
    }
  }
  return { requests, failed, ms: Math.round(performance.now() - startedAt) };
}
