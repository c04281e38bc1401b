// V8 settings for the engine's processes, applied when this module is first imported (the CLI and
// the benchmarks import it before anything else).
//
// Allocation-site pretenuring off: V8 allocates straight into the old generation the objects of an
// allocation site whose objects survived young collections at a high rate. A burst at start (100
// funnels back to back) made it pretenure the request path's per-request objects, which then filled
// the old generation with garbage for the rest of the process's life. Measured
// (recommendLatency.ts, 200k items, 100 then 200/s, 15 s each): GC pauses 0.41 / 0.77 s without the
// burst, 1.41 / 2.31 s after it, 0.44 / 0.72 s after it with pretenuring off; at 200/s the served
// median went 18 → 92 ms and back to 8 ms.
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--no-allocation-site-pretenuring");
