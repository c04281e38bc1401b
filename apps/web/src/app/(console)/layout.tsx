import type { ReactNode } from "react";
import { ConsoleShell } from "@/components/console-shell/console-shell.tsx";
import { requireCurrentUser } from "@/server/auth/current-user.ts";

// Reading the session cookie makes every console page dynamic: rendered per request, never at
// build time, so `next build` needs no database.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requireCurrentUser();
  return <ConsoleShell user={user}>{children}</ConsoleShell>;
}
