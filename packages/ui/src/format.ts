// Number formatting shared by components and charts. The locale is pinned so that the server
// render and the browser's hydration print identical text (a browser locale would differ).
const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });
const decimalFormat = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 });
const scientificFormat = new Intl.NumberFormat("en-US", { notation: "scientific", maximumFractionDigits: 2 });

/** 1234567 → "1,234,567" */
export function formatInteger(value: number): string {
  return integerFormat.format(value);
}

/** 1234567 → "1.2M"; for axis ticks where space is short. */
export function formatCompact(value: number): string {
  return compactFormat.format(value);
}

/** 0.1234 → "12.3%" */
export function formatPercent(fraction: number): string {
  return percentFormat.format(fraction);
}

/**
 * A measurement with three significant digits: 0.012345 → "0.0123", 1234.5 → "1,230". Values too
 * small or too large to read that way (below 0.001, 1e9 and up) are written in scientific notation
 * ("1.5E-7"); zero is "0".
 */
export function formatDecimal(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  return magnitude < 0.001 || magnitude >= 1e9 ? scientificFormat.format(value) : decimalFormat.format(value);
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * A length of time for people, rounded down, in at most two units (seconds are dropped past the
 * first minute): 850 → "850 ms", 42_000 → "42 s", 754_000 → "12 min", 11_520_000 → "3 h 12 min",
 * 190_800_000 → "2 d 5 h".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  const value = Math.max(0, Math.floor(ms));
  if (value < SECOND_MS) return `${value} ms`;
  if (value < MINUTE_MS) return `${Math.floor(value / SECOND_MS)} s`;
  const pair = (major: number, majorUnit: string, minor: number, minorUnit: string) =>
    minor > 0 ? `${major} ${majorUnit} ${minor} ${minorUnit}` : `${major} ${majorUnit}`;
  if (value < HOUR_MS) return `${Math.floor(value / MINUTE_MS)} min`;
  if (value < DAY_MS) return pair(Math.floor(value / HOUR_MS), "h", Math.floor((value % HOUR_MS) / MINUTE_MS), "min");
  return pair(Math.floor(value / DAY_MS), "d", Math.floor((value % DAY_MS) / HOUR_MS), "h");
}
