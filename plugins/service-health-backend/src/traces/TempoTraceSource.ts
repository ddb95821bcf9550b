import type {
  Trace,
  TraceSummary,
} from '@fastify-backstage/plugin-service-health-common';
import { UpstreamGet, upstreamGet, UpstreamHttpOptions } from './upstream';
import {
  groupTraces,
  involvesService,
  listLimit,
  matchesQuery,
  minDuration,
  requestDurationMs,
  nanosToMs,
  newestFirst,
  normalizeId,
  overFetchLimit,
  traceIdForLookup,
} from './model';
import { convertOtlpTraces, toBigInt } from './otlp';
import {
  ServiceTarget,
  TraceListQuery,
  TraceSource,
  TraceSourceUnavailableError,
} from './types';

/** Tempo settings (`serviceHealth.traces.tempo`). */
export interface TempoOptions {
  /** Base URL of Tempo's HTTP API, e.g. `http://tempo:3200`. */
  baseUrl: string;
  /** `traceql` (default; filters run in Tempo) or `tags` (older Tempo without TraceQL). */
  search: 'traceql' | 'tags';
  /** Grafana base URL for deep links, e.g. `https://grafana.example.com`. */
  grafanaUrl?: string;
  /** Uid of the Tempo datasource in Grafana (needed for deep links). */
  datasourceUid?: string;
  /** Grafana organisation id in links. Default 1. */
  grafanaOrgId?: number;
  http: Omit<UpstreamHttpOptions, 'sourceId'>;
}

/** One hit of Tempo's `/api/search`. */
type TempoSearchTrace = {
  traceID: string;
  rootServiceName?: string;
  rootTraceName?: string;
  startTimeUnixNano?: string;
  durationMs?: number;
  serviceStats?: Record<string, { spanCount?: number; errorCount?: number }>;
};

/** A TraceQL string literal. */
export function traceqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The TraceQL query for the list filters. Values are quoted literals, never
 * spliced as syntax. Trace-level filters are separate spansets joined with
 * `&&` (both must exist in the trace).
 */
export function buildTraceQL(
  serviceName: string,
  query: TraceListQuery,
): string {
  const own = [`resource.service.name = ${traceqlString(serviceName)}`];
  if (query.operation) own.push(`name = ${traceqlString(query.operation)}`);
  const parts = [`{ ${own.join(' && ')} }`];
  if (query.errorsOnly) parts.push('{ status = error }');
  const min = minDuration(query);
  if (min !== undefined) parts.push(`{ traceDuration >= ${min} }`);
  return parts.join(' && ');
}

/** Traces from Grafana Tempo: `/api/search` and `/api/v2/traces/{id}` (v1 `/api/traces/{id}` as fallback). */
export class TempoTraceSource implements TraceSource {
  readonly id = 'tempo';
  readonly #options: TempoOptions;
  readonly #get: UpstreamGet;

  constructor(options: TempoOptions) {
    this.#options = options;
    this.#get = upstreamGet(this.id, options);
  }

  deepLink(traceId: string): string | undefined {
    const { grafanaUrl, datasourceUid } = this.#options;
    if (!grafanaUrl || !datasourceUid) return undefined;
    const panes = {
      trace: {
        datasource: datasourceUid,
        queries: [
          {
            refId: 'A',
            datasource: { type: 'tempo', uid: datasourceUid },
            queryType: 'traceql',
            query: traceId,
          },
        ],
        range: { from: 'now-24h', to: 'now' },
      },
    };
    return `${grafanaUrl.replace(/\/+$/, '')}/explore?schemaVersion=1&orgId=${
      this.#options.grafanaOrgId ?? 1
    }&panes=${encodeURIComponent(JSON.stringify(panes))}`;
  }

  async listTraces(
    target: ServiceTarget,
    query: TraceListQuery,
  ): Promise<TraceSummary[]> {
    const limit = listLimit(query);
    const common = {
      start: String(Math.floor(query.from.getTime() / 1000)),
      end: String(Math.ceil(query.to.getTime() / 1000)),
    };
    const traceql = this.#options.search !== 'tags';
    const params = traceql
      ? {
          ...common,
          q: buildTraceQL(target.serviceName, query),
          limit: String(limit),
        }
      : {
          ...common,
          tags: [
            `service.name=${traceqlString(target.serviceName)}`,
            ...(query.operation
              ? [`name=${traceqlString(query.operation)}`]
              : []),
          ].join(' '),
          minDuration: minDuration(query),
          limit: String(query.errorsOnly ? overFetchLimit(limit) : limit),
        };
    const body = (await this.#get('/api/search', params)) as
      | { traces?: TempoSearchTrace[] | null }
      | undefined;
    const hits = body?.traces ?? [];
    const summaries: TraceSummary[] = [];
    const needFull: string[] = [];
    for (const hit of hits) {
      const traceId = normalizeId(hit.traceID, 16);
      if (!traceId) continue;
      const stats = hit.serviceStats;
      const start = toBigInt(hit.startTimeUnixNano);
      if (!stats || start === undefined) {
        needFull.push(traceId);
        continue;
      }
      const services = Object.keys(stats).sort();
      summaries.push({
        traceId,
        rootService: hit.rootServiceName ?? '',
        rootOperation: hit.rootTraceName ?? '',
        startTime: nanosToMs(start),
        durationMs: Number(hit.durationMs ?? 0),
        spanCount: services.reduce((n, s) => n + (stats[s].spanCount ?? 0), 0),
        errorCount: services.reduce(
          (n, s) => n + (stats[s].errorCount ?? 0),
          0,
        ),
        services,
        ...(this.deepLink(traceId) ? { deepLink: this.deepLink(traceId) } : {}),
      });
    }
    // Older Tempo answers without serviceStats: read those traces whole.
    for (let i = 0; i < needFull.length; i += 4) {
      const batch = await Promise.all(
        needFull.slice(i, i + 4).map(id => this.getTrace(target, id)),
      );
      for (const t of batch) {
        if (t && matchesQuery(t, target.serviceName, query)) {
          summaries.push(t.summary);
        }
      }
    }
    const filtered = summaries.filter(
      s =>
        (!query.errorsOnly || s.errorCount > 0) &&
        // Tempo's search gives the total only (no root span duration):
        // requestDurationMs falls back to it for these summaries.
        (query.minDurationMs === undefined ||
          requestDurationMs(s) >= query.minDurationMs),
    );
    return newestFirst(filtered, limit);
  }

  async getTrace(
    target: ServiceTarget,
    traceId: string,
  ): Promise<Trace | undefined> {
    const id = traceIdForLookup(traceId);
    if (id === undefined) return undefined;
    let body = (await this.#get(`/api/v2/traces/${id}`)) as any;
    let data: unknown;
    if (body === undefined) {
      // Tempo before the v2 API (or the trace is not there): try v1.
      body = await this.#get(`/api/traces/${id}`);
      data = body;
    } else {
      if (typeof body !== 'object' || body === null) {
        throw new TraceSourceUnavailableError(
          this.id,
          'tempo answered with an unexpected body',
          undefined,
          'invalid',
        );
      }
      data = body.trace ?? body;
    }
    if (!data) return undefined;
    const spans = convertOtlpTraces(data).spans.filter(s => s.traceId === id);
    if (spans.length === 0) return undefined;
    const trace = groupTraces(spans, tid => this.deepLink(tid))[0];
    // Tempo looks traces up by id only: another service's trace is not found.
    return involvesService(trace, target.serviceName) ? trace : undefined;
  }
}
