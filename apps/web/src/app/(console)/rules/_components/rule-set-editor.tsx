"use client";
// One surface's rule set: the form editor (validated as you type with the shared SurfaceConfig
// schema), save draft, publish with a diff against what is live, and the version history.
import type { SurfaceConfig } from "@cascade/core";
import { Badge, Button, buttonClassName, Dialog, ErrorState, Skeleton } from "@cascade/ui";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import { rolesSentence } from "@/lib/permissions.ts";
import { diffConfigs, type JsonValue } from "@/lib/rules/config-diff.ts";
import { blockingProblems, type EditorStart, startingConfig, validateConfig } from "@/lib/rules/config-editor.ts";
import type { RuleSetChange } from "@/server/services/rule-set.ts";
import { useTRPC } from "@/trpc/react.tsx";
import { BlendEditor } from "./blend-editor.tsx";
import { ConfigDiffView } from "./config-diff-view.tsx";
import { ExplorationEditor } from "./exploration-editor.tsx";
import { FiltersEditor } from "./filters-editor.tsx";
import { GeneralEditor } from "./general-editor.tsx";
import { RulesListEditor } from "./rules-list-editor.tsx";
import { SourcesEditor } from "./sources-editor.tsx";
import { VersionHistory, versionName } from "./version-history.tsx";
import styles from "./rules.module.css";

type Loaded = { surfaceId: string; start: EditorStart };

