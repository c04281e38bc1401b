"use client";
// A modal dialog on the native <dialog> element: showModal() makes the rest of the page inert and
// traps focus, Escape cancels, the first focusable control gets focus and focus returns to the
// control that opened it when it closes. The title names the dialog (aria-labelledby).
import { type ReactNode, useEffect, useId, useRef } from "react";
import styles from "./Dialog.module.css";

export type DialogProps = {
  open: boolean;
  /** The visible heading, which is also the dialog's accessible name. */
  title: ReactNode;
  children?: ReactNode;
  /** Buttons at the bottom right (primary action last). */
  actions?: ReactNode;
  /** Escape, or the caller's own cancel button. Ignored while `busy` (a change is in flight). */
  onClose: () => void;
  busy?: boolean;
  /** "medium" (480px) for questions, "large" (720px) for dialogs that show a diff. */
  size?: "medium" | "large";
  "data-testid"?: string;
};

export function Dialog({ open, title, children, actions, onClose, busy = false, size = "medium", "data-testid": testId }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const opener = useRef<Element | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    }
    if (!open && dialog.open) {
      dialog.close();
      // Browsers restore focus on close too, but not all of them; do it explicitly.
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      className={[styles.dialog, size === "large" ? styles.large : undefined].filter(Boolean).join(" ")}
      aria-labelledby={titleId}
      aria-busy={busy || undefined}
      data-testid={testId}
      onCancel={(event) => {
        // Escape: the caller decides (it owns `open`), and nothing closes mid-change.
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      <h2 id={titleId} className={styles.title}>
        {title}
      </h2>
      {children ? <div className={styles.body}>{children}</div> : null}
      {actions ? <div className={styles.actions}>{actions}</div> : null}
    </dialog>
  );
}
