"use client";
// An experiment's results as the engine computes them from stored exposures and events: exposures
// and metric values per variant, each variant against the control (absolute and relative lift with
// confidence intervals, p, Holm-adjusted p, always-valid sequential p, a verdict), the sample-ratio
// check, CUPED on/off, guardrail states and stopped variants, charts over time and clicks by source.
// Parts the engine does not fill yet (timeline, guardrails, source share) say so instead of drawing nothing.
import { experimentMetric, type ExperimentResultsResponse, type ExperimentView } from "@cascade/core";
import { Badge, type BadgeTone, Button, Card, chartPalette, EmptyState, ErrorState, LineChart, Select, Skeleton } from "@cascade/ui";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import styles from "@/components/experiments/experiments.module.css";
import {
  formatAbsoluteLift,
  formatMetricValue,
  formatPValue,
  formatRelativeLift,
  metricLabel,
  timelineMetrics,
  timelineRows,
  type Verdict,
  VERDICT_LABELS,
  verdictOf,
} from "@/lib/experiments/results-view.ts";
import { formatIsoDayShort } from "@/lib/format-date.ts";
import { useTRPC } from "@/trpc/react.tsx";

const VERDICT_TONES: Record<Verdict, BadgeTone> = { better: "success", worse: "danger", inconclusive: "neutral", untested: "neutral" };
const GUARDRAIL_TONES = { ok: "success", insufficient_data: "neutral", regressed: "danger" } as const;
/** While running, results move as events arrive. */
const RUNNING_POLL_MS = 15_000;

type Results = ExperimentResultsResponse;

