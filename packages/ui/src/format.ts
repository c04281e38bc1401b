// Number formatting shared by components and charts. The locale is pinned so that the server
// render and the browser's hydration print identical text (a browser locale would differ).
const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

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
