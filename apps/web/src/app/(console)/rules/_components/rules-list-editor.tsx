"use client";
// Ordered business rules: freshness, boosts/buries by expression, diversity caps, MMR. They run in
// this order; score-changing rules belong before reordering ones (a later score change re-sorts).
import type { RuleConfig, SurfaceConfig } from "@cascade/core";
import { Badge, Button, Card, Select } from "@cascade/ui";
import { useState } from "react";
import { type IssueMap, moveItem, newRule, RULE_TYPE_LABELS, RULE_TYPES } from "@/lib/rules/config-editor.ts";
import { ExpressionField } from "./expression-field.tsx";
import { FieldIssues } from "./field-issues.tsx";
import { NumberField } from "./number-field.tsx";
import styles from "./rules.module.css";

type SectionProps = { config: SurfaceConfig; onChange: (next: SurfaceConfig) => void; issues: IssueMap; readOnly: boolean };

function RuleFields({
  rule,
  index,
  update,
  config,
  issues,
  readOnly,
}: {
  rule: RuleConfig;
  index: number;
  update: (rule: RuleConfig) => void;
  config: SurfaceConfig;
  issues: IssueMap;
  readOnly: boolean;
}) {
  const at = (field: string) => `rules.${index}.${field}`;
  switch (rule.type) {
    case "freshness":
      return (
        <>
          <NumberField
            label="Half-life (hours)"
            value={rule.halfLifeHours}
            min={0}
            issues={issues}
            path={at("halfLifeHours")}
            disabled={readOnly}
            onChange={(halfLifeHours) => update({ ...rule, halfLifeHours })}
          />
          <NumberField
            label="Weight"
            value={rule.weight}
            issues={issues}
            path={at("weight")}
            hint="adds weight · 0.5^(age / half-life)"
            disabled={readOnly}
            onChange={(weight) => update({ ...rule, weight })}
          />
        </>
      );
    case "boost":
      return (
        <>
          <ExpressionField
            label="When"
            value={rule.when}
            config={config}
            disabled={readOnly}
            hint='e.g. category == "news" or tags has "editorial"'
            onChange={(when) => update({ ...rule, when })}
          />
          <NumberField
            label="Score delta"
            value={rule.delta}
            issues={issues}
            path={at("delta")}
            hint="negative buries"
            disabled={readOnly}
            onChange={(delta) => update({ ...rule, delta })}
          />
        </>
      );
    case "diversity":
      return (
        <>
          <Select
            label="Attribute"
            value={rule.attribute}
            disabled={readOnly}
            onChange={(event) => update({ ...rule, attribute: event.target.value as "category" | "creator" })}
            options={[
              { value: "category", label: "category" },
              { value: "creator", label: "creator" },
            ]}
          />
          <NumberField
            label="Max per window"
            value={rule.maxPerWindow}
            step={1}
            min={1}
            issues={issues}
            path={at("maxPerWindow")}
            disabled={readOnly}
            onChange={(maxPerWindow) => update({ ...rule, maxPerWindow })}
          />
          <NumberField
            label="Window (k positions)"
            value={rule.window}
            step={1}
            min={1}
            issues={issues}
            path={at("window")}
            disabled={readOnly}
            onChange={(window) => update({ ...rule, window })}
          />
          <NumberField
            label="Depth"
            value={rule.depth}
            step={1}
            min={1}
            issues={issues}
            path={at("depth")}
            hint="leading positions arranged"
            disabled={readOnly}
            onChange={(depth) => update({ ...rule, depth })}
          />
        </>
      );
    case "mmr":
      return (
        <>
          <NumberField
            label="λ (relevance vs novelty)"
            value={rule.lambda}
            step={0.05}
            min={0}
            max={1}
            issues={issues}
            path={at("lambda")}
            hint="1 = pure relevance, 0 = pure novelty"
            disabled={readOnly}
            onChange={(lambda) => update({ ...rule, lambda })}
          />
          <NumberField
            label="Depth"
            value={rule.depth}
            step={1}
            min={1}
            issues={issues}
            path={at("depth")}
            disabled={readOnly}
            onChange={(depth) => update({ ...rule, depth })}
          />
        </>
      );
  }
}

export function RulesListEditor({ config, onChange, issues, readOnly }: SectionProps) {
  const [typeToAdd, setTypeToAdd] = useState<RuleConfig["type"]>("boost");
  const setRules = (rules: RuleConfig[]) => onChange({ ...config, rules });
  return (
    <Card
      title="Business rules"
      description="Applied in this order after blending. Put score-changing rules (freshness, boosts) before reordering ones (diversity, MMR)."
      actions={
        readOnly ? null : (
          <div className={styles.toolbar}>
            <Select
              label="Rule type to add"
              hideLabel
              value={typeToAdd}
              onChange={(event) => setTypeToAdd(event.target.value as RuleConfig["type"])}
              options={RULE_TYPES.map((type) => ({ value: type, label: RULE_TYPE_LABELS[type] }))}
            />
            <Button size="small" onClick={() => setRules([...config.rules, newRule(typeToAdd, config.rules)])}>
              Add rule
            </Button>
          </div>
        )
      }
    >
      <div className={styles.rows}>
        {config.rules.length === 0 ? <span className={styles.muted}>No rules: the list is served in blended-score order.</span> : null}
        {config.rules.map((rule, index) => (
          <div className={styles.row} key={index} data-testid={`rule-${rule.id}`}>
            <div className={styles.rowHeader}>
              <Badge tone="accent">{index + 1}</Badge>
              <Badge>{RULE_TYPE_LABELS[rule.type]}</Badge>
              <span className={styles.grow} />
              {readOnly ? null : (
                <>
                  <Button
                    size="small"
                    variant="ghost"
                    aria-label={`Move ${rule.id} up`}
                    disabled={index === 0}
                    onClick={() => setRules(moveItem(config.rules, index, index - 1))}
                  >
                    ↑
                  </Button>
                  <Button
                    size="small"
                    variant="ghost"
                    aria-label={`Move ${rule.id} down`}
                    disabled={index === config.rules.length - 1}
                    onClick={() => setRules(moveItem(config.rules, index, index + 1))}
                  >
                    ↓
                  </Button>
                  <Button
                    size="small"
                    variant="ghost"
                    aria-label={`Remove rule ${rule.id}`}
                    onClick={() => setRules(config.rules.filter((_, i) => i !== index))}
                  >
                    Remove
                  </Button>
                </>
              )}
            </div>
            <label className={styles.field}>
              <span className={styles.label}>Id</span>
              <input
                className={`${styles.input} ${styles.mono}`}
                value={rule.id}
                disabled={readOnly}
                aria-invalid={issues.has(`rules.${index}.id`)}
                onChange={(event) => setRules(config.rules.map((entry, i) => (i === index ? { ...entry, id: event.target.value } : entry)))}
              />
              <FieldIssues issues={issues} path={`rules.${index}.id`} />
            </label>
            <RuleFields
              rule={rule}
              index={index}
              config={config}
              issues={issues}
              readOnly={readOnly}
              update={(next) => setRules(config.rules.map((entry, i) => (i === index ? next : entry)))}
            />
          </div>
        ))}
      </div>
    </Card>
  );
}
