// API-key authentication: `Authorization: Bearer csk_<prefix>_<secret>`.
//
// The public prefix finds the `api_keys` row; the key is verified against the stored sha256 in
// constant time; revoked keys are refused. Scopes: `ingest` (item/user/follow upserts, events),
// `recommend` (recommendations), `admin` (everything, plus debug traces).
// 401 `unauthorized`: header missing or malformed, key unknown, wrong or revoked.
// 403 `forbidden`: valid key without the scope the route needs.
//
// Key rows are cached per prefix for `cacheTtlMs` (unknown prefixes too), so a request does not
// touch the database for auth; a revocation therefore takes effect within that time. When the
// database cannot be reached, a cached row up to `maxStaleMs` old is used instead, so requests the
// engine can answer from memory (recommendations) survive a database outage; without one the
// request gets 503. `last_used_at` is written at most once per `touchIntervalMs` per key, off the
// request path.
import { apiKeyMatches, apiKeyScope, parseApiKeyPrefix, type ApiKeyScope } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { FastifyRequest, onRequestHookHandler } from "fastify";
import type { Logger } from "pino";
import { forbidden, unauthorized } from "./errors.ts";

export type ApiKeyPrincipal = { keyId: string; name: string; scopes: ReadonlySet<ApiKeyScope> };

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `requireScope` once the key is verified. */
    apiKey: ApiKeyPrincipal | null;
  }
}

/** `Bearer <token>` (scheme case-insensitive) → the token; anything else → null. */
export function parseBearerToken(header: string | undefined): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/** `admin` implies every scope. */
export function hasScope(principal: ApiKeyPrincipal, scope: ApiKeyScope): boolean {
  return principal.scopes.has(scope) || principal.scopes.has("admin");
}

type KeyRow = { id: string; name: string; hashedKey: string; scopes: string[]; revokedAt: Date | null };
type CacheEntry = { row: KeyRow | null; loadedAt: number };

export type ApiKeyAuthenticatorOptions = {
  cacheTtlMs: number;
  maxStaleMs: number;
  touchIntervalMs: number;
  /** Bound on cached prefixes, so random prefixes cannot grow memory without limit. */
  maxCachedKeys: number;
  now: () => number;
};

const DEFAULT_OPTIONS: ApiKeyAuthenticatorOptions = {
  cacheTtlMs: 30_000,
  maxStaleMs: 10 * 60_000,
  touchIntervalMs: 60_000,
  maxCachedKeys: 10_000,
  now: Date.now,
};

export class ApiKeyAuthenticator {
  private readonly options: ApiKeyAuthenticatorOptions;
  private readonly cache = new Map<string, CacheEntry>();
  /** One database lookup per prefix at a time, however many requests wait for it. */
  private readonly loading = new Map<string, Promise<KeyRow | null>>();
  private readonly lastTouchedAt = new Map<string, number>();
  private readonly pendingTouches = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly logger: Pick<Logger, "warn">,
    options: Partial<ApiKeyAuthenticatorOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** An onRequest hook: runs before the body is read, so unauthenticated clients cannot make us parse it. */
  requireScope(scope: ApiKeyScope): onRequestHookHandler {
    return async (request: FastifyRequest) => {
      const principal = await this.authenticate(request.headers.authorization);
      if (!hasScope(principal, scope)) throw forbidden(`this API key lacks the "${scope}" scope`);
      request.apiKey = principal;
    };
  }

  async authenticate(authorization: string | undefined): Promise<ApiKeyPrincipal> {
    if (authorization === undefined) throw unauthorized("missing Authorization header; send `Authorization: Bearer <API key>`");
    const key = parseBearerToken(authorization);
    const prefix = key === null ? null : parseApiKeyPrefix(key);
    if (key === null || prefix === null) throw unauthorized("malformed Authorization header; expected `Bearer csk_<prefix>_<secret>`");
    const row = await this.keyRow(prefix);
    if (!row || !apiKeyMatches(key, row.hashedKey)) throw unauthorized("unknown API key");
    if (row.revokedAt) throw unauthorized("this API key has been revoked");
    this.touch(row.id);
    return { keyId: row.id, name: row.name, scopes: new Set(row.scopes.flatMap((scope) => apiKeyScope.safeParse(scope).data ?? [])) };
  }

  /** Waits for `last_used_at` writes in flight (call before closing the database). */
  async close(): Promise<void> {
    await Promise.all(this.pendingTouches);
  }

  private async keyRow(prefix: string): Promise<KeyRow | null> {
    const cached = this.cache.get(prefix);
    const age = cached ? this.options.now() - cached.loadedAt : Number.POSITIVE_INFINITY;
    if (cached && age < this.options.cacheTtlMs) return cached.row;
    try {
      return await this.load(prefix);
    } catch (error) {
      if (!cached || age > this.options.maxStaleMs) throw error;
      this.logger.warn({ err: error, prefix }, "API key lookup failed; using the cached key");
      return cached.row;
    }
  }

  private load(prefix: string): Promise<KeyRow | null> {
    let loading = this.loading.get(prefix);
    if (!loading) {
      loading = this.db.apiKey
        .findUnique({ where: { prefix }, select: { id: true, name: true, hashedKey: true, scopes: true, revokedAt: true } })
        .then((row) => {
          this.remember(prefix, row);
          return row;
        })
        .finally(() => this.loading.delete(prefix));
      this.loading.set(prefix, loading);
    }
    return loading;
  }

  private remember(prefix: string, row: KeyRow | null): void {
    this.cache.delete(prefix);
    this.cache.set(prefix, { row, loadedAt: this.options.now() });
    // Map order is insertion order: drop the oldest entries first.
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.options.maxCachedKeys) break;
      this.cache.delete(oldest);
    }
  }

  private touch(keyId: string): void {
    const now = this.options.now();
    const last = this.lastTouchedAt.get(keyId);
    if (last !== undefined && now - last < this.options.touchIntervalMs) return;
    this.lastTouchedAt.set(keyId, now);
    const write = this.db.apiKey
      .updateMany({ where: { id: keyId }, data: { lastUsedAt: new Date(now) } })
      .then(() => undefined)
      .catch((error: unknown) => this.logger.warn({ err: error, keyId }, "could not record API key use"))
      .finally(() => this.pendingTouches.delete(write));
    this.pendingTouches.add(write);
  }
}
