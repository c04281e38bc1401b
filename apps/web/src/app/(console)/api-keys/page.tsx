import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { can, rolesSentence } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { ApiKeysView } from "./_components/api-keys-view.tsx";

export const metadata: Metadata = { title: "API keys" };

/** The engine's API keys: create with scopes (the secret is shown once), list, revoke. Admins only. */
export default async function ApiKeysPage() {
  const user = await requireCurrentUser();
  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys that clients send to the engine (Authorization: Bearer). A new key's secret is shown once, when it is created. Revoking a key reaches every engine within seconds."
      />
      {can(user.role, "apiKey.manage") ? <ApiKeysView /> : <p role="note">Managing API keys needs {rolesSentence("apiKey.manage")}.</p>}
    </>
  );
}
