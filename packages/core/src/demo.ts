/**
 * Demo credentials created by `cascade seed --demo`. They exist only in demo data, are printed by
 * `npm start`, and must be revoked on any deployment that faces a network.
 */
export const DEMO_CONSOLE_EMAIL = "demo@cascade.local";
export const DEMO_CONSOLE_PASSWORD = "cascade-demo";
export const DEMO_API_KEY = "csk_demoadmin_0123456789abcdef0123456789abcdef";
export const DEMO_SURFACES = [
  { id: "home", name: "Home feed", description: "The main personalised feed" },
  { id: "related", name: "Related items", description: "Below an item page" },
] as const;
