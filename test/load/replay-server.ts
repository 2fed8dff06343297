// A tiny local server that answers like vLLM, scripted by the request's "prompt": lets the client
// be tested over a real socket for each way a response can go wrong, before and apart from vllm-sim.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Scenario = 'ok' | 'tricky-text' | 'http-500' | 'stream-error' | 'stall' | 'drop' | 'malformed' | 'no-done' | 'nonstream';

export interface Replay {
  url: string;
  /** Requests seen, in arrival order, with their parsed bodies and headers. */
  seen: { body: Record<string, unknown>; headers: Record<string, string | string[] | undefined> }[];
  close: () => Promise<void>;
}

const chunk = (i: number, text = ` t${i}`): string =>
  `data: {"id":"cmpl-r","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null}\n\n`;
const usage = (p: number, c: number): string =>
  `data: {"id":"cmpl-r","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":${p},"total_tokens":${p + c},"completion_tokens":${c}}}\n\n`;

/** Streams `tokens` chunks `gapMs` apart after `ttftMs`, as scripted by the prompt (e.g. "ok"). */
export async function startReplay(opts: { tokens?: number; ttftMs?: number; gapMs?: number; promptTokens?: number } = {}): Promise<Replay> {
  const tokens = opts.tokens ?? 4;
  const ttft = opts.ttftMs ?? 5;
  const gap = opts.gapMs ?? 2;
  const seen: Replay['seen'] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (b: Buffer) => (raw += b.toString()));
    req.on('end', () => {
      if (req.method === 'GET') return void res.end(); // GET /health
      const body = JSON.parse(raw) as Record<string, unknown>;
      seen.push({ body, headers: req.headers });
      const scenario = String(body.prompt ?? 'ok') as Scenario;
      open.add(res);
      res.on('close', () => open.delete(res));
      if (scenario === 'http-500') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"engine fell over","type":"InternalServerError","param":null,"code":500}}');
        return;
      }
      if (scenario === 'nonstream') {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'cmpl-n',
              choices: [{ index: 0, text: 'x', finish_reason: 'length' }],
              usage: { prompt_tokens: opts.promptTokens ?? 7, completion_tokens: tokens, total_tokens: 7 + tokens },
            }),
          );
        }, ttft);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const step = (): void => {
        if (res.destroyed) return;
        if (scenario === 'stall' && i === 1) return; // keeps the connection open, sends nothing more
        if (scenario === 'drop' && i === 2) return void res.socket?.destroy();
        if (scenario === 'stream-error' && i === 2) {
          res.write('data: {"error":{"message":"decode failed","type":"InternalServerError","code":500}}\n\n');
          return void res.end('data: [DONE]\n\n');
        }
        if (scenario === 'malformed' && i === 2) {
          res.write('data: {"choices": [{"text": "tr\n\n');
          return void res.end('data: [DONE]\n\n');
        }
        if (i < tokens) {
          // Generated text that spells the client's markers: JSON escaping must keep them apart.
          res.write(scenario === 'tricky-text' ? chunk(i++, '"error": {"usage":{ "choices":[{') : chunk(i++));
          setTimeout(step, gap);
          return;
        }
        res.write(usage(opts.promptTokens ?? 7, tokens));
        if (scenario === 'no-done') return void res.end();
        res.end('data: [DONE]\n\n');
      };
      setTimeout(step, ttft);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
