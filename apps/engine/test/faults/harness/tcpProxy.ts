// A TCP proxy on a loopback port in front of a real server (PostgreSQL, redis-server), for fault
// tests: `cut()` stops listening and destroys every open connection (clients see their sockets drop
// and new connections refused, as when the server is down), `restore()` listens again; `delay`
// holds every chunk flowing back from the server for that many milliseconds (order kept), so each
// round trip through the proxy is that much slower.
import { createConnection, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** Milliseconds each server → client chunk is held (a function: drawn per chunk); 0 = none. */
  delay: () => number = () => 0;
  /** Connections accepted since the proxy started. */
  connections = 0;

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** Refuses new connections and drops the open ones (both ends). */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    await this.start();
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private pipe(client: Socket): void {
    this.connections += 1;
    const upstream = createConnection(this.target);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
    client.on("data", (chunk) => upstream.write(chunk));
    // Server → client, delayed; a chunk never overtakes the one before it. One FIFO queue drained by
    // one timer at a time: separate timers per chunk can fire out of order (each timer's expiry is
    // counted from the event loop's cached time, not from Date.now()), which would reorder replies.
    const queue: { dueAt: number; chunk: Buffer }[] = [];
    let draining = false;
    const drain = () => {
      while (queue.length > 0 && queue[0]!.dueAt <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (!client.destroyed) client.write(chunk);
      }
      if (queue.length === 0) {
        draining = false;
        return;
      }
      setTimeout(drain, Math.max(1, queue[0]!.dueAt - Date.now()));
    };
    upstream.on("data", (chunk: Buffer) => {
      const delayMs = this.delay();
      if (delayMs <= 0 && queue.length === 0) {
        client.write(chunk);
        return;
      }
      const lastDueAt = queue.length > 0 ? queue[queue.length - 1]!.dueAt : 0;
      queue.push({ dueAt: Math.max(Date.now() + Math.max(0, delayMs), lastDueAt), chunk });
      if (!draining) {
        draining = true;
        setTimeout(drain, Math.max(0, queue[0]!.dueAt - Date.now()));
      }
    });
  }
}
