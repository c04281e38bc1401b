import type { ConsoleRole } from "@cascade/db";

/** How roles read in the interface. */
export const ROLE_LABELS: Record<ConsoleRole, string> = {
  admin: "Admin",
  engineer: "Engineer",
  data_scientist: "Data scientist",
  product_manager: "Product manager",
  viewer: "Viewer",
};
