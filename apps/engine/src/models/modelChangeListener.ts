// Engines learn about promotions and rollbacks from `NOTIFY cascade_model_changed` (sent by the
// registry in the same transaction). The payload is a JSON ModelChangedNotice; null after each
// (re)connect means "something may have changed while we were away, look".
import { MODEL_CHANGED_CHANNEL, type ModelChangedNotice } from "@cascade/db";
import type { Logger } from "pino";
import { listenOnChannel, type ChannelListener } from "../postgres/channelListener.ts";

export type ModelChangeListener = ChannelListener;

export function listenForModelChanges(options: {
  databaseUrl: string;
  logger: Pick<Logger, "info" | "warn" | "debug">;
  onChange: (notice: ModelChangedNotice | null) => void;
  reconnectDelayMs?: number;
}): ModelChangeListener {
  return listenOnChannel({
    databaseUrl: options.databaseUrl,
    channel: MODEL_CHANGED_CHANNEL,
    logger: options.logger,
    reconnectDelayMs: options.reconnectDelayMs,
    onChange: (payload) => options.onChange(parseNotice(payload)),
  });
}

function parseNotice(payload: string | null): ModelChangedNotice | null {
  if (payload === null) return null;
  try {
    return JSON.parse(payload) as ModelChangedNotice | null;
  } catch {
    return null;
  }
}
