// The name under which a component reports candidate values of a feature that fell back to the
// feature's declared default (the trace's `counts`; the metrics side effect sums them per feature).
const PREFIX = "defaults.";

export function defaultsTally(feature: string): string {
  return `${PREFIX}${feature}`;
}

/** The feature a tally name counts defaults of, or null for other tallies. */
export function featureOfDefaultsTally(name: string): string | null {
  return name.startsWith(PREFIX) ? name.slice(PREFIX.length) : null;
}
