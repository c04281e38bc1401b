// Messages between the request thread (annSearchThread.ts) and the ANN search thread
// (annSearchWorker.ts). `request` numbers a call so its reply finds it; `handle` names one loaded
// index file in the worker.

export type AnnSearchRequest =
  | { kind: "load"; request: number; handle: number; path: string; dimensions: number; efSearch: number }
  | { kind: "search"; request: number; handle: number; query: Float32Array; k: number }
  | { kind: "drop"; handle: number };

export type AnnSearchReply =
  | { kind: "loaded"; request: number; count: number }
  | { kind: "found"; request: number; ids: Int32Array; scores: Float32Array }
  | { kind: "failed"; request: number; message: string };
