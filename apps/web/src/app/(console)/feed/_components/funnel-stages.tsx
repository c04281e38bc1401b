// The funnel stage by stage: each component's status, time, items in/out, what it removed and
// why, what it wrote, and what each rule or explorer did to which item.
import type { ComponentTrace, FunnelTrace, RuleEffect } from "@cascade/core";
import { Badge, type BadgeTone, Card } from "@cascade/ui";
import { useState } from "react";
import { STAGE_LABELS } from "@/lib/feed-debugger/trace-views.ts";
import type { ItemSummary } from "@/server/services/feed-preview.ts";
import styles from "./feed-debugger.module.css";

const STATUS_TONES: Record<ComponentTrace["status"], BadgeTone> = { ok: "success", timeout: "warning", error: "danger" };
const PREVIEW_ROWS = 20;

function effectText(effect: RuleEffect): string {
  const moved = effect.from !== undefined && effect.to !== undefined ? ` #${effect.from + 1} → #${effect.to + 1}` : "";
  const delta = effect.delta !== undefined ? ` ${effect.delta >= 0 ? "+" : ""}${effect.delta.toPrecision(3)}` : "";
  const propensity = effect.propensity !== undefined ? ` p=${effect.propensity.toPrecision(3)}` : "";
  return `${effect.kind}${moved}${delta}${propensity}${effect.reason ? ` (${effect.reason})` : ""}`;
}

function Expandable<T>({ rows, render, label }: { rows: readonly T[]; render: (row: T, index: number) => React.ReactNode; label: string }) {
  const [all, setAll] = useState(false);
  const shown = all ? rows : rows.slice(0, PREVIEW_ROWS);
  return (
    <>
      <ul className={styles.mono} style={{ margin: 0, paddingLeft: "1.2em" }}>
        {shown.map(render)}
      </ul>
      {rows.length > PREVIEW_ROWS ? (
        <button
          type="button"
          className={styles.muted}
          style={{ background: "none", border: 0, padding: 0, cursor: "pointer", textDecoration: "underline" }}
          onClick={() => setAll(!all)}
        >
          {all ? "show fewer" : `show all ${rows.length} ${label}`}
        </button>
      ) : null}
    </>
  );
}

function ComponentDetail({
  component,
  items,
  onSelect,
}: {
  component: ComponentTrace;
  items: Readonly<Record<string, ItemSummary>>;
  onSelect: (itemId: string) => void;
}) {
  const itemButton = (itemId: string) => (
    <button
      type="button"
      onClick={() => onSelect(itemId)}
      style={{ background: "none", border: 0, padding: 0, cursor: "pointer", color: "var(--cx-color-accent-text)" }}
    >
      {itemId}
    </button>
  );
  return (
    <div className={styles.component} data-testid={`component-${component.id}`}>
      <div className={styles.stageHeader}>
        <strong className={styles.mono}>{component.id}</strong>
        <Badge tone={STATUS_TONES[component.status]}>{component.status}</Badge>
        <span className={styles.muted}>
          {component.ms.toFixed(2)} ms · {component.in} in → {component.out} out
        </span>
        {component.writes?.length ? <span className={styles.muted}>writes {component.writes.join(", ")}</span> : null}
      </div>
      {component.error ? <p className={styles.error}>{component.error}</p> : null}
      {component.removed?.length ? (
        <details>
          <summary>Removed {component.removed.length}</summary>
          <Expandable
            rows={component.removed}
            label="removed items"
            render={(removed) => (
              <li key={removed.itemId}>
                {itemButton(removed.itemId)} {items[removed.itemId]?.category ? `[${items[removed.itemId]!.category}] ` : ""}— {removed.reason}
              </li>
            )}
          />
        </details>
      ) : null}
      {component.effects?.length ? (
        <details>
          <summary>
            {component.effects.length} effects{component.effectsOmitted ? ` (+${component.effectsOmitted} past the trace horizon)` : ""}
          </summary>
          <Expandable
            rows={component.effects}
            label="effects"
            render={(effect, index) => (
              <li key={index}>
                {itemButton(effect.itemId)} {effectText(effect)}
              </li>
            )}
          />
        </details>
      ) : null}
    </div>
  );
}

export function FunnelStages({
  trace,
  items,
  onSelect,
}: {
  trace: FunnelTrace;
  items: Readonly<Record<string, ItemSummary>>;
  onSelect: (itemId: string) => void;
}) {
  return (
    <Card title="Funnel, stage by stage" description="Click an item id to see why it was (not) served.">
      <div className={styles.stack} data-testid="funnel-stages">
        {trace.stages.map((stage) => (
          <section key={stage.stage} aria-label={STAGE_LABELS[stage.stage]}>
            <div className={styles.stageHeader}>
              <h3 style={{ margin: 0, fontSize: "var(--cx-text-md)" }}>{STAGE_LABELS[stage.stage]}</h3>
              <span className={styles.muted}>
                {stage.ms.toFixed(2)} ms · {stage.in} → {stage.out}
              </span>
            </div>
            {stage.components.length === 0 ? (
              <p className={styles.muted}>No components.</p>
            ) : (
              <div className={styles.components}>
                {stage.components.map((component) => (
                  <ComponentDetail key={component.id} component={component} items={items} onSelect={onSelect} />
                ))}
              </div>
            )}
          </section>
        ))}
      </div>
    </Card>
  );
}
