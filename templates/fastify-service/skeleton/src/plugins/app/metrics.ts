import fp from 'fastify-plugin';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Prometheus registry; feature plugins register their metrics here. */
    metrics: Registry;
  }
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

    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests, by route template',
      labelNames: ['method', 'route', 'status_code'] as const,
      // 0.3: the latency SLO's threshold in openslo.yaml (an SLO can only count requests under a bucket bound).
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const inFlight = new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served',
      registers: [registry],
    });

    app.decorate('metrics', registry);

    // One pre-bound histogram child per method/route/status: observing through it skips prom-client's per-call
    // label validation and hashing and allocates nothing. The set of keys is bounded by the routes.
    const children = new Map<string, ReturnType<typeof duration.labels>>();
    const child = (method: string, route: string, statusCode: number) => {
      const key = `${method} ${statusCode} ${route}`;
      let bound = children.get(key);
      if (bound === undefined) {
        bound = duration.labels({ method, route, status_code: statusCode });
        children.set(key, bound);
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
      child(request.method, url ?? 'unmatched', reply.statusCode).observe(reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'metrics' },
);
