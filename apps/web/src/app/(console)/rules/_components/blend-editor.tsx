"use client";
// Blend weights: score = Σ weight · P(action). Kept separate from the ranker's predictions so a
// weight change is a rules change, testable and explainable.
import type { SurfaceConfig } from "@cascade/core";
import { Button, Card } from "@cascade/ui";
import { type IssueMap, uniqueId } from "@/lib/rules/config-editor.ts";
import { FieldIssues } from "./field-issues.tsx";
import { NumberField } from "./number-field.tsx";
import styles from "./rules.module.css";

type SectionProps = { config: SurfaceConfig; onChange: (next: SurfaceConfig) => void; issues: IssueMap; readOnly: boolean };

export function BlendEditor({ config, onChange, issues, readOnly }: SectionProps) {
  const entries = Object.entries(config.blend);
  const setEntries = (next: [string, number][]) => onChange({ ...config, blend: Object.fromEntries(next) });
  return (
    <Card
      title="Blend weights"
      description="The ranking score is Σ weight · P(action); actions the ranker does not predict count as 0. Negative weights push down (hide)."
      actions={
        readOnly ? null : (
          <Button
            size="small"
            onClick={() =>
              setEntries([
                ...entries,
                [
                  uniqueId(
                    "action",
                    entries.map(([name]) => name),
                  ),
                  1,
                ],
              ])
            }
          >
            Add action
          </Button>
        )
      }
    >
      <div className={styles.grid}>
        {entries.map(([action, weight], index) => (
          <div className={styles.row} key={index}>
            <label className={styles.field}>
              <span className={styles.label}>Action</span>
              <input
                className={`${styles.input} ${styles.mono}`}
                value={action}
                disabled={readOnly}
                aria-invalid={issues.has(`blend.${action}`)}
                onChange={(event) => setEntries(entries.map((entry, i) => (i === index ? [event.target.value, entry[1]] : entry)))}
              />
            </label>
            <NumberField
              label="Weight"
              value={weight}
              issues={issues}
              path={`blend.${action}`}
              disabled={readOnly}
              onChange={(next) => setEntries(entries.map((entry, i) => (i === index ? [entry[0], next] : entry)))}
            />
            {readOnly ? null : (
              <Button size="small" variant="ghost" aria-label={`Remove action ${action}`} onClick={() => setEntries(entries.filter((_, i) => i !== index))}>
                Remove
              </Button>
            )}
          </div>
        ))}
      </div>
      <FieldIssues issues={issues} path="blend" />
    </Card>
  );
}
