// `cascade start` checks its HTTP ports before it starts anything, so a port held by another process
// (a second Cascade, an orphaned console) fails the start at once, and never after this start's
// own engine began serving.
import { createServer } from "node:net";

export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
}

export async function assertPortsFree(host: string, ports: { port: number; what: string }[]): Promise<void> {
  for (const { port, what } of ports) {
    const free = await new Promise<boolean>((resolvePromise, reject) => {
      const probe = createServer();
      probe.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolvePromise(false) : reject(error)));
      probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolvePromise(true)));
    });
    if (!free) {
      throw new PortInUseError(
        `${host}:${port} (${what}) is already in use — another Cascade, or a console left by one, may still run there; ` +
          `stop it or set ${what} to another port. Nothing was started.`,
      );
    }
  }
}
