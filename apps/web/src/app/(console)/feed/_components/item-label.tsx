// An item id with its title and category from the catalogue, when known.
import type { ItemSummary } from "@/server/services/feed-preview.ts";
import styles from "./feed-debugger.module.css";

export function ItemLabel({ itemId, items }: { itemId: string; items: Readonly<Record<string, ItemSummary>> }) {
  const item = items[itemId];
  return (
    <span>
      <span className={styles.mono}>{itemId}</span>
      {item?.title ? <> · {item.title}</> : null}
    </span>
  );
}

export function formatScore(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return Math.abs(value) >= 1000 || (Math.abs(value) < 0.001 && value !== 0) ? value.toExponential(2) : value.toFixed(4);
}
