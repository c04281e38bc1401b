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
//
// Heap growing factor fixed at 3: after each full collection the old generation may grow to three
// times what survived it before the next one starts. V8's own factor follows its measured GC speed
// against the mutator's; with most marking done by helper threads it judged full collections cheap
// and let the heap grow only 1.2–1.5× past the live ~160 MB at 1M items, so at 200 requests/s a
// full collection came every few seconds, and each one's marking steps and final pause on the
// request thread were the p99 of its window. Measured (recommendLatency.ts, 1M items, sets of
// three runs of 100 then 200/s from a cold engine): 0.61 full collections per 15 s window with
// V8's factor (18 windows), none in any of the 18 windows of three sets with this one; RSS after
// the runs 1.32–1.35 GiB, against 1.16–1.34 GiB without it (docs/benchmarks.md, session 18).
//
// Settings V8 reads only when the heap is set up cannot be set here: a 16 MB young generation and
// the memory reducer off are on bin/cascade.mjs's interpreter line (which `npm start` runs).
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--no-allocation-site-pretenuring");
setFlagsFromString("--heap-growing-percent=200");
