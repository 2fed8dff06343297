// What a failed boot or offline bench most likely means, read from its log: the known causes users
// hit first on a GPU runner, each with what to do.

interface Cause {
  re: RegExp;
  hint: (m: RegExpExecArray) => string;
}

const CAUSES: Cause[] = [
  {
    re: /CUDA out of memory|OutOfMemoryError|CUDA error: out of memory|No available memory for the cache blocks|insufficient (?:GPU|KV cache) memory|larger than the available KV cache memory/i,
    hint: () =>
      'the GPU ran out of memory: lower --gpu-memory-utilization, --max-model-len or --max-num-seqs in server.args, use a smaller model or more GPUs (--tensor-parallel-size), or check with nvidia-smi that no other process holds the GPU',
  },
  {
    re: /address already in use|EADDRINUSE|Errno 98/i,
    hint: () => 'the port is taken by another process: set server.port: auto, or stop the process holding it (ss -ltnp)',
  },
  {
    re: /gated repo|401 Client Error|403 Client Error|Access to model .* is restricted|Cannot access gated repo/i,
    hint: () =>
      'the model is gated or private on Hugging Face: accept its licence on huggingface.co with the account of your token, and pass the token with server.secret-env: [HF_TOKEN] (set HF_TOKEN from a repository secret)',
  },
  {
    re: /Repository Not Found|RepositoryNotFoundError|is not a valid model identifier|HFValidationError|does not appear to have a file named|No such file or directory: .*config\.json|model .* (?:not found|does not exist)/i,
    hint: () =>
      'the model was not found: check server.model (a Hugging Face id such as Qwen/Qwen2.5-0.5B-Instruct, or a local path that exists on the runner)',
  },
  {
    re: /unrecognized arguments?:\s*(.*)/i,
    hint: (m) =>
      `this vLLM version does not know ${m[1]?.trim() ? `\`${m[1].trim()}\`` : 'a flag'}: remove it from server.args (or the suite's args), or check its spelling with \`vllm serve --help\``,
  },
  {
    re: /error: argument (\S+): (.*)/i,
    hint: (m) => `vLLM rejected the value of ${m[1]} (${m[2]?.trim()}): fix it in server.args`,
  },
  {
    re: /No module named ['"]?vllm|command not found|spawn \S+ ENOENT/i,
    hint: () =>
      'vLLM is not installed where server.command points: install it on the runner (pip install vllm) or set server.command to its full path',
  },
];

/** A hint for the first known cause found in the lines (searched newest first), or undefined. */
export function hintForLog(lines: string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    for (const c of CAUSES) {
      const m = c.re.exec(line);
      if (m) return c.hint(m);
    }
  }
  return undefined;
}
