"use client";
// Candidate sources: which run, how many candidates each may contribute and their time budgets.
import { SOURCE_IDS, type SourceConfig, type SurfaceConfig } from "@cascade/core";
import { Button, Card } from "@cascade/ui";
import { type IssueMap, newSource } from "@/lib/rules/config-editor.ts";
import { FieldIssues } from "./field-issues.tsx";
import { NumberField } from "./number-field.tsx";
import styles from "./rules.module.css";

const KNOWN_SOURCES = Object.values(SOURCE_IDS);
const SOURCE_HINTS: Record<string, string> = {
  ann: "two-tower ANN (HNSW)",
  itemToItem: "trained item-to-item model (EASE / item kNN) over the user's history",
  trending: "time-decayed trending counts",
  covisitation: "recently viewed / item-to-item",
  follows: "fresh items from followed creators",
  fresh: "newest items (cold start)",
};

type SectionProps = { config: SurfaceConfig; onChange: (next: SurfaceConfig) => void; issues: IssueMap; readOnly: boolean };

export function SourcesEditor({ config, onChange, issues, readOnly }: SectionProps) {
  const setSources = (sources: SourceConfig[]) => onChange({ ...config, sources });
  const update = (index: number, patch: Partial<SourceConfig>) =>
    setSources(config.sources.map((source, i) => (i === index ? { ...source, ...patch } : source)));
  return (
    <Card
      title="Candidate sources"
      description="Sources run in parallel; each contributes at most its quota and is abandoned past its budget (the request continues without it). Without an active ranker, items are ordered by the weighted fusion of their source ranks: Σ weight / (k + 1 + rank)."
      actions={
        readOnly ? null : (
          <Button size="small" onClick={() => setSources([...config.sources, newSource(config.sources, KNOWN_SOURCES)])}>
            Add source
          </Button>
        )
      }
    >
      <div className={styles.rows}>
        {config.sources.map((source, index) => (
          <div className={styles.row} key={index} data-testid={`source-${source.id}`}>
            <label className={styles.field}>
              <span className={styles.label}>Source</span>
              <input
                className={`${styles.input} ${styles.mono}`}
                list="known-sources"
                value={source.id}
                disabled={readOnly}
                aria-invalid={issues.has(`sources.${index}.id`)}
                onChange={(event) => update(index, { id: event.target.value })}
              />
              <span className={styles.hint}>{SOURCE_HINTS[source.id] ?? "custom source id"}</span>
              <FieldIssues issues={issues} path={`sources.${index}.id`} />
            </label>
            <label className={styles.checkboxLabel}>
              <input type="checkbox" checked={source.enabled} disabled={readOnly} onChange={(event) => update(index, { enabled: event.target.checked })} />
              Enabled
            </label>
            <NumberField
              label="Quota"
              value={source.quota}
              step={1}
              min={1}
              issues={issues}
              path={`sources.${index}.quota`}
              disabled={readOnly}
              onChange={(quota) => update(index, { quota })}
            />
            <NumberField
              label="Budget (ms)"
              value={source.budgetMs}
              step={1}
              min={1}
              issues={issues}
              path={`sources.${index}.budgetMs`}
              disabled={readOnly}
              onChange={(budgetMs) => update(index, { budgetMs })}
            />
            <NumberField
              label="Fusion weight"
              value={source.weight}
              step={0.1}
              min={0}
              issues={issues}
              path={`sources.${index}.weight`}
              disabled={readOnly}
              onChange={(weight) => update(index, { weight })}
            />
            {readOnly ? null : (
              <Button
                size="small"
                variant="ghost"
                aria-label={`Remove source ${source.id}`}
                onClick={() => setSources(config.sources.filter((_, i) => i !== index))}
              >
                Remove
              </Button>
            )}
          </div>
        ))}
        <datalist id="known-sources">
          {KNOWN_SOURCES.map((id) => (
            <option key={id} value={id} />
          ))}
        </datalist>
        <FieldIssues issues={issues} path="sources" />
      </div>
    </Card>
  );
}
