"use client";
import { useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import type { ModelVersionRow } from "@/server/services/model-version.ts";
import { COMPARE_PARAM, compareHref, defaultComparison, MAX_COMPARED, parseCompareParam } from "@/lib/compare-selection.ts";

/** The compared version ids (URL or default) and a toggle that rewrites the URL in place. */
export function useCompareSelection(rows: readonly ModelVersionRow[] | undefined): {
  selected: string[];
  toggle: (id: string) => void;
} {
  const searchParams = useSearchParams();
  const fromUrl = parseCompareParam(searchParams.get(COMPARE_PARAM));
  const fromUrlKey = fromUrl?.join(",") ?? null;
  const selected = useMemo(() => {
    const known = new Set((rows ?? []).map((row) => row.id));
    if (fromUrlKey !== null) return fromUrlKey.split(",").filter((id) => id && known.has(id));
    return defaultComparison(rows ?? []);
  }, [rows, fromUrlKey]);

  const toggle = useCallback(
    (id: string) => {
      const next = selected.includes(id) ? selected.filter((entry) => entry !== id) : [...selected, id].slice(-MAX_COMPARED);
      window.history.replaceState(null, "", compareHref(next, new URLSearchParams(window.location.search)));
    },
    [selected],
  );
  return { selected, toggle };
}
