import {
  MetricsPoint,
  RouteMetrics,
  SERVICE_HEALTH_ANNOTATIONS,
} from '@fastify-backstage/plugin-service-health-common';
import type { PrometheusSourceConfig } from '../config';
import { OutboundHttp } from '../outbound/OutboundHttp';
import { SourceError, SourceUnreachableError } from '../errors';
import { MetricsSource, MetricsWindow, ResolvedTarget } from '../types';
import {
  defaultMatchers,
  LabelMatcher,
  parseLabelMatchers,
  promqlTemplates as T,
} from './promql';

type VectorResult = Array<{
  metric: Record<string, string>;
  value: [number, string];
}>;
type MatrixResult = Array<{
  metric: Record<string, string>;
  values: Array<[number, string]>;
}>;

const num = (v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};
const toMs = (v: number | undefined) =>
  v === undefined ? undefined : v * 1000;

/**
 * Figures from Prometheus (`/api/v1/query` and `/api/v1/query_range`), built
 * only from the allow-listed templates in `promql.ts`.
 */
export class PrometheusMetricsSource implements MetricsSource {
  readonly id: string;
  readonly #http: OutboundHttp;

  constructor(
    private readonly config: PrometheusSourceConfig,
    maxResponseBytes: number,
  ) {
    this.id = config.id;
    // The Prometheus URL comes from config, not from a catalog file: trust its host.
    this.#http = OutboundHttp.forTrustedOrigin(config.baseUrl, {
      timeoutMs: config.timeoutMs,
      maxResponseBytes: Math.max(maxResponseBytes, 16 * 1024 * 1024),
      maxRedirects: 0,
    });
  }

  /**
   * The label matchers selecting the target's series: its
   * `service-health.io/prometheus-selector` annotation, else the configured
   * default selector. PromQL stays inside this source.
   */
  matchers(target: ResolvedTarget): LabelMatcher[] {
    const text =
      target.annotations?.[SERVICE_HEALTH_ANNOTATIONS.prometheusSelector];
    if (text === undefined) {
      return defaultMatchers(this.config.defaultSelector, target.serviceName);
    }
    try {
      return parseLabelMatchers(text);
    } catch (e) {
      throw new SourceError(
        `Invalid prometheus selector annotation: ${(e as Error).message}`,
        'invalid',
        e,
      );
    }
  }

  async #call<R>(
    path: 'query' | 'query_range',
    params: Record<string, string>,
  ): Promise<R> {
    let res;
    try {
      res = await this.#http.request(`${this.config.baseUrl}/api/v1/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          ...(this.config.token
            ? { authorization: `Bearer ${this.config.token}` }
            : {}),
        },
        body: new URLSearchParams(params).toString(),
      });
    } catch (e) {
      const detail = (e as Error).message;
      // Too large, a refused redirect...: it answered, but not usably.
      if (e instanceof SourceError && !e.unreachable) {
        throw new SourceError(`Prometheus ${this.id}: ${detail}`, e.reason, e);
      }
      throw new SourceUnreachableError(
        `Prometheus ${this.id} unreachable: ${detail}`,
        (e as SourceError).reason === 'timeout' ? 'timeout' : 'connection',
        e,
      );
    }
    let body: any;
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch (e) {
      throw new SourceError(
        `Prometheus ${this.id} answered HTTP ${res.status} without JSON`,
        res.status === 200 ? 'invalid' : 'http-status',
        e,
      );
    }
    if (body.status !== 'success') {
      throw new SourceError(
        `Prometheus ${this.id}: ${body.errorType ?? ''} ${
          body.error ?? res.status
        }`,
        'http-status',
      );
    }
    return body.data.result as R;
  }

  #instant(query: string, time: Date) {
    return this.#call<VectorResult>('query', {
      query,
      time: String(time.getTime() / 1000),
    });
  }

  /** One instant query, for the SLO evaluation (its PromQL is built in slo/promql.ts). */
  instantQuery(query: string, time: Date) {
    return this.#instant(query, time);
  }

  /** One range query, for the SLO history (its PromQL is built in slo/promql.ts). */
  rangeQuery(query: string, start: Date, end: Date, stepSeconds: number) {
    return this.#call<MatrixResult>('query_range', {
      query,
      start: String(start.getTime() / 1000),
      end: String(end.getTime() / 1000),
      step: String(stepSeconds),
    });
  }

  async getSummary(target: ResolvedTarget, window: MetricsWindow) {
    const m = this.matchers(target);
    const w = (window.to.getTime() - window.from.getTime()) / 1000;
    const at = window.to;
    const [
      requests,
      errors,
      p50r,
      p95r,
      p99r,
      p50,
      p95,
      p99,
      cpu,
      rss,
      heap,
      lag,
    ] = await Promise.all([
      this.#instant(T.requestsByRoute(m, w), at),
      this.#instant(T.errorsByRoute(m, w), at),
      this.#instant(T.quantileByRoute('p50', m, w), at),
      this.#instant(T.quantileByRoute('p95', m, w), at),
      this.#instant(T.quantileByRoute('p99', m, w), at),
      this.#instant(T.quantile('p50', m, w), at),
      this.#instant(T.quantile('p95', m, w), at),
      this.#instant(T.quantile('p99', m, w), at),
      this.#instant(T.cpu(m, w), at),
      this.#instant(T.residentMemory(m), at),
      this.#instant(T.heapUsed(m), at),
      this.#instant(T.eventLoopLagP99(m), at),
    ]);
    if (requests.length === 0 && rss.length === 0 && cpu.length === 0)
      return undefined;
    const key = (r: Record<string, string>) => `${r.method}\u0000${r.route}`;
    const byKey = (v: VectorResult) =>
      new Map(v.map(s => [key(s.metric), num(s.value[1])]));
    const errs = byKey(errors);
    const q50 = byKey(p50r);
    const q95 = byKey(p95r);
    const q99 = byKey(p99r);
    const routes: RouteMetrics[] = requests
      .map(s => {
        const k = key(s.metric);
        const count = num(s.value[1]) ?? 0;
        return {
          method: s.metric.method ?? '',
          route: s.metric.route ?? '',
          requests: count,
          requestRate: count / w,
          errorRate: count > 0 ? (errs.get(k) ?? 0) / count : 0,
          p50Ms: toMs(q50.get(k)),
          p95Ms: toMs(q95.get(k)),
          p99Ms: toMs(q99.get(k)),
        };
      })
      .filter(r => r.requests > 0)
      .sort((a, b) => b.requests - a.requests);
    const total = routes.reduce((a, r) => a + r.requests, 0);
    const totalErrors = errors.reduce((a, s) => a + (num(s.value[1]) ?? 0), 0);
    const one = (v: VectorResult) => num(v[0]?.value[1]);
    return {
      requestRate: total / w,
      errorRate: total > 0 ? totalErrors / total : 0,
      // increase() extrapolates to the window's edges: not exact counts.
      countsEstimated: true,
      p50Ms: toMs(one(p50)),
      p95Ms: toMs(one(p95)),
      p99Ms: toMs(one(p99)),
      routes,
      process: {
        cpuUsage: one(cpu),
        residentMemoryBytes: one(rss),
        heapUsedBytes: one(heap),
        eventLoopLagP99Ms: toMs(one(lag)),
      },
    };
  }

  async getSeries(
    target: ResolvedTarget,
    window: MetricsWindow & { stepSeconds: number },
  ): Promise<MetricsPoint[] | undefined> {
    const m = this.matchers(target);
    const step = window.stepSeconds;
    const w = Math.max(step, 60);
    const range = (query: string) =>
      this.#call<MatrixResult>('query_range', {
        query,
        start: String(window.from.getTime() / 1000 + step),
        end: String(window.to.getTime() / 1000),
        step: String(step),
      });
    const names = [
      'requestRate',
      'errorRate',
      'p50Ms',
      'p95Ms',
      'p99Ms',
      'cpuUsage',
      'residentMemoryBytes',
      'eventLoopLagP99Ms',
    ] as const;
    const results = await Promise.all([
      range(T.requestRate(m, w)),
      range(T.errorRatio(m, w)),
      range(T.quantile('p50', m, w)),
      range(T.quantile('p95', m, w)),
      range(T.quantile('p99', m, w)),
      range(T.cpu(m, w)),
      range(T.residentMemory(m)),
      range(T.eventLoopLagP99(m)),
    ]);
    const points = new Map<number, MetricsPoint>();
    results.forEach((matrix, i) => {
      const name = names[i];
      const scale = name.endsWith('Ms') ? 1000 : 1;
      for (const [t, v] of matrix[0]?.values ?? []) {
        const ms = Math.round(t * 1000);
        const point = points.get(ms) ?? { t: ms };
        const n = num(v);
        if (n !== undefined) point[name] = n * scale;
        points.set(ms, point);
      }
    });
    if (points.size === 0) return undefined;
    return [...points.values()].sort((a, b) => a.t - b.t);
  }
}
