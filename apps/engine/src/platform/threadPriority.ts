// Lowers the scheduling priority of the calling thread alone, for background work that shares the
// cores with the request thread (the co-visitation build). On Linux, setpriority(2) with a thread id
// applies to that thread only, and Node's os.setPriority passes the id through; the calling
// thread's id is the last part of /proc/thread-self. Raising a nice value needs no privilege.
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/** Sets the calling thread's nice value to `nice` (higher = lower priority); its nice value after, or null where a thread's own cannot be set (not Linux). */
export function lowerCurrentThreadPriority(nice: number): number | null {
  let threadId: number;
  try {
    threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return null;
  }
  if (!Number.isInteger(threadId) || threadId <= 0) return null;
  try {
    if (getPriority(threadId) < nice) setPriority(threadId, nice);
    return getPriority(threadId);
  } catch {
    return null;
  }
}
