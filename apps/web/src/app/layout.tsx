import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TRPCReactProvider } from "@/trpc/react.tsx";

export const metadata: Metadata = {
  title: { default: "Cascade console", template: "%s · Cascade" },
  description: "Configure, test and debug Cascade recommendations.",
  // An internal tool: keep it out of search engines even if it is reachable.
  robots: { index: false, follow: false },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
