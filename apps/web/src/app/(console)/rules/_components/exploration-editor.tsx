"use client";
// Exploration: none, ε-greedy or Thompson sampling slots. Every served slot's propensity is logged
// with the impression, so off-policy evaluation stays possible.
import type { ExplorationConfig, SurfaceConfig } from "@cascade/core";
import { Card, Select } from "@cascade/ui";
import { useState } from "react";
import type { IssueMap } from "@/lib/rules/config-editor.ts";
import { ExpressionField } from "./expression-field.tsx";
import { FieldIssues } from "./field-issues.tsx";
import { NumberField } from "./number-field.tsx";
import styles from "./rules.module.css";

type SectionProps = { config: SurfaceConfig; onChange: (next: SurfaceConfig) => void; issues: IssueMap; readOnly: boolean };
type Policy = ExplorationConfig["policy"];

const POOL_DEFAULT = { when: "age_hours < 72", size: 50 };

function switchPolicy(current: ExplorationConfig, policy: Policy): ExplorationConfig {
  const slots = current.policy === "none" ? [4, 9] : current.slots;
  const pool = current.policy === "none" ? POOL_DEFAULT : current.pool;
  switch (policy) {
    case "none":
      return { policy };
    case "epsilonGreedy":
      return { policy, epsilon: current.policy === "epsilonGreedy" ? current.epsilon : 0.1, slots, pool };
    case "thompson":
      return current.policy === "thompson"
        ? current
        : {
            policy,
            slots,
            pool,
            prior: { alpha: 1, beta: 20 },
            impressionsField: "item_impressions_3d",
            clicksField: "item_clicks_3d",
            propensityReplays: 500,
          };
  }
}

function parseSlots(value: string): number[] {
  return value
    .split(/[\s,]+/)
    .filter((part) => part !== "")
    .map((part) => Number(part) - 1);
}

/** Slot positions as typed ("4, 9"), 1-based for people, 0-based in the config. */
function SlotsField({ slots, onChange, issues, disabled }: { slots: number[]; onChange: (slots: number[]) => void; issues: IssueMap; disabled: boolean }) {
  const show = (values: number[]) => values.map((slot) => slot + 1).join(", ");
  const [text, setText] = useState(show(slots));
  const [shownSlots, setShownSlots] = useState(slots);
  if (shownSlots !== slots) {
    setShownSlots(slots);
    if (parseSlots(text).join() !== slots.join()) setText(show(slots));
  }
  return (
    <label className={styles.field}>
      <span className={styles.label}>Slots (page positions, 1-based)</span>
      <input
        className={styles.input}
        value={text}
        disabled={disabled}
        aria-invalid={issues.has("exploration.slots")}
        onChange={(event) => {
          setText(event.target.value);
          onChange(parseSlots(event.target.value));
        }}
      />
      <FieldIssues issues={issues} path="exploration.slots" />
      {[...issues.keys()]
        .filter((key) => key.startsWith("exploration.slots."))
        .map((key) => (
          <FieldIssues key={key} issues={issues} path={key} />
        ))}
    </label>
  );
}

export function ExplorationEditor({ config, onChange, issues, readOnly }: SectionProps) {
  const exploration = config.exploration;
  const set = (next: ExplorationConfig) => onChange({ ...config, exploration: next });
  return (
    <Card title="Exploration" description="Some slots show fresh or uncertain items instead of the greedy pick. Each served slot carries its propensity.">
      <div className={styles.stack}>
        <div style={{ maxWidth: 280 }}>
          <Select
            label="Policy"
            value={exploration.policy}
            disabled={readOnly}
            onChange={(event) => set(switchPolicy(exploration, event.target.value as Policy))}
            options={[
              { value: "none", label: "None (greedy)" },
              { value: "epsilonGreedy", label: "ε-greedy" },
              { value: "thompson", label: "Thompson sampling" },
            ]}
          />
        </div>
        {exploration.policy === "none" ? null : (
          <div className={styles.row}>
            {exploration.policy === "epsilonGreedy" ? (
              <NumberField
                label="ε"
                value={exploration.epsilon}
                step={0.01}
                min={0}
                max={1}
                issues={issues}
                path="exploration.epsilon"
                hint="chance each slot explores"
                disabled={readOnly}
                onChange={(epsilon) => set({ ...exploration, epsilon })}
              />
            ) : null}
            <SlotsField slots={exploration.slots} issues={issues} disabled={readOnly} onChange={(slots) => set({ ...exploration, slots })} />
            <NumberField
              label="Pool size"
              value={exploration.pool.size}
              step={1}
              min={1}
              issues={issues}
              path="exploration.pool.size"
              disabled={readOnly}
              onChange={(size) => set({ ...exploration, pool: { ...exploration.pool, size } })}
            />
            <ExpressionField
              label="Pool: items where (optional)"
              optional
              value={exploration.pool.when ?? ""}
              config={config}
              disabled={readOnly}
              hint="narrows the exploration pool, e.g. fresh items"
              onChange={(when) => {
                const { when: _dropped, ...rest } = exploration.pool;
                set({ ...exploration, pool: when.trim() === "" ? rest : { ...rest, when } });
              }}
            />
            {exploration.policy === "thompson" ? (
              <>
                <NumberField
                  label="Prior α"
                  value={exploration.prior.alpha}
                  min={0}
                  issues={issues}
                  path="exploration.prior.alpha"
                  disabled={readOnly}
                  onChange={(alpha) => set({ ...exploration, prior: { ...exploration.prior, alpha } })}
                />
                <NumberField
                  label="Prior β"
                  value={exploration.prior.beta}
                  min={0}
                  issues={issues}
                  path="exploration.prior.beta"
                  disabled={readOnly}
                  onChange={(beta) => set({ ...exploration, prior: { ...exploration.prior, beta } })}
                />
                <label className={styles.field}>
                  <span className={styles.label}>Impressions field</span>
                  <input
                    className={`${styles.input} ${styles.mono}`}
                    value={exploration.impressionsField}
                    disabled={readOnly}
                    onChange={(event) => set({ ...exploration, impressionsField: event.target.value })}
                  />
                  <FieldIssues issues={issues} path="exploration.impressionsField" />
                </label>
                <label className={styles.field}>
                  <span className={styles.label}>Clicks field</span>
                  <input
                    className={`${styles.input} ${styles.mono}`}
                    value={exploration.clicksField}
                    disabled={readOnly}
                    onChange={(event) => set({ ...exploration, clicksField: event.target.value })}
                  />
                  <FieldIssues issues={issues} path="exploration.clicksField" />
                </label>
                <NumberField
                  label="Propensity replays"
                  value={exploration.propensityReplays}
                  step={100}
                  min={100}
                  issues={issues}
                  path="exploration.propensityReplays"
                  disabled={readOnly}
                  onChange={(propensityReplays) => set({ ...exploration, propensityReplays })}
                />
              </>
            ) : null}
          </div>
        )}
      </div>
    </Card>
  );
}
