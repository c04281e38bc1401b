"use client";
// Errors that escape a console page's own boundaries, including the console layout's session
// check (e.g. the database is unreachable): a full-page message with a retry.
import { ErrorState } from "@cascade/ui";

export default function RootError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && "digest" in error ? String(error.digest) : undefined;
  return (
    <main style={{ display: "grid", placeItems: "center", minHeight: "100vh", padding: 24 }}>
      <div style={{ maxWidth: 520 }}>
        <ErrorState
          title="The console is not available right now"
          message={
            digest
              ? `The server could not complete the request (reference ${digest} in its log). This is usually a database that cannot be reached.`
              : "The server could not complete the request."
          }
          onRetry={retry}
        />
      </div>
    </main>
  );
}
