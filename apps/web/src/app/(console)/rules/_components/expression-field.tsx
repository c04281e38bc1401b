"use client";
// A filter-expression input checked on every keystroke by the same parser and type checker the
// engine uses (pure TypeScript from @cascade/core): the offending span is underlined below the
// input and the message names its line and column.
import type { SurfaceConfig } from "@cascade/core";
import { useId } from "react";
import { expressionProblems } from "@/lib/rules/config-editor.ts";
import styles from "./rules.module.css";

type ExpressionFieldProps = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  config: Pick<SurfaceConfig, "numericFields">;
  hint?: string;
  placeholder?: string;
  disabled?: boolean;
  /** An empty value is allowed (optional expressions). */
  optional?: boolean;
};

export function ExpressionField({ label, value, onChange, config, hint, placeholder, disabled, optional = false }: ExpressionFieldProps) {
  const messageId = useId();
  const problems = expressionProblems(value, config);
  const missing = !optional && value.trim() === "";
  const first = problems[0];
  return (
    <label className={styles.field} style={{ flex: "1 1 320px" }}>
      <span className={styles.label}>{label}</span>
      <input
        className={`${styles.input} ${styles.mono}`}
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={problems.length > 0 || missing}
        aria-describedby={problems.length > 0 || missing ? messageId : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      {first ? (
        <>
          <pre className={styles.expressionPreview} aria-hidden="true" data-testid="expression-underline">
            {value.slice(0, first.start)}
            <span className={styles.errorSpan}>{value.slice(first.start, Math.max(first.end, first.start + 1)) || " "}</span>
            {value.slice(Math.max(first.end, first.start + 1))}
          </pre>
          <span className={styles.issue} id={messageId} role="alert" data-testid="expression-error">
            {problems.map((problem) => (problem.line > 1 ? problem.message : problem.message.replace(/^column/, "Column"))).join("; ")}
          </span>
        </>
      ) : missing ? (
        <span className={styles.issue} id={messageId} role="alert">
          Enter an expression.
        </span>
      ) : hint ? (
        <span className={styles.hint}>{hint}</span>
      ) : null}
    </label>
  );
}
