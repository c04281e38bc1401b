"use client";
// A number input that keeps what is being typed ("0.", "") while the config holds a number (NaN
// while empty or unparsable, which the schema then reports).
import { useState } from "react";
import type { IssueMap } from "@/lib/rules/config-editor.ts";
import { FieldIssues, issueIdFor } from "./field-issues.tsx";
import styles from "./rules.module.css";

type NumberFieldProps = {
  label: string;
  value: number;
  onChange: (value: number) => void;
  issues: IssueMap;
  path: string;
  hint?: string;
  step?: number | "any";
  min?: number;
  max?: number;
  disabled?: boolean;
};

export function NumberField({ label, value, onChange, issues, path, hint, step = "any", min, max, disabled }: NumberFieldProps) {
  const [text, setText] = useState(Number.isNaN(value) ? "" : String(value));
  const [shownValue, setShownValue] = useState(value);
  if (!Object.is(shownValue, value)) {
    // Follow outside changes (load, undo) without clobbering an equivalent half-typed value ("0.").
    setShownValue(value);
    if (!Object.is(text.trim() === "" ? Number.NaN : Number(text), value)) setText(Number.isNaN(value) ? "" : String(value));
  }
  const invalid = issues.has(path);
  return (
    <label className={styles.field}>
      <span className={styles.label}>{label}</span>
      <input
        className={styles.input}
        type="number"
        inputMode="decimal"
        step={step}
        min={min}
        max={max}
        value={text}
        disabled={disabled}
        aria-invalid={invalid}
        aria-describedby={invalid ? issueIdFor(path) : undefined}
        onChange={(event) => {
          setText(event.target.value);
          onChange(event.target.value.trim() === "" ? Number.NaN : Number(event.target.value));
        }}
      />
      {hint ? <span className={styles.hint}>{hint}</span> : null}
      <FieldIssues issues={issues} path={path} id={issueIdFor(path)} />
    </label>
  );
}
