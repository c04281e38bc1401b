"use client";
// A surface's versions (append-only), a diff between any two, and roll back (= publish a copy of
// an older version as a new version).
import { Badge, type BadgeTone, Button, Card, Dialog, ErrorState, Select } from "@cascade/ui";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { diffConfigs, type JsonValue } from "@/lib/rules/config-diff.ts";
import type { RuleSetChange, RuleSetVersion } from "@/server/services/rule-set.ts";
import { useTRPC } from "@/trpc/react.tsx";
import { ConfigDiffView } from "./config-diff-view.tsx";
import styles from "./rules.module.css";

const STATUS_TONES: Record<RuleSetVersion["status"], BadgeTone> = { published: "success", draft: "warning", archived: "neutral" };

const formatTime = (date: Date | null) => (date ? `${date.toISOString().slice(0, 16).replace("T", " ")} UTC` : "—");
export const versionName = (row: Pick<RuleSetVersion, "status" | "version">) => (row.status === "draft" ? "draft" : `v${row.version}`);

type VersionHistoryProps = {
  versions: readonly RuleSetVersion[];
  canEdit: boolean;
  onChanged: (change: RuleSetChange, verb: string) => void;
};

function VersionDiff({ fromId, toId }: { fromId: string; toId: string }) {
  const trpc = useTRPC();
  const from = useQuery(trpc.ruleSet.get.queryOptions({ id: fromId }));
  const to = useQuery(trpc.ruleSet.get.queryOptions({ id: toId }));
  if (from.error || to.error) return <ErrorState message={(from.error ?? to.error)!.message} />;
  if (!from.data || !to.data) return <p className={styles.muted}>Loading the two versions…</p>;
  return (
    <ConfigDiffView changes={diffConfigs(from.data.config as JsonValue, to.data.config as JsonValue)} emptyText="The two versions have the same config." />
  );
}

export function VersionHistory({ versions, canEdit, onChanged }: VersionHistoryProps) {
  const trpc = useTRPC();
  const published = versions.find((row) => row.status === "published");
  const [toId, setToId] = useState<string | null>(null);
  const [fromId, setFromId] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<RuleSetVersion | null>(null);
  const rollback = useMutation(
    trpc.ruleSet.rollback.mutationOptions({
      onSuccess: (change) => {
        setConfirming(null);
        setToId(null);
        setFromId(null);
        onChanged(change, "Rolled back: published");
      },
    }),
  );

  const effectiveTo = versions.find((row) => row.id === toId) ?? published ?? versions[0];
  const effectiveFrom =
    versions.find((row) => row.id === fromId) ??
    versions.find((row) => row.id !== effectiveTo?.id && row.status !== "draft" && row.version < (effectiveTo?.version ?? 0));

  return (
    <Card
      title="Version history"
      description="Every publish and roll back adds a version; nothing is rewritten. Roll back publishes a copy of the chosen version."
    >
      <div className={styles.stack}>
        <table className={styles.table} data-testid="version-history">
          <thead>
            <tr>
              <th>Version</th>
              <th>Status</th>
              <th>Note</th>
              <th>Author</th>
              <th>Published</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {versions.map((row) => (
              <tr key={row.id} data-testid={`version-row-${versionName(row)}`}>
                <td>{versionName(row)}</td>
                <td>
                  <Badge tone={STATUS_TONES[row.status]}>{row.status}</Badge>
                </td>
                <td>{row.note || <span className={styles.muted}>—</span>}</td>
                <td>{row.authorName ?? "—"}</td>
                <td>{formatTime(row.publishedAt)}</td>
                <td>
                  {canEdit && row.status === "archived" ? (
                    <Button size="small" onClick={() => setConfirming(row)}>
                      Roll back to {versionName(row)}
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Dialog
          open={confirming !== null}
          title="Confirm roll back"
          size="large"
          busy={rollback.isPending}
          onClose={() => setConfirming(null)}
          actions={
            <>
              <Button variant="ghost" onClick={() => setConfirming(null)} disabled={rollback.isPending}>
                Cancel
              </Button>
              <Button variant="primary" disabled={rollback.isPending || !confirming} onClick={() => confirming && rollback.mutate({ id: confirming.id })}>
                Confirm roll back
              </Button>
            </>
          }
        >
          {confirming ? (
            <>
              <p>
                Publish a copy of {versionName(confirming)} as a new version? {published ? `${versionName(published)} will be archived.` : ""} Engines reload
                within seconds.
              </p>
              {published ? <VersionDiff fromId={published.id} toId={confirming.id} /> : null}
              {rollback.error ? (
                <p className={styles.issue} role="alert">
                  {rollback.error.message}
                </p>
              ) : null}
            </>
          ) : null}
        </Dialog>
        {versions.length >= 2 && effectiveTo ? (
          <div className={styles.stack}>
            <div className={styles.toolbar}>
              <strong>Compare</strong>
              <Select label="Compare from version" hideLabel value={effectiveFrom?.id ?? ""} onChange={(event) => setFromId(event.target.value)}>
                {versions.map((row) => (
                  <option key={row.id} value={row.id}>
                    {versionName(row)} ({row.status})
                  </option>
                ))}
              </Select>
              <span>→</span>
              <Select label="Compare to version" hideLabel value={effectiveTo.id} onChange={(event) => setToId(event.target.value)}>
                {versions.map((row) => (
                  <option key={row.id} value={row.id}>
                    {versionName(row)} ({row.status})
                  </option>
                ))}
              </Select>
            </div>
            {effectiveFrom ? <VersionDiff fromId={effectiveFrom.id} toId={effectiveTo.id} /> : <p className={styles.muted}>Pick a version to compare with.</p>}
          </div>
        ) : null}
      </div>
    </Card>
  );
}
