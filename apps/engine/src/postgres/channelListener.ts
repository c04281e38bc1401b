// `LISTEN <channel>` on a dedicated pg connection (model promotions, rule-set publishes) (a pooled Prisma connection cannot hold a
// LISTEN). Re-opened after any error or drop, with a delay; after each (re)connect `onChange`
// fires once, since notifications sent while disconnected are lost.
import pg from "pg";
import type { Logger } from "pino";

export type ChannelListener = { stop(): Promise<void> };

export function listenOnChannel(options: {
  databaseUrl: string;
  channel: string;
  logger: Pick<Logger, "warn" | "debug">;
  /** payload = null after a (re)connect: "something may have changed, look" */
  onChange: (payload: string | null) => void;
  reconnectDelayMs?: number;
}): ChannelListener {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new TypeError(`channel must be a plain identifier, got ${options.channel}`);
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
        options.logger.warn({ err: error, channel: options.channel }, "channel listener lost its database connection; reconnecting");
        scheduleReconnect();
      }
    };
    next.on("error", onDrop);
    next.on("end", () => onDrop());
    next.on("notification", (message) => {
      if (message.channel === options.channel) options.onChange(message.payload ?? null);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${options.channel}`);
    } catch (error) {
      onDrop(error as Error);
      return;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
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
