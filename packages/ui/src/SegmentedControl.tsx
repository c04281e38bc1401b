import type { MouseEvent, ReactNode } from "react";
import styles from "./SegmentedControl.module.css";

export type SegmentedOption<Value extends string> = {
  value: Value;
  label: ReactNode;
  /** Optional count shown beside the label ("User 12"). */
  count?: number;
};

export type SegmentedControlProps<Value extends string> = {
  /** Accessible name of the group ("Time range"). */
  label: string;
  options: readonly SegmentedOption<Value>[];
  value: Value;
  /**
   * Each option is a real link (page state lives in the URL): it works before hydration, can be
   * opened in a new tab, and plain clicks are handled in place by `onChange`.
   */
  hrefFor: (value: Value) => string;
  onChange?: (value: Value) => void;
  "data-testid"?: string;
};

function isPlainLeftClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

/** One choice out of a few (a time range, an entity), shown as joined buttons. */
export function SegmentedControl<Value extends string>({ label, options, value, hrefFor, onChange, ...rest }: SegmentedControlProps<Value>) {
  return (
    <div className={styles.group} role="radiogroup" aria-label={label} data-testid={rest["data-testid"]}>
      {options.map((option) => {
        const selected = option.value === value;
        return (
          <a
            key={option.value}
            role="radio"
            aria-checked={selected}
            className={selected ? `${styles.option} ${styles.selected}` : styles.option}
            href={hrefFor(option.value)}
            onClick={(event) => {
              if (!onChange || !isPlainLeftClick(event)) return;
              event.preventDefault();
              if (!selected) onChange(option.value);
            }}
          >
            {option.label}
            {option.count !== undefined ? <span className={styles.count}>{option.count}</span> : null}
          </a>
        );
      })}
    </div>
  );
}
