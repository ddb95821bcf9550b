import { type Context, TraceFlags, trace } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge, type OpenMetricsContentType, Registry, collectDefaultMetrics } from 'prom-client';
import { LatencyHistogram, type LatencySeries } from '../../lib/latency-histogram.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Prometheus registry; feature plugins register their metrics here. */
    metrics: Registry;
    /** The registry in the format an `Accept` header asks for: OpenMetrics (with exemplars) or text 0.0.4. */
    metricsExposition: (accept: string | undefined) => Promise<{ contentType: string; body: string }>;
  }
}

// Present only when telemetry.ts registered @fastify/otel (not in unit tests without tracing).
type OtelRequest = Omit<FastifyRequest, 'opentelemetry'> & {
  opentelemetry?: () => { context: Context | null };
};

/** The request's span when its trace is sampled (only a sampled trace can be looked up from an exemplar). */
function sampledSpan(request: FastifyRequest): { traceId: string; spanId: string } | undefined {
  let span = trace.getActiveSpan();
  if (span === undefined) {
    // onResponse usually still runs in the request's context; otherwise @fastify/otel kept it on the request.
    const context = (request as OtelRequest).opentelemetry?.().context;
    span = context ? trace.getSpan(context) : undefined;
  }
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  return (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 ? undefined : spanContext;
}

/**
 * OpenMetrics when the scraper prefers it (Prometheus asks for it first); prom-client writes exemplars only there.
 * `*\/*` and no Accept header get the classic text format, which every scraper reads.
 */
function prefersOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = parameters.find((p) => p.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2)) || 0;
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, quality);
    else if (type === 'text/plain') text = Math.max(text, quality);
  }
  return openMetrics > 0 && openMetrics >= text;
}

/**
 * Renders `registry` as OpenMetrics through a second registry holding views of its metrics. prom-client's
 * OpenMetrics rendering renames counters in place (it strips `_total` from the metric objects), which would break
 * every later classic scrape of the same metrics; the views carry the OpenMetrics family name instead.
 */
function openMetricsOf(registry: Registry): Promise<string> {
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of registry.getMetricsAsArray()) {
    // prom-client's types declare `type` as a numeric enum; at run time it is the exposition's type name.
    const family = (metric.type as unknown) === 'counter' ? metric.name.replace(/_total$/, '') : metric.name;
    const source = metric as unknown as { get: () => Promise<{ name: string }> };
    const view = {
      name: family,
      help: metric.help,
      type: metric.type,
      aggregator: metric.aggregator,
      get: async () => ({ ...(await source.get()), name: family }),
    };
    openMetrics.registerMetric(view as unknown as Parameters<Registry['registerMetric']>[0]);
  }
  return openMetrics.metrics();
}

/**
 * RED metrics for every routed request (probes excluded) and the default process metrics. The hooks only
 * touch in-memory counters.
 */
export default fp(
  async (app) => {
    // A registry per app instance keeps parallel test apps from colliding on metric names.
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    // prom-client also exports these counts as gauges named *_total, which the Prometheus naming rules (and
    // `promtool check metrics`) reserve for counters; nodejs_active_{handles,requests,resources} carry the same.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      registry.removeSingleMetric(name);
    }

    // Sampled requests' trace ids ride along as exemplars (OpenMetrics scrapes only), so a slow bucket in
    // Prometheus leads to a trace.
    const duration = new LatencyHistogram(
      'http_request_duration_seconds',
      'Duration of HTTP requests, by route template',
      // 0.3: the latency SLO's threshold in openslo.yaml (an SLO can only count requests under a bucket bound).
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10],
    );
    registry.registerMetric(duration as unknown as Parameters<Registry['registerMetric']>[0]);
    const inFlight = new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served',
      registers: [registry],
    });

    app.decorate('metrics', registry);
    app.decorate('metricsExposition', async (accept: string | undefined) =>
      prefersOpenMetrics(accept)
        ? { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await openMetricsOf(registry) }
        : { contentType: registry.contentType, body: await registry.metrics() },
    );

    // One pre-bound series per method/route/status (see lib/latency-histogram.ts); the set of keys is bounded by
    // the routes.
    const series = new Map<string, LatencySeries>();
    const seriesOf = (method: string, route: string, statusCode: number) => {
      const key = `${method} ${statusCode} ${route}`;
      let bound = series.get(key);
      if (bound === undefined) {
        bound = duration.bind({ method, route, status_code: statusCode });
        series.set(key, bound);
      }
      return bound;
    };

    // Requests counted in flight and not yet settled: a request leaves the gauge exactly once, whether it was
    // answered (onResponse) or abandoned by the client mid-request (the response's 'close' without onResponse).
    const counted = new WeakSet<object>();
    const settle = (request: object) => {
      if (counted.delete(request)) inFlight.dec();
    };

    app.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.config.probe !== true) {
        inFlight.inc();
        counted.add(request);
        reply.raw.once('close', () => {
          settle(request);
        });
      }
      done();
    });

    app.addHook('onResponse', (request, reply, done) => {
      // Fastify builds a new routeOptions object on every access: read it once.
      const { config, url } = request.routeOptions;
      if (config.probe === true) {
        done();
        return;
      }
      settle(request);
      const span = sampledSpan(request);
      seriesOf(request.method, url ?? 'unmatched', reply.statusCode).observe(
        reply.elapsedTime / 1000,
        span?.traceId,
        span?.spanId,
      );
      done();
    });
  },
  { name: 'metrics' },
);
