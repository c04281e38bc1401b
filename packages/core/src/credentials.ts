// API keys and console passwords. Node's crypto is the library here: sha256 for high-entropy API
// keys (a slow KDF adds nothing for 128-bit random secrets) and scrypt for human passwords.
import { createHash, randomBytes, type ScryptOptions, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

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

/**
 * Synchronous hashing blocks the event loop for the whole derivation (tens of milliseconds): fine
 * for the CLI, the demo loader and tests, wrong in a server. Servers use the async pair below.
 */
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

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Same stored format as hashPassword; the derivation runs on libuv's thread pool, not the event loop. */
export async function hashPasswordAsync(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("hex")}$${hash.toString("hex")}`;
}

/**
 * Verifies against any stored hash of either function, off the event loop. A malformed stored hash
 * (unknown scheme, or parameters scrypt refuses) is a mismatch, never an exception.
 */
export async function verifyPasswordAsync(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltHex, hashHex] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, "hex");
  if (expected.length === 0) return false;
  let actual: Buffer;
  try {
    actual = await scryptAsync(password, Buffer.from(saltHex, "hex"), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 });
  } catch {
    return false;
  }
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
