import type { ChartSeries } from "./chart-series.ts";
import styles from "./ChartLegend.module.css";

export type ChartLegendProps = {
  series: ChartSeries[];
  hidden: ReadonlySet<string>;
  onToggle: (key: string) => void;
};

/**
 * Legend whose entries are toggle buttons: hiding a dominant series (impressions) is how users
 * read the small ones, and buttons keep that reachable by keyboard.
 */
export function ChartLegend({ series, hidden, onToggle }: ChartLegendProps) {
  return (
    <ul className={styles.legend} aria-label="Series">
      {series.map((entry) => (
        <li key={entry.key}>
          <button type="button" className={styles.toggle} aria-pressed={!hidden.has(entry.key)} onClick={() => onToggle(entry.key)}>
            <span className={styles.swatch} style={{ background: entry.color }} aria-hidden="true" />
            {entry.label}
          </button>
        </li>
      ))}
    </ul>
  );
}
