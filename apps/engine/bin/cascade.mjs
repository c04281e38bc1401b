#!/usr/bin/env -S node --max-semi-space-size=16 --no-memory-reducer
// `cascade` entry point: runs the TypeScript CLI through tsx's loader (no build step).
//
// The interpreter line gives node the V8 settings every engine process is measured with (`npm
// start` and `npm run cascade` run this file, so they get them too): a 16 MB young generation, and
// V8's memory reducer off (README, "Running several engines and consumers"). V8 reads them once,
// when the heap is set up, so neither this file nor the CLI can set them later. `env -S` splits the
// line into arguments (GNU coreutils ≥ 8.30, macOS, BSDs). Run as `node bin/cascade.mjs …`
// instead, the flags are the caller's to pass.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
