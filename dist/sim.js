#!/usr/bin/env node
import { createRequire as __vpgCreateRequire } from 'node:module'; const require = __vpgCreateRequire(import.meta.url);

// sim/cli.ts
import { writeFileSync } from "node:fs";

// sim/faults.ts
var SHARE_KINDS = ["http-500", "http-429", "stream-error", "stream-stall", "drop-connection", "malformed-sse"];
var FAULT_KINDS = ["boot-exit", "boot-hang", "crash-after", ...SHARE_KINDS];
function parseFault(text) {
  const i = text.indexOf(":");
  const kind = i < 0 ? text : text.slice(0, i);
  const argText = i < 0 ? void 0 : text.slice(i + 1);
  if (!FAULT_KINDS.includes(kind)) {
    throw new Error(`unknown fault '${kind}' (known: ${FAULT_KINDS.join(", ")})`);
  }
  if (kind === "boot-exit" || kind === "boot-hang") {
    if (argText !== void 0) throw new Error(`fault '${kind}' takes no argument`);
    return { kind, arg: 1 };
  }
  if (kind === "crash-after") {
    const n = Number(argText);
    if (argText === void 0 || !Number.isInteger(n) || n < 0) {
      throw new Error(`fault 'crash-after:N' needs a whole number of requests N >= 0, got '${argText ?? ""}'`);
    }
    return { kind, arg: n };
  }
  const p = argText === void 0 ? 1 : Number(argText);
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    throw new Error(`fault '${kind}:P' needs a share P between 0 and 1, got '${argText ?? ""}'`);
  }
  return { kind, arg: p };
}
var Faults = class {
  constructor(specs, rng) {
    this.rng = rng;
    this.bootExit = specs.some((s) => s.kind === "boot-exit");
    this.bootHang = specs.some((s) => s.kind === "boot-hang");
    const crash = specs.find((s) => s.kind === "crash-after");
    this.crashAfter = crash ? crash.arg : null;
    for (const s of specs) {
      if (SHARE_KINDS.includes(s.kind)) this.shares.push({ kind: s.kind, p: s.arg });
    }
  }
  rng;
  shares = [];
  bootExit;
  bootHang;
  crashAfter;
  /** The fault, if any, that hits the next request (one draw per configured kind, in order given). */
  draw() {
    let hit = null;
    for (const s of this.shares) {
      const u = this.rng.next();
      if (hit === null && u < s.p) hit = s.kind;
    }
    return hit;
  }
};

// sim/profiles.ts
import { readFileSync } from "node:fs";
var DEFAULT = {
  name: "sim-fast",
  description: "Default: a small fast model, 2 ms steps, no front-end delay; for tests and dry runs.",
  step_base_s: 2e-3,
  step_per_seq_s: 1e-5,
  step_per_prefill_token_s: 2e-6,
  step_per_context_token_s: 0,
  frontend_base_s: 0,
  frontend_per_inflight_s: 0,
  frontend_inflight_exp: 1,
  frontend_cv: 0,
  max_num_seqs: 256,
  max_num_batched_tokens: 2048,
  max_model_len: 4096,
  kv_cache_tokens: 262144,
  gpu_memory_utilization: 0.9,
  block_size: 16,
  eos_hazard: 1e-3,
  noise_cv: 0
};
var PROFILES = {
  "sim-fast": DEFAULT,
  "l4-qwen2.5-0.5b": {
    ...DEFAULT,
    name: "l4-qwen2.5-0.5b",
    description: "Qwen2.5-0.5B-Instruct on one NVIDIA L4, vLLM 0.23 V1, --gpu-memory-utilization 0.6 --max-model-len 8192 (calibrated to a published 256-in/128-out concurrency sweep).",
    step_base_s: 505e-5,
    step_per_seq_s: 66e-6,
    step_per_prefill_token_s: 12e-6,
    step_per_context_token_s: 0,
    // The API server's delay grows like the square root of the requests in flight: the calibration
    // sweep's TTFT rises 10.8, 23, 34, 77, 108 ms from concurrency 1 to 2..32, i.e. ~23 ms x (sqrt(n) - 1).
    frontend_base_s: 2e-3,
    frontend_per_inflight_s: 0.02,
    frontend_inflight_exp: 0.55,
    frontend_cv: 0.4,
    max_num_seqs: 256,
    max_num_batched_tokens: 2048,
    max_model_len: 8192,
    kv_cache_tokens: 104e4,
    gpu_memory_utilization: 0.6,
    eos_hazard: 2e-3,
    noise_cv: 0.12
  },
  "rtx5090-qwen2.5-7b": {
    ...DEFAULT,
    name: "rtx5090-qwen2.5-7b",
    description: "Qwen2.5-7B-Instruct (BF16) on one RTX 5090, vLLM V1 defaults (calibrated to a published chat-client report).",
    step_base_s: 0.0102,
    step_per_seq_s: 93e-6,
    step_per_prefill_token_s: 4e-5,
    step_per_context_token_s: 0,
    frontend_base_s: 3e-3,
    frontend_per_inflight_s: 2e-4,
    max_num_seqs: 256,
    max_num_batched_tokens: 2048,
    max_model_len: 32768,
    kv_cache_tokens: 21e4,
    gpu_memory_utilization: 0.9,
    eos_hazard: 2e-4,
    noise_cv: 0.01
  }
};
var DEFAULT_PROFILE = DEFAULT.name;
var NUMERIC_KEYS = Object.keys(DEFAULT).filter((k) => typeof DEFAULT[k] === "number");
function loadProfile(nameOrFile) {
  const builtin = PROFILES[nameOrFile];
  if (builtin !== void 0) return builtin;
  let text;
  try {
    text = readFileSync(nameOrFile, "utf8");
  } catch {
    throw new Error(`unknown profile '${nameOrFile}': not a built-in (${Object.keys(PROFILES).join(", ")}) nor a readable JSON file`);
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`profile file ${nameOrFile} is not valid JSON: ${e.message}`, { cause: e });
  }
  return validateProfile(data, nameOrFile);
}
function validateProfile(data, where) {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new Error(`profile ${where} must be a JSON object`);
  }
  const obj = data;
  const base = typeof obj.base === "string" && PROFILES[obj.base] ? PROFILES[obj.base] : DEFAULT;
  const out = {
    ...base,
    name: typeof obj.name === "string" ? obj.name : where,
    description: typeof obj.description === "string" ? obj.description : `profile file ${where}`
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === "name" || k === "description" || k === "base") continue;
    if (!NUMERIC_KEYS.includes(k)) {
      throw new Error(`profile ${where}: unknown key '${k}' (known: ${NUMERIC_KEYS.join(", ")})`);
    }
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new Error(`profile ${where}: '${k}' must be a non-negative number, got ${JSON.stringify(v)}`);
    }
    out[k] = v;
  }
  return out;
}

// sim/args.ts
var UsageError = class extends Error {
};
var ENGINE_FLAGS = {
  model: { kind: "str" },
  "max-model-len": { kind: "size", min: 1 },
  "max-num-seqs": { kind: "int", min: 1 },
  "max-num-batched-tokens": { kind: "int", min: 1 },
  "gpu-memory-utilization": { kind: "float", above: 0, max: 1 },
  "tensor-parallel-size": { kind: "int", min: 1 },
  "enable-chunked-prefill": { kind: "bool" },
  "enable-prefix-caching": { kind: "bool" },
  "num-gpu-blocks-override": { kind: "int", min: 1 },
  "block-size": { kind: "int", min: 1 },
  "sim-profile": { kind: "str" },
  "sim-seed": { kind: "int", min: 0 },
  "sim-time-scale": { kind: "float", above: 0 },
  "sim-slowdown": { kind: "float", above: 0 },
  "sim-noise-cv": { kind: "float", min: 0 },
  "sim-run-cv": { kind: "float", min: 0 },
  "sim-startup-s": { kind: "float", min: 0 },
  "sim-fault": { kind: "repeat" },
  "sim-trace": { kind: "str" }
};
var SERVE_FLAGS = {
  ...ENGINE_FLAGS,
  host: { kind: "str" },
  port: { kind: "int", min: 0, max: 65535 },
  "served-model-name": { kind: "strs" },
  "enable-force-include-usage": { kind: "bool" },
  "enable-prompt-tokens-details": { kind: "bool" },
  "disable-log-stats": { kind: "bool" }
};
var LATENCY_FLAGS = {
  ...ENGINE_FLAGS,
  "input-len": { kind: "int", min: 1 },
  "output-len": { kind: "int", min: 1 },
  "batch-size": { kind: "int", min: 1 },
  "num-iters-warmup": { kind: "int", min: 0 },
  "num-iters": { kind: "int", min: 1 },
  "output-json": { kind: "str" }
};
var THROUGHPUT_FLAGS = {
  ...ENGINE_FLAGS,
  "input-len": { kind: "int", min: 1 },
  "output-len": { kind: "int", min: 1 },
  "num-prompts": { kind: "int", min: 1 },
  "dataset-path": { kind: "str" },
  dataset: { kind: "str" },
  "dataset-name": { kind: "str" },
  "output-json": { kind: "str" }
};
var ALIASES = { tp: "tensor-parallel-size", q: "quantization" };
var VLLM_BOOL_FLAGS = /* @__PURE__ */ new Set([
  "trust-remote-code",
  "enforce-eager",
  "disable-log-requests",
  "enable-log-requests",
  "enable-log-outputs",
  "enable-auto-tool-choice",
  "disable-custom-all-reduce",
  "enable-lora",
  "enable-expert-parallel",
  "async-scheduling",
  "disable-frontend-multiprocessing",
  "enable-sleep-mode",
  "disable-sliding-window",
  "skip-tokenizer-init",
  "enable-server-load-tracking",
  "disable-fastapi-docs",
  "enable-request-id-headers",
  "use-tqdm-on-load",
  "disable-uvicorn-access-log",
  "return-tokens-as-token-ids",
  "disable-async-output-proc",
  "headless",
  "enable-tokenizer-info-endpoint",
  "disable-cascade-attn",
  "enable-dbo",
  "enable-eplb",
  "disable-detokenize",
  "async-engine",
  "profile",
  "use-beam-search"
]);
var SIZE_SUFFIX = { k: 1e3, m: 1e6, g: 1e9, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
var BOOL_WORDS = { true: true, false: false, True: true, False: false, "1": true, "0": false };
function convert(name, spec, raw) {
  if (spec.kind === "str" || spec.kind === "repeat" || spec.kind === "strs") return raw;
  if (spec.kind === "bool") {
    const b = BOOL_WORDS[raw];
    if (b === void 0) throw new UsageError(`argument --${name}: expected true or false, got '${raw}'`);
    return b;
  }
  let text = raw.trim();
  let mult = 1;
  const suffix = spec.kind === "size" ? SIZE_SUFFIX[text.slice(-1)] : void 0;
  if (suffix !== void 0) {
    mult = suffix;
    text = text.slice(0, -1);
  }
  const n = Math.round(Number(text) * mult * 1e6) / 1e6;
  const integral = spec.kind === "int" || spec.kind === "size";
  if (text === "" || !Number.isFinite(n) || integral && !Number.isInteger(n)) {
    throw new UsageError(`argument --${name}: invalid ${integral ? "int" : spec.kind} value: '${raw}'`);
  }
  if (spec.min !== void 0 && n < spec.min) throw new UsageError(`argument --${name}: must be >= ${spec.min}, got ${raw}`);
  if (spec.max !== void 0 && n > spec.max) throw new UsageError(`argument --${name}: must be <= ${spec.max}, got ${raw}`);
  if (spec.above !== void 0 && n <= spec.above) throw new UsageError(`argument --${name}: must be > ${spec.above}, got ${raw}`);
  return n;
}
function isFlag(tok) {
  return tok !== void 0 && tok.startsWith("-") && tok.length > 1 && Number.isNaN(Number(tok));
}
function parseArgs(argv, specs) {
  const out = { positionals: [], values: /* @__PURE__ */ new Map(), ignored: [] };
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (!isFlag(tok)) {
      out.positionals.push(tok);
      continue;
    }
    const eq = tok.indexOf("=");
    let name = (eq >= 0 ? tok.slice(0, eq) : tok).replace(/^--?/, "").replace(/_/g, "-");
    name = ALIASES[name] ?? name;
    let inline = eq >= 0 ? tok.slice(eq + 1) : void 0;
    let negated = false;
    if (!(name in specs) && name.startsWith("no-") && specs[name.slice(3)]?.kind === "bool") {
      name = name.slice(3);
      negated = true;
    }
    const spec = specs[name];
    if (spec === void 0) {
      if (inline === void 0 && !VLLM_BOOL_FLAGS.has(name) && argv[i + 1] !== void 0 && !isFlag(argv[i + 1])) {
        out.ignored.push(`--${name} ${argv[i + 1]}`);
        i++;
      } else {
        out.ignored.push(inline === void 0 ? `--${name}` : `--${name}=${inline}`);
      }
      continue;
    }
    if (spec.kind === "bool") {
      let v2 = true;
      if (inline !== void 0) v2 = convert(name, spec, inline);
      else if (argv[i + 1] !== void 0 && argv[i + 1] in BOOL_WORDS) v2 = convert(name, spec, argv[++i]);
      out.values.set(name, negated ? !v2 : v2);
      continue;
    }
    if (spec.kind === "strs") {
      const vals = [];
      if (inline !== void 0) vals.push(inline);
      else while (argv[i + 1] !== void 0 && !isFlag(argv[i + 1])) vals.push(argv[++i]);
      if (vals.length === 0) throw new UsageError(`argument --${name}: expected at least one argument`);
      out.values.set(name, vals);
      continue;
    }
    if (inline === void 0) {
      const next = argv[i + 1];
      if (next === void 0 || isFlag(next)) throw new UsageError(`argument --${name}: expected one argument`);
      inline = next;
      i++;
    }
    const v = convert(name, spec, inline);
    if (spec.kind === "repeat") {
      const list = out.values.get(name) ?? [];
      list.push(v);
      out.values.set(name, list);
    } else {
      out.values.set(name, v);
    }
  }
  return out;
}
function simKnobs(p) {
  let profile;
  try {
    profile = loadProfile(p.values.get("sim-profile") ?? DEFAULT_PROFILE);
  } catch (e) {
    throw new UsageError(`argument --sim-profile: ${e.message}`);
  }
  const faults = [];
  for (const f of p.values.get("sim-fault") ?? []) {
    try {
      faults.push(parseFault(f));
    } catch (e) {
      throw new UsageError(`argument --sim-fault: ${e.message}`);
    }
  }
  return {
    profile,
    seed: p.values.get("sim-seed") ?? 0,
    seedGiven: p.values.has("sim-seed"),
    timeScale: p.values.get("sim-time-scale") ?? 1,
    slowdown: p.values.get("sim-slowdown") ?? 1,
    noiseCv: p.values.get("sim-noise-cv") ?? profile.noise_cv,
    runCv: p.values.get("sim-run-cv") ?? 0,
    startupS: p.values.get("sim-startup-s") ?? 2,
    faults,
    trace: p.values.get("sim-trace") ?? null
  };
}
function engineArgs(p, profile) {
  const get = (k) => p.values.get(k);
  const gmu = get("gpu-memory-utilization") ?? profile.gpu_memory_utilization;
  const blockSize = get("block-size") ?? profile.block_size;
  const tp = get("tensor-parallel-size") ?? 1;
  const kvTokens = profile.kv_cache_tokens * gmu / profile.gpu_memory_utilization;
  const numGpuBlocks = get("num-gpu-blocks-override") ?? Math.max(1, Math.floor(kvTokens / blockSize));
  return {
    maxModelLen: get("max-model-len") ?? profile.max_model_len,
    maxNumSeqs: get("max-num-seqs") ?? profile.max_num_seqs,
    maxNumBatchedTokens: get("max-num-batched-tokens") ?? profile.max_num_batched_tokens,
    gpuMemoryUtilization: gmu,
    tensorParallelSize: tp,
    chunkedPrefill: get("enable-chunked-prefill") ?? true,
    enablePrefixCaching: get("enable-prefix-caching") ?? true,
    blockSize,
    numGpuBlocks
  };
}

