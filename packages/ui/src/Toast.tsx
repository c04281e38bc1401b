"use client";
// Short-lived confirmations of what an action did ("Promoted ranker v4") in a polite live region
// at the bottom right. Failures that need reading stay inline next to what failed; a toast only
// repeats them. `useToast()` inside a <ToastProvider> returns the function that shows one.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import styles from "./Toast.module.css";

export type ToastTone = "success" | "danger";
export type ToastMessage = { tone: ToastTone; title: string; message?: string };
type ShownToast = ToastMessage & { id: number };

const TOAST_MS = 8_000;
/** At most this many at once; the oldest goes first. */
const MAX_TOASTS = 4;

const ToastContext = createContext<((toast: ToastMessage) => void) | null>(null);

export function useToast(): (toast: ToastMessage) => void {
  const push = useContext(ToastContext);
  if (!push) throw new Error("useToast needs a <ToastProvider>");
  return push;
}

function ToastItem({ toast, onDismiss }: { toast: ShownToast; onDismiss: (id: number) => void }) {
  useEffect(() => {
    const timer = setTimeout(() => onDismiss(toast.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast.id, onDismiss]);
  return (
    <div className={`${styles.toast} ${styles[toast.tone]}`} data-testid="toast" data-tone={toast.tone}>
      <div>
        <p className={styles.title}>{toast.title}</p>
        {toast.message ? <p className={styles.message}>{toast.message}</p> : null}
      </div>
      <button type="button" className={styles.close} aria-label="Dismiss" onClick={() => onDismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<ShownToast[]>([]);
  const push = useCallback((toast: ToastMessage) => {
    setToasts((current) => [...current.slice(-(MAX_TOASTS - 1)), { ...toast, id: Date.now() + Math.random() }]);
  }, []);
  const dismiss = useCallback((id: number) => setToasts((current) => current.filter((toast) => toast.id !== id)), []);
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className={styles.region} role="status" aria-live="polite">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} onDismiss={dismiss} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}
