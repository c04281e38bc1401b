"use client";
import { Badge, DataTable, type DataTableColumn } from "@cascade/ui";
import type { ReactNode } from "react";
import { formatUtcDateTime } from "@/lib/format-date.ts";
import type { ItemRow } from "@/server/services/item.ts";
import styles from "./items.module.css";

/** Tags beyond this many are summarised as "+N" (the title attribute lists them all). */
const VISIBLE_TAGS = 2;

const columns: DataTableColumn<ItemRow>[] = [
  {
    id: "id",
    header: "ID",
    nowrap: true,
    cell: (item) => <code className={styles.id}>{item.id}</code>,
  },
  {
    id: "title",
    header: "Title",
    width: "26%",
    cell: (item) => (item.title ? <span className={styles.title}>{item.title}</span> : <span className={styles.untitled}>Untitled</span>),
  },
  {
    id: "category",
    header: "Category",
    cell: (item) => <Badge>{item.category}</Badge>,
  },
  {
    id: "creator",
    header: "Creator",
    nowrap: true,
    cell: (item) =>
      item.creator ? (
        <>
          <span className={styles.creatorName}>{item.creator.name}</span>
          <code className={styles.creatorId}>{item.creator.id}</code>
        </>
      ) : (
        <span className={styles.muted}>—</span>
      ),
  },
  {
    id: "tags",
    header: "Tags",
    nowrap: true,
    cell: (item) => <Tags tags={item.tags} />,
  },
  {
    id: "published",
    header: "Published (UTC)",
    nowrap: true,
    cell: (item) => (
      <time className={styles.published} dateTime={item.publishedAt.toISOString()}>
        {formatUtcDateTime(item.publishedAt).replace(" UTC", "")}
      </time>
    ),
  },
  {
    id: "availability",
    header: "Availability",
    nowrap: true,
    cell: (item) =>
      item.available ? (
        <Badge tone="success" dot>
          Available
        </Badge>
      ) : (
        <Badge tone="neutral" dot>
          Unavailable
        </Badge>
      ),
  },
];

function Tags({ tags }: { tags: string[] }): ReactNode {
  if (tags.length === 0) return <span className={styles.muted}>—</span>;
  const hidden = tags.length - VISIBLE_TAGS;
  return (
    <span className={styles.tags} title={tags.join(", ")}>
      {tags.slice(0, VISIBLE_TAGS).map((tag) => (
        <Badge key={tag} tone="accent">
          {tag}
        </Badge>
      ))}
      {hidden > 0 ? <Badge>+{hidden}</Badge> : null}
    </span>
  );
}

export type ItemTableProps = {
  rows: readonly ItemRow[];
  busy: boolean;
  empty: ReactNode;
};

export function ItemTable({ rows, busy, empty }: ItemTableProps) {
  return <DataTable label="Items" columns={columns} rows={rows} rowKey={(item) => item.id} busy={busy} empty={empty} data-testid="items-table" />;
}
