import { describe, expect, it } from 'vitest';
import {
  argsToFlags,
  buildServeArgv,
  commandArgv,
  engineFlags,
  normaliseServerArgs,
  reservedFlagProblem,
  serverEnv,
} from '../../src/server/argv.js';
import { GateError } from '../../src/errors.js';
import { createMasker, mask } from '../../src/server/mask.js';
import { hintForLog } from '../../src/server/hints.js';

describe('argsToFlags (vLLM CI json2args)', () => {
  it('turns snake_case and kebab keys into --kebab-key flags with their values', () => {
    expect(argsToFlags({ max_model_len: 4096, 'gpu-memory-utilization': 0.9, dtype: 'bfloat16' })).toEqual([
      '--max-model-len',
      '4096',
      '--gpu-memory-utilization',
      '0.9',
      '--dtype',
      'bfloat16',
    ]);
  });

  it('gives a bare flag for true and for "" (as vLLM CI files write it), and omits false and null', () => {
    expect(argsToFlags({ enforce_eager: true, disable_log_stats: '', enable_prefix_caching: false, quantization: null })).toEqual([
      '--enforce-eager',
      '--disable-log-stats',
    ]);
  });

  it('gives an array its values after one flag', () => {
    expect(argsToFlags({ 'lora-modules': ['a=/x', 'b=/y'], 'cuda-graph-sizes': [1, 2] })).toEqual([
      '--lora-modules',
      'a=/x',
      'b=/y',
      '--cuda-graph-sizes',
      '1',
      '2',
    ]);
  });

  it('passes a list verbatim, underscores and all', () => {
    expect(argsToFlags(['--max_model_len', '4096', '-tp', '2'])).toEqual(['--max_model_len', '4096', '-tp', '2']);
  });
});

describe('buildServeArgv', () => {
  it('refuses a model, served model name, host or args value that vllm serve would read as a flag, whoever calls it', () => {
    const refused = (server: Parameters<typeof buildServeArgv>[0], host = '127.0.0.1'): GateError => {
      try {
        buildServeArgv(server, 8000, host);
      } catch (err) {
        expect(err).toBeInstanceOf(GateError);
        return err as GateError;
      }
      throw new Error('buildServeArgv accepted it');
    };
    expect(refused({ model: '--port=1' })).toMatchObject({
      code: 'CONFIG',
      where: { path: 'server.model' },
      message: expect.stringContaining('"--port=1" starts with "-"'),
    });
    expect(refused({ model: 'm', 'served-model-name': '-x' }).where.path).toBe('server.served-model-name');
    expect(refused({ model: 'm' }, '--evil').where.path).toBe('server.host');
    expect(refused({ model: 'm', args: { 'lora-modules': ['a=/x', '--port=2'] } }).where.path).toBe('server.args.lora-modules[1]');
    expect(buildServeArgv({ model: 'm', args: { seed: '-1' } }, 8000, '127.0.0.1')).toContain('-1');
  });

  it('appends serve, the model, host, port, served name and args to a one-program command', () => {
    expect(
      buildServeArgv({ command: 'vllm', model: 'Qwen/Qwen2.5-0.5B-Instruct', args: { max_model_len: 8192 } }, 8123, '0.0.0.0'),
    ).toEqual([
      'vllm',
      'serve',
      'Qwen/Qwen2.5-0.5B-Instruct',
      '--host',
      '0.0.0.0',
      '--port',
      '8123',
      '--served-model-name',
      'Qwen/Qwen2.5-0.5B-Instruct',
      '--max-model-len',
      '8192',
    ]);
  });

  it('never splits a command string on spaces (it is one program, not a shell line)', () => {
    expect(commandArgv('/opt/my vllm/bin/vllm')).toEqual(['/opt/my vllm/bin/vllm']);
    expect(buildServeArgv({ command: 'vllm; rm -rf /', model: 'm' }, 1, 'h')[0]).toBe('vllm; rm -rf /');
  });

  it('keeps an argv command as given and uses served-model-name when set', () => {
    const argv = buildServeArgv(
      { command: ['python', '-m', 'vllm.entrypoints.cli.main'], model: 'm', 'served-model-name': 'short' },
      8000,
      '127.0.0.1',
    );
    expect(argv.slice(0, 5)).toEqual(['python', '-m', 'vllm.entrypoints.cli.main', 'serve', 'm']);
    expect(argv.slice(-2)).toEqual(['--served-model-name', 'short']);
  });

  it('defaults the command to vllm', () => {
    expect(buildServeArgv({ model: 'm' }, 1, 'h')[0]).toBe('vllm');
  });
});

