// The one way this project talks to the GitHub API: @actions/github's Octokit (REST methods and
// pagination), pointed at GITHUB_API_URL as read now, not when @actions/github was loaded, so a
// GHES host or a test's fake server is honoured whenever the variable is set.
import { getOctokit } from '@actions/github';
import { defaults } from '@actions/github/lib/utils';

export type Octokit = ReturnType<typeof getOctokit>;

export function apiBaseUrl(env: Record<string, string | undefined> = process.env): string {
  return (env.GITHUB_API_URL ?? '').replace(/\/+$/, '') || 'https://api.github.com';
}

export function createOctokit(token: string, env: Record<string, string | undefined> = process.env): Octokit {
  const baseUrl = apiBaseUrl(env);
  // @actions/github built its fetch (with the runner's proxy settings) for the URL it saw at load
  // time. When the URL changed since (a test's fake server), that proxy choice is for another host:
  // use plain fetch, which goes straight to the given URL.
  if (baseUrl !== defaults.baseUrl) return getOctokit(token, { baseUrl, request: { fetch: globalThis.fetch } });
  return getOctokit(token, { baseUrl });
}

/** The HTTP status of an Octokit RequestError, or undefined for anything else. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err) {
    const s = (err as { status: unknown }).status;
    return typeof s === 'number' ? s : undefined;
  }
  return undefined;
}

/** The API's own message, without the documentation URL Octokit appends. */
export function apiMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*-\s*https:\/\/docs\.github\.com\S*$/, '');
}
