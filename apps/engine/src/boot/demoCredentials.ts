// Which demo credentials work against this database, so the start banner prints only those: the
// demo world creates the demo API key and console login; a database that never loaded it (imported
// data, CASCADE_DEMO=false), or where they were revoked or changed, gets none printed.
import { apiKeyMatches, DEMO_API_KEY, DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD, parseApiKeyPrefix, verifyPassword } from "@cascade/core";
import type { Database } from "@cascade/db";

export type DemoCredentials = {
  /** The demo API key, when it exists here unrevoked. */
  apiKey: string | null;
  /** The demo console login, when that user exists with the demo password. */
  consoleLogin: { email: string; password: string } | null;
};

export async function findDemoCredentials(db: Database): Promise<DemoCredentials> {
  const prefix = parseApiKeyPrefix(DEMO_API_KEY);
  const [key, user] = await Promise.all([
    prefix ? db.apiKey.findUnique({ where: { prefix }, select: { hashedKey: true, revokedAt: true } }) : null,
    db.consoleUser.findUnique({ where: { email: DEMO_CONSOLE_EMAIL }, select: { passwordHash: true } }),
  ]);
  return {
    apiKey: key && key.revokedAt === null && apiKeyMatches(DEMO_API_KEY, key.hashedKey) ? DEMO_API_KEY : null,
    consoleLogin: user && verifyPassword(DEMO_CONSOLE_PASSWORD, user.passwordHash) ? { email: DEMO_CONSOLE_EMAIL, password: DEMO_CONSOLE_PASSWORD } : null,
  };
}
