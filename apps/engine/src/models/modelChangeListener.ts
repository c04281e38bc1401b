// `LISTEN cascade_model_changed` on a dedicated pg connection (a pooled Prisma connection cannot
// hold a LISTEN). The connection is re-opened after any error or drop, with a delay; after each
// (re)connect `onChange` fires once, since notifications sent while disconnected are lost.
import { MODEL_CHANGED_CHANNEL, type ModelChangedNotice } from "@cascade/db";
import pg from "pg";
import type { Logger } from "pino";

export type ModelChangeListener = { stop(): Promise<void> };

export function listenForModelChanges(options: {
  databaseUrl: string;
  logger: Pick<Logger, "info" | "warn" | "debug">;
  /** notice = null after a (re)connect: "something may have changed, look" */
  onChange: (notice: ModelChangedNotice | null) => void;
  reconnectDelayMs?: number;
}): ModelChangeListener {
  const reconnectDelayMs = options.reconnectDelayMs ?? 5_000;
  let client: pg.Client | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const scheduleReconnect = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, reconnectDelayMs);
    timer.unref();
  };

  const connect = async () => {
    const next = new pg.Client({ connectionString: options.databaseUrl, keepAlive: true });
    let dropped = false;
    const onDrop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (client === next) client = null;
      next.end().catch(() => undefined);
      if (!stopped) {
        options.logger.warn({ err: error }, "model change listener lost its database connection; reconnecting");
        scheduleReconnect();
      }
    };
    next.on("error", onDrop);
    next.on("end", () => onDrop());
    next.on("notification", (message) => {
      if (message.channel !== MODEL_CHANGED_CHANNEL) return;
      let notice: ModelChangedNotice | null = null;
      try {
        notice = JSON.parse(message.payload ?? "null") as ModelChangedNotice | null;
      } catch {
        notice = null;
      }
      options.onChange(notice);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${MODEL_CHANGED_CHANNEL}`);
    } catch (error) {
      onDrop(error as Error);
      return;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    options.logger.debug("listening for model changes");
    options.onChange(null);
  };

  void connect();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
