// The Experiments list's URL state (?status=&surface=) and the tRPC input it becomes.
export const EXPERIMENT_STATUSES = ["draft", "running", "stopped", "shipped"] as const;
export type ExperimentStatusName = (typeof EXPERIMENT_STATUSES)[number];

export type ExperimentListFilter = { status: ExperimentStatusName | null; surface: string | null };

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Unknown statuses and surfaces read as "all" rather than an empty list. */
export function parseExperimentListFilter(params: Record<string, string | string[] | undefined>, surfaces: readonly string[]): ExperimentListFilter {
  const status = first(params.status);
  const surface = first(params.surface);
  return {
    status: (EXPERIMENT_STATUSES as readonly string[]).includes(status ?? "") ? (status as ExperimentStatusName) : null,
    surface: surface && surfaces.includes(surface) ? surface : null,
  };
}

export function experimentListInput(filter: ExperimentListFilter): { status?: ExperimentStatusName; surface?: string } {
  return { ...(filter.status ? { status: filter.status } : {}), ...(filter.surface ? { surface: filter.surface } : {}) };
}

export function experimentListSearch(filter: ExperimentListFilter): string {
  const params = new URLSearchParams();
  if (filter.status) params.set("status", filter.status);
  if (filter.surface) params.set("surface", filter.surface);
  const query = params.toString();
  return query ? `?${query}` : "";
}

/** "50 %" or "10 % now (ramping to 50 %)". */
export function coverageText(experiment: { status: string; coverage: number; effectiveCoverage: number }): string {
  const percent = (value: number) => `${Math.round(value * 1000) / 10} %`;
  if (experiment.status === "running" && experiment.effectiveCoverage < experiment.coverage)
    return `${percent(experiment.effectiveCoverage)} now (ramping to ${percent(experiment.coverage)})`;
  return percent(experiment.coverage);
}
