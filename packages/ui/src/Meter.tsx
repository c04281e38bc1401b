import styles from "./Meter.module.css";

export type MeterTone = "accent" | "neutral" | "success" | "warning" | "danger";

export type MeterProps = {
  /** 0–1; values outside are clamped for the bar (the text shows the real value). */
  value: number;
  /** Accessible name ("Coverage"). */
  label: string;
  /** The number printed beside the bar; defaults to nothing (bar only). */
  text?: string;
  tone?: MeterTone;
  /** Bar width in pixels. */
  width?: number;
  /** A fill colour, overriding the tone (e.g. an event type's colour). */
  color?: string;
};

/** A small inline bar for a share or a rate, with its number beside it. */
export function Meter({ value, label, text, tone = "accent", width = 72, color }: MeterProps) {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
  return (
    <span className={styles.meter}>
      <span
        className={styles.track}
        style={{ width }}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={1}
        aria-valuenow={clamped}
        aria-valuetext={text}
      >
        <span
          className={`${styles.fill} ${styles[tone]}`}
          // A sliver stays visible for small non-zero values, so "some" never looks like "none".
          style={{ width: `${value > 0 ? Math.max(clamped * 100, 2) : 0}%`, ...(color ? { background: color } : {}) }}
        />
      </span>
      {/* The meter's aria-valuetext already says it; read once. */}
      {text ? (
        <span className={styles.text} aria-hidden="true">
          {text}
        </span>
      ) : null}
    </span>
  );
}
