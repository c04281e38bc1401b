"use client";
// The audit log with filters (entity type, actor, action, date range) and pages of 50.
import { ErrorState, Pagination, Skeleton, Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@cascade/ui";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatUtc } from "@/lib/format-operators.ts";
import { useTRPC } from "@/trpc/react.tsx";

type Filters = { entityType: string; action: string; actor: string; from: string; to: string };
const EMPTY: Filters = { entityType: "", action: "", actor: "", from: "", to: "" };

/** yyyy-mm-dd (UTC) → the start of that day; `to` is inclusive, so it becomes the next day's start. */
function dayStart(value: string, plusDays = 0): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? undefined : new Date(date.getTime() + plusDays * 86_400_000);
}

function summary(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export function AuditView() {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [page, setPage] = useState(1);
  const input = {
    ...(filters.entityType ? { entityType: filters.entityType } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.actor.trim() ? { actor: filters.actor.trim() } : {}),
    ...(dayStart(filters.from) ? { from: dayStart(filters.from) } : {}),
    ...(dayStart(filters.to, 1) ? { to: dayStart(filters.to, 1) } : {}),
    page,
  };
  const audit = useQuery({ ...trpc.audit.list.queryOptions(input), placeholderData: keepPreviousData });
  const set = (patch: Partial<Filters>) => {
    setFilters({ ...filters, ...patch });
    setPage(1);
  };

  return (
    <div style={{ display: "grid", gap: 16 }}>
      <form
        aria-label="Filter the audit log"
        onSubmit={(event) => event.preventDefault()}
        style={{ display: "flex", gap: 12, flexWrap: "wrap", alignItems: "end" }}
      >
        <label>
          Entity type
          <select value={filters.entityType} onChange={(event) => set({ entityType: event.target.value })} style={{ display: "block" }}>
            <option value="">All</option>
            {(audit.data?.entityTypes ?? []).map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        <label>
          Action
          <select value={filters.action} onChange={(event) => set({ action: event.target.value })} style={{ display: "block" }}>
            <option value="">All</option>
            {(audit.data?.actions ?? []).map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        <label>
          Actor (email, user id, or a type such as engine)
          <input value={filters.actor} onChange={(event) => set({ actor: event.target.value })} style={{ display: "block" }} />
        </label>
        <label>
          From (UTC)
          <input type="date" value={filters.from} onChange={(event) => set({ from: event.target.value })} style={{ display: "block" }} />
        </label>
        <label>
          To (UTC, inclusive)
          <input type="date" value={filters.to} onChange={(event) => set({ to: event.target.value })} style={{ display: "block" }} />
        </label>
      </form>
      {audit.error ? (
        <ErrorState message={audit.error.message} onRetry={() => void audit.refetch()} />
      ) : !audit.data ? (
        <Skeleton height={300} />
      ) : (
        <>
          <Table aria-label="Audit log" aria-busy={audit.isFetching}>
            <TableHead>
              <TableRow>
                <TableHeaderCell>When (UTC)</TableHeaderCell>
                <TableHeaderCell>Actor</TableHeaderCell>
                <TableHeaderCell>Action</TableHeaderCell>
                <TableHeaderCell>Entity</TableHeaderCell>
                <TableHeaderCell>Before</TableHeaderCell>
                <TableHeaderCell>After</TableHeaderCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {audit.data.rows.length === 0 ? (
                <TableRow>
                  <TableCell colSpan={6}>No changes match these filters.</TableCell>
                </TableRow>
              ) : (
                audit.data.rows.map((row) => (
                  <TableRow key={row.id} data-action={row.action}>
                    <TableCell nowrap>{formatUtc(row.createdAt)}</TableCell>
                    <TableCell>{row.actorEmail ?? (row.actorId ? `${row.actorType} ${row.actorId}` : row.actorType)}</TableCell>
                    <TableCell>
                      <code>{row.action}</code>
                    </TableCell>
                    <TableCell>
                      {row.entityType} <code>{row.entityId}</code>
                    </TableCell>
                    <TableCell>
                      <code>{summary(row.before)}</code>
                    </TableCell>
                    <TableCell>
                      <code>{summary(row.after)}</code>
                    </TableCell>
                  </TableRow>
                ))
              )}
            </TableBody>
          </Table>
          <Pagination
            page={audit.data.page}
            pageSize={audit.data.pageSize}
            total={audit.data.total}
            hrefForPage={(next) => `/audit?page=${next}`}
            onNavigate={setPage}
            noun="changes"
          />
        </>
      )}
    </div>
  );
}
