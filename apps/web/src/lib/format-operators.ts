/** "2026-12-06 08:59:12" in UTC, for the operator pages' tables. */
export function formatUtc(date: Date): string {
  return date.toISOString().replace("T", " ").slice(0, 19);
}
