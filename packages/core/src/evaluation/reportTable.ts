import type { EvaluationReport } from "./evaluationReport.ts";

function formatValue(value: number, digits: number): string {
  if (Number.isNaN(value)) return "n/a";
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(digits);
}

/**
 * A fixed-width plain-text table for terminals and logs (`cascade eval`): names left-aligned,
 * numbers right-aligned so decimal points line up. Integers (counts) print without decimals.
 */
export function formatReportTable(report: EvaluationReport, digits = 4): string {
  const header = ["model", ...report.columns];
  const body = report.rows.map((row) => [row.name, ...row.values.map((v) => formatValue(v, digits))]);
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((r) => (r[j] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [report.title, line(header), rule, ...body.map(line)].join("\n");
}
