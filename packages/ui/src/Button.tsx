import type { ButtonHTMLAttributes } from "react";
import styles from "./Button.module.css";

export type ButtonVariant = "secondary" | "primary" | "ghost";
export type ButtonSize = "medium" | "small";

/** Button styling for elements that are not <button>, e.g. links that look like buttons. */
export function buttonClassName(variant: ButtonVariant = "secondary", size: ButtonSize = "medium"): string {
  return [
    styles.button,
    variant === "primary" ? styles.primary : undefined,
    variant === "ghost" ? styles.ghost : undefined,
    size === "small" ? styles.small : undefined,
  ]
    .filter(Boolean)
    .join(" ");
}

export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: ButtonVariant;
  size?: ButtonSize;
};

export function Button({ variant, size, className, type = "button", ...rest }: ButtonProps) {
  return <button type={type} className={[buttonClassName(variant, size), className].filter(Boolean).join(" ")} {...rest} />;
}
