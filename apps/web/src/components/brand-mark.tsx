/** Cascade's mark: a funnel of narrowing bars (many items in, a few recommendations out). */
export function BrandMark({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="#4f46e5" />
      <rect x="7" y="8" width="18" height="4" rx="2" fill="#fff" />
      <rect x="10" y="14" width="12" height="4" rx="2" fill="#fff" opacity=".85" />
      <rect x="13" y="20" width="6" height="4" rx="2" fill="#fff" opacity=".7" />
    </svg>
  );
}
