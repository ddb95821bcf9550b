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
export class UpstreamResponseError extends Error {
  readonly name = 'UpstreamResponseError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function readLimited(
  res: Response,
  max: number,
  sourceId: string,
  controller: AbortController,
): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    controller.abort();
    throw new TraceSourceUnavailableError(
      sourceId,
      `${sourceId}: response of ${declared} bytes is over the limit of ${max}`,
    );
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      controller.abort();
      await reader.cancel().catch(() => {});
      throw new TraceSourceUnavailableError(
        sourceId,
        `${sourceId}: response is over the limit of ${max} bytes`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GETs JSON from an upstream trace store: with a timeout for the whole
 * exchange, a response size limit, and redirects followed only within the
 * same origin. Returns undefined for 404. Network failures, timeouts, 5xx
 * and unreadable bodies throw {@link TraceSourceUnavailableError}.
 */
export async function getJson(
  url: URL,
  options: UpstreamHttpOptions,
): Promise<unknown | undefined> {
  const { sourceId } = options;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const origin = url.origin;
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = await fetch(current, {
          method: 'GET',
          redirect: 'manual',
          signal: controller.signal,
          headers: { accept: 'application/json', ...options.headers },
        });
      } catch (e) {
        const reason = controller.signal.aborted
          ? `timed out after ${options.timeoutMs} ms`
          : String((e as Error)?.cause ?? e);
        throw new TraceSourceUnavailableError(
          sourceId,
          `${sourceId} at ${origin} is unreachable: ${reason}`,
          e,
        );
      }
      if (
        res.status >= 300 &&
        res.status < 400 &&
        res.headers.get('location')
      ) {
        await res.body?.cancel().catch(() => {});
        const next = new URL(res.headers.get('location')!, current);
        if (next.origin !== origin) {
          throw new TraceSourceUnavailableError(
            sourceId,
            `${sourceId} redirected to another origin (${next.origin}); refused`,
          );
        }
        if (hop >= options.maxRedirects) {
          throw new TraceSourceUnavailableError(
            sourceId,
            `${sourceId}: too many redirects`,
          );
        }
        current = next;
        continue;
      }
      let text: string;
      try {
        text = await readLimited(
          res,
          options.maxResponseBytes,
          sourceId,
          controller,
        );
      } catch (e) {
        if (e instanceof TraceSourceUnavailableError) throw e;
        throw new TraceSourceUnavailableError(
          sourceId,
          controller.signal.aborted
            ? `${sourceId} at ${origin} timed out after ${options.timeoutMs} ms`
            : `${sourceId}: reading the response failed: ${e}`,
          e,
        );
      }
      if (res.status === 404) return undefined;
      if (res.status >= 500 || res.status === 429) {
        throw new TraceSourceUnavailableError(
          sourceId,
          `${sourceId} answered ${res.status}: ${text.slice(0, 200)}`,
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
        );
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/** GETs JSON from `apiPath` (with `params`) below an upstream's `baseUrl`. */
export type UpstreamGet = (
  apiPath: string,
  params?: Record<string, string | undefined>,
) => Promise<unknown | undefined>;

/**
 * The GET of the upstream trace store `sourceId`: {@link getJson} of
 * {@link apiUrl} below its `baseUrl`, with its limits and headers.
 */
export function upstreamGet(
  sourceId: string,
  upstream: { baseUrl: string; http: Omit<UpstreamHttpOptions, 'sourceId'> },
): UpstreamGet {
  const options: UpstreamHttpOptions = { ...upstream.http, sourceId };
  return (apiPath, params) =>
    getJson(apiUrl(upstream.baseUrl, apiPath, params), options);
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
