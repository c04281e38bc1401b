// Label values that come from requests or configuration (surfaces, sources, features) could grow
// without bound and blow up the number of Prometheus series. Each label keeps at most `limit`
// distinct values; later newcomers are reported as "other".
export const OVERFLOW_LABEL = "other";

export class BoundedLabelValues {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  /** The value itself while fewer than `limit` distinct values were seen, else "other". */
  admit(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return OVERFLOW_LABEL;
    this.seen.add(value);
    return value;
  }
}
