// Readiness as vLLM's own tooling judges it: GET /health answers 200 and GET /v1/models lists the
// name requests will use. Log lines are not consulted (their wording changes between versions).
import { Agent, request } from 'undici';

export interface Probe {
  ready: boolean;
  /** The model that made it ready (the served name, or the first listed when none was asked). */
  model?: string;
  /** What is missing, for progress lines and the timeout message. */
  detail: string;
}

/** A small client of its own, so probing never shares connections with the load generator. */
export function probeAgent(): Agent {
  return new Agent({ connections: 1, connectTimeout: 5_000, headersTimeout: 10_000, bodyTimeout: 10_000, keepAliveTimeout: 1_000 });
}

/** One readiness check. Without a served name (an external server given by URL only), any listed model will do. */
export async function probeReady(
  baseUrl: string,
  servedModelName: string | undefined,
  headers: Record<string, string>,
  dispatcher: Agent,
): Promise<Probe> {
  try {
    const health = await request(`${baseUrl}/health`, { method: 'GET', headers, dispatcher });
    await health.body.dump();
    if (health.statusCode !== 200) return { ready: false, detail: `/health answers ${health.statusCode}` };
    const models = await request(`${baseUrl}/v1/models`, { method: 'GET', headers, dispatcher });
    if (models.statusCode !== 200) {
      await models.body.dump();
      const why = models.statusCode === 401 ? ' (the server wants an API key: set server.api-key-env)' : '';
      return { ready: false, detail: `/v1/models answers ${models.statusCode}${why}` };
    }
    const body = (await models.body.json()) as { data?: { id?: unknown }[] };
    const ids = (body.data ?? []).map((m) => String(m.id));
    if (servedModelName === undefined ? ids.length > 0 : ids.includes(servedModelName))
      return { ready: true, detail: 'ready', model: servedModelName ?? ids[0]! };
    const listed = ids.length ? ids.map((i) => `\`${i}\``).join(', ') : 'no model';
    return {
      ready: false,
      detail: servedModelName === undefined ? `/v1/models lists ${listed}` : `/v1/models lists ${listed}, not \`${servedModelName}\``,
    };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ready: false, detail: code === 'ECONNREFUSED' ? 'not listening yet' : `no answer (${code ?? (err as Error).message})` };
  }
}

/** The engine version from GET /version (`{"version": "0.11.0"}`), or null. */
export async function readVersion(baseUrl: string, headers: Record<string, string>, dispatcher: Agent): Promise<string | null> {
  try {
    const res = await request(`${baseUrl}/version`, { method: 'GET', headers, dispatcher });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return null;
    }
    const body = (await res.body.json()) as { version?: unknown };
    return typeof body.version === 'string' ? body.version : null;
  } catch {
    return null;
  }
}

/** `http://host:port` for connecting to a server bound to `host` (a wildcard bind is reached on loopback). */
export function connectUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