// sim/log.ts
var pid = process.pid;
function stamp() {
  const d = /* @__PURE__ */ new Date();
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
function logLine(proc, level, where, msg) {
  const line = `(${proc} pid=${pid}) ${level} ${stamp()} [${where}] ${msg}
`;
  if (level === "ERROR") process.stderr.write(line);
  else process.stdout.write(line);
}
var api = (level, where, msg) => logLine("APIServer", level, where, msg);
var core = (level, where, msg) => logLine("EngineCore_DP0", level, where, msg);
function uvicorn(msg) {
  process.stdout.write(`(APIServer pid=${pid}) INFO:     ${msg}
`);
}

// sim/offline.ts
import { readFileSync as readFileSync2 } from "node:fs";

// sim/prefix-cache.ts
var NO_HASH = -1;
function mix32(h, v) {
  v = Math.imul(v, 3432918353);
  v = v << 15 | v >>> 17;
  v = Math.imul(v, 461845907);
  h ^= v;
  h = h << 13 | h >>> 19;
  return Math.imul(h, 5) + 3864292196 | 0;
}
function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 2246822507);
  h ^= h >>> 13;
  h = Math.imul(h, 3266489909);
  return (h ^ h >>> 16) >>> 0;
}
function hashBlockTokens(parent, ids, start, blockSize) {
  const pHi = Math.floor(parent / 4294967296);
  const pLo = parent >>> 0;
  let a = mix32(mix32(625341585, pHi), pLo);
  let b = mix32(mix32(1640531527, pLo), pHi);
  for (let i = start; i < start + blockSize; i++) {
    const t = ids[i] | 0;
    a = mix32(a, t);
    b = mix32(b, t ^ 1540483477);
  }
  a = fmix32(a ^ blockSize);
  b = fmix32(b ^ blockSize * 31);
  return (a >>> 11) * 4294967296 + b;
}
function rootHash(seed, salt) {
  const a = fmix32(mix32(2135587861, seed));
  const b = fmix32(mix32(1013904242, salt === null ? 0 : salt ^ 2654435769));
  return (a >>> 11) * 4294967296 + b;
}
function extendBlockHashes(hashes, ids, blockSize, root) {
  while ((hashes.length + 1) * blockSize <= ids.length) {
    const parent = hashes.length === 0 ? root : hashes[hashes.length - 1];
    hashes.push(hashBlockTokens(parent, ids, hashes.length * blockSize, blockSize));
  }
}
var BlockPool = class {
  constructor(numBlocks) {
    this.numBlocks = numBlocks;
    const n = numBlocks + 1;
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.ref = new Int32Array(numBlocks);
    this.hashOf = new Float64Array(numBlocks).fill(NO_HASH);
    this.head = numBlocks;
    for (let i = 0; i < n; i++) {
      this.next[i] = (i + 1) % n;
      this.prev[i] = (i + n - 1) % n;
    }
    this.numFree = numBlocks;
  }
  numBlocks;
  prev;
  next;
  ref;
  hashOf;
  cached = /* @__PURE__ */ new Map();
  /** Sentinel index of the free queue (one past the last block). */
  head;
  numFree;
  /** Cached blocks dropped to make room, since start. */
  evictions = 0;
  unlink(id) {
    const p = this.prev[id];
    const q = this.next[id];
    this.next[p] = q;
    this.prev[q] = p;
    this.numFree--;
  }
  append(id) {
    const last = this.prev[this.head];
    this.next[last] = id;
    this.prev[id] = last;
    this.next[id] = this.head;
    this.prev[this.head] = id;
    this.numFree++;
  }
  /** The cached block holding this hash, or -1. */
  lookup(hash) {
    return this.cached.get(hash) ?? -1;
  }
  /** True when the block is in the free queue (a hit on it takes a free block away). */
  isFree(id) {
    return this.ref[id] === 0;
  }
  /** Pops n blocks from the front of the free queue, evicting their hashes. The caller checked numFree. */
  allocate(n, into) {
    for (let k = 0; k < n; k++) {
      const id = this.next[this.head];
      this.unlink(id);
      const h = this.hashOf[id];
      if (h !== NO_HASH) {
        if (this.cached.get(h) === id) this.cached.delete(h);
        this.hashOf[id] = NO_HASH;
        this.evictions++;
      }
      this.ref[id] = 1;
      into.push(id);
    }
  }
  /** Takes a reference on cache-hit blocks, removing free ones from the queue. */
  touch(ids) {
    for (const id of ids) {
      const r = this.ref[id];
      if (r === 0) this.unlink(id);
      this.ref[id] = r + 1;
    }
  }
  /** Drops a request's references, its tail block first, so the tail is evicted before the head. */
  freeReversed(ids) {
    for (let k = ids.length - 1; k >= 0; k--) {
      const id = ids[k];
      const r = this.ref[id] - 1;
      this.ref[id] = r;
      if (r === 0) this.append(id);
    }
  }
  /** Makes a full block findable by its hash; a second block with a hash already cached stays anonymous. */
  cacheBlock(id, hash) {
    if (this.hashOf[id] !== NO_HASH || this.cached.has(hash)) return;
    this.hashOf[id] = hash;
    this.cached.set(hash, id);
  }
  /** vLLM's `reset_prefix_cache`: forgets every hash, refused (false) while any block is held. */
  reset() {
    if (this.numFree !== this.numBlocks) return false;
    this.cached.clear();
    this.hashOf.fill(NO_HASH);
    return true;
  }
  get numCached() {
    return this.cached.size;
  }
};

