import { describe, expect, it } from "vitest";
import { DEMO_API_KEY } from "./demo.ts";
import {
  apiKeyMatches,
  generateApiKey,
  generateSessionToken,
  hashApiKey,
  hashPassword,
  hashPasswordAsync,
  parseApiKeyPrefix,
  sessionIdFromToken,
  verifyPassword,
  verifyPasswordAsync,
} from "./credentials.ts";

describe("api keys", () => {
  it("generates keys whose prefix parses back and whose hash matches only the same key", () => {
    const { key, prefix, hashedKey } = generateApiKey();
    expect(parseApiKeyPrefix(key)).toBe(prefix);
    expect(apiKeyMatches(key, hashedKey)).toBe(true);
    expect(apiKeyMatches(generateApiKey().key, hashedKey)).toBe(false);
  });
  it("rejects malformed keys", () => {
    expect(parseApiKeyPrefix("Bearer abc")).toBeNull();
    expect(parseApiKeyPrefix("csk_short_zz")).toBeNull();
  });
  it("accepts the demo key format", () => {
    expect(parseApiKeyPrefix(DEMO_API_KEY)).toBe("demoadmin");
    expect(hashApiKey(DEMO_API_KEY)).toHaveLength(64);
  });
});

describe("passwords and sessions", () => {
  it("verifies the right password and refuses a wrong one", () => {
    const stored = hashPassword("correct horse");
    expect(verifyPassword("correct horse", stored)).toBe(true);
    expect(verifyPassword("correct horsf", stored)).toBe(false);
    expect(verifyPassword("x", "not-a-hash")).toBe(false);
  });
  it("verifies asynchronously, with the same stored format both ways", async () => {
    const syncStored = hashPassword("correct horse");
    const asyncStored = await hashPasswordAsync("correct horse");
    expect(asyncStored).toMatch(/^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(await verifyPasswordAsync("correct horse", syncStored)).toBe(true);
    expect(verifyPassword("correct horse", asyncStored)).toBe(true);
    expect(await verifyPasswordAsync("correct horsf", asyncStored)).toBe(false);
    expect(await verifyPasswordAsync("x", "not-a-hash")).toBe(false);
    expect(await verifyPasswordAsync("x", "scrypt$3$8$1$00$00")).toBe(false); // N not a power of two
  });
  it("derives the stored session id from the token", () => {
    const { token, id } = generateSessionToken();
    expect(sessionIdFromToken(token)).toBe(id);
  });
});
