import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { can, rolesSentence } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { AuditView } from "./_components/audit-view.tsx";

export const metadata: Metadata = { title: "Audit" };

/** Every recorded change (rule sets, models, experiments, API keys, console users), newest first. */
export default async function AuditPage() {
  const user = await requireCurrentUser();
  return (
    <>
      <PageHeader title="Audit" description="Every change made through the console, the admin API or the CLI, newest first. Times are UTC." />
      {can(user.role, "audit.read") ? <AuditView /> : <p role="note">Reading the audit log needs {rolesSentence("audit.read")}.</p>}
    </>
  );
}
