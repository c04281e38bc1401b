import { buttonClassName, EmptyState } from "@cascade/ui";
import Link from "next/link";

export default function NotFound() {
  return (
    <main style={{ display: "grid", placeItems: "center", minHeight: "100vh" }}>
      <EmptyState
        title="Page not found"
        description="This address does not match any page of the console."
        action={
          <Link href="/" className={buttonClassName("primary")}>
            Go to the overview
          </Link>
        }
      />
    </main>
  );
}
