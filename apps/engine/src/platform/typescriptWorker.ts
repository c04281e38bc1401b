// Starts a TypeScript module in a worker thread. A worker does not inherit the `--import tsx`
// loader of the main thread, so the worker's first act is to register tsx and then import the
// module (`eval` source); `workerData` and the message port work as with any Worker.
import { Worker, type WorkerOptions } from "node:worker_threads";

export function startTypeScriptWorker(moduleUrl: URL, options: Omit<WorkerOptions, "eval"> = {}): Worker {
  const source = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(source, { ...options, eval: true });
}
