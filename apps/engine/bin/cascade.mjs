#!/usr/bin/env -S node --max-semi-space-size=16
// `cascade` entry point: runs the TypeScript CLI through tsx's loader (no build step).
//
// The interpreter line gives node the young-generation size every engine process is measured with
// (`npm start` passes the same flag): V8 reads it once, when the heap is set up, so neither this
// file nor the CLI can set it later. `env -S` splits the line into arguments (GNU coreutils ≥ 8.30,
// macOS, BSDs). Run as `node bin/cascade.mjs …` instead, the flag is the caller's to pass.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
