// CSV cells are text; the API contracts expect JSON types. These turn a CSV row into the body row
// the HTTP API would receive, so both are then judged by the same zod contract. Conversions are
// deliberately shallow: a cell that does not convert is passed through as text, and the contract
// then names the field and the problem (e.g. `position: expected number, received string`).
//
// Per cell: empty → field absent (the contract's default applies); numbers and booleans from
// their text; `tags` split on `|`; `attributes` and `context` are JSON objects in one cell.
import type { ImportEntity } from "./importEntities.ts";

const NUMBER_FIELDS = new Set(["value", "position", "propensity"]);
const BOOLEAN_FIELDS = new Set(["available", "active"]);
const JSON_FIELDS = new Set(["attributes", "context"]);

export function csvRowToApiRow(entity: ImportEntity, cells: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(cells)) {
    const name = column.trim();
    if (typeof raw !== "string") {
      row[name] = raw;
      continue;
    }
    const text = raw.trim();
    if (text === "") continue;
    if (NUMBER_FIELDS.has(name)) row[name] = toNumber(text);
    else if (BOOLEAN_FIELDS.has(name)) row[name] = toBoolean(text);
    else if (JSON_FIELDS.has(name)) row[name] = toJson(text);
    else if (name === "tags" && entity === "items")
      row[name] = text
        .split("|")
        .map((tag) => tag.trim())
        .filter((tag) => tag !== "");
    else row[name] = raw;
  }
  return row;
}

function toNumber(text: string): unknown {
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

function toBoolean(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === "true" || lower === "1" || lower === "yes") return true;
  if (lower === "false" || lower === "0" || lower === "no") return false;
  return text;
}

function toJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
