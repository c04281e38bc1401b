// The problems of one form field, under it (the local checks and the engine's 400 issues share paths).
import type { FieldIssue } from "@/lib/experiments/wizard.ts";
import styles from "./experiments.module.css";

export function FieldIssues({ issues, id }: { issues: readonly FieldIssue[]; id?: string }) {
  if (issues.length === 0) return null;
  return (
    <ul className={styles.issues} id={id} data-testid="field-issues">
      {issues.map((issue, index) => (
        <li key={index} data-path={issue.path}>
          {issue.message}
        </li>
      ))}
    </ul>
  );
}
