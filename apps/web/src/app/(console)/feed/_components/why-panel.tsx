"use client";
// "Why this item?" for the selected item and "why not item X?" for any id, answered from the trace
// with the same explainItem the engine uses.
import type { FunnelTrace } from "@cascade/core";
import { Button, Card } from "@cascade/ui";
import { useState } from "react";
import { explainForPeople } from "@/lib/feed-debugger/trace-views.ts";
import type { ItemSummary } from "@/server/services/feed-preview.ts";
import styles from "./feed-debugger.module.css";
import { formatScore, ItemLabel } from "./item-label.tsx";

function Numbers({ title, values }: { title: string; values: Record<string, number> | undefined }) {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return null;
  return (
    <div>
      <strong>{title}</strong>
      <dl className={styles.kv}>
        {entries.map(([key, value]) => (
          <div key={key} style={{ display: "contents" }}>
            <dt>{key}</dt>
            <dd>{formatScore(value)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function Explanation({ trace, itemId, items }: { trace: FunnelTrace; itemId: string; items: Readonly<Record<string, ItemSummary>> }) {
  const view = explainForPeople(trace, itemId);
  const candidate = trace.candidates?.[itemId];
  const served = view.explanation.status === "served" ? view.explanation.served : null;
  const item = items[itemId];
  return (
    <div className={styles.stack} data-testid="item-explanation" data-status={view.explanation.status}>
      <div>
        <ItemLabel itemId={itemId} items={items} />
        {item ? (
          <span className={styles.muted}>
            {" "}
            · {item.category}
            {item.creatorId ? ` · by ${item.creatorId}` : ""}
          </span>
        ) : null}
      </div>
      <p className={styles.headline}>{view.headline}</p>
      {view.details.length ? (
        <ul style={{ margin: 0, paddingLeft: "1.2em" }}>
          {view.details.map((detail, index) => (
            <li key={index}>{detail}</li>
          ))}
        </ul>
      ) : null}
      <Numbers title="Scores (predictions, blend, rule deltas)" values={served?.scores ?? candidate?.scores} />
      <Numbers title="Features the ranker saw" values={served?.features ?? candidate?.features} />
    </div>
  );
}

export function WhyPanel({ trace, items, selected }: { trace: FunnelTrace; items: Readonly<Record<string, ItemSummary>>; selected: string | null }) {
  const [typed, setTyped] = useState("");
  const [asked, setAsked] = useState<string | null>(null);
  return (
    <div className={styles.twoColumns}>
      <Card title="Why this item?" description="Pick an item in the final list, a stage or the ranked table.">
        {selected ? <Explanation trace={trace} itemId={selected} items={items} /> : <p className={styles.muted}>No item selected.</p>}
      </Card>
      <Card title="Why not item X?">
        <form
          className={styles.form}
          onSubmit={(event) => {
            event.preventDefault();
            setAsked(typed.trim() || null);
          }}
        >
          <label className={styles.field}>
            <span className={styles.label}>Item id</span>
            <input className={styles.input} value={typed} onChange={(event) => setTyped(event.target.value)} placeholder="e.g. item-123" />
          </label>
          <Button type="submit">Explain</Button>
        </form>
        {asked ? (
          <div style={{ marginTop: "var(--cx-space-4)" }} data-testid="why-not">
            <Explanation trace={trace} itemId={asked} items={items} />
          </div>
        ) : null}
      </Card>
    </div>
  );
}
