// Test harnesses that start their own servers (Redis, a Redis Cluster, engines, TCP proxies) pick
// loopback ports that nothing listens on yet.
import { createServer } from "node:net";

/** Whether 127.0.0.1:`port` can be listened on now (any error counts as taken). */
export function isLoopbackPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
