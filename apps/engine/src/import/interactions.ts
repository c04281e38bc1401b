// Generic interaction logs (one row = a user did something with an item) → event rows of
// `POST /v1/events`, by a column mapping. Used by `cascade import interactions` (CSV, TSV, JSONL)
// and `cascade import recbole` (RecBole atomic files).
//
// Per row:
// - user, item: the mapped columns' text, with the id prefix (`<p>-user-<id>`, `<p>-item-<id>`;
//   an empty prefix keeps the file's ids);
// - type: the row's `type` column (lower-cased, renamed by the type map: view → click …), else
//   the fixed event type, else `rating` when a rating column is mapped and `click` otherwise;
// - value: the types that carry one take it from the rating column (rating) or the weight column
//   (watch = seconds, purchase = amount), falling back to the other; a rating is rescaled from the
//   log's scale (top = `ratingMax`, default 5 stars) to the API's 0–10, where 5 is neutral;
// - weight: kept, whatever the type, as `context.weight` (a number; an empty cell = none): play
//   counts and the like must survive the import exactly, and putting them in `value` would make
//   them watch seconds or money in the rollups and features. Positive specs read it there
//   (positiveSpec.ts);
// - time: the time column (unix seconds, unix milliseconds or ISO-8601; ISO without an offset is
//   UTC). Without a time column, a row's time is `defaultTime` + (line − 1) seconds: deterministic
//   and in file order (what sequential models read), and left out of the event id so that a re-run
//   of a file with lines added still recognises the old rows;
// - event id: `<namespace>:<type>:<hash of user, item, time, type, value, weight>`: the same row
//   gives the same id in any position of any run, and two identical rows are one event.
import { createHash } from "node:crypto";
import { eventType, type EventType } from "@cascade/core";
import type { RowProblem } from "./fileRecords.ts";

export const timeFormats = ["auto", "unix-s", "unix-ms", "iso"] as const;
export type TimeFormat = (typeof timeFormats)[number];

/** Event types whose contract requires a `value`. */
const VALUED_TYPES = new Set<string>(["rating", "watch", "purchase"]);

export type InteractionColumns = {
  user: string;
  item: string;
  time?: string;
  timeFormat: TimeFormat;
  /** A column holding each row's event type. */
  type?: string;
  /** The log's own names of event types → Cascade's (e.g. view → click); others pass as written. */
  typeMap?: ReadonlyMap<string, EventType>;
  /** The event type of every row (when there is no type column). */
  eventType?: EventType;
  rating?: string;
  weight?: string;
};

export type InteractionMapping = {
  columns: InteractionColumns;
  /** Prefix of user and item ids and namespace of event ids; "" keeps the file's ids. */
  idPrefix: string;
  /** Time of the first line of a file without a time column. */
  defaultTime: Date;
  /**
   * The top of the log's rating scale: ratings are stored on the API's 0–10 scale (5 neutral),
   * value = rating × 10 / ratingMax. Default 5 (stars, as most public data sets).
   */
  ratingMax?: number;
};

export const DEFAULT_RATING_MAX = 5;

export const DEFAULT_SYNTHETIC_TIME = new Date("2000-01-01T00:00:00Z");

export function interactionUserId(idPrefix: string, raw: string): string {
  return idPrefix === "" ? raw : `${idPrefix}-user-${raw}`;
}

export function interactionItemId(idPrefix: string, raw: string): string {
  return idPrefix === "" ? raw : `${idPrefix}-item-${raw}`;
}

/** The event type rows get when no type column is mapped. */
export function fixedEventType(columns: InteractionColumns): EventType {
  return columns.eventType ?? (columns.rating ? "rating" : "click");
}

/** `view=click,addtocart=like` → a type map; an error naming a target that is not an event type. */
export function parseTypeMap(text: string): Map<string, EventType> {
  const map = new Map<string, EventType>();
  for (const pair of text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")) {
    const [from, to, extra] = pair.split("=").map((side) => side.trim());
    if (!from || !to || extra !== undefined) throw new Error(`"${pair}" is not written as logType=eventType`);
    const target = eventType.safeParse(to);
    if (!target.success) throw new Error(`"${to}" is not an event type (${eventType.options.join(", ")})`);
    map.set(from.toLowerCase(), target.data);
  }
  return map;
}

/** Mapping mistakes that would reject every row: named before anything is read. */
export function interactionColumnsProblem(columns: InteractionColumns): string | null {
  if (columns.type) return null;
  const type = fixedEventType(columns);
  if (VALUED_TYPES.has(type) && !columns.rating && !columns.weight) {
    return `events of type ${type} need a value: map a ${type === "rating" ? "rating" : "weight"} column`;
  }
  return null;
}

const cellText = (value: unknown): string => (value === undefined || value === null ? "" : String(value).trim());
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const ISO_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/** A time cell → ISO-8601 (UTC), or why not. */
export function parseTime(text: string, format: TimeFormat): string | { reason: string } {
  const numeric = NUMBER.test(text);
  const asFormat = format === "auto" ? (numeric ? "unix-s" : "iso") : format;
  let millis: number;
  if (asFormat === "unix-s" || asFormat === "unix-ms") {
    if (!numeric) return { reason: `"${text}" is not a number of ${asFormat === "unix-s" ? "seconds" : "milliseconds"}` };
    millis = Math.round(Number(text) * (asFormat === "unix-s" ? 1_000 : 1));
  } else {
    const withOffset = ISO_WITHOUT_OFFSET.test(text) ? `${text.replace(" ", "T")}${text.length === 10 ? "T00:00:00" : ""}Z` : text;
    millis = Date.parse(withOffset);
    if (Number.isNaN(millis)) return { reason: `"${text}" is not an ISO-8601 time` };
  }
  const date = new Date(millis);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) return { reason: `"${text}" is out of range` };
  return date.toISOString();
}

