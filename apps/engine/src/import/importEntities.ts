// What `cascade import` can load, and the contract each row is judged by: the HTTP API's own
// (packages/core/src/api), so a CSV/JSONL row and an API row mean the same thing.
import { followInput, itemInput, userInput } from "@cascade/core";

export const importEntities = ["items", "users", "follows", "events"] as const;
export type ImportEntity = (typeof importEntities)[number];
export type CatalogEntity = Exclude<ImportEntity, "events">;

/** Per-row contracts of the catalogue entities (events are screened by ingest/eventIngestion.ts). */
export const catalogRowContracts = { items: itemInput, users: userInput, follows: followInput } as const;

/** The key that makes two rows of a file the same entity: a later row replaces an earlier one. */
export function catalogRowKey(entity: CatalogEntity, row: Record<string, unknown>): string {
  if (entity === "follows") return `${String(row.userId)}→${String(row.creatorId)}`;
  return String(row.id);
}
