// The small, hand-made part of the demo: surfaces, a published rule set per surface, console
// users, the demo API key. A handful of rows, so Prisma (typed, readable) rather than COPY. Every
// write is an upsert keyed on a natural key, so running it again (after an interrupted seed, or
// with --force) converges to the same rows instead of failing or duplicating.
import {
  DEMO_API_KEY,
  DEMO_CONSOLE_EMAIL,
  DEMO_CONSOLE_PASSWORD,
  DEMO_SURFACES,
  demoSurfaceConfig,
  hashApiKey,
  hashPassword,
  parseApiKeyPrefix,
} from "@cascade/core";
import type { ConsoleRole, Database } from "@cascade/db";
import { publishRuleSet } from "@cascade/db/ruleSets";

/** Console accounts of the demo; all share DEMO_CONSOLE_PASSWORD. */
export const DEMO_CONSOLE_USERS: readonly { email: string; name: string; role: ConsoleRole }[] = [
  { email: DEMO_CONSOLE_EMAIL, name: "Demo Admin", role: "admin" },
  { email: "pm@cascade.local", name: "Pat Product", role: "product_manager" },
  { email: "ds@cascade.local", name: "Dana Data", role: "data_scientist" },
  { email: "eng@cascade.local", name: "Eli Engineer", role: "engineer" },
];

export type DemoControlPlane = { surfaces: string[]; consoleUsers: string[]; apiKeyPrefix: string };

export async function seedDemoControlPlane(db: Database): Promise<DemoControlPlane> {
  const userIds = new Map<string, string>();
  for (const account of DEMO_CONSOLE_USERS) {
    // Re-seeding resets the demo accounts' password and role: that is what a demo reset means.
    const passwordHash = hashPassword(DEMO_CONSOLE_PASSWORD);
    const user = await db.consoleUser.upsert({
      where: { email: account.email },
      create: { email: account.email, name: account.name, role: account.role, passwordHash },
      update: { name: account.name, role: account.role, passwordHash },
    });
    userIds.set(account.email, user.id);
  }
  const adminId = userIds.get(DEMO_CONSOLE_EMAIL) ?? null;

  for (const surface of DEMO_SURFACES) {
    await db.surface.upsert({
      where: { id: surface.id },
      create: { id: surface.id, name: surface.name, description: surface.description },
      update: { name: surface.name, description: surface.description },
    });
    // Published through the rule-set lifecycle (packages/db/ruleSets.ts: validated, audited,
    // engines notified), once: a surface that already has versions keeps them, since someone may
    // have edited and published after the demo's. The demo's SurfaceConfig is the built-in default
    // plus a category cap, the same schema the console edits and the engine loads.
    if ((await db.ruleSet.count({ where: { surfaceId: surface.id } })) === 0) {
      await publishRuleSet(db, { surfaceId: surface.id, config: demoSurfaceConfig(surface.id), note: "demo default" }, { type: "console_user", id: adminId });
    }
  }

  const prefix = parseApiKeyPrefix(DEMO_API_KEY);
  if (!prefix) throw new Error("DEMO_API_KEY does not have the csk_<prefix>_<secret> shape");
  // A revoked demo key stays revoked: re-seeding must not silently re-open access.
  await db.apiKey.upsert({
    where: { prefix },
    create: { name: "Demo admin key", prefix, hashedKey: hashApiKey(DEMO_API_KEY), scopes: ["admin"], createdById: adminId },
    update: { hashedKey: hashApiKey(DEMO_API_KEY), scopes: ["admin"] },
  });

  return { surfaces: DEMO_SURFACES.map((surface) => surface.id), consoleUsers: DEMO_CONSOLE_USERS.map((account) => account.email), apiKeyPrefix: prefix };
}
