"use client";
// A list of ids typed one per line (or comma-separated), kept as typed while the config holds the
// parsed list.
import { useState } from "react";
import { type IssueMap, parseList } from "@/lib/rules/config-editor.ts";
import { FieldIssues } from "./field-issues.tsx";
import styles from "./rules.module.css";

type ListFieldProps = {
  label: string;
  values: readonly string[];
  onChange: (values: string[]) => void;
  issues: IssueMap;
  path: string;
  placeholder?: string;
  disabled?: boolean;
};

export function ListField({ label, values, onChange, issues, path, placeholder, disabled }: ListFieldProps) {
  const [text, setText] = useState(values.join("\n"));
  const [shownValues, setShownValues] = useState(values);
  if (shownValues !== values) {
    // Follow outside changes without rewriting what is being typed when it means the same list.
    setShownValues(values);
    if (parseList(text).join("\n") !== values.join("\n")) setText(values.join("\n"));
  }
  const problems = [...issues.keys()].filter((key) => key === path || key.startsWith(`${path}.`));
  return (
    <label className={styles.field}>
      <span className={styles.label}>
        {label} <span className={styles.hint}>({values.length})</span>
      </span>
      <textarea
        className={`${styles.textarea} ${styles.mono}`}
        value={text}
        placeholder={placeholder}
        disabled={disabled}
        aria-invalid={problems.length > 0}
        onChange={(event) => {
          setText(event.target.value);
          onChange(parseList(event.target.value));
        }}
      />
      <span className={styles.hint}>One per line or comma-separated.</span>
      {problems.map((key) => (
        <FieldIssues key={key} issues={issues} path={key} />
      ))}
    </label>
  );
}
