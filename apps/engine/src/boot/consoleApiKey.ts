// The console calls the engine's admin API server-side (Models page: promote, roll back, register)
// with its own admin-scoped API key. `cascade start` provisions it: every start revokes the keys it
// provisioned before and creates a fresh one, handed to the console process in ENGINE_API_KEY.
// Only the sha256 of a key is stored, so a key from an earlier start could not be handed over
// again without also keeping its secret on disk; rotating per start keeps the secret in memory
// only (engine and console process environments) and makes a leaked one expire at the next start.
// The distinctive name keeps this from touching keys people created (`cascade keys create`).
import { generateApiKey } from "@cascade/core";
import type { Database } from "@cascade/db";

export const CONSOLE_API_KEY_NAME = "system:console";

export async function provisionConsoleApiKey(db: Database): Promise<{ key: string; prefix: string }> {
  const { key, prefix, hashedKey } = generateApiKey();
  await db.$transaction(async (tx) => {
    const previous = await tx.apiKey.findMany({ where: { name: CONSOLE_API_KEY_NAME, revokedAt: null }, select: { prefix: true } });
    if (previous.length > 0) {
      await tx.apiKey.updateMany({ where: { name: CONSOLE_API_KEY_NAME, revokedAt: null }, data: { revokedAt: new Date() } });
      await tx.auditLog.createMany({
        data: previous.map((row) => ({
          actorType: "system",
          action: "api_key.revoke",
          entityType: "api_key",
          entityId: row.prefix,
          after: { reason: "console key rotated at start" },
        })),
      });
    }
    await tx.apiKey.create({ data: { name: CONSOLE_API_KEY_NAME, prefix, hashedKey, scopes: ["admin"] } });
    await tx.auditLog.create({
      data: {
        actorType: "system",
        action: "api_key.create",
        entityType: "api_key",
        entityId: prefix,
        after: { name: CONSOLE_API_KEY_NAME, scopes: ["admin"] },
      },
    });
  });
  return { key, prefix };
}
