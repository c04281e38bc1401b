// The user's most recent events (newest first), as the engine saw them for this request.
import { Card } from "@cascade/ui";
import type { FeedPreview, ItemSummary } from "@/server/services/feed-preview.ts";
import styles from "./feed-debugger.module.css";
import { ItemLabel } from "./item-label.tsx";

export function HistoryCard({ history, items }: { history: FeedPreview["history"]; items: Readonly<Record<string, ItemSummary>> }) {
  return (
    <Card title="Recent history" description="The user's latest events, newest first (what the seen filter and co-visitation read).">
      {history.length === 0 ? (
        <p className={styles.muted}>No events for this user: they get a cold-start feed.</p>
      ) : (
        <div className={styles.scroll}>
          <table className={styles.table} data-testid="user-history">
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Event</th>
                <th>Item</th>
                <th>Category</th>
              </tr>
            </thead>
            <tbody>
              {history.map((event, index) => (
                <tr key={index}>
                  <td className={styles.mono}>{event.occurredAt.slice(0, 19).replace("T", " ")}</td>
                  <td>
                    {event.type}
                    {event.value !== null ? ` (${event.value})` : ""}
                  </td>
                  <td>
                    <ItemLabel itemId={event.itemId} items={items} />
                  </td>
                  <td>{items[event.itemId]?.category ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
