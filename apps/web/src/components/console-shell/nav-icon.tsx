import type { NavIcon as NavIconName } from "./nav-sections.ts";

// 18px line icons, drawn for this sidebar (no icon font or package to download).
const PATHS: Record<NavIconName, string> = {
  overview: "M3 3h6v8H3zM11 3h6v5h-6zM11 10h6v7h-6zM3 13h6v4H3z",
  items: "M3 5h14M3 10h14M3 15h14M1 5h.01M1 10h.01M1 15h.01",
  debugger: "M3 4h14l-5 6v5l-4 2v-7z",
  rules: "M4 6h8M4 14h4M14 6h2M10 14h6M12 4v4M8 12v4",
  experiments: "M8 2v5L3 16a1 1 0 0 0 1 1.5h12A1 1 0 0 0 17 16l-5-9V2M7 2h6M6 12h8",
  models: "M10 2l7 4v8l-7 4-7-4V6zM3 6l7 4 7-4M10 10v8",
  features: "M4 17V9M10 17V3M16 17v-6",
  events: "M2 10h4l2-6 4 12 2-6h4",
  keys: "M12.5 7.5a3.5 3.5 0 1 1-7 0 3.5 3.5 0 0 1 7 0zM11.5 10l6 6M15 13.5l2-2",
  users: "M7 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM1.5 17a5.5 5.5 0 0 1 11 0M13 3.5a3 3 0 0 1 0 5.5M15 11.5a5.5 5.5 0 0 1 3.5 5.5",
  audit: "M5 2h7l4 4v12H5zM12 2v4h4M8 10h5M8 13h5M8 16h3",
};

export function NavIcon({ name }: { name: NavIconName }) {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
