// API-key authentication: `Authorization: Bearer csk_<prefix>_<secret>`.
//
// The public prefix finds the `api_keys` row; the key is verified against the stored sha256 in
// constant time; revoked keys are refused. Scopes: `ingest` (item/user/follow upserts, events),
// `recommend` (recommendations), `admin` (everything, plus debug traces).
// 401 `unauthorized`: header missing or malformed, key unknown, wrong or revoked.
// 403 `forbidden`: valid key without the scope the route needs.
//
// Key rows are cached per prefix for `cacheTtlMs` (unknown prefixes too), so a request does not
// touch the database for auth. Revocation is prompt: every change to an `api_keys` row NOTIFYs
// `cascade_api_key_changed` with its prefix (a trigger, so the CLI, the console and plain SQL alike),
// and `followChanges` LISTENs and drops that prefix's entry at once; after the listener (re)connects
// the whole cache is dropped (notifications sent meanwhile are lost). Without the notification a
// change takes effect within `cacheTtlMs`. When the database cannot be reached, a cached row up to
// `maxStaleMs` old is used instead, so requests the engine can answer from memory (recommendations)
// survive a database outage (a key revoked during it keeps working until the engine reaches the
// database again, at most `maxStaleMs`); without one the request gets 503. `last_used_at` is written at most once per `touchIntervalMs` per key, off the
// request path.
import { apiKeyMatches, apiKeyScope, parseApiKeyPrefix, type ApiKeyScope } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { FastifyRequest, onRequestHookHandler } from "fastify";
import type { Logger } from "pino";
import { listenOnChannel, type ChannelListener } from "../postgres/channelListener.ts";
import { forbidden, unauthorized } from "./errors.ts";

/** NOTIFY channel of the `api_keys` trigger (migration 20261206083200_api_key_change_notify); payload: the key's prefix. */
export const API_KEY_CHANGED_CHANNEL = "cascade_api_key_changed";

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
  cacheTtlMs: 5_000,
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
  private listener: ChannelListener | null = null;
  /** Bumped by every notification: a lookup that started before one must not cache what it read. */
  private generation = 0;

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

  /** LISTENs for key changes on a connection of its own (until `close`), so a revocation is refused at once. */
  followChanges(databaseUrl: string): void {
    if (this.listener) return;
    this.listener = listenOnChannel({
      databaseUrl,
      channel: API_KEY_CHANGED_CHANNEL,
      logger: { warn: this.logger.warn.bind(this.logger), debug: () => undefined } as Pick<Logger, "warn" | "debug">,
      onChange: (prefix) => this.forget(prefix),
    });
  }

  /** Drops the cached row of `prefix`, or every cached row for null. */
  forget(prefix: string | null): void {
    this.generation += 1;
    if (prefix === null) this.cache.clear();
    else this.cache.delete(prefix);
    // A lookup in flight may have read the row before the change: let the next request read again.
    if (prefix === null) this.loading.clear();
    else this.loading.delete(prefix);
  }

  /** Stops listening and waits for `last_used_at` writes in flight (call before closing the database). */
  async close(): Promise<void> {
    await this.listener?.stop();
    this.listener = null;
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
      const generation = this.generation;
      const started: Promise<KeyRow | null> = this.db.apiKey
        .findUnique({ where: { prefix }, select: { id: true, name: true, hashedKey: true, scopes: true, revokedAt: true } })
        .then((row) => {
          if (generation === this.generation) this.remember(prefix, row);
          return row;
        })
        .finally(() => {
          if (this.loading.get(prefix) === started) this.loading.delete(prefix);
        });
      loading = started;
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
