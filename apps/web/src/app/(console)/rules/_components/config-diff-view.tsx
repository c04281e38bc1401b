// A readable structured diff between two configs (see lib/rules/config-diff.ts).
import { type ConfigChange, formatJsonValue } from "@/lib/rules/config-diff.ts";
import styles from "./rules.module.css";

function line(change: ConfigChange): { sign: string; className: string | undefined; text: string } {
  switch (change.kind) {
    case "added":
      return { sign: "+", className: styles.diffAdded, text: `${change.path} = ${formatJsonValue(change.after)}` };
    case "removed":
      return { sign: "−", className: styles.diffRemoved, text: `${change.path} (was ${formatJsonValue(change.before)})` };
    case "changed":
      return { sign: "~", className: styles.diffChanged, text: `${change.path}: ${formatJsonValue(change.before)} → ${formatJsonValue(change.after)}` };
    case "moved":
      return { sign: "↕", className: styles.diffMoved, text: `${change.path} moved from #${change.from + 1} to #${change.to + 1}` };
  }
}

export function ConfigDiffView({ changes, emptyText = "No differences." }: { changes: readonly ConfigChange[]; emptyText?: string }) {
  if (changes.length === 0) return <p className={styles.muted}>{emptyText}</p>;
  return (
    <ul className={styles.diffList} data-testid="config-diff">
      {changes.map((change, index) => {
        const { sign, className, text } = line(change);
        return (
          <li key={index} className={className}>
            {sign} {text}
          </li>
        );
      })}
    </ul>
  );
}