// sim/engine.ts
var PENDING = 0;
var WAITING = 1;
var RUNNING = 2;
var DONE = 3;
var EngineRequest = class {
  constructor(id, promptTokens, maxTokens, targetTokens, arrival, sink = null, tokenIds = null) {
    this.id = id;
    this.promptTokens = promptTokens;
    this.maxTokens = maxTokens;
    this.targetTokens = targetTokens;
    this.arrival = arrival;
    this.sink = sink;
    this.tokenIds = tokenIds;
  }
  id;
  promptTokens;
  maxTokens;
  targetTokens;
  arrival;
  sink;
  tokenIds;
  state = PENDING;
  /** Tokens whose KV is computed. */
  computed = 0;
  generated = 0;
  /** The KV blocks the request holds, in token order. */
  blockIds = [];
  /** Leading blocks of blockIds registered in the prefix cache. */
  cachedBlocks = 0;
  /** Chained hashes of the full blocks of tokenIds, computed as they are needed. */
  blockHashes = [];
  /** Root of the hash chain (vLLM's NONE_HASH, salted by the request's cache_salt). */
  hashRoot = 0;
  /** Prompt tokens found in the prefix cache when first scheduled (vLLM's num_cached_tokens); -1 before. */
  cachedTokens = -1;
  scheduledNow = 0;
  readyAt = 0;
  firstScheduledAt = -1;
  firstTokenAt = -1;
  lastTokenAt = -1;
  finishedAt = -1;
  preemptions = 0;
  finishReason = null;
  get numTokens() {
    return this.promptTokens + this.generated;
  }
  get blocks() {
    return this.blockIds.length;
  }
  /** Records the id of the token just produced, so the block it fills can be cached. */
  appendOutputId(id) {
    this.tokenIds?.push(id);
  }
};
var Engine = class {
  constructor(cfg, observer) {
    this.cfg = cfg;
    this.observer = observer;
    this.pool = new BlockPool(cfg.kvBlocks);
  }
  cfg;
  observer;
  pending = [];
  waiting = [];
  running = [];
  batch = [];
  pool;
  /** Blocks of the cache hit found for the head of the waiting queue (scratch). */
  hit = [];
  inflight = 0;
  preemptionsTotal = 0;
  promptTokensTotal = 0;
  generationTokensTotal = 0;
  /**
   * Prefix-cache lookups of new requests, counted at admission as vLLM's PrefixCacheStats: requests,
   * queried tokens (the request's tokens) and hit tokens. A preempted request's second lookup
   * (its own blocks found again) is kept apart, as vLLM does, and is not in these counters.
   */
  prefixRequests = 0;
  prefixQueries = 0;
  prefixHits = 0;
  preemptedQueries = 0;
  preemptedHits = 0;
  steps = 0;
  lastScheduledTokens = 0;
  /** Optional hook, e.g. the iteration-tokens histogram. */
  onStep = null;
  onPreempt = null;
  get numRunning() {
    return this.running.length;
  }
  get numWaiting() {
    return this.waiting.length + this.pending.length;
  }
  get kvUsage() {
    return this.cfg.kvBlocks === 0 ? 0 : (this.cfg.kvBlocks - this.pool.numFree) / this.cfg.kvBlocks;
  }
  /** Blocks held by requests (cached blocks no request holds count as free, as in vLLM). */
  get usedBlocks() {
    return this.cfg.kvBlocks - this.pool.numFree;
  }
  /** Full blocks findable in the prefix cache. */
  get cachedBlockCount() {
    return this.pool.numCached;
  }
  /** Cached blocks evicted (reused for other tokens) since start. */
  get evictions() {
    return this.pool.evictions;
  }
  /** vLLM's reset_prefix_cache: refused (false) while any request holds blocks. */
  resetPrefixCache() {
    return this.pool.reset();
  }
  hasWork() {
    return this.running.length > 0 || this.waiting.length > 0 || this.pending.length > 0;
  }
  /** Accepts a request that arrived at req.arrival; it becomes schedulable after the front-end delay. */
  add(req) {
    this.inflight++;
    const c = this.cfg;
    const n = this.inflight;
    const delay = c.frontendBase + c.frontendPerInflight * (c.frontendInflightExp === 1 ? n : Math.pow(n, c.frontendInflightExp));
    req.readyAt = req.arrival + (delay > 0 && c.frontendCv > 0 ? delay * c.frontendRng.factor(c.frontendCv) : delay);
    req.state = PENDING;
    this.pending.push(req);
  }
  /** Earliest time a pending request becomes schedulable (Infinity if none). */
  nextReadyAt() {
    let t = Infinity;
    for (const r of this.pending) if (r.readyAt < t) t = r.readyAt;
    return t;
  }
  /** Removes a request (client went away); frees its KV blocks. */
  abort(req, now) {
    if (req.state === DONE) return;
    const list = req.state === PENDING ? this.pending : req.state === WAITING ? this.waiting : this.running;
    const i = list.indexOf(req);
    if (i >= 0) list.splice(i, 1);
    this.release(req);
    req.finishReason = "abort";
    this.finish(req, now);
  }
  blocksFor(tokens) {
    return Math.ceil(tokens / this.cfg.blockSize);
  }
  /** Gives a request's blocks back to the pool, tail first; cached ones stay findable until evicted. */
  release(r) {
    this.pool.freeReversed(r.blockIds);
    r.blockIds.length = 0;
    r.cachedBlocks = 0;
  }
  /**
   * The longest run of leading full blocks of r already in the cache, into this.hit. As vLLM's
   * get_computed_blocks, at most numTokens - 1 tokens can hit: the last token is always computed
   * for its logits, so a prompt found whole recomputes its last block.
   */
  findCacheHit(r) {
    const hit = this.hit;
    hit.length = 0;
    const ids = r.tokenIds;
    if (!this.cfg.enablePrefixCaching || ids === null) return 0;
    const bs = this.cfg.blockSize;
    extendBlockHashes(r.blockHashes, ids, bs, r.hashRoot);
    const most = Math.min(Math.floor((r.numTokens - 1) / bs), r.blockHashes.length);
    for (let i = 0; i < most; i++) {
      const id = this.pool.lookup(r.blockHashes[i]);
      if (id < 0) break;
      hit.push(id);
    }
    return hit.length;
  }
  /** Registers the full blocks of r's first `tokens` tokens in the cache (vLLM caches them when scheduled). */
  cacheFullBlocks(r, tokens) {
    const ids = r.tokenIds;
    if (!this.cfg.enablePrefixCaching || ids === null) return;
    const bs = this.cfg.blockSize;
    const full = Math.min(Math.floor(Math.min(tokens, ids.length) / bs), r.blockIds.length);
    if (full <= r.cachedBlocks) return;
    extendBlockHashes(r.blockHashes, ids, bs, r.hashRoot);
    for (let i = r.cachedBlocks; i < full; i++) this.pool.cacheBlock(r.blockIds[i], r.blockHashes[i]);
    r.cachedBlocks = full;
  }
  recordLookup(r, hitTokens) {
    if (!this.cfg.enablePrefixCaching) return;
    if (r.preemptions > 0) {
      this.preemptedQueries += r.numTokens;
      this.preemptedHits += hitTokens;
      return;
    }
    this.prefixRequests++;
    this.prefixQueries += r.numTokens;
    this.prefixHits += hitTokens;
  }
  admitPending(now) {
    if (this.pending.length === 0) return;
    let keep = 0;
    for (let i = 0; i < this.pending.length; i++) {
      const r = this.pending[i];
      if (r.readyAt <= now) {
        r.state = WAITING;
        this.waiting.push(r);
      } else {
        this.pending[keep++] = r;
      }
    }
    this.pending.length = keep;
  }
  preemptLast() {
    const victim = this.running.pop();
    this.release(victim);
    victim.computed = 0;
    victim.state = WAITING;
    victim.preemptions++;
    this.preemptionsTotal++;
    this.waiting.unshift(victim);
    this.onPreempt?.(victim);
    return victim;
  }
  /**
   * Schedules one step at time now: running requests first (decode or their next prefill chunk),
   * then waiting ones FCFS while the token budget, max_num_seqs and free KV blocks allow; a waiting
   * request starts after the blocks it finds in the prefix cache, which cost no prefill.
   * Returns the step's duration in seconds, or -1 when there is nothing to run.
   */
  beginStep(now) {
    this.admitPending(now);
    const cfg = this.cfg;
    let budget = cfg.maxNumBatchedTokens;
    const batch = this.batch;
    batch.length = 0;
    let preempted = false;
    let prefillTokens = 0;
    let contextTokens = 0;
    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const r = this.running[i];
      const remaining = r.numTokens - r.computed;
      const n = remaining < budget ? remaining : budget;
      const need = this.blocksFor(r.computed + n) - r.blocks;
      let selfPreempted = false;
      while (need > this.pool.numFree) {
        const victim = this.preemptLast();
        preempted = true;
        if (victim === r) {
          selfPreempted = true;
          break;
        }
      }
      if (selfPreempted) break;
      if (need > 0) this.pool.allocate(need, r.blockIds);
      this.cacheFullBlocks(r, r.computed + n);
      r.scheduledNow = n;
      budget -= n;
      if (remaining > 1 || r.generated === 0) prefillTokens += n;
      contextTokens += r.computed + n;
      batch.push(r);
    }
    if (!preempted) {
      while (this.waiting.length > 0 && this.running.length < cfg.maxNumSeqs && budget > 0) {
        const r = this.waiting[0];
        const hitBlocks = this.findCacheHit(r);
        const hitTokens = hitBlocks * cfg.blockSize;
        const remaining = r.numTokens - hitTokens;
        if (!cfg.chunkedPrefill && remaining > budget) break;
        const n = remaining < budget ? remaining : budget;
        const fresh = this.blocksFor(hitTokens + n) - hitBlocks;
        let hitFree = 0;
        for (let k = 0; k < hitBlocks; k++) if (this.pool.isFree(this.hit[k])) hitFree++;
        if (fresh + hitFree > this.pool.numFree) break;
        this.waiting.shift();
        r.state = RUNNING;
        this.running.push(r);
        this.pool.touch(this.hit);
        for (let k = 0; k < hitBlocks; k++) r.blockIds.push(this.hit[k]);
        r.cachedBlocks = hitBlocks;
        this.pool.allocate(fresh, r.blockIds);
        r.computed = hitTokens;
        this.recordLookup(r, hitTokens);
        if (r.cachedTokens < 0) r.cachedTokens = hitTokens;
        this.cacheFullBlocks(r, hitTokens + n);
        r.scheduledNow = n;
        budget -= n;
        prefillTokens += n;
        contextTokens += r.computed + n;
        if (r.firstScheduledAt < 0) r.firstScheduledAt = now;
        batch.push(r);
      }
    }
    if (batch.length === 0) return -1;
    const scheduled = cfg.maxNumBatchedTokens - budget;
    this.lastScheduledTokens = scheduled;
    this.steps++;
    this.onStep?.(scheduled);
    const c = cfg.cost;
    const cost = c.base + c.perSeq * batch.length + c.perPrefillToken * prefillTokens + c.perContextToken * contextTokens;
    const noise = cfg.noiseCv > 0 ? cfg.noiseRng.factor(cfg.noiseCv) : 1;
    return cost * cfg.costFactor * noise;
  }
  /** Ends the step begun last: applies the computed tokens and emits one token per request whose prefill or decode completed. */
  endStep(now) {
    const batch = this.batch;
    let finishedAny = false;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i];
      if (r.state !== RUNNING) continue;
      r.computed += r.scheduledNow;
      if (r.computed < r.numTokens) continue;
      if (r.generated === 0 && r.preemptions === 0) this.promptTokensTotal += r.promptTokens;
      r.generated++;
      this.generationTokensTotal++;
      if (r.firstTokenAt < 0) r.firstTokenAt = now;
      r.lastTokenAt = now;
      const last = r.generated >= r.targetTokens || r.numTokens >= this.cfg.maxModelLen;
      if (last) {
        r.finishReason = r.generated >= r.maxTokens || r.numTokens >= this.cfg.maxModelLen ? "length" : "stop";
        r.state = DONE;
        this.release(r);
        finishedAny = true;
      }
      this.observer.onToken(r, now, last);
    }
    if (finishedAny) {
      let keep = 0;
      for (let i = 0; i < this.running.length; i++) {
        const r = this.running[i];
        if (r.state === DONE) this.finish(r, now);
        else this.running[keep++] = r;
      }
      this.running.length = keep;
    }
    batch.length = 0;
  }
  finish(req, now) {
    req.state = DONE;
    req.finishedAt = now;
    this.inflight--;
    this.observer.onFinish(req, now);
  }
};
function targetLength(maxTokens, ignoreEos, eosHazard, u) {
  if (ignoreEos || eosHazard <= 0 || maxTokens <= 1) return maxTokens;
  const k = Math.ceil(Math.log(1 - u) / Math.log(1 - eosHazard));
  return k >= 1 && k < maxTokens ? k : maxTokens;
}
function requestTimes(r) {
  if (r.firstScheduledAt < 0 || r.firstTokenAt < 0) return null;
  return {
    queue: r.firstScheduledAt - r.readyAt,
    prefill: r.firstTokenAt - r.firstScheduledAt,
    decode: r.lastTokenAt - r.firstTokenAt,
    inference: r.lastTokenAt - r.firstScheduledAt
  };
}

