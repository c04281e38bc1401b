"use client";
// Short-lived confirmations of what an action did ("Promoted ranker v4"), in a live region at the
// bottom right. Failures that need reading stay inline next to what failed; a toast repeats them.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import styles from "./models.module.css";

export type ToastTone = "success" | "danger";
export type Toast = { id: number; tone: ToastTone; title: string; message?: string };

const TOAST_MS = 8_000;

const ToastContext = createContext<((toast: Omit<Toast, "id">) => void) | null>(null);

export function useToast(): (toast: Omit<Toast, "id">) => void {
  const push = useContext(ToastContext);
  if (!push) throw new Error("useToast needs a <ToastProvider>");
  return push;
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  useEffect(() => {
    const timer = setTimeout(() => onDismiss(toast.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast.id, onDismiss]);
  return (
    <div className={`${styles.toast} ${styles[`toast_${toast.tone}`]}`} data-testid="toast" data-tone={toast.tone}>
      <div>
        <p className={styles.toastTitle}>{toast.title}</p>
        {toast.message ? <p className={styles.toastMessage}>{toast.message}</p> : null}
      </div>
      <button type="button" className={styles.toastClose} aria-label="Dismiss" onClick={() => onDismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const push = useCallback((toast: Omit<Toast, "id">) => {
    setToasts((current) => [...current.slice(-3), { ...toast, id: Date.now() + Math.random() }]);
  }, []);
  const dismiss = useCallback((id: number) => setToasts((current) => current.filter((toast) => toast.id !== id)), []);
  const value = useMemo(() => push, [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className={styles.toasts} role="status" aria-live="polite">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} onDismiss={dismiss} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}
