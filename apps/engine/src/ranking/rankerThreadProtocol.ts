// Messages between the request thread (rankerThread.ts) and the ranker thread (rankerWorker.ts).
// `request` numbers a call so its reply finds it; `handle` names one loaded ranker session.

export type RankerThreadRequest =
  | { kind: "load"; request: number; handle: number; bytes: Uint8Array; featureCount: number | undefined }
  | { kind: "score"; request: number; handle: number; features: Float32Array; rows: number }
  | { kind: "release"; handle: number }
  /** At close: release every session (and wait for releases under way), then reply "released". */
  | { kind: "releaseAll"; request: number };

export type RankerThreadReply =
  | { kind: "loaded"; request: number; featureCount: number }
  | { kind: "scored"; request: number; pClick: Float32Array; pLike: Float32Array; watchSeconds: Float32Array }
  /** Sessions this worker loaded, and released, over its life. */
  | { kind: "released"; request: number; loaded: number; released: number }
  | { kind: "failed"; request: number; message: string };
