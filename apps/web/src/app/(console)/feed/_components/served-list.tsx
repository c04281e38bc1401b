// The page the user would get: position, item, score, sources, slot and propensity.
import type { FunnelTrace } from "@cascade/core";
import { Badge, Card } from "@cascade/ui";
import type { ItemSummary } from "@/server/services/feed-preview.ts";
import styles from "./feed-debugger.module.css";
import { formatScore, ItemLabel } from "./item-label.tsx";

type ServedListProps = {
  trace: FunnelTrace;
  items: Readonly<Record<string, ItemSummary>>;
  selected: string | null;
  onSelect: (itemId: string) => void;
  /** After "Final list", e.g. "as of 2026-11-20 17:43 UTC". */
  caption?: string | undefined;
};

export function ServedList({ trace, items, selected, onSelect, caption }: ServedListProps) {
  return (
    <Card title={`Final list${caption ? ` ${caption}` : ""} (${trace.served.length})`} description="Click an item: why this item?">
      {trace.served.length === 0 ? (
        <p className={styles.muted}>Nothing was served.</p>
      ) : (
        <table className={styles.table} data-testid="served-list">
          <thead>
            <tr>
              <th className={styles.numeric}>#</th>
              <th>Item</th>
              <th>Category</th>
              <th className={styles.numeric}>Score</th>
              <th>Sources</th>
              <th>Slot</th>
              <th className={styles.numeric}>Propensity</th>
            </tr>
          </thead>
          <tbody>
            {trace.served.map((item) => (
              <tr
                key={item.itemId}
                data-testid="served-item"
                data-item-id={item.itemId}
                className={`${styles.clickable} ${item.itemId === selected ? styles.selectedRow : ""}`}
                onClick={() => onSelect(item.itemId)}
              >
                <td className={styles.numeric}>{item.position + 1}</td>
                <td>
                  <ItemLabel itemId={item.itemId} items={items} />
                </td>
                <td data-testid="served-category">{items[item.itemId]?.category ?? "—"}</td>
                <td className={styles.numeric}>{formatScore(item.score)}</td>
                <td className={styles.mono}>{item.sources.map((hit) => `${hit.id}#${hit.rank + 1}`).join(" ")}</td>
                <td>{item.slot === "explore" ? <Badge tone="accent">explore</Badge> : <Badge>ranked</Badge>}</td>
                <td className={styles.numeric}>{item.propensity.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
