#!/usr/bin/env node
// vllm-perf-gate: the command line (bundled from src/cli.ts into dist/cli.js by `npm run build`).
import '../dist/cli.js';
