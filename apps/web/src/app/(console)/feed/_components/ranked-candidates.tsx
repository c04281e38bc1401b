"use client";
// Every candidate that reached scoring in final order: per-action predictions, the blend, each
// rule's delta and the resulting score.
import type { FunnelTrace } from "@cascade/core";
import { Badge, Button, Card } from "@cascade/ui";
import { useState } from "react";
import { rankedRows, ruleComponentIds } from "@/lib/feed-debugger/trace-views.ts";
import type { ItemSummary } from "@/server/services/feed-preview.ts";
import styles from "./feed-debugger.module.css";
import { formatScore, ItemLabel } from "./item-label.tsx";

const PAGE = 50;

export function RankedCandidates({
  trace,
  items,
  selected,
  onSelect,
}: {
  trace: FunnelTrace;
  items: Readonly<Record<string, ItemSummary>>;
  selected: string | null;
  onSelect: (itemId: string) => void;
}) {
  const [shown, setShown] = useState(PAGE);
  const rows = rankedRows(trace);
  const ruleIds = ruleComponentIds(trace);
  const keys = [...new Set(rows.slice(0, 200).flatMap((row) => Object.keys(row.scores)))];
  const predictionKeys = keys.filter((key) => key !== "blend" && !ruleIds.has(key)).sort();
  const ruleKeys = keys.filter((key) => ruleIds.has(key));
  return (
    <Card
      title="Ranked candidates"
      description="Per-action predictions, the blended score, each rule's delta and the final score, in final order. Click a row for its features."
    >
      <div className={styles.scroll} style={{ maxHeight: 560 }}>
        <table className={styles.table} data-testid="ranked-candidates">
          <thead>
            <tr>
              <th className={styles.numeric}>#</th>
              <th>Item</th>
              <th>Category</th>
              <th>Page</th>
              {predictionKeys.map((key) => (
                <th key={key} className={styles.numeric}>
                  P({key})
                </th>
              ))}
              <th className={styles.numeric}>blend</th>
              {ruleKeys.map((key) => (
                <th key={key} className={styles.numeric}>
                  Δ {key}
                </th>
              ))}
              <th className={styles.numeric}>score</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, shown).map((row) => (
              <tr key={row.itemId} className={`${styles.clickable} ${row.itemId === selected ? styles.selectedRow : ""}`} onClick={() => onSelect(row.itemId)}>
                <td className={styles.numeric}>{row.rank + 1}</td>
                <td>
                  <ItemLabel itemId={row.itemId} items={items} />
                </td>
                <td>{items[row.itemId]?.category ?? "—"}</td>
                <td>
                  {row.servedPosition !== null ? (
                    <Badge
                      tone={row.slot === "explore" ? "accent" : "success"}
                    >{`#${row.servedPosition + 1}${row.slot === "explore" ? " explore" : ""}`}</Badge>
                  ) : null}
                </td>
                {predictionKeys.map((key) => (
                  <td key={key} className={styles.numeric}>
                    {formatScore(row.scores[key])}
                  </td>
                ))}
                <td className={styles.numeric}>{formatScore(row.scores.blend)}</td>
                {ruleKeys.map((key) => (
                  <td key={key} className={styles.numeric}>
                    {row.scores[key] === undefined ? "" : formatScore(row.scores[key])}
                  </td>
                ))}
                <td className={styles.numeric}>{formatScore(row.score)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > shown ? (
        <Button size="small" onClick={() => setShown(shown + PAGE)}>
          Show {Math.min(PAGE, rows.length - shown)} more of {rows.length - shown}
        </Button>
      ) : null}
    </Card>
  );
}
