// Which versions the metrics comparison shows lives in the URL (`?compare=id1,id2`), so a
// comparison can be linked. Without the parameter the page compares each slot's active version
// with the newest version of that slot.
import type { ModelVersionRow } from "@/server/services/model-version.ts";

export const COMPARE_PARAM = "compare";
export const MAX_COMPARED = 6;

export function parseCompareParam(value: string | null | undefined): string[] | null {
  if (value === null || value === undefined) return null;
  return [
    ...new Set(
      value
        .split(",")
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ].slice(0, MAX_COMPARED);
}

export function compareHref(ids: readonly string[], current: URLSearchParams): string {
  const params = new URLSearchParams(current);
  params.set(COMPARE_PARAM, ids.join(","));
  return `/models?${params.toString()}`;
}

/** Active + newest version per slot, newest first, when the URL does not choose. */
export function defaultComparison(rows: readonly ModelVersionRow[]): string[] {
  const ids: string[] = [];
  for (const slot of ["ranker", "retrieval"] as const) {
    const slotRows = rows.filter((row) => row.slot === slot);
    const newest = slotRows[0];
    const active = slotRows.find((row) => row.status === "active");
    for (const row of [newest, active]) if (row && !ids.includes(row.id)) ids.push(row.id);
  }
  return ids;
}
