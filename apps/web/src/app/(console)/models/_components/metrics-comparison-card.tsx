"use client";
// Offline metrics of the compared versions side by side, with the baselines each was evaluated
// against on its own split. Metric names come from the stored JSON (whatever the trainer wrote).
import {
  Card,
  ChartLegend,
  chartPalette,
  type ChartSeries,
  EmptyState,
  formatDecimal,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
} from "@cascade/ui";
import { useState } from "react";
import { chartableRows, type ComparisonSeries, comparisonRows } from "@/lib/model-metrics.ts";
import type { ModelVersionRow } from "@/server/services/model-version.ts";
import { OtherMetricCharts, RateComparisonChart } from "./metric-comparison-chart.tsx";
import { versionLabel } from "./model-version-table.tsx";
import styles from "./models.module.css";

/** Baselines get the muted end of the palette so models stand out. */
const BASELINE_COLORS = ["#94a3b8", "#64748b", "#cbd5e1", "#475569"];

export function comparisonSeries(rows: readonly ModelVersionRow[], selected: readonly string[]): ComparisonSeries[] {
  const chosen = selected.map((id) => rows.find((row) => row.id === id)).filter((row): row is ModelVersionRow => !!row);
  const models: ComparisonSeries[] = chosen.map((row) => ({ key: row.id, label: versionLabel(row), kind: "model", metrics: row.metrics }));
  const baselines: ComparisonSeries[] = chosen.flatMap((row) =>
    row.baselines.map((baseline) => ({
      key: `${row.id}:${baseline.name}`,
      label: chosen.length > 1 ? `${baseline.name} (baseline of ${versionLabel(row)})` : `${baseline.name} (baseline)`,
      kind: "baseline" as const,
      metrics: baseline.metrics,
    })),
  );
  return [...models, ...baselines];
}

export function MetricsComparisonCard({ rows, selected }: { rows: readonly ModelVersionRow[]; selected: readonly string[] }) {
  const series = comparisonSeries(rows, selected);
  const metricRows = comparisonRows(series);
  let modelIndex = 0;
  let baselineIndex = 0;
  const chartSeries: ChartSeries[] = series.map((entry) => ({
    key: entry.key,
    label: entry.label,
    color: entry.kind === "model" ? chartPalette[modelIndex++ % chartPalette.length]! : BASELINE_COLORS[baselineIndex++ % BASELINE_COLORS.length]!,
  }));
  const { rates, others } = chartableRows(metricRows);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  function toggle(key: string) {
    setHidden((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }

  return (
    <Card
      title="Offline metrics"
      description="Tick versions in the tables above to compare them. Baselines were evaluated on the same split as the version that stores them. Rates share one 0–1 axis; losses, counts and times each get their own. The table has every number."
      data-testid="metrics-comparison"
    >
      {series.length === 0 ? (
        <EmptyState title="Nothing to compare" description="Tick one or more versions in the tables above." />
      ) : metricRows.length === 0 ? (
        <EmptyState title="No offline metrics" description="The compared versions have no numeric metrics stored (external rankers bring none)." />
      ) : (
        <div className={styles.comparison}>
          {rates.length > 0 || others.length > 0 ? <ChartLegend series={chartSeries} hidden={hidden} onToggle={toggle} /> : null}
          {rates.length > 0 ? <RateComparisonChart rows={rates} series={chartSeries} hidden={hidden} /> : null}
          {others.length > 0 ? <OtherMetricCharts rows={others} series={chartSeries} hidden={hidden} /> : null}
          <Table aria-label="Offline metrics" data-testid="metrics-table">
            <TableHead>
              <TableRow>
                <TableHeaderCell className={styles.metricColumn}>Metric</TableHeaderCell>
                {series.map((entry) => (
                  <TableHeaderCell key={entry.key} align="right" data-series={entry.key} className={styles.seriesHeader}>
                    <span className={entry.kind === "baseline" ? styles.baselineHeader : undefined}>{entry.label}</span>
                  </TableHeaderCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {metricRows.map((row) => (
                <TableRow key={row.metric} data-metric={row.metric}>
                  <TableCell nowrap className={styles.metricColumn}>
                    <code className={styles.metricName}>{row.metric}</code>
                  </TableCell>
                  {row.values.map((value, index) => (
                    <TableCell key={series[index]!.key} align="right" nowrap data-value={value ?? ""}>
                      {value === null ? <span className={styles.muted}>—</span> : formatDecimal(value)}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </Card>
  );
}
