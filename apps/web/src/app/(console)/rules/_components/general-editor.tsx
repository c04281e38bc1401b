"use client";
// Page sizes, candidate cap, hydration/scoring budgets and extra numeric fields for expressions.
import type { SurfaceConfig } from "@cascade/core";
import { Card } from "@cascade/ui";
import type { IssueMap } from "@/lib/rules/config-editor.ts";
import { ListField } from "./list-field.tsx";
import { NumberField } from "./number-field.tsx";
import styles from "./rules.module.css";

type SectionProps = { config: SurfaceConfig; onChange: (next: SurfaceConfig) => void; issues: IssueMap; readOnly: boolean };

export function GeneralEditor({ config, onChange, issues, readOnly }: SectionProps) {
  const set = (patch: Partial<SurfaceConfig>) => onChange({ ...config, ...patch });
  return (
    <Card title="Page and budgets">
      <div className={styles.grid}>
        <NumberField
          label="Default page size"
          value={config.page.defaultCount}
          step={1}
          min={1}
          issues={issues}
          path="page.defaultCount"
          disabled={readOnly}
          onChange={(defaultCount) => set({ page: { ...config.page, defaultCount } })}
        />
        <NumberField
          label="Max page size"
          value={config.page.maxCount}
          step={1}
          min={1}
          issues={issues}
          path="page.maxCount"
          disabled={readOnly}
          onChange={(maxCount) => set({ page: { ...config.page, maxCount } })}
        />
        <NumberField
          label="Max merged candidates"
          value={config.maxCandidates}
          step={1}
          min={1}
          issues={issues}
          path="maxCandidates"
          disabled={readOnly}
          onChange={(maxCandidates) => set({ maxCandidates })}
        />
        <NumberField
          label="Query hydration budget (ms)"
          value={config.hydrationBudgetMs}
          step={1}
          min={1}
          issues={issues}
          path="hydrationBudgetMs"
          disabled={readOnly}
          onChange={(hydrationBudgetMs) => set({ hydrationBudgetMs })}
        />
        <NumberField
          label="Scoring budget (ms)"
          value={config.scoringBudgetMs}
          step={1}
          min={1}
          issues={issues}
          path="scoringBudgetMs"
          disabled={readOnly}
          onChange={(scoringBudgetMs) => set({ scoringBudgetMs })}
        />
        <ListField
          label="Extra numeric fields for expressions"
          values={config.numericFields}
          issues={issues}
          path="numericFields"
          placeholder="e.g. rating"
          disabled={readOnly}
          onChange={(numericFields) => set({ numericFields })}
        />
      </div>
    </Card>
  );
}
