// Request/reply calls to a TypeScript module in a worker thread, for the engine's native-compute
// threads (the ANN search thread, the ranker thread). Each call is numbered so its reply finds it;
// a reply of kind "failed" rejects the call with its message. The worker is started on first use;
// if it exits, the calls in flight fail and the next call starts a new one (the owner reloads what
// the old one held: `onNewWorker`). The worker never keeps the process alive (serving does).
import type { Transferable, Worker } from "node:worker_threads";
import { startTypeScriptWorker } from "./typescriptWorker.ts";

/** Every message to the worker that expects a reply carries `request`; every reply echoes it. */
export type WorkerReply = { kind: string; request: number } | { kind: "failed"; request: number; message: string };

type Pending<Reply> = { resolve(reply: Reply): void; reject(error: Error): void };

export class WorkerCalls<Message, Reply extends WorkerReply> {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending<Reply>>();
  private nextRequest = 1;
  private closed = false;
  /** Workers started so far (tests and diagnostics). */
  workersStarted = 0;

  /**
   * `name` names the thread in errors; `onNewWorker` runs when a worker starts (after one died, the
   * owner forgets what it had loaded there).
   */
  constructor(
    private readonly module: URL,
    private readonly name: string,
    private readonly onNewWorker: () => void = () => undefined,
  ) {}

  /** The worker, if one is running (tests kill it to check recovery). */
  get currentWorker(): Worker | null {
    return this.worker;
  }

  /** Sends the message `make` builds for a new request number; resolves with its reply (rejects on "failed" or when the worker exits). */
  call(make: (request: number) => Message, transfer: readonly Transferable[] = []): Promise<Reply> {
    this.ensureWorker();
    if (this.closed || !this.worker) return Promise.reject(new Error(`${this.name} closed`));
    const request = this.nextRequest++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(request, {
        resolve: (reply) => (reply.kind === "failed" ? reject(new Error((reply as { message: string }).message)) : resolve(reply)),
        reject,
      });
      this.worker!.postMessage(make(request), transfer);
    });
  }

  /** A message with no reply, to the running worker (none: nothing to tell). */
  post(message: Message): void {
    this.worker?.postMessage(message);
  }

  /** Stops the worker; later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failPending(new Error(`${this.name} closed`));
    if (worker) await worker.terminate();
  }

  /** Starts a worker unless one runs (or this is closed). */
  ensureWorker(): void {
    if (this.worker || this.closed) return;
    const worker = startTypeScriptWorker(this.module);
    this.workersStarted += 1;
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const pending = this.pending.get(reply.request);
      if (!pending) return;
      this.pending.delete(reply.request);
      pending.resolve(reply);
    });
    // 'error' is followed by 'exit'; the exit handler does the cleanup.
    worker.on("error", () => undefined);
    worker.on("exit", (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failPending(new Error(`${this.name} exited (code ${code})`));
    });
    this.worker = worker;
    this.onNewWorker();
  }

  private failPending(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const call of pending) call.reject(error);
  }
}

/** How a WorkerHandles owner talks about its things: the load call for one, what its reply says, the message that drops one. */
export type HandleProtocol<Spec, Loaded, Message, Reply> = {
  /** Names a thing in errors ("ANN index", "ranker"). */
  noun: string;
  load(request: number, handle: number, spec: Spec): Message;
  /** What the load's reply says (throws on an unexpected reply). */
  loaded(reply: Reply): Loaded;
  drop(handle: number): Message;
};

/**
 * Things loaded into a worker by handle (an index file, a ranker's bytes). Each spec is kept here, so
 * a new worker (after one died) loads it again on first use; a failed load is tried again on the
 * next. drop() forgets a thing here and in the worker, also one released while it was loading.
 */
export class WorkerHandles<Spec, Loaded, Message, Reply extends WorkerReply> {
  /** Loads in the current worker, by handle (forgotten when a new worker starts). */
  private loads = new Map<number, Promise<Loaded>>();
  private readonly specs = new Map<number, Spec>();
  private nextHandle = 1;
  readonly calls: WorkerCalls<Message, Reply>;

  constructor(
    module: URL,
    name: string,
    private readonly protocol: HandleProtocol<Spec, Loaded, Message, Reply>,
  ) {
    this.calls = new WorkerCalls<Message, Reply>(module, name, () => (this.loads = new Map()));
  }

  /** A new handle for `spec`, loaded in the worker, with what its load said; nothing is kept when the load fails. */
  async open(spec: Spec): Promise<{ handle: number; loaded: Loaded }> {
    const handle = this.nextHandle++;
    this.specs.set(handle, spec);
    try {
      return { handle, loaded: await this.loaded(handle) };
    } catch (error) {
      this.drop(handle);
      throw error;
    }
  }

  /** Handles not dropped. */
  get size(): number {
    return this.specs.size;
  }

  /** What loading the handle's thing in the current worker said, loading it first if this worker does not hold it. */
  loaded(handle: number): Promise<Loaded> {
    const spec = this.specs.get(handle);
    if (spec === undefined) return Promise.reject(new Error(`${this.protocol.noun} ${handle} was released`));
    this.calls.ensureWorker();
    let load = this.loads.get(handle);
    if (!load) {
      load = this.calls
        .call((request) => this.protocol.load(request, handle, spec))
        .then((reply) => {
          const loaded = this.protocol.loaded(reply);
          // Dropped while it was loading (a reload after a new worker): the worker had nothing to drop then.
          if (!this.specs.has(handle)) this.calls.post(this.protocol.drop(handle));
          return loaded;
        });
      load.catch(() => {
        if (this.loads.get(handle) === load) this.loads.delete(handle);
      });
      this.loads.set(handle, load);
    }
    return load;
  }

  /** Forgets the handle here and in the worker. */
  drop(handle: number): void {
    if (!this.specs.delete(handle)) return;
    if (this.loads.delete(handle)) this.calls.post(this.protocol.drop(handle));
  }
}
