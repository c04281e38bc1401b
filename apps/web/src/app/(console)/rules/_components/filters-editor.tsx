"use client";
// Filters, cheapest first: seen/consumed window, blocked items/categories/creators, availability,
// then the keep-expressions in order.
import type { SurfaceConfig } from "@cascade/core";
import { Button, Card } from "@cascade/ui";
import { type IssueMap, moveItem, uniqueId } from "@/lib/rules/config-editor.ts";
import { ExpressionField } from "./expression-field.tsx";
import { FieldIssues } from "./field-issues.tsx";
import { ListField } from "./list-field.tsx";
import { NumberField } from "./number-field.tsx";
import styles from "./rules.module.css";

type SectionProps = { config: SurfaceConfig; onChange: (next: SurfaceConfig) => void; issues: IssueMap; readOnly: boolean };
type Filters = SurfaceConfig["filters"];

export function FiltersEditor({ config, onChange, issues, readOnly }: SectionProps) {
  const filters = config.filters;
  const set = (patch: Partial<Filters>) => onChange({ ...config, filters: { ...filters, ...patch } });
  const setBlocked = (patch: Partial<Filters["blocked"]>) => set({ blocked: { ...filters.blocked, ...patch } });
  const setExpressions = (expressions: Filters["expressions"]) => set({ expressions });
  return (
    <Card title="Filters" description="Applied before ranking, cheapest first. Every removed item shows up in the feed debugger with its reason.">
      <div className={styles.stack}>
        <div className={styles.grid}>
          <NumberField
            label="Seen / consumed window (hours)"
            value={filters.seenWindowHours}
            min={0}
            issues={issues}
            path="filters.seenWindowHours"
            hint="Drop items the user saw within this window; 0 turns it off."
            disabled={readOnly}
            onChange={(seenWindowHours) => set({ seenWindowHours })}
          />
          <label className={styles.checkboxLabel}>
            <input
              type="checkbox"
              checked={filters.requireAvailable}
              disabled={readOnly}
              onChange={(event) => set({ requireAvailable: event.target.checked })}
            />
            Drop unavailable items
          </label>
        </div>
        <div className={styles.grid}>
          <ListField
            label="Blocked categories"
            values={filters.blocked.categories}
            issues={issues}
            path="filters.blocked.categories"
            disabled={readOnly}
            onChange={(categories) => setBlocked({ categories })}
          />
          <ListField
            label="Blocked creators"
            values={filters.blocked.creators}
            issues={issues}
            path="filters.blocked.creators"
            disabled={readOnly}
            onChange={(creators) => setBlocked({ creators })}
          />
          <ListField
            label="Blocked items"
            values={filters.blocked.itemIds}
            issues={issues}
            path="filters.blocked.itemIds"
            disabled={readOnly}
            onChange={(itemIds) => setBlocked({ itemIds })}
          />
        </div>
        <div className={styles.rows}>
          <div className={styles.rowHeader}>
            <strong className={styles.grow}>Keep expressions</strong>
            {readOnly ? null : (
              <Button
                size="small"
                onClick={() =>
                  setExpressions([
                    ...filters.expressions,
                    {
                      id: uniqueId(
                        "expression",
                        filters.expressions.map((entry) => entry.id),
                      ),
                      keep: "available",
                    },
                  ])
                }
              >
                Add expression filter
              </Button>
            )}
          </div>
          {filters.expressions.length === 0 ? (
            <span className={styles.muted}>No expression filters: every item that passes the filters above is kept.</span>
          ) : null}
          {filters.expressions.map((expression, index) => (
            <div className={styles.row} key={index} data-testid={`expression-filter-${index}`}>
              <label className={styles.field}>
                <span className={styles.label}>Id</span>
                <input
                  className={`${styles.input} ${styles.mono}`}
                  value={expression.id}
                  disabled={readOnly}
                  aria-invalid={issues.has(`filters.expressions.${index}.id`)}
                  onChange={(event) => setExpressions(filters.expressions.map((entry, i) => (i === index ? { ...entry, id: event.target.value } : entry)))}
                />
                <FieldIssues issues={issues} path={`filters.expressions.${index}.id`} />
              </label>
              <ExpressionField
                label="Keep items where"
                value={expression.keep}
                config={config}
                disabled={readOnly}
                hint='e.g. age_hours < 72 and category not in ("adult")'
                onChange={(keep) => setExpressions(filters.expressions.map((entry, i) => (i === index ? { ...entry, keep } : entry)))}
              />
              {readOnly ? null : (
                <>
                  <Button
                    size="small"
                    variant="ghost"
                    aria-label="Move up"
                    disabled={index === 0}
                    onClick={() => setExpressions(moveItem(filters.expressions, index, index - 1))}
                  >
                    ↑
                  </Button>
                  <Button
                    size="small"
                    variant="ghost"
                    aria-label={`Remove expression ${expression.id}`}
                    onClick={() => setExpressions(filters.expressions.filter((_, i) => i !== index))}
                  >
                    Remove
                  </Button>
                </>
              )}
            </div>
          ))}
        </div>
      </div>
    </Card>
  );
}