function MetricValues({ results }: { results: Results }) {
  const metrics = results.variants[0]?.metrics.map((metric) => metric.metric) ?? [];
  return (
    <div style={{ overflowX: "auto" }}>
      <table className={styles.table} aria-label="Metric values per variant" data-testid="variant-metrics">
        <thead>
          <tr>
            <th style={{ textAlign: "left" }}>Metric</th>
            {results.variants.map((variant) => (
              <th key={variant.key} style={{ textAlign: "right" }}>
                {variant.key}
                {variant.isControl ? " (control)" : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>Exposed users</td>
            {results.variants.map((variant) => (
              <td key={variant.key} style={{ textAlign: "right" }} data-testid={`exposures-${variant.key}`} data-value={variant.exposures}>
                {variant.exposures.toLocaleString("en-US")}
              </td>
            ))}
          </tr>
          {metrics.map((metric) => (
            <tr key={metric} data-testid={`metric-row-${metric}`}>
              <td>{metricLabel(metric)}</td>
              {results.variants.map((variant) => {
                const value = variant.metrics.find((entry) => entry.metric === metric);
                return (
                  <td
                    key={variant.key}
                    style={{ textAlign: "right" }}
                    data-variant={variant.key}
                    data-value={value?.value ?? ""}
                    data-total={value?.total ?? ""}
                  >
                    {formatMetricValue(metric, value?.value ?? null)}
                    {value?.value !== null && value?.total !== null && value?.total !== undefined && experimentMetric(metric)?.kind === "perUser" ? (
                      <span className={styles.muted}> (Σ {value.total.toLocaleString("en-US")})</span>
                    ) : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Comparisons({ results, primaryMetric }: { results: Results; primaryMetric: string }) {
  if (results.comparisons.length === 0) return <p className={styles.muted}>No variant to compare with the control yet.</p>;
  return (
    <>
      {results.comparisons.map((comparison) => (
        <div key={comparison.variant} style={{ overflowX: "auto" }} data-testid={`comparison-${comparison.variant}`}>
          <h3 className={styles.label}>
            {comparison.variant} vs {comparison.control}
          </h3>
          <table className={styles.table} aria-label={`${comparison.variant} against ${comparison.control}`}>
            <thead>
              <tr>
                <th style={{ textAlign: "left" }}>Metric</th>
                <th style={{ textAlign: "right" }}>Absolute lift [CI]</th>
                <th style={{ textAlign: "right" }}>Relative lift [CI]</th>
                <th style={{ textAlign: "right" }}>p</th>
                <th style={{ textAlign: "right" }}>adjusted p</th>
                <th style={{ textAlign: "right" }}>sequential p</th>
                <th style={{ textAlign: "left" }}>Verdict</th>
              </tr>
            </thead>
            <tbody>
              {[...comparison.metrics]
                .sort((a, b) => Number(b.metric === primaryMetric) - Number(a.metric === primaryMetric))
                .map((metric) => {
                  const verdict = verdictOf(metric, results.alpha);
                  return (
                    <tr key={metric.metric} data-testid={`lift-${comparison.variant}-${metric.metric}`} data-verdict={verdict}>
                      <td>
                        {metricLabel(metric.metric)}
                        {metric.metric === primaryMetric ? <Badge tone="accent">primary</Badge> : null}
                        <div className={styles.muted}>
                          {metric.method}
                          {metric.cupedApplied
                            ? ` · CUPED${metric.varianceReduction !== null && metric.varianceReduction >= 0.005 ? ` −${Math.round(metric.varianceReduction * 100)} % variance` : ""}`
                            : ""}
                          {metric.reason ? ` · ${metric.reason}` : ""}
                        </div>
                      </td>
                      <td style={{ textAlign: "right" }}>{formatAbsoluteLift(metric.metric, metric.absoluteLift)}</td>
                      <td style={{ textAlign: "right" }}>{formatRelativeLift(metric.relativeLift)}</td>
                      <td style={{ textAlign: "right" }}>{formatPValue(metric.pValue)}</td>
                      <td style={{ textAlign: "right" }}>{formatPValue(metric.adjustedPValue)}</td>
                      <td style={{ textAlign: "right" }}>{formatPValue(metric.sequentialPValue)}</td>
                      <td>
                        <Badge tone={VERDICT_TONES[verdict]}>{VERDICT_LABELS[verdict]}</Badge>
                      </td>
                    </tr>
                  );
                })}
            </tbody>
          </table>
        </div>
      ))}
      <p className={styles.muted}>
        Intervals at {Math.round((1 - results.alpha) * 100)} %. &quot;adjusted p&quot; is Holm–Bonferroni across a variant&apos;s metrics; &quot;sequential
        p&quot; is always valid (mSPRT) and may be read at every look. A verdict needs adjusted or sequential p below {results.alpha}.
      </p>
    </>
  );
}

function Guardrails({ results, experiment }: { results: Results; experiment: ExperimentView }) {
  const stopped = experiment.variants.filter((variant) => variant.stoppedAt);
  return (
    <Card title="Guardrails" data-testid="guardrails">
      <div className={styles.stack}>
        {experiment.guardrails.length === 0 ? (
          <p className={styles.muted}>No guardrails are configured for this experiment.</p>
        ) : results.guardrails.length === 0 ? (
          <p className={styles.muted} data-testid="guardrails-empty">
            The engine reported no guardrail states for this experiment yet (it may not evaluate guardrails yet, or no variant has data).
          </p>
        ) : (
          <table className={styles.table} aria-label="Guardrail states">
            <thead>
              <tr>
                <th style={{ textAlign: "left" }}>Guardrail</th>
                <th style={{ textAlign: "left" }}>Variant</th>
                <th style={{ textAlign: "left" }}>State</th>
                <th style={{ textAlign: "right" }}>Lift</th>
                <th style={{ textAlign: "right" }}>sequential p</th>
                <th style={{ textAlign: "left" }}>Detail</th>
              </tr>
            </thead>
            <tbody>
              {results.guardrails.flatMap((guardrail) =>
                guardrail.variants.map((variant) => (
                  <tr
                    key={`${guardrail.metric}-${variant.variant}`}
                    data-testid={`guardrail-${guardrail.metric}-${variant.variant}`}
                    data-state={variant.state}
                  >
                    <td>
                      {metricLabel(guardrail.metric)}
                      <div className={styles.muted}>
                        {guardrail.direction === "higherIsBetter" ? "higher" : "lower"} is better · tolerates{" "}
                        {guardrail.thresholdKind === "relative" ? `${guardrail.threshold * 100} %` : guardrail.threshold}
                      </div>
                    </td>
                    <td>{variant.variant}</td>
                    <td>
                      <Badge tone={GUARDRAIL_TONES[variant.state]}>{variant.state.replace("_", " ")}</Badge>
                    </td>
                    <td style={{ textAlign: "right" }}>
                      {variant.lift === null
                        ? "–"
                        : guardrail.thresholdKind === "relative"
                          ? `${(variant.lift * 100).toFixed(1)} %`
                          : variant.lift.toPrecision(3)}
                    </td>
                    <td style={{ textAlign: "right" }}>{formatPValue(variant.sequentialPValue)}</td>
                    <td className={styles.muted}>{variant.detail}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        )}
        {stopped.length > 0 ? (
          <ul className={styles.issues} data-testid="stopped-variants">
            {stopped.map((variant) => (
              <li key={variant.key}>
                {variant.key} was stopped {variant.stoppedAt?.slice(0, 16).replace("T", " ")} UTC: {variant.stopReason ?? "no reason recorded"}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </Card>
  );
}

function Timeline({ results, primaryMetric }: { results: Results; primaryMetric: string }) {
  const metrics = timelineMetrics(results.timeline);
  const [metric, setMetric] = useState<string>(metrics.includes(primaryMetric) ? primaryMetric : "exposures");
  const rows = timelineRows(results.timeline, metric);
  // Days without a single value (no exposures yet) draw nothing worth a chart.
  if (timelineRows(results.timeline, "exposures").every((row) => Object.keys(row).length === 1))
    return (
      <Card title="Over time" data-testid="timeline">
        <EmptyState title="No daily series yet" description="The engine has not reported day-by-day values for this experiment (or it has no exposures yet)." />
      </Card>
    );
  const series = results.variants.map((variant, index) => ({ key: variant.key, label: variant.key, color: chartPalette[index % chartPalette.length]! }));
  const unit = experimentMetric(metric)?.unit;
  return (
    <Card
      title="Over time"
      description="Cumulative per UTC day since the phase started."
      data-testid="timeline"
      actions={
        <Select
          label="Chart"
          hideLabel
          value={metric}
          onChange={(event) => setMetric(event.target.value)}
          options={[{ value: "exposures", label: "Exposed users" }, ...metrics.map((id) => ({ value: id, label: metricLabel(id) }))]}
        />
      }
    >
      <LineChart
        data={rows}
        xKey="day"
        series={series}
        label={`${metric === "exposures" ? "Exposed users" : metricLabel(metric)} per variant by day`}
        formatX={formatIsoDayShort}
        formatY={unit === "%" ? (value) => `${(value * 100).toFixed(1)} %` : undefined}
        data-testid="timeline-chart"
      />
    </Card>
  );
}

function SourceShare({ results }: { results: Results }) {
  const withClicks = results.sourceShare.filter((entry) => entry.sources.length > 0);
  return (
    <Card title="Clicks by source" data-testid="source-share">
      {withClicks.length === 0 ? (
        <p className={styles.muted}>No clicks attributed to a candidate source yet.</p>
      ) : (
        <div className={styles.twoColumns}>
          {withClicks.map((entry) => (
            <dl key={entry.variant} className={styles.facts}>
              <dt>
                <strong>{entry.variant}</strong>
              </dt>
              <dd />
              {entry.sources.map((source) => (
                <div key={source.source} style={{ display: "contents" }}>
                  <dt>{source.source || "(no source on the click)"}</dt>
                  <dd>
                    {(source.share * 100).toFixed(1)} % ({source.clicks.toLocaleString("en-US")})
                  </dd>
                </div>
              ))}
            </dl>
          ))}
        </div>
      )}
    </Card>
  );
}

export function ExperimentResults({ experiment }: { experiment: ExperimentView }) {
  const trpc = useTRPC();
  const [cuped, setCuped] = useState(true);
  const results = useQuery(
    trpc.experiment.results.queryOptions(
      { id: experiment.id, cuped },
      { enabled: experiment.status !== "draft", refetchInterval: experiment.status === "running" ? RUNNING_POLL_MS : false },
    ),
  );
  if (experiment.status === "draft")
    return (
      <Card title="Results">
        <EmptyState title="Not started" description="Results appear once the experiment runs and users are exposed." />
      </Card>
    );
  const answer = results.data;
  return (
    <div className={styles.stack} data-testid="experiment-results">
      <Card
        title="Results"
        description={
          answer?.ok
            ? `Phase ${answer.results.phase}, events from each unit's first exposure${answer.results.from ? ` (since ${answer.results.from.slice(0, 16).replace("T", " ")} UTC)` : ""}${answer.results.to ? ` up to ${answer.results.to.slice(0, 16).replace("T", " ")} UTC` : " up to now"}.`
            : undefined
        }
        actions={
          <div className={styles.row}>
            <label
              className={styles.row}
              title="CUPED adjusts per-user metrics with each user's pre-exposure value of the same metric, which narrows the intervals."
            >
              <input type="checkbox" checked={cuped} onChange={(event) => setCuped(event.target.checked)} data-testid="cuped-toggle" />
              CUPED
            </label>
            <Button size="small" onClick={() => void results.refetch()} disabled={results.isFetching}>
              {results.isFetching ? "Refreshing…" : "Refresh"}
            </Button>
          </div>
        }
      >
        {results.error ? (
          <ErrorState message={results.error.message} onRetry={() => void results.refetch()} />
        ) : !answer ? (
          <Skeleton height={240} />
        ) : !answer.ok ? (
          <ErrorState title="The engine could not compute the results" message={answer.message} onRetry={() => void results.refetch()} />
        ) : (
          <div className={styles.stack} data-cuped={String(answer.results.cuped)} data-testid="results-body">
            {answer.results.sampleRatio?.flagged ? (
              <div className={styles.dangerBanner} role="alert" data-testid="srm-warning">
                <strong>Sample ratio mismatch.</strong> Exposures ({answer.results.sampleRatio.observed.join(" / ")}) differ from what the weights expect (
                {answer.results.sampleRatio.expected.map((value) => Math.round(value)).join(" / ")}): χ² = {answer.results.sampleRatio.chiSquare.toFixed(2)}, p
                = {formatPValue(answer.results.sampleRatio.pValue)} &lt; {answer.results.sampleRatio.threshold}. Assignment or logging is broken somewhere; do
                not trust the lifts until it is explained.
              </div>
            ) : answer.results.sampleRatio ? (
              <p className={styles.muted} data-testid="srm-ok">
                Sample ratio as expected (p = {formatPValue(answer.results.sampleRatio.pValue)}).
              </p>
            ) : null}
            {answer.results.truncated ? (
              <p className={styles.banner}>More users were exposed than the analysis reads; these results cover the first ones by unit id.</p>
            ) : null}
            <p className={styles.muted}>
              CUPED{" "}
              {answer.results.cuped
                ? "on: per-user comparisons are adjusted with pre-exposure values"
                : cuped
                  ? "requested but not applied by the engine"
                  : "off"}
              .
            </p>
            {answer.results.variants.every((variant) => variant.exposures === 0) ? (
              <EmptyState
                title={`No exposed users in phase ${answer.results.phase} yet`}
                description="Units are exposed when the engine first serves them under the experiment; their events count from then."
              />
            ) : (
              <>
                <MetricValues results={answer.results} />
                <Comparisons results={answer.results} primaryMetric={experiment.primaryMetric} />
              </>
            )}
          </div>
        )}
      </Card>
      {answer?.ok ? (
        <>
          <Guardrails results={answer.results} experiment={experiment} />
          <Timeline results={answer.results} primaryMetric={experiment.primaryMetric} />
          <SourceShare results={answer.results} />
        </>
      ) : null}
    </div>
  );
}