/** Number cells stay text when they do not convert, so the API contract names the field. */
const numberOrText = (value: unknown): unknown => {
  if (typeof value === "number") return value;
  const text = cellText(value);
  return NUMBER.test(text) ? Number(text) : text;
};

/** Stable across runs and positions: the same content, the same id. */
export function interactionEventId(namespace: string, type: string, parts: readonly unknown[]): string {
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 24);
  const typePart = eventType.safeParse(type).success ? type : "event";
  return `${namespace}:${typePart}:${digest}`;
}

/** One row of a log → its event row, or the first problem with the mapped columns. */
export function interactionToEvent(mapping: InteractionMapping, fields: Record<string, unknown>, line: number): Record<string, unknown>[] | RowProblem {
  const { columns, idPrefix } = mapping;
  const user = cellText(fields[columns.user]);
  if (user === "") return { field: columns.user, reason: "user id is missing" };
  const item = cellText(fields[columns.item]);
  if (item === "") return { field: columns.item, reason: "item id is missing" };

  let timestamp: string;
  let timeKey: string;
  if (columns.time) {
    const text = cellText(fields[columns.time]);
    if (text === "") return { field: columns.time, reason: "time is missing" };
    const parsed = parseTime(text, columns.timeFormat);
    if (typeof parsed !== "string") return { field: columns.time, reason: parsed.reason };
    timestamp = parsed;
    timeKey = parsed;
  } else {
    timestamp = new Date(mapping.defaultTime.getTime() + (line - 1) * 1_000).toISOString();
    timeKey = "";
  }

  const written = columns.type ? cellText(fields[columns.type]).toLowerCase() : fixedEventType(columns);
  if (written === "") return { field: columns.type!, reason: "event type is missing" };
  const type = columns.typeMap?.get(written) ?? written;

  // An empty weight cell is no weight (mixed logs: only purchases have an amount); text is a mistake.
  let weight: number | undefined;
  const weightText = columns.weight ? cellText(fields[columns.weight]) : "";
  if (columns.weight && weightText !== "") {
    weight = typeof fields[columns.weight] === "number" ? (fields[columns.weight] as number) : NUMBER.test(weightText) ? Number(weightText) : NaN;
    if (!Number.isFinite(weight)) return { field: columns.weight, reason: `weight "${weightText}" is not a number` };
  }
  let value: unknown;
  if (VALUED_TYPES.has(type)) {
    const preferred = type === "rating" ? [columns.rating, columns.weight] : [columns.weight, columns.rating];
    const column = preferred.find((name) => name !== undefined);
    if (column !== undefined) value = numberOrText(fields[column]);
    if (value === "") return { field: column!, reason: `${type} value is missing` };
    if (type === "rating" && typeof value === "number") {
      const ratingMax = mapping.ratingMax ?? DEFAULT_RATING_MAX;
      if (value > ratingMax) return { field: column!, reason: `rating ${value} is above the scale's top ${ratingMax} (set --rating-max)` };
      value = (value * 10) / ratingMax;
    }
  }

  const userId = interactionUserId(idPrefix, user);
  const itemId = interactionItemId(idPrefix, item);
  const event: Record<string, unknown> = {
    eventId: interactionEventId(idPrefix === "" ? "import" : idPrefix, type, [userId, itemId, timeKey, type, value ?? null, weight ?? null]),
    type,
    userId,
    itemId,
    timestamp,
  };
  if (value !== undefined) event.value = value;
  if (weight !== undefined) event.context = { weight };
  return [event];
}

/** The columns an items file is read by (`cascade import interactions --items-file`). */
export type ItemColumns = {
  id: string;
  title?: string;
  category?: string;
  genres?: string;
  /** Between genres in the genres column. */
  genreSeparator: string;
};

/**
 * An items-file row → an item row of `PUT /v1/items`: category = the category column, else the
 * first genre, else "unknown"; tags = the genres. Items files carry no publication time here, so
 * publishedAt is 1970-01-01 (as MovieLens movies without a year).
 */
export function itemRowToItem(idPrefix: string, columns: ItemColumns, fields: Record<string, unknown>): Record<string, unknown>[] | RowProblem {
  const raw = cellText(fields[columns.id]);
  if (raw === "") return { field: columns.id, reason: "item id is missing" };
  const genres = columns.genres ? splitGenres(cellText(fields[columns.genres]), columns.genreSeparator) : [];
  const category = (columns.category ? cellText(fields[columns.category]) : "") || genres[0] || "unknown";
  return [
    {
      id: interactionItemId(idPrefix, raw),
      title: columns.title ? cellText(fields[columns.title]) : "",
      category,
      tags: genres,
      publishedAt: "1970-01-01T00:00:00.000Z",
      attributes: { source: "import" },
    },
  ];
}

export function splitGenres(text: string, separator: string): string[] {
  return [
    ...new Set(
      text
        .split(separator)
        .map((genre) => genre.trim())
        .filter((genre) => genre !== "" && genre.toLowerCase() !== "unknown" && genre !== "(no genres listed)"),
    ),
  ];
}

/** The item created for an event whose item the catalogue lacks (eventLogWriter's MissingItemPolicy). */
export function placeholderItem(itemId: string, firstSeenAt: Date, source: string) {
  return {
    id: itemId,
    title: "",
    category: "unknown",
    tags: [],
    publishedAt: firstSeenAt.toISOString(),
    available: true,
    attributes: { source, placeholder: true },
  };
}