// sim/rng.ts
function hashString(s, h = 2166136261) {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
function mixSeed(...parts) {
  let h = 2654435769;
  for (const p of parts) {
    h ^= (p >>> 0) + 2654435769 + (h << 6) + (h >>> 2);
    h = Math.imul(h ^ h >>> 16, 2246822507);
    h = Math.imul(h ^ h >>> 13, 3266489909);
    h ^= h >>> 16;
  }
  return h >>> 0;
}
var Rng = class {
  state;
  constructor(seed) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next() {
    let t = this.state = this.state + 1831565813 >>> 0;
    t = Math.imul(t ^ t >>> 15, t | 1);
    t ^= t + Math.imul(t ^ t >>> 7, t | 61);
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n) {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box-Muller). */
  normal() {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** A positive factor with mean 1 and coefficient of variation cv (log-normal); 1 when cv is 0. */
  factor(cv) {
    if (cv <= 0) return 1;
    const sigma2 = Math.log(1 + cv * cv);
    return Math.exp(Math.sqrt(sigma2) * this.normal() - sigma2 / 2);
  }
};
function streamRng(seed, name) {
  return new Rng(mixSeed(seed, hashString(name)));
}

// sim/setup.ts
import { randomInt } from "node:crypto";
function engineConfig(e, k, timeScale) {
  const p = k.profile;
  const runRng = k.seedGiven ? streamRng(k.seed, "run") : new Rng(randomInt(2 ** 32));
  const runFactor = runRng.factor(k.runCv);
  const factor = k.slowdown * runFactor * timeScale;
  return {
    runFactor,
    config: {
      maxNumSeqs: e.maxNumSeqs,
      // Like vLLM: without chunked prefill a whole prompt must fit one step.
      maxNumBatchedTokens: e.chunkedPrefill ? e.maxNumBatchedTokens : Math.max(e.maxNumBatchedTokens, e.maxModelLen),
      maxModelLen: e.maxModelLen,
      kvBlocks: e.numGpuBlocks,
      blockSize: e.blockSize,
      chunkedPrefill: e.chunkedPrefill,
      enablePrefixCaching: e.enablePrefixCaching,
      cost: {
        base: p.step_base_s,
        perSeq: p.step_per_seq_s,
        perPrefillToken: p.step_per_prefill_token_s,
        perContextToken: p.step_per_context_token_s
      },
      costFactor: factor,
      noiseCv: k.noiseCv,
      noiseRng: streamRng(k.seed, "noise"),
      // The front end is CPU, not GPU: it scales with time but not with --sim-slowdown.
      frontendBase: p.frontend_base_s * timeScale,
      frontendPerInflight: p.frontend_per_inflight_s * timeScale,
      frontendInflightExp: p.frontend_inflight_exp,
      frontendCv: p.frontend_cv,
      frontendRng: streamRng(k.seed, "frontend")
    }
  };
}

// sim/tokenizer.ts
var PIECE = /<\|[a-z_]+\|>| ?[A-Za-z]{1,3}| ?[0-9]| ?[!-/:-@[-`{-~]|[\s\S]/gu;
var BASE = 98;
var UNICODE_BASE = 1e8;
var SPECIAL_BASE = 2e8;
var SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
function symbolOf(code) {
  if (code === 10) return 1;
  if (code === 9) return 2;
  if (code >= 32 && code <= 126) return code - 29;
  return 0;
}
function charOfSymbol(sym) {
  if (sym === 1) return "\n";
  if (sym === 2) return "	";
  return String.fromCharCode(sym + 29);
}
function pieceId(piece) {
  if (piece.length > 4 && piece.startsWith("<|")) {
    const i = SPECIAL_TOKENS.indexOf(piece);
    if (i >= 0) return SPECIAL_BASE + i;
  }
  let id = 0;
  for (let i = 0; i < piece.length; i++) {
    const s = symbolOf(piece.charCodeAt(i));
    if (s === 0 || piece.length > 4) return UNICODE_BASE + (piece.codePointAt(0) ?? 0);
    id = id * BASE + s;
  }
  return id;
}
function tokenPieces(text) {
  return text.match(PIECE) ?? [];
}
function encode(text) {
  const out = [];
  for (const p of tokenPieces(text)) out.push(pieceId(p));
  return out;
}
function countTokens(text) {
  PIECE.lastIndex = 0;
  let n = 0;
  while (PIECE.exec(text) !== null) n++;
  return n;
}
function decodeToken(id) {
  if (!Number.isInteger(id) || id < 0) return "";
  if (id >= SPECIAL_BASE) return SPECIAL_TOKENS[id - SPECIAL_BASE] ?? "";
  if (id >= UNICODE_BASE) return String.fromCodePoint(Math.min(id - UNICODE_BASE, 1114111));
  let s = "";
  while (id > 0) {
    const sym = id % BASE;
    s = (sym === 0 ? "" : charOfSymbol(sym)) + s;
    id = Math.floor(id / BASE);
  }
  return s;
}
function decode(ids) {
  let s = "";
  for (const id of ids) s += decodeToken(id);
  return s;
}
function contentText(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    let s = "";
    for (const part of content) {
      if (part !== null && typeof part === "object" && typeof part.text === "string") {
        s += part.text;
      }
    }
    return s;
  }
  return "";
}
function renderChat(messages) {
  let s = "";
  for (const m of messages) s += `<|im_start|>${m.role}
${contentText(m.content)}<|im_end|>
`;
  return s + "<|im_start|>assistant\n";
}
var OUTPUT_WORDS = [
  " the",
  " of",
  " and",
  " to",
  " in",
  " is",
  " it",
  " for",
  " on",
  " was",
  " as",
  " be",
  " at",
  " by",
  " an",
  " or",
  " we",
  " can",
  " you",
  " all",
  " new",
  " one",
  " two",
  " may",
  " use",
  " has",
  " not",
  " but",
  " are",
  " his",
  " her",
  " its",
  " our",
  " out",
  " up",
  " so",
  " if",
  " no",
  " do",
  " get",
  " see",
  " now",
  " way",
  " day",
  " man",
  " big",
  " old",
  " any",
  ".",
  ",",
  " a",
  " sky",
  " sea",
  " run",
  " fly",
  " red",
  " sun",
  " key",
  " map",
  " end",
  " top",
  " low",
  " far",
  " set"
];
var OUTPUT_IDS = OUTPUT_WORDS.map((w) => pieceId(w));

// sim/offline.ts
function runUntilIdle(engine, t) {
  for (; ; ) {
    const d = engine.beginStep(t);
    if (d < 0) {
      const next = engine.nextReadyAt();
      if (next === Infinity) return t;
      t = next;
      continue;
    }
    t += d;
    engine.endStep(t);
  }
}
var noop = { onToken: () => void 0, onFinish: () => void 0 };
function offlineEngine(e, k, observer = noop) {
  const { config } = engineConfig(e, k, 1);
  config.frontendBase = 0;
  config.frontendPerInflight = 0;
  return new Engine(config, observer);
}
function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const x = p / 100 * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}
function runLatency(e, k, o) {
  const engine = offlineEngine(e, k);
  let t = 0;
  const latencies = [];
  for (let it = 0; it < o.warmupIters + o.iters; it++) {
    const start = t;
    for (let b = 0; b < o.batchSize; b++) {
      engine.add(new EngineRequest(`lat-${it}-${b}`, o.inputLen, o.outputLen, o.outputLen, start));
    }
    t = runUntilIdle(engine, start);
    if (it >= o.warmupIters) latencies.push(t - start);
  }
  const avg = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  const std = Math.sqrt(latencies.reduce((a, b) => a + (b - avg) ** 2, 0) / latencies.length);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    avg_latency: avg,
    std_latency: std,
    latencies,
    percentiles: {
      "10": percentile(sorted, 10),
      "25": percentile(sorted, 25),
      "50": percentile(sorted, 50),
      "75": percentile(sorted, 75),
      "90": percentile(sorted, 90),
      "99": percentile(sorted, 99)
    }
  };
}
function sampleShareGpt(path, n, seed, fixedOutput) {
  let data;
  try {
    data = JSON.parse(readFileSync2(path, "utf8"));
  } catch (e) {
    throw new Error(`dataset ${path}: ${e.message}`, { cause: e });
  }
  if (!Array.isArray(data)) throw new Error(`dataset ${path}: expected a ShareGPT JSON list of {conversations: [...]}`);
  const idx = data.map((_, i) => i);
  const rng = streamRng(seed, "dataset");
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const out = [];
  for (const i of idx) {
    if (out.length >= n) break;
    const conv = data[i]?.conversations;
    if (!Array.isArray(conv) || conv.length < 2) continue;
    const prompt = countTokens(String(conv[0]?.value ?? ""));
    const output = fixedOutput ?? countTokens(String(conv[1]?.value ?? ""));
    if (prompt < 4 || output < 4) continue;
    if (prompt > 1024 || prompt + output > 2048) continue;
    out.push({ prompt, output });
  }
  if (out.length === 0) throw new Error(`dataset ${path}: no usable conversations`);
  return out;
}
function runThroughput(e, k, o) {
  let shapes;
  if (o.datasetPath !== void 0) {
    shapes = sampleShareGpt(o.datasetPath, o.numPrompts, k.seed, o.outputLen);
  } else {
    if (o.inputLen === void 0) throw new Error("dataset: --input-len is required without --dataset-path (random dataset)");
    shapes = Array.from({ length: o.numPrompts }, () => ({ prompt: o.inputLen, output: o.outputLen ?? 128 }));
  }
  const engine = offlineEngine(e, k);
  let promptTokens = 0;
  let outputTokens = 0;
  shapes.forEach((s, i) => {
    const prompt = Math.min(s.prompt, e.maxModelLen - 1);
    const output = Math.max(1, Math.min(s.output, e.maxModelLen - prompt));
    promptTokens += prompt;
    outputTokens += output;
    engine.add(new EngineRequest(`tp-${i}`, prompt, output, output, 0));
  });
  const elapsed = runUntilIdle(engine, 0);
  return {
    result: {
      elapsed_time: elapsed,
      num_requests: shapes.length,
      total_num_tokens: promptTokens + outputTokens,
      requests_per_second: shapes.length / elapsed,
      tokens_per_second: (promptTokens + outputTokens) / elapsed
    },
    promptTokens,
    outputTokens,
    outputTokensPerSecond: outputTokens / elapsed
  };
}

// sim/server.ts
import { closeSync, openSync, writeSync } from "node:fs";
import { createServer } from "node:http";
import { PerformanceObserver } from "node:perf_hooks";

// sim/idle-gc.ts
import v8 from "node:v8";
import vm from "node:vm";
function exposeGc() {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    return typeof gc === "function" ? gc : null;
  } catch {
    return null;
  }
}
var FILL = 0.5;
var CHECK_EVERY_S = 2e-3;
var IdleScavenger = class {
  gc = exposeGc();
  /** How long our scavenges take lately, seconds (the longest, decaying), so a window can fit one. */
  recent = 2e-3;
  lastCheck = -Infinity;
  scavenges = 0;
  /** Collects the young generation now if it is over half full and `quietS` leaves room for it. */
  maybe(quietS, now) {
    if (this.gc === null || quietS < 1.5 * this.recent + 5e-4) return;
    const t = now();
    if (t - this.lastCheck < CHECK_EVERY_S) return;
    this.lastCheck = t;
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
    if (!young || young.space_used_size < FILL * (young.space_used_size + young.space_available_size)) return;
    this.gc({ type: "minor" });
    this.recent = Math.max(now() - t, 0.8 * this.recent);
    this.scavenges++;
  }
};

// sim/loop.ts
import { performance as performance2 } from "node:perf_hooks";
function monoNow() {
  return performance2.now() / 1e3;
}
var COARSE_MARGIN_S = 15e-4;
var RESYNC_LATE_S = 0.05;
var ERR_RING = 1 << 16;
var LATE_S = 5e-4;
var LATE_RING = 256;
var RealtimeLoop = class {
  constructor(engine, now = monoNow) {
    this.engine = engine;
    this.now = now;
  }
  engine;
  now;
  armed = false;
  deadline = 0;
  inStep = false;
  timer = null;
  immediate = null;
  stopped = false;
  /** True while a step ends and the next is planned (the engine's work, not an I/O callback). */
  inStepWork = false;
  /** Step-timing errors (fire time - deadline, seconds), ring buffer. */
  errors = new Float64Array(ERR_RING);
  errorCount = 0;
  late = new Float64Array(LATE_RING * 2);
  lateCount = 0;
  /** Call after adding a request: starts the engine if idle, or wakes it earlier. */
  kick() {
    if (this.stopped || this.inStep) return;
    const t = this.now();
    if (!this.armed) {
      this.plan(t);
      return;
    }
    const next = this.engine.nextReadyAt();
    if (next < this.deadline) this.arm(Math.max(next, t));
  }
  /** Seconds until the next step is due (Infinity when none is planned). */
  untilDeadline() {
    return this.armed ? this.deadline - this.now() : Infinity;
  }
  stop() {
    this.stopped = true;
    this.cancel();
  }
  plan(t) {
    const d = this.engine.beginStep(t);
    if (d >= 0) {
      this.inStep = true;
      this.arm(t + d);
      return;
    }
    const next = this.engine.nextReadyAt();
    if (next !== Infinity) this.arm(Math.max(next, t));
    else this.armed = false;
  }
  arm(deadline) {
    this.armed = true;
    this.deadline = deadline;
    this.cancel();
    const rem = deadline - this.now();
    if (rem > COARSE_MARGIN_S) this.timer = setTimeout(this.tick, Math.floor((rem - COARSE_MARGIN_S) * 1e3));
    else this.immediate = setImmediate(this.tick);
  }
  /** Drops the pending timer or poll, so only one chain ever waits for the deadline. */
  cancel() {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }
  tick = () => {
    this.timer = null;
    this.immediate = null;
    if (this.stopped) return;
    const t = this.now();
    const rem = this.deadline - t;
    if (rem <= 0) {
      this.inStepWork = true;
      try {
        this.fire(t);
      } finally {
        this.inStepWork = false;
      }
    } else if (rem > COARSE_MARGIN_S) {
      this.timer = setTimeout(this.tick, Math.floor((rem - COARSE_MARGIN_S) * 1e3));
    } else {
      this.immediate = setImmediate(this.tick);
    }
  };
  fire(t) {
    const deadline = this.deadline;
    this.armed = false;
    if (this.inStep) {
      this.inStep = false;
      const slot = this.errorCount++ & ERR_RING - 1;
      this.errors[slot] = t - deadline;
      if (t - deadline > LATE_S) {
        const k = (this.lateCount++ & LATE_RING - 1) * 2;
        this.late[k] = deadline;
        this.late[k + 1] = t;
      }
      this.engine.endStep(t);
    }
    const start = t - deadline > RESYNC_LATE_S ? t : deadline;
    this.plan(start);
  }
  resetErrors() {
    this.errorCount = 0;
    this.lateCount = 0;
  }
  /** The last steps that fired more than 0.5 ms late: [deadline, fired] pairs, seconds. */
  lateSteps() {
    const n = Math.min(this.lateCount, LATE_RING);
    return Array.from({ length: n }, (_, i) => [this.late[i * 2], this.late[i * 2 + 1]]);
  }
  /** Step-timing error percentiles over the last steps, in seconds. */
  errorPercentiles(ps) {
    return ringPercentiles(this.errors, this.errorCount, ps);
  }
};
function ringPercentiles(ring, count, ps) {
  const n = Math.min(count, ring.length);
  const arr = Array.from(ring.subarray(0, n)).sort((a, b) => a - b);
  return ps.map((p) => n === 0 ? 0 : arr[Math.min(n - 1, Math.floor(p / 100 * n))]);
}

// sim/metrics.ts
var TTFT_BUCKETS = [1e-3, 5e-3, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
var ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
var REQUEST_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
var TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5];
var ITERATION_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];
var Histogram = class {
  constructor(name, help, buckets) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
    this.counts = new Float64Array(buckets.length);
  }
  name;
  help;
  buckets;
  counts;
  sum = 0;
  count = 0;
  observe(v) {
    this.sum += v;
    this.count++;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]) {
        this.counts[i]++;
        return;
      }
    }
  }
  render(labels) {
    let s = `# HELP ${this.name} ${this.help}
# TYPE ${this.name} histogram
`;
    let cum = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cum += this.counts[i];
      s += `${this.name}_bucket{le="${fmtLe(this.buckets[i])}",${labels}} ${fmt(cum)}
`;
    }
    s += `${this.name}_bucket{le="+Inf",${labels}} ${fmt(this.count)}
`;
    s += `${this.name}_count{${labels}} ${fmt(this.count)}
`;
    s += `${this.name}_sum{${labels}} ${fmt(this.sum)}
`;
    return s;
  }
};
function fmt(v) {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}
function fmtLe(v) {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}
var Metrics = class {
  constructor(modelName, cache) {
    this.modelName = modelName;
    this.cache = cache;
  }
  modelName;
  cache;
  ttft = new Histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TTFT_BUCKETS);
  itl = new Histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", ITL_BUCKETS);
  tpot = new Histogram(
    "vllm:request_time_per_output_token_seconds",
    "Histogram of time_per_output_token_seconds per request.",
    ITL_BUCKETS
  );
  e2e = new Histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", REQUEST_BUCKETS);
  queue = new Histogram(
    "vllm:request_queue_time_seconds",
    "Histogram of time spent in WAITING phase for request.",
    REQUEST_BUCKETS
  );
  inference = new Histogram(
    "vllm:request_inference_time_seconds",
    "Histogram of time spent in RUNNING phase for request.",
    REQUEST_BUCKETS
  );
  prefill = new Histogram(
    "vllm:request_prefill_time_seconds",
    "Histogram of time spent in PREFILL phase for request.",
    REQUEST_BUCKETS
  );
  decode = new Histogram(
    "vllm:request_decode_time_seconds",
    "Histogram of time spent in DECODE phase for request.",
    REQUEST_BUCKETS
  );
  promptHist = new Histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", TOKEN_BUCKETS);
  genHist = new Histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", TOKEN_BUCKETS);
  maxTokensHist = new Histogram("vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", TOKEN_BUCKETS);
  nHist = new Histogram("vllm:request_params_n", "Histogram of the n request parameter.", [1, 2, 5, 10, 20]);
  iteration = new Histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", ITERATION_BUCKETS);
  success = { stop: 0, length: 0, abort: 0 };
  /** Observes a request that finished (not aborted) at time now: e2e and its phases. */
  observeFinished(r, now) {
    this.e2e.observe(now - r.arrival);
    const t = requestTimes(r);
    if (t !== null) {
      this.queue.observe(t.queue);
      this.prefill.observe(t.prefill);
      this.decode.observe(t.decode);
      this.inference.observe(t.inference);
    }
    this.promptHist.observe(r.promptTokens);
    this.genHist.observe(r.generated);
    if (r.generated > 1) this.tpot.observe((now - r.firstTokenAt) / (r.generated - 1));
  }
  render(engine) {
    const l = `model_name=${JSON.stringify(this.modelName)}`;
    let s = "";
    const gauge = (name, help, v) => {
      s += `# HELP ${name} ${help}
# TYPE ${name} gauge
${name}{${l}} ${fmt(v)}
`;
    };
    const counter = (name, help, v) => {
      s += `# HELP ${name}_total ${help}
# TYPE ${name}_total counter
${name}_total{${l}} ${fmt(v)}
`;
    };
    gauge("vllm:num_requests_running", "Number of requests in model execution batches.", engine.numRunning);
    gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", engine.numWaiting);
    gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", engine.kvUsage);
    counter("vllm:num_preemptions", "Cumulative number of preemption from the engine.", engine.preemptionsTotal);
    counter("vllm:prompt_tokens", "Number of prefill tokens processed.", engine.promptTokensTotal);
    counter("vllm:generation_tokens", "Number of generation tokens processed.", engine.generationTokensTotal);
    counter("vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.", engine.prefixQueries);
    counter("vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.", engine.prefixHits);
    s += "# HELP vllm:request_success_total Count of successfully processed requests.\n# TYPE vllm:request_success_total counter\n";
    for (const reason of Object.keys(this.success)) {
      s += `vllm:request_success_total{finished_reason="${reason}",${l}} ${fmt(this.success[reason])}
`;
    }
    for (const h of [
      this.iteration,
      this.promptHist,
      this.genHist,
      this.nHist,
      this.maxTokensHist,
      this.ttft,
      this.itl,
      this.tpot,
      this.e2e,
      this.queue,
      this.inference,
      this.prefill,
      this.decode
    ]) {
      s += h.render(l);
    }
    const c = this.cache;
    s += `# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig
# TYPE vllm:cache_config_info gauge
vllm:cache_config_info{block_size="${c.blockSize}",cache_dtype="auto",calculate_kv_scales="False",cpu_offload_gb="0",enable_prefix_caching="${c.enablePrefixCaching ? "True" : "False"}",gpu_memory_utilization="${c.gpuMemoryUtilization}",is_attention_free="False",num_cpu_blocks="None",num_gpu_blocks="${c.numGpuBlocks}",num_gpu_blocks_override="None",prefix_caching_hash_algo="builtin",sliding_window="None",swap_space="0",swap_space_bytes="0"} 1.0
`;
    return s;
  }
};

// sim/sse.ts
var WORD_JSON = OUTPUT_WORDS.map((w) => JSON.stringify(w).slice(1, -1));
var DONE_EVENT = "data: [DONE]\n\n";
function usageJson(prompt, completion) {
  return `{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion}}`;
}
function tokensDetails(cachedTokens) {
  return cachedTokens > 0 ? `{"cached_tokens":${cachedTokens}}` : null;
}
function envelope(id, object, created, model) {
  return `{"id":${JSON.stringify(id)},"object":"${object}","created":${created},"model":${JSON.stringify(model)}`;
}
function completionFormat(id, created, model) {
  const env = envelope(id, "text_completion", created, model);
  return {
    head: `data: ${env},"choices":[{"index":0,"text":"`,
    mid: '","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":',
    lastMid: '","logprobs":null,"finish_reason":"',
    tail: "}\n\n",
    usageHead: `data: ${env},"choices":[],"usage":`,
    roleChunk: ""
  };
}
function chatFormat(id, created, model) {
  const env = envelope(id, "chat.completion.chunk", created, model);
  return {
    head: `data: ${env},"choices":[{"index":0,"delta":{"content":"`,
    mid: '"},"logprobs":null,"finish_reason":null}]',
    lastMid: '"},"logprobs":null,"finish_reason":"',
    tail: "}\n\n",
    usageHead: `data: ${env},"choices":[],"usage":`,
    roleChunk: `data: ${env},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`
  };
}
function tokenChunk(f, chat, word, finish, usage) {
  if (finish === null) {
    if (chat) return f.head + word + f.mid + (usage === null ? "" : ',"usage":' + usage) + f.tail;
    return f.head + word + f.mid + (usage === null ? "null" : usage) + f.tail;
  }
  if (chat) {
    return f.head + word + f.lastMid + finish + '","stop_reason":null}]' + (usage === null ? "" : ',"usage":' + usage) + f.tail;
  }
  return f.head + word + f.lastMid + finish + '","stop_reason":null}],"usage":' + (usage === null ? "null" : usage) + f.tail;
}
function roleChunk(f, usage) {
  return f.roleChunk + (usage === null ? "" : ',"usage":' + usage) + f.tail;
}
function usageChunk(f, prompt, completion, cachedTokens = 0) {
  const details = tokensDetails(cachedTokens);
  const usage = usageJson(prompt, completion);
  return f.usageHead + (details === null ? usage : usage.slice(0, -1) + ',"prompt_tokens_details":' + details + "}") + f.tail;
}
var ERROR_TYPES = {
  400: "BadRequestError",
  404: "NotFoundError",
  405: "MethodNotAllowed",
  422: "UnprocessableEntityError",
  429: "RateLimitError",
  500: "InternalServerError",
  503: "ServiceUnavailableError"
};
function errorBody(status, message, param = null) {
  return { error: { message, type: ERROR_TYPES[status] ?? "Error", param, code: status } };
}
function completionResponse(id, created, model, text, finish, prompt, completion, cachedTokens = 0) {
  return envelope(id, "text_completion", created, model) + `,"choices":[{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":"${finish}","stop_reason":null,"prompt_logprobs":null}],"usage":{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion},"prompt_tokens_details":${tokensDetails(cachedTokens) ?? "null"}},"kv_transfer_params":null}`;
}
function chatResponse(id, created, model, text, finish, prompt, completion, cachedTokens = 0) {
  return envelope(id, "chat.completion", created, model) + `,"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(text)},"refusal":null,"annotations":null,"audio":null,"function_call":null,"tool_calls":[],"reasoning_content":null},"logprobs":null,"finish_reason":"${finish}","stop_reason":null}],"service_tier":null,"system_fingerprint":null,"usage":{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion},"prompt_tokens_details":${tokensDetails(cachedTokens) ?? "null"}},"prompt_logprobs":null,"kv_transfer_params":null}`;
}

// sim/server.ts
var VLLM_VERSION = "0.11.0";
var HttpError = class extends Error {
  constructor(status, message, param = null) {
    super(message);
    this.status = status;
    this.param = param;
  }
  status;
  param;
};
var Job = class {
  constructor(res, chat, stream, fmt2, id, created, model, includeUsage, continuousUsage, wordState, fault, faultAt) {
    this.res = res;
    this.chat = chat;
    this.stream = stream;
    this.fmt = fmt2;
    this.id = id;
    this.created = created;
    this.model = model;
    this.includeUsage = includeUsage;
    this.continuousUsage = continuousUsage;
    this.wordState = wordState;
    this.fault = fault;
    this.faultAt = faultAt;
  }
  res;
  chat;
  stream;
  fmt;
  id;
  created;
  model;
  includeUsage;
  continuousUsage;
  wordState;
  fault;
  faultAt;
  text = "";
  prevTokenAt = 0;
  dead = false;
  tokenTimes = null;
  /** The request once finished, for its trace line (written after its last chunk). */
  finished = null;
};
var SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache"
};
var ASCII = /^[\x00-\x7f]*$/;
var SLICE_S = 5e-5;
function monotonicOriginMs() {
  const now = performance.now();
  return Number(process.hrtime.bigint()) / 1e6 - now;
}
function writeChunk(res, data) {
  const sock = res.socket;
  if (sock !== null && sock.destroyed) return;
  if (sock === null || !res.headersSent || res.writableEnded) {
    if (!res.writableEnded) res.write(data);
    return;
  }
  if (ASCII.test(data)) sock.write(data.length.toString(16) + "\r\n" + data + "\r\n", "latin1");
  else sock.write(Buffer.byteLength(data).toString(16) + "\r\n" + data + "\r\n", "utf8");
}
function nextWord(job) {
  let x = job.wordState;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  job.wordState = x >>> 0;
  return job.wordState % OUTPUT_WORDS.length;
}
var SimServer = class {
  constructor(cfg) {
    this.cfg = cfg;
    const setup = engineConfig(cfg.engine, cfg.knobs, cfg.knobs.timeScale);
    this.runFactor = setup.runFactor;
    this.gcObserver.observe({ entryTypes: ["gc"] });
    this.engine = new Engine(setup.config, this);
    this.loop = new RealtimeLoop(this.engine);
    this.metrics = new Metrics(cfg.servedNames[0], {
      blockSize: cfg.engine.blockSize,
      gpuMemoryUtilization: cfg.engine.gpuMemoryUtilization,
      numGpuBlocks: cfg.engine.numGpuBlocks,
      enablePrefixCaching: cfg.engine.enablePrefixCaching
    });
    this.routes = cfg.devMode ? { ...ROUTES, ...DEV_ROUTES } : ROUTES;
    this.engine.onStep = (n) => this.metrics.iteration.observe(n);
    this.faults = new Faults(cfg.knobs.faults, streamRng(cfg.knobs.seed, "faults"));
    this.idSalt = mixSeed(cfg.knobs.seed, hashString(cfg.model)).toString(16).padStart(8, "0");
    if (cfg.knobs.trace !== null) this.trace = openSync(cfg.knobs.trace, "w");
    this.server = createServer({ keepAlive: true, noDelay: true }, (req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5e3;
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }
  cfg;
  engine;
  loop;
  metrics;
  faults;
  server;
  sockets = /* @__PURE__ */ new Set();
  /** Trace file descriptor: lines are written synchronously so a crash (crash-after) loses none. */
  trace = null;
  seq = 0;
  completed = 0;
  idSalt;
  runFactor;
  statsPrompt = 0;
  /** Seconds each request waited between its arrival stamp and its handling (a ring). */
  intake = new Float64Array(1 << 16);
  intakeCount = 0;
  /**
   * A step's writes still to do, in order: the job, its chunk (null: the job's trace line) and
   * whether the chunk ends the response. Written in slices (drainOutbox) so requests that arrive
   * meanwhile are read and stamped, as vLLM's API server interleaves them; a step's writes are all
   * done before the next step's (flushOutbox), so the queue never outgrows one step.
   */
  outJobs = [];
  outData = [];
  outLast = [];
  outHead = 0;
  /** The step (its time) whose writes are queued, or -1. */
  outStep = -1;
  /** Time from each step's end to its last write (a ring), seconds. */
  emitSpan = new Float64Array(1 << 16);
  emitCount = 0;
  /** Garbage-collection pauses since the last stats reset: count, total and longest (seconds). */
  gc = { count: 0, total: 0, max: 0 };
  scavenger = new IdleScavenger();
  /** The last GC pauses, [start, end] pairs in seconds on the loop's clock. */
  gcSpans = new Float64Array(512);
  gcSpanCount = 0;
  gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const d = e.duration / 1e3;
      this.gc.count++;
      this.gc.total += d;
      if (d > this.gc.max) this.gc.max = d;
      const k = (this.gcSpanCount++ & this.gcSpans.length / 2 - 1) * 2;
      this.gcSpans[k] = e.startTime / 1e3;
      this.gcSpans[k + 1] = e.startTime / 1e3 + d;
    }
  });
  /**
   * Arrival stamps: a request arrives when the event loop's poll returned the batch of sockets its
   * head was read in (the first request handled in that poll phase takes the time; the batch ends
   * in the check phase). Its bytes were in the socket then, whatever the loop handled before it.
   * A request parsed inside the simulator's own work (a pipelined one, as a response ends) is not
   * a poll's read and takes its own time.
   */
  batchOpen = false;
  batchAt = 0;
  ownWork = false;
  closeBatch = () => {
    this.batchOpen = false;
  };
  /** Requests read whose work is still to do, in arrival order. */
  posts = [];
  statsGen = 0;
  /** The routes served: vLLM's, plus its development ones in dev mode. */
  routes;
  /**
   * The log line's prefix cache hit rate, over the most recent ~1,000 requests as vLLM's
   * CachingMetrics: one [requests, queries, hits] entry per log interval, oldest dropped first.
   */
  hitWindow = [];
  hitSeen = [0, 0, 0];
  listen() {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.cfg.port, this.cfg.host, () => {
        const addr = this.server.address();
        resolve(typeof addr === "object" && addr !== null ? addr.port : this.cfg.port);
      });
    });
  }
  startStatsLog() {
    if (!this.cfg.logStats) return;
    const everyS = 10;
    setInterval(() => {
      const p = this.engine.promptTokensTotal - this.statsPrompt;
      const g = this.engine.generationTokensTotal - this.statsGen;
      this.statsPrompt += p;
      this.statsGen += g;
      if (p === 0 && g === 0 && !this.engine.hasWork()) return;
      api(
        "INFO",
        "loggers.py:123",
        `Engine 000: Avg prompt throughput: ${(p / everyS).toFixed(1)} tokens/s, Avg generation throughput: ${(g / everyS).toFixed(1)} tokens/s, Running: ${this.engine.numRunning} reqs, Waiting: ${this.engine.numWaiting} reqs, GPU KV cache usage: ${(this.engine.kvUsage * 100).toFixed(1)}%, Prefix cache hit rate: ${(this.recentHitRate() * 100).toFixed(1)}%`
      );
    }, everyS * 1e3).unref();
  }
  /** Hits / queries of the recent requests (vLLM's CachingMetrics with 1,000 requests). */
  recentHitRate() {
    const e = this.engine;
    const seen = this.hitSeen;
    const entry = [e.prefixRequests - seen[0], e.prefixQueries - seen[1], e.prefixHits - seen[2]];
    this.hitSeen = [e.prefixRequests, e.prefixQueries, e.prefixHits];
    if (entry[0] > 0) this.hitWindow.push(entry);
    let requests = this.hitWindow.reduce((a, w) => a + w[0], 0);
    while (this.hitWindow.length > 1 && requests - this.hitWindow[0][0] >= 1e3) requests -= this.hitWindow.shift()[0];
    const queries = this.hitWindow.reduce((a, w) => a + w[1], 0);
    return queries === 0 ? 0 : this.hitWindow.reduce((a, w) => a + w[2], 0) / queries;
  }
  async close() {
    this.loop.stop();
    this.flushOutbox();
    this.gcObserver.disconnect();
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(() => r()));
    if (this.trace !== null) closeSync(this.trace);
    this.trace = null;
  }
  // ---- engine observer -------------------------------------------------------------------
  onToken(r, now, last) {
    const job = r.sink;
    if (now !== this.outStep) this.beginStepWrites(now);
    if (r.generated === 1) this.metrics.ttft.observe(now - r.arrival);
    else this.metrics.itl.observe(now - job.prevTokenAt);
    job.prevTokenAt = now;
    if (job.tokenTimes !== null && !job.stream) job.tokenTimes.push(now);
    if (job.dead) return;
    const w = nextWord(job);
    r.appendOutputId(OUTPUT_IDS[w]);
    if (job.fault !== null && r.generated === job.faultAt && this.applyFault(job, r)) return;
    if (!job.stream) {
      job.text += OUTPUT_WORDS[w];
      if (last) this.respondFinal(job, r);
      return;
    }
    const f = job.fmt;
    const usage = job.continuousUsage ? usageJson(r.promptTokens, r.generated) : null;
    let out = "";
    if (r.generated === 1 && job.chat) out = roleChunk(f, job.continuousUsage ? usageJson(r.promptTokens, 0) : null);
    out += tokenChunk(f, job.chat, WORD_JSON[w], last ? r.finishReason : null, usage);
    if (last) {
      if (job.includeUsage) out += usageChunk(f, r.promptTokens, r.generated, this.cachedTokensShown(r));
      out += DONE_EVENT;
    }
    this.outJobs.push(job);
    this.outData.push(out);
    this.outLast.push(last);
    if (this.outJobs.length - this.outHead === 1) setImmediate(this.drainOutbox);
  }
  /** A new step's tokens are coming: the previous step's writes are finished first. */
  beginStepWrites(now) {
    this.flushOutbox();
    this.outStep = now;
  }
  writeOut(i) {
    const job = this.outJobs[i];
    const data = this.outData[i];
    if (data === null) return this.writeTrace(job);
    if (job.tokenTimes !== null) job.tokenTimes.push(monoNow());
    writeChunk(job.res, data);
    if (this.outLast[i]) job.res.end();
  }
  outboxDone() {
    if (this.outJobs.length === 0) return;
    if (this.outStep >= 0) this.emitSpan[this.emitCount++ & this.emitSpan.length - 1] = monoNow() - this.outStep;
    this.outJobs.length = 0;
    this.outData.length = 0;
    this.outLast.length = 0;
    this.outHead = 0;
  }
  flushOutbox() {
    while (this.outHead < this.outJobs.length) this.writeOut(this.outHead++);
    this.outboxDone();
  }
  drainOutbox = () => {
    this.scavenger.maybe(this.loop.untilDeadline() - COARSE_MARGIN_S, monoNow);
    const until = monoNow() + SLICE_S;
    this.ownWork = true;
    try {
      while (this.outHead < this.outJobs.length) {
        this.writeOut(this.outHead++);
        if (monoNow() >= until) break;
      }
    } finally {
      this.ownWork = false;
    }
    if (this.outHead < this.outJobs.length) setImmediate(this.drainOutbox);
    else {
      this.outboxDone();
      this.scavenger.maybe(this.loop.untilDeadline() - COARSE_MARGIN_S, monoNow);
    }
  };
  /** cached_tokens for the usage: the prefix-cache hit at first scheduling, when the flag asks for it. */
  cachedTokensShown(r) {
    return this.cfg.promptTokensDetails ? Math.max(0, r.cachedTokens) : 0;
  }
  onFinish(r, now) {
    const job = r.sink;
    const m = this.metrics;
    const reason = r.finishReason ?? "abort";
    m.success[reason] = (m.success[reason] ?? 0) + 1;
    if (reason !== "abort") m.observeFinished(r, now);
    if (this.trace !== null) {
      job.finished = { r, now, reason };
      if (this.outHead < this.outJobs.length) {
        this.outJobs.push(job);
        this.outData.push(null);
        this.outLast.push(false);
      } else this.writeTrace(job);
    }
    this.completed++;
    const crashAfter = this.faults.crashAfter;
    if (crashAfter !== null && this.completed >= crashAfter) {
      setImmediate(() => {
        this.flushOutbox();
        this.crash();
      });
    }
  }
  writeTrace(job) {
    const f = job.finished;
    if (this.trace === null || f === null) return;
    const r = f.r;
    const t = requestTimes(r);
    writeSync(
      this.trace,
      JSON.stringify({
        id: job.id,
        arrival_s: r.arrival,
        first_token_s: r.firstTokenAt < 0 ? null : job.tokenTimes?.[0] ?? r.firstTokenAt,
        token_times_s: job.tokenTimes ?? [],
        finish_s: f.now,
        prompt_tokens: r.promptTokens,
        output_tokens: r.generated,
        finish_reason: f.reason,
        // The engine's side, as the vllm:request_*_time_seconds histograms observe it.
        queued_s: r.readyAt,
        scheduled_s: r.firstScheduledAt < 0 ? null : r.firstScheduledAt,
        queue_time_s: t?.queue ?? null,
        prefill_time_s: t?.prefill ?? null,
        decode_time_s: t?.decode ?? null,
        inference_time_s: t?.inference ?? null,
        cached_tokens: Math.max(0, r.cachedTokens),
        preemptions: r.preemptions
      }) + "\n"
    );
  }
  crash() {
    core("ERROR", "core.py:710", "EngineCore encountered a fatal error.");
    api(
      "ERROR",
      "async_llm.py:420",
      "AsyncLLM output_handler failed. vllm.v1.engine.exceptions.EngineDeadError: EngineCore encountered an issue."
    );
    process.exit(1);
  }
  /** Returns true when the fault replaced the normal handling of this token. */
  applyFault(job, r) {
    const res = job.res;
    switch (job.fault) {
      case "stream-error": {
        const body = JSON.stringify(errorBody(500, "vllm-sim injected fault: stream-error"));
        if (job.stream) {
          writeChunk(res, `data: ${body}

${DONE_EVENT}`);
          res.end();
        } else this.sendJson(res, 500, body);
        job.dead = true;
        this.engine.abort(r, r.lastTokenAt);
        return true;
      }
      case "stream-stall":
        job.dead = true;
        this.engine.abort(r, r.lastTokenAt);
        return true;
      case "drop-connection":
        job.dead = true;
        res.socket?.destroy();
        this.engine.abort(r, r.lastTokenAt);
        return true;
      case "malformed-sse":
        if (job.stream) {
          writeChunk(res, `${job.fmt.head.slice(0, job.fmt.head.length - 30)}

`);
          return false;
        }
        job.dead = true;
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id":"' + job.id + '","object":"text_comp');
        return true;
      default:
        return false;
    }
  }
  respondFinal(job, r) {
    const body = (job.chat ? chatResponse : completionResponse)(
      job.id,
      job.created,
      job.model,
      job.text,
      r.finishReason ?? "abort",
      r.promptTokens,
      r.generated,
      this.cachedTokensShown(r)
    );
    this.sendJson(job.res, 200, body);
  }
  // ---- HTTP ------------------------------------------------------------------------------
  sendJson(res, status, body) {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }
  sendError(res, e) {
    this.sendJson(res, e.status, JSON.stringify(errorBody(e.status, e.message, e.param)));
  }
  handle(req, res) {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q >= 0 ? url.slice(0, q) : url;
    const method = req.method ?? "GET";
    const route = this.routes[path];
    if (route === void 0) {
      req.resume();
      return this.sendJson(res, 404, '{"detail":"Not Found"}');
    }
    if (!route.includes(method)) {
      req.resume();
      return this.sendJson(res, 405, '{"detail":"Method Not Allowed"}');
    }
    if (method === "GET" || method === "HEAD") {
      req.resume();
      return this.handleGet(path, res, q >= 0 ? url.slice(q + 1) : "");
    }
    const arrival = this.arrivalStamp();
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      this.posts.push({ path, chunks, res, arrival });
      if (this.posts.length === 1) setImmediate(this.drainPosts);
    });
  }
  arrivalStamp() {
    const now = monoNow();
    if (this.ownWork || this.loop.inStepWork) return now;
    if (!this.batchOpen) {
      this.batchOpen = true;
      this.batchAt = now;
      setImmediate(this.closeBatch);
    }
    return this.batchAt;
  }
  /**
   * Handles the requests read so far, a slice of at most SLICE_S at a time: between slices the
   * event loop polls again, so requests that arrive while a burst is handled are stamped as they
   * come instead of after the whole burst's work.
   */
  drainPosts = () => {
    const until = monoNow() + SLICE_S;
    let i = 0;
    this.ownWork = true;
    try {
      while (i < this.posts.length) {
        const p = this.posts[i++];
        this.handlePost(p.path, p.chunks, p.res, p.arrival);
        if (monoNow() >= until) break;
      }
    } finally {
      this.ownWork = false;
    }
    this.posts.splice(0, i);
    if (this.posts.length > 0) setImmediate(this.drainPosts);
  };
  handlePost(path, chunks, res, arrival) {
    this.intake[this.intakeCount++ & this.intake.length - 1] = monoNow() - arrival;
    try {
      const raw = Buffer.concat(chunks).toString("utf8");
      if (path === "/ping") return this.sendJson(res, 200, "");
      if (path === "/reset_prefix_cache") return this.resetPrefixCache(res);
      let body;
      try {
        body = JSON.parse(raw);
      } catch (e) {
        throw new HttpError(400, `Invalid JSON body: ${e.message}`);
      }
      if (body === null || typeof body !== "object" || Array.isArray(body))
        throw new HttpError(400, "The request body must be a JSON object.");
      const b = body;
      if (path === "/tokenize") return this.tokenize(res, b);
      if (path === "/detokenize") return this.detokenize(res, b);
      this.generate(res, b, path === "/v1/chat/completions", arrival);
    } catch (e) {
      if (e instanceof HttpError) this.sendError(res, e);
      else this.sendError(res, new HttpError(500, e.message));
    }
  }
  /**
   * vLLM's dev-mode POST /reset_prefix_cache: 200 with an empty body whether or not the engine
   * reset the cache (vLLM's API server does not check). The engine refuses while any request holds
   * KV blocks, and says so only in its log, as vLLM's block pool does.
   */
  resetPrefixCache(res) {
    api("INFO", "api_server.py:1146", "Resetting prefix cache with specific None...");
    const held = this.engine.usedBlocks;
    if (this.engine.resetPrefixCache()) {
      core("INFO", "block_pool.py:298", "Successfully reset prefix cache");
      this.hitWindow = [];
    } else {
      core("WARNING", "block_pool.py:286", `Failed to reset prefix cache because some blocks (${held}) are not freed yet`);
    }
    res.writeHead(200, { "content-length": 0 });
    res.end();
  }
  handleGet(path, res, query) {
    switch (path) {
      case "/health":
      case "/ping":
        res.writeHead(200, { "content-length": 0 });
        return void res.end();
      case "/version":
        return this.sendJson(res, 200, JSON.stringify({ version: VLLM_VERSION }));
      case "/load":
        return this.sendJson(res, 200, JSON.stringify({ server_load: this.engine.inflight }));
      case "/v1/models":
        return this.sendJson(res, 200, JSON.stringify(this.models()));
      case "/metrics": {
        const text = this.metrics.render(this.engine);
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "content-length": Buffer.byteLength(text) });
        return void res.end(text);
      }
      case "/sim/stats": {
        const body = JSON.stringify(this.stats());
        if (/(^|&)reset=1(&|$)/.test(query)) {
          this.loop.resetErrors();
          this.emitCount = 0;
          this.intakeCount = 0;
          this.gc = { count: 0, total: 0, max: 0 };
          this.gcSpanCount = 0;
        }
        return this.sendJson(res, 200, body);
      }
      default:
        return this.sendJson(res, 404, '{"detail":"Not Found"}');
    }
  }
  /** Steps that fired over 0.5 ms late, and how many of them a GC pause overlapped. */
  lateStepCauses() {
    const late = this.loop.lateSteps();
    const n = Math.min(this.gcSpanCount, this.gcSpans.length / 2);
    let duringGc = 0;
    for (const [deadline, fired] of late) {
      for (let i = 0; i < n; i++) {
        if (this.gcSpans[i * 2] < fired && this.gcSpans[i * 2 + 1] > deadline) {
          duringGc++;
          break;
        }
      }
    }
    return { count: late.length, during_gc: duringGc };
  }
  stats() {
    const [p50, p99, p999, max] = this.loop.errorPercentiles([50, 99, 99.9, 100]);
    const [w50, w99, wmax] = ringPercentiles(this.emitSpan, this.emitCount, [50, 99, 100]);
    const [i50, i99, imax] = ringPercentiles(this.intake, this.intakeCount, [50, 99, 100]);
    return {
      steps: this.engine.steps,
      measured_steps: Math.min(this.loop.errorCount, this.loop.errors.length),
      step_error_ms: { p50: p50 * 1e3, p99: p99 * 1e3, p999: p999 * 1e3, max: max * 1e3 },
      step_emit_work_ms: { p50: w50 * 1e3, p99: w99 * 1e3, max: wmax * 1e3 },
      gc_pause_ms: { count: this.gc.count, total: this.gc.total * 1e3, max: this.gc.max * 1e3 },
      late_steps: this.lateStepCauses(),
      intake_ms: { p50: i50 * 1e3, p99: i99 * 1e3, max: imax * 1e3 },
      cpu_s: (() => {
        const u = process.cpuUsage();
        return { user: u.user / 1e6, system: u.system / 1e6 };
      })(),
      requests_in_flight: this.engine.inflight,
      running: this.engine.numRunning,
      waiting: this.engine.numWaiting,
      generation_tokens_total: this.engine.generationTokensTotal,
      run_factor: this.runFactor,
      // The machine's monotonic clock (process.hrtime) at this process's performance.now() = 0, in
      // ms: the trace's seconds plus this are on a clock another process on the host can read too.
      monotonic_origin_ms: monotonicOriginMs()
    };
  }
  models() {
    const created = Math.floor(Date.now() / 1e3);
    return {
      object: "list",
      data: this.cfg.servedNames.map((id, i) => ({
        id,
        object: "model",
        created,
        owned_by: "vllm",
        root: this.cfg.model,
        parent: null,
        max_model_len: this.cfg.engine.maxModelLen,
        permission: [
          {
            id: `modelperm-${this.idSalt}${String(i).padStart(24, "0")}`,
            object: "model_permission",
            created,
            allow_create_engine: false,
            allow_sampling: true,
            allow_logprobs: true,
            allow_search_indices: false,
            allow_view: true,
            allow_fine_tuning: false,
            organization: "*",
            group: null,
            is_blocking: false
          }
        ]
      }))
    };
  }
  checkModel(b) {
    const model = b.model;
    if (model === void 0 || model === null) return this.cfg.servedNames[0];
    if (typeof model !== "string" || !this.cfg.servedNames.includes(model)) {
      throw new HttpError(404, `The model \`${String(model)}\` does not exist.`, "model");
    }
    return model;
  }
  tokenize(res, b) {
    this.checkModel(b);
    let text;
    if (Array.isArray(b.messages)) text = renderChat(b.messages);
    else if (typeof b.prompt === "string") text = b.prompt;
    else throw new HttpError(400, "Either `prompt` (a string) or `messages` must be given.");
    const tokens = encode(text);
    const out = { count: tokens.length, max_model_len: this.cfg.engine.maxModelLen, tokens, token_strs: null };
    if (b.return_token_strs === true) out.token_strs = tokens.map((t) => decode([t]));
    this.sendJson(res, 200, JSON.stringify(out));
  }
  detokenize(res, b) {
    this.checkModel(b);
    if (!Array.isArray(b.tokens) || !b.tokens.every((t) => Number.isInteger(t))) {
      throw new HttpError(400, "`tokens` must be a list of integers.", "tokens");
    }
    this.sendJson(res, 200, JSON.stringify({ prompt: decode(b.tokens) }));
  }
  /**
   * Prompt token count, a key for seeding, and (with prefix caching on) the token ids the engine
   * hashes, from a completions prompt or chat messages.
   */
  promptOf(b, chat) {
    const p = this.promptText(b, chat);
    if (typeof p !== "string") return { tokens: p.length, key: p.join(","), ids: this.cfg.engine.enablePrefixCaching ? p.slice() : null };
    if (!this.cfg.engine.enablePrefixCaching) return { tokens: countTokens(p), key: p, ids: null };
    const ids = encode(p);
    return { tokens: ids.length, key: p, ids };
  }
  /** The prompt as text (chat messages rendered with the template) or as the token ids given. */
  promptText(b, chat) {
    if (chat) {
      const msgs = b.messages;
      if (!Array.isArray(msgs) || msgs.length === 0) throw new HttpError(400, "`messages` must be a non-empty list.", "messages");
      for (const m of msgs) {
        if (m === null || typeof m !== "object" || typeof m.role !== "string") {
          throw new HttpError(400, "Each message needs a `role`.", "messages");
        }
      }
      return renderChat(msgs);
    }
    let p = b.prompt;
    if (Array.isArray(p) && p.length === 1 && (typeof p[0] === "string" || Array.isArray(p[0]))) p = p[0];
    if (typeof p === "string") {
      if (p.length === 0) throw new HttpError(400, "The prompt cannot be empty.", "prompt");
      return p;
    }
    if (Array.isArray(p) && p.length > 0 && p.every((t) => Number.isInteger(t))) return p;
    if (Array.isArray(p) && p.length > 1) throw new HttpError(400, "vllm-sim serves one prompt per request.", "prompt");
    throw new HttpError(400, "`prompt` must be a non-empty string or a non-empty list of token ids.", "prompt");
  }
  generate(res, b, chat, arrival) {
    const model = this.checkModel(b);
    const prompt = this.promptOf(b, chat);
    const maxLen = this.cfg.engine.maxModelLen;
    const mt = chat ? b.max_completion_tokens ?? b.max_tokens : b.max_tokens;
    let maxTokens;
    if (mt === void 0 || mt === null) maxTokens = chat ? maxLen - prompt.tokens : 16;
    else if (typeof mt === "number" && Number.isInteger(mt) && mt >= 1) maxTokens = mt;
    else throw new HttpError(400, `max_tokens must be at least 1, got ${JSON.stringify(mt)}.`, "max_tokens");
    if (prompt.tokens + maxTokens > maxLen || maxTokens < 1) {
      throw new HttpError(
        400,
        `This model's maximum context length is ${maxLen} tokens. However, you requested ${prompt.tokens + Math.max(maxTokens, 0)} tokens (${prompt.tokens} in the messages, ${Math.max(maxTokens, 0)} in the completion). Please reduce the length of the messages or completion.`,
        chat ? "messages" : "prompt"
      );
    }
    if (b.n !== void 0 && b.n !== null && b.n !== 1) throw new HttpError(400, "vllm-sim supports n = 1 only.", "n");
    const stream = b.stream === true;
    const so = b.stream_options;
    if (so !== void 0 && so !== null && !stream)
      throw new HttpError(400, "Stream options can only be defined when `stream=True`.", "stream_options");
    const opts = so ?? {};
    const includeUsage = stream && (opts.include_usage === true || this.cfg.forceIncludeUsage);
    const continuousUsage = includeUsage && opts.continuous_usage_stats === true;
    const ignoreEos = b.ignore_eos === true;
    const salt = b.cache_salt;
    if (salt !== void 0 && salt !== null && (typeof salt !== "string" || salt.length === 0)) {
      throw new HttpError(400, "Parameter 'cache_salt' must be a non-empty string if provided.", "cache_salt");
    }
    const seq = ++this.seq;
    if (this.faults.crashAfter === 0) this.crash();
    const fault = this.faults.draw();
    if (fault === "http-500") throw new HttpError(500, "vllm-sim injected fault: http-500");
    if (fault === "http-429") throw new HttpError(429, "vllm-sim injected fault: http-429 (too many requests)");
    const reqSeed = typeof b.seed === "number" ? b.seed : b.temperature === 0 ? 0 : seq;
    const rs = mixSeed(this.cfg.knobs.seed, hashString(prompt.key), reqSeed);
    const u = (mixSeed(rs, 1) + 0.5) / 4294967296;
    const target = targetLength(maxTokens, ignoreEos, this.cfg.knobs.profile.eos_hazard, u);
    const id = `${chat ? "chatcmpl" : "cmpl"}-${this.idSalt}${seq.toString(16).padStart(24, "0")}`;
    const created = Math.floor(Date.now() / 1e3);
    const fmt2 = stream ? (chat ? chatFormat : completionFormat)(id, created, model) : null;
    const faultAt = stream ? Math.max(1, Math.floor(target / 2)) : target;
    const job = new Job(res, chat, stream, fmt2, id, created, model, includeUsage, continuousUsage, mixSeed(rs, 2) || 1, fault, faultAt);
    if (this.trace !== null) job.tokenTimes = [];
    const er = new EngineRequest(id, prompt.tokens, maxTokens, target, arrival, job, prompt.ids);
    er.hashRoot = rootHash(this.cfg.knobs.seed, typeof salt === "string" ? hashString(salt) : null);
    this.metrics.maxTokensHist.observe(maxTokens);
    this.metrics.nHist.observe(1);
    if (stream) {
      res.writeHead(200, SSE_HEADERS);
      res.flushHeaders();
    }
    res.on("close", () => {
      if (er.finishReason === null) this.engine.abort(er, monoNow());
    });
    this.engine.add(er);
    this.loop.kick();
  }
};
var ROUTES = {
  "/health": ["GET", "HEAD"],
  "/ping": ["GET", "POST", "HEAD"],
  "/version": ["GET", "HEAD"],
  "/load": ["GET", "HEAD"],
  "/v1/models": ["GET", "HEAD"],
  "/metrics": ["GET", "HEAD"],
  "/sim/stats": ["GET"],
  "/tokenize": ["POST"],
  "/detokenize": ["POST"],
  "/v1/completions": ["POST"],
  "/v1/chat/completions": ["POST"]
};
var DEV_ROUTES = {
  "/reset_prefix_cache": ["POST"]
};

