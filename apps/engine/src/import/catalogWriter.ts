// Writes catalogue rows (items, users, follows) through the HTTP API's own route handlers, called
// in-process with Fastify's `inject` (no socket, no API key): the upsert SQL, its lock order, its
// "replace, don't merge" semantics and its created/updated counts then cannot drift from
// `PUT /v1/items|users|follows`. The handlers are registered on a private Fastify instance with
// an auth hook that admits every request — the operator running the CLI already holds the
// database. A batch the handler refuses (400) names its bad rows (`items.<index>.<field>`); those
// rows are set aside as rejected and the rest of the batch is sent again.
import { MAX_BATCH, type UpsertResponse } from "@cascade/core";
import type { Database } from "@cascade/db";
import Fastify, { type FastifyInstance } from "fastify";
import { registerErrorHandling } from "../server/errors.ts";
import type { RouteContext } from "../server/routeContext.ts";
import { registerFollowRoutes } from "../server/routes/follows.ts";
import { registerItemRoutes } from "../server/routes/items.ts";
import { registerUserRoutes } from "../server/routes/users.ts";
import type { CatalogEntity } from "./importEntities.ts";

export type CatalogWriteResult = {
  created: number;
  updated: number;
  /** Rows of the batch the handler refused, by index in the batch given. */
  rejected: { index: number; field: string; reason: string }[];
};

export type CatalogWriter = {
  write(entity: CatalogEntity, rows: readonly unknown[]): Promise<CatalogWriteResult>;
  close(): Promise<void>;
};

type ErrorBody = { error?: { code?: string; message?: string; issues?: { path: string; message: string }[] } };

export async function createCatalogWriter(db: Database): Promise<CatalogWriter> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
  registerErrorHandling(app);
  // The three catalogue registrars use only `deps.db` and `auth.requireScope` of their context.
  const context = {
    deps: { db },
    auth: { requireScope: () => async () => undefined },
  } as unknown as RouteContext;
  registerItemRoutes(app, context);
  registerUserRoutes(app, context);
  registerFollowRoutes(app, context);
  await app.ready();

  async function write(entity: CatalogEntity, rows: readonly unknown[]): Promise<CatalogWriteResult> {
    if (rows.length > MAX_BATCH) throw new Error(`at most ${MAX_BATCH} ${entity} per batch`);
    const rejected: CatalogWriteResult["rejected"] = [];
    // Positions (in `rows`) of the rows still to send.
    let pending = rows.map((_, index) => index);
    while (pending.length > 0) {
      const response = await app.inject({ method: "PUT", url: `/v1/${entity}`, payload: { [entity]: pending.map((index) => rows[index]) } });
      if (response.statusCode === 200) {
        const counts = response.json<UpsertResponse>();
        return { created: counts.created, updated: counts.updated, rejected };
      }
      const body = response.json<ErrorBody>();
      const issues = response.statusCode === 400 ? (body.error?.issues ?? []) : [];
      const refused = new Map<number, { field: string; reason: string }>();
      for (const issue of issues) {
        const match = new RegExp(`^${entity}\\.(\\d+)(?:\\.(.*))?$`).exec(issue.path);
        const at = match ? Number(match[1]) : NaN;
        if (!Number.isInteger(at) || at >= pending.length) continue;
        if (!refused.has(at)) refused.set(at, { field: match?.[2] ?? "row", reason: issue.message });
      }
      if (refused.size === 0) {
        throw new Error(`PUT /v1/${entity} failed (${response.statusCode}): ${body.error?.message ?? response.body.slice(0, 200)}`);
      }
      for (const [at, problem] of refused) rejected.push({ index: pending[at]!, ...problem });
      pending = pending.filter((_, at) => !refused.has(at));
    }
    return { created: 0, updated: 0, rejected };
  }

  return { write, close: () => app.close() };
}
