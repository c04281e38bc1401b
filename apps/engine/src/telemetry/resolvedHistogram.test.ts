import fc from "fast-check";
import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ResolvedHistogram } from "./resolvedHistogram.ts";

/** Sample lines of an exposition as `name{sorted labels} value`, sorted: the same samples whatever the label order. */
function samples(exposition: string): string[] {
  return exposition
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([^{ ]+)(?:\{(.*)\})? (.+)$/.exec(line)!;
      const labels = (match[2] ?? "").match(/[a-z_]+="(?:[^"\\]|\\.)*"/g) ?? [];
      return `${match[1]}{${[...labels].sort().join(",")}} ${match[3]}`;
    })
    .sort();
}

const BOUNDS = [0.001, 0.005, 0.01, 0.025, 0.25];

describe("ResolvedHistogram", () => {
  it("exposes the samples prom-client's Histogram exposes for the same observations", async () => {
    const labelValue = fc.constantFrom("home", "related", 'quo"te', "back\\slash", "new\nline", "");
    const observation = fc.tuple(labelValue, labelValue, fc.oneof(fc.double({ min: -1, max: 2, noNaN: true }), fc.constantFrom(...BOUNDS, 0, -0, 1e300)));
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (observations) => {
        const ours = new Registry();
        const theirs = new Registry();
        const resolved = new ResolvedHistogram("latency_seconds", "help text", ["surface", "stage"], BOUNDS, ours);
        const reference = new Histogram({ name: "latency_seconds", help: "help text", labelNames: ["surface", "stage"], buckets: BOUNDS, registers: [theirs] });
        for (const [surface, stage, value] of observations) {
          resolved.observe(resolved.seriesOf(surface, stage), value);
          reference.observe({ surface, stage }, value);
        }
        // Line for line, in the same order: one exposition for dashboards built on either.
        expect(await ours.metrics()).toEqual(await theirs.metrics());
        expect(samples(await ours.metrics())).toEqual(samples(await theirs.metrics()));
        expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
      }),
      { numRuns: 200 },
    );
  });

  it("keeps one series per label combination, the same object every time, and forgets them on reset", async () => {
    const registry = new Registry();
    const histogram = new ResolvedHistogram("h", "h", ["a", "b"], [1, 2], registry);
    const series = histogram.seriesOf("x", "y");
    expect(histogram.seriesOf("x", "y")).toBe(series);
    expect(histogram.seriesOf("x", "z")).not.toBe(series);
    histogram.observe(series, 1.5);
    histogram.observe(series, 5);
    // prom-client throws on a non-finite value; this one drops it (recording never fails a request).
    histogram.observe(series, Number.NaN);
    histogram.observe(series, Number.POSITIVE_INFINITY);
    expect([...series.buckets]).toEqual([0, 1]);
    expect([series.sum, series.count]).toEqual([6.5, 2]);
    registry.resetMetrics();
    expect((await histogram.get()).values).toEqual([]);
    expect(histogram.seriesOf("x", "y")).not.toBe(series);
  });

  it("refuses label values of the wrong arity, no labels, an `le` label and bounds that do not increase", () => {
    const registry = new Registry();
    const histogram = new ResolvedHistogram("h", "h", ["a"], [1], registry);
    expect(() => histogram.seriesOf("x", "y")).toThrow(/expected 1 label values, got 2/);
    expect(() => new ResolvedHistogram("n", "n", [], [1], registry)).toThrow(/at least one label/);
    expect(() => new ResolvedHistogram("l", "l", ["le"], [1], registry)).toThrow(/reserved/);
    expect(() => new ResolvedHistogram("b", "b", ["a"], [1, 1], registry)).toThrow(/increase/);
  });
});
