"use client";
// Error boundary for one section of a page: a failed query replaces that card with an error and
// a retry button, and the rest of the page keeps working.
import { Card, ErrorState } from "@cascade/ui";
import { catchError, type ErrorInfo } from "next/error";

function SectionError({ title }: { title: string }, { error, retry }: ErrorInfo) {
  // Server errors reach the browser without their message in production (only a digest that
  // matches the server log), so the text here stays generic.
  const digest = error instanceof Error && "digest" in error ? String(error.digest) : undefined;
  return (
    <Card title={title}>
      <ErrorState
        title={`${title} could not be loaded`}
        message={digest ? `Reference ${digest} in the console's server log.` : "Check the console's server log."}
        onRetry={retry}
      />
    </Card>
  );
}

export const SectionErrorBoundary = catchError(SectionError);
