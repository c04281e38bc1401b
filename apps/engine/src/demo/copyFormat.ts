// PostgreSQL COPY text format (the default of `COPY … FROM STDIN`): one line per row, columns
// separated by tabs, NULL as \N, and backslash, tab, newline and carriage return escaped with a
// backslash. https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2

export const COPY_NULL = "\\N";

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A text value escaped for COPY text format. */
export function copyText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (char) => (char === "\\" ? "\\\\" : char === "\t" ? "\\t" : char === "\n" ? "\\n" : "\\r"));
}

export function copyNullableText(value: string | null | undefined): string {
  return value === null || value === undefined ? COPY_NULL : copyText(value);
}

export function copyNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return COPY_NULL;
  if (!Number.isFinite(value)) throw new Error(`cannot COPY non-finite number ${value}`);
  return String(value);
}

export function copyBoolean(value: boolean): string {
  return value ? "t" : "f";
}

/** An ISO-8601 UTC timestamp (what timestamptz parses unambiguously). */
export function copyTimestamp(value: Date | number): string {
  return (typeof value === "number" ? new Date(value) : value).toISOString();
}

/**
 * A copyTimestamp for values that mostly arrive in time order (the event stream): the
 * "YYYY-MM-DDTHH:MM:SS." prefix is formatted once per second of data and reused, because
 * Date#toISOString was a tenth of the whole event-generation time.
 */
export function createOrderedTimestampFormatter(): (epochMs: number) => string {
  let cachedSecond = Number.NaN;
  let cachedPrefix = "";
  return (epochMs) => {
    const second = Math.floor(epochMs / 1_000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      cachedPrefix = new Date(second * 1_000).toISOString().slice(0, 20);
    }
    const millis = epochMs - second * 1_000;
    return `${cachedPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
  };
}

export function copyJson(value: unknown): string {
  return value === null || value === undefined ? COPY_NULL : copyText(JSON.stringify(value));
}

/** A text[] literal: every element double-quoted, with " and \ escaped inside the quotes. */
export function copyTextArray(values: readonly string[]): string {
  const literal = `{${values.map((value) => `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`).join(",")}}`;
  return copyText(literal);
}

/** One COPY line from already-encoded column values. */
export function copyLine(columns: readonly string[]): string {
  return `${columns.join("\t")}\n`;
}
