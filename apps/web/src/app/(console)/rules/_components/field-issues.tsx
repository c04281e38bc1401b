import type { IssueMap } from "@/lib/rules/config-editor.ts";
import styles from "./rules.module.css";

/** The schema's messages for one config path, under its field. */
export function FieldIssues({ issues, path, id }: { issues: IssueMap; path: string; id?: string }) {
  const messages = issues.get(path);
  if (!messages?.length) return null;
  return (
    <span className={styles.issue} id={id} role="alert">
      {messages.join("; ")}
    </span>
  );
}

export const issueIdFor = (path: string) => `issue-${path.replaceAll(".", "-")}`;
