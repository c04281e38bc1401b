// A native <select> (keyboard, screen readers and mobile pickers for free) with the console's look.
// `label` is shown above it; with `hideLabel` it is the accessible name only.
import type { ReactNode, SelectHTMLAttributes } from "react";
import styles from "./Field.module.css";

export type SelectOption = { value: string; label: ReactNode; disabled?: boolean };

export type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  hideLabel?: boolean;
  /** The choices; or pass <option> children instead. */
  options?: readonly SelectOption[];
};

export function Select({ label, hideLabel = false, options, children, className, ...select }: SelectProps) {
  const control = (
    <select className={[styles.control, styles.select, className].filter(Boolean).join(" ")} {...(hideLabel ? { "aria-label": label } : {})} {...select}>
      {options?.map((option) => (
        <option key={option.value} value={option.value} disabled={option.disabled}>
          {option.label}
        </option>
      ))}
      {children}
    </select>
  );
  if (hideLabel) return control;
  return (
    <label className={styles.field}>
      <span className={styles.caption}>{label}</span>
      {control}
    </label>
  );
}