export function RuleSetEditor({ surfaceId, canEdit }: { surfaceId: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const state = useQuery(trpc.ruleSet.editorState.queryOptions({ surfaceId }));
  const list = useQuery(trpc.ruleSet.list.queryOptions());
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [config, setConfig] = useState<SurfaceConfig | null>(null);
  const [dirty, setDirty] = useState(false);
  const [note, setNote] = useState("");
  const [confirmingPublish, setConfirmingPublish] = useState(false);
  const [message, setMessage] = useState<{ tone: "success" | "danger"; text: string } | null>(null);

  // Load the editor from the server once (and again after a publish, roll back or undo); refetches
  // never overwrite edits in progress. The component is keyed by surface, so a new surface remounts.
  if (state.data && loaded === null) {
    const start = startingConfig(surfaceId, state.data.draft, state.data.published);
    setLoaded({ surfaceId, start });
    setConfig(start.config);
    setDirty(false);
    setConfirmingPublish(false);
  }

  const problems = useMemo(() => (config ? blockingProblems(config) : []), [config]);
  const issues = useMemo(() => (config ? validateConfig(config).issues : new Map()), [config]);
  const publishedConfig = state.data?.published?.configValid ? (state.data.published.config as JsonValue) : null;
  const changesVsPublished = useMemo(
    () => (config && publishedConfig ? diffConfigs(publishedConfig, config as unknown as JsonValue) : null),
    [config, publishedConfig],
  );

  function refresh() {
    return Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.ruleSet.editorState.queryKey({ surfaceId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.ruleSet.list.queryKey() }),
    ]);
  }
  /** Re-reads the surface, then reopens the editor on the fresh state (never on stale cached data). */
  function reloadFromServer() {
    void refresh().then(() => setLoaded(null));
  }
  function changed(change: RuleSetChange, verb: string) {
    setConfirmingPublish(false);
    setNote("");
    setMessage({
      tone: "success",
      text: `${verb} ${versionName(change.ruleSet)}${change.archived ? ` (${versionName(change.archived)} archived)` : ""}. Engines reload it within seconds.`,
    });
    reloadFromServer();
  }
  const failed = (error: { message: string }) => setMessage({ tone: "danger", text: error.message });

  const saveDraft = useMutation(
    trpc.ruleSet.saveDraft.mutationOptions({
      onSuccess: (row) => {
        setDirty(false);
        setMessage({ tone: "success", text: `Saved the draft (${versionName(row)}). The feed debugger can dry-run it.` });
        void refresh();
      },
      onError: failed,
    }),
  );
  const publish = useMutation(trpc.ruleSet.publish.mutationOptions({ onSuccess: (change) => changed(change, "Published"), onError: failed }));
  const discard = useMutation(trpc.ruleSet.discardDraft.mutationOptions({ onSuccess: () => reloadFromServer(), onError: failed }));

  if (state.error) return <ErrorState message={state.error.message} onRetry={() => void state.refetch()} />;
  if (!state.data || !config || !loaded) return <Skeleton height={400} />;

  const readOnly = !canEdit;
  const edit = (next: SurfaceConfig) => {
    setConfig(next);
    setDirty(true);
    setConfirmingPublish(false);
    setMessage(null);
  };
  const versions = list.data?.surfaces.find((surface) => surface.id === surfaceId)?.versions ?? [];
  const busy = saveDraft.isPending || publish.isPending || discard.isPending;
  const published = state.data.published;
  const draft = state.data.draft;

  return (
    <div className={styles.stack} data-testid="rule-set-editor">
      <div className={styles.toolbar}>
        <span>
          Editing{" "}
          {loaded.start.from === "default" ? "the built-in default" : `${loaded.start.from} ${loaded.start.from === "draft" ? "" : `v${loaded.start.version}`}`}
          {dirty ? " (unsaved changes)" : ""}
        </span>
        <Badge tone={published ? (published.configValid ? "success" : "warning") : "neutral"} data-testid="live-version">
          {!published
            ? "live: built-in default"
            : published.configValid
              ? `live: v${published.version}`
              : `v${published.version} is invalid: engines serve the built-in default`}
        </Badge>
        {draft ? <Badge tone="warning">draft saved</Badge> : null}
        <span className={styles.grow} />
        {problems.length > 0 ? (
          <Badge tone="danger" data-testid="problem-count">
            {problems.length} {problems.length === 1 ? "problem" : "problems"}
          </Badge>
        ) : (
          <Badge tone="success">valid</Badge>
        )}
      </div>

      {loaded.start.warning ? <div className={styles.notice}>{loaded.start.warning}</div> : null}
      {message ? (
        <div className={message.tone === "success" ? styles.success : styles.summary} role="status" data-testid="rules-message">
          {message.text}
        </div>
      ) : null}
      {problems.length > 0 ? (
        <div className={styles.summary} data-testid="problem-summary">
          Fix these before saving or publishing:
          <ul>
            {problems.map((problem, index) => (
              <li key={index}>
                <code>{problem.path || "config"}</code>: {problem.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {canEdit ? (
        <div className={styles.toolbar}>
          <label className={`${styles.field} ${styles.grow}`}>
            <span className={styles.label}>Change note</span>
            <input className={styles.input} value={note} maxLength={500} placeholder="What changed and why" onChange={(event) => setNote(event.target.value)} />
          </label>
          <Button disabled={busy || problems.length > 0} onClick={() => saveDraft.mutate({ surfaceId, config, note })}>
            Save draft
          </Button>
          <Button variant="primary" disabled={busy || problems.length > 0} onClick={() => setConfirmingPublish(true)}>
            Publish…
          </Button>
          {draft ? (
            <Link className={buttonClassName("ghost")} href={`/feed?surface=${encodeURIComponent(surfaceId)}&draft=1`}>
              Dry-run the draft in the feed debugger
            </Link>
          ) : null}
          {draft ? (
            <Button variant="ghost" disabled={busy} onClick={() => discard.mutate({ surfaceId })}>
              Discard draft
            </Button>
          ) : null}
          {dirty ? (
            <Button variant="ghost" disabled={busy} onClick={reloadFromServer}>
              Undo changes
            </Button>
          ) : null}
        </div>
      ) : (
        <p className={styles.muted}>Your role can read rules; changing them needs {rolesSentence("ruleSet.edit")}.</p>
      )}

      <Dialog
        open={confirmingPublish}
        title="Confirm publish"
        size="large"
        busy={publish.isPending}
        onClose={() => setConfirmingPublish(false)}
        actions={
          <>
            <Button variant="ghost" onClick={() => setConfirmingPublish(false)} disabled={publish.isPending}>
              Cancel
            </Button>
            <Button variant="primary" disabled={busy || problems.length > 0} onClick={() => publish.mutate({ surfaceId, config, note })}>
              Confirm publish
            </Button>
          </>
        }
      >
        <p>
          Publish this config as the next version of <strong>{surfaceId}</strong>?{published ? ` v${published.version} will be archived.` : ""} Engines reload
          it within seconds.
        </p>
        {changesVsPublished ? (
          <>
            <strong>Changes against live v{published?.version}:</strong>
            <ConfigDiffView changes={changesVsPublished} emptyText="Same config as the live version." />
          </>
        ) : null}
      </Dialog>

      <SourcesEditor config={config} onChange={edit} issues={issues} readOnly={readOnly} />
      <FiltersEditor config={config} onChange={edit} issues={issues} readOnly={readOnly} />
      <BlendEditor config={config} onChange={edit} issues={issues} readOnly={readOnly} />
      <RulesListEditor config={config} onChange={edit} issues={issues} readOnly={readOnly} />
      <ExplorationEditor config={config} onChange={edit} issues={issues} readOnly={readOnly} />
      <GeneralEditor config={config} onChange={edit} issues={issues} readOnly={readOnly} />
      <VersionHistory versions={versions} canEdit={canEdit} onChanged={changed} />
    </div>
  );
}