describe('engineFlags', () => {
  it('drops the flags only `vllm serve` knows, which `vllm bench latency|throughput` would reject', () => {
    expect(
      engineFlags({
        'max-model-len': 4096,
        host: '0.0.0.0',
        port: 8000,
        'api-key': 'k',
        served_model_name: ['a', 'b'],
        'enforce-eager': true,
        'uvicorn-log-level': 'warning',
      }),
    ).toEqual(['--max-model-len', '4096', '--enforce-eager']);
  });

  it('recognises serve-only flags in a verbatim list, in --flag=value form too', () => {
    expect(engineFlags(['--port=9000', '--tensor-parallel-size', '2', '--disable-log-requests', '--dtype', 'half'])).toEqual([
      '--tensor-parallel-size',
      '2',
      '--dtype',
      'half',
    ]);
  });
});

describe('normaliseServerArgs (fingerprint)', () => {
  it('is the same for the same flags however they are spelled and ordered, without host, port and served name', () => {
    const a = normaliseServerArgs({ max_model_len: 4096, 'enforce-eager': true, port: 8001, host: '0.0.0.0' });
    const b = normaliseServerArgs(['--enforce_eager', '--max-model-len=4096', '--port', '8002', '--served-model-name', 'x']);
    expect(a).toEqual(['--enforce-eager', '--max-model-len 4096']);
    expect(b).toEqual(a);
  });
});

describe('serverEnv', () => {
  it('merges server.env over the runner environment as strings', () => {
    expect(serverEnv({ env: { A: 1, B: true, C: 'x' } }, { A: 'runner', PATH: '/bin' })).toEqual({
      A: '1',
      B: 'true',
      C: 'x',
      PATH: '/bin',
    });
  });
});

describe('mask', () => {
  it('replaces every occurrence of every secret, longest first', () => {
    const m = createMasker(['abc', 'abcdef']);
    expect(m('token=abcdef and abc, abcdef')).toBe('token=*** and ***, ***');
  });

  it('ignores empty secrets and treats regex characters literally', () => {
    expect(mask('a.b a+b', ['', 'a.b'])).toBe('*** a+b');
    expect(mask('nothing', [])).toBe('nothing');
  });
});

describe('hintForLog', () => {
  it.each([
    ['torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB', /GPU ran out of memory/],
    ['ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization`', /GPU ran out of memory/],
    ['OSError: [Errno 98] Address already in use', /port is taken/],
    ['huggingface_hub.errors.GatedRepoError: 401 Client Error. Cannot access gated repo for url', /gated or private.*HF_TOKEN/],
    ['huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. Repository Not Found for url', /model was not found/],
    ['vllm serve: error: unrecognized arguments: --max-modle-len 4096', /does not know `--max-modle-len 4096`/],
    ["vllm serve: error: argument --dtype: invalid choice: 'bf32'", /rejected the value of --dtype/],
  ])('explains %s', (line, hint) => {
    expect(hintForLog(['INFO starting', line, 'ERROR Engine core initialization failed'])).toMatch(hint);
  });

  it('has no hint for a log it does not recognise', () => {
    expect(hintForLog(['INFO all fine', 'Killed'])).toBeUndefined();
  });
});

describe('reservedFlagProblem', () => {
  it('names a flag of ours set in args, and what to set instead', () => {
    expect(reservedFlagProblem({ port: 9000 })).toEqual({ flag: '--port', instead: 'server.port' });
    expect(reservedFlagProblem(['--max-model-len', '4096', '--served_model_name=x'])).toEqual({
      flag: '--served-model-name',
      instead: 'server.served-model-name',
    });
    expect(reservedFlagProblem({ 'max-model-len': 4096, port: false })).toBeUndefined();
  });
});
