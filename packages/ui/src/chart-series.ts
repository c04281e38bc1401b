/** One plotted measure: the data key it reads, its legend label and its colour. */
export type ChartSeries = {
  key: string;
  label: string;
  color: string;
};

/** Colours that stay distinguishable next to each other on white (ordered by contrast). */
export const chartPalette = ["#4f46e5", "#0ea5e9", "#f97316", "#16a34a", "#db2777", "#a855f7", "#eab308", "#14b8a6", "#ef4444", "#64748b"] as const;

export type ChartDatum = Record<string, string | number>;
