import { PageHeader } from "@cascade/ui";
import type { Metadata } from "next";
import { can, rolesSentence } from "@/lib/permissions.ts";
import { requireCurrentUser } from "@/server/auth/current-user.ts";
import { UsersView } from "./_components/users-view.tsx";

export const metadata: Metadata = { title: "Users" };

/** Console users and their roles: create with an initial password, change roles. Admins only. */
export default async function UsersPage() {
  const user = await requireCurrentUser();
  return (
    <>
      <PageHeader title="Users" description="Who may sign in to the console, and with which role. The last admin keeps the admin role." />
      {can(user.role, "user.manage") ? <UsersView currentUserId={user.id} /> : <p role="note">Managing console users needs {rolesSentence("user.manage")}.</p>}
    </>
  );
}
