"use client";
// Candidates per source with their rank and retrieval score (those that reached scoring; what the
// filters removed is listed under each filter).
import type { FunnelTrace } from "@cascade/core";
import { Badge, Card } from "@cascade/ui";
import { useState } from "react";
import { candidatesBySource } from "@/lib/feed-debugger/trace-views.ts";
import type { ItemSummary } from "@/server/services/feed-preview.ts";
import styles from "./feed-debugger.module.css";
import { formatScore, ItemLabel } from "./item-label.tsx";

export function SourcesCard({
  trace,
  items,
  onSelect,
}: {
  trace: FunnelTrace;
  items: Readonly<Record<string, ItemSummary>>;
  onSelect: (itemId: string) => void;
}) {
  const bySource = candidatesBySource(trace);
  const sourceStage = trace.stages.find((stage) => stage.stage === "sources");
  const ids = sourceStage?.components.map((component) => component.id) ?? [...bySource.keys()];
  const [selected, setSelected] = useState(ids[0] ?? null);
  const rows = selected ? (bySource.get(selected) ?? []) : [];
  return (
    <Card title="Candidates per source" description="Each source's candidates that survived the filters, with their rank and retrieval score.">
      <div className={styles.form} role="tablist" aria-label="Source">
        {ids.map((id) => {
          const component = sourceStage?.components.find((entry) => entry.id === id);
          return (
            <button
              key={id}
              type="button"
              role="tab"
              aria-selected={id === selected}
              className={styles.select}
              style={id === selected ? { borderColor: "var(--cx-color-accent)", background: "var(--cx-color-accent-soft)" } : undefined}
              onClick={() => setSelected(id)}
            >
              {id} <span className={styles.muted}>{component ? `${component.out} returned` : ""}</span>{" "}
              {component && component.status !== "ok" ? <Badge tone="warning">{component.status}</Badge> : null}
            </button>
          );
        })}
      </div>
      {rows.length === 0 ? (
        <p className={styles.muted}>
          {trace.detail === "full" ? "None of this source's candidates reached scoring." : "This trace is a summary: only served items are known."}
        </p>
      ) : (
        <div className={styles.scroll}>
          <table className={styles.table} data-testid="source-candidates">
            <thead>
              <tr>
                <th className={styles.numeric}>Rank</th>
                <th>Item</th>
                <th>Category</th>
                <th className={styles.numeric}>Retrieval score</th>
                <th>Served</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.itemId} className={styles.clickable} onClick={() => onSelect(row.itemId)}>
                  <td className={styles.numeric}>{row.rank + 1}</td>
                  <td>
                    <ItemLabel itemId={row.itemId} items={items} />
                  </td>
                  <td>{items[row.itemId]?.category ?? "—"}</td>
                  <td className={styles.numeric}>{formatScore(row.score)}</td>
                  <td>{row.served ? <Badge tone="success">served</Badge> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
