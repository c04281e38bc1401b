// Seen/consumed dedup: drops items the user saw or consumed within the window, using the
// `seenAtMs` history a query hydrator loaded (no history → nothing to drop).
import type { Filter } from "../funnel/components.ts";

const HOUR_MS = 3_600_000;

export function seenFilter(options: { windowHours: number; id?: string }): Filter {
  const windowMs = options.windowHours * HOUR_MS;
  return {
    id: options.id ?? "seen",
    apply(query, candidates) {
      const seen = query.seenAtMs;
      if (!seen || seen.size === 0 || windowMs <= 0) return { kept: [...candidates], removed: [] };
      const kept = [];
      const removed = [];
      for (const candidate of candidates) {
        const at = seen.get(candidate.itemId);
        if (at !== undefined && query.nowMs - at <= windowMs) {
          removed.push({ itemId: candidate.itemId, reason: `seen ${((query.nowMs - at) / HOUR_MS).toFixed(1)} h ago (window ${options.windowHours} h)` });
        } else kept.push(candidate);
      }
      return { kept, removed };
    },
  };
}