// sim/cli.ts
var SIM_VERSION = "0.1.0";
var USAGE = `usage: vllm-sim serve MODEL [--host H] [--port N] [--served-model-name NAME ...] [vllm serve flags ...] [--sim-* knobs]
       vllm-sim bench latency --model M --input-len N --output-len N --batch-size N --num-iters-warmup N --num-iters N [--output-json FILE]
       vllm-sim bench throughput --model M (--input-len N --output-len N | --dataset-path FILE) --num-prompts N [--output-json FILE]
       vllm-sim --version
See docs/vllm-sim.md.`;
function fail(msg) {
  process.stderr.write(`${USAGE}
vllm-sim: error: ${msg}
`);
  process.exit(2);
}
var sleep = (s) => new Promise((r) => setTimeout(r, s * 1e3));
var onSignal = () => {
  uvicorn("Shutting down");
  process.exit(0);
};
async function serve(argv) {
  process.on("SIGTERM", () => onSignal());
  process.on("SIGINT", () => onSignal());
  const p = parseArgs(argv, SERVE_FLAGS);
  const model = p.values.get("model") ?? p.positionals[0];
  if (model === void 0) throw new UsageError("the following arguments are required: model_tag");
  if (p.positionals.length > 1) throw new UsageError(`unrecognized arguments: ${p.positionals.slice(1).join(" ")}`);
  const knobs = simKnobs(p);
  const engine = engineArgs(p, knobs.profile);
  const cfg = {
    model,
    host: p.values.get("host") ?? "0.0.0.0",
    port: p.values.get("port") ?? 8e3,
    servedNames: p.values.get("served-model-name") ?? [model],
    engine,
    knobs,
    forceIncludeUsage: p.values.get("enable-force-include-usage") === true,
    logStats: p.values.get("disable-log-stats") !== true,
    promptTokensDetails: p.values.get("enable-prompt-tokens-details") === true,
    devMode: devModeFromEnv(process.env.VLLM_SERVER_DEV_MODE)
  };
  const t0 = Date.now();
  const at = async (frac) => {
    const wait = t0 + frac * knobs.startupS * 1e3 - Date.now();
    if (wait > 0) await sleep(wait / 1e3);
  };
  const nonDefault = { model_tag: model, model };
  for (const [k, v] of p.values) if (!k.startsWith("sim-") && k !== "model") nonDefault[k.replace(/-/g, "_")] = v;
  api("INFO", "api_server.py:1822", `vLLM API server version ${VLLM_VERSION} (vllm-sim ${SIM_VERSION}: simulated, no GPU)`);
  api("INFO", "utils.py:233", `non-default args: ${JSON.stringify(nonDefault)}`);
  if (p.ignored.length > 0) {
    api("WARNING", "vllm_sim.py:1", `flags accepted but not simulated (ignored): ${p.ignored.join(", ")}`);
  }
  api(
    "INFO",
    "vllm_sim.py:2",
    `profile ${knobs.profile.name}: ${knobs.profile.description} seed=${knobs.seed} time_scale=${knobs.timeScale} slowdown=${knobs.slowdown} noise_cv=${knobs.noiseCv} run_cv=${knobs.runCv}${knobs.faults.length ? ` faults=${knobs.faults.map((f) => `${f.kind}:${f.arg}`).join(",")}` : ""}`
  );
  api("INFO", "model.py:1564", `Using max model len ${engine.maxModelLen}`);
  if (engine.chunkedPrefill) {
    api("INFO", "scheduler.py:205", `Chunked prefill is enabled with max_num_batched_tokens=${engine.maxNumBatchedTokens}.`);
  }
  core(
    "INFO",
    "core.py:77",
    `Initializing a V1 LLM engine (v${VLLM_VERSION}) with config: model='${model}', served_model_name=${cfg.servedNames.join(",")}, max_seq_len=${engine.maxModelLen}, tensor_parallel_size=${engine.tensorParallelSize}, max_num_seqs=${engine.maxNumSeqs}`
  );
  core("INFO", "gpu_model_runner.py:2547", `Starting to load model ${model}...`);
  await at(0.4);
  core("INFO", "default_loader.py:267", `Loading weights took ${(knobs.startupS * 0.35).toFixed(2)} seconds`);
  if (knobs.faults.some((f) => f.kind === "boot-exit")) {
    core("ERROR", "core.py:708", "EngineCore failed to start.");
    process.stderr.write(
      "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 22.03 GiB of which 1.06 GiB is free. Including non-PyTorch memory, this process has 20.96 GiB memory in use.\nRuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}\n"
    );
    process.exit(1);
  }
  await at(0.7);
  const kvTokens = engine.numGpuBlocks * engine.blockSize;
  core("INFO", "kv_cache_utils.py:1087", `GPU KV cache size: ${kvTokens.toLocaleString("en-US")} tokens`);
  core(
    "INFO",
    "kv_cache_utils.py:1091",
    `Maximum concurrency for ${engine.maxModelLen.toLocaleString("en-US")} tokens per request: ${(kvTokens / engine.maxModelLen).toFixed(2)}x`
  );
  if (kvTokens < engine.maxModelLen) {
    process.stderr.write(
      `ValueError: To serve at least one request with the models's max seq len (${engine.maxModelLen}), the KV cache needs ${engine.maxModelLen} tokens, which is larger than the available KV cache (${kvTokens} tokens). Based on the available memory, the estimated maximum model length is ${kvTokens}. Try increasing \`gpu_memory_utilization\` or decreasing \`max_model_len\` when initializing the engine.
`
    );
    process.exit(1);
  }
  if (knobs.faults.some((f) => f.kind === "boot-hang")) {
    core("INFO", "gpu_model_runner.py:3388", "Capturing CUDA graphs ...");
    setInterval(() => void 0, 1 << 30);
    return;
  }
  await at(0.9);
  core("INFO", "gpu_model_runner.py:3388", "Graph capturing finished in 1 secs, took 0.10 GiB");
  core(
    "INFO",
    "core.py:210",
    `init engine (profile, create kv cache, warmup model) took ${(knobs.startupS * 0.55).toFixed(2)} seconds`
  );
  await at(1);
  const server = new SimServer(cfg);
  if (knobs.runCv > 0) {
    api(
      "INFO",
      "vllm_sim.py:3",
      `run factor ${server.runFactor.toFixed(4)} (--sim-run-cv ${knobs.runCv}; ${knobs.seedGiven ? "repeats for this --sim-seed" : "drawn at start; give --sim-seed to repeat it"})`
    );
  }
  let port;
  try {
    port = await server.listen();
  } catch (e) {
    process.stderr.write(
      `OSError: [Errno 98] error while attempting to bind on address ('${cfg.host}', ${cfg.port}): ${e.message}
`
    );
    process.exit(1);
  }
  if (cfg.devMode)
    api("WARNING", "api_server.py:1139", "SECURITY WARNING: Development endpoints are enabled! This should NOT be used in production!");
  api("INFO", "api_server.py:1618", "Supported_tasks: ['generate']");
  api("INFO", "api_server.py:1895", `Starting vLLM API server 0 on http://${cfg.host}:${port}`);
  api("INFO", "launcher.py:34", "Available routes are:");
  for (const [route, methods] of Object.entries(server.routes)) {
    api("INFO", "launcher.py:42", `Route: ${route}, Methods: ${methods.join(", ")}`);
  }
  uvicorn(`Started server process [${process.pid}]`);
  uvicorn("Waiting for application startup.");
  uvicorn("Application startup complete.");
  server.startStatsLog();
  let closing = false;
  onSignal = () => {
    if (closing) return;
    closing = true;
    uvicorn("Shutting down");
    void server.close().then(() => {
      uvicorn("Finished server process [" + process.pid + "]");
      process.exit(0);
    });
  };
}
function bench(argv) {
  const kind = argv[0];
  if (kind === "latency") {
    const p = parseArgs(argv.slice(1), LATENCY_FLAGS);
    const knobs = simKnobs(p);
    const engine = engineArgs(p, knobs.profile);
    const get = (k, d) => p.values.get(k) ?? d;
    const r = runLatency(engine, knobs, {
      inputLen: get("input-len", 32),
      outputLen: get("output-len", 128),
      batchSize: get("batch-size", 8),
      warmupIters: get("num-iters-warmup", 10),
      iters: get("num-iters", 30)
    });
    if (p.ignored.length) process.stdout.write(`vllm-sim: flags accepted but not simulated (ignored): ${p.ignored.join(", ")}
`);
    process.stdout.write(`(simulated time) Avg latency: ${r.avg_latency} seconds
`);
    for (const [k, v] of Object.entries(r.percentiles)) process.stdout.write(`${k}% percentile latency: ${v} seconds
`);
    const out = p.values.get("output-json");
    if (out) writeFileSync(out, JSON.stringify(r, null, 4));
    return;
  }
  if (kind === "throughput") {
    const p = parseArgs(argv.slice(1), THROUGHPUT_FLAGS);
    const knobs = simKnobs(p);
    const engine = engineArgs(p, knobs.profile);
    const r = runThroughput(engine, knobs, {
      inputLen: p.values.get("input-len"),
      outputLen: p.values.get("output-len"),
      numPrompts: p.values.get("num-prompts") ?? 1e3,
      datasetPath: p.values.get("dataset-path") ?? p.values.get("dataset")
    });
    if (p.ignored.length) process.stdout.write(`vllm-sim: flags accepted but not simulated (ignored): ${p.ignored.join(", ")}
`);
    process.stdout.write(
      `(simulated time) Throughput: ${r.result.requests_per_second.toFixed(2)} requests/s, ${r.result.tokens_per_second.toFixed(2)} total tokens/s, ${r.outputTokensPerSecond.toFixed(2)} output tokens/s
Total num prompt tokens:  ${r.promptTokens}
Total num output tokens:  ${r.outputTokens}
`
    );
    const out = p.values.get("output-json");
    if (out) writeFileSync(out, JSON.stringify(r.result, null, 4));
    return;
  }
  throw new UsageError(`bench: expected 'latency' or 'throughput', got '${kind ?? ""}'`);
}
function devModeFromEnv(value) {
  if (value === void 0 || value === "") return false;
  if (!/^\s*[-+]?\d+\s*$/.test(value))
    throw new Error(`ValueError: invalid literal for int() with base 10: '${value}' (VLLM_SERVER_DEV_MODE)`);
  return Number(value) !== 0;
}
function envSimArgs(value) {
  const words = (value ?? "").split(/\s+/).filter(Boolean);
  for (const w of words)
    if (w.startsWith("-") && !w.startsWith("--sim-")) throw new UsageError(`VLLM_SIM_ARGS takes only --sim-* knobs, not ${w}`);
  return words;
}
async function main(argv) {
  const cmd = argv[0];
  if (cmd === "--version" || cmd === "-v" || cmd === "version") {
    process.stdout.write(`vllm-sim ${SIM_VERSION} (simulates vLLM ${VLLM_VERSION})
`);
    return;
  }
  if (cmd === "--help" || cmd === "-h" || cmd === void 0) {
    process.stdout.write(USAGE + "\n");
    if (cmd === void 0) process.exit(2);
    return;
  }
  const extra = envSimArgs(process.env.VLLM_SIM_ARGS);
  if (cmd === "serve") return serve([...argv.slice(1), ...extra]);
  if (cmd === "bench") return bench([...argv.slice(1), ...extra]);
  throw new UsageError(`invalid choice: '${cmd}' (choose from 'serve', 'bench')`);
}
main(process.argv.slice(2)).catch((e) => {
  if (e instanceof UsageError) fail(e.message);
  if (e instanceof Error && /profile|dataset/.test(e.message)) fail(e.message);
  process.stderr.write(`vllm-sim: ${e instanceof Error ? e.message : String(e)}
`);
  process.exit(1);
});
export {
  SIM_VERSION
};
