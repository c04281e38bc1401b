// API keys and console passwords. Node's crypto is the library here: sha256 for high-entropy API
// keys (a slow KDF adds nothing for 128-bit random secrets) and scrypt for human passwords.
import { createHash, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

/** API keys look like `csk_<prefix>_<secret>`; the prefix is public and finds the row. */
export function generateApiKey(): { key: string; prefix: string; hashedKey: string } {
  const prefix = randomBytes(6).toString("hex");
  const key = `csk_${prefix}_${randomBytes(16).toString("hex")}`;
  return { key, prefix, hashedKey: hashApiKey(key) };
}

export function parseApiKeyPrefix(key: string): string | null {
  const match = /^csk_([a-z0-9]{4,32})_([a-f0-9]{32})$/.exec(key);
  return match ? match[1]! : null;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function apiKeyMatches(key: string, hashedKey: string): boolean {
  const a = Buffer.from(hashApiKey(key), "hex");
  const b = Buffer.from(hashedKey, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("hex")}$${hash.toString("hex")}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, n, r, p, saltHex, hashHex] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, "hex");
  const actual = scryptSync(password, Buffer.from(saltHex, "hex"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(actual, expected);
}

/** Console session tokens: the cookie holds the token, the database its sha256. */
export function generateSessionToken(): { token: string; id: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, id: createHash("sha256").update(token).digest("hex") };
}

export function sessionIdFromToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
