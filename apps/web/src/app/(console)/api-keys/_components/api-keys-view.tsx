"use client";
// Create (name + scopes, secret shown once), list, and revoke (with a confirmation dialog).
import { Badge, Button, Dialog, ErrorState, Skeleton, Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@cascade/ui";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { formatUtc } from "@/lib/format-operators.ts";
import { useTRPC } from "@/trpc/react.tsx";
import type { ApiKeyRow } from "@/server/services/operators.ts";

const SCOPES = [
  { value: "ingest", label: "ingest", help: "send events, upsert items and users" },
  { value: "recommend", label: "recommend", help: "ask for recommendations" },
  { value: "admin", label: "admin", help: "the admin API (models, experiments, catalogue)" },
] as const;
type Scope = (typeof SCOPES)[number]["value"];

export function ApiKeysView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.apiKey.list.queryOptions());
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["recommend"]);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyRow | null>(null);
  const [message, setMessage] = useState<{ tone: "success" | "danger"; text: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.apiKey.list.queryKey() });

  const create = useMutation(
    trpc.apiKey.create.mutationOptions({
      onSuccess: ({ row, secret: value }) => {
        setSecret({ name: row.name, value });
        setName("");
        setMessage(null);
        void refresh();
      },
      onError: (error) => setMessage({ tone: "danger", text: error.message }),
    }),
  );
  const revoke = useMutation(
    trpc.apiKey.revoke.mutationOptions({
      onSuccess: (row) => {
        setRevoking(null);
        setMessage({ tone: "success", text: `Revoked ${row.prefix}. Engines refuse it within seconds.` });
        void refresh();
      },
      onError: (error) => {
        setRevoking(null);
        setMessage({ tone: "danger", text: error.message });
      },
    }),
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ name, scopes });
  }

  return (
    <div style={{ display: "grid", gap: 24 }}>
      <form onSubmit={submit} aria-label="Create an API key" style={{ display: "grid", gap: 12, maxWidth: 560 }}>
        <label>
          Key name
          <input
            name="name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={100}
            style={{ display: "block", width: "100%" }}
          />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope.value} style={{ display: "block" }}>
              <input
                type="checkbox"
                checked={scopes.includes(scope.value)}
                onChange={(event) =>
                  setScopes((current) => (event.target.checked ? [...current, scope.value] : current.filter((value) => value !== scope.value)))
                }
              />{" "}
              {scope.label} — {scope.help}
            </label>
          ))}
        </fieldset>
        <div>
          <Button type="submit" variant="primary" disabled={create.isPending || scopes.length === 0 || name.trim() === ""}>
            Create key
          </Button>
        </div>
      </form>

      {secret ? (
        <div role="status" data-testid="new-key-secret" style={{ border: "1px solid var(--color-border, #ccc)", padding: 12, borderRadius: 8 }}>
          <p>
            The secret of <strong>{secret.name}</strong>. Copy it now: it is shown only this once and cannot be shown again.
          </p>
          <code data-testid="new-key-value" style={{ userSelect: "all", wordBreak: "break-all" }}>
            {secret.value}
          </code>
          <div>
            <Button size="small" onClick={() => setSecret(null)}>
              I have copied it
            </Button>
          </div>
        </div>
      ) : null}
      {message ? (
        <p role={message.tone === "danger" ? "alert" : "status"} data-testid="api-keys-message">
          {message.text}
        </p>
      ) : null}

      {keys.error ? (
        <ErrorState message={keys.error.message} onRetry={() => void keys.refetch()} />
      ) : !keys.data ? (
        <Skeleton height={200} />
      ) : (
        <div style={{ overflowX: "auto" }}>
          <Table aria-label="API keys">
            <TableHead>
              <TableRow>
                <TableHeaderCell>Name</TableHeaderCell>
                <TableHeaderCell>Prefix</TableHeaderCell>
                <TableHeaderCell>Scopes</TableHeaderCell>
                <TableHeaderCell>Created (UTC)</TableHeaderCell>
                <TableHeaderCell>Last used (UTC)</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell>
                  <span className="visually-hidden">Actions</span>
                </TableHeaderCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {keys.data.map((key) => (
                <TableRow key={key.id} data-prefix={key.prefix}>
                  <TableCell>{key.name}</TableCell>
                  <TableCell>
                    <code>{key.prefix}</code>
                  </TableCell>
                  <TableCell>{key.scopes.join(", ")}</TableCell>
                  <TableCell nowrap>
                    {formatUtc(key.createdAt)}
                    {key.createdBy ? ` by ${key.createdBy}` : ""}
                  </TableCell>
                  <TableCell nowrap>{key.lastUsedAt ? formatUtc(key.lastUsedAt) : "never"}</TableCell>
                  <TableCell>
                    {key.revokedAt ? <Badge tone="danger">revoked {formatUtc(key.revokedAt)}</Badge> : <Badge tone="success">active</Badge>}
                  </TableCell>
                  <TableCell>
                    {key.revokedAt ? null : (
                      <Button size="small" onClick={() => setRevoking(key)} aria-label={`Revoke ${key.name}`}>
                        Revoke
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}

      <Dialog
        open={revoking !== null}
        title={`Revoke ${revoking?.name ?? "this key"}?`}
        busy={revoke.isPending}
        onClose={() => setRevoking(null)}
        actions={
          <>
            <Button onClick={() => setRevoking(null)} disabled={revoke.isPending}>
              Cancel
            </Button>
            <Button variant="primary" onClick={() => revoking && revoke.mutate({ id: revoking.id })} disabled={revoke.isPending}>
              Revoke key
            </Button>
          </>
        }
      >
        <p>
          Clients using <code>{revoking?.prefix}</code> are refused (401) by every engine within seconds. This cannot be undone: a revoked key stays revoked.
        </p>
        {revoking?.name.startsWith("system:") ? (
          <p role="note">
            <strong>{revoking.name}</strong> is the key <code>cascade start</code> gave the console itself: without it the Models page cannot reach the
            engine&apos;s admin API until the next start, which provisions a new one.
          </p>
        ) : null}
      </Dialog>
    </div>
  );
}
