"use client";
// Last-resort error page for a console route (sections have their own boundaries first).
import { Card, ErrorState } from "@cascade/ui";

export default function ConsoleError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && "digest" in error ? String(error.digest) : undefined;
  return (
    <Card>
      <ErrorState
        title="This page could not be shown"
        message={digest ? `Something failed on the server (reference ${digest} in the console's log).` : "Something failed while rendering this page."}
        onRetry={retry}
      />
    </Card>
  );
}
