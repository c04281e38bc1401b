"use client";
// List console users, create one with an initial password, change a role.
import type { ConsoleRole } from "@cascade/db";
import { Badge, Button, ErrorState, Skeleton, Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@cascade/ui";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { formatUtc } from "@/lib/format-operators.ts";
import { ROLE_LABELS } from "@/lib/role-labels.ts";
import { useTRPC } from "@/trpc/react.tsx";

const ROLES = Object.keys(ROLE_LABELS) as ConsoleRole[];

export function UsersView({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.consoleUser.list.queryOptions());
  const [draft, setDraft] = useState({ email: "", name: "", role: "viewer" as ConsoleRole, password: "" });
  const [message, setMessage] = useState<{ tone: "success" | "danger"; text: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.consoleUser.list.queryKey() });
  const failed = (error: { message: string }) => setMessage({ tone: "danger", text: error.message });

  const create = useMutation(
    trpc.consoleUser.create.mutationOptions({
      onSuccess: (user) => {
        setDraft({ email: "", name: "", role: "viewer", password: "" });
        setMessage({ tone: "success", text: `Created ${user.email} (${ROLE_LABELS[user.role]}).` });
        void refresh();
      },
      onError: failed,
    }),
  );
  const setRole = useMutation(
    trpc.consoleUser.setRole.mutationOptions({
      onSuccess: (user) => {
        setMessage({ tone: "success", text: `${user.email} is now ${ROLE_LABELS[user.role]}.` });
        void refresh();
      },
      onError: (error) => {
        failed(error);
        void refresh();
      },
    }),
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(draft);
  }

  return (
    <div style={{ display: "grid", gap: 24 }}>
      {message ? (
        <p role={message.tone === "danger" ? "alert" : "status"} data-testid="users-message">
          {message.text}
        </p>
      ) : null}
      {users.error ? (
        <ErrorState message={users.error.message} onRetry={() => void users.refetch()} />
      ) : !users.data ? (
        <Skeleton height={200} />
      ) : (
        <Table aria-label="Console users">
          <TableHead>
            <TableRow>
              <TableHeaderCell>Email</TableHeaderCell>
              <TableHeaderCell>Name</TableHeaderCell>
              <TableHeaderCell>Role</TableHeaderCell>
              <TableHeaderCell>Created (UTC)</TableHeaderCell>
              <TableHeaderCell>Last sign-in (UTC)</TableHeaderCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {users.data.map((user) => (
              <TableRow key={user.id} data-email={user.email}>
                <TableCell>
                  {user.email}
                  {user.id === currentUserId ? " (you)" : ""} {user.locked ? <Badge tone="warning">locked after failed sign-ins</Badge> : null}
                </TableCell>
                <TableCell>{user.name}</TableCell>
                <TableCell>
                  <select
                    aria-label={`Role of ${user.email}`}
                    value={user.role}
                    disabled={setRole.isPending}
                    onChange={(event) => setRole.mutate({ id: user.id, role: event.target.value as ConsoleRole })}
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {ROLE_LABELS[role]}
                      </option>
                    ))}
                  </select>
                </TableCell>
                <TableCell nowrap>{formatUtc(user.createdAt)}</TableCell>
                <TableCell nowrap>{user.lastLoginAt ? formatUtc(user.lastLoginAt) : "never"}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      <form onSubmit={submit} aria-label="Create a console user" style={{ display: "grid", gap: 12, maxWidth: 480 }}>
        <h2>New user</h2>
        <label>
          Email
          <input
            type="email"
            required
            value={draft.email}
            onChange={(event) => setDraft({ ...draft, email: event.target.value })}
            style={{ display: "block", width: "100%" }}
          />
        </label>
        <label>
          Name
          <input
            required
            value={draft.name}
            onChange={(event) => setDraft({ ...draft, name: event.target.value })}
            style={{ display: "block", width: "100%" }}
          />
        </label>
        <label>
          Role
          <select value={draft.role} onChange={(event) => setDraft({ ...draft, role: event.target.value as ConsoleRole })} style={{ display: "block" }}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {ROLE_LABELS[role]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Initial password (at least 12 characters; tell it to the person, who signs in with it)
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            value={draft.password}
            onChange={(event) => setDraft({ ...draft, password: event.target.value })}
            style={{ display: "block", width: "100%" }}
          />
        </label>
        <div>
          <Button type="submit" variant="primary" disabled={create.isPending}>
            Create user
          </Button>
        </div>
      </form>
    </div>
  );
}
