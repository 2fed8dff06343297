#!/usr/bin/env node
// vllm-sim: the GPU-free vLLM simulator (bundled from sim/ into dist/sim.js by `npm run build`).
import '../dist/sim.js';
