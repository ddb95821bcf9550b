import { SourceError } from '../errors';
import { OutboundHttp } from '../outbound/OutboundHttp';
import { TraceSourceUnavailableError } from './types';

/** Limits of calls to Jaeger and Tempo. */
export interface UpstreamHttpOptions {
  sourceId: string;
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
  headers?: Record<string, string>;
}

export const DEFAULT_UPSTREAM_LIMITS = {
  timeoutMs: 10_000,
  maxResponseBytes: 16 * 1024 * 1024,
  maxRedirects: 3,
};

/** The upstream answered, but not with something usable (4xx other than 404). */
export class UpstreamResponseError extends SourceError {
  name = 'UpstreamResponseError';
  constructor(message: string, readonly status: number) {
    super(message, 'http-status');
  }
}

/**
 * GETs JSON from an upstream trace store through `client` (the plugin's one
 * outbound client, in its trusted-origin mode: a timeout for the whole
 * exchange, a response size limit, same-origin redirects only). Returns
 * undefined for 404. Failures throw {@link TraceSourceUnavailableError} with
 * their reason: `connection`/`timeout` (unreachable), `http-status` (5xx,
 * 429, a refused redirect), `too-large`, `invalid` (not JSON).
 */
async function getJsonWith(
  client: OutboundHttp,
  url: URL,
  options: UpstreamHttpOptions,
): Promise<unknown | undefined> {
  const { sourceId } = options;
  const origin = url.origin;
  let res;
  try {
    res = await client.request(url, {
      headers: { accept: 'application/json', ...options.headers },
    });
  } catch (e) {
    const reason = e instanceof SourceError ? e.reason : 'connection';
    const detail = (e as Error).message;
    let message = `${sourceId} at ${origin} is unreachable: ${detail}`;
    if (reason === 'timeout') {
      message = `${sourceId} at ${origin} timed out after ${options.timeoutMs} ms`;
    } else if (reason === 'too-large') {
      message = `${sourceId}: response is over the limit of ${options.maxResponseBytes} bytes`;
    } else if (reason === 'refused') {
      message = `${sourceId}: ${detail}`;
    }
    throw new TraceSourceUnavailableError(sourceId, message, e, reason);
  }
  const text = res.body.toString('utf8');
  if (res.status === 404) return undefined;
  if (res.status >= 500 || res.status === 429) {
    throw new TraceSourceUnavailableError(
      sourceId,
      `${sourceId} answered ${res.status}: ${text.slice(0, 200)}`,
      undefined,
      'http-status',
    );
  }
  if (res.status >= 400) {
    throw new UpstreamResponseError(
      `${sourceId} answered ${res.status}: ${text.slice(0, 200)}`,
      res.status,
    );
  }
  try {
    return text ? JSON.parse(text) : undefined;
  } catch (e) {
    throw new TraceSourceUnavailableError(
      sourceId,
      `${sourceId} answered with a body that is not JSON`,
      e,
      'invalid',
    );
  }
}

function clientFor(baseUrl: string | URL, options: UpstreamHttpOptions) {
  return OutboundHttp.forTrustedOrigin(baseUrl, {
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxResponseBytes,
    maxRedirects: options.maxRedirects,
  });
}

/** One GET of JSON from an upstream (a client for this call only). */
export async function getJson(
  url: URL,
  options: UpstreamHttpOptions,
): Promise<unknown | undefined> {
  const client = clientFor(url, options);
  try {
    return await getJsonWith(client, url, options);
  } finally {
    client.close();
  }
}

/** GETs JSON from `apiPath` (with `params`) below an upstream's `baseUrl`. */
export type UpstreamGet = (
  apiPath: string,
  params?: Record<string, string | undefined>,
) => Promise<unknown | undefined>;

/**
 * The GET of the upstream trace store `sourceId`: JSON from {@link apiUrl}
 * below its `baseUrl`, with its limits and headers, over one client kept for
 * the source (keep-alive connections).
 */
export function upstreamGet(
  sourceId: string,
  upstream: { baseUrl: string; http: Omit<UpstreamHttpOptions, 'sourceId'> },
): UpstreamGet {
  const options: UpstreamHttpOptions = { ...upstream.http, sourceId };
  const client = clientFor(upstream.baseUrl, options);
  return (apiPath, params) =>
    getJsonWith(client, apiUrl(upstream.baseUrl, apiPath, params), options);
}

/** Joins a base URL (which may have a path, e.g. behind a proxy) and an API path. */
export function apiUrl(
  baseUrl: string,
  apiPath: string,
  params?: Record<string, string | undefined>,
): URL {
  const url = new URL(baseUrl.replace(/\/+$/, '') + apiPath);
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v !== undefined && v !== '') url.searchParams.set(k, v);
  }
  return url;
}
